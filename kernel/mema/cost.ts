/**
 * Analytic cost model (MEMA §2.2 generalised with ceilings: edge tiles are clipped, so leftover tiles are
 * included exactly) and MEMA's closed-form schedule rule `deriveSchedule` (arXiv:2304.05544).
 */
import { InvalidInput, checkInt, checkOneOf, describe } from '../core/errors';
import { footprint, nestOf, scheduleName, validateNest, validateShape } from './ir';
import { SCHEDULE_NAMES, type Counts, type Hardware, type LoopNest, type ScheduleChoice, type ScheduleName } from './types';

/** External accesses of `nest` on an M×K×N problem, in closed form (valid for every loop order). */
export function cost(nest: LoopNest, M: number, K: number, N: number): Counts {
  validateNest(nest);
  validateShape(M, K, N);
  return costUnchecked(nest, M, K, N);
}

/** `cost` without argument checks, for the exhaustive oracles' inner loops (callers validate once). */
export function costUnchecked(nest: LoopNest, M: number, K: number, N: number): Counts {
  const TM = Math.ceil(M / nest.m),
    TK = Math.ceil(K / nest.k),
    TN = Math.ceil(N / nest.n);
  const name = scheduleName(nest);
  let aLoads: number, bLoads: number, cLoads: number, cStores: number;
  if (name === 'KMN') {
    aLoads = M * K * TN;
    bLoads = K * N * TM;
    cLoads = 0;
    cStores = M * N;
  } else if (name === 'MKN') {
    aLoads = M * K * TN;
    bLoads = K * N;
    cLoads = M * N * (TK - 1);
    cStores = M * N * TK;
  } else {
    aLoads = M * K;
    bLoads = K * N * TM;
    cLoads = M * N * (TK - 1);
    cStores = M * N * TK;
  }
  return { aLoads, bLoads, cLoads, cStores, total: aLoads + bLoads + cLoads + cStores, macs: M * K * N };
}

/** The §2.2 table for divisible shapes (no ceilings): MN + MKN(1/m+1/n), KN + MKN/n + 2MNK/k − MN, MK + MKN/m + 2MNK/k − MN. */
export function costDivisible(name: ScheduleName, m: number, k: number, n: number, M: number, K: number, N: number): number {
  checkOneOf('costDivisible: schedule name', name, SCHEDULE_NAMES);
  if (name === 'KMN') return M * N + (M * K * N) / m + (M * K * N) / n;
  if (name === 'MKN') return K * N + (M * K * N) / n + (2 * M * N * K) / k - M * N;
  return M * K + (M * K * N) / m + (2 * M * N * K) / k - M * N;
}

/** §2.3 cut-offs of `derive_schedule` for a common tile (m, k, n). */
export function cutoffs(
  m: number,
  k: number,
  n: number,
  M: number,
  N: number,
): { K_cut_M: number; K_cut_N: number; N_cut_M: number; M_cut_N: number } {
  return {
    K_cut_M: (2 * M) / (1 + M * (2 / k - 1 / m)),
    K_cut_N: (2 * N) / (1 + N * (2 / k - 1 / n)),
    N_cut_M: M / (1 + M * (1 / n - 1 / m)),
    M_cut_N: N / (1 + N * (1 / m - 1 / n)),
  };
}

/** The cut-off rule of `derive_schedule` (valid when a common tile is used and the denominators are positive). */
export function chooseByCutoffs(m: number, k: number, n: number, M: number, K: number, N: number): ScheduleName {
  const c = cutoffs(m, k, n, M, N);
  const le = (x: number, cut: number, denomPos: boolean): boolean => (denomPos ? x <= cut : true);
  const dKM = 1 + M * (2 / k - 1 / m),
    dKN = 1 + N * (2 / k - 1 / n),
    dNM = 1 + M * (1 / n - 1 / m),
    dMN = 1 + N * (1 / m - 1 / n);
  if (le(N, c.N_cut_M, dNM > 0) && le(K, c.K_cut_M, dKM > 0)) return 'MKN';
  if (le(M, c.M_cut_N, dMN > 0) && le(K, c.K_cut_N, dKN > 0)) return 'NKM';
  return 'KMN';
}

/** Throws InvalidInput unless `hw` has an integer `registers` ≥ 3 (local words), `wordBytes` in 1..64 and `sramBytes` ≥ 1. */
export function validateHardware(hw: Hardware): void {
  if (!hw || typeof hw !== 'object') throw new InvalidInput(`hw must be a Hardware object, got ${describe(hw)}`);
  if (typeof hw.registers !== 'number' || !Number.isInteger(hw.registers) || hw.registers < 3) {
    throw new InvalidInput(
      `hw.registers must be an integer ≥ 3 (one accumulator, one streamed value, one broadcast), got ${describe(hw.registers)}`,
    );
  }
  checkInt('hw.wordBytes', hw.wordBytes, 1, 64);
  checkInt('hw.sramBytes', hw.sramBytes, 1);
}

