import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exhaustiveSearch,
  evolutionarySearch,
  spaceSize,
  feasibleCost,
  paretoFront,
  largestFeasible,
  decode,
  genomeAt,
  radices,
  FULL_SPACE,
  type SearchSpace,
  type Objective,
} from './search';
import { preset, systemCost, PRESET_NAMES } from './cost';
import { InvalidInput } from '../core/errors';
import type { Preset, SplitConfig } from './types';

/** ≤ 2,000 configurations each (1,536): the oracle enumerates them all. */
const SMALL: SearchSpace = {
  phases: 3,
  resolutions: [24, 28],
  widths: [8, 16],
  kernels: [3, 5],
  nPre: [1],
  nPost: [0],
  splits: [0, 1, 2, 3],
  reduces: [2, 4, 8],
  bits: [4],
};
const SMALL2: SearchSpace = { ...SMALL, resolutions: [28], kernels: [3], nPre: [0], nPost: [0, 1], reduces: [2, 4, 8], bits: [4, 8] };

test('search spaces: sizes, and the full space is far beyond the test oracle', () => {
  assert.equal(spaceSize(SMALL), 2 * 4 ** 3 * 4 * 3 * 1);
  assert.ok(spaceSize(SMALL) <= 2000 && spaceSize(SMALL2) <= 2000, `${spaceSize(SMALL)} ${spaceSize(SMALL2)}`);
  assert.ok(spaceSize(FULL_SPACE) > 1e6);
});

test('latency-only: evolution returns exactly the exhaustive optimum (3 presets × 2 spaces × 3 seeds × 3 bandwidths)', async () => {
  for (const name of PRESET_NAMES)
    for (const space of [SMALL, SMALL2])
      for (const bw of [1e5, 1e7, 1.5e9]) {
        const o: Objective = { preset: preset(name, { link: { bitsPerSecond: bw } }) };
        const ex = await exhaustiveSearch(space, o);
        for (const seed of [1, 2, 3]) {
          const ev = await evolutionarySearch(space, o, { seed, population: 16, generations: 8 });
          assert.ok(ev.best && ex.best);
          assert.equal(ev.best.cost.latencySeconds, ex.best.cost.latencySeconds, `${name} bw ${bw} seed ${seed}`);
          assert.ok(ev.evaluated < ev.spaceSize);
        }
      }
});

/** Every configuration's latency under preset `p`, ascending (budgets are quantiles of it). */
async function sortedLatencies(space: SearchSpace, p: Preset): Promise<number[]> {
  return (await exhaustiveSearch(space, { preset: p })).candidates.map((c) => c.cost.latencySeconds).sort((a, b) => a - b);
}

