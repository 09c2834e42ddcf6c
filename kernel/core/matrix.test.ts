import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InvalidInput } from './errors';
import { readNpy, writeNpy } from './io/npy';
import { fromBigInt, toMatrixF32, toShaped, toVector } from './matrix';

const NESTED = [
  [1, 0, 2.5],
  [0, -3, 0],
];
const FLAT = new Float32Array([1, 0, 2.5, 0, -3, 0]);

test('every matrix form gives the same shape and values', () => {
  const npy = readNpy(writeNpy({ dtype: 'float64', shape: [2, 3], data: Array.from(FLAT) }));
  const int64 = readNpy(writeNpy({ dtype: 'int64', shape: [2, 3], data: [1n, 0n, 3n, 0n, -3n, 0n] }));
  assert.ok(int64.data instanceof BigInt64Array, 'numpy int64 reads back as BigInt64Array');
  const t = tf.tensor2d(NESTED);
  try {
    for (const [what, x] of [
      ['nested', NESTED],
      ['npy', npy],
      ['typed + shape', { shape: [2, 3], data: FLAT }],
      ['rows/cols', { rows: 2, cols: 3, data: FLAT }],
      ['tensor', t],
    ] as const) {
      const m = toMatrixF32(x, what);
      assert.deepEqual([m.rows, m.cols], [2, 3], what);
      assert.deepEqual(Array.from(m.data), Array.from(FLAT), what);
    }
    assert.deepEqual(Array.from(toMatrixF32(int64, 'int64').data), [1, 0, 3, 0, -3, 0]);
    assert.equal(toMatrixF32({ shape: [2, 3], data: FLAT }, 'x').data, FLAT, 'a Float32Array is not copied');
    assert.equal(t.isDisposed, false, 'the caller keeps the tensor');
  } finally {
    t.dispose();
  }
});

test('int64 beyond ±2^53 is refused with InvalidInput naming the dtype; within range converts exactly', () => {
  assert.deepEqual(Array.from(fromBigInt('x', new BigInt64Array([2n ** 53n, -(2n ** 53n), 7n]))), [2 ** 53, -(2 ** 53), 7]);
  assert.throws(
    () => fromBigInt('x', new BigInt64Array([0n, 2n ** 53n + 1n])),
    (e: Error) => e instanceof InvalidInput && /int64 value 9007199254740993 at flat index 1/.test(e.message),
  );
  assert.throws(() => fromBigInt('y', new BigUint64Array([2n ** 60n])), /y: uint64 value/);
  assert.deepEqual(Array.from(toVector(new BigInt64Array([3n, 1n]), 'labels')), [3, 1]);
});

test('bad shapes name the layout and the sizes', () => {
  assert.throws(
    () => toShaped([[1, 2], [3]], 'q', { layout: '[out][in]' }),
    /q\[1\] has length 1; every row must have 2 entries \(layout \[out\]\[in\]\)/,
  );
  assert.throws(() => toShaped({ shape: [2, 2], data: [1, 2, 3] }, 'A'), /A has 3 values but shape \[2, 2\] needs 4/);
  assert.throws(
    () => toMatrixF32({ shape: [4], data: [1, 2, 3, 4] }, 'A', '[M][K]'),
    /A must have rank 2 \(layout \[M\]\[K\]\), got shape \[4\]/,
  );
  assert.throws(
    () => toShaped('abc', 'A'),
    (e: Error) => e instanceof InvalidInput && /nested arrays or a tf\.Tensor/.test(e.message),
  );
});