/** Feasible register tiles of a schedule class (innermost tile = 1), enumerated from the footprint bound. */
export function feasibleTiles(name: ScheduleName, registers: number): LoopNest[] {
  checkOneOf('feasibleTiles: schedule name', name, SCHEDULE_NAMES);
  const out: LoopNest[] = [];
  for (let a = 1; a <= registers; a++) {
    for (let b = 1; b <= registers; b++) {
      const nest = name === 'KMN' ? nestOf(name, a, 1, b) : name === 'MKN' ? nestOf(name, 1, a, b) : nestOf(name, a, b, 1);
      if (footprint(nest) <= registers) out.push(nest);
    }
  }
  return out;
}

/** Per-class register tiles (innermost tile = 1): KMN m×1×n, MKN 1×k×n, NKM m×k×1. */
export type ClassTiles = Record<ScheduleName, LoopNest>;

/** Integer tile sizes to try around a continuous optimum x* on a dimension of length `len`: ⌊x*⌋ − 1, ⌊x*⌋, ⌈x*⌉, and the
 *  balanced sizes ⌈len/T⌉ for the neighbouring tile counts T = ⌊len/x*⌋, ⌈len/x*⌉, ⌈len/x*⌉ + 1 (one more, smaller tile
 *  can leave room for a wider other side). At most 6 values. */
function roundings(len: number, xStar: number): number[] {
  const x = Math.max(1, Math.min(len, xStar));
  const out = new Set<number>([Math.floor(x) - 1, Math.floor(x), Math.ceil(x)]);
  for (const T of [Math.max(1, Math.floor(len / x)), Math.ceil(len / x), Math.ceil(len / x) + 1]) out.add(Math.ceil(len / T));
  return [...out].filter((v) => v >= 1 && v <= len);
}

/** ⌈len/t⌉ tiles of at most t: the smallest tile giving the same count (frees registers, changes no access). */
const balance = (len: number, t: number): number => Math.ceil(len / Math.ceil(len / t));

/**
 * Closed-form register tile of each schedule class (arXiv:2304.05544 §3–4: the tile follows from the local capacity S,
 * here S = R registers, and the problem size; no search). With g = R − 1 (one register holds the broadcast value):
 *  - KMN (C stationary, footprint m·n + n + 1 ≤ R): minimise 1/m + 1/n on n(m + 1) = g ⇒ n* = g/(√g + 1), m = ⌊g/n⌋ − 1
 *    (R = 32: n* = 4.72 ⇒ the 5×5 outer product);
 *  - MKN (B stationary, k·n + n + 1 ≤ R): minimise 1/n + 2/k (A re-read per column block, C read-modify-written per
 *    K block) on n(k + 1) = g ⇒ k* = √(2g), n = ⌊g/(k + 1)⌋;
 *  - NKM (A stationary, m·k + m + 1 ≤ R): the mirror image, k* = √(2g), m = ⌊g/(k + 1)⌋.
 * Clipped shapes: each side's continuous optimum is rounded to at most four integer neighbours (`roundings`) clamped to
 * the dimension, the other side takes the largest size that fits; then one side is balanced to the same tile count and
 * the freed registers refill the other (twice). Of these ≤ 60 pairs the one with the fewest exact accesses (`cost`,
 * ceilings included) is kept: O(1) work per class, independent of R² (the search enumerates ~R²/2 tiles per order).
 */
export function classTiles(registers: number, M: number, K: number, N: number): ClassTiles {
  const g = registers - 1;
  /** Candidate (x, y) pairs for a two-sided tile with x·f(y) ≤ g: start at the roundings of each side's continuous
   *  optimum with the other side as large as fits, then twice balance one side and refill the other with the freed registers. */
  const pairs = (
    LX: number,
    xStar: number,
    yMax: (x: number) => number,
    LY: number,
    yStar: number,
    xMax: (y: number) => number,
  ): [number, number][] => {
    const out: [number, number][] = [];
    const walk = (x: number, y: number): void => {
      for (let r = 0; r < 2 && x >= 1 && y >= 1; r++) {
        out.push([x, y]);
        x = balance(LX, x);
        y = Math.min(LY, yMax(x));
        if (y < 1) break;
        y = balance(LY, y);
        out.push([x, y]);
        x = Math.min(LX, xMax(y));
      }
    };
    for (const x of roundings(LX, xStar)) walk(x, Math.min(LY, yMax(x)));
    for (const y of roundings(LY, yStar)) walk(Math.min(LX, xMax(y)), y);
    return out.filter(([x, y]) => x >= 1 && y >= 1);
  };
  const pick = (nests: LoopNest[], name: ScheduleName): LoopNest => {
    let best = nestOf(name, 1, 1, 1),
      bc = Infinity;
    for (const t of nests) {
      if (footprint(t) > registers) continue;
      const c = cost(t, M, K, N).total;
      if (c < bc || (c === bc && footprint(t) < footprint(best))) [best, bc] = [t, c];
    }
    return best;
  };
  const nStar = g / (Math.sqrt(g) + 1),
    kStar = Math.sqrt(2 * g);
  // KMN: x = m, y = n, n(m + 1) ≤ g.
  const kmn = pairs(
    M,
    g / nStar - 1,
    (m) => Math.floor(g / (m + 1)),
    N,
    nStar,
    (n) => Math.floor(g / n) - 1,
  ).map(([m, n]) => nestOf('KMN', m, 1, n));
  // MKN: x = k, y = n, n(k + 1) ≤ g.
  const wk = (k: number): number => Math.floor(g / (k + 1)),
    kw = (w: number): number => Math.floor(g / w) - 1;
  const mkn = pairs(K, kStar, wk, N, g / (kStar + 1), kw).map(([k, n]) => nestOf('MKN', 1, k, n));
  // NKM: x = k, y = m, m(k + 1) ≤ g.
  const nkm = pairs(K, kStar, wk, M, g / (kStar + 1), kw).map(([k, m]) => nestOf('NKM', m, k, 1));
  return { KMN: pick(kmn, 'KMN'), MKN: pick(mkn, 'MKN'), NKM: pick(nkm, 'NKM') };
}

