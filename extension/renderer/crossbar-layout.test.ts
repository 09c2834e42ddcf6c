import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrangeColumns, cellColor, columnGroups, crossbarLayout, hitCell, rowSections, sectionOf, SIGN_RGB } from './crossbar-layout';

// 3 outputs: out 0 and out 1 on the '+' plane (3 bit slices each), out 2 on the '-' plane (2 slices).
const outs = [0, 0, 0, 1, 1, 1, 2, 2];
const bits = [2, 1, 0, 2, 1, 0, 1, 0];
const signs: ('+' | '-')[] = ['+', '+', '+', '+', '+', '+', '-', '-'];

test('grouping by output keeps physical order; sections from sectionStarts', () => {
  const { order, keys } = arrangeColumns(bits, outs, signs, 3, 'output');
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    columnGroups(keys).map((g) => [g.start, g.end, g.key]),
    [
      [0, 3, 'out 0+'],
      [3, 6, 'out 1+'],
      [6, 8, 'out 2-'],
    ],
  );
  assert.deepEqual(rowSections(10, [0, 4, 7]), [
    { start: 0, end: 4 },
    { start: 4, end: 7 },
    { start: 7, end: 10 },
  ]);
  assert.deepEqual(rowSections(10), [{ start: 0, end: 10 }]);
  assert.deepEqual(rowSections(10, [6, 3]), [
    { start: 0, end: 3 },
    { start: 3, end: 6 },
    { start: 6, end: 10 },
  ]);
});

test('grouping by bit significance: sign plane first, bits descending, split by sign, unused last', () => {
  const b = [3, 2, 1, 0, -1, 1, 0];
  const o = [0, 0, 0, 0, -1, 1, 1];
  const s: ('+' | '-')[] = ['+', '+', '+', '+', '+', '-', '-'];
  const { order, keys } = arrangeColumns(b, o, s, 3, 'bit');
  assert.deepEqual(order, [0, 1, 2, 5, 3, 6, 4]);
  assert.deepEqual(keys, ['sign+', 'b2+', 'b1+', 'b1-', 'b0+', 'b0-', 'unused']);
});

test('large cells: integer size, gaps between groups and sections, every cell hit at its centre', () => {
  const { keys } = arrangeColumns(bits, outs, signs, 3, 'output');
  const l = crossbarLayout({ rows: 6, cols: 8, groupKeys: keys, sectionStarts: [0, 3], maxWidth: 400, maxHeight: 400, left: 40, top: 30 });
  assert.equal(l.cell, 18);
  assert.ok(l.colGap > 0 && l.rowGap > 0);
  assert.equal(l.colX[0], 40);
  assert.equal(l.colX[3], 40 + 3 * 18 + l.colGap);
  assert.equal(l.colX[6], 40 + 6 * 18 + 2 * l.colGap);
  assert.equal(l.rowY[3], 30 + 3 * 18 + l.rowGap);
  for (let r = 0; r < 6; r++)
    for (let c = 0; c < 8; c++) {
      assert.deepEqual(hitCell(l, l.colX[c]! + l.cell / 2, l.rowY[r]! + l.cell / 2), { row: r, col: c });
    }
  assert.equal(hitCell(l, l.colX[2]! + l.cell + 1, l.rowY[0]! + 2), null, 'gap between groups');
  assert.equal(hitCell(l, 10, 40), null, 'left margin');
  assert.equal(hitCell(l, l.colX[0] + 2, l.rowY[2]! + l.cell + 1), null, 'gap between sections');
  assert.ok(l.width >= l.colX[7]! + l.cell && l.height >= l.rowY[5]! + l.cell);
  assert.equal(l.right, l.colX[7]! + l.cell);
  assert.equal(sectionOf(l, 2), 0);
  assert.equal(sectionOf(l, 3), 1);
});

test('a display order moves physical columns and hit-testing maps back to them', () => {
  const { order, keys } = arrangeColumns(bits, outs, signs, 3, 'bit');
  const l = crossbarLayout({ rows: 2, cols: 8, groupKeys: keys, order, maxWidth: 600, maxHeight: 200, left: 0, top: 0 });
  // Display: b2+ (cols 0, 3), b1+ (1, 4), b1- (6), b0+ (2, 5), b0- (7).
  assert.deepEqual(Array.from(l.order), [0, 3, 1, 4, 6, 2, 5, 7]);
  assert.ok(l.colX[3]! < l.colX[1]!, 'physical col 3 (out 1, bit 2) is shown before col 1 (out 0, bit 1)');
  for (let c = 0; c < 8; c++) assert.deepEqual(hitCell(l, l.colX[c]! + l.cell / 2, l.rowY[1]! + 1), { row: 1, col: c });
  for (let j = 1; j < 8; j++) assert.ok(l.dispX[j]! > l.dispX[j - 1]!, 'display positions ascend');
});

test('huge arrays: sub-pixel cells without gaps that still fit the space', () => {
  const cols = 2048,
    rows = 1024;
  const l = crossbarLayout({
    rows,
    cols,
    groupKeys: Array.from({ length: cols }, (_, c) => `out ${c >> 3}`),
    maxWidth: 900,
    maxHeight: 600,
    left: 40,
    top: 20,
  });
  assert.equal(l.colGap, 0);
  assert.ok(l.cell < 1 && l.cell > 0);
  assert.ok(l.width <= 900 && l.height <= 600, `${l.width}×${l.height}`);
  assert.deepEqual(hitCell(l, l.colX[1500]! + l.cell / 2, l.rowY[1000]! + l.cell / 2), { row: 1000, col: 1500 });
});

test('cell colors: empty, unused, sign plane, and significance ordering', () => {
  const empty: [number, number, number] = [240, 240, 240];
  assert.deepEqual(cellColor(0, 1, 3, 7, empty), empty);
  assert.notDeepEqual(cellColor(0, 1, -1, 7, empty), empty);
  assert.deepEqual(cellColor(1, 1, 7, 7, empty), SIGN_RGB);
  assert.notDeepEqual(cellColor(1, 1, 0, 7, empty), cellColor(1, 1, 6, 7, empty));
  const half = cellColor(1, 3, 2, 7, empty),
    full = cellColor(3, 3, 2, 7, empty);
  const dist = (a: number[]) => Math.abs(a[0]! - 240) + Math.abs(a[1]! - 240) + Math.abs(a[2]! - 240);
  assert.ok(dist(full) > dist(half), 'higher multi-level state is further from empty');
});
