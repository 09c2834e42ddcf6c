import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from './rng';
import { InvalidInput } from './errors';
import { init, tf } from './backend';

test('same seed gives identical streams; different seeds differ', () => {
  const a = rng(42),
    b = rng(42),
    c = rng(43);
  const xa = Array.from({ length: 1000 }, () => a.next());
  const xb = Array.from({ length: 1000 }, () => b.next());
  const xc = Array.from({ length: 1000 }, () => c.next());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  assert.ok(xa.every((v) => v >= 0 && v < 1));
});

test('uniform and normal moments are right (n = 200k)', () => {
  const r = rng(7),
    n = 200_000;
  let s = 0,
    s2 = 0,
    u = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
    u += r.next();
  }
  assert.ok(Math.abs(s / n) < 0.01, `normal mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `normal variance ${s2 / n}`);
  assert.ok(Math.abs(u / n - 0.5) < 0.005, `uniform mean ${u / n}`);
});

test('int is unbiased over a small range and permutation is a permutation', () => {
  const r = rng(3),
    counts = new Array(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400, `count ${c}`);
  const p = r.permutation(1000);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  const s = r.sample(100, 30);
  assert.equal(new Set(s).size, 30);
});

test('fork gives reproducible, independent children', () => {
  const a = rng(5).fork(1),
    b = rng(5).fork(1),
    c = rng(5).fork(2);
  const xa = [a.next(), a.next()],
    xb = [b.next(), b.next()],
    xc = [c.next(), c.next()];
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test('bad seeds are named errors', () => {
  assert.throws(() => rng(1.5), InvalidInput);
  assert.throws(() => rng(Number.NaN), InvalidInput);
  assert.throws(() => rng(1).int(0), InvalidInput);
});

test('same seed ⇒ identical tfjs initial weights and training step on one backend', async () => {
  await init({ backend: 'wasm' });
  const run = (seed: number) =>
    tf.tidy(() => {
      const r = rng(seed);
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 1],
            filters: 4,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }),
        ],
      });
      const x = tf.tensor4d(r.normals(2 * 64), [2, 8, 8, 1]);
      const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
      const opt = tf.train.sgd(0.1);
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
      const w = model.getWeights().map((t) => Array.from(t.dataSync()));
      opt.dispose();
      model.dispose();
      return w;
    });
  assert.deepEqual(run(11), run(11));
  assert.notDeepEqual(run(11), run(12));
});