/**
 * The §2.3-style cut-offs generalised to class-specific tiles (the authors' derive_schedule uses one common tile, which at the
 * register level does not exist: KMN has k = 1, MKN m = 1, NKM n = 1). Effective tile sizes x_eff = X/⌈X/x⌉ make the
 * class totals exact with clipped tiles:
 *   KMN: MN + MKN(1/mC + 1/nC);  MKN: KN + MKN/nB + 2MNK/kB − MN;  NKM: MK + MKN/mA + 2MNK/kA − MN.
 * Setting them against each other and dividing by N, M or K gives
 *   MKN ≤ KMN ⇔ K ≤ K_cut_M = 2M / (1 + M(2/kB + 1/nB − 1/mC − 1/nC))
 *   NKM ≤ KMN ⇔ K ≤ K_cut_N = 2N / (1 + N(2/kA + 1/mA − 1/mC − 1/nC))
 *   MKN ≤ NKM ⇔ N ≤ N_cut_M =  M / (1 + M(1/nB + 2/kB − 1/mA − 2/kA))
 *   NKM ≤ MKN ⇔ M ≤ M_cut_N =  N / (1 + N(1/mA + 2/kA − 1/nB − 2/kB))
 * (a cut-off with a non-positive denominator holds for every size). With one common tile these reduce to `cutoffs`.
 */
export function classCutoffs(
  t: ClassTiles,
  M: number,
  K: number,
  N: number,
): { K_cut_M: number; K_cut_N: number; N_cut_M: number; M_cut_N: number } {
  const eff = (len: number, x: number): number => len / Math.ceil(len / x);
  const mC = eff(M, t.KMN.m),
    nC = eff(N, t.KMN.n),
    kB = eff(K, t.MKN.k),
    nB = eff(N, t.MKN.n),
    mA = eff(M, t.NKM.m),
    kA = eff(K, t.NKM.k);
  const cut = (num: number, den: number): number => (den > 0 ? num / den : Infinity);
  return {
    K_cut_M: cut(2 * M, 1 + M * (2 / kB + 1 / nB - 1 / mC - 1 / nC)),
    K_cut_N: cut(2 * N, 1 + N * (2 / kA + 1 / mA - 1 / mC - 1 / nC)),
    N_cut_M: cut(M, 1 + M * (1 / nB + 2 / kB - 1 / mA - 2 / kA)),
    M_cut_N: cut(N, 1 + N * (1 / mA + 2 / kA - 1 / nB - 2 / kB)),
  };
}

/** The cut-off rule: MKN if N ≤ N_cut_M and K ≤ K_cut_M; else NKM if M ≤ M_cut_N and K ≤ K_cut_N; else KMN. */
export function chooseClass(t: ClassTiles, M: number, K: number, N: number): ScheduleName {
  const c = classCutoffs(t, M, K, N);
  const eps = 1e-9; // the cut-offs are ratios of exact integers: absorb rounding in the division
  if (N <= c.N_cut_M * (1 + eps) && K <= c.K_cut_M * (1 + eps)) return 'MKN';
  if (M <= c.M_cut_N * (1 + eps) && K <= c.K_cut_N * (1 + eps)) return 'NKM';
  return 'KMN';
}

/**
 * MEMA's closed-form register schedule (arXiv:2304.05544): the tile of each class from the register budget
 * (`classTiles`), then the class from the cut-offs on the problem sizes (`chooseClass`). No enumeration of tiles:
 * the exhaustive search (`search`) is the test oracle for this rule. Register level only — `deriveTwoLevel` adds SRAM.
 * Throws InvalidInput for a bad hardware description or shape.
 */
export function deriveSchedule(hw: Hardware, M: number, K: number, N: number): ScheduleChoice {
  validateHardware(hw);
  validateShape(M, K, N);
  const tiles = classTiles(hw.registers, M, K, N);
  const name = chooseClass(tiles, M, K, N);
  const nest = tiles[name];
  return { name, nest, footprint: footprint(nest), counts: cost(nest, M, K, N) };
}
