import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { InvalidInput } from '../core/errors';
import { rng } from '../core/rng';
import { tinyConvNet } from './tiny.test-util';
import { magnitudeMask, pruneFineTune, pruneInt8, pruneModel } from './prune';
import { mapModel } from '../cim';

function kernelZeros(model: tf.LayersModel, i: number): number {
  const d = model.layers[i]!.getWeights()[0]!.dataSync();
  let z = 0;
  for (const v of d) if (v === 0) z++;
  return z;
}

test('magnitudeMask zeroes exactly round(s·n) smallest magnitudes, ties by index', () => {
  const w = [0.5, -0.1, 0.3, -0.3, 0.1, 2];
  assert.deepEqual(Array.from(magnitudeMask(w, 0.5)), [1, 0, 0, 1, 0, 1]); // |−0.1| = |0.1| < |0.3| (index 2 before 3)
  assert.deepEqual(Array.from(magnitudeMask(w, 0)), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(magnitudeMask(w, 1)), [0, 0, 0, 0, 0, 0]);
  const r = rng(4);
  const big = Array.from({ length: 1001 }, () => r.normal(0, 1));
  const m = magnitudeMask(big, 0.9);
  const kept = big.filter((_, i) => m[i]).map(Math.abs),
    dropped = big.filter((_, i) => !m[i]).map(Math.abs);
  assert.equal(dropped.length, 901);
  assert.ok(Math.min(...kept) >= Math.max(...dropped));
  assert.throws(() => magnitudeMask(w, 1.5), InvalidInput);
});

test('pruneModel: per-layer and global sparsity, int8 mapping keeps the zeros, no tensors left behind', async () => {
  await init({ backend: 'cpu' });
  const model = tinyConvNet(4, 3);
  const res = await expectNoLeak(() => pruneModel(model, { sparsity: 0.75 }), 'pruneModel');
  assert.deepEqual(
    res.layers.map((l) => l.sparsity),
    [27 / 36, 144 / 192],
  );
  assert.equal(kernelZeros(model, 0), 27);
  assert.equal(kernelZeros(model, 2), 144);
  const mapped = mapModel(model);
  for (const L of mapped.layers) {
    let z = 0;
    for (const v of L.q) if (v === 0) z++;
    assert.ok(z >= 0.75 * L.q.length);
  }
  const g = tinyConvNet(4, 3);
  const rg = pruneModel(g, { sparsity: 0.5, scope: 'global' });
  assert.equal(Math.round(rg.sparsity * 228), 114);
  assert.throws(() => pruneModel(model, { sparsity: -0.1 }), InvalidInput);
  assert.throws(() => pruneModel(model, { sparsity: 0.5, scope: 'row' as never }), InvalidInput);
  model.dispose();
  g.dispose();
});

test('pruneFineTune: gradual steps reach the target, pruned weights stay exactly zero through training', async () => {
  await init({ backend: 'cpu' });
  const model = tinyConvNet(4, 3);
  const r = rng(2);
  const x = tf.tensor4d(
    Array.from({ length: 32 * 36 }, () => r.next()),
    [32, 6, 6, 1],
  );
  const y = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: 32 }, () => r.int(3)),
        'int32',
      ),
      3,
    )
    .toFloat();
  const before = model.layers[2]!.getWeights()[0]!.dataSync().slice();
  const seen: number[] = [];
  const res = await pruneFineTune(model, { sparsity: 0.8, x, y, steps: 2, epochsPerStep: 2, batchSize: 8, progress: (s) => seen.push(s) });
  assert.deepEqual(seen, [1, 2]);
  const after = model.layers[2]!.getWeights()[0]!.dataSync();
  const mask = res.masks.get(2)!;
  let changedKept = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) assert.ok(after[i] === 0, `weight ${i} = ${after[i]}`);
    else if (after[i] !== before[i]) changedKept++;
  }
  assert.ok(changedKept > 0, 'the fine-tune trained the kept weights');
  assert.equal(kernelZeros(model, 2), 154);
  await assert.rejects(pruneFineTune(model, { sparsity: 0.5, x }), InvalidInput);
  tf.dispose([x, y]);
  model.dispose();
});

test('pruneInt8 zeroes the smallest integer weights and keeps the rest', async () => {
  const { mapLayer } = await import('../cim');
  const q = new Int8Array([5, -1, 0, 3, -7, 2, 1, -2]);
  const L = pruneInt8(mapLayer({ q, nOut: 2, nIn: 4 }), 0.5);
  assert.deepEqual(Array.from(L.q), [5, 0, 0, 3, -7, 0, 0, -2]); // 0, −1, 1 and the first |2| (index 5) go: ties by index
  assert.equal(L.sort, 'none');
});
