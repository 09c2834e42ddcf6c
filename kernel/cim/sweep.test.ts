import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sweep } from './sweep';
import { synthQuantized } from './data';
import { InvalidInput } from '../core/errors';

test('sweep: more stucking ⇒ fewer writes and more weight error; sorting-only rows are lossless', () => {
  const weights = [{ q: synthQuantized({ nOut: 128, nIn: 512, seed: 1 }), nOut: 128, nIn: 512 }];
  const rows = sweep({
    weights,
    sizes: [64, 128],
    tilesPerCrossbar: [4, 16],
    stuck: [
      [0, 1],
      [2, 0.5],
      [3, 0.25],
    ],
  });
  assert.equal(rows.length, 2 * 2 * 3);
  for (let i = 0; i < rows.length; i += 3) {
    const [a, b, c] = [rows[i]!, rows[i + 1]!, rows[i + 2]!];
    assert.equal(a.meanAbsError, 0);
    assert.ok(a.reduction > 1, `sorting at size ${a.size}, d ${a.tilesPerCrossbar}: ${a.reduction}`);
    assert.ok(b.reduction > a.reduction && c.reduction > b.reduction);
    assert.ok(c.meanAbsError > b.meanAbsError && b.meanAbsError > 0);
  }
  assert.throws(() => sweep({ weights: [] }), InvalidInput);
});
