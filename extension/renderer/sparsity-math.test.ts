import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellAt, clampView, densityT, fullView, gridIndex, MAX_PX_PER_CELL, pan, pixelOf, plotSize, zoomAt } from './sparsity-math';

const d = { rows: 8192, cols: 8192, W: 512, H: 512 };

test('full view shows the whole matrix; zoom keeps the point under the cursor', () => {
  assert.deepEqual(plotSize(8192, 4096, 600), { W: 300, H: 600 });
  const v = fullView(d);
  assert.equal(v.k, 16);
  assert.deepEqual(cellAt(v, d, 0, 0), { row: 0, col: 0 });
  assert.deepEqual(cellAt(v, d, 511.99, 511.99), { row: 8191, col: 8191 });
  const before = cellAt(v, d, 100, 200)!;
  const z = zoomAt(v, d, 100, 200, 4);
  assert.equal(z.k, 4);
  const after = cellAt(z, d, 100, 200)!;
  assert.ok(Math.abs(after.row - before.row) <= 1 && Math.abs(after.col - before.col) <= 1);
});

test('views are clamped to the matrix and to the zoom limits', () => {
  const v = clampView({ r0: -50, c0: 9000, k: 0.0001 }, d);
  assert.equal(v.k, 1 / MAX_PX_PER_CELL);
  assert.equal(v.r0, 0);
  assert.equal(v.c0, 8192 - 512 / MAX_PX_PER_CELL);
  assert.deepEqual(clampView({ r0: 10, c0: 10, k: 100 }, d), { r0: 0, c0: 0, k: 16 });
  const p = pan({ r0: 100, c0: 100, k: 1 }, d, 30, -20);
  assert.deepEqual(p, { r0: 120, c0: 70, k: 1 });
  assert.equal(cellAt(fullView(d), d, -1, 5), null);
});

test('pixelOf inverts cellAt', () => {
  const v = { r0: 37.5, c0: 1000, k: 0.25 };
  const { x, y } = pixelOf(v, 40, 1010);
  assert.deepEqual(cellAt(v, d, x, y), { row: 40, col: 1010 });
});

test('grid index and log density scale', () => {
  assert.equal(gridIndex(0, 0, 8192, 8192, 128, 128), 0);
  assert.equal(gridIndex(8191, 8191, 8192, 8192, 128, 128), 128 * 128 - 1);
  assert.equal(gridIndex(64, 63, 8192, 8192, 128, 128), 128);
  assert.equal(gridIndex(9, 9, 10, 10, 3, 3), 8);
  assert.equal(densityT(0), 0);
  assert.equal(densityT(1), 1);
  assert.equal(densityT(0.01), 0.5);
  assert.ok(densityT(1e-9) > 0, 'any nonzero is visible');
});
