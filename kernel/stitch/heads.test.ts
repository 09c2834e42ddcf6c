import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { knnHead, labelMapHead, accuracy } from './heads';

test('k-NN head: matches a brute-force vote, ties go to the smallest label', () => {
  const r = rng(1);
  const n = 40,
    d = 3,
    m = 25,
    k = 5;
  const F = Float64Array.from(r.normals(n * d)),
    Q = Float64Array.from(r.normals(m * d));
  const Y = Int32Array.from({ length: n }, () => r.int(4));
  const pred = knnHead({ shape: [n, d], data: F }, Y, { k }).predict({ shape: [m, d], data: Q });
  for (let q = 0; q < m; q++) {
    const dist = Array.from({ length: n }, (_, i) => ({ i, s: [0, 1, 2].reduce((a, j) => a + (Q[q * d + j]! - F[i * d + j]!) ** 2, 0) }));
    dist.sort((a, b) => a.s - b.s || a.i - b.i);
    const votes = [0, 0, 0, 0];
    for (const t of dist.slice(0, k)) votes[Y[t.i]!]!++;
    assert.equal(pred[q], votes.indexOf(Math.max(...votes)));
  }
  // exact tie: two points of class 2 and two of class 1 at equal distance, k = 4 → label 1
  const tie = knnHead({ shape: [4, 1], data: [1, -1, 2, -2] }, [2, 1, 1, 2], { k: 4 }).predict({ shape: [1, 1], data: [0] });
  assert.equal(tie[0], 1);
  assert.throws(() => knnHead({ shape: [3, 1], data: [1, 2, 3] }, [0, 1], { k: 1 }), InvalidInput);
  assert.throws(() => knnHead({ shape: [3, 1], data: [1, 2, 3] }, [0, 1, 1], { k: 4 }), InvalidInput);
  assert.throws(() => knnHead({ shape: [3, 1], data: [1, 2, 3] }, [0, 1, 1]).predict({ shape: [1, 2], data: [0, 0] }), InvalidInput);
});

test('label-mapping head: argmax then mapping, unmapped classes count as wrong', () => {
  const h = labelMapHead({ 0: 1, 2: 0 });
  const p = h.predict({ shape: [3, 3], data: [5, 1, 0, 0, 0, 9, 0, 7, 1] });
  assert.deepEqual(Array.from(p), [1, 0, -1]);
  assert.equal(accuracy(p, [1, 0, 1]), 2 / 3);
  assert.throws(() => accuracy([1], [1, 2]), InvalidInput);
});
