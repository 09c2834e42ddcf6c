// Script of the GazeGen Canvas panel (browser, no vscode import). It draws what the extension host sends — the photo,
// the detected boxes, the gaze cursor with its dwell ring, the restricted grid cells of a selection — and reports the
// mouse as a gaze stream (image pixels, ~30 Hz, also while the mouse rests: a dwell needs samples). Everything is drawn
// with canvas and DOM APIs (textContent), never innerHTML, so host strings cannot inject markup.
import type { CanvasBox, CanvasMessage, CanvasWindow, HostCanvasMessage } from '../gazegen/messages';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void };
const api = acquireVsCodeApi();
const send = (m: CanvasMessage) => api.postMessage(m);
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const root = $('gazegen-canvas');
const canvas = $<HTMLCanvasElement>('view');
const ctx = canvas.getContext('2d')!;
const photoSel = $<HTMLSelectElement>('photo');
const opButtons = [...document.querySelectorAll<HTMLButtonElement>('button[data-op]')];

let img: HTMLImageElement | null = null;
let size = { w: 1, h: 1 };
let boxes: CanvasBox[] = [];
let selected: CanvasBox | null = null;
let second: CanvasBox | null = null;
let win: CanvasWindow | null = null;
let gaze: { x: number; y: number; progress: number; source: string; fixation: [number, number] | null } | null = null;
let pendingOp: string | null = null;

function draw() {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (img) ctx.drawImage(img, 0, 0, size.w, size.h);
  const lw = Math.max(1, size.w / 400);
  // restricted grid cells of the last selection
  if (win) {
    const cw = size.w / win.gridW,
      ch = size.h / win.gridH;
    ctx.fillStyle = 'rgba(80, 170, 255, 0.18)';
    ctx.fillRect(win.c0 * cw, win.r0 * ch, (win.c1 - win.c0 + 1) * cw, (win.r1 - win.r0 + 1) * ch);
    ctx.strokeStyle = 'rgba(80, 170, 255, 0.45)';
    ctx.lineWidth = lw / 2;
    ctx.beginPath();
    for (let c = win.c0; c <= win.c1 + 1; c++) {
      ctx.moveTo(c * cw, win.r0 * ch);
      ctx.lineTo(c * cw, (win.r1 + 1) * ch);
    }
    for (let r = win.r0; r <= win.r1 + 1; r++) {
      ctx.moveTo(win.c0 * cw, r * ch);
      ctx.lineTo((win.c1 + 1) * cw, r * ch);
    }
    ctx.stroke();
  }
  ctx.font = `${Math.round(12 * lw)}px sans-serif`;
  for (const b of boxes) {
    ctx.strokeStyle = 'rgba(255, 220, 0, 0.8)';
    ctx.lineWidth = lw;
    ctx.strokeRect(b.box[0], b.box[1], b.box[2], b.box[3]); // [x, y, w, h]
    ctx.fillStyle = 'rgba(255, 220, 0, 0.9)';
    ctx.fillText(`${b.label} ${b.score.toFixed(2)}`, b.box[0] + 2, b.box[1] + 12 * lw);
  }
  for (const [b, color] of [
    [selected, '#00e676'],
    [second, '#ff4081'],
  ] as const)
    if (b) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 3 * lw;
      ctx.strokeRect(b.box[0], b.box[1], b.box[2], b.box[3]); // [x, y, w, h]
    }
  if (gaze) {
    const r = 14 * lw;
    ctx.lineWidth = 2 * lw;
    ctx.strokeStyle =
      gaze.source === 'mouse' ? 'rgba(255,255,255,0.9)' : gaze.source === 'webcam' ? 'rgba(60,200,255,0.95)' : 'rgba(255,120,40,0.95)';
    ctx.beginPath();
    ctx.arc(gaze.x, gaze.y, 3 * lw, 0, 2 * Math.PI);
    ctx.stroke();
    if (gaze.fixation && gaze.progress > 0) {
      // the dwell ring closes as the fixation lasts; a selection fires when it is full
      ctx.strokeStyle = '#00e676';
      ctx.lineWidth = 4 * lw;
      ctx.beginPath();
      ctx.arc(gaze.fixation[0], gaze.fixation[1], r, -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * gaze.progress);
      ctx.stroke();
    }
  }
}

let frame = 0;
const redraw = () => {
  if (!frame) frame = requestAnimationFrame(() => ((frame = 0), draw()));
};

