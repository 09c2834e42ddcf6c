// The GazeGen Canvas's host-side flow with a fake detector/editor (the real el.gazegen calls are exercised by the
// code-server e2e): dwell → selection → delete / two-step move → saved files → undo; bad messages and a second
// fixation that never comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CanvasSession } from './session';
import { parseCanvasMessage, type HostCanvasMessage } from './messages';
import type { CanvasApi, CanvasState } from './canvas-api';
import { DwellTracker, makeView, errorPx, FixationTimeout } from '../../kernel/gazegen';

const W = 200,
  H = 100;
const CUP = { box: [20, 20, 40, 40] as [number, number, number, number], label: 'cup', score: 0.9 };

function fake() {
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
    dispose: () => undefined,
  };
  const posts: HostCanvasMessage[] = [];
  const s = new CanvasSession(
    api,
    { post: (m) => posts.push(m), samplesDir: () => '/ws', pickFile: async () => undefined },
    { secondFixationMs: 300 },
  );
  return { s, posts, saved, edits };
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
