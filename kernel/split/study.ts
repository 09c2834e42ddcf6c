/**
 * The SplitNets study on Fashion-MNIST with the shipped supernet: split-aware search for accuracy under a latency budget,
 * the baselines (all on the aggregator, all on the sensor, a plain split without the reduce module), the accuracy cost
 * of the split module (c′ = 8, b = 8) at every phase boundary on the test split, and the latency gain per preset.
 * Used by bench/split.bench.ts and notebooks/splitnets.ipynb.
 *
 * Protocol: accuracies during the search come from 512 held-out training images (55,000..55,511, never trained on);
 * the selected network's numbers on the 10,000 test images are computed once, after the search.
 */
import { tf } from '../core/backend';
import { loadFashionMnist, asTensors } from '../core/data';
import { systemCost, preset as getPreset, PRESET_NAMES, DEFAULT_PRESET } from './cost';
import {
  exhaustiveSearch,
  evolutionarySearch,
  paretoFront,
  spaceSize,
  type Candidate,
  type SearchSpace,
  type EvolutionOptions,
  type Objective,
  type SearchResult,
} from './search';
import { loadShippedSupernet, accuracy, type Supernet } from './supernet';
import type { Preset, SplitConfig } from './types';

/** The accuracy search space of the study (512 configurations, a subspace of SHIPPED_SPACE small enough for the oracle). */
export const STUDY_SPACE: SearchSpace = {
  phases: 3,
  resolutions: [20, 28],
  widths: [8, 16],
  kernels: [3],
  nPre: [0, 1],
  nPost: [1],
  splits: [0, 1, 2, 3],
  reduces: [8],
  bits: [8],
};

/**
 * STUDY_SPACE with the kernel size searchable too (3 or 5 per phase; a 3×3 kernel is the centre of the 5×5 one):
 * 4,096 configurations, still small enough for the oracle.
 */
export const KERNEL_STUDY_SPACE: SearchSpace = { ...STUDY_SPACE, kernels: [3, 5] };

export interface StudyOptions {
  /** Shipped supernet to load (basename in kernel/split/shipped; default 'fmnist-supernet'). */
  supernet?: string;
  /** Validation images for the search (default 512). */
  valImages?: number;
  /** Test images for the final numbers (default 10,000; 0 skips the test). */
  testImages?: number;
  /** Run the exhaustive oracle and 10 evolution seeds (default true; the notebook turns it off). */
  oracle?: boolean;
  /** Evolutionary-search seeds compared with the exhaustive oracle, 0..seeds-1 (default 10; only with `oracle`). */
  seeds?: number;
  /** Latency budget as a quantile of the space's latencies under the default preset (default 0.5). */
  budgetQuantile?: number;
  /** The searched space (default STUDY_SPACE; KERNEL_STUDY_SPACE needs a supernet trained with 5×5 kernels). */
  space?: SearchSpace;
}

export interface StudyResult {
  budgetSeconds: number;
  selected: Candidate;
  candidates: Candidate[];
  front: Candidate[];
  oracle?: { best: Candidate; median: number; successSeeds: number; seeds: number; scores: number[]; evaluatedFraction: number };
  /** Test accuracy of the selected network unsplit and with the split module (c′ = 8, b = 8) at each boundary. */
  test?: { unsplit: number; perBoundary: { boundary: number; acc: number; drop: number }[] };
  /** Per preset: chosen split (latency-optimal for the selected network, c′ = 8, b = 8) and the latency ratio. */
  presets: {
    preset: string;
    chosenSplit: number;
    latencyAggregatorOnly: number;
    latencyBest: number;
    gain: number;
    linkBytes: number;
    rawBytes: number;
    allOnSensor: number;
  }[];
  /** Wall-clock time of the study (seconds). */
  seconds: number;
  /** The training record of the supernet used (its manifest's provenance: command, steps, seconds, space). */
  supernetProvenance: Record<string, unknown>;
}

/**
 * The sub-network a configuration runs on one view: splits 0 and P (all on the aggregator / all on the sensor) compute the
 * same function, so they share one accuracy; an inner split adds its split module (c′, b).
 */
export const studyKey = (c: SplitConfig): string =>
  JSON.stringify({ r: c.resolution, p: c.phases, s: c.split > 0 && c.split < c.phases.length ? [c.split, c.reduce, c.bits] : null });

/**
 * The study's validation scorer: top-1 accuracy of a configuration's sub-network on Fashion-MNIST train images
 * 55,000..55,000 + n − 1 (never trained on; n default 512), cached per studyKey. `table` holds the accuracies computed so
 * far; `dispose()` frees the images.
 */
