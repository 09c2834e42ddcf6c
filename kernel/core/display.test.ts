import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { show, showText, showMarkdown, showGif, canDisplay, type DisplayContent } from './display';
import { encodeGif } from './vision/animation';
import { progress, withProgress } from './progress';
import { heatmap, series, mimeOf, toBundle } from '../viz';
import { InvalidInput } from './errors';

const FAKE_DIR = join(tmpdir(), 'edgelab-fake', 'node_modules', 'tslab', 'dist');
const JUPYTER = join(FAKE_DIR, 'jupyter.js');
const PUBLIC = join(FAKE_DIR, 'public.js');

interface Sent {
  content: DisplayContent;
  update: boolean;
}
/** Put a fake tslab jupyter module (as tslab's executor leaves it during a cell) into require.cache. */
function fakeTslab(): Sent[] {
  const sent: Sent[] = [];
  // Same shape as tslab/dist/jupyter.js: `exports.lastWriteDisplayData = writeDisplayData` with (data, update).
  const exports = {
    lastWriteDisplayData: (content: DisplayContent, update: boolean) => {
      sent.push({ content: structuredClone(content), update });
    },
  };
  require.cache[JUPYTER] = { id: JUPYTER, filename: JUPYTER, loaded: true, exports } as unknown as NodeModule;
  return sent;
}
afterEach(() => {
  delete require.cache[JUPYTER];
  delete require.cache[PUBLIC];
});

const fig = () => heatmap({ values: [1, 2, 3, 4, 5, 6], rows: 2, title: 'h' });

