import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { blankCenterNetOutput, type CenterNetOutput, type Detection } from '../core/models/centernet';
import { applySelectionRule, gazeCell, selectObject, windowHalfWidths } from './select';

/** A 32×32 grid over a 256×128 image (cells 8×4 px), input 128 px (stride 4), 2 classes, with three objects. */
function grid(): CenterNetOutput {
  const W = 32,
    C = 2;
  const o = blankCenterNetOutput({ gridW: W, gridH: 32, classes: C, imageWidth: 256, imageHeight: 128, inputSize: 128, wh: 4 });
  const put = (c: number, r: number, k: number, s: number, d: number) => {
    o.heatmap[(r * W + c) * C + k] = s;
    o.wh.fill(d, (r * W + c) * 4, (r * W + c) * 4 + 4);
  };
  put(8, 8, 0, 0.8, 20); // big object: input 12..52 on both axes → image x 24..104 (×2), y 12..52 (×1)
  put(10, 9, 1, 0.5, 6); // small object overlapping it
  put(26, 24, 0, 0.6, 8); // far object
  return o;
}

test('gaze cell and window size follow the image-to-grid mapping', () => {
  const o = grid();
  assert.deepEqual(gazeCell(o, 0, 0), [0, 0]);
  assert.deepEqual(gazeCell(o, 255.9, 127.9), [31, 31]);
  assert.deepEqual(gazeCell(o, 17, 9), [2, 2], 'cells are 8 × 4 px');
  assert.deepEqual(windowHalfWidths(o, 10), [3, 4], 'ceil(10/8)+1, ceil(10/4)+1');
  assert.deepEqual(windowHalfWidths(o, 10, 0), [2, 3]);
});

test('restricted decode equals the full decode when k covers the grid', () => {
  const o = grid();
  for (const [x, y] of [
    [64, 35],
    [210, 100],
    [5, 120],
  ] as const) {
    const r = selectObject(o, x, y, 6, { k: 32 }),
      f = selectObject(o, x, y, 6, { restrict: false });
    assert.equal(r.cellsDecoded, 32 * 32);
    assert.deepEqual(r.detections, f.detections);
    assert.deepEqual(r.selected, f.selected);
    assert.equal(r.rule, f.rule);
  }
});

test('restricted decode touches only the window cells (and their 3×3 neighbours): NaN elsewhere never surfaces', () => {
  const o = grid();
  const win = { c: 8, r: 8, k: 2 };
  // poison class 1 everywhere outside the window grown by one cell (the neighbours the peak test may read)
  for (let r = 0; r < 32; r++)
    for (let c = 0; c < 32; c++)
      if (Math.abs(c - win.c) > win.k + 1 || Math.abs(r - win.r) > win.k + 1) o.heatmap[(r * 32 + c) * 2 + 1] = NaN;
  const x = win.c * 8 + 4,
    y = win.r * 4 + 2;
  const s = selectObject(o, x, y, 5, { k: win.k });
  assert.equal(s.cellsDecoded, 25);
  assert.equal(s.cellFraction, 25 / 1024);
  assert.deepEqual(s.window, { c0: 6, c1: 10, r0: 6, r1: 10 });
  assert.ok(s.detections.every((d) => Number.isFinite(d.score) && Math.abs(d.cell[0] - 8) <= 2 && Math.abs(d.cell[1] - 8) <= 2));
  assert.equal(s.selected?.cell.join(), '8,8');
  // the same heatmap decoded in full does read the poisoned cells (so the check above could fail)
  assert.ok(selectObject(o, x, y, 5, { restrict: false }).detections.some((d) => !Number.isFinite(d.score)));
});

const det = (box: [number, number, number, number], score: number, cls = 0): Detection => ({ box, score, cls, label: 'x', cell: [0, 0] });

test('selection rule: best-scoring containing box, else the nearest centre within the radius, else nothing', () => {
  const a = det([0, 0, 100, 100], 0.4),
    b = det([40, 40, 20, 20], 0.9),
    c = det([200, 0, 10, 10], 0.3);
  assert.equal(applySelectionRule([a, b, c], 50, 50, 10).selected, b, 'both contain the point: higher score wins');
  assert.equal(applySelectionRule([a, b, c], 10, 10, 10).selected, a);
  const n = applySelectionRule([a, b, c], 150, 5, 60);
  assert.equal(n.rule, 'nearest');
  assert.equal(n.selected, c, 'centre (205, 5) is 55 px away, within 60; a’s centre is 103 px away');
  const none = applySelectionRule([a, b, c], 150, 5, 40);
  assert.deepEqual(none, { selected: null, rule: 'none' });
  assert.deepEqual(applySelectionRule([], 5, 5, 100), { selected: null, rule: 'none' });
});

test('NaN gaze, gaze outside the image and a negative error are InvalidInput; nothing there is a result', () => {
  const o = grid();
  assert.throws(
    () => selectObject(o, NaN, 3, 5),
    (e: Error) => e instanceof InvalidInput && /NaN/.test(e.message),
  );
  assert.throws(
    () => selectObject(o, 256, 3, 5),
    (e: Error) => e instanceof InvalidInput && /outside the 256×128 image/.test(e.message),
  );
  assert.throws(() => selectObject(o, -1, 3, 5), InvalidInput);
  assert.throws(() => selectObject(o, 3, 3, -1), InvalidInput);
  assert.throws(() => selectObject(o, 3, 3, 1, { k: 1.5 }), InvalidInput);
  const empty = selectObject(o, 250, 5, 1);
  assert.equal(empty.selected, null);
  assert.equal(empty.rule, 'none');
});
