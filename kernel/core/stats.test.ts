import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanCi, formatCi } from './stats';

test('meanCi: three seeds use t(0.975, 2) = 4.303 on the sample (n − 1) standard deviation', () => {
  const r = meanCi([0.5, 0.6, 0.7]);
  assert.ok(Math.abs(r.mean - 0.6) < 1e-12);
  assert.ok(Math.abs(r.half - (4.303 * 0.1) / Math.sqrt(3)) < 1e-12);
  assert.equal(r.n, 3);
  assert.ok(Number.isNaN(meanCi([]).mean));
  assert.ok(Math.abs(meanCi(Array.from({ length: 20 }, (_, i) => i % 2)).half - (1.96 * Math.sqrt(20 / 19 / 4)) / Math.sqrt(20)) < 1e-12);
});

test('formatCi: interval when n ≥ 2, none for one seed', () => {
  assert.equal(formatCi(meanCi([1, 3])), `2.00 ± ${((12.706 * Math.SQRT2) / Math.SQRT2).toFixed(2)} (n = 2)`);
  assert.equal(formatCi(meanCi([1.234]), 1), '1.2 (n = 1)');
});
