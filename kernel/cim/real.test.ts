import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faceApiLayers } from './real';
import { simulateReprogramming } from './reprogram';
import { NotFound } from '../core/errors';

test('face-api ResNet-34-like weights: all conv/fc banks map; sorting and stucking cut reprogramming', () => {
  const naive = faceApiLayers();
  const sorted = faceApiLayers({ sort: 'signed', routing: 'per-output' });
  assert.equal(naive.length, 30);
  assert.equal(naive[0]!.nIn, 7 * 7 * 3);
  assert.equal(naive[0]!.nOut, 32);
  const base = simulateReprogramming(naive, { passes: 1 });
  const s = simulateReprogramming(sorted, { policy: 'chunked-zigzag', passes: 1 });
  const st = simulateReprogramming(sorted, { policy: 'chunked-zigzag', passes: 1, stuckColumns: 3, rewriteFraction: 0.25, seed: 1 });
  assert.ok(base.cellWrites / s.cellWrites > 1.2, `sorting ${base.cellWrites / s.cellWrites}`);
  assert.ok(s.cellWrites / st.cellWrites > 1.5);
  assert.throws(() => faceApiLayers({ dir: '/nonexistent' }), NotFound);
});
