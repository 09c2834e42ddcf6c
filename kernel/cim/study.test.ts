import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { reprogramStudy } from './study';

test('reprogramStudy: stucking lowers writes, effective weights change the model, float weights are restored, no leak', async () => {
  await init({ backend: 'cpu' });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [300],
        units: 64,
        activation: 'relu',
        kernelInitializer: tf.initializers.randomNormal({ seed: 1, stddev: 0.05 }),
      }),
      tf.layers.dense({ units: 40, kernelInitializer: tf.initializers.randomNormal({ seed: 2, stddev: 0.05 }) }),
    ],
  });
  const x = tf.randomUniform([32, 300], 0, 1, 'float32', 3);
  const ref = (model.predict(x) as tf.Tensor).dataSync().slice();
  // "accuracy" = 1 − relative output change vs the float model: sensitive to every weight
  const evaluate = (m: tf.LayersModel) =>
    tf.tidy(() => {
      const y = (m.predict(x) as tf.Tensor).dataSync();
      let num = 0,
        den = 0;
      for (let i = 0; i < y.length; i++) {
        num += (y[i]! - ref[i]!) ** 2;
        den += ref[i]! ** 2;
      }
      return 1 - Math.sqrt(num / den);
    });
  const r = await expectNoLeak(
    () =>
      reprogramStudy(model, {
        evaluate,
        stuck: [
          [2, 0.5],
          [3, 0.25],
        ],
        physical: 2,
        config: { rows: 32, cols: 32 },
        seeds: [1, 2, 3],
        endurancePasses: 5,
      }),
    'study',
  );
  assert.equal(r.floatAccuracy, 1);
  assert.ok(r.int8Accuracy < 1 && r.int8Accuracy > 0.98);
  assert.equal(r.rows[0]!.accuracy, r.int8Accuracy); // sorting alone is lossless
  assert.ok(r.rows[1]!.cellWrites < r.rows[0]!.cellWrites && r.rows[2]!.cellWrites < r.rows[1]!.cellWrites);
  assert.ok(r.rows[2]!.accuracy < r.int8Accuracy);
  assert.ok(r.rows[2]!.weightError.maxAbs <= 7);
  // chosen: the largest reduction among rows within maxDrop on `evaluate`
  assert.ok(r.rows.includes(r.chosen));
  assert.ok(r.chosen.drop <= 0.01);
  for (const row of r.rows) if (row.drop <= 0.01) assert.ok(row.reduction <= r.chosen.reduction);
  // shared routing by default: the optimizer's candidates, identity first, and no extra input phases
  assert.equal(r.routing, 'shared');
  assert.equal(r.routingCandidates![0]!.name, 'identity');
  assert.equal(r.routingCost.extraPhases, 0);
  // seeds: the chosen point rerun per seed; endurance counted over 5 passes, baseline included
  assert.deepEqual(
    r.seedRuns.map((s) => s.seed),
    [1, 2, 3],
  );
  const reds = r.seedRuns.map((s) => s.reduction);
  assert.ok(Math.abs(r.reductionMean - reds.reduce((a, b) => a + b, 0) / 3) < 1e-12);
  if (r.chosen.k > 0) assert.ok(r.reductionStd > 0, 'different stucking seeds give different write counts');
  for (const s of r.seedRuns) assert.ok(s.maxWritesPerCell >= s.p99WritesPerCell && s.p99WritesPerCell >= 0);
  assert.ok(r.baselineMaxWritesPerCell >= r.baselineP99WritesPerCell && r.baselineMaxWritesPerCell > 0);
  assert.equal(r.endurancePasses, 5);
  const after = (model.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(after), Array.from(ref));
  tf.dispose(x);
  model.dispose();
});
