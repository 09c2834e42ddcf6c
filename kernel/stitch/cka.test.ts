import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { rng } from '../core/rng';
import { expectNoLeak } from '../core/testing';
import { InvalidInput } from '../core/errors';
import { orthonormalizeColumns } from '../core/linalg';
import { cka, ckaRaw, ckaMacs, ckaRows } from './cka';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

function randn(r: ReturnType<typeof rng>, n: number, d: number): Float64Array {
  return Float64Array.from(r.normals(n * d));
}
function mm(A: Float64Array, B: Float64Array, n: number, p: number, q: number): Float64Array {
  const C = new Float64Array(n * q);
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) for (let j = 0; j < q; j++) C[i * q + j]! += A[i * p + k]! * B[k * q + j]!;
  return C;
}
/** Random orthogonal d×d matrix (Gram–Schmidt on a Gaussian one). */
function orthogonal(r: ReturnType<typeof rng>, d: number): Float64Array {
  return orthonormalizeColumns(randn(r, d, d), d, d);
}
const m2 = (data: Float64Array, n: number, d: number) => ({ shape: [n, d], data });

test('CKA(X, X) = 1 and symmetry, biased and unbiased', () => {
  const r = rng(1);
  const X = randn(r, 50, 20),
    Y = randn(r, 50, 7);
  for (const kind of ['biased', 'unbiased'] as const) {
    assert.ok(Math.abs(cka(m2(X, 50, 20), m2(X, 50, 20), { kind }) - 1) < 1e-12);
    assert.ok(Math.abs(cka(m2(X, 50, 20), m2(Y, 50, 7), { kind }) - cka(m2(Y, 50, 7), m2(X, 50, 20), { kind })) < 1e-12);
  }
});

test('CKA is invariant to orthogonal maps, isotropic scaling and mean shift, but not to a general invertible map', () => {
  const r = rng(2);
  const n = 50,
    d = 20;
  const X = randn(r, n, d),
    Y = Float64Array.from(randn(r, n, d), (v, i) => v + 0.8 * X[i]!);
  const Q = orthogonal(r, d);
  const XQ = mm(X, Q, n, d, d);
  const shifted = Float64Array.from(XQ, (v, i) => 3.7 * v + (i % d) * 0.9 - 5);
  for (const kind of ['biased', 'unbiased'] as const) {
    const base = cka(m2(X, n, d), m2(Y, n, d), { kind });
    assert.ok(Math.abs(cka(m2(shifted, n, d), m2(Y, n, d), { kind }) - base) < 1e-10, `${kind}: Q, scale, shift`);
    assert.ok(Math.abs(cka(m2(X, n, d), m2(shifted, n, d), { kind }) - 1) < 1e-10, `${kind}: CKA(X, sXQ + b) = 1`);
  }
  const G = randn(r, d, d); // general invertible map
  const XG = mm(X, G, n, d, d);
  const c = cka(m2(X, n, d), m2(XG, n, d));
  assert.ok(c < 0.95, `general invertible map should change CKA, got ${c}`);
});

test('feature form equals the HSIC Gram form of the authors (float64)', () => {
  const r = rng(3);
  const n = 30,
    dx = 8,
    dy = 5;
  const X = randn(r, n, dx),
    Y = randn(r, n, dy);
  const gram = (A: Float64Array, d: number) => {
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += A[i * d + k]! * A[j * d + k]!;
        K[i * n + j] = s;
      }
    return K;
  };
  const center = (K: Float64Array) => {
    const H = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i * n + j] = (i === j ? 1 : 0) - 1 / n;
    return mm(mm(H, K, n, n, n), H, n, n, n);
  };
  const hsic = (K: Float64Array, L: Float64Array) => {
    const a = center(K),
      b = center(L);
    let s = 0;
    for (let i = 0; i < n * n; i++) s += a[i]! * b[i]!;
    return s;
  };
  const K = gram(X, dx),
    L = gram(Y, dy);
  const ref = hsic(K, L) / Math.sqrt(hsic(K, K) * hsic(L, L));
  assert.ok(Math.abs(ckaRaw(X, Y, n, dx, dy) - ref) < 1e-10);
});

