// The ordering study's wiring on a synthetic world (procedural sprites, hand-crafted embedder, oracle boxes): tests
// aggregation and the variant construction, not CLIP semantics. Plus the CenterNet embedder's contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { spriteConcept } from './data';
import { centernetEmbedder, handcraftedEmbedder } from './embedders';
import { cosine } from './metrics';
import { orderingBreakdown, orderingStudy, referenceImages, studySpecs } from './study';

// the study's concept ids, as sprites: look-alikes share the label and the colour family but not the stripe pattern
const world = [
  spriteConcept('house-cat', 'cat', [220, 120, 40], { period: 4 }),
  spriteConcept('aloe', 'potted plant', [60, 180, 60], { period: 12 }),
  spriteConcept('motorcycle', 'motorcycle', [200, 30, 30], { period: 7 }),
  spriteConcept('chelsea', 'cat', [50, 60, 210], { period: 16, views: 1 }),
  spriteConcept('plant', 'potted plant', [210, 60, 200], { period: 3, views: 1 }),
  spriteConcept('cup', 'cup', [240, 240, 240], { views: 1 }),
  spriteConcept('dog', 'dog', [120, 80, 40], { views: 1 }),
  spriteConcept('sheep', 'sheep', [200, 200, 170], { views: 1 }),
];

test('study specs: validation and test splits are disjoint and deterministic; references exclude the pasted view', () => {
  const v = studySpecs(10, 'validation', world),
    t = studySpecs(10, 'test', world);
  assert.deepEqual(studySpecs(10, 'test', world), t);
  assert.ok(v.every((s) => !t.some((u) => u.seed === s.seed)));
  for (const s of t) assert.ok(['house-cat', 'aloe'].includes(s.target) && s.concepts.includes(s.target));
  const refs = referenceImages(world[0]!, 1, 'foreground');
  assert.equal(refs.length, 2);
  assert.ok(!refs.some((r) => r.data.every((x, i) => x === world[0]!.views[1]!.image.data[i])), 'the pasted view is not a reference');
});

test('ordering breakdown: tells ties (nothing detected) from reversals, per adjacent pair', () => {
  const b = orderingBreakdown([
    { correct: 0, swapped: 0, missing: 0, random: 0 },
    { correct: 0.5, swapped: 0.4, missing: 0.3, random: 0 },
    { correct: 0.3, swapped: 0.4, missing: 0.4, random: 0.5 },
  ]);
  assert.deepEqual(b, {
    correctVsSwapped: { gt: 1, eq: 1, lt: 1 },
    swappedVsMissing: { gt: 1, eq: 2, lt: 0 },
    missingVsRandom: { gt: 1, eq: 1, lt: 1 },
    allZero: 1,
  });
});

test('synthetic world: with oracle boxes, correct > swapped > missing in most compositions (random has no concept class: 0)', async () => {
  const none = { id: 'nothing (test)', detect: async () => [] };
  const r = await orderingStudy({
    n: 8,
    split: 'validation',
    embedder: handcraftedEmbedder(),
    detector: none,
    concepts: world,
    refs: 'foreground',
    size: 256,
  });
  assert.equal(r.orderingFraction, 0, 'a detector that finds nothing orders nothing');
  assert.equal(r.breakdown.allZero, 8, 'every composition ties at 0');
  assert.equal(r.mean.correct, 0);
  const o = r.oracle!;
  assert.ok(o.orderingFraction >= 0.75, `oracle ordering ${o.orderingFraction}: ${JSON.stringify(r.rows.map((x) => x.cpOracle))}`);
  assert.ok(o.gap.mean > 0 && o.gap.ciLow > 0);
});

test('CenterNet embedder: unit vectors, deterministic, no tensors left behind, id says not CLIP', async () => {
  await init({ backend: 'wasm' });
  const emb = await centernetEmbedder();
  try {
    assert.match(emb.id, /not CLIP/);
    const img = world[0]!.views[0]!.image;
    const [a, b] = await expectNoLeak(() => emb.embedImages([img, img]));
    assert.ok(Math.abs(cosine(a!, a!) - 1) < 1e-5 && Math.abs(a!.reduce((s, x) => s + x * x, 0) - 1) < 1e-4);
    assert.deepEqual(a, b);
    const [c] = await emb.embedImages([world[2]!.views[0]!.image]);
    assert.ok(cosine(a!, c!) < 0.999, 'different sprites embed differently');
  } finally {
    emb.dispose();
  }
});
