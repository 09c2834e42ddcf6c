import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blankCenterNetOutput } from '../core/models/centernet';
import { paperVsOursTable, selectionFigure } from './figures';
import { selectObject } from './select';

test('selectionFigure draws the decoded window in image pixels, the selected box and the gaze point', () => {
  const out = blankCenterNetOutput({ gridW: 32, gridH: 32, classes: 1, imageWidth: 256, imageHeight: 128, inputSize: 128, wh: 4 });
  out.heatmap[10 * 32 + 12] = 0.9; // cell (12, 10) → box around image (96, 40)
  const img = { width: 256, height: 128, data: new Uint8Array(256 * 128 * 3) };
  const sel = selectObject(out, 100, 42, 3, { k: 2 });
  const fig = selectionFigure(img, out, { x: 100, y: 42 }, sel);
  const win = fig.boxes!.find((b) => b.label?.startsWith('decoded cells'))!;
  // window cols 10..14 × rows 8..12, cells 8 × 4 px
  assert.deepEqual([win.x, win.y, win.w, win.h], [80, 32, 40, 20]);
  const chosen = fig.boxes!.find((b) => b.label?.startsWith('selected'))!;
  assert.deepEqual([chosen.x, chosen.y, chosen.w, chosen.h], sel.selected!.box);
  assert.deepEqual(fig.points!.at(-1), { x: 100, y: 42, label: 'gaze', color: '#d62728' });
  const t = paperVsOursTable([{ quantity: 'q', paper: 'p', ours: 'o' }]);
  assert.deepEqual(
    t.columns.map((c) => c.key),
    ['quantity', 'paper', 'ours', 'note'],
  );
});
