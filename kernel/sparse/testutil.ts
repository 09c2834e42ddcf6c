/** Test helpers for kernel/sparse (not exported from the module). */
import { rng } from '../core/rng';
import type { Matrix } from './types';

/** rows×cols with each entry nonzero (standard normal) with probability `density`. */
export function randomSparse(seed: number, rows: number, cols: number, density: number): Matrix {
  const r = rng(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) if (r.next() < density) data[i] = r.normal() || 1;
  return { rows, cols, data };
}

/** float64 reference C = A·B and the per-entry bound Σ_k |A_ik||B_kj|. */
export function reference(A: Matrix, B: Matrix): { C: Float64Array; bound: Float64Array } {
  const C = new Float64Array(A.rows * B.cols),
    bound = new Float64Array(A.rows * B.cols);
  for (let i = 0; i < A.rows; i++)
    for (let k = 0; k < A.cols; k++) {
      const a = A.data[i * A.cols + k]!;
      if (a === 0) continue;
      for (let j = 0; j < B.cols; j++) {
        const b = B.data[k * B.cols + j]!;
        C[i * B.cols + j]! += a * b;
        bound[i * B.cols + j]! += Math.abs(a * b);
      }
    }
  return { C, bound };
}

/** max_ij |C − ref| / (1e-5·bound + 1e-30): ≤ 1 means within the R1 tolerance. */
export function worstRatio(C: Float32Array, ref: { C: Float64Array; bound: Float64Array }): number {
  let w = 0;
  for (let i = 0; i < C.length; i++) w = Math.max(w, Math.abs(C[i]! - ref.C[i]!) / (1e-5 * ref.bound[i]! + 1e-30));
  return w;
}
