import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { InvalidInput, UnsupportedLayer } from '../core/errors';
import { rng } from '../core/rng';
import { expectNoLeak, relErr } from '../core/testing';
import { magnitudePrune, pruneModel, SparseDense, SparseModel } from './layer';
import { sparsityFigure, speedupFigure } from './figures';
import { pack } from './pack';
import { randomSparse } from './testutil';

test('magnitudePrune zeroes exactly the smallest-magnitude fraction', () => {
  const w = rng(1).normals(1000);
  const p = magnitudePrune(w, 0.9);
  assert.equal(
    p.reduce((s, v) => s + (v === 0 ? 1 : 0), 0),
    900,
  );
  let minKept = Infinity,
    maxDropped = 0;
  for (let i = 0; i < w.length; i++)
    if (p[i] === 0) maxDropped = Math.max(maxDropped, Math.abs(w[i]!));
    else {
      minKept = Math.min(minKept, Math.abs(w[i]!));
      assert.equal(p[i], w[i]);
    }
  assert.ok(maxDropped <= minKept);
  assert.throws(() => magnitudePrune(w, 1.5), InvalidInput);
});

test('SparseModel on Rosko kernels matches the pruned tfjs model', async () => {
  await init({ backend: 'wasm' });
  const r = rng(2);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({
        units: 64,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }),
        biasInitializer: tf.initializers.randomNormal({ seed: r.seedInt(), stddev: 0.1 }),
      }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }),
    ],
  });
  await expectNoLeak(() => pruneModel(model, { sparsity: 0.9 }), 'pruneModel');
  assert.throws(() => pruneModel(model, { sparsity: -0.1 }), InvalidInput);
  const sm = await expectNoLeak(() => SparseModel.fromModel(model), 'SparseModel.fromModel');
  assert.ok(Math.abs(sm.sparsity - 0.9) < 1e-3);
  const batch = 17;
  const x = new Float32Array(batch * 784).map(() => r.next());
  const want = await expectNoLeak(() => {
    const t = tf.tensor3d(x, [batch, 28, 28]);
    const y = model.predict(t) as tf.Tensor;
    const d = y.dataSync().slice();
    t.dispose();
    y.dispose();
    return d;
  });
  const got = sm.predict(x, batch);
  assert.ok(relErr(got, want) < 1e-5, `relErr ${relErr(got, want)}`);
  for (let b = 0; b < batch; b++) {
    const row = (a: ArrayLike<number>) => Array.from({ length: 10 }, (_, j) => a[b * 10 + j]!);
    assert.equal(row(got).indexOf(Math.max(...row(got))), row(want).indexOf(Math.max(...row(want))));
  }
  model.dispose();
  const conv = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 })] });
  assert.throws(() => SparseModel.fromModel(conv), UnsupportedLayer);
  conv.dispose();
  assert.throws(() => new SparseDense(3, 2, new Float32Array(5), null), InvalidInput);
});

test('figures: sparsity pattern with tile densities, speedup series', () => {
  const A = randomSparse(3, 40, 60, 0.1);
  for (let c = 0; c < 60; c++) A.data[7 * 60 + c] = 0;
  const pk = pack(A, { mr: 8, mc: 8, kc: 16, p: 2, nr: 16, nc: 16 });
  const f = sparsityFigure(A, { packed: pk, grid: 20 });
  assert.equal(f.kind, 'sparsity-pattern');
  assert.equal(f.nnz, pk.nnz);
  assert.ok(f.skippedRows!.includes(7));
  assert.deepEqual(f.tiles!.density.shape, [5, 4]);
  const td = new Float32Array(new Uint8Array(Buffer.from(f.tiles!.density.b64, 'base64')).buffer);
  const tileSum = td.reduce((s, v, i) => s + v * 8 * Math.min(16, 60 - (i % 4) * 16), 0);
  assert.ok(Math.abs(tileSum - pk.nnz) < 1e-3);
  const s = speedupFigure([{ name: 'rosko', sparsity: [0.5, 0.9], speedup: [1.2, 4] }]);
  assert.deepEqual(s.series[0]!.x, [50, 90]);
});
