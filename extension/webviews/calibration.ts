// Script of the Gaze Calibration panel (browser, no vscode import). Talks to the extension host with postMessage only;
// every host message is validated (parseHostMessage) before it is drawn, and everything is drawn with DOM APIs
// (textContent, CSSOM), never innerHTML, so host strings cannot inject markup.
import { parseHostMessage, type HostMessage, type PanelMessage } from '../gaze/messages';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

const api = acquireVsCodeApi();
const send = (m: PanelMessage) => api.postMessage(m);
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const root = $('edgelab-calibration');
const statusEl = $('status');
const num = (id: string) => Number($<HTMLInputElement>(id).value);
const busyButtons = ['synthetic', 'folder', 'camera', 'personalize'].map((id) => $<HTMLButtonElement>(id));

function setBusy(b: boolean) {
  for (const el of busyButtons) el.disabled = b;
  $('cancel').hidden = !b;
  root.dataset.busy = b ? '1' : '0';
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

let highlight: ReturnType<typeof setInterval> | undefined;
function showUser(m: Extract<HostMessage, { type: 'user' }>) {
  $('targets').hidden = false;
  $('userLabel').textContent = `${m.label} — ${m.targets.length} calibration targets, ${m.heldOut} held-out frames`;
  const field = $('field'),
    thumbs = $('thumbs');
  field.replaceChildren();
  thumbs.replaceChildren();
  const dots = m.targets.map((t, i) => {
    const d = el('span', String(i + 1), 'target');
    // ±30° yaw/pitch field; +pitch is up
    d.style.left = `${50 + (t.yawDeg / 60) * 100}%`;
    d.style.top = `${50 - (t.pitchDeg / 60) * 100}%`;
    d.title = `yaw ${t.yawDeg.toFixed(1)}°, pitch ${t.pitchDeg.toFixed(1)}°`;
    field.append(d);
    return d;
  });
  const imgs = m.images.map((src, i) => {
    const f = el('figure');
    const img = el('img');
    img.src = src;
    img.alt = `calibration frame ${i + 1}`;
    f.append(img, el('figcaption', String(i + 1)));
    thumbs.append(f);
    return f;
  });
  let k = 0;
  if (highlight) clearInterval(highlight);
  highlight = setInterval(() => {
    dots.forEach((d, j) => d.classList.toggle('on', j === k));
    imgs.forEach((f, j) => f.classList.toggle('on', j === k));
    k = (k + 1) % Math.max(1, dots.length);
  }, 700);
  $('result').hidden = true;
  root.dataset.user = 'loaded';
}

function row(t: HTMLTableElement, cells: string[], head = false) {
  const tr = el('tr');
  for (const c of cells) tr.append(el(head ? 'th' : 'td', c));
  t.append(tr);
}

function showFigures(figs: { title: string; svg: string }[]) {
  const box = $('figures');
  box.replaceChildren();
  for (const f of figs) {
    const img = el('img');
    img.src = f.svg;
    img.alt = f.title;
    img.className = 'figure';
    box.append(img);
  }
}

function showResult(m: Extract<HostMessage, { type: 'result' }>) {
  const s = m.summary,
    t = $<HTMLTableElement>('summary');
  t.replaceChildren();
  row(t, ['', 'generic', 'personalized', 'change'], true);
  const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(0)}%`;
  row(t, ['mean error (°)', s.beforeMeanDeg.toFixed(2), s.afterMeanDeg.toFixed(2), pct(s.beforeMeanDeg, s.afterMeanDeg)]);
  row(t, ['median error (°)', s.beforeMedianDeg.toFixed(2), s.afterMedianDeg.toFixed(2), pct(s.beforeMedianDeg, s.afterMedianDeg)]);
  row(t, [
    'setup',
    s.model,
    `${s.calibFrames} calibration frames, ${s.steps} steps`,
    `${s.heldOutFrames} held-out frames, ${(s.ms / 1000).toFixed(1)} s`,
  ]);
  showFigures(m.figures);
  $('result').hidden = false;
  root.dataset.result = 'personalized';
}

function showProfile(m: Extract<HostMessage, { type: 'profile' }>) {
  const s = m.summary,
    t = $<HTMLTableElement>('summary');
  t.replaceChildren();
  row(t, ['camera calibration', 'mean', 'median'], true);
  row(t, ['validation error (px)', s.meanPx.toFixed(0), s.medianPx.toFixed(0)]);
  row(t, ['validation error (°)', s.meanDeg.toFixed(2), s.medianDeg.toFixed(2)]);
  row(t, ['assumed geometry', `${s.distanceCm} cm from the screen`, `${(s.cmPerPx * 10).toFixed(3)} mm per px`]);
  row(t, ['samples', `${s.calibSamples} frames at ${s.calibTargets} targets`, `${s.valPoints} validation frames`]);
  showFigures(m.figures);
  $('result').hidden = false;
  $('saveProfile').hidden = false;
  root.dataset.result = 'camera';
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  let m: HostMessage;
  try {
    m = parseHostMessage(e.data);
  } catch (err) {
    statusEl.textContent = `Ignored a malformed message: ${(err as Error).message}`;
    root.dataset.rejected = String(Number(root.dataset.rejected ?? 0) + 1);
    return;
  }
  root.dataset.host = 'ok';
  switch (m.type) {
    case 'status':
      statusEl.textContent = m.text;
      statusEl.classList.remove('error');
      setBusy(m.busy);
      break;
    case 'error':
      statusEl.textContent = m.text;
      statusEl.classList.add('error');
      setBusy(false);
      break;
    case 'folder': {
      const sel = $<HTMLSelectElement>('folderUser');
      sel.replaceChildren(
        ...m.users.map((u) => {
          const o = el('option', u);
          o.value = u;
          return o;
        }),
      );
      sel.hidden = m.users.length < 2;
      $('folderInfo').textContent = `${m.format}: ${m.users.length} user(s) in ${m.path}`;
      break;
    }
    case 'user':
      showUser(m);
      break;
    case 'result':
      showResult(m);
      break;
    case 'camera':
      $('cameraUrl').textContent = `opened ${m.url.replace(/\/[0-9a-f]{32}\//, '/…/')}`;
      break;
    case 'profile':
      showProfile(m);
      break;
  }
});

$('synthetic').addEventListener('click', () =>
  send({
    type: 'source',
    source: {
      kind: 'synthetic',
      seed: Math.max(0, Math.floor(num('seed'))),
      user: Math.max(0, Math.floor(num('user'))),
      sigmaKappaDeg: Math.max(0, num('kappa')),
    },
  }),
);
$('folder').addEventListener('click', () => send({ type: 'source', source: { kind: 'folder' } }));
$('folderUser').addEventListener('change', () =>
  send({ type: 'source', source: { kind: 'folder', user: $<HTMLSelectElement>('folderUser').value } }),
);
$('camera').addEventListener('click', () => send({ type: 'source', source: { kind: 'camera' } }));
$('personalize').addEventListener('click', () => send({ type: 'personalize', steps: Math.max(1, Math.floor(num('steps'))) }));
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
$('saveProfile').addEventListener('click', () => send({ type: 'saveProfile' }));
statusEl.textContent = 'Panel script loaded.';
root.setAttribute('data-script', 'ok');
send({ type: 'ready' });
