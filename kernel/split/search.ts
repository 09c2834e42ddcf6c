/**
 * Split-aware architecture search (SplitNets, arXiv 2204.04705, Sec. 3–4): one search over the network (input
 * resolution, per-phase width, kernel and depth) *and* its split (split point, reduced width c′, bits), scored by the
 * system cost model. Two searchers:
 *   exhaustiveSearch   enumerates a small space — the oracle the evolutionary search is tested against;
 *   evolutionarySearch population + mutation + crossover with constraint rejection (infeasible children — sensor
 *                      memory over budget, latency over budget, c′ wider than the split features — are resampled,
 *                      never evaluated), then a coordinate-wise local refinement of the best, all within an evaluation budget.
 * Objective: accuracy under a latency budget (ties → lower latency), or latency alone (`accuracy` omitted).
 */
import { InvalidInput, check, checkInt, describe, throwIfAborted } from '../core/errors';
import { rng } from '../core/rng';
import { systemCost, type CostOptions } from './cost';
import type { CostBreakdown, Preset, SplitConfig } from './types';

/** The choices of each searchable dimension (every phase shares the same width/kernel/depth choices). */
export interface SearchSpace {
  readonly phases: number;
  readonly resolutions: readonly number[];
  readonly widths: readonly number[];
  readonly kernels: readonly number[];
  readonly nPre: readonly number[];
  readonly nPost: readonly number[];
  /** Split points to consider (0 = all on the aggregator, `phases` = all on the sensor). */
  readonly splits: readonly number[];
  readonly reduces: readonly (number | null)[];
  readonly bits: readonly (number | null)[];
}

/**
 * The full space of this port (ours, sized for training on 2 CPU cores): P = 3 phases; per phase width {4, 8, 12, 16},
 * kernel {3, 5}, nPre {0, 1}, nPost {0, 1}; resolution {20, 28}; split 0..3; c′ {2, 4, 8}; b {4, 8}.
 * (SplitNets searches ImageNet-scale widths and resolutions; the structure of the space is the paper's, the sizes ours.)
 */
export const FULL_SPACE: SearchSpace = {
  phases: 3,
  resolutions: [20, 28],
  widths: [4, 8, 12, 16],
  kernels: [3, 5],
  nPre: [0, 1],
  nPost: [0, 1],
  splits: [0, 1, 2, 3],
  reduces: [2, 4, 8],
  bits: [4, 8],
};

/**
 * The space the shipped supernet was trained on: FULL_SPACE with 3×3 kernels only (training 5×5 kernels with the wasm
 * backend's emulated filter gradients did not fit the 2-core budget). Search with accuracy uses this space.
 */
export const SHIPPED_SPACE: SearchSpace = { ...FULL_SPACE, kernels: [3] };

/** A genome: one choice index per gene — [resolution, (width, kernel, nPre, nPost) × P, split, reduce, bits]. */
export type Genome = readonly number[];

/** Choices per gene of a space's genome (the mixed radix that numbers its configurations). */
export function radices(s: SearchSpace): number[] {
  const r = [s.resolutions.length];
  for (let p = 0; p < s.phases; p++) r.push(s.widths.length, s.kernels.length, s.nPre.length, s.nPost.length);
  r.push(s.splits.length, s.reduces.length, s.bits.length);
  return r;
}

/** Validate a search space; throws InvalidInput naming the first empty dimension or out-of-range split point. */
export function checkSpace(s: SearchSpace): void {
  checkInt('space.phases', s?.phases);
  for (const k of ['resolutions', 'widths', 'kernels', 'nPre', 'nPost', 'splits', 'reduces', 'bits'] as const) {
    check(Array.isArray(s[k]) && s[k].length > 0, () => `space.${k} must be a non-empty array, got ${describe(s[k])}`);
  }
  for (const sp of s.splits)
    check(
      Number.isInteger(sp) && sp >= 0 && sp <= s.phases,
      () => `space.splits contains ${sp}, past the last phase (expected 0..${s.phases})`,
    );
}

/** Number of genomes in the space. */
export function spaceSize(s: SearchSpace): number {
  return radices(s).reduce((a, b) => a * b, 1);
}

/** The configuration a genome encodes (one choice index per gene, see Genome). */
export function decode(s: SearchSpace, g: Genome): SplitConfig {
  let i = 0;
  const resolution = s.resolutions[g[i++]!]!;
  const phases = [];
  for (let p = 0; p < s.phases; p++)
    phases.push({ width: s.widths[g[i++]!]!, kernel: s.kernels[g[i++]!]!, nPre: s.nPre[g[i++]!]!, nPost: s.nPost[g[i++]!]! });
  return { resolution, phases, split: s.splits[g[i++]!]!, reduce: s.reduces[g[i++]!]!, bits: s.bits[g[i++]!]! };
}

