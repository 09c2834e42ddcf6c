/**
 * Analytic cost model (MEMA §2.2 generalised with ceilings: edge tiles are clipped, so leftover tiles are
 * included exactly) and the closed-form schedule choice `deriveSchedule`.
 */
import { InvalidInput, checkInt, checkOneOf, describe } from '../core/errors';
import { footprint, nestOf, scheduleName, validateNest, validateShape } from './ir';
import { SCHEDULE_NAMES, type Counts, type Hardware, type LoopNest, type ScheduleChoice, type ScheduleName } from './types';

/** External accesses of `nest` on an M×K×N problem, in closed form (valid for every loop order). */
export function cost(nest: LoopNest, M: number, K: number, N: number): Counts {
  validateNest(nest);
  validateShape(M, K, N);
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

/**
 * Closed-form schedule choice under the register budget (local) and the SRAM size (external).
 * For each class, the tile minimising the exact cost model (ceilings included) among the feasible tiles;
 * then the class with the fewest accesses (for divisible shapes this is exactly the §2.3 cut-off rule).
 * Throws InvalidInput for a bad hardware description or when SRAM cannot hold one tile.
 */
export function deriveSchedule(hw: Hardware, M: number, K: number, N: number): ScheduleChoice {
  validateHardware(hw);
  validateShape(M, K, N);
  const sramWords = Math.floor(hw.sramBytes / hw.wordBytes);
  let best: ScheduleChoice | undefined;
  for (const name of ['KMN', 'MKN', 'NKM'] as const) {
    for (const nest of feasibleTiles(name, hw.registers)) {
      const fp = footprint(nest);
      if (fp > sramWords) continue;
      const counts = cost(nest, M, K, N);
      if (!best || counts.total < best.counts.total || (counts.total === best.counts.total && fp < best.footprint)) {
        best = { name, nest, footprint: fp, counts };
      }
    }
  }
  if (!best) {
    throw new InvalidInput(
      `hw.sramBytes = ${hw.sramBytes} holds ${sramWords} words, smaller than the smallest tile (3 words); expected ≥ ${3 * hw.wordBytes} bytes`,
    );
  }
  return best;
}
