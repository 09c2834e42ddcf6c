// The webcam gaze-stream gate: what the loopback server accepts from the camera page before the Canvas sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BATCH, parseGazeBatch, profileErrorPx } from './stream';

test('parseGazeBatch keeps t, x, y and refuses extra keys, non-finite numbers, empty or oversized batches', () => {
  assert.deepEqual(parseGazeBatch({ samples: [{ t: 1, x: 2, y: -3 }] }), { samples: [{ t: 1, x: 2, y: -3 }] });
  assert.throws(() => parseGazeBatch({ samples: [{ t: 1, x: 2, y: 3, frame: 'AAAA' }] }), /unexpected keys \["frame"\]/);
  assert.throws(() => parseGazeBatch({ samples: [{ t: 1, x: Infinity, y: 3 }] }), /samples\[0\]\.x must be a finite number/);
  assert.throws(() => parseGazeBatch({ samples: [{ t: -1, x: 0, y: 3 }] }), /samples\[0\]\.t/);
  assert.throws(() => parseGazeBatch({ samples: [] }), /1–256 samples, got 0/);
  assert.throws(() => parseGazeBatch({ samples: Array.from({ length: MAX_BATCH + 1 }, () => ({ t: 1, x: 1, y: 1 })) }), /got 257/);
  assert.throws(() => parseGazeBatch({ samples: [], image: [] }), /unexpected keys \["image"\]/);
  assert.throws(() => parseGazeBatch([1]), /must be an object/);
});

test('profileErrorPx is the 95th percentile of the validation errors in px', () => {
  const points = Array.from({ length: 20 }, (_, i) => ({ tx: 0, ty: 0, px: i + 1, py: 0 }));
  assert.equal(profileErrorPx({ validation: { points } }), 20);
  assert.equal(profileErrorPx({ validation: { points: points.slice(0, 10) } }), 10);
});
