// Bad inputs of Gen4Gen's pipeline give named errors or the documented fallback (arXiv 2402.15504 §3.1 steps 1–2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { InvalidInput, NotFound } from '../core/errors';
import { loadConceptLibrary, makeConcept, segmentRounds, uniformBackgroundSegmenter, writeSegmentation } from './concepts';
import { readImage } from '../core/vision/rgb';
import {
  cocoFewShots,
  layoutPrompt,
  llmLayout,
  LayoutBoundsError,
  LayoutParseError,
  LayoutServerError,
  parseLayoutAnswer,
  withFallback,
} from './layout';
import { serverRepainter } from './repaint';
import { a1111Backend } from '../core/vision/diffusion';
import { compose } from './compose';
import { spriteConcept } from './data';
import type { RgbImage } from '../core/vision/rgb';

function squareOnWhite(): RgbImage {
  const d = new Uint8Array(40 * 40 * 3).fill(250);
  for (let y = 12; y < 28; y++) for (let x = 8; x < 30; x++) d.set([200, 30, 30], 3 * (y * 40 + x));
  return { width: 40, height: 40, data: d };
}

test('concept library: RGBA alpha is the mask; an object folder without images is InvalidInput; a missing root NotFound', async () => {
  const root = mkdtempSync(join(tmpdir(), 'g4g-lib-'));
  const dir = join(root, 'comp0', 'cat1');
  mkdirSync(dir, { recursive: true });
  const png = new PNG({ width: 4, height: 4 });
  for (let i = 0; i < 16; i++) png.data.set([10, 20, 30, i < 8 ? 255 : 0], 4 * i);
  writeFileSync(join(dir, 'a.png'), PNG.sync.write(png));
  const lib = await loadConceptLibrary(root);
  assert.deepEqual(lib.compositions, { comp0: ['cat1'] });
  assert.equal(lib.concepts[0]!.label, 'cat');
  assert.deepEqual(Array.from(lib.concepts[0]!.views[0]!.mask.data), [...new Array(8).fill(255), ...new Array(8).fill(0)]);
  mkdirSync(join(root, 'comp0', 'dog2'));
  await assert.rejects(loadConceptLibrary(root), (e: Error) => e instanceof InvalidInput && /dog2/.test(e.message));
  await assert.rejects(loadConceptLibrary(join(root, 'nope')), NotFound);
});

test('concept masks: another size is InvalidInput; uniform-background rounds never re-add a dropped pixel', async () => {
  const img = squareOnWhite();
  await assert.rejects(
    makeConcept({ id: 'x', label: 'cup', views: [{ image: img, mask: { width: 4, height: 4, data: new Uint8Array(16) } }] }),
    /expected 40×40/,
  );
  await assert.rejects(makeConcept({ id: 'x', label: 'cup', views: [] }), InvalidInput);
  const rounds = await segmentRounds(uniformBackgroundSegmenter(), img, { rounds: 3 });
  assert.equal(rounds.length, 3);
  const last = rounds[2]!;
  assert.equal(last.data[20 * 40 + 20], 255);
  assert.equal(last.data[2 * 40 + 2], 0);
  for (let i = 0; i < last.data.length; i++) assert.ok(last.data[i]! <= rounds[0]!.data[i]!);
  const dir = mkdtempSync(join(tmpdir(), 'g4g-seg-'));
  const files = writeSegmentation(dir, 'cup', img, rounds);
  assert.equal(files.length, 5);
  const fg = readImage(join(dir, 'cup_result_foreground.png'));
  assert.deepEqual(Array.from(fg.data.subarray(3 * (20 * 40 + 20), 3 * (20 * 40 + 20) + 3)), [200, 30, 30]);
  assert.deepEqual(Array.from(fg.data.subarray(0, 3)), [0, 0, 0]);
  assert.throws(() => writeSegmentation(dir, 'cup', img, rounds), /exists/);
  writeSegmentation(dir, 'cup', img, rounds, { overwrite: true });
});

