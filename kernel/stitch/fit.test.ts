import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { rng } from '../core/rng';
import { expectNoLeak, relErr } from '../core/testing';
import { InvalidInput, UnsupportedLayer } from '../core/errors';
import { fitStitch, foldKernel, foldBias } from './fit';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

const randn = (r: ReturnType<typeof rng>, n: number): Float64Array => Float64Array.from(r.normals(n));
/** Residual R = X Aᵀ (+ b) − Y and the normal-equation violation ‖[X 1]ᵀR‖ / (‖X‖‖Y‖). */
function normalEq(X: Float64Array, Y: Float64Array, A: Float64Array, b: Float64Array | null, n: number, d1: number, d2: number): number {
  const G = new Float64Array((d1 + 1) * d2);
  let nx = 0,
    ny = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d2; j++) {
      let p = b ? b[j]! : 0;
      for (let k = 0; k < d1; k++) p += X[i * d1 + k]! * A[j * d1 + k]!;
      const res = p - Y[i * d2 + j]!;
      for (let k = 0; k < d1; k++) G[k * d2 + j]! += X[i * d1 + k]! * res;
      G[d1 * d2 + j]! += res;
    }
  }
  for (const v of X) nx += v * v;
  for (const v of Y) ny += v * v;
  let g = 0;
  for (let i = 0; i < (b ? G.length : d1 * d2); i++) g += G[i]! ** 2;
  return Math.sqrt(g / (nx * ny));
}

test('least squares: normal equations hold (rows ≥ d), noisy targets', () => {
  const r = rng(1);
  const n = 300,
    d1 = 12,
    d2 = 7;
  const X = randn(r, n * d1),
    Y = randn(r, n * d2);
  for (let i = 0; i < n; i++) for (let j = 0; j < d2; j++) Y[i * d2 + j]! += 2 * X[i * d1 + j]! - X[i * d1 + j + 3]!;
  const s = fitStitch({ shape: [n, d1], data: X }, { shape: [n, d2], data: Y });
  assert.equal(s.rank, d1);
  assert.ok(normalEq(X, Y, s.A, null, n, d1, d2) < 1e-10);
  const sb = fitStitch({ shape: [n, d1], data: X }, { shape: [n, d2], data: Y }, { bias: true });
  assert.ok(normalEq(X, Y, sb.A, sb.bias, n, d1, d2) < 1e-10, 'affine stitch: normal equations incl. the bias column');
  assert.ok(sb.relResidual <= s.relResidual + 1e-12);
});

test('minimum norm: with fewer rows than features the map interpolates and lies in the row space', () => {
  const r = rng(2);
  const n = 5,
    d1 = 12,
    d2 = 3;
  const X = randn(r, n * d1),
    Y = randn(r, n * d2);
  const s = fitStitch({ shape: [n, d1], data: X }, { shape: [n, d2], data: Y });
  assert.equal(s.rank, n);
  assert.ok(s.relResidual < 1e-10, `interpolates: ${s.relResidual}`);
  // each row of A must be a combination of the rows of X: project out span(X rows) and check nothing is left
  const Q: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = X.slice(i * d1, (i + 1) * d1);
    for (const q of Q) {
      let p = 0;
      for (let k = 0; k < d1; k++) p += v[k]! * q[k]!;
      for (let k = 0; k < d1; k++) v[k]! -= p * q[k]!;
    }
    let nv = 0;
    for (const t of v) nv += t * t;
    nv = Math.sqrt(nv);
    Q.push(v.map((t) => t / nv));
  }
  for (let j = 0; j < d2; j++) {
    const a = s.A.slice(j * d1, (j + 1) * d1);
    for (const q of Q) {
      let p = 0;
      for (let k = 0; k < d1; k++) p += a[k]! * q[k]!;
      for (let k = 0; k < d1; k++) a[k]! -= p * q[k]!;
    }
    let rest = 0;
    for (const t of a) rest += t * t;
    assert.ok(Math.sqrt(rest) < 1e-9, `row ${j} of A has a component outside span(X): ${Math.sqrt(rest)}`);
  }
});

test('rank-deficient X: duplicated channel gets split evenly (pseudo-inverse, not arbitrary)', () => {
  const r = rng(3);
  const n = 100,
    d1 = 4;
  const X = new Float64Array(n * d1),
    Y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = r.normal(),
      b = r.normal(),
      c = r.normal();
    X.set([a, a, b, c], i * d1);
    Y[i] = 2 * a + b;
  }
  const s = fitStitch({ shape: [n, d1], data: X }, { shape: [n, 1], data: Y });
  assert.equal(s.rank, 3);
  assert.ok(relErr(s.A, [1, 1, 1, 0]) < 1e-9, `A = ${Array.from(s.A)}`);
  const ridge = fitStitch({ shape: [n, d1], data: X }, { shape: [n, 1], data: Y }, { ridge: 0.5 });
  let n0 = 0,
    n1 = 0;
  for (let i = 0; i < 4; i++) {
    n0 += s.A[i]! ** 2;
    n1 += ridge.A[i]! ** 2;
  }
  assert.ok(n1 < n0, 'ridge shrinks the map');
});

