import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { rng } from '../core/rng';
import { expectNoLeak } from '../core/testing';
import { InvalidInput } from '../core/errors';
import { quantize, pcaInit, reduce, recover } from './splitmodule';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

test('quantize: forward values on a hand-computed 2-bit grid and an 8-bit grid', async () => {
  tf.tidy(() => {
    const x = tf.tensor1d([-1, 0, 0.4, 0.6, 1.4, 2.49, 3, 3.7]);
    const q = quantize(x, 2, 0, 3); // Δ = 1
    assert.deepEqual(Array.from(q.dataSync()), [0, 0, 0, 1, 1, 2, 3, 3]);
    const q8 = quantize(tf.tensor1d([-1, 1, 0.5, -0.2]), 8, -1, 1); // Δ = 2/255
    const d = 2 / 255;
    const want = [-1, 1, -1 + Math.round(1.5 / d) * d, -1 + Math.round(0.8 / d) * d];
    Array.from(q8.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `q8[${i}] = ${v}, want ${want[i]}`));
    tf.dispose([x, q, q8]);
  });
});

test('quantize: straight-through gradient is dy inside [lo, hi] (boundaries included) and 0 outside', async () => {
  tf.tidy(() => {
    const x = tf.tensor1d([-1, 0, 0.4, 1.4, 2.49, 3, 3.7]);
    const w = tf.tensor1d([1, 2, 3, 4, 5, 6, 7]);
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(quantize(xi, 2, 0, 3), w)))(x);
    assert.deepEqual(Array.from(g.dataSync()), [0, 2, 3, 4, 5, 6, 0]);
    tf.dispose([x, w, g]);
  });
  assert.throws(() => quantize(tf.scalar(0), 4, 1, 1), InvalidInput);
  assert.throws(() => quantize(tf.scalar(0), 0, 0, 1), InvalidInput);
});

test('pcaInit: reduce → recover reproduces rank-c′ features exactly, and narrower c′ is a prefix of wider', async () => {
  const r = rng(3),
    N = 200,
    C = 6;
  const u = r.normals(C),
    v = r.normals(C),
    mean = r.normals(C);
  const x = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    const a = r.normal(),
      b = r.normal();
    for (let c = 0; c < C; c++) x[i * C + c] = mean[c]! + a * u[c]! + b * v[c]!;
  }
  const m = pcaInit(x, C, 2);
  tf.tidy(() => {
    const xt = tf.tensor4d(x, [N, 1, 1, C]);
    const rk = tf.tensor2d(m.reduceKernel, [C, 2]),
      rb = tf.tensor1d(m.reduceBias);
    const ck = tf.tensor2d(m.recoverKernel, [2, C]),
      cb = tf.tensor1d(m.recoverBias);
    const z = reduce(xt, rk, rb, { reduced: 2 });
    const y = recover(z, ck, cb, C);
    const err = tf.max(tf.abs(tf.sub(y, xt))).dataSync()[0]!;
    assert.ok(err < 1e-4, `reconstruction error ${err}`);
    // one component cannot reproduce rank-2 data: the test would catch a reduce that ignores c′
    const z1 = reduce(xt, rk, rb, { reduced: 1 });
    const y1 = recover(z1, ck, cb, C);
    assert.ok(tf.max(tf.abs(tf.sub(y1, xt))).dataSync()[0]! > 1e-2);
    // with 8-bit quantization of z the error is bounded by the quantization step times the recover gain
    const zq = reduce(xt, rk, rb, { reduced: 2, bits: 8, lo: m.lo, hi: m.hi });
    const yq = recover(zq, ck, cb, C);
    const step = (m.hi - m.lo) / 255;
    assert.ok(tf.max(tf.abs(tf.sub(yq, xt))).dataSync()[0]! <= step * Math.SQRT2 + 1e-5);
    tf.dispose([xt, rk, rb, ck, cb, z, y, z1, y1, zq, yq]);
  });
  const m3 = pcaInit(x, C, 3);
  for (let c = 0; c < C; c++) for (let j = 0; j < 2; j++) assert.equal(m3.reduceKernel[c * 3 + j], m.reduceKernel[c * 2 + j]);
  assert.throws(
    () => pcaInit(x, C, 7),
    (e: Error) => e instanceof InvalidInput && /reduced = 7 exceeds channels = 6/.test(e.message),
  );
});

test('quantize, its gradient, reduce and recover leave no tensors behind', async () => {
  const x = tf.tensor4d(rng(1).normals(2 * 3 * 3 * 4), [2, 3, 3, 4]);
  const k = tf.tensor2d(rng(2).normals(4 * 3), [4, 3]),
    b = tf.zeros([3]) as tf.Tensor1D;
  const k2 = tf.tensor2d(rng(3).normals(2 * 4), [2, 4]),
    b2 = tf.zeros([4]) as tf.Tensor1D;
  await expectNoLeak(() => quantize(x, 4, -1, 1));
  await expectNoLeak(() => tf.grad((xi: tf.Tensor) => tf.sum(quantize(xi, 4, -1, 1)))(x));
  await expectNoLeak(() => reduce(x, k, b, { reduced: 2, bits: 8, lo: -2, hi: 2 }));
  const z = reduce(x, k, b, { reduced: 2 });
  await expectNoLeak(() => recover(z, k2, b2, 4));
  tf.dispose([x, k, b, k2, b2, z]);
});
