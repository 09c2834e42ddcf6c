import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, choleskySolve, orthonormalizeColumns, symmetricEigen } from './linalg';
import { InvalidInput } from './errors';
import { rng } from './rng';

/** Random symmetric n×n matrix with entries of size `scale`. */
function randomSymmetric(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed),
    A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      const v = scale * r.normal();
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  return A;
}

/** Random orthogonal n×n matrix (orthonormalized Gaussian). */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return orthonormalizeColumns(
    Float64Array.from({ length: n * n }, () => r.normal()),
    n,
    n,
  );
}

/** Q·diag(d)·Qᵀ. */
function compose(Q: Float64Array, d: ArrayLike<number>, n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[i * n + k]! * d[k]! * Q[j * n + k]!;
      A[i * n + j] = s;
    }
  return A;
}

const maxAbs = (A: ArrayLike<number>) => Array.from(A).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** max |A − V diag(values) Vᵀ| / max |A|. */
function reconstructionError(A: Float64Array, values: Float64Array, vectors: Float64Array, n: number): number {
  const R = compose(vectors, values, n);
  let e = 0;
  for (let i = 0; i < n * n; i++) e = Math.max(e, Math.abs(R[i]! - A[i]!));
  return e / Math.max(maxAbs(A), 1e-300);
}

/** max |VᵀV − I|. */
function orthonormalityError(V: Float64Array, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V[k * n + i]! * V[k * n + j]!;
      e = Math.max(e, Math.abs(s - (i === j ? 1 : 0)));
    }
  return e;
}

test('symmetricEigen: A = V diag(λ) Vᵀ to 1e-12 with orthonormal V on random symmetric matrices of every scale', () => {
  for (const n of [1, 2, 3, 8, 24, 60])
    for (const scale of [1e-9, 1, 1e7]) {
      const A = randomSymmetric(n, 100 * n + Math.round(Math.log10(scale)), scale);
      const copy = Float64Array.from(A);
      const { values, vectors } = symmetricEigen(A, n);
      assert.deepEqual(A, copy, 'input left unchanged');
      const rec = reconstructionError(A, values, vectors, n);
      assert.ok(rec < 1e-12, `n = ${n}, scale ${scale}: reconstruction error ${rec}`);
      const orth = orthonormalityError(vectors, n);
      assert.ok(orth < 1e-12, `n = ${n}, scale ${scale}: ‖VᵀV − I‖ ${orth}`);
    }
});

test('symmetricEigen: known eigenvalues and eigenvectors of the 3×3 second-difference matrix', () => {
  // [[2, −1, 0], [−1, 2, −1], [0, −1, 2]]: λ = 2 + √2, 2, 2 − √2 with v ∝ (1, −√2, 1), (1, 0, −1), (1, √2, 1)
  const { values, vectors } = symmetricEigen([2, -1, 0, -1, 2, -1, 0, -1, 2], 3);
  const want = [2 + Math.SQRT2, 2, 2 - Math.SQRT2];
  want.forEach((w, j) => assert.ok(Math.abs(values[j]! - w) < 1e-14, `λ${j} = ${values[j]}, expected ${w}`));
  const expected = [
    [0.5, -Math.SQRT1_2, 0.5],
    [Math.SQRT1_2, 0, -Math.SQRT1_2],
    [0.5, Math.SQRT1_2, 0.5],
  ];
  expected.forEach((e, j) => {
    const v = [0, 1, 2].map((k) => vectors[k * 3 + j]!);
    const dot = v[0]! * e[0]! + v[1]! * e[1]! + v[2]! * e[2]!;
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-14, `column ${j} = ${v} is not ±${e}`);
  });
});