export function validationScorer(
  net: Supernet,
  n = 512,
): { accuracy: (c: SplitConfig) => number; table: Map<string, number>; dispose: () => void } {
  const { x: xAll, y: yAll } = asTensors(loadFashionMnist({ split: 'train' }));
  const xv = xAll.slice([55000, 0, 0, 0], [n, -1, -1, -1]),
    yv = yAll.slice([55000], [n]);
  tf.dispose([xAll, yAll]);
  const labels = yv.dataSync() as Int32Array;
  const table = new Map<string, number>();
  return {
    accuracy: (c) => {
      const k = studyKey(c);
      if (!table.has(k)) table.set(k, accuracy(net, xv, labels, c));
      return table.get(k)!;
    },
    table,
    dispose: () => tf.dispose([xv, yv]),
  };
}

/** The study's latency budget (seconds): the `quantile` quantile of `space`'s latencies (default STUDY_SPACE) under preset `p` (default: the default preset). */
async function studyBudget(quantile: number, p: Preset = getPreset(DEFAULT_PRESET), space = STUDY_SPACE): Promise<number> {
  const lat = (await exhaustiveSearch(space, { preset: p })).candidates.map((c) => c.cost.latencySeconds).sort((a, b) => a - b);
  return lat[Math.floor((lat.length - 1) * quantile)]!;
}

/**
 * The evolution options of the study's gate: population 16 (seeded with the largest feasible network of each split point),
 * 20 generations, at most 10% of the searched space evaluated, of which 30% kept for the refinement of the best.
 */
export const GATE_EVOLUTION = { population: 16, generations: 20, maxEvaluationsFraction: 0.1, refineShare: 0.3 } as const;

/** The gate's evolution options for evolution seed `seed` over `space` (GATE_EVOLUTION, cap from the space's size). */
function gateSearch(space: SearchSpace, seed: number): EvolutionOptions {
  const { population, generations, maxEvaluationsFraction, refineShare } = GATE_EVOLUTION;
  return { seed, population, generations, maxEvaluations: Math.floor(maxEvaluationsFraction * spaceSize(space)), refineShare };
}

export interface EvolutionGate {
  /** Latency budget (seconds): the `budgetQuantile` quantile of the searched space's latencies under the gate's preset. */
  budgetSeconds: number;
  /** The exhaustive optimum under the budget. */
  best: Candidate;
  /** Median feasible accuracy (the upper median). */
  median: number;
  /** Feasible accuracies, ascending. */
  feasibleAccuracies: number[];
  /** Normalized score (acc − median) ÷ (optimum − median) per seed 0..seeds-1. */
  scores: number[];
  /** Seeds whose normalized score is ≥ 0.9. */
  successSeeds: number;
  /** Evolution seeds run (0..seeds-1). */
  seeds: number;
  /** Largest fraction of the searched space one seed evaluated. */
  evaluatedFraction: number;
  /** The search of seed 0 (the study's selected network). */
  seed0: SearchResult;
  /** Every feasible candidate of the exhaustive search. */
  candidates: Candidate[];
}

/**
 * The gate protocol of the study (declared in bench/declared/split-supernet2.json, kept for supernet3; search as in
 * split-search-seeding.json): latency budget = a quantile of the searched space's latencies (default STUDY_SPACE) under
 * the preset (default: the default preset); the exhaustive optimum and the median feasible accuracy from the
 * oracle; evolution seeds 0..seeds-1 with GATE_EVOLUTION; a seed succeeds when its normalized score is ≥ 0.9.
 * `accuracy` is called for every feasible configuration (cache it: the oracle and the seeds ask again).
 */
export async function evolutionGate(
  accuracy: (c: SplitConfig) => number,
  o: {
    /** Evolution seeds 0..seeds-1 (default 10). */
    seeds?: number;
    /** Latency budget as a quantile of the space's latencies (default 0.5). */
    budgetQuantile?: number;
    /** Preset of the cost model and the budget (default DEFAULT_PRESET, the gate's). */
    preset?: string;
    /** Search options over GATE_EVOLUTION's (e.g. the search before 2026-12-07: seedLargest false, refineShare 0). */
    search?: Pick<EvolutionOptions, 'seedLargest' | 'refineShare'>;
    /** The searched space (default STUDY_SPACE). */
    space?: SearchSpace;
  } = {},
): Promise<EvolutionGate> {
  const space = o.space ?? STUDY_SPACE;
  const p0 = getPreset(o.preset ?? DEFAULT_PRESET);
  const budget = await studyBudget(o.budgetQuantile ?? 0.5, p0, space);
  const obj: Objective = { preset: p0, latencyBudget: budget, accuracy };
  const ex = await exhaustiveSearch(space, obj);
  const accs = ex.candidates.map((c) => c.accuracy!).sort((a, b) => a - b);
  const median = accs[accs.length >> 1]!,
    best = ex.best!;
  const seeds = o.seeds ?? 10,
    scores: number[] = [];
  let evaluated = 0,
    seed0: SearchResult | null = null;
  for (let s = 0; s < seeds; s++) {
    const ev = await evolutionarySearch(space, obj, { ...gateSearch(space, s), ...o.search });
    if (s === 0) seed0 = ev;
    scores.push((ev.best!.accuracy! - median) / (best.accuracy! - median));
    evaluated = Math.max(evaluated, ev.evaluated);
  }
  return {
    budgetSeconds: budget,
    best,
    median,
    feasibleAccuracies: accs,
    scores,
    successSeeds: scores.filter((x) => x >= 0.9).length,
    seeds,
    evaluatedFraction: evaluated / spaceSize(space),
    seed0: seed0!,
    candidates: ex.candidates,
  };
}