test('self-stitch of conv maps is the identity; maps of different size are resized for the fit; 4-D → 2-D pools', async () => {
  const r = rng(4);
  const x = tf.tensor4d(r.normals(4 * 6 * 6 * 5), [4, 6, 6, 5]);
  try {
    const s = await expectNoLeak(() => fitStitch(x, x));
    let e = 0;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) e += (s.A[i * 5 + j]! - (i === j ? 1 : 0)) ** 2;
    assert.ok(Math.sqrt(e) / Math.sqrt(5) < 1e-9);
    assert.equal(s.rows, 4 * 36);
    const big = tf.image.resizeBilinear(x, [11, 11], true);
    const s2 = fitStitch(big, x);
    assert.equal(s2.transform, 'resize');
    big.dispose();
    const pooled = tf.mean(x, [1, 2]);
    const s3 = fitStitch(x, pooled);
    assert.equal(s3.transform, 'gap');
    assert.equal(s3.rows, 4);
    assert.throws(() => fitStitch(pooled, x), UnsupportedLayer);
    pooled.dispose();
  } finally {
    x.dispose();
  }
  assert.throws(() => fitStitch({ shape: [3, 2], data: new Float64Array(6) }, { shape: [4, 2], data: new Float64Array(8) }), InvalidInput);
  assert.throws(
    () => fitStitch({ shape: [3, 2], data: [1, 2, 3, Infinity, 5, 6] }, { shape: [3, 2], data: new Float64Array(6) }),
    InvalidInput,
  );
});

test('folding: conv with folded kernel equals 1×1 stitch conv then the original conv; dense likewise; bias folding exact for valid/dense', () => {
  const r = rng(5);
  const d1 = 6,
    d2 = 4,
    out = 5;
  const A = randn(r, d2 * d1);
  const K = Float32Array.from(r.normals(3 * 3 * d2 * out));
  const folded = foldKernel({ shape: [3, 3, d2, out], data: K }, A, d1, d2);
  assert.deepEqual(folded.shape, [3, 3, d1, out]);
  const At = new Float32Array(d1 * d2);
  for (let i = 0; i < d1; i++) for (let j = 0; j < d2; j++) At[i * d2 + j] = A[j * d1 + i]!;
  const b = randn(r, d2);
  tf.tidy(() => {
    const x = tf.tensor4d(r.normals(2 * 7 * 7 * d1), [2, 7, 7, d1]);
    for (const pad of ['same', 'valid'] as const) {
      const ref = tf.conv2d(tf.conv2d(x, tf.tensor4d(At, [1, 1, d1, d2]), 1, 'valid'), tf.tensor4d(K, [3, 3, d2, out]), 1, pad);
      const got = tf.conv2d(x, tf.tensor4d(folded.data, [3, 3, d1, out]), 1, pad);
      assert.ok(relErr(got.dataSync(), ref.dataSync()) < 1e-5, pad);
    }
    // affine stitch, valid conv: bias folds exactly
    const stitched = tf.conv2d(x, tf.tensor4d(At, [1, 1, d1, d2]), 1, 'valid').add(tf.tensor1d(Float32Array.from(b))) as tf.Tensor4D;
    const ref = tf.conv2d(stitched, tf.tensor4d(K, [3, 3, d2, out]), 1, 'valid');
    const nb = foldBias({ shape: [3, 3, d2, out], data: K }, null, b);
    const got = tf.conv2d(x, tf.tensor4d(folded.data, [3, 3, d1, out]), 1, 'valid').add(tf.tensor1d(nb));
    assert.ok(relErr(got.dataSync(), ref.dataSync()) < 1e-5, 'bias fold');
    // dense: K [d2, out] → AᵀK
    const Kd = Float32Array.from(r.normals(d2 * out));
    const fd = foldKernel({ shape: [d2, out], data: Kd }, A, d1, d2);
    const xv = tf.tensor2d(r.normals(3 * d1), [3, d1]);
    const refD = tf.matMul(tf.matMul(xv, tf.tensor2d(At, [d1, d2])), tf.tensor2d(Kd, [d2, out]));
    assert.ok(relErr(tf.matMul(xv, tf.tensor2d(fd.data, [d1, out])).dataSync(), refD.dataSync()) < 1e-5, 'dense');
  });
  assert.throws(() => foldKernel({ shape: [3, 3, d2 + 1, out], data: new Float32Array(9 * (d2 + 1) * out) }, A, d1, d2), InvalidInput);
});

test("refine (the authors' SGD after the pseudo-inverse): no step below one batch; otherwise lowers the loss of a perturbed map", async () => {
  const { refineLs } = await import('./fit');
  const r = rng(5);
  const n = 300,
    d1 = 4,
    d2 = 3;
  const X = randn(r, n * d1),
    Atrue = randn(r, d1 * d2);
  const Y = new Float64Array(n * d2);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d2; j++) for (let k = 0; k < d1; k++) Y[i * d2 + j]! += X[i * d1 + k]! * Atrue[k * d2 + j]!;
  const At = Float64Array.from(Atrue, (v) => v + 0.5);
  // authors' defaults: batch 1024 with the incomplete batch dropped → 300 rows take no step, the map is untouched
  const none = refineLs(X, Y, At, n, d1, d2, 50);
  assert.equal(none.steps, 0);
  assert.equal(none.macs, 0);
  const s = refineLs(X, Y, At, n, d1, d2, { steps: 30, lr: 1e-4, batch: 100 });
  assert.ok(s.steps >= 2, `steps ${s.steps}`);
  assert.ok(s.losses[s.losses.length - 1]! < s.losses[0]!, `losses ${s.losses[0]} → ${s.losses[s.losses.length - 1]}`);
  assert.equal(s.macs, s.steps * 100 * d1 * d2 * 3);
  // fitStitch reports the steps and counts them in its MACs
  const Xa = { shape: [n, d1], data: Float32Array.from(X) },
    Ya = { shape: [n, d2], data: Float32Array.from(Y) };
  const plain = fitStitch(Xa, Ya),
    refined = fitStitch(Xa, Ya, { refine: { steps: 3, batch: 100 } });
  assert.equal(plain.refineSteps, 0);
  assert.ok(refined.refineSteps >= 1 && refined.macs > plain.macs);
  assert.throws(() => fitStitch(Xa, Ya, { refine: -1 }), InvalidInput);
});
