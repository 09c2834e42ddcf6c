import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alphaComposite, dilateMask, distanceToMask, prepareMask } from './mask';
import { emptyMask, maskArea } from './raster';
import { InvalidInput } from '../errors';

function disk(w: number, h: number, cx: number, cy: number, r: number) {
  const m = emptyMask(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m.data[y * w + x] = 1;
  return m;
}

test('distanceToMask is the exact Euclidean distance (brute force check)', () => {
  const m = emptyMask(17, 11);
  m.data[3 * 17 + 4] = 1;
  m.data[8 * 17 + 13] = 1;
  const d = distanceToMask(m);
  for (let y = 0; y < 11; y++)
    for (let x = 0; x < 17; x++) {
      const want = Math.min(Math.hypot(x - 4, y - 3), Math.hypot(x - 13, y - 8));
      assert.ok(Math.abs(d[y * 17 + x]! - want) < 1e-5, `(${x},${y}) ${d[y * 17 + x]} vs ${want}`);
    }
});

test('prepareMask caps the dilated area at 1.5× the object and feathers only inside the dilated mask', () => {
  const obj = disk(120, 100, 60, 50, 20);
  const area = maskArea(obj);
  // ask for far too much: the cap must bind
  const p = prepareMask(obj, { dilate: 30 });
  assert.ok(p.radius < 30 && p.radius > 2, `radius ${p.radius}`);
  assert.ok(p.dilatedArea <= 1.5 * area, `dilated ${p.dilatedArea} > 1.5 × ${area}`);
  assert.ok(p.dilatedArea >= 1.35 * area, `cap should be nearly reached, got ${p.dilatedArea / area}`);
  assert.equal(maskArea(p.dilated), p.dilatedArea);
  for (let i = 0; i < obj.data.length; i++) {
    if (obj.data[i]) assert.equal(p.alpha.data[i], 1, 'alpha is 1 on the object');
    if (!p.dilated.data[i]) assert.equal(p.alpha.data[i], 0, 'alpha is 0 outside the dilated mask');
    assert.ok(p.dilated.data[i]! >= obj.data[i]!, 'dilation contains the object');
  }
  // the feather is soft: some alpha strictly between 0 and 1
  assert.ok(p.alpha.data.some((a) => a > 0.05 && a < 0.95));
  // a small request is not changed by the cap
  const small = prepareMask(obj, { dilate: 2 });
  assert.equal(small.radius, 2);
  assert.equal(maskArea(small.dilated), maskArea(dilateMask(obj, 2)));
  // ratio 1 → no dilation at all
  assert.equal(prepareMask(obj, { dilate: 10, maxAreaRatio: 1 }).dilatedArea, area);
});

test('prepareMask: empty mask and bad options are named errors', () => {
  assert.throws(() => prepareMask(emptyMask(10, 10)), InvalidInput);
  assert.throws(() => prepareMask(disk(10, 10, 5, 5, 2), { maxAreaRatio: 0.5 }), InvalidInput);
  assert.throws(() => prepareMask(disk(10, 10, 5, 5, 2), { dilate: -1 }), InvalidInput);
});

test('alphaComposite leaves alpha-0 pixels bit-identical', () => {
  const base = Uint8Array.from({ length: 12 }, (_, i) => i * 7);
  const top = new Uint8Array(12).fill(255);
  const out = alphaComposite(base, top, { width: 4, height: 1, data: Float32Array.from([0, 1, 0.5, 0]) });
  assert.deepEqual([...out.slice(0, 3)], [...base.slice(0, 3)]);
  assert.deepEqual([...out.slice(3, 6)], [255, 255, 255]);
  assert.equal(out[6], Math.round(0.5 * 255 + 0.5 * base[6]!));
  assert.deepEqual([...out.slice(9)], [...base.slice(9)]);
});
