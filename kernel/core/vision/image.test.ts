import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePng, encodeGrayPng, fitImage, resizeArea } from './image';
import { pngFile } from '../../viz/png';
import { FormatError, InvalidInput } from '../errors';
import { rng } from '../rng';

/** PNG with an explicit filter type per row (to exercise the decoder's unfiltering), any channels / depth. */
function pngWithFilters(w: number, h: number, ctype: number, depth: 8 | 16, samples: number[], filters: number[]): Uint8Array {
  const ch = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[ctype]!;
  const bpp = (ch * depth) / 8,
    stride = w * bpp;
  const px = new Uint8Array(stride * h);
  samples.forEach((v, i) => {
    if (depth === 8) px[i] = v;
    else {
      px[2 * i] = v >> 8;
      px[2 * i + 1] = v & 255;
    }
  });
  const raw = new Uint8Array((stride + 1) * h);
  for (let y = 0; y < h; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const v = px[y * stride + x]!,
        a = x >= bpp ? px[y * stride + x - bpp]! : 0,
        b = y > 0 ? px[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp]! : 0;
      const p = a + b - c,
        pa = Math.abs(p - a),
        pb = Math.abs(p - b),
        pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
      raw[y * (stride + 1) + 1 + x] = (v - pred) & 255;
    }
  }
  return pngFile(w, h, depth, ctype, raw);
}

test('PNG decoder: all five filters, gray/RGB/gray+alpha/RGBA, 8 and 16 bit; round trip of the viz encoder', () => {
  const r = rng(1);
  const w = 7,
    h = 5;
  for (const [ctype, ch] of [
    [0, 1],
    [2, 3],
    [4, 2],
    [6, 4],
  ] as const) {
    for (const depth of [8, 16] as const) {
      const max = depth === 8 ? 255 : 65535;
      const samples = Array.from({ length: w * h * ch }, () => r.int(max + 1));
      const img = decodePng(pngWithFilters(w, h, ctype, depth, samples, [0, 1, 2, 3, 4]));
      assert.equal(img.width, w);
      assert.equal(img.height, h);
      for (let i = 0; i < w * h; i++) {
        const want =
          ch >= 3 ? (0.299 * samples[i * ch]! + 0.587 * samples[i * ch + 1]! + 0.114 * samples[i * ch + 2]!) / max : samples[i * ch]! / max;
        assert.ok(Math.abs(img.data[i]! - want) < 1e-6, `ctype ${ctype} depth ${depth} pixel ${i}: ${img.data[i]} vs ${want}`);
      }
    }
  }
  const data = Float32Array.from({ length: 12 * 9 }, () => r.next());
  const back = decodePng(encodeGrayPng(12, 9, data));
  for (let i = 0; i < data.length; i++) assert.ok(Math.abs(back.data[i]! - data[i]!) <= 0.5 / 255 + 1e-7);
});

test('PNG decoder: malformed files are FormatErrors', () => {
  const good = encodeGrayPng(4, 4, new Float32Array(16).fill(0.5));
  assert.throws(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), FormatError);
  assert.throws(() => decodePng(good.subarray(0, good.length - 20)), FormatError);
  const badCrc = good.slice();
  badCrc[30] = badCrc[30]! ^ 0xff;
  assert.throws(() => decodePng(badCrc), /bad CRC|inflate|IDAT|FormatError/);
  assert.throws(() => decodePng(badCrc), FormatError);
});

test('resizeArea: box-filter averages, keeps constants, identity at the same size', () => {
  const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const half = resizeArea(src, 4, 4, 2, 2);
  assert.deepEqual(Array.from(half), [3.5, 5.5, 11.5, 13.5]);
  const c = resizeArea(new Float32Array(30).fill(0.3), 5, 6, 3, 4);
  for (const v of c) assert.ok(Math.abs(v - 0.3) < 1e-6);
  assert.deepEqual(resizeArea(src, 4, 4, 4, 4), src);
  // centre crop: a 4×8 image to 2×2 keeps the middle 4×4 block (columns 2..5)
  const wide = Float32Array.from({ length: 32 }, (_, i) => i % 8);
  assert.deepEqual(Array.from(fitImage(wide, 4, 8, 2, 2)), [2.5, 4.5, 2.5, 4.5]);
  assert.deepEqual(Array.from(fitImage(wide, 4, 8, 2, 2, 'stretch')), [1.5, 5.5, 1.5, 5.5]);
  assert.throws(() => fitImage(wide, 4, 8, 2, 2, 'zoom' as never), InvalidInput);
});
