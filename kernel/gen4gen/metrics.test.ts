// CP-CLIP / TI-CLIP (arXiv 2402.15504, Eqs. 1–4): golden algebra on hand-made vectors and properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundPrompt, cosine, cpClip, cpFromEmbeddings, selectBoxes, tiClip, type Detection, type ImageEmbedder } from './metrics';
import { bootstrapMeanCi, oracleDetector } from './study';
import { hashedTextEmbedder, handcraftedEmbedder, clipEmbedder } from './embedders';
import { NotFound } from '../core/errors';
import type { RgbImage } from '../core/vision/rgb';

const v = (...x: number[]): Float32Array => Float32Array.from(x);
// unit vectors: e_i, and u with cos(u, e_i) = 0.6
const e = [v(1, 0, 0, 0), v(0, 1, 0, 0), v(0, 0, 1, 0)];
const tilt = (i: number): Float32Array => {
  const u = new Float32Array(4);
  u[i] = 0.6;
  u[3] = 0.8;
  return u;
};

test('golden: 3 concepts, crop = one of its 2 references, cos 0.6 to the other → CP = 0.8', () => {
  const refs = [0, 1, 2].map((i) => [e[i]!, tilt(i)]);
  const r = cpFromEmbeddings([e[0]!, e[1]!, e[2]!], refs);
  assert.ok(Math.abs(r.cp - 0.8) < 1e-6, `${r.cp}`);
  assert.deepEqual(r.bestConcept, [0, 1, 2]);
  // drop one detection: CP × 2/3, i.e. lower by exactly S_i / |O′|
  const d = cpFromEmbeddings([e[0]!, e[1]!], refs, 3);
  assert.ok(Math.abs(d.cp - 0.8 * (2 / 3)) < 1e-6);
  assert.ok(Math.abs(r.cp - d.cp - r.perBox[2]! / 3) < 1e-9);
});

const img: RgbImage = { width: 8, height: 8, data: new Uint8Array(192) };
/** Embeds an image by its top-left pixel's red value → vector table (crops of different boxes get different ids). */
const table = (m: Map<number, Float32Array>): ImageEmbedder => ({
  id: 'fixed-table (test)',
  embedImages: async (xs) => xs.map((x) => m.get(x.data[0]!)!),
});
function tagged(): RgbImage {
  const d = new Uint8Array(192);
  for (let i = 0; i < 3; i++) d[3 * (i * 2)] = i + 1; // crop at x = 2i starts with red i+1
  return { width: 8, height: 8, data: d };
}

test('cpClip: extra boxes change nothing; label swap changes nothing (max over all concepts); permutation invariance; bounds', async () => {
  const emb = table(
    new Map([
      [1, e[0]!],
      [2, e[1]!],
      [3, e[2]!],
      [9, tilt(0)],
    ]),
  );
  const refImg = (k: number): RgbImage => ({ width: 1, height: 1, data: Uint8Array.of(k, 0, 0) });
  const concepts = [
    { id: 'a', label: 'cat', refs: [refImg(1), refImg(9)] },
    { id: 'b', label: 'dog', refs: [refImg(2)] },
    { id: 'c', label: 'cup', refs: [refImg(3)] },
  ];
  const boxes: Detection[] = [
    { label: 'cat', score: 0.9, box: [0, 0, 1, 1] },
    { label: 'dog', score: 0.8, box: [2, 0, 1, 1] },
    { label: 'cup', score: 0.7, box: [4, 0, 1, 1] },
  ];
  const det = (ds: Detection[]) => ({ id: 'fixed (test)', detect: async () => ds });
  const base = await cpClip({ image: tagged(), concepts, detector: det(boxes), embedder: emb });
  assert.ok(Math.abs(base.cp - (0.8 + 1 + 1) / 3) < 1e-6, `${base.cp}`);
  assert.equal(base.paperComparable, false);
  assert.equal(base.embedder, 'fixed-table (test)');
  const extra = await cpClip({
    image: tagged(),
    concepts,
    detector: det([...boxes, { label: 'cat', score: 0.5, box: [6, 6, 1, 1] }, { label: 'tv', score: 0.99, box: [6, 0, 1, 1] }]),
    embedder: emb,
  });
  assert.equal(extra.cp, base.cp);
  const swapped = await cpClip({
    image: tagged(),
    concepts,
    detector: det(boxes.map((b, i) => ({ ...b, label: boxes[(i + 1) % 3]!.label }))),
    embedder: emb,
  });
  assert.ok(Math.abs(swapped.cp - base.cp) < 1e-9);
  const perm = await cpClip({
    image: tagged(),
    concepts: [concepts[2]!, concepts[0]!, concepts[1]!],
    detector: det([...boxes].reverse()),
    embedder: emb,
  });
  assert.ok(Math.abs(perm.cp - base.cp) < 1e-9);
  assert.ok(base.cp >= 0 && base.cp <= 1);
});