test("symmetricEigen: order 'descending' (default), 'ascending' and 'none' permute values and vector columns together", () => {
  const n = 12,
    A = randomSymmetric(n, 7);
  const desc = symmetricEigen(A, n),
    asc = symmetricEigen(A, n, { order: 'ascending' }),
    none = symmetricEigen(A, n, { order: 'none' });
  for (let j = 1; j < n; j++) {
    assert.ok(desc.values[j - 1]! >= desc.values[j]!, `descending at ${j}: ${desc.values}`);
    assert.ok(asc.values[j - 1]! <= asc.values[j]!, `ascending at ${j}: ${asc.values}`);
  }
  assert.deepEqual(Array.from(asc.values), Array.from(desc.values).reverse());
  assert.deepEqual(
    Array.from(none.values).sort((a, b) => b - a),
    Array.from(desc.values),
  );
  assert.ok(
    Array.from(none.values).some((v, j) => v !== desc.values[j]),
    "this matrix's Jacobi order is not already sorted",
  );
  // every column j is an eigenvector for values[j]: ‖A v − λ v‖ small
  for (const { values, vectors } of [desc, asc, none])
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k]! * vectors[k * n + j]!;
        assert.ok(Math.abs(s - values[j]! * vectors[i * n + j]!) < 1e-12, `column ${j}, row ${i}`);
      }
  for (const r of [asc, none]) assert.ok(reconstructionError(A, r.values, r.vectors, n) < 1e-12);
});

test('symmetricEigen: repeated eigenvalues get an orthonormal basis of their eigenspace', () => {
  const n = 7,
    d = [3, 3, 3, 1, 1, -2, 0];
  const A = compose(randomOrthogonal(n, 3), d, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i]!; // exactly symmetric
  const { values, vectors } = symmetricEigen(A, n);
  [3, 3, 3, 1, 1, 0, -2].forEach((w, j) => assert.ok(Math.abs(values[j]! - w) < 1e-12, `λ${j} = ${values[j]}, expected ${w}`));
  assert.ok(orthonormalityError(vectors, n) < 1e-12);
  assert.ok(reconstructionError(A, values, vectors, n) < 1e-12);
  // the identity and the zero matrix: already diagonal, V = I
  for (const c of [1, 0]) {
    const I = new Float64Array(16);
    for (let i = 0; i < 4; i++) I[i * 5] = c;
    const e = symmetricEigen(I, 4);
    assert.deepEqual(Array.from(e.values), [c, c, c, c]);
    assert.deepEqual(Array.from(e.vectors), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  }
});

test('symmetricEigen: InvalidInput for a non-square length, a bad n, NaN/Infinity, an asymmetric matrix or an unknown order', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => symmetricEigen(new Float64Array(6), 2), /6 entries; expected a square n×n = 4/],
    [() => symmetricEigen(new Float64Array(6), 2.5), /positive integer/],
    [() => symmetricEigen(new Float64Array(0), 0), /positive integer/],
    [() => symmetricEigen([1, NaN, NaN, 1], 2), /entry \(0, 1\) is NaN/],
    [() => symmetricEigen([1, 0, 0, Infinity], 2), /entry \(1, 1\) is Infinity/],
    [() => symmetricEigen([1, 2, 0, 2, 1, 0, 0, 1e-6, 1], 3), /not symmetric: a\(1, 2\) = 0 but a\(2, 1\) = 0\.000001/],
    [() => symmetricEigen([1, 0, 0, 1], 2, { order: 'largest' as 'none' }), /order must be/],
  ];
  for (const [f, msg] of bad) assert.throws(f, (e: unknown) => e instanceof InvalidInput && msg.test(e.message));
  // rounding-level asymmetry (a computed XᵀX) is accepted
  assert.doesNotThrow(() => symmetricEigen([1, 0.3, 0.3 + 1e-15, 2], 2));
});

test('orthonormalizeColumns: WᵀW = I and the same nested column spans (QᵀW₀ upper triangular, positive diagonal)', () => {
  const r = rng(11);
  for (const [rows, cols] of [
    [1, 1],
    [5, 5],
    [50, 7],
    [30, 30],
  ] as const) {
    const W0 = Float64Array.from({ length: rows * cols }, () => r.normal());
    // make the last column nearly dependent on the first two: one pass alone would lose orthogonality here
    if (cols > 2)
      for (let i = 0; i < rows; i++) W0[i * cols + cols - 1] = W0[i * cols]! - 2 * W0[i * cols + 1]! + 1e-9 * W0[i * cols + cols - 1]!;
    const Q = orthonormalizeColumns(Float64Array.from(W0), rows, cols);
    let orth = 0;
    for (let a = 0; a < cols; a++)
      for (let b = 0; b < cols; b++) {
        let s = 0,
          proj = 0;
        for (let i = 0; i < rows; i++) {
          s += Q[i * cols + a]! * Q[i * cols + b]!;
          proj += Q[i * cols + a]! * W0[i * cols + b]!;
        }
        orth = Math.max(orth, Math.abs(s - (a === b ? 1 : 0)));
        // R = QᵀW₀: column b of W₀ lies in the span of Q's columns 0…b (zero below the diagonal, relative to |W₀|)
        if (a > b) assert.ok(Math.abs(proj) < 1e-9, `${rows}×${cols}: R(${a}, ${b}) = ${proj}`);
        if (a === b) assert.ok(proj > 0, `${rows}×${cols}: R(${a}, ${a}) = ${proj} should be positive`);
      }
    assert.ok(orth < 1e-14, `${rows}×${cols}: ‖QᵀQ − I‖ ${orth}`);
  }
});