/** A smooth, seeded accuracy proxy: more MACs help with diminishing returns; a narrow or coarse split code costs accuracy. */
function proxyAccuracy(cfg: SplitConfig): number {
  const total = systemCost({ ...cfg, split: cfg.phases.length }, preset()).sensorMacs;
  let h = 2166136261;
  for (const ch of JSON.stringify(cfg)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const noise = ((h >>> 0) / 2 ** 32 - 0.5) * 0.01;
  const P = cfg.phases.length;
  const splitLoss = cfg.split > 0 && cfg.split < P ? (cfg.reduce === null ? 0 : 0.08 / cfg.reduce) + (cfg.bits === 4 ? 0.01 : 0) : 0;
  return 0.55 + 0.04 * Math.log2(total / 1e4) - splitLoss + noise;
}

test('accuracy under a latency budget: with ≤ 10% of the space evaluated, normalized score ≥ 0.9 in ≥ 9 of 10 seeds, never infeasible', async () => {
  const space: SearchSpace = { ...SMALL, resolutions: [28], bits: [4, 8] };
  const p = preset('slow-wireless');
  const lat = await sortedLatencies(space, p);
  const o: Objective = { preset: p, latencyBudget: lat[Math.floor(lat.length * 0.3)]!, accuracy: proxyAccuracy };
  const ex = await exhaustiveSearch(space, o);
  const accs = ex.candidates.map((c) => c.accuracy!).sort((a, b) => a - b);
  const med = accs[accs.length >> 1]!,
    opt = ex.best!.accuracy!;
  const cap = Math.floor(0.1 * spaceSize(space));
  let ok = 0;
  for (let seed = 0; seed < 10; seed++) {
    const ev = await evolutionarySearch(space, o, { seed, population: 16, generations: 20, maxEvaluations: cap });
    assert.ok(ev.evaluated <= cap);
    assert.ok(ev.best);
    assert.ok(ev.best.cost.latencySeconds <= o.latencyBudget! && ev.best.cost.feasible, 'infeasible result');
    for (const c of ev.candidates) assert.ok(c.cost.latencySeconds <= o.latencyBudget! && c.cost.feasible);
    if ((ev.best.accuracy! - med) / (opt - med) >= 0.9) ok++;
  }
  assert.ok(ok >= 9, `${ok} of 10 seeds reached a normalized score ≥ 0.9`);
});

test('constraint rejection: a memory budget below every split network leaves only all-on-aggregator; c′ wider than the features is infeasible', async () => {
  const p = preset('weak-sensor-mipi', { sensor: { memoryBytes: 10 } });
  const ev = await evolutionarySearch(SMALL, { preset: p }, { seed: 4, population: 8, generations: 4 });
  assert.equal(ev.best!.config.split, 0);
  for (const c of ev.candidates) assert.equal(c.config.split, 0);
  const wide: SplitConfig = {
    resolution: 28,
    split: 1,
    reduce: 16,
    bits: 8,
    phases: [
      { width: 8, kernel: 3, nPre: 0, nPost: 0 },
      { width: 8, kernel: 3, nPre: 0, nPost: 0 },
    ],
  };
  assert.equal(feasibleCost(wide, { preset: preset() }), null);
  await assert.rejects(
    () => exhaustiveSearch({ ...SMALL, splits: [4] }, { preset: preset() }),
    (e: Error) => e instanceof InvalidInput && /past the last phase/.test(e.message),
  );
  await assert.rejects(
    () => exhaustiveSearch(FULL_SPACE, { preset: preset() }),
    (e: Error) => e instanceof InvalidInput && /use evolutionarySearch/.test(e.message),
  );
});

/** The latency-optimal (split, c′, bits) for one fixed network. */
async function chosen(p: ReturnType<typeof preset>) {
  const fixed: SearchSpace = {
    phases: 3,
    resolutions: [28],
    widths: [16],
    kernels: [3],
    nPre: [1],
    nPost: [0],
    splits: [0, 1, 2, 3],
    reduces: [2, 4, 8, 16, null],
    bits: [4, 8, null],
  };
  return (await exhaustiveSearch(fixed, { preset: p })).best!;
}

test('monotonicity (fixed network, latency only): more link bandwidth never lowers the bits at the chosen split', async () => {
  // argmin_x f(x) + bits(x)/BW: the bits at the minimizer cannot decrease as 1/BW shrinks. More bandwidth moves the
  // split toward the aggregator, where more bits cross (the raw image at split 0).
  let prev = -1;
  const seen = new Set<number>();
  for (let e = 3; e <= 10.5; e += 0.25) {
    const b = await chosen(preset('weak-sensor-mipi', { link: { bitsPerSecond: 10 ** e, overheadSeconds: 0, packetBits: 8 } }));
    assert.ok(b.cost.linkBits >= prev, `BW 1e${e}: link bits ${b.cost.linkBits} < ${prev} at lower bandwidth`);
    prev = b.cost.linkBits;
    seen.add(b.config.split);
  }
  assert.ok(seen.size >= 2, `the sweep should move the split, saw ${[...seen]}`);
});

test('monotonicity (fixed network, latency only): a slower sensor never raises the sensor MACs at the chosen split', async () => {
  let prev = Infinity;
  const seen = new Set<number>();
  for (let e = 12; e >= 5; e -= 0.25) {
    const b = await chosen(preset('slow-wireless', { sensor: { macsPerSecond: 10 ** e } }));
    assert.ok(b.cost.sensorMacs <= prev, `sensor 1e${e} MAC/s: sensor MACs ${b.cost.sensorMacs} > ${prev} with a faster sensor`);
    prev = b.cost.sensorMacs;
    seen.add(b.config.split);
  }
  assert.ok(seen.size >= 2, `the sweep should move the split, saw ${[...seen]}`);
});

test('paretoFront keeps only candidates no other beats on both accuracy and latency', () => {
  const mk = (lat: number, acc: number) => ({
    config: {} as SplitConfig,
    genome: [],
    cost: { latencySeconds: lat } as never,
    accuracy: acc,
  });
  const f = paretoFront([mk(1, 0.5), mk(2, 0.4), mk(3, 0.7), mk(0.5, 0.3), mk(3, 0.6)]);
  assert.deepEqual(
    f.map((c) => [c.cost.latencySeconds, c.accuracy]),
    [
      [0.5, 0.3],
      [1, 0.5],
      [3, 0.7],
    ],
  );
});

test('largestFeasible: feasible, and no feasible configuration at its split is at least as large in every gene and larger in one', async () => {
  const p = preset('strong-sensor');
  const lat = await sortedLatencies(SMALL, p);
  const rad = radices(SMALL),
    L = rad.length;
  for (const q of [0.1, 0.3, 0.6]) {
    const o: Objective = { preset: p, latencyBudget: lat[Math.floor(lat.length * q)]! };
    for (let si = 0; si < SMALL.splits.length; si++) {
      const g = largestFeasible(SMALL, o, si);
      const any = Array.from({ length: spaceSize(SMALL) }, (_, i) => genomeAt(rad, i)).some(
        (h) => h[L - 3] === si && feasibleCost(decode(SMALL, h), o) !== null,
      );
      assert.equal(g !== null, any, `q ${q} split ${si}: null exactly when nothing at that split is feasible`);
      if (!g) continue;
      assert.equal(g[L - 3], si);
      assert.ok(feasibleCost(decode(SMALL, g), o), `q ${q} split ${si}: infeasible`);
      // Every list of SMALL is ascending, so a larger choice index is a larger network.
      for (let i = 0; i < spaceSize(SMALL); i++) {
        const h = genomeAt(rad, i);
        if (h[L - 3] !== si || !feasibleCost(decode(SMALL, h), o)) continue;
        const dominates = h.every((v, j) => v >= g[j]!) && h.some((v, j) => v > g[j]!);
        assert.ok(!dominates, `q ${q} split ${si}: ${h.join('')} is feasible and larger than ${g.join('')}`);
      }
    }
  }
  const tiny: Objective = { preset: p, latencyBudget: lat[0]! / 2 };
  assert.equal(largestFeasible(SMALL, tiny, 1), null);
  assert.throws(() => largestFeasible(SMALL, tiny, SMALL.splits.length), InvalidInput);
});

test('evolution: seedLargest puts the largest feasible network of each split first; refineShare keeps evaluations for the refinement', async () => {
  const p = preset('slow-wireless');
  const lat = await sortedLatencies(SMALL, p);
  const o: Objective = { preset: p, latencyBudget: lat[Math.floor(lat.length * 0.3)]!, accuracy: proxyAccuracy };
  const seeds = SMALL.splits.flatMap((_, si) => largestFeasible(SMALL, o, si)?.join(',') ?? []);
  assert.ok(seeds.length >= 2, `${seeds.length} split points have a feasible network`);
  const ev = await evolutionarySearch(SMALL, o, { seed: 3, population: 8, generations: 20, maxEvaluations: 40 });
  assert.deepEqual(
    ev.candidates.slice(0, seeds.length).map((c) => c.genome.join(',')),
    seeds,
  );
  const off = await evolutionarySearch(SMALL, o, { seed: 3, population: 8, generations: 20, maxEvaluations: 40, seedLargest: false });
  assert.notDeepEqual(
    off.candidates.slice(0, seeds.length).map((c) => c.genome.join(',')),
    seeds,
  );
  let lastGeneration = 0;
  await evolutionarySearch(SMALL, o, {
    seed: 3,
    population: 8,
    generations: 20,
    maxEvaluations: 40,
    refineShare: 0.5,
    onGeneration: (_, __, evaluated) => (lastGeneration = evaluated),
  });
  assert.ok(lastGeneration > 0 && lastGeneration <= 20, `the generations used ${lastGeneration} of 40 evaluations with half kept back`);
});