test('duplicate labels: paper-literal keeps 1 box per label, top-m keeps m; threshold and NMS', () => {
  const d: Detection[] = [
    { label: 'tractor', score: 0.9, box: [0, 0, 10, 10] },
    { label: 'tractor', score: 0.8, box: [20, 0, 10, 10] },
    { label: 'tractor', score: 0.85, box: [1, 1, 10, 10] }, // overlaps the best: NMS removes it
    { label: 'tractor', score: 0.05, box: [40, 0, 10, 10] }, // under the threshold
  ];
  assert.equal(selectBoxes(d, ['tractor', 'tractor'], { duplicatePolicy: 'paper-literal' }).length, 1);
  const top = selectBoxes(d, ['tractor', 'tractor']);
  assert.deepEqual(
    top.map((x) => x.score),
    [0.9, 0.8],
  );
  assert.equal(selectBoxes(d, ['tractor', 'tractor', 'tractor']).length, 2);
});

test('TI-CLIP is independent of the object tokens; raw cosine', async () => {
  const a = backgroundPrompt('a photo of <x1> cat and <y2> dog in the garden', ['cat', 'dog']);
  const b = backgroundPrompt('a photo of <q> cat and <zz> dog in the garden', ['cat', 'dog']);
  assert.equal(a, b);
  assert.equal(a, 'a photo of in the garden');
  const t = await tiClip(img, a, handcraftedEmbedder(), {
    id: 'text (test)',
    embedTexts: async (xs) => xs.map(() => v(...new Array(96).fill(1))),
  });
  assert.ok(t.ti >= -1 && t.ti <= 1);
  const h = hashedTextEmbedder();
  const [p, q] = await h.embedTexts([a, b]);
  assert.equal(cosine(p!, q!), 1);
});

test('bootstrap CI brackets the mean and is seeded; oracle detector returns the given boxes', async () => {
  const xs = [0.1, 0.2, 0.15, 0.3, 0.05, 0.12];
  const [lo, hi] = bootstrapMeanCi(xs, { seed: 3 });
  const m = xs.reduce((a, b) => a + b) / xs.length;
  assert.ok(lo < m && m < hi && lo >= 0.05 && hi <= 0.3);
  assert.deepEqual(bootstrapMeanCi(xs, { seed: 3 }), [lo, hi]);
  const o = oracleDetector([
    { label: 'cat', box: [1, 2, 3, 4] },
    { label: 'cup', box: [0, 0, 1, 1] },
  ]);
  assert.deepEqual(await o.detect(img, ['cat']), [{ label: 'cat', box: [1, 2, 3, 4], score: 1 }]);
});

test('real CLIP/OWL-ViT: runs only with local models (CLIP_DIR, OWLVIT_DIR); a missing folder is NotFound', async (t) => {
  await assert.rejects(clipEmbedder('/nonexistent/clip-vit-base-patch32'), NotFound);
  if (!process.env.CLIP_DIR || !process.env.OWLVIT_DIR) {
    console.log('skipped the real-model check: set CLIP_DIR and OWLVIT_DIR to local transformers.js ONNX folders');
    t.diagnostic('CLIP_DIR/OWLVIT_DIR not set: real-model check skipped');
    return;
  }
  const clip = await clipEmbedder(process.env.CLIP_DIR);
  const [a, b] = await clip.embedImages([img, img]);
  assert.ok(Math.abs(cosine(a!, b!) - 1) < 1e-5);
});