test('outside a notebook show() returns nothing and writes the SVG fallback to a file', (t) => {
  assert.equal(canDisplay(), false);
  const dir = mkdtempSync(join(tmpdir(), 'edgelab-show-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'h.svg');
  assert.equal(show(fig(), { file }), undefined, 'show returns nothing: a cell ending in show(fig) echoes nothing');
  const b = toBundle(fig());
  assert.deepEqual(Object.keys(b).sort(), [mimeOf('heatmap'), 'image/svg+xml', 'text/plain'].sort());
  assert.equal(readFileSync(file, 'utf8'), b['image/svg+xml']);
  assert.match(readFileSync(file, 'utf8'), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.throws(() => show(fig(), { file: join(dir, 'h.png') }), InvalidInput);
  assert.throws(() => show({ rows: 1 } as never), /expected a figure/);
});

test('in a tslab cell show() emits exactly ONE display_data with the three MIME keys', () => {
  const sent = fakeTslab();
  assert.equal(canDisplay(), true);
  const f = fig();
  assert.equal(show(f), undefined, 'nothing for the notebook to echo under the figure');
  const b = toBundle(f);
  assert.equal(sent.length, 1);
  const m = sent[0]!;
  assert.equal(m.update, false);
  assert.deepEqual(Object.keys(m.content.data).sort(), [mimeOf('heatmap'), 'image/svg+xml', 'text/plain'].sort());
  assert.deepEqual(m.content.data[mimeOf('heatmap')], f);
  assert.equal(m.content.data['text/plain'], b['text/plain']);
  assert.deepEqual(m.content.metadata, {});
  assert.equal(m.content.transient.display_id, undefined);
});

test('show() with displayId creates once, then sends update_display_data for the same id', () => {
  const sent = fakeTslab();
  const id = `fig-${process.pid}-${Date.now()}`;
  show(series({ series: [{ name: 'loss', y: [3, 2] }] }), { displayId: id });
  show(series({ series: [{ name: 'loss', y: [3, 2, 1] }] }), { displayId: id });
  show(fig(), { displayId: `${id}-other` });
  assert.deepEqual(
    sent.map((s) => [s.update, s.content.transient.display_id]),
    [
      [false, id],
      [true, id],
      [false, `${id}-other`],
    ],
  );
  assert.deepEqual((sent[1]!.content.data[mimeOf('series')] as { series: { y: number[] }[] }).series[0]!.y, [3, 2, 1]);
  // A new cell run (tslab installs a new writer per execute request) creates the output again, unless update: true.
  const sent2 = fakeTslab();
  show(fig(), { displayId: id });
  show(fig(), { displayId: `${id}-other`, update: true });
  assert.deepEqual(
    sent2.map((s) => [s.update, s.content.transient.display_id]),
    [
      [false, id],
      [true, `${id}-other`],
    ],
  );
  require.cache[JUPYTER]!.exports.lastWriteDisplayData = (c: DisplayContent, u: boolean) => {
    sent.push({ content: c, update: u });
  };
  assert.equal(showText('hello'), undefined);
  assert.equal(showMarkdown('# hi'), undefined);
  assert.deepEqual(sent[3]!.content.data, { 'text/plain': 'hello' });
  assert.deepEqual(sent[4]!.content.data, { 'text/markdown': '# hi', 'text/plain': '# hi' });
});

test('showGif sends one image/gif output (base64 of the exact bytes) that a notebook renders inline; non-GIF bytes are refused', () => {
  const sent = fakeTslab();
  const frame = (v: number) => ({ width: 4, height: 3, data: new Uint8Array(36).fill(v) });
  const gif = encodeGif([frame(0), frame(200)], { delayMs: 100 });
  assert.equal(showGif(gif), undefined);
  assert.equal(sent.length, 1);
  const data = sent[0]!.content.data;
  assert.deepEqual(Object.keys(data).sort(), ['image/gif', 'text/plain']);
  assert.deepEqual(new Uint8Array(Buffer.from(data['image/gif'] as string, 'base64')), gif, 'the bytes round-trip');
  assert.match(data['text/plain'] as string, new RegExp(`${gif.length} bytes`));
  showGif(gif, { displayId: 'anim', alt: 'zoom' });
  showGif(gif, { displayId: 'anim' });
  assert.equal(sent[2]!.update, true, 'same displayId in the same cell run replaces the output');
  assert.equal(sent[1]!.content.data['text/plain'], 'zoom');
  assert.throws(() => showGif(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10])), InvalidInput, 'PNG bytes are not a GIF');
  assert.throws(() => showGif('GIF89a' as never), InvalidInput);
});

test('degraded path: only tslab public display available → raw(vendor JSON) + raw(svg)', () => {
  const calls: [string, string][] = [];
  const display = {
    raw: (mime: string, data: string) => {
      calls.push([mime, data]);
    },
  };
  require.cache[PUBLIC] = { id: PUBLIC, filename: PUBLIC, loaded: true, exports: { display } } as unknown as NodeModule;
  const f = fig();
  show(f);
  assert.deepEqual(
    calls.map((c) => c[0]),
    [mimeOf('heatmap'), 'image/svg+xml'],
  );
  assert.deepEqual(JSON.parse(calls[0]![1]), f);
});

test('progress in a notebook: one display id, throttled updates, final update at 100%', () => {
  const sent = fakeTslab();
  let t = 1000;
  const p = progress(100, 'train', { now: () => t });
  for (let i = 0; i < 100; i++) {
    t += 10;
    p.tick(1, `step ${i}`);
  }
  p.done('finished');
  const ids = new Set(sent.map((s) => s.content.transient.display_id));
  assert.equal(ids.size, 1);
  assert.match([...ids][0]!, /^edgelab-progress-/);
  assert.equal(sent[0]!.update, false);
  assert.ok(
    sent.slice(1).every((s) => s.update),
    'later messages are update_display_data',
  );
  // 1 s of work at ≤ 5 updates/s: the initial draw, ≤ 5 throttled ones and the final one.
  assert.ok(sent.length >= 3 && sent.length <= 7, `got ${sent.length} messages`);
  const last = sent[sent.length - 1]!.content.data;
  assert.match(last['text/plain'] as string, /^train: 100% \(100\/100\).*finished/);
  assert.match(last['image/svg+xml'] as string, /class="bar" x="0.5" y="4.5" width="320.0"/);
  assert.equal(p.value, 100);
});

test('progress in a terminal draws an in-place bar with rate and ETA; logs print ≤ ~10 lines', async () => {
  let out = '';
  let t = 0;
  const tty = progress(50, 'sweep', {
    stream: {
      isTTY: true,
      write: (s: string) => {
        out += s;
      },
    },
    now: () => t,
    minIntervalMs: 0,
  });
  for (let i = 0; i < 25; i++) {
    t += 100;
    tty.tick();
  }
  assert.match(out, /\r\[#{12}-{12}\] sweep: 50% \(25\/50\) 10\.0 it\/s ETA 0:03/);
  tty.done();
  assert.ok(out.endsWith('\n'));
  assert.ok(!out.slice(0, -1).includes('\n'), 'stays on one line until done');
  const lines: string[] = [];
  const log = progress(1000, 'eval', {
    stream: {
      isTTY: false,
      write: (s: string) => {
        lines.push(s);
      },
    },
    now: () => t,
  });
  for (let i = 0; i < 1000; i++) {
    t += 1;
    log.tick();
  }
  log.done();
  assert.ok(lines.length >= 10 && lines.length <= 12, `got ${lines.length} lines`);
  assert.match(lines[lines.length - 1]!, /eval: 100% \(1000\/1000\)/);
  const seen: string[] = [];
  const r = await withProgress([1, 2, 3], 'sq', (x) => x * x, {
    stream: {
      isTTY: false,
      write: (s: string) => {
        seen.push(s);
      },
    },
  });
  assert.deepEqual(r, [1, 4, 9]);
  assert.match(seen[seen.length - 1]!, /sq: 100% \(3\/3\)/);
  const failed: string[] = [];
  await assert.rejects(
    withProgress(
      4,
      'boom',
      (i) => {
        if (i === 2) throw new Error('bad batch');
        return i;
      },
      {
        stream: {
          write: (s: string) => {
            failed.push(s);
          },
        },
      },
    ),
    /bad batch/,
  );
  assert.match(failed[failed.length - 1]!, /^boom: 50% \(2\/4\).*stopped after.*failed: bad batch/);
  assert.throws(() => progress(0, 'x'), InvalidInput);
  assert.throws(() => tty.tick(NaN), /finite number/);
});

test('with the real tslab/dist/jupyter.js module loaded, show() calls its lastWriteDisplayData hook', () => {
  const jupyter = require('tslab/dist/jupyter.js') as { lastWriteDisplayData: unknown };
  assert.equal(jupyter.lastWriteDisplayData, null, 'tslab starts with no writer (no cell running)');
  const sent: Sent[] = [];
  try {
    assert.equal(canDisplay(), false);
    jupyter.lastWriteDisplayData = (content: DisplayContent, update: boolean) => {
      sent.push({ content, update });
    };
    show(fig(), { displayId: 'real-hook' });
    show(fig(), { displayId: 'real-hook' });
  } finally {
    jupyter.lastWriteDisplayData = null;
  }
  assert.deepEqual(
    sent.map((s) => [s.update, s.content.transient.display_id, Object.keys(s.content.data).length]),
    [
      [false, 'real-hook', 3],
      [true, 'real-hook', 3],
    ],
  );
});
