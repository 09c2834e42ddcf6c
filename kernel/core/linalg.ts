/**
 * Dense float64 linear algebra shared by the paper folders (row-major Float64Array matrices). tfjs has no symmetric
 * eigensolver on its CPU/wasm backends, and the sizes the papers need (a few hundred at most: a covariance of feature
 * channels, a Gram matrix of stitching samples) are small enough for a plain TypeScript solver that stays offline,
 * backend-free and exact to rounding.
 */
import { InvalidInput, describe } from './errors';

/** Most cyclic Jacobi sweeps before symmetricEigen returns what it has (it converges quadratically, in ≈ 6–10). */
const MAX_SWEEPS = 100;
/** Off-diagonal mass ‖offdiag‖² below which the sweeps stop, relative to the squared diagonal ‖diag‖² (≈ (1e-15)²). */
const OFF_REL = 1e-30;
/** Largest |aᵢⱼ − aⱼᵢ| accepted as symmetric, relative to the largest |aᵢⱼ| (rounding in a computed AᵀA is far below). */
const SYMMETRY_REL = 1e-10;

/** Options of symmetricEigen. */
export interface SymmetricEigenOptions {
  /**
   * Order of the eigenvalues (and of the matching eigenvector columns): 'descending' (largest first, what a PCA
   * wants), 'ascending' (numpy's eigh order), or 'none' (the order the Jacobi sweeps leave them on the diagonal,
   * no permutation). Ties keep their diagonal order. Default 'descending'.
   */
  order?: 'descending' | 'ascending' | 'none';
}

/**
 * Eigendecomposition A = V·diag(values)·Vᵀ of a real symmetric n×n matrix `a` (row-major, float64; not modified) by
 * cyclic Jacobi rotations (Golub & Van Loan, Matrix Computations, 4th ed., Sec. 8.5): sweeps of rotations over every
 * off-diagonal pair (p, q) until the off-diagonal mass is below 1e-30 × the squared diagonal (at most 100 sweeps).
 * Exact to rounding: ‖A − VΛVᵀ‖ ≈ 1e-15·‖A‖ for the sizes used here (n up to a few hundred; the cost is ≈ 10 sweeps × 3n³
 * flops). `vectors` holds the orthonormal eigenvectors as its columns (row-major n×n: component k of vector j is
 * vectors[k·n + j]), in the order of `values` (options.order, default descending). Signs are not normalized: each column
 * is what the rotations, starting from the identity, make of it — deterministic for a given input. Repeated eigenvalues
 * get some orthonormal basis of their eigenspace.
 * @throws InvalidInput when n is not a positive integer, `a` does not have n² entries, an entry is NaN or ±Infinity, or
 *   a is not symmetric (|aᵢⱼ − aⱼᵢ| > 1e-10 × max |a|).
 */
export function symmetricEigen(
  a: ArrayLike<number>,
  n: number,
  options: SymmetricEigenOptions = {},
): { values: Float64Array; vectors: Float64Array } {
  const order = options.order ?? 'descending';
  if (!Number.isInteger(n) || n < 1) throw new InvalidInput(`symmetricEigen: n must be a positive integer, got ${describe(n)}`);
  if (a.length !== n * n)
    throw new InvalidInput(`symmetricEigen: matrix has ${a.length} entries; expected a square n×n = ${n * n} (n = ${n})`);
  if (order !== 'descending' && order !== 'ascending' && order !== 'none')
    throw new InvalidInput(`symmetricEigen: order must be 'descending', 'ascending' or 'none', got ${describe(order)}`);
  let amax = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v))
      throw new InvalidInput(`symmetricEigen: entry (${Math.floor(i / n)}, ${i % n}) is ${describe(v)}; expected finite numbers`);
    amax = Math.max(amax, Math.abs(v));
  }
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d = Math.abs(a[i * n + j]! - a[j * n + i]!);
      if (d > SYMMETRY_REL * amax)
        throw new InvalidInput(
          `symmetricEigen: matrix is not symmetric: a(${i}, ${j}) = ${a[i * n + j]} but a(${j}, ${i}) = ${a[j * n + i]} ` +
            `(|difference| ${d.toExponential(2)} > 1e-10 × max |a| = ${(SYMMETRY_REL * amax).toExponential(2)})`,
        );
    }
  const A = Float64Array.from(a),
    V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0,
      diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    }
    if (off <= OFF_REL * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        // the rotation angle that zeroes a(p, q): t = tan θ, the smaller root of t² + 2t·cot 2θ − 1 = 0
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          // rotate columns p, q
          const akp = A[k * n + p]!,
            akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          // rotate rows p, q
          const apk = A[p * n + k]!,
            aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          // accumulate V ← V·J
          const vkp = V[k * n + p]!,
            vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(n);
  if (order === 'none') {
    for (let i = 0; i < n; i++) values[i] = A[i * n + i]!;
    return { values, vectors: V };
  }
  const sign = order === 'descending' ? -1 : 1;
  const perm = Array.from({ length: n }, (_, i) => i).sort((x, y) => sign * (A[x * n + x]! - A[y * n + y]!));
  const vectors = new Float64Array(n * n);
  perm.forEach((src, dst) => {
    values[dst] = A[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src]!;
  });
  return { values, vectors };
}

