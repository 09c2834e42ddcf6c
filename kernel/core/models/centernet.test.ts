import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../backend';
import { expectNoLeak } from '../testing';
import { InvalidInput, NotFound } from '../errors';
import { loadPhoto } from '../vision/photos';
import {
  COCO_CLASSES,
  CenterNet,
  blankCenterNetOutput,
  cocoClassId,
  decodeCenterNet,
  iou,
  nms,
  type Box,
  type CenterNetOutput,
} from './centernet';

/** A synthetic 16×16 grid with 3 classes, input 64 px (stride 4), image 128×64 (so x scales 2×, y 1×). */
function synthetic(): CenterNetOutput {
  const W = 16,
    C = 3;
  const out = blankCenterNetOutput({ gridW: W, gridH: 16, classes: C, imageWidth: 128, imageHeight: 64, inputSize: 64, wh: 2 });
  const put = (c: number, r: number, k: number, s: number, whs?: number[]) => {
    out.heatmap[(r * W + c) * C + k] = s;
    if (whs) out.wh.set(whs, (r * W + c) * 4);
  };
  put(3, 4, 0, 0.9, [4, 8, 4, 8]); // a peak
  put(4, 4, 0, 0.5); // neighbour of the peak, lower: not a peak
  put(12, 12, 1, 0.6, [8, 8, 8, 8]);
  put(12, 12, 2, 0.3, [8, 8, 8, 8]); // same cell, other class, same box → suppressed by class-agnostic NMS
  put(0, 15, 2, 0.25, [4, 4, 4, 4]); // grid corner peak (neighbours outside the grid ignored)
  return out;
}

test('decodeCenterNet: 3×3 peaks, boxes in image pixels from the distance map, class-agnostic NMS', () => {
  const r = decodeCenterNet(synthetic(), { minScore: 0.2 });
  assert.equal(r.cellsDecoded, 256);
  assert.equal(r.candidates, 4, 'three peaks of class 0/1/2 + the corner; the lower neighbour is not a peak');
  const byCls = new Map(r.detections.map((d) => [d.cls, d]));
  const a = byCls.get(0)!;
  // cell (3,4) → point (12, 16) in input px; l=4, t=8, r=4, b=8 → input x 8..16, y 8..24 → image (x·2, y·1): [16, 8, 16, 16]
  assert.deepEqual(a.box, [16, 8, 16, 16]);
  assert.deepEqual(a.cell, [3, 4]);
  assert.equal(a.label, COCO_CLASSES[0]);
  assert.ok(byCls.has(1) && !r.detections.some((d) => d.cell[0] === 12 && d.cls === 2), 'same-box lower class suppressed');
  const corner = r.detections.find((d) => d.cell[0] === 0)!;
  assert.deepEqual(corner.box, [0, 56, 8, 8], 'clipped at the left edge: x1 = max(0, (0 − 4)·2)');
  assert.equal(decodeCenterNet(synthetic(), { minScore: 0.55 }).detections.length, 2);
});

test('a window decodes only its cells, and a window cell is a peak exactly as in the full decode', () => {
  const out = synthetic();
  // window holding (4,4) but not (3,4): (4,4) must still not be a peak (its neighbour outside the window is higher)
  const w = decodeCenterNet(out, { minScore: 0.2, window: { c0: 4, c1: 6, r0: 3, r1: 5 } });
  assert.equal(w.cellsDecoded, 9);
  assert.equal(w.detections.length, 0);
  const w2 = decodeCenterNet(out, { minScore: 0.2, window: { c0: 10, c1: 20, r0: 10, r1: 20 } });
  assert.equal(w2.cellsDecoded, 36, 'clipped to the grid: cols 10..15 × rows 10..15');
  assert.deepEqual(
    w2.detections.map((d) => d.cell),
    [[12, 12]],
  );
  assert.throws(() => decodeCenterNet(out, { window: { c0: 0.5, c1: 3, r0: 0, r1: 3 } }), InvalidInput);
  assert.throws(() => decodeCenterNet(out, { minScore: 0 }), InvalidInput);
  assert.throws(() => decodeCenterNet({ ...out, wh: new Float32Array(3) }), /expected/);
});

test('iou and nms', () => {
  const a: Box = [0, 0, 10, 10],
    b: Box = [5, 0, 10, 10];
  assert.equal(iou(a, a), 1);
  assert.ok(Math.abs(iou(a, b) - 50 / 150) < 1e-12);
  assert.equal(iou(a, [20, 20, 5, 5]), 0);
  const kept = nms(
    [
      { box: a, score: 0.5 },
      { box: b, score: 0.9 },
      { box: [30, 30, 4, 4] as Box, score: 0.1 },
    ],
    0.3,
  );
  assert.deepEqual(
    kept.map((k) => k.score),
    [0.9, 0.1],
  );
  assert.equal(cocoClassId('cup'), 41);
  assert.throws(() => cocoClassId('kitten'), InvalidInput);
});

test('the real detector: our decode reproduces the graph’s own decode, finds the motorcycle, leaves no tensors', async () => {
  await init({ backend: 'wasm' });
  const det = await CenterNet.load();
  try {
    const img = loadPhoto('motorcycle');
    const out = await expectNoLeak(() => det.run(img, { builtin: true }), 'CenterNet.run');
    assert.equal(out.heatmap.length, 128 * 128 * 80);
    // our peak finding + boxes, before NMS, against the graph's own top-100 (x1, y1, x2, y2 in input px)
    const mine = decodeCenterNet(out, { minScore: 0.1, iou: 1, maxDetections: 100 }).detections;
    const sx = img.width / 512,
      sy = img.height / 512;
    const theirs = out.builtin!.filter((r) => r[4]! >= 0.1);
    assert.ok(theirs.length >= 5);
    for (const t of theirs.slice(0, 10)) {
      const m = mine.find((d) => d.cls === t[5] && Math.abs(d.score - t[4]!) < 1e-6);
      assert.ok(m, `graph detection ${COCO_CLASSES[t[5]!]} ${t[4]} not found by decodeCenterNet`);
      const want: Box = [Math.max(0, t[0]! * sx), Math.max(0, t[1]! * sy), 0, 0];
      assert.ok(Math.abs(m.box[0] - want[0]) < 0.01 && Math.abs(m.box[1] - want[1]) < 0.01, `${m.box} vs ${t}`);
      assert.ok(Math.abs(m.box[0] + m.box[2] - Math.min(img.width, t[2]! * sx)) < 0.01);
    }
    const top = decodeCenterNet(out).detections[0]!;
    assert.equal(top.label, 'motorcycle');
    // hand-checked region of the motorcycle in motorcycle_left.png (741×500): wheels span x ≈ 120..685, y ≈ 130..450
    assert.ok(iou(top.box, [120, 90, 565, 360]) > 0.6, `motorcycle box ${top.box}`);
  } finally {
    det.dispose();
  }
  await assert.rejects(() => CenterNet.load({ dir: '/nonexistent/models' }), NotFound);
});
