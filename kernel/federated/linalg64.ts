/**
 * Packed symmetric matrices for the calibration round: symmetric matrices travel as their packed upper triangle
 * (row by row: (0,0),(0,1)…(0,d−1),(1,1)…), d(d+1)/2 numbers; matrices are row-major Float64Array. The Cholesky
 * solve is core/linalg's; gaussSolve here is the tests' independent reference.
 */
import { InvalidInput } from '../core/errors';

/** Length of a packed upper triangle of a d×d symmetric matrix. */
export function packedLength(d: number): number {
  return (d * (d + 1)) / 2;
}

/** Dimension d from a packed length (throws InvalidInput when the length is not triangular). */
export function packedDim(len: number): number {
  const d = Math.round((Math.sqrt(8 * len + 1) - 1) / 2);
  if (packedLength(d) !== len) throw new InvalidInput(`packed length ${len} is not d(d+1)/2 for any integer d`);
  return d;
}

/** Packed upper triangle of a d×d row-major matrix. */
export function packUpper(A: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(packedLength(d));
  let k = 0;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) out[k++] = A[i * d + j]!;
  return out;
}

/** Full symmetric d×d row-major matrix from a packed upper triangle. */
export function unpackUpper(P: ArrayLike<number>, d: number): Float64Array {
  if (P.length !== packedLength(d))
    throw new InvalidInput(`packed matrix has length ${P.length}; expected ${packedLength(d)} for d = ${d}`);
  const out = new Float64Array(d * d);
  let k = 0;
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      const v = P[k++]!;
      out[i * d + j] = v;
      out[j * d + i] = v;
    }
  return out;
}

/** Gaussian elimination with partial pivoting (an independent reference for tests): solve A X = B, A d×d, B d×m. */
export function gaussSolve(A: ArrayLike<number>, B: ArrayLike<number>, d: number, m: number): Float64Array {
  const M = Float64Array.from(A as ArrayLike<number>),
    X = Float64Array.from(B as ArrayLike<number>);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(M[r * d + c]!) > Math.abs(M[p * d + c]!)) p = r;
    if (M[p * d + c] === 0) throw new InvalidInput('singular matrix');
    if (p !== c) {
      for (let k = 0; k < d; k++) {
        const t = M[c * d + k]!;
        M[c * d + k] = M[p * d + k]!;
        M[p * d + k] = t;
      }
      for (let k = 0; k < m; k++) {
        const t = X[c * m + k]!;
        X[c * m + k] = X[p * m + k]!;
        X[p * m + k] = t;
      }
    }
    for (let r = c + 1; r < d; r++) {
      const f = M[r * d + c]! / M[c * d + c]!;
      if (f === 0) continue;
      for (let k = c; k < d; k++) M[r * d + k]! -= f * M[c * d + k]!;
      for (let k = 0; k < m; k++) X[r * m + k]! -= f * X[c * m + k]!;
    }
  }
  for (let r = d - 1; r >= 0; r--) {
    for (let k = 0; k < m; k++) {
      let s = X[r * m + k]!;
      for (let j = r + 1; j < d; j++) s -= M[r * d + j]! * X[j * m + k]!;
      X[r * m + k] = s / M[r * d + r]!;
    }
  }
  return X;
}
