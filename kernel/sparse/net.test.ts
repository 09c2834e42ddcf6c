import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { UnsupportedLayer } from '../core/errors';
import { loadSwsModel } from '../core/models/fashion';
import { rng } from '../core/rng';
import { expectNoLeak } from '../core/testing';
import { magnitudePrune } from './layer';
import { SparseNet } from './net';

const LAYERS = {
  widepool: ['256x49', '256x256', '1024x256', '256x1024', '10x256'],
  // the patch mixer: Dense layers on 3-D token tensors (token mixing across a permuted [b, d, 16]) between 1×1 convs
  wide: ['256x49', '32x16', '16x32', '1024x256', '256x1024', '10x256'],
};

for (const kind of ['widepool', 'wide'] as const)
  test(`SparseNet: the SWS ${kind} model pruned to 90% gives the tfjs model's outputs on Rosko, CSR and dense kernels`, async () => {
    await init({ backend: 'cpu' });
    const model = await loadSwsModel(kind);
    try {
      // every weight layer, convs included (pruneModel handles Dense layers only)
      for (const l of model.layers)
        if (l.getClassName() === 'Conv2D' || l.getClassName() === 'Dense') {
          const [k, ...rest] = l.getWeights();
          const t = tf.tensor(magnitudePrune(k!.dataSync() as Float32Array, 0.9), k!.shape);
          l.setWeights([t, ...rest]);
          t.dispose();
        }
      const net = SparseNet.fromModel(model);
      assert.deepEqual(
        net.layers.map((l) => `${l.rows}x${l.cols}`),
        LAYERS[kind],
      );
      assert.ok(Math.abs(net.sparsity - 0.9) < 0.005, `sparsity ${net.sparsity}`);
      const batch = 5;
      const x = rng(3)
        .normals(batch * 784)
        .map((v) => Math.abs(v));
      const want = tf.tidy(() => (model.predict(tf.tensor4d(x, [batch, 28, 28, 1])) as ReturnType<typeof tf.tensor>).dataSync().slice());
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      const outs = await expectNoLeak(() =>
        (['rosko', 'auto', 'csr', 'dense'] as const).map((kernel) => net.predict(x, batch, { kernel })),
      );
      for (const got of outs) {
        assert.equal(got.length, batch * 10);
        for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * scale, `logit ${i}: ${got[i]} vs ${want[i]}`);
      }
      // the kernels agree with each other to the bit (same summation order), not just within tolerance
      assert.deepEqual(Array.from(outs[0]!), Array.from(outs[2]!));
    } finally {
      model.dispose();
    }
  });

test('SparseNet refuses overlapping convolutions', () => {
  const bad = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, padding: 'same' })] });
  assert.throws(() => SparseNet.fromModel(bad), UnsupportedLayer);
  bad.dispose();
});
