import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evolutionGate, studyKey, STUDY_SPACE, KERNEL_STUDY_SPACE } from './study';
import { exhaustiveSearch, spaceSize } from './search';
import { preset, DEFAULT_PRESET } from './cost';
import type { SplitConfig } from './types';

/** Bigger networks and all-on-sensor score higher, so the unconstrained best is over the latency budget and the gate must skip it. */
const synthetic = (c: SplitConfig) =>
  c.resolution / 100 +
  c.phases.reduce((a, p) => a + p.width / 50 + p.nPre / 20, 0) -
  (c.split === 1 || c.split === 2 ? 0.01 : 0) +
  (c.split === 3 ? 0.05 : 0);

test('evolutionGate: median-latency budget, oracle and median over the feasible configurations only, scores from them', async () => {
  const g = await evolutionGate(synthetic, { seeds: 3 });
  const all = (await exhaustiveSearch(STUDY_SPACE, { preset: preset(DEFAULT_PRESET) })).candidates;
  const lats = all.map((c) => c.cost.latencySeconds).sort((a, b) => a - b);
  assert.equal(g.budgetSeconds, lats[(lats.length - 1) >> 1]);
  const feasible = all.filter((c) => c.cost.latencySeconds <= g.budgetSeconds).map((c) => synthetic(c.config));
  assert.ok(feasible.length < all.length);
  assert.equal(g.best.accuracy, Math.max(...feasible));
  assert.ok(g.best.accuracy! < Math.max(...all.map((c) => synthetic(c.config))), 'the unconstrained best must be over budget');
  const sorted = [...feasible].sort((a, b) => a - b);
  assert.deepEqual(g.feasibleAccuracies, sorted);
  assert.equal(g.median, sorted[sorted.length >> 1]);
  assert.equal(g.scores.length, 3);
  assert.equal(g.scores[0], (g.seed0.best!.accuracy! - g.median) / (g.best.accuracy! - g.median));
  assert.ok(g.evaluatedFraction <= 0.1 && g.evaluatedFraction > 0);
  assert.equal(g.successSeeds, g.scores.filter((s) => s >= 0.9).length);
});

test('studyKey: splits 0 and P share a key (same function on one view); an inner split with its module does not', () => {
  const c: SplitConfig = {
    resolution: 28,
    split: 0,
    reduce: 8,
    bits: 8,
    phases: [1, 2, 3].map(() => ({ width: 8, kernel: 3, nPre: 0, nPost: 1 })),
  };
  assert.equal(studyKey(c), studyKey({ ...c, split: 3 }));
  assert.notEqual(studyKey(c), studyKey({ ...c, split: 1 }));
  assert.notEqual(studyKey({ ...c, split: 1 }), studyKey({ ...c, split: 2 }));
});

test('evolutionGate over KERNEL_STUDY_SPACE: budget, oracle and cap come from that space, and the oracle uses 5×5 kernels', async () => {
  const withKernels = (c: SplitConfig) => synthetic(c) + c.phases.reduce((a, p) => a + (p.kernel === 5 ? 0.03 : 0), 0);
  const g = await evolutionGate(withKernels, { seeds: 2, space: KERNEL_STUDY_SPACE });
  assert.equal(spaceSize(KERNEL_STUDY_SPACE), 8 * spaceSize(STUDY_SPACE));
  const lats = (await exhaustiveSearch(KERNEL_STUDY_SPACE, { preset: preset(DEFAULT_PRESET) })).candidates
    .map((c) => c.cost.latencySeconds)
    .sort((a, b) => a - b);
  assert.equal(g.budgetSeconds, lats[(lats.length - 1) >> 1]);
  assert.ok(
    g.best.config.phases.some((p) => p.kernel === 5),
    JSON.stringify(g.best.config),
  );
  assert.ok(g.feasibleAccuracies.length > 256, `${g.feasibleAccuracies.length} feasible: the 3×3-only space has 256`);
  // 51 evaluations is STUDY_SPACE's cap; this space allows 409, and a fraction above 51 / 4,096 shows it was used.
  assert.ok(g.evaluatedFraction <= 0.1 && g.evaluatedFraction * spaceSize(KERNEL_STUDY_SPACE) > 51, `${g.evaluatedFraction}`);
});