test('orthonormalizeColumns: InvalidInput for wide or mis-sized matrices, NaN, dependent columns and bad passes', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => orthonormalizeColumns(new Float64Array(6), 2, 3), /rows ≥ cols/],
    [() => orthonormalizeColumns(new Float64Array(5), 3, 2), /5 entries; expected rows·cols = 6/],
    [() => orthonormalizeColumns(Float64Array.from([1, 0, NaN, 1]), 2, 2), /entry \(1, 0\) is NaN/],
    [() => orthonormalizeColumns(Float64Array.from([1, 2, 2, 4, 3, 6]), 3, 2), /column 1 is a linear combination of columns 0…0/],
    [() => orthonormalizeColumns(Float64Array.from([0, 1, 0, 1]), 2, 2), /column 0 is zero/],
    [() => orthonormalizeColumns(Float64Array.from([1, 0, 0, 1]), 2, 2, 0), /passes must be/],
  ];
  for (const [f, msg] of bad) assert.throws(f, (e: unknown) => e instanceof InvalidInput && msg.test(e.message));
});

test('cholesky: L·Lᵀ = A with L lower triangular; choleskySolve: A·X = B to 1e-12 for several right-hand sides', () => {
  for (const n of [1, 4, 30]) {
    const r = rng(20 + n),
      M = Float64Array.from({ length: n * n }, () => r.normal());
    const A = new Float64Array(n * n); // MᵀM + I: symmetric positive definite
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? 1 : 0;
        for (let k = 0; k < n; k++) s += M[k * n + i]! * M[k * n + j]!;
        A[i * n + j] = s;
      }
    const L = cholesky(Float64Array.from(A), n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j > i) assert.equal(L[i * n + j], 0, `upper (${i}, ${j}) zeroed`);
        let s = 0;
        for (let k = 0; k < n; k++) s += L[i * n + k]! * L[j * n + k]!;
        assert.ok(Math.abs(s - A[i * n + j]!) < 1e-12 * maxAbs(A), `n = ${n}: (LLᵀ)(${i}, ${j}) = ${s} vs ${A[i * n + j]}`);
      }
    const m = 3,
      B = Float64Array.from({ length: n * m }, () => r.normal());
    const X = choleskySolve(L, B, n, m);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < m; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k]! * X[k * m + c]!;
        assert.ok(Math.abs(s - B[i * m + c]!) < 1e-12 * maxAbs(A) * maxAbs(X), `n = ${n}: residual at (${i}, ${c})`);
      }
  }
});

test('cholesky/choleskySolve: InvalidInput for an indefinite or NaN matrix (naming what it is and the hint) and mis-sized input', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /^matrix is not positive definite \(pivot 1 = -3\)$/],
    [
      () => cholesky(Float64Array.from([NaN, 0, 0, 1]), 2, { what: 'the Gram matrix', hint: 'increase lambda' }),
      /^the Gram matrix is not positive definite \(pivot 0 = NaN\); increase lambda$/,
    ],
    [() => cholesky(new Float64Array(3), 2), /3 entries; expected a square n×n/],
    [() => choleskySolve(Float64Array.from([1, 0, 0, 1]), [1, 2, 3], 2, 2), /3 entries; expected n·m = 4/],
  ];
  for (const [f, msg] of bad) assert.throws(f, (e: unknown) => e instanceof InvalidInput && msg.test(e.message));
});
