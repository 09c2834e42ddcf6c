import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { rng, type Rng } from '../core/rng';
import { createModel, disposeGazeModel } from './model';
import { prepareDistillBatch } from './distill';
import { buildPixelDecoder, maskedPretrain, maeLoss, normalisedCells, toCells } from './pretrain';
import { sliceRows, type MaeTask } from './steps';
import { setSource } from './train';
import { standInSet } from './standin.test-util';
import type { GazeModel } from './types';

test('FCMAE cells: toCells puts pixel (a·s + y, b·s + x) of image i at [i, a, b, y·s + x], and norm_pix normalises each cell', async () => {
  await init({ backend: 'wasm' });
  const [n, h, w, s] = [2, 32, 64, 16];
  const r = rng(9),
    data = Float32Array.from({ length: n * h * w }, () => r.normal() * 3 + 1);
  const [cells, norm] = tf.tidy(() => {
    const c = toCells(tf.tensor4d(data, [n, h, w, 1]), s);
    return [c.arraySync() as number[][][][], normalisedCells(c).arraySync() as number[][][][]];
  });
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let a = 0; a < h / s; a++)
      for (let b = 0; b < w / s; b++) {
        const px: number[] = [];
        for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) px.push(data[i * h * w + (a * s + y) * w + b * s + x]!);
        px.forEach((v, k) => assert.equal(cells[i]![a]![b]![k], v));
        const mu = px.reduce((p, v) => p + v, 0) / px.length;
        const sd = Math.sqrt(px.reduce((p, v) => p + (v - mu) ** 2, 0) / px.length + 1e-6);
        px.forEach((v, k) => (worst = Math.max(worst, Math.abs(norm[i]![a]![b]![k]! - (v - mu) / sd))));
      }
  assert.ok(worst < 1e-4, `normalised cells differ from a per-cell z-score by ${worst}`);
});

test('FCMAE loss: slices of a batch sum to the batch loss (the masked-pixel count is batch-wide), and only masked pixels count', async () => {
  await init({ backend: 'wasm' });
  const set = standInSet({ nUsers: 2, perUser: 6, h: 32, w: 32, seed: 2 });
  const enc = createModel('teacher', { seed: 3 }),
    dec = buildPixelDecoder(enc, 4, 4);
  const b = prepareDistillBatch(setSource(set)(6, rng(5)).images, 0.6, 8, rng(6));
  const task: MaeTask = { kind: 'mae', inCh: 1, maskMode: 'sparse', pixelStage: 4, normPix: true };
  const L = (x: typeof b) => tf.tidy(() => maeLoss(task, [enc, dec], x).dataSync()[0]!);
  const whole = L(b),
    parts = L(sliceRows(b, 0, 2)) + L(sliceRows(b, 2, 6));
  assert.ok(Math.abs(whole - parts) < 1e-5 * whole, `batch ${whole} vs sum of slices ${parts}`);
  // a pixel that is visible everywhere it is read changes nothing when only the target would see it: with the mask
  // cleared, the loss is exactly 0 (no masked pixel), whatever the prediction
  const none = { ...b, rows: { ...b.rows, mask: { data: new Float32Array(b.rows.mask!.data.length), per: b.rows.mask!.per } } };
  assert.equal(L(none), 0);
  disposeGazeModel(enc);
  disposeGazeModel(dec);
});

test('FCMAE pre-training: held-out reconstruction improves, the backbone trains, adapters and head stay bit-identical', async () => {
  await init({ backend: 'wasm' });
  const set = standInSet({ nUsers: 4, perUser: 24, h: 32, w: 32, seed: 11 });
  const pool = (n: number, r: Rng) => setSource(set)(n, r).images;
  const m = createModel('teacher', { seed: 12 }),
    fresh = createModel('teacher', { seed: 12 });
  const before = tf.memory().numTensors;
  const res = await maskedPretrain(m, pool, { steps: 40, batch: 8, lr: 2e-3, progress: false, heldOutImages: 16, evalEvery: 40 });
  disposeGazeModel(res.decoder);
  assert.equal(tf.memory().numTensors, before, 'maskedPretrain leaves no tensors but the decoder it returns');
  const first = res.heldOut[0]!.loss,
    last = res.heldOut[res.heldOut.length - 1]!.loss;
  assert.ok(last < 0.8 * first, `held-out masked reconstruction ${first.toFixed(4)} → ${last.toFixed(4)}: not learning`);
  let moved = 0;
  for (const [k, v] of m.params) {
    const a = v.dataSync(),
      b = fresh.params.get(k)!.dataSync();
    const same = a.every((x, i) => x === b[i]);
    if (/\.ad\./.test(k) || k.startsWith('head.')) assert.ok(same, `${k} changed: FCMAE must not reach adapters or head`);
    else if (!same) moved++;
  }
  assert.ok(moved > 50, `only ${moved} backbone tensors changed`);
  disposeGazeModel(m);
  disposeGazeModel(fresh);
});

test('FCMAE pre-training: bad options are named errors', async () => {
  await init({ backend: 'wasm' });
  const m: GazeModel = createModel('student', { seed: 1 });
  const pool = () => {
    throw new Error('must not be read');
  };
  await assert.rejects(maskedPretrain(m, pool, { maskRatio: 1 }), /maskRatio/);
  await assert.rejects(maskedPretrain(m, pool, { pixelStage: 2 as 3 }), /pixelStage/);
  await assert.rejects(maskedPretrain(m, pool, { maskMode: 'dense' as 'zero' }), /maskMode/);
  disposeGazeModel(m);
});
