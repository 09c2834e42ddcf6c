/** I/O lower bound (Smith, Lowery, Langou, van de Geijn, arXiv:1702.02017): Q ≥ 2·M·N·K/√S − 2S. */
import { checkInt } from '../core/errors';

/** The I/O lower bound on words moved for an M×K by K×N matmul with S words of local memory: 2·M·N·K/√S − 2S
 *  (may be ≤ 0 for tiny problems). */
export function lowerBound(M: number, K: number, N: number, S: number): number {
  checkInt('M', M);
  checkInt('K', K);
  checkInt('N', N);
  checkInt('S', S);
  return (2 * M * N * K) / Math.sqrt(S) - 2 * S;
}

/** accesses / lower bound, or null where the bound is not positive (tiny problems). */
export function ratioToLowerBound(accesses: number, M: number, K: number, N: number, S: number): number | null {
  const lb = lowerBound(M, K, N, S);
  return lb > 0 ? accesses / lb : null;
}