/**
 * Run the SplitNets study with the shipped supernet on Fashion-MNIST: search under a latency budget, the oracle check,
 * the split module's test-accuracy cost per boundary and the latency gain per preset (minutes on CPU with defaults).
 */
export async function study(o: StudyOptions = {}): Promise<StudyResult> {
  const t0 = Date.now();
  const { net, manifest } = loadShippedSupernet(o.supernet);
  const space = o.space ?? STUDY_SPACE;
  const val = validationScorer(net, o.valImages ?? 512);
  const acc = val.accuracy;
  try {
    let oracle: StudyResult['oracle'];
    let ev0: SearchResult, candidates: Candidate[], budget: number;
    if (o.oracle ?? true) {
      const g = await evolutionGate(acc, { seeds: o.seeds, budgetQuantile: o.budgetQuantile, space });
      const { best, median, successSeeds, seeds, scores, evaluatedFraction } = g;
      oracle = { best, median, successSeeds, seeds, scores, evaluatedFraction };
      ({ seed0: ev0, candidates, budgetSeconds: budget } = g);
    } else {
      budget = await studyBudget(o.budgetQuantile ?? 0.5, getPreset(DEFAULT_PRESET), space);
      ev0 = await evolutionarySearch(
        space,
        { preset: getPreset(DEFAULT_PRESET), latencyBudget: budget, accuracy: acc },
        gateSearch(space, 0),
      );
      candidates = ev0.candidates;
    }
    const selected = ev0.best!;
    const arch = selected.config;
    const P = arch.phases.length;
    const presets = PRESET_NAMES.map((name) => {
      const p = getPreset(name);
      const costs = Array.from({ length: P + 1 }, (_, s) => systemCost({ ...arch, split: s, reduce: 8, bits: 8 }, p))
        .map((c, s) => ({ c, s }))
        .filter(({ c }) => c.feasible);
      const best = costs.reduce((a, b) => (b.c.latencySeconds < a.c.latencySeconds ? b : a));
      const agg = systemCost({ ...arch, split: 0 }, p);
      return {
        preset: name,
        chosenSplit: best.s,
        latencyAggregatorOnly: agg.latencySeconds,
        latencyBest: best.c.latencySeconds,
        gain: agg.latencySeconds / best.c.latencySeconds,
        linkBytes: best.c.bitsPerView / 8,
        rawBytes: p.nativeImage.h * p.nativeImage.w * p.nativeImage.c,
        allOnSensor: systemCost({ ...arch, split: P }, p).latencySeconds,
      };
    });
    let test: StudyResult['test'];
    const nt = o.testImages ?? 10000;
    if (nt > 0) {
      const ts = loadFashionMnist({ split: 'test', limit: nt });
      const { x: xt, y: yt } = asTensors(ts);
      const yta = yt.dataSync() as Int32Array;
      const unsplit = accuracy(net, xt, yta, { ...arch, split: 0, reduce: null, bits: null });
      const perBoundary = Array.from({ length: P - 1 }, (_, i) => {
        const a = accuracy(net, xt, yta, { ...arch, split: i + 1, reduce: 8, bits: 8 });
        return { boundary: i + 1, acc: a, drop: (unsplit - a) * 100 };
      });
      tf.dispose([xt, yt]);
      test = { unsplit, perBoundary };
    }
    return {
      budgetSeconds: budget,
      selected,
      candidates,
      front: paretoFront(candidates),
      oracle,
      test,
      presets,
      seconds: (Date.now() - t0) / 1000,
      supernetProvenance: manifest.provenance,
    };
  } finally {
    val.dispose();
    (net as Supernet).dispose();
  }
}
