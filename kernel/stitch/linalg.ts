/**
 * Float64 linear algebra for CKA and stitch fitting (row-major Float64Array matrices).
 */

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
 * Symmetric eigendecomposition by cyclic Jacobi rotations (exact to rounding for the ≤ a few hundred sizes used here).
 * Returns eigenvalues `w` and eigenvectors as the columns of `V` [n×n].
 */
export function symEig(S: Float64Array, n: number): { w: Float64Array; V: Float64Array } {
  const A = Float64Array.from(S);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0,
      diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!,
          aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!,
            akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!,
            aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!,
            vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = A[i * n + i]!;
  return { w, V };
}

/**
 * (S + λI)⁺ for symmetric PSD S [n×n]: eigenvalues ≤ rcond²·max are treated as zero (pseudo-inverse), unless λ > 0.
 * Returns the inverse and the numerical rank.
 */
export function psdPinv(S: Float64Array, n: number, rcond: number, lambda = 0): { P: Float64Array; rank: number } {
  const { w, V } = symEig(S, n);
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