/** The genome numbered `index` (0 ≤ index < the product of `rad`) in mixed radix, last gene fastest. */
export function genomeAt(rad: readonly number[], index: number): number[] {
  const g = new Array<number>(rad.length);
  for (let j = rad.length - 1; j >= 0; j--) {
    g[j] = index % rad[j]!;
    index = Math.floor(index / rad[j]!);
  }
  return g;
}

export interface Objective {
  preset: Preset;
  /** Network and view options of the cost model (default 1 input channel, 10 classes, 1 view, 'max' fusion). */
  cost?: CostOptions;
  /** Feasible only when latency ≤ this (seconds). Default: no latency budget. */
  latencyBudget?: number;
  /** Accuracy of a configuration (higher is better); omit for a latency-only objective. */
  accuracy?: (cfg: SplitConfig) => number | Promise<number>;
}

export interface Candidate {
  readonly config: SplitConfig;
  readonly genome: Genome;
  readonly cost: CostBreakdown;
  /** Accuracy, or null for a latency-only objective. */
  readonly accuracy: number | null;
}

export interface SearchResult {
  readonly best: Candidate | null;
  /** Distinct configurations whose objective was evaluated. */
  readonly evaluated: number;
  readonly spaceSize: number;
  /** Every evaluated feasible candidate (for Pareto fronts). */
  readonly candidates: Candidate[];
}

/** Is a configuration valid and within the budgets? Returns its cost or null. Pure cost model, no accuracy evaluated. */
export function feasibleCost(cfg: SplitConfig, o: Objective): CostBreakdown | null {
  const P = cfg.phases.length;
  if (cfg.split > 0 && cfg.split < P && cfg.reduce !== null && cfg.reduce > cfg.phases[cfg.split - 1]!.width) return null;
  const c = systemCost(cfg, o.preset, o.cost);
  if (!c.feasible) return null;
  if (o.latencyBudget !== undefined && c.latencySeconds > o.latencyBudget) return null;
  return c;
}

/** Is `a` better than `b`? Accuracy first (when present), then latency; exact ties keep `b`. */
export function better(a: Candidate, b: Candidate | null): boolean {
  if (!b) return true;
  if (a.accuracy !== null && b.accuracy !== null && a.accuracy !== b.accuracy) return a.accuracy > b.accuracy;
  return a.cost.latencySeconds < b.cost.latencySeconds;
}

function checkObjective(o: Objective): void {
  check(o != null && o.preset != null, 'search: objective.preset is required');
  if (o.latencyBudget !== undefined)
    check(
      Number.isFinite(o.latencyBudget) && o.latencyBudget > 0,
      () => `search: latencyBudget must be > 0 seconds, got ${describe(o.latencyBudget)}`,
    );
}

/** Enumerate every configuration (the oracle). Throws beyond `limit` configurations (default 200,000). */
export async function exhaustiveSearch(
  space: SearchSpace,
  o: Objective,
  opts: {
    /** Largest space enumerated, in configurations (default 200,000; ours). */
    limit?: number;
    /** Aborts the enumeration (checked every 1,024 configurations; default none). */
    signal?: AbortSignal;
  } = {},
): Promise<SearchResult> {
  checkSpace(space);
  checkObjective(o);
  const n = spaceSize(space),
    rad = radices(space);
  if (n > (opts.limit ?? 200_000))
    throw new InvalidInput(
      `exhaustiveSearch: the space has ${n} configurations, above the limit ${opts.limit ?? 200_000}; use evolutionarySearch`,
    );
  let best: Candidate | null = null;
  const candidates: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) throwIfAborted(opts.signal);
    const genome = genomeAt(rad, i),
      config = decode(space, genome);
    const cost = feasibleCost(config, o);
    if (!cost) continue;
    const c: Candidate = { config, genome, cost, accuracy: o.accuracy ? await o.accuracy(config) : null };
    candidates.push(c);
    if (better(c, best)) best = c;
  }
  return { best, evaluated: candidates.length, spaceSize: n, candidates };
}

export interface EvolutionOptions {
  /** Seed of the initial population, crossover and mutation (default 0). */
  seed?: number;
  /** Default 32. */
  population?: number;
  /** Default 20. */
  generations?: number;
  /** Probability that each gene of a child is redrawn. Default 0.15. */
  mutationRate?: number;
  /** Fraction of children made by uniform crossover of two parents (then mutated). Default 0.5. */
  crossover?: number;
  /** Stop after this many distinct evaluated configurations. Default: no cap. */
  maxEvaluations?: number;
  /** Attempts to draw a feasible child before giving up on it (constraint rejection). Default 200. */
  maxRejections?: number;
  /** Refine the best by trying every value of each gene in turn until nothing improves. Default true. */
  refine?: boolean;
  /**
   * Start the population from the largest feasible network of each split point (`largestFeasible`) before the random
   * members — the supernet's largest sub-networks are its best-trained ones, and under a latency budget the accurate
   * configurations sit near the budget's edge (a prior of ours, as in budget-aware NAS). Default true.
   */
  seedLargest?: boolean;
  /** Fraction of `maxEvaluations` kept back from the evolution for the refinement (default 0; ours). */
  refineShare?: number;
  /** Aborts the search between generations (default none). */
  signal?: AbortSignal;
  /** Called after each generation with its index (from 0), the best so far and the evaluations so far (default none). */
  onGeneration?: (generation: number, best: Candidate | null, evaluated: number) => void;
}

