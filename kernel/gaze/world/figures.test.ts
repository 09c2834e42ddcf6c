import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eyeGrid, generatorSpecTable, userTable } from './figures';
import { makeGazeDataset } from './synth';
import { unpack } from '../../viz';
import { InvalidInput } from '../../core/errors';

test('eyeGrid tiles the chosen images with label (and prediction) arrows; blinks boxed', () => {
  const ds = makeGazeDataset({ split: 'train', users: 2, perUser: 5, height: 16, width: 24, seed: 2, frameRanges: { blinkProb: 0.5 } });
  const pred = new Float32Array(2 * ds.n);
  const fig = eyeGrid(ds, { count: 6, cols: 3, scale: 2, pred });
  assert.equal(fig.kind, 'image-overlay');
  const TW = 24 * 2 + 4,
    TH = 16 * 2 + 4;
  assert.equal(fig.image.width, 3 * TW);
  assert.equal(fig.image.height, 2 * TH);
  assert.equal(fig.arrows!.length, 12);
  // first tile's top-left pixel is image 0's top-left pixel
  const px = unpack(fig.image.data) as Uint8Array;
  assert.equal(px[2 * fig.image.width + 2], Math.round(ds.images[0]! * 255));
  // label arrows point with +yaw → right, +pitch → up
  const a = fig.arrows![0]!;
  assert.equal(Math.sign(a.dx), Math.sign(ds.gaze[0]!) || 0);
  assert.equal(Math.sign(a.dy), -Math.sign(ds.gaze[1]!) || 0);
  const nb = Array.from(ds.blink.subarray(0, 6)).filter(Boolean).length;
  assert.equal(fig.boxes?.length ?? 0, nb);
  assert.throws(() => eyeGrid(ds, { indices: [99] }), InvalidInput);
  assert.throws(() => eyeGrid(ds, { pred: new Float32Array(3) }), InvalidInput);
});

test('generator spec and user tables', () => {
  const t = generatorSpecTable();
  assert.equal(t.kind, 'table');
  assert.ok(t.rows.some((r) => String(r.ours).includes('11.5–12.8')));
  const ds = makeGazeDataset({ split: 'test', users: 3, perUser: 1, height: 8, width: 8, seed: 1, sigmaKappaDeg: 2, calibrationFrames: 1 });
  const u = userTable(ds.users);
  assert.equal(u.rows.length, 3);
  assert.ok(u.rows.every((r) => typeof r.kappaYaw === 'number' && Math.abs(r.kappaYaw as number) < 15));
});
