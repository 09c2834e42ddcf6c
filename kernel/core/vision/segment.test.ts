import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inpaintRgb, objectMask } from './segment';
import { emptyMask, maskArea } from './raster';
import { InvalidInput } from '../errors';
import { rng } from '../rng';

/** A noisy background with an ellipse object of a different colour, big enough that GrabCut runs downscaled. */
function scene(W: number, H: number, cx: number, cy: number, rx: number, ry: number) {
  const r = rng(7);
  const data = new Uint8Array(W * H * 3);
  const truth = emptyMask(W, H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x,
        n = r.normal(0, 8);
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      if (inside) truth.data[i] = 1;
      const c = inside ? [60 + n, 150 + n, 60 + n] : [150 + n, 110 + n, 80 + 0.2 * y + n];
      for (let k = 0; k < 3; k++) data[3 * i + k] = Math.max(0, Math.min(255, Math.round(c[k]!)));
    }
  return { img: { width: W, height: H, data }, truth };
}

test('objectMask: GrabCut finds the object at full resolution and through the downscaled path (mask mapped back)', async () => {
  for (const [W, H, cx, cy, rx, ry, box] of [
    [120, 90, 60, 45, 25, 18, [30, 22, 61, 47]],
    [640, 480, 300, 260, 150, 110, [140, 140, 321, 241]], // crop ≈ 480 px → segmented at ≤ 200 px
  ] as const) {
    const { img, truth } = scene(W, H, cx, cy, rx, ry);
    const r = await objectMask(img, [...box] as [number, number, number, number], { seed: 1 });
    assert.equal(r.method, 'grabcut');
    let inter = 0,
      uni = 0;
    for (let i = 0; i < truth.data.length; i++) {
      if (truth.data[i] && r.mask.data[i]) inter++;
      if (truth.data[i] || r.mask.data[i]) uni++;
    }
    assert.ok(inter / uni > 0.9, `${W}×${H}: IoU with the true object ${inter / uni}`);
    // nothing outside the box
    for (let i = 0; i < truth.data.length; i++) {
      const x = i % W,
        y = (i / W) | 0;
      if (x < box[0] || y < box[1] || x >= box[0] + box[2] || y >= box[1] + box[3]) assert.equal(r.mask.data[i], 0);
    }
    const again = await objectMask(img, [...box] as [number, number, number, number], { seed: 1 });
    assert.deepEqual(again.mask.data, r.mask.data, 'deterministic');
  }
});

test('inpaintRgb: only masked pixels change; empty or full masks are named errors', async () => {
  const { img, truth } = scene(60, 40, 30, 20, 8, 6);
  const out = await inpaintRgb(img, truth, { method: 'ns' });
  let changedOutside = 0,
    changedInside = 0;
  for (let i = 0; i < truth.data.length; i++) {
    const diff = [0, 1, 2].some((c) => out.data[3 * i + c] !== img.data[3 * i + c]);
    if (diff && !truth.data[i]) changedOutside++;
    if (diff && truth.data[i]) changedInside++;
  }
  assert.equal(changedOutside, 0);
  assert.ok(changedInside > 0.8 * maskArea(truth));
  await assert.rejects(inpaintRgb(img, emptyMask(60, 40)), InvalidInput);
  const full = emptyMask(60, 40);
  full.data.fill(1);
  await assert.rejects(inpaintRgb(img, full), InvalidInput);
  await assert.rejects(objectMask(img, [50, 30, 20, 20]), InvalidInput);
});