const names = ['cat1', 'dog2'];
test('LLM answer parser: tolerant of formats, strict on names and canvas', () => {
  const want = [
    { name: 'cat1', box: [10, 20, 100, 120] },
    { name: 'dog2', box: [200, 30, 150, 160] },
  ];
  assert.deepEqual(parseLayoutAnswer("Sure!\n('cat1', [10, 20, 100, 120])\n('dog2', [200, 30, 150, 160])", names, 512), want);
  assert.deepEqual(parseLayoutAnswer('```json\n{"cat1": [10, 20, 100, 120], "dog2": [200, 30, 150, 160]}\n```', names, 512), want);
  assert.deepEqual(
    parseLayoutAnswer('[{"name": "cat1", "box": [10, 20, 100, 120]}, {"name": "dog2", "box": [200, 30, 150, 160]}]', names, 512),
    want,
  );
  assert.throws(() => parseLayoutAnswer('I cannot draw boxes.', names, 512), LayoutParseError);
  assert.throws(() => parseLayoutAnswer("('cat1', [10, 20, 100, 120])", names, 512), /dog2/);
  assert.throws(() => parseLayoutAnswer("('cat1', [450, 20, 100, 120]) ('dog2', [0, 0, 10, 10])", names, 512), LayoutBoundsError);
  assert.throws(() => parseLayoutAnswer("('cat1', [10, 20, 0, 120]) ('dog2', [0, 0, 10, 10])", names, 512), LayoutBoundsError);
  assert.deepEqual(
    parseLayoutAnswer("('cat1', [450, 20, 100, 120]) ('dog2', [0, 0, 10, 10])", names, 512, { clamp: true })[0]!.box,
    [412, 20, 100, 120],
  );
});

const req = {
  objects: [
    { name: 'cat1', label: 'cat' },
    { name: 'dog2', label: 'dog' },
  ],
  seed: 1,
};
test('LLM layout: prompt names the canvas and the objects; bad answers and unreachable servers fall back to the offline provider', async () => {
  let seen = '';
  const cb = llmLayout({ complete: async (p) => ((seen = p), "('cat1', [10, 20, 100, 120]) ('dog2', [200, 30, 150, 160])") });
  const l = await cb.layout(req);
  assert.match(seen, /512×512/);
  assert.match(seen, /'cat1', 'dog2'/);
  assert.equal(l.provider, 'llm-callback');
  assert.equal(layoutPrompt(req, 'in the garden').split('must not overlap').length - 1, 5);
  const bad = withFallback(llmLayout({ complete: async () => 'no idea' }));
  const f = await bad.layout(req);
  assert.equal(f.provider, 'offline-sampler');
  assert.match(f.fallbackReason!, /no box for/);
  await assert.rejects(llmLayout({ url: 'http://127.0.0.1:9/', timeoutMs: 2000 }).layout(req), LayoutServerError);
  const srv = await withFallback(llmLayout({ url: 'http://127.0.0.1:9/', timeoutMs: 2000 })).layout(req);
  assert.equal(srv.provider, 'offline-sampler');
  await assert.rejects(llmLayout({ complete: async () => 'x' }).layout({ objects: [], seed: 0 }), InvalidInput);
});

test('COCO few-shots: 3–25 % area filter; strict scales to the canvas, paper-code keeps pixel boxes (the code bug)', () => {
  const inst = {
    images: [
      { id: 1, width: 640, height: 480 },
      { id: 2, width: 640, height: 480 },
    ],
    annotations: [
      { image_id: 1, category_id: 17, bbox: [64, 48, 200, 160] },
      { image_id: 2, category_id: 17, bbox: [0, 0, 600, 470] },
    ],
    categories: [{ id: 17, name: 'cat' }],
  };
  const caps = {
    annotations: [
      { image_id: 1, caption: 'a cat' },
      { image_id: 2, caption: 'a big cat' },
    ],
  };
  const s = cocoFewShots(inst, caps, { seed: 0 });
  assert.equal(s.length, 1, 'the 92 % box is filtered out');
  assert.deepEqual(s[0]!.boxes[0]!.box, [51, 51, 160, 171]);
  assert.deepEqual(cocoFewShots(inst, caps, { seed: 0, scaling: 'paper-code' })[0]!.boxes[0]!.box, [64, 48, 200, 160]);
});

test('server repaint: an unreachable inpainting server keeps the offline blend and says so', async () => {
  const lib = [spriteConcept('a', 'cat', [200, 100, 50]), spriteConcept('b', 'dog', [50, 100, 200])];
  const c = compose(lib, {
    canvas: 128,
    background: 'flat',
    provider: 't',
    boxes: [
      { name: 'a', box: [5, 60, 50, 50] },
      { name: 'b', box: [70, 60, 50, 50] },
    ],
  });
  const bg = { width: 16, height: 16, data: new Uint8Array(768).fill(90) };
  const s = await serverRepainter(a1111Backend({ url: 'http://127.0.0.1:9', timeoutMs: 2000 }), { backgrounds: { flat: bg } }).repaint(c, {
    background: 'flat',
    seed: 0,
  });
  assert.match(s.repainter, /server failed/);
  assert.equal(s.image.width, 128);
});
