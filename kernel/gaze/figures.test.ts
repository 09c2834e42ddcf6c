import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { errorTable, paramTable, paperVsOursTable, personalizationScatter, trainingCurves, latencyTable } from './figures';

test('gaze figures: parameter table carries the paper counts; curves, scatter and tables validate', () => {
  const p = paramTable();
  assert.equal(p.kind, 'table');
  assert.deepEqual(
    p.rows.slice(0, 2).map((r) => [r.total, r.tunable]),
    [
      ['3,578,462', '191,702'],
      ['281,012', '14,432'],
    ],
  );
  const c = trainingCurves(
    {
      kd: [
        { step: 10, loss: 1, ms: 1, parts: { img: 0.5, f3: 0.3 } },
        { step: 20, loss: 0.8, ms: 1, parts: { img: 0.4, f3: 0.2 } },
      ],
    },
    { parts: true },
  );
  assert.deepEqual(
    c.series.map((s) => s.name),
    ['kd: img', 'kd: f3'],
  );
  assert.throws(() => trainingCurves({}), InvalidInput);
  const s = personalizationScatter({
    users: [
      { userId: 1, before: 4, after: 2, kappaDeg: 1, shuffled: 4.5 },
      { userId: 2, before: 3, after: 2.5, kappaDeg: 2, shuffled: 3 },
    ],
    medianBefore: 3.5,
    medianAfter: 2.25,
    reduction: 1 - 2.25 / 3.5,
    meanBefore: 3.5,
    meanAfter: 2.25,
  });
  assert.equal(s.series.length, 3);
  assert.equal(errorTable([{ model: 'student', protocol: 'unseen', setting: 'generalized', ours: 3.1, paper: 7.82 }]).rows[0]!.paper, 7.82);
  assert.equal(latencyTable({ student_64x96: 12.5 }).rows[0]!.size, '64x96');
  assert.equal(paperVsOursTable([{ metric: 'm', paper: 'a', ours: 'b' }]).rows.length, 1);
});
