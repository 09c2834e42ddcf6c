// The GazeGen Canvas's host-side flow with a fake detector/editor (the real el.gazegen calls are exercised by the
// code-server e2e): dwell → selection → delete / two-step move → saved files → undo; bad messages and a second
// fixation that never comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CanvasSession } from './session';
import { parseCanvasMessage, type HostCanvasMessage } from './messages';
import type { CanvasApi, CanvasState } from './canvas-api';
import { DwellTracker, makeView, errorPx, FixationTimeout, smoothTrace } from '../../kernel/gazegen';
import { join } from 'node:path';
import { startCameraServer, findAssets } from '../gaze/server';
import { sampleProfile } from '../gaze/testing';
import { profileErrorPx } from '../gaze/stream';

const W = 200,
  H = 100;
const CUP = { box: [20, 20, 40, 40] as [number, number, number, number], label: 'cup', score: 0.9 };

function fake(o: { camera?: string } = {}) {
  const saved: { original: string; op: string; dir?: string }[] = [];
  const edits: { op: string; point: unknown; seed: number }[] = [];
  const image = (v: number) => ({ width: W, height: H, data: new Uint8Array(W * H * 3).fill(v) });
  const api: CanvasApi = {
    photos: () => [{ id: 'coffee', label: 'coffee' }],
    loadSample: (id) => ({ image: image(1), path: `/usr/share/photos/${id}.png`, name: id }),
    loadFile: (p) => ({ image: image(2), path: p, name: p }),
    analyze: async (img, file, op) =>
      ({ image: img, file, out: {} as never, boxes: op === 'delete' ? [] : [CUP], ...(op ? { op } : {}) }) as CanvasState,
    view: (w, h) => makeView(w, h, 90),
    errorPx: (v, d, x, y) => errorPx(v, d, x, y),
    dwellTracker: (v, o) => new DwellTracker(v, o),
    select: (_st, x, y) => {
      const hit = x >= 20 && x <= 60 && y >= 20 && y <= 60;
      return {
        selected: hit ? CUP : null,
        rule: hit ? 'contains' : 'none',
        window: { c0: 1, c1: 3, r0: 1, r1: 3, gridW: 10, gridH: 5 },
        cellFraction: 0.18,
      };
    },
    awaitSecondFixation: async (next, o) =>
      Promise.race([
        next,
        new Promise<never>((_, rej) => setTimeout(() => rej(new FixationTimeout(`no second fixation (${o.what})`)), o.timeoutMs)),
      ]),
    edit: async (op, st, _first, second, seed) => {
      edits.push({ op, point: second.point, seed });
      return { image: image(st.image.data[0]! + 1), ms: 5 };
    },
    save: (original, op, _c, dir) => {
      saved.push({ original, op, ...(dir ? { dir } : {}) });
      return `${dir ?? '/home/u'}/${original
        .split('/')
        .pop()!
        .replace(/\.png$/, '')}.gazegen-${op}.png`;
    },
    png: () => 'data:image/png;base64,AA==',
    replayStream: async () => [],
    smooth: smoothTrace,
    dispose: () => undefined,
  };
  const posts: HostCanvasMessage[] = [];
  const opened: string[] = [];
  const s = new CanvasSession(
    api,
    {
      post: (m) => posts.push(m),
      samplesDir: () => '/ws',
      pickFile: async () => undefined,
      ...(o.camera ? { openCamera: async () => (opened.push(o.camera!), o.camera!) } : {}),
    },
    { secondFixationMs: 300 },
  );
  return { s, posts, saved, edits, opened };
}

/** Hold the gaze at (x, y) for `ms` (30 Hz), starting at time t. */
async function dwell(s: CanvasSession, x: number, y: number, t: number, ms = 900): Promise<number> {
  for (let k = 0; k * 33 <= ms; k++) await s.handle({ type: 'gaze', x, y, t: t + k * 33 });
  return t + ms + 100;
}
const last = <T extends HostCanvasMessage['type']>(posts: HostCanvasMessage[], type: T) =>
  posts.filter((p) => p.type === type).at(-1) as Extract<HostCanvasMessage, { type: T }> | undefined;