test('conv maps: positions as samples, larger map resized, 4-D vs 2-D pooled; tensors are not leaked', async () => {
  const r = rng(4);
  const x = tf.tensor4d(r.normals(6 * 8 * 8 * 3), [6, 8, 8, 3]);
  try {
    const self = await expectNoLeak(() => cka(x, x));
    assert.ok(Math.abs(self - 1) < 1e-9);
    const up = tf.image.resizeBilinear(x, [16, 16], true);
    // resizing the 16×16 map back to 8×8 (align corners, ×2 − 1 grid) recovers a map close to x
    const c = cka(up, x);
    assert.ok(c > 0.9 && c <= 1 + 1e-12, `upsampled map vs original: ${c}`);
    up.dispose();
    const pooled = tf.mean(x, [1, 2]);
    assert.ok(Math.abs(cka(x, pooled) - 1) < 1e-9, '4-D vs its own global average pool is 1');
    pooled.dispose();
  } finally {
    x.dispose();
  }
});

test('malformed inputs raise InvalidInput', () => {
  const r = rng(5);
  const X = randn(r, 10, 3);
  assert.throws(
    () => cka(m2(X, 10, 3), m2(randn(r, 9, 3), 9, 3)),
    (e: Error) => e instanceof InvalidInput && /10 samples but Y has 9/.test(e.message),
  );
  const bad = Float64Array.from(X);
  bad[7] = NaN;
  assert.throws(
    () => cka(m2(bad, 10, 3), m2(X, 10, 3)),
    (e: Error) => e instanceof InvalidInput && /NaN/.test(e.message),
  );
  assert.throws(() => cka({ shape: [10, 3, 1], data: X }, m2(X, 10, 3)), InvalidInput);
  assert.throws(
    () => cka(m2(new Float64Array(30).fill(1), 10, 3), m2(X, 10, 3)),
    (e: Error) => e instanceof InvalidInput && /constant/.test(e.message),
  );
  assert.throws(() => cka(m2(X, 10, 3), m2(X, 10, 3), { kind: 'rbf' as never }), InvalidInput);
});

test('cka takes the matrix forms a notebook has (npy int64, nested arrays, typed array + shape, tensor) with the same result', async () => {
  const { readNpy, writeNpy } = await import('../core/io/npy');
  const r = rng(5);
  const n = 12,
    dx = 3,
    dy = 4;
  const xi = Array.from({ length: n * dx }, () => Math.round(r.normals(1)[0]! * 5)),
    yv = randn(r, n, dy);
  const nested = Array.from({ length: n }, (_, i) => xi.slice(i * dx, (i + 1) * dx));
  const Y = { shape: [n, dy], data: yv };
  const ref = cka({ shape: [n, dx], data: Float64Array.from(xi) }, Y);
  const t = tf.tensor2d(nested);
  try {
    const forms: [string, Parameters<typeof cka>[0]][] = [
      ['nested', nested],
      ['typed + shape', { shape: [n, dx], data: Float32Array.from(xi) }],
      ['tensor', t],
      ['npy int64', readNpy(writeNpy({ dtype: 'int64', shape: [n, dx], data: xi.map(BigInt) }))],
      ['npy float64', readNpy(writeNpy({ dtype: 'float64', shape: [n, dx], data: xi }))],
    ];
    for (const [what, X] of forms) assert.equal(cka(X, Y), ref, what);
    const big = readNpy(writeNpy({ dtype: 'int64', shape: [n, dx], data: xi.map((v, i) => (i === 4 ? 2n ** 60n : BigInt(v))) }));
    assert.throws(
      () => cka(big, Y),
      (e: Error) => e instanceof InvalidInput && /int64 value 1152921504606846976 at flat index 4/.test(e.message),
    );
  } finally {
    t.dispose();
  }
});

test('ckaMacs counts the rows the paper policy keeps (conv maps: 10·min(C) sampled positions; 4-D vs 2-D: images)', () => {
  const r = rng(3);
  const acts = (shape: number[]) => ({ shape, data: r.normals(shape.reduce((a, b) => a * b, 1)) });
  for (const [xs, ys] of [
    [
      [6, 8, 8, 4],
      [6, 4, 4, 3],
    ],
    [
      [2, 2, 2, 5],
      [2, 2, 2, 5],
    ],
    [
      [6, 4, 4, 3],
      [6, 7],
    ],
    [
      [6, 5],
      [6, 9],
    ],
  ] as const) {
    const X = acts([...xs]),
      Y = acts([...ys]);
    const rows = ckaRows(X, Y);
    assert.equal(ckaMacs(xs, ys), rows.n * (rows.dx * rows.dy + rows.dx ** 2 + rows.dy ** 2), `${xs} vs ${ys}`);
  }
});
