/**
 * Float64 linear algebra for CKA and stitch fitting (row-major Float64Array matrices).
 */
import { symmetricEigen } from '../core/linalg';

/** C = Aᵀ·B for A [n×p], B [n×q] (row-major) → [p×q]. */
export function atb(A: Float64Array, B: Float64Array, n: number, p: number, q: number): Float64Array {
  const C = new Float64Array(p * q);
  for (let r = 0; r < n; r++) {
    const ao = r * p,
      bo = r * q;
    for (let i = 0; i < p; i++) {
      const a = A[ao + i]!;
      if (a === 0) continue;
      const co = i * q;
      for (let j = 0; j < q; j++) C[co + j]! += a * B[bo + j]!;
    }
  }
  return C;
}

/** C = A·B for A [n×p], B [p×q]. */
export function matmul(A: Float64Array, B: Float64Array, n: number, p: number, q: number): Float64Array {
  const C = new Float64Array(n * q);
  for (let r = 0; r < n; r++) {
    const co = r * q;
    for (let k = 0; k < p; k++) {
      const a = A[r * p + k]!;
      if (a === 0) continue;
      const bo = k * q;
      for (let j = 0; j < q; j++) C[co + j]! += a * B[bo + j]!;
    }
  }
  return C;
}

/** A·Aᵀ for A [n×d] → [n×n]. */
export function aat(A: Float64Array, n: number, d: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += A[i * d + k]! * A[j * d + k]!;
      C[i * n + j] = s;
      C[j * n + i] = s;
    }
  }
  return C;
}

/** Subtract column means in place; returns the means. */
export function centerColumns(A: Float64Array, n: number, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) m[j]! += A[r * d + j]!;
  for (let j = 0; j < d; j++) m[j]! /= n;
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) A[r * d + j]! -= m[j]!;
  return m;
}

export function frob2(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i]! * A[i]!;
  return s;
}

/**
 * (S + λI)⁺ for symmetric PSD S [n×n]: eigenvalues ≤ rcond²·max are treated as zero (pseudo-inverse), unless λ > 0.
 * Returns the inverse and the numerical rank.
 */
export function psdPinv(S: Float64Array, n: number, rcond: number, lambda = 0): { P: Float64Array; rank: number } {
  // Jacobi order (no sort): the sum below runs over the eigenpairs in the order the sweeps leave them
  const { values: w, vectors: V } = symmetricEigen(S, n, { order: 'none' });
  let wmax = 0;
  for (let i = 0; i < n; i++) wmax = Math.max(wmax, w[i]!);
  const tol = lambda > 0 ? 0 : rcond * rcond * wmax;
  const inv = new Float64Array(n);
  let rank = 0;
  for (let i = 0; i < n; i++) {
    const e = w[i]! + lambda;
    if (e > tol && e > 0 && (lambda > 0 || w[i]! > tol)) {
      inv[i] = 1 / e;
      rank++;
    }
  }
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V[i * n + k]! * inv[k]! * V[j * n + k]!;
      P[i * n + j] = s;
      P[j * n + i] = s;
    }
  }
  return { P, rank };
}
