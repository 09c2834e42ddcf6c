import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multiViewSolids, viewImages, ringViews, SOLID_CLASSES } from './data';
import { InvalidInput } from '../core/errors';

test('MultiViewSolids: deterministic per seed, balanced classes, values in [0, 1], objects visible in every view', () => {
  const a = multiViewSolids({ n: 20, views: 4, size: 16, seed: 7 });
  const b = multiViewSolids({ n: 20, views: 4, size: 16, seed: 7 });
  const c = multiViewSolids({ n: 20, views: 4, size: 16, seed: 8 });
  assert.deepEqual(a.images, b.images);
  assert.notDeepEqual(a.images, c.images);
  const counts = new Array(SOLID_CLASSES.length).fill(0);
  for (const l of a.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(2));
  assert.ok(a.images.every((v) => v >= 0 && v <= 1));
  // with no noise, every view of every object differs from a flat background somewhere (the object is in frame)
  const clean = multiViewSolids({ n: 10, views: 4, size: 24, seed: 1, difficulty: { noise: 0 } });
  for (let i = 0; i < 10; i++)
    for (let v = 0; v < 4; v++) {
      const px = clean.images.subarray((i * 4 + v) * 576, (i * 4 + v + 1) * 576);
      assert.ok(Math.max(...px) - Math.min(...px) > 0.1, `object ${i} view ${v} shows nothing`);
    }
  // the views of one object differ (the cameras move around it)
  const v0 = viewImages(clean, 0),
    v2 = viewImages(clean, 2);
  assert.equal(v0.length, 10 * 576);
  assert.notDeepEqual(v0, v2);
});

test('ringViews picks evenly spaced cameras; bad options are named errors', () => {
  const s = multiViewSolids({ n: 2, views: 8, size: 8, seed: 1 });
  assert.deepEqual(ringViews(s, 4), [0, 2, 4, 6]);
  assert.deepEqual(ringViews(s, 2), [0, 4]);
  assert.throws(() => ringViews(s, 3), InvalidInput);
  assert.throws(() => multiViewSolids({ n: 0 }), InvalidInput);
  assert.throws(
    () => multiViewSolids({ n: 2, difficulty: { aspect: 0.95 } }),
    (e: Error) => e instanceof InvalidInput && /aspect = 0.95/.test(e.message),
  );
  assert.throws(() => multiViewSolids({ n: 2, difficulty: { noise: -1 } }), InvalidInput);
});