function setOps(enabled: boolean) {
  for (const b of opButtons) b.disabled = !enabled;
}

// the mouse as a gaze stream: positions in image pixels, sent on move and re-sent every 33 ms while it rests
let mouse: { x: number; y: number } | null = null;
const t0 = performance.now();
// where the photo is on the screen (the webcam source's gaze arrives in screen px): the screen → panel offset of a
// mouse event and the canvas rectangle, sent when they change
let lastScreen = '';
canvas.addEventListener('mousemove', (e) => {
  const r = canvas.getBoundingClientRect();
  mouse = { x: ((e.clientX - r.left) / r.width) * size.w, y: ((e.clientY - r.top) / r.height) * size.h };
  const geo = { ox: e.screenX - e.clientX, oy: e.screenY - e.clientY, left: r.left, top: r.top, width: r.width, height: r.height };
  const key = Object.values(geo)
    .map((v) => v.toFixed(1))
    .join(',');
  if (key !== lastScreen && r.width > 0 && r.height > 0) {
    lastScreen = key;
    send({ type: 'screen', ...geo });
  }
});
canvas.addEventListener('mouseleave', () => (mouse = null));
setInterval(() => {
  if (mouse && img) send({ type: 'gaze', x: mouse.x, y: mouse.y, t: performance.now() - t0 });
}, 33);

photoSel.addEventListener('change', () => send({ type: 'open', photo: photoSel.value }));
$('openFile').addEventListener('click', () => send({ type: 'openFile' }));
$('replay').addEventListener('click', () => send({ type: 'replay' }));
$('webcam').addEventListener('click', () => send({ type: 'webcam' }));
$('undo').addEventListener('click', () => send({ type: 'undo' }));
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
for (const b of opButtons) b.addEventListener('click', () => send({ type: 'op', op: b.dataset.op as never }));

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as HostCanvasMessage;
  if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
  switch (m.type) {
    case 'photos':
      photoSel.replaceChildren(
        ...m.items.map((p) => {
          const o = document.createElement('option');
          o.value = p.id;
          o.textContent = p.label;
          return o;
        }),
      );
      break;
    case 'image': {
      const next = new Image();
      next.onload = () => {
        img = next;
        size = { w: m.width, h: m.height };
        canvas.width = m.width;
        canvas.height = m.height;
        root.dataset.image = 'loaded';
        root.dataset.imageSeq = String(Number(root.dataset.imageSeq ?? 0) + 1);
        redraw();
      };
      next.src = m.png;
      if ([...photoSel.options].some((o) => o.value === m.name)) photoSel.value = m.name;
      $('file').textContent = `${m.file}  (history: ${m.history.join(' → ')})`;
      root.dataset.file = m.file;
      root.dataset.undo = String(m.undo);
      $<HTMLButtonElement>('undo').disabled = m.undo === 0;
      break;
    }
    case 'boxes':
      boxes = m.boxes;
      root.dataset.boxes = JSON.stringify(m.boxes.map((b) => b.box));
      redraw();
      break;
    case 'gaze':
      gaze = m;
      root.dataset.gazeSource = m.source;
      redraw();
      break;
    case 'selection':
      if (m.step === 1) {
        selected = m.selected;
        second = null;
        setOps(!!m.selected);
        root.dataset.selected = m.selected ? m.selected.label : '';
      } else second = m.selected;
      win = m.window;
      root.dataset.cellFraction = m.cellFraction.toFixed(3);
      redraw();
      break;
    case 'prompt':
      $('prompt').textContent = m.text;
      pendingOp = m.op;
      root.dataset.pending = m.op ?? '';
      $('cancel').hidden = !pendingOp;
      break;
    case 'edited':
      root.dataset.lastEdit = m.op;
      root.dataset.lastFile = m.file;
      if (m.gif) {
        $('gifBox').hidden = false;
        $<HTMLImageElement>('gif').src = m.gif;
        $('gifCaption').textContent = `saved ${m.file}`;
      }
      break;
    case 'status':
      $('status').textContent = m.text;
      root.dataset.busy = m.busy ? '1' : '0';
      if (m.busy) setOps(false);
      else setOps(!!selected);
      break;
    case 'error':
      $('status').textContent = `Error: ${m.text}`;
      root.dataset.error = m.text;
      break;
  }
});

root.dataset.script = 'ok';
$('status').textContent = 'Loading the detector…';
send({ type: 'ready' });