test('canvas: a dwell selects, delete saves a new file in the workspace, move waits for the second fixation, undo goes back', async () => {
  const { s, posts, saved, edits } = fake();
  await s.handle({ type: 'ready' });
  assert.equal(last(posts, 'image')?.undo, 0);
  assert.deepEqual(last(posts, 'boxes')?.boxes, [CUP]);
  // a glance shorter than the dwell selects nothing
  let t = await dwell(s, 40, 40, 0, 500);
  assert.equal(last(posts, 'selection'), undefined, 'no selection by merely looking');
  t = await dwell(s, 200 - 40, 80, t, 100); // saccade away resets the fixation
  t = await dwell(s, 40, 40, t);
  assert.equal(last(posts, 'selection')?.selected?.label, 'cup');
  assert.ok(
    posts.some((p) => p.type === 'gaze' && p.progress > 0.5 && p.progress < 1),
    'the dwell ring fills gradually',
  );
  await s.handle({ type: 'op', op: 'delete' });
  assert.deepEqual(
    saved[0],
    { original: '/usr/share/photos/coffee.png', op: 'delete', dir: '/ws' },
    'a sample photo is never edited in place',
  );
  assert.equal(last(posts, 'edited')?.file, '/ws/coffee.gazegen-delete.png');
  assert.equal(last(posts, 'image')?.undo, 1);
  assert.deepEqual(last(posts, 'image')?.history, ['original', 'delete']);
  // move: select, then the second fixation is the destination
  t = await dwell(s, 40, 40, t);
  const moving = s.handle({ type: 'op', op: 'move' });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(last(posts, 'prompt')?.op, 'move');
  t = await dwell(s, 150, 50, t);
  await moving;
  assert.deepEqual((edits.at(-1)!.point as { x: number }).x.toFixed(0), '150');
  assert.deepEqual(saved[1], { original: '/ws/coffee.gazegen-delete.png', op: 'move' }, 'the next edit is saved next to the last one');
  assert.deepEqual(last(posts, 'image')?.history, ['original', 'delete', 'move']);
  assert.equal(edits.at(-1)!.seed, 2, 'seeded by the edit count: deterministic');
  await s.handle({ type: 'undo' });
  assert.deepEqual(last(posts, 'image')?.history, ['original', 'delete']);
  assert.equal(last(posts, 'image')?.file, '/ws/coffee.gazegen-delete.png');
  await s.handle({ type: 'undo' });
  assert.equal(last(posts, 'image')?.undo, 0);
  // back at the sample photo: its next edit goes to the workspace again
  await dwell(s, 40, 40, t);
  await s.handle({ type: 'op', op: 'delete' });
  assert.deepEqual(saved.at(-1), { original: '/usr/share/photos/coffee.png', op: 'delete', dir: '/ws' });
});

test('canvas: a second fixation that never comes cancels the operation with a message, nothing is edited', async () => {
  const { s, posts, edits } = fake();
  await s.handle({ type: 'ready' });
  await dwell(s, 40, 40, 0);
  await s.handle({ type: 'op', op: 'move' });
  assert.equal(edits.length, 0);
  assert.match(last(posts, 'prompt')?.text ?? '', /no second fixation/);
});

test('canvas: panel messages are validated', async () => {
  assert.throws(() => parseCanvasMessage({ type: 'op', op: 'explode' }), /op must be one of/);
  assert.throws(() => parseCanvasMessage({ type: 'gaze', x: NaN, y: 1, t: 0 }), /x must be a number/);
  assert.throws(() => parseCanvasMessage({ type: 'open', photo: '../../etc/passwd' }), /photo must be a photo id/);
  assert.throws(() => parseCanvasMessage({ type: 'undo', extra: 1 }), /key 'extra'/);
  const { s, posts } = fake();
  await s.handle({ type: 'nope' });
  assert.equal(posts[0]?.type, 'error');
  await s.handle({ type: 'op', op: 'delete' });
  assert.ok(!posts.some((p) => p.type === 'edited'), 'no photo, no selection: nothing edited');
});

