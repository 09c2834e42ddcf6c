import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { buildModel, countParams, dilatedConv1d, disposeModel, forward, zeroInsert, CONFIGS } from './model';

before(async () => {
  await init({ backend: 'wasm' });
});

test('parameter counts of the official configuration (f = 24, L = 2): 256,960 / 274,240 / 17,280 adapters / 19,782 fine-tuned', () => {
  const plain = buildModel('paper'),
    lora = buildModel('paper', { overrides: { adapters: true } });
  assert.deepEqual(countParams(plain), { total: 256_960, adapters: 0, fineTuned: 2_502 });
  assert.deepEqual(countParams(lora), { total: 274_240, adapters: 17_280, fineTuned: 19_782 });
  disposeModel(plain);
  disposeModel(lora);
  // counts do not depend on the window length; narrower widths shrink as the layer list says
  const short = buildModel({ ...CONFIGS.paper, seq: 256 });
  assert.equal(countParams(short).total, 256_960);
  disposeModel(short);
  const f8 = buildModel({ ...CONFIGS.paper, filters: 8 });
  assert.equal(countParams(f8).total, 29_472);
  disposeModel(f8);
});

test('paper config: 10,240 and 8,192-sample windows (5,121 / 4,097 frequency bins) map to (1, 1)', async () => {
  const m = buildModel('paper', { overrides: { adapters: true } });
  for (const seq of [10_240, 8_192]) {
    let shape: number[] = [],
      value = NaN;
    await expectNoLeak(() => {
      const out = tf.tidy(() =>
        forward(m, {
          time: tf.randomNormal([1, 2, seq, 8], 0, 1, 'float32', 1) as tf.Tensor4D,
          freq: tf.randomUniform([1, 2, seq / 2 + 1, 2], 0, 1, 'float32', 2) as tf.Tensor4D,
          cut: tf.tensor2d([[0, 1]], [1, 2], 'int32'),
        }),
      );
      shape = out.shape;
      value = out.dataSync()[0]!;
      return out;
    }, `forward ${seq}`);
    assert.deepEqual(shape, [1, 1]);
    assert.ok(Number.isFinite(value));
  }
  assert.throws(
    () =>
      forward(m, {
        time: tf.zeros([1, 2, 64, 8]) as tf.Tensor4D,
        freq: tf.zeros([1, 2, 30, 2]) as tf.Tensor4D,
        cut: tf.zeros([1, 2], 'int32') as tf.Tensor2D,
      }),
    /freq input must be \[1, 2, 33, 2\]/,
  );
  disposeModel(m);
});

test('dilated conv (zero-inserted kernel) equals tf.conv1d at dilation 2; its gradient matches central differences', async () => {
  await init({ backend: 'cpu' });
  try {
    const x = tf.randomNormal([2, 23, 3], 0, 1, 'float32', 3) as tf.Tensor3D,
      w = tf.randomNormal([5, 3, 4], 0, 1, 'float32', 4) as tf.Tensor3D;
    const ours = dilatedConv1d(x, w, 2),
      ref = tf.conv1d(x, w, 1, 'same', 'NWC', 2);
    assert.ok(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]! < 1e-6);
    assert.deepEqual(zeroInsert(w, 3).shape, [13, 3, 4]);
    const rr = tf.randomNormal(ours.shape, 0, 1, 'float32', 5);
    const loss = (ww: tf.Tensor3D) => tf.sum(tf.mul(dilatedConv1d(x, ww, 2), rr)) as tf.Scalar;
    const g = tf
      .grad(loss as (t: tf.Tensor) => tf.Scalar)(w)
      .dataSync();
    const wv = w.dataSync(),
      eps = 1e-2;
    for (const i of [0, 7, 19, 33, 59]) {
      const plus = Float32Array.from(wv),
        minus = Float32Array.from(wv);
      plus[i]! += eps;
      minus[i]! -= eps;
      const fd = (loss(tf.tensor3d(plus, w.shape)).dataSync()[0]! - loss(tf.tensor3d(minus, w.shape)).dataSync()[0]!) / (2 * eps);
      assert.ok(Math.abs(fd - g[i]!) <= 1e-3 * Math.max(1, Math.abs(g[i]!)), `w[${i}]: fd ${fd} vs grad ${g[i]}`);
    }
  } finally {
    await init({ backend: 'wasm' });
  }
});

test('on wasm every variable of the ci-micro model receives a finite, non-zero gradient (all ops train on wasm)', () => {
  const m = buildModel('ci-micro', { overrides: { adapters: true } });
  const vars = [...m.vars.values()];
  const { grads } = tf.variableGrads(
    () =>
      tf.mean(
        tf.square(
          forward(
            m,
            {
              time: tf.randomNormal([4, 2, 128, 8], 0, 1, 'float32', 6) as tf.Tensor4D,
              freq: tf.randomUniform([4, 2, 65, 2], 0, 1, 'float32', 7) as tf.Tensor4D,
              cut: tf.tensor2d(
                [
                  [0, 1],
                  [0, 1],
                  [0, 1],
                  [0, 1],
                ],
                [4, 2],
                'int32',
              ),
            },
            { training: true, seed: 3 },
          ),
        ),
      ) as tf.Scalar,
    vars,
  );
  const names = [...m.vars.keys()];
  let zero = 0;
  for (const [i, v] of vars.entries()) {
    const g = grads[v.name]!.dataSync();
    assert.ok(g.every(Number.isFinite), `${names[i]}: non-finite gradient`);
    if (g.every((z) => z === 0)) zero++;
  }
  assert.equal(zero, 0, 'some variables got an all-zero gradient');
  tf.dispose(grads);
  disposeModel(m);
});