/**
 * Orthonormalizes the columns of the row-major rows×cols matrix `W` in place (rows ≥ cols) by modified Gram–Schmidt,
 * `passes` times (default 2: the second pass restores the orthogonality that cancellation costs one pass on
 * ill-conditioned input, keeping WᵀW = I to ≈ 1e-16; Golub & Van Loan, Matrix Computations, 4th ed., Sec. 5.2.8, and
 * Kahan's "twice is enough" in Parlett, The Symmetric Eigenvalue Problem, 1980). Column j of the result spans the same
 * space with columns 0…j as the input's (a thin QR's Q). Returns `W`.
 * @throws InvalidInput when W does not have rows·cols entries, rows < cols, an entry is NaN or ±Infinity, or a column
 *   is (to 1e-14 relative) a combination of the ones before it.
 */
export function orthonormalizeColumns(W: Float64Array, rows: number, cols: number, passes = 2): Float64Array {
  const d = rows,
    C = cols;
  if (!Number.isInteger(d) || !Number.isInteger(C) || C < 1 || d < C)
    throw new InvalidInput(
      `orthonormalizeColumns: needs whole numbers rows ≥ cols ≥ 1, got rows = ${describe(rows)}, cols = ${describe(cols)}`,
    );
  if (W.length !== d * C) throw new InvalidInput(`orthonormalizeColumns: matrix has ${W.length} entries; expected rows·cols = ${d * C}`);
  if (!Number.isInteger(passes) || passes < 1)
    throw new InvalidInput(`orthonormalizeColumns: passes must be a whole number ≥ 1, got ${describe(passes)}`);
  for (let i = 0; i < W.length; i++)
    if (!Number.isFinite(W[i]!))
      throw new InvalidInput(`orthonormalizeColumns: entry (${Math.floor(i / C)}, ${i % C}) is ${describe(W[i])}; expected finite numbers`);
  for (let pass = 0; pass < passes; pass++) {
    for (let c = 0; c < C; c++) {
      let before = 0;
      if (pass === 0) for (let i = 0; i < d; i++) before += W[i * C + c]! ** 2;
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += W[i * C + c]! * W[i * C + p]!;
        for (let i = 0; i < d; i++) W[i * C + c]! -= dot * W[i * C + p]!;
      }
      let nn = 0;
      for (let i = 0; i < d; i++) nn += W[i * C + c]! ** 2;
      if (pass === 0 && !(nn > 1e-28 * before))
        throw new InvalidInput(
          c === 0
            ? 'orthonormalizeColumns: column 0 is zero; expected independent columns'
            : `orthonormalizeColumns: column ${c} is a linear combination of columns 0…${c - 1} (or zero); expected independent columns`,
        );
      const inv = 1 / Math.sqrt(nn);
      for (let i = 0; i < d; i++) W[i * C + c]! *= inv;
    }
  }
  return W;
}

/**
 * In-place lower Cholesky factor L of a symmetric positive-definite n×n matrix (A = L·Lᵀ, row-major; reads the lower
 * triangle and the diagonal, zeroes the strict upper triangle). Returns `A`, now holding L. Solve with choleskySolve.
 * @throws InvalidInput when A does not have n² entries, or a pivot is not > 0 (A is not positive definite, or holds
 *   NaN): the message names `o.what` (default 'matrix') and ends with `o.hint` (default none), e.g. 'increase lambda'.
 */
export function cholesky(
  A: Float64Array,
  n: number,
  o: {
    /** What A is, for the error message (default 'matrix'). */
    what?: string;
    /** Advice appended to the error message (default none). */
    hint?: string;
  } = {},
): Float64Array {
  if (!Number.isInteger(n) || n < 1 || A.length !== n * n)
    throw new InvalidInput(`cholesky: matrix has ${A.length} entries; expected a square n×n with n = ${describe(n)}`);
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j]!;
    for (let k = 0; k < j; k++) s -= A[j * n + k]! * A[j * n + k]!;
    if (!(s > 0))
      throw new InvalidInput(`${o.what ?? 'matrix'} is not positive definite (pivot ${j} = ${s})${o.hint ? `; ${o.hint}` : ''}`);
    const ljj = Math.sqrt(s);
    A[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j]!;
      for (let k = 0; k < j; k++) t -= A[i * n + k]! * A[j * n + k]!;
      A[i * n + j] = t / ljj;
    }
    for (let i = 0; i < j; i++) A[i * n + j] = 0;
  }
  return A;
}

/**
 * Solves (L·Lᵀ)·X = B for the n×m right-hand sides B (row-major) given the lower Cholesky factor L (cholesky's result):
 * forward substitution L·Y = B, then back substitution Lᵀ·X = Y, column by column. Returns a new n×m array.
 * @throws InvalidInput when L does not have n² entries or B does not have n·m.
 */
export function choleskySolve(L: Float64Array, B: ArrayLike<number>, n: number, m: number): Float64Array {
  if (L.length !== n * n) throw new InvalidInput(`choleskySolve: factor has ${L.length} entries; expected n² = ${n * n}`);
  if (B.length !== n * m) throw new InvalidInput(`choleskySolve: right-hand sides have ${B.length} entries; expected n·m = ${n * m}`);
  const X = Float64Array.from(B);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = X[i * m + c]!;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * X[k * m + c]!;
      X[i * m + c] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = X[i * m + c]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * X[k * m + c]!;
      X[i * m + c] = s / L[i * n + i]!;
    }
  }
  return X;
}