/**
 * Evolutionary search with constraint rejection (population, tournament-free truncation selection of the top half,
 * uniform crossover, per-gene mutation), then coordinate-wise refinement. Never returns an infeasible configuration.
 */
export async function evolutionarySearch(space: SearchSpace, o: Objective, opts: EvolutionOptions = {}): Promise<SearchResult> {
  checkSpace(space);
  checkObjective(o);
  const r = rng(opts.seed ?? 0),
    rad = radices(space),
    n = spaceSize(space);
  const popSize = checkInt('population', opts.population ?? 32, 2),
    gens = checkInt('generations', opts.generations ?? 20, 0, 100000);
  const mut = opts.mutationRate ?? 0.15,
    cross = opts.crossover ?? 0.5,
    maxRej = opts.maxRejections ?? 200;
  const cap = opts.maxEvaluations ?? Infinity;
  const cache = new Map<string, Candidate | null>();
  const candidates: Candidate[] = [];
  let evaluated = 0;
  let best = null as Candidate | null; // assigned inside evaluate()

  const costOf = new Map<string, CostBreakdown | null>();
  const feasible = (g: number[]): CostBreakdown | null => {
    const k = g.join(',');
    if (!costOf.has(k)) costOf.set(k, feasibleCost(decode(space, g), o));
    return costOf.get(k)!;
  };
  const evaluate = async (g: number[]): Promise<Candidate | null> => {
    const k = g.join(',');
    if (cache.has(k)) return cache.get(k)!;
    const cost = feasible(g);
    if (!cost) {
      cache.set(k, null);
      return null;
    }
    if (evaluated >= cap) return null;
    const config = decode(space, g);
    const c: Candidate = { config, genome: g, cost, accuracy: o.accuracy ? await o.accuracy(config) : null };
    evaluated++;
    cache.set(k, c);
    candidates.push(c);
    if (better(c, best)) best = c;
    return c;
  };
  /** Draw from `make` until the child is feasible (constraint rejection); null after maxRejections. */
  const draw = (make: () => number[]): number[] | null => {
    for (let t = 0; t < maxRej; t++) {
      const g = make();
      if (feasible(g)) return g;
    }
    return null;
  };
  const random = () => rad.map((m) => r.int(m));
  const mutate = (g: number[]) => g.map((v, j) => (r.next() < mut ? r.int(rad[j]!) : v));

  let pop: Candidate[] = [];
  if (opts.seedLargest ?? true)
    for (let si = 0; si < space.splits.length && evaluated < cap; si++) {
      const g = largestFeasible(space, o, si);
      const c = g && (await evaluate(g));
      if (c && !pop.includes(c)) pop.push(c);
    }
  // The generations stop short of the cap by the refinement's share (no share without a cap).
  const evoCap = Number.isFinite(cap) ? Math.max(evaluated, cap - Math.floor((opts.refineShare ?? 0) * cap)) : cap;
  for (let i = pop.length; i < popSize && evaluated < evoCap; i++) {
    const g = draw(random);
    if (!g) continue;
    const c = await evaluate(g);
    if (c) pop.push(c);
  }
  for (let gen = 0; gen < gens && evaluated < evoCap && pop.length > 0; gen++) {
    throwIfAborted(opts.signal);
    pop.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    const parents = pop.slice(0, Math.max(2, popSize >> 1));
    const children: Candidate[] = [];
    for (let i = 0; i < popSize && evaluated < evoCap; i++) {
      const g = draw(() => {
        const a = parents[r.int(parents.length)]!.genome;
        if (r.next() < cross) {
          const b = parents[r.int(parents.length)]!.genome;
          return mutate(a.map((v, j) => (r.next() < 0.5 ? v : b[j]!)));
        }
        return mutate([...a]);
      });
      if (!g) continue;
      const c = await evaluate(g);
      if (c) children.push(c);
    }
    const seen = new Set<string>();
    pop = [...parents, ...children].filter((c) => {
      const k = c.genome.join(',');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    opts.onGeneration?.(gen, best, evaluated);
  }
  if (opts.refine ?? true) {
    // Coordinate refinement: every architecture gene alone, and the split-module genes (split, reduce, bits) jointly —
    // packet rounding makes the link time flat in one of them alone, so they are only improvable together.
    const L = rad.length,
      tail = [L - 3, L - 2, L - 1];
    const joint: number[][] = [];
    for (let a = 0; a < rad[L - 3]!; a++) for (let b = 0; b < rad[L - 2]!; b++) for (let c = 0; c < rad[L - 1]!; c++) joint.push([a, b, c]);
    let improved = true;
    while (improved && best && evaluated < cap) {
      improved = false;
      const tryGenome = async (g: number[]) => {
        const cur = best;
        const c = await evaluate(g);
        if (c && best !== cur) improved = true;
      };
      for (let j = 0; j < L - 3 && evaluated < cap; j++) {
        for (let v = 0; v < rad[j]! && evaluated < cap; v++) {
          const g = [...best!.genome];
          if (g[j] === v) continue;
          g[j] = v;
          await tryGenome(g);
        }
      }
      for (const t of joint) {
        if (evaluated >= cap) break;
        const g = [...best!.genome];
        tail.forEach((j, i) => {
          g[j] = t[i]!;
        });
        await tryGenome(g);
      }
    }
  }
  return { best, evaluated, spaceSize: n, candidates };
}

/**
 * Per gene, its choice indices from the smallest network to the largest: numbers ascending, `null` (no reduction /
 * no quantizer) last. The split gene has no capacity order and is left as is.
 */
function capacityOrder(space: SearchSpace): number[][] {
  const order = (xs: readonly (number | null)[]) => xs.map((_, i) => i).sort((a, b) => (xs[a] ?? Infinity) - (xs[b] ?? Infinity));
  const out = [order(space.resolutions)];
  for (let p = 0; p < space.phases; p++) out.push(order(space.widths), order(space.kernels), order(space.nPre), order(space.nPost));
  out.push(
    space.splits.map((_, i) => i),
    order(space.reduces),
    order(space.bits),
  );
  return out;
}

/**
 * The largest feasible network at split choice `splitIndex` (an index into `space.splits`): start from the largest
 * choice of every gene and shrink one step at a time — each time the step that keeps the most MACs while cutting
 * latency — until the configuration is feasible, then grow back every step that stays feasible. The result is maximal:
 * no single gene can grow without breaking a budget. Null when even the smallest network is infeasible at that split.
 */
export function largestFeasible(space: SearchSpace, o: Objective, splitIndex: number): number[] | null {
  checkSpace(space);
  checkInt('splitIndex', splitIndex, 0, space.splits.length - 1);
  const ord = capacityOrder(space),
    L = ord.length,
    splitGene = L - 3;
  // pos[j]: the position of gene j's choice in its capacity order (the split gene holds its choice index as is).
  const pos = ord.map((c, j) => (j === splitGene ? splitIndex : c.length - 1));
  const config = () =>
    decode(
      space,
      pos.map((p, j) => ord[j]![p]!),
    );
  const macs = (c: CostBreakdown) => c.sensorMacs + c.aggregatorMacs;
  while (!feasibleCost(config(), o)) {
    const now = systemCost(config(), o.preset, o.cost);
    let pick = -1,
      pickMacs = -Infinity;
    for (let j = 0; j < L; j++) {
      if (j === splitGene || pos[j] === 0) continue;
      pos[j] = pos[j]! - 1;
      const c = systemCost(config(), o.preset, o.cost);
      pos[j] = pos[j]! + 1;
      if (c.latencySeconds < now.latencySeconds && macs(c) > pickMacs) [pick, pickMacs] = [j, macs(c)];
    }
    // No step cuts latency: shrink the first gene that can still shrink (a memory or c′ bound may be what fails).
    if (pick < 0) pick = pos.findIndex((p, j) => j !== splitGene && p > 0);
    if (pick < 0) return null;
    pos[pick] = pos[pick]! - 1;
  }
  for (let grown = true; grown;) {
    grown = false;
    for (let j = 0; j < L; j++) {
      if (j === splitGene || pos[j] === ord[j]!.length - 1) continue;
      pos[j] = pos[j]! + 1;
      if (feasibleCost(config(), o)) grown = true;
      else pos[j] = pos[j]! - 1;
    }
  }
  return pos.map((p, j) => ord[j]![p]!);
}

/** Candidates on the accuracy–latency Pareto front (no other candidate is both at least as accurate and faster), by latency. */
export function paretoFront(cs: readonly Candidate[]): Candidate[] {
  const sorted = [...cs]
    .filter((c) => c.accuracy !== null)
    .sort((a, b) => a.cost.latencySeconds - b.cost.latencySeconds || b.accuracy! - a.accuracy!);
  const out: Candidate[] = [];
  let bestAcc = -Infinity;
  for (const c of sorted)
    if (c.accuracy! > bestAcc) {
      out.push(c);
      bestAcc = c.accuracy!;
    }
  return out;
}
