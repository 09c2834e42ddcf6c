import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { mapModel, setCrossbarWeights } from './model';
import { mvm } from './crossbar';
import { im2col } from './quantize';

function small(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [5, 5, 2],
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.randomNormal({ seed: 1 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }),
    ],
  });
}

test('mapModel + setCrossbarWeights: the tfjs conv with crossbar weights equals the crossbar MVM on integer inputs', async () => {
  await init({ backend: 'cpu' });
  const model = small();
  const mapping = await expectNoLeak(() => mapModel(model, { sort: 'signed', config: { rows: 8, cols: 16 } }), 'mapModel');
  assert.equal(mapping.layers.length, 2);
  assert.deepEqual(mapping.modelIndex, [0, 2]);
  await expectNoLeak(() => setCrossbarWeights(model, mapping), 'setCrossbarWeights');
  // integer image: the conv output / scale must equal the crossbar's exact integer result
  const img = Array.from({ length: 50 }, (_, i) => (i * 7) % 16);
  const conv = tf.tidy(() => (model.layers[0]!.apply(tf.tensor4d(img, [1, 5, 5, 2])) as tf.Tensor).dataSync());
  const L = mapping.layers[0]!;
  const { patches } = im2col(img, 5, 5, 2, 3, 3, { padding: 'same' });
  for (let p = 0; p < 25; p++) {
    const y = mvm(L, patches.subarray(p * 18, (p + 1) * 18), { inputBits: 4 });
    for (let o = 0; o < 3; o++)
      assert.ok(Math.abs(conv[p * 3 + o]! - y[o]! * L.scale[0]!) <= 1e-4 * Math.max(1, Math.abs(conv[p * 3 + o]!)));
  }
  // writing the same integers again is idempotent
  const again = mapModel(model, { config: { rows: 8, cols: 16 } });
  assert.deepEqual(again.layers[1]!.q, mapping.layers[1]!.q);
  model.dispose();
});
