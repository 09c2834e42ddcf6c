import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import type { Rng } from '../core/rng';
import * as tf from '@tensorflow/tfjs';
import { createModel, disposeGazeModel, groupVars } from './model';
import { DataParallel } from './parallel';
import { setSource, trainSupervised } from './train';
import { distill } from './distill';
import { maskedPretrain } from './pretrain';
import { cellWeights, mergeBnUpdates, shardRanges, sliceRows, taskLoss } from './steps';
import { standInSet } from './standin.test-util';
import type { GazeModel } from './types';

/** Largest |a − b| over every parameter, relative to the largest |a|. */
function maxRelDiff(a: GazeModel, b: GazeModel): { rel: number; name: string } {
  let worst = { rel: 0, name: '' };
  for (const [k, v] of a.params) {
    const x = v.dataSync(),
      y = b.params.get(k)!.dataSync();
    let d = 0,
      s = 1e-2; // floor: Adam turns float-rounding noise in near-zero gradients into ~1e-7 moves
    for (let i = 0; i < x.length; i++) {
      d = Math.max(d, Math.abs(x[i]! - y[i]!));
      s = Math.max(s, Math.abs(x[i]!));
    }
    if (d / s > worst.rel) worst = { rel: d / s, name: k };
  }
  return worst;
}

test('shards: contiguous, cover the batch, slice every row array and keep batch-wide scalars', () => {
  assert.deepEqual(shardRanges(7, 2), [
    [0, 4],
    [4, 7],
  ]);
  assert.deepEqual(shardRanges(1, 2), [[0, 1]]);
  const b = { n: 3, h: 1, w: 2, rows: { a: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), per: 2 } }, scalars: { total: 3 } };
  const s = sliceRows(b, 1, 3);
  assert.deepEqual([...s.rows.a!.data], [3, 4, 5, 6]);
  assert.equal(s.scalars.total, 3);
  // a 32×32 cell is masked when ≥ half its pixels are
  const m = new Float32Array(32 * 64);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 16; x++) m[y * 64 + x] = 1;
  assert.deepEqual([...cellWeights(m, 1, 32, 64, 32)], [1, 0]);
  // pooled BatchNorm statistics of two halves = the statistics of the whole
  const xs = [1, 2, 3, 10, 11, 15],
    mu = xs.reduce((a, v) => a + v, 0) / 6,
    va = xs.reduce((a, v) => a + (v - mu) ** 2, 0) / 6;
  const half = (h: number[]) => {
    const m0 = h.reduce((a, v) => a + v, 0) / h.length;
    return [{ name: 'b', mean: Float32Array.of(m0), variance: Float32Array.of(h.reduce((a, v) => a + (v - m0) ** 2, 0) / h.length) }];
  };
  const merged = mergeBnUpdates([half(xs.slice(0, 2)), half(xs.slice(2))], [2, 4]);
  assert.ok(Math.abs(merged[0]!.mean[0]! - mu) < 1e-5 && Math.abs(merged[0]!.variance[0]! - va) < 1e-4);
});

test('data-parallel: the summed slice gradients equal the whole-batch gradient (scale included: Adam alone would hide a mean-vs-sum bug)', async () => {
  await init({ backend: 'wasm' });
  const set = standInSet({ nUsers: 2, perUser: 8, h: 32, w: 32, seed: 11 });
  const m = createModel('student', { seed: 12 });
  const vars = groupVars(m, 'backbone');
  const task = { kind: 'supervised', inCh: 1 } as const;
  const batch = {
    n: 7,
    h: 32,
    w: 32,
    rows: {
      images: { data: (set.images.data as Float32Array).slice(0, 7 * 1024), per: 1024 },
      gaze: { data: set.gaze.slice(0, 14), per: 2 },
    },
    scalars: { total: 7 },
  };
  const { value, grads } = tf.variableGrads(() => taskLoss(task, [m], batch, null, {}), vars);
  const dp = new DataParallel(task, [m], 1, vars, 2);
  try {
    await dp.start();
    const res = await dp.dispatch(batch);
    assert.ok(Math.abs(res.loss - value.dataSync()[0]!) < 1e-5, `loss ${res.loss} vs ${value.dataSync()[0]}`);
    let worst = 0;
    vars.forEach((v, i) => {
      const a = grads[v.name]!.dataSync(),
        b = res.grads[i]!;
      let sc = 1e-6;
      for (let j = 0; j < a.length; j++) sc = Math.max(sc, Math.abs(a[j]!));
      for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j]! - b[j]!) / sc);
    });
    assert.ok(worst < 1e-3, `slice gradients differ from the batch gradient by ${worst} (relative to each tensor's largest)`);
  } finally {
    await dp.close();
    tf.dispose([value, ...Object.values(grads)]);
    disposeGazeModel(m);
  }
});

