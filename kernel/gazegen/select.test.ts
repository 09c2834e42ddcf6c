import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { blankCenterNetOutput, type CenterNetOutput, type Detection } from '../core/models/centernet';
import { applyLikelihoodRule, applySelectionRule, gazeCell, selectObject, windowHalfWidths } from './select';

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

/** 64×64 grid over a 256×256 image (cells 4 px, input 256, stride 4), one class: a large object whose centre blob is far from the gaze. */
function largeObject(): CenterNetOutput {
  const W = 64;
  const o = blankCenterNetOutput({ gridW: W, gridH: W, classes: 1, imageWidth: 256, imageHeight: 256, inputSize: 256, wh: 2 });
  // Gaussian blob (σ 5 cells, peak 0.6) at cell (16, 16): a big object; its box spans 100 px each side of the centre
  for (let r = 0; r < W; r++) for (let c = 0; c < W; c++) o.heatmap[r * W + c] = 0.6 * Math.exp(-((c - 16) ** 2 + (r - 16) ** 2) / 50);
  o.wh.fill(100, (16 * W + 16) * 4, (16 * W + 16) * 4 + 4); // box 64−100 .. 64+100 → [0, 0, 164, 164]
  // a small peak at (56, 56) whose box does NOT cover the gaze point
  o.heatmap[56 * W + 56] = 0.5;
  return o;
}

test('cover search finds a large object whose centre peak lies outside the window, and only boxes covering the gaze', () => {
  const o = largeObject();
  const gx = 150,
    gy = 150; // cell (37, 37): inside the big box, 21 cells from its centre
  const plain = selectObject(o, gx, gy, 8, { k: 4 });
  assert.equal(plain.selected, null, 'the ±4 window does not reach the centre peak');
  const cov = selectObject(o, gx, gy, 8, { k: 4, cover: true });
  assert.ok(cov.selected, 'the lattice climbs to the big object');
  assert.deepEqual(cov.selected.cell, [16, 16]);
  assert.deepEqual(
    cov.detections.map((d) => d.cell),
    [[16, 16]],
    'the small peak at (56, 56) does not cover the gaze: not returned',
  );
  const full = selectObject(o, gx, gy, 8, { restrict: false });
  assert.deepEqual(full.selected?.box, cov.selected.box, 'same box as the full decode');
  assert.ok(cov.cellsDecoded > plain.cellsDecoded, 'lattice and climb cells are counted');
  assert.ok(cov.cellFraction < 0.2, `a step-4 lattice reads ~1/16 of the grid, got ${cov.cellFraction}`);
  const coarse = selectObject(o, gx, gy, 8, { k: 4, cover: { step: 8 } });
  assert.ok(coarse.cellsDecoded < cov.cellsDecoded, 'a coarser lattice reads fewer cells');
});

test('likelihood rule: the nearer centre wins, two equally likely objects give no selection, and the same object under two classes is no rival', () => {
  const det = (box: [number, number, number, number], score: number, cls = 0): Detection => ({
    box,
    score,
    cls,
    label: `c${cls}`,
    cell: [0, 0],
  });
  const a = det([90, 90, 20, 20], 0.5),
    b = det([130, 90, 20, 20], 0.5);
  // point at x 100: a's centre (100, 100) is 0 px away, b's (140, 100) is 40 px away; σ = 24.5/2.45 = 10 px
  const near = selectObject(
    { ...blankCenterNetOutput({ gridW: 4, gridH: 4, classes: 1, imageWidth: 200, imageHeight: 200, inputSize: 16 }) },
    100,
    100,
    24.5,
  );
  assert.equal(near.selected, null, 'an empty heatmap selects nothing');
  assert.equal(applyLikelihoodRule([a, b], 100, 100, 24.5, 49, 0.3, 'centre').selected, a);
  const mid = applyLikelihoodRule([a, b], 120, 100, 24.5, 49, 0.3, 'centre');
  assert.equal(mid.selected, null, 'halfway between two equal boxes: ambiguous');
  assert.deepEqual(mid.ambiguous?.length, 2);
  assert.equal(applyLikelihoodRule([a, b], 120, 100, 24.5, 49, 1.01, 'centre').selected !== null, true, 'ambiguity > 1 never abstains');
  const sameThing = det([91, 91, 19, 19], 0.45, 1);
  assert.equal(
    applyLikelihoodRule([a, sameThing], 100, 100, 24.5, 49, 0.3, 'centre').selected,
    a,
    'IoU ≥ 0.5: another class on the same object, not a rival',
  );
  assert.equal(applyLikelihoodRule([a], 200, 200, 10, 20, 0.3, 'centre').selected, null, 'outside the radius: nothing');
  assert.throws(() => selectObject(grid(), 10, 10, 5, { rule: 'best' as never }), InvalidInput);
});
