import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labStats, labToRgb, rgbToLab, transferLabStats } from './color';
import { emptyMask } from './raster';
import { InvalidInput } from '../errors';

test('sRGB → Lab matches reference values (D65) and round-trips every grey and a colour grid', () => {
  const near = (a: number[], b: number[], tol: number): boolean => a.every((v, i) => Math.abs(v - b[i]!) < tol);
  assert.ok(near(rgbToLab(255, 255, 255) as number[], [100, 0, 0], 0.01));
  assert.ok(near(rgbToLab(255, 0, 0) as number[], [53.24, 80.09, 67.2], 0.05), `red ${rgbToLab(255, 0, 0)}`);
  assert.ok(near(rgbToLab(0, 0, 255) as number[], [32.3, 79.19, -107.86], 0.05), `blue ${rgbToLab(0, 0, 255)}`);
  for (let r = 0; r < 256; r += 15)
    for (let g = 0; g < 256; g += 17)
      for (let b = 0; b < 256; b += 51) {
        const lab = rgbToLab(r, g, b) as number[];
        assert.deepEqual(labToRgb(lab[0]!, lab[1]!, lab[2]!), [r, g, b]);
      }
});

test('transferLabStats moves the region to the reference mean/std and leaves alpha-0 pixels alone', () => {
  const w = 20,
    h = 10;
  const data = new Uint8Array(w * h * 3);
  const left = emptyMask(w, h),
    right = emptyMask(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x < 10) {
        left.data[i] = 1;
        data.set([150 + ((x * 7 + y * 3) % 40), 60, 50], 3 * i);
      } else {
        right.data[i] = 1;
        data.set([40, 80 + ((x + y) % 10), 160], 3 * i);
      }
    }
  const img = { width: w, height: h, data };
  const ref = labStats(img, left);
  const { image } = transferLabStats(img, right, ref);
  const after = labStats(image, right);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(after.mean[c]! - ref.mean[c]!) < 1.5, `mean ${c}: ${after.mean[c]} vs ${ref.mean[c]}`);
    assert.ok(Math.abs(after.std[c]! - ref.std[c]!) < 0.35 * ref.std[c]! + 1, `std ${c}: ${after.std[c]} vs ${ref.std[c]}`);
  }
  for (let i = 0; i < w * h; i++)
    if (left.data[i]) assert.deepEqual([...image.data.subarray(3 * i, 3 * i + 3)], [...data.subarray(3 * i, 3 * i + 3)]);
  assert.throws(() => labStats(img, emptyMask(w, h)), InvalidInput);
});