test('data-parallel: two worker threads give the same parameters as one thread on the same batches (KD and supervised)', async () => {
  await init({ backend: 'wasm' });
  const pool = standInSet({ nUsers: 2, perUser: 24, h: 32, w: 32, seed: 3 });
  const src = (n: number, r: Rng) => setSource(pool)(n, r).images;
  const teacher = createModel('teacher', { seed: 4 });
  const runKd = async (workers: number) => {
    const st = createModel('student', { seed: 5 });
    const r = await distill(teacher, st, src, {
      steps: 3,
      batch: 6,
      lr: 3e-3,
      progress: false,
      workers,
      statsImages: 16,
      heldOutImages: 8,
    });
    disposeGazeModel(r.decoders);
    return { st, loss: r.log.map((e) => e.loss) };
  };
  const one = await runKd(1),
    two = await runKd(2);
  const d = maxRelDiff(one.st, two.st);
  assert.ok(d.rel < 2e-4, `KD: 2 workers differ from 1 by ${d.rel} (relative) at ${d.name}`);
  // the parameters moved (the comparison is not between two untrained copies)
  const fresh = createModel('student', { seed: 5 });
  assert.ok(maxRelDiff(one.st, fresh).rel > 1e-3, 'KD did not change the student');
  one.loss.forEach((l, i) => assert.ok(Math.abs(l - two.loss[i]!) < 1e-4 * Math.max(1, l), `KD loss at step ${i}: ${l} vs ${two.loss[i]}`));
  // supervised, backbone group (adapters stay zero, so BatchNorm batch statistics cannot enter the output)
  const set = standInSet({ nUsers: 3, perUser: 16, h: 32, w: 32, seed: 6 });
  const runSup = async (workers: number) => {
    const m = createModel('student', { seed: 7 });
    await trainSupervised(m, setSource(set), { group: 'backbone', steps: 3, batch: 8, lr: 3e-3, progress: false, workers });
    return m;
  };
  const s1 = await runSup(1),
    s2 = await runSup(2);
  const ds = maxRelDiff(s1, s2);
  assert.ok(ds.rel < 1e-3, `supervised: 2 workers differ from 1 by ${ds.rel} at ${ds.name}`);
  [teacher, one.st, two.st, fresh, s1, s2].forEach(disposeGazeModel);
});

test('data-parallel: FCMAE pre-training on two worker threads gives the same backbone as one thread', async () => {
  await init({ backend: 'wasm' });
  const set = standInSet({ nUsers: 2, perUser: 24, h: 32, w: 32, seed: 8 });
  const src = (n: number, r: Rng) => setSource(set)(n, r).images;
  const run = async (workers: number) => {
    const m = createModel('teacher', { seed: 9 });
    const r = await maskedPretrain(m, src, { steps: 3, batch: 6, lr: 3e-3, progress: false, workers, heldOutImages: 4 });
    disposeGazeModel(r.decoder);
    return m;
  };
  const one = await run(1),
    two = await run(2),
    fresh = createModel('teacher', { seed: 9 });
  const d = maxRelDiff(one, two);
  // 1e-3 as for supervised: Adam's first steps turn rounding noise in near-zero gradients into ±lr moves (measured 3e-4)
  assert.ok(d.rel < 1e-3, `FCMAE: 2 workers differ from 1 by ${d.rel} (relative) at ${d.name}`);
  assert.ok(maxRelDiff(one, fresh).rel > 1e-3, 'FCMAE did not change the backbone');
  [one, two, fresh].forEach(disposeGazeModel);
});
