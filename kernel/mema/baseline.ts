/**
 * CMSIS-style 2×2 inner-product baseline (re-implemented by this project, like MEMA's inner_fp32_2x4x2):
 * a 2×2 block of C in 4 accumulators, K streamed (unrolled by 4 in C), 2 A + 2 B loads per k step.
 * In the IR it is the KMN nest with m = n = 2 (k tile irrelevant to counts); edge tiles clipped.
 */
import { cost } from './cost';
import { nestOf } from './ir';
import type { Counts, LoopNest } from './types';

export const BASELINE_NEST: LoopNest = nestOf('KMN', 2, 4, 2);

/** Word accesses of the CMSIS-style 2×2 inner-product baseline (BASELINE_NEST) on an M×K by K×N matmul. */
export function baselineCounts(M: number, K: number, N: number): Counts {
  return cost(BASELINE_NEST, M, K, N);
}