test('canvas panel HTML: nonce-only scripts, images only from the extension and data:, no remote content', async () => {
  const { canvasHtml } = await import('./html');
  const html = canvasHtml({
    cspSource: 'https://x.vscode-cdn.net',
    nonce: 'N0nce',
    scriptUri: 'https://x.vscode-cdn.net/c.js',
    styleUri: 'https://x.vscode-cdn.net/c.css',
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
  assert.match(csp, /img-src https:\/\/x\.vscode-cdn\.net data:/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  for (const s of html.match(/<script[^>]*>/g) ?? []) assert.match(s, /nonce="N0nce"/);
  for (const id of ['op-delete', 'op-move', 'op-restyle', 'op-add', 'op-animate', 'undo', 'replay', 'view'])
    assert.match(html, new RegExp(`id="${id}"`));
});

test('canvas webcam source: profile and screen-px gaze POSTed to the real loopback server drive the dwell and selection', async () => {
  const root = join(import.meta.dirname, '..', '..');
  const ref: { s?: CanvasSession } = {};
  const srv = await startCameraServer({
    assets: findAssets(root),
    onProfile: (p) => ref.s!.onWebcamProfile(p),
    onGaze: (b) => void ref.s!.onWebcamGaze(b),
  });
  try {
    const { s, posts, opened } = fake({ camera: srv.streamUrl! });
    ref.s = s;
    await s.handle({ type: 'ready' });
    await s.handle({ type: 'webcam' });
    assert.deepEqual(opened, [srv.streamUrl], 'the stream page of the same server');
    assert.match(srv.streamUrl!, /\/stream$/);
    assert.match(last(posts, 'prompt')?.text ?? '', /calibrate in the browser page/);
    const base = `http://127.0.0.1:${srv.port}/${srv.token}`;
    const page = await fetch(`${base}/stream`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /"stream":true/, 'the page is told to stream after calibrating');
    const post = (path: string, v: unknown) =>
      fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v) });
    const profile = sampleProfile();
    assert.equal((await post('profile', profile)).status, 200);
    assert.match(last(posts, 'status')?.text ?? '', new RegExp(`within ${Math.round(profileErrorPx(profile))} screen px`));
    // the photo (200×100) is drawn at 2× (400×200 panel px) at (10, 20) in a panel whose origin is at screen (100, 50)
    const toScreen = (x: number, y: number) => ({ x: x * 2 + 10 + 100, y: y * 2 + 20 + 50 });
    const t0 = 1.7e12;
    const stream = async (x: number, y: number, from: number, ms: number) => {
      for (let t = from; t < from + ms; t += 200) {
        const samples = [];
        for (let k = 0; k < 6; k++) {
          // ±4 screen px of jitter (±2 photo px; a wrong offset or scale moves the point by ≥ 5 photo px)
          const q = toScreen(x, y);
          samples.push({ t: t + k * 33, x: q.x + (k % 2 ? 4 : -4), y: q.y + (k % 3 ? 4 : -4) });
        }
        assert.equal((await post('gaze', { samples })).status, 200);
      }
      await new Promise((r) => setTimeout(r, 20));
    };
    // before the panel reports where the photo is, gaze cannot be placed: a hint, no cursor
    await stream(40, 40, t0, 200);
    assert.ok(!posts.some((p) => p.type === 'gaze'));
    assert.match(last(posts, 'status')?.text ?? '', /move the mouse over the photo/);
    await s.handle({ type: 'screen', ox: 100, oy: 50, left: 10, top: 20, width: 400, height: 200 });
    await stream(40, 40, t0 + 1000, 1200);
    const g = posts.filter((p) => p.type === 'gaze') as Extract<HostCanvasMessage, { type: 'gaze' }>[];
    assert.ok(g.length > 20 && g.every((p) => p.source === 'webcam'));
    assert.ok(Math.abs(g.at(-1)!.x - 40) < 3 && Math.abs(g.at(-1)!.y - 40) < 3, `mapped into photo px: ${g.at(-1)!.x}, ${g.at(-1)!.y}`);
    assert.equal(last(posts, 'selection')?.selected?.label, 'cup', 'the webcam dwell selected the cup');
    // while the webcam streams, the mouse does not move the cursor
    const before = posts.length;
    await s.handle({ type: 'gaze', x: 150, y: 80, t: 5 });
    assert.ok(!posts.slice(before).some((p) => p.type === 'gaze'));
    // gaze off the photo is dropped, not clamped onto its edge
    await post('gaze', { samples: [{ t: t0 + 5000, x: 5000, y: 5000 }] });
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!posts.slice(before).some((p) => p.type === 'gaze'));
    // malformed batches are refused at the server
    assert.equal((await post('gaze', { samples: [{ t: 1, x: 'NaN', y: 0 }] })).status, 400);
    assert.equal((await post('gaze', { samples: [], pixels: [1, 2] })).status, 400);
  } finally {
    await srv.close();
  }
});

test('canvas webcam source: without a camera page the panel gets an error, not a crash', async () => {
  const { s, posts } = fake();
  await s.handle({ type: 'ready' });
  await s.handle({ type: 'webcam' });
  assert.match(last(posts, 'error')?.text ?? '', /camera page/);
  assert.throws(() => parseCanvasMessage({ type: 'screen', ox: 0, oy: 0, left: 0, top: 0, width: 0, height: 10 }), /width must be/);
});
