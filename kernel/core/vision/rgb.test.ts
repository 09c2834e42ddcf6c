import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { checkRgb, cropRgb, decodeImage, encodeRgbPng, readImage, resizeRgb, rgbToGray, type RgbImage } from './rgb';
import { FormatError, InvalidInput, NotFound } from '../errors';
import { rng } from '../rng';

function noise(w: number, h: number, seed = 1): RgbImage {
  const r = rng(seed),
    data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = r.int(256);
  return { width: w, height: h, data };
}

test('encodeRgbPng → decodeImage is lossless (every byte, non-square, odd sizes)', () => {
  const img = noise(17, 5);
  const back = decodeImage(encodeRgbPng(img), 'roundtrip');
  assert.equal(back.width, 17);
  assert.equal(back.height, 5);
  assert.deepEqual(back.data, img.data);
});

test('PNG colour types through pngjs: gray → R=G=B, RGBA composited over white', () => {
  const gray = new PNG({ width: 2, height: 1, colorType: 0, inputColorType: 0, bitDepth: 8 });
  gray.data = Buffer.from([10, 200]);
  const g = decodeImage(new Uint8Array(PNG.sync.write(gray, { colorType: 0, inputColorType: 0 })), 'gray');
  assert.deepEqual(Array.from(g.data), [10, 10, 10, 200, 200, 200]);
  const rgba = new PNG({ width: 2, height: 1 });
  rgba.data = Buffer.from([255, 0, 0, 255, 0, 0, 0, 0]); // opaque red, fully transparent black
  const a = decodeImage(new Uint8Array(PNG.sync.write(rgba)), 'rgba');
  assert.deepEqual(Array.from(a.data), [255, 0, 0, 255, 255, 255], 'transparent pixel becomes white, not black');
});

test('JPEG decodes to RGB with the right size and colours (within JPEG loss)', () => {
  const w = 32,
    h = 16,
    rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const left = i % w < w / 2;
    rgba.set(left ? [200, 40, 30, 255] : [20, 90, 220, 255], 4 * i);
  }
  const bytes = new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
  const img = decodeImage(bytes, 'test.jpg');
  assert.equal(img.width, w);
  assert.equal(img.height, h);
  assert.equal(img.data.length, w * h * 3);
  const px = (x: number, y: number) => Array.from(img.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
  for (const [got, want] of [
    [px(3, 8), [200, 40, 30]],
    [px(28, 8), [20, 90, 220]],
  ] as const)
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[c]! - want[c]!) <= 12, `${got} vs ${want}`);
});

test('unreadable bytes are FormatError naming the file; a missing file is NotFound', () => {
  assert.throws(
    () => decodeImage(new Uint8Array([1, 2, 3, 4, 5]), 'x.bin'),
    (e: Error) => e instanceof FormatError && /x\.bin/.test(e.message) && /PNG or JPEG/.test(e.message),
  );
  const png = encodeRgbPng(noise(8, 8));
  assert.throws(
    () => decodeImage(png.subarray(0, png.length - 30), 'cut.png'),
    (e: Error) => e instanceof FormatError && /cut\.png/.test(e.message),
  );
  const jpg = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).fill(128) }, 90).data);
  assert.throws(
    () => decodeImage(jpg.subarray(0, 40), 'cut.jpg'),
    (e: Error) => e instanceof FormatError && /cut\.jpg/.test(e.message),
  );
  assert.throws(() => decodeImage(new Uint8Array(0), 'empty'), FormatError);
  assert.throws(
    () => readImage('/nonexistent/photo.png'),
    (e: Error) => e instanceof NotFound && /photo\.png/.test(e.message),
  );
  const dir = mkdtempSync(join(tmpdir(), 'edgelab-rgb-'));
  try {
    writeFileSync(join(dir, 'fake.jpg'), 'not an image');
    assert.throws(
      () => readImage(join(dir, 'fake.jpg')),
      (e: Error) => e instanceof FormatError && /fake\.jpg/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resizeRgb: a constant image stays constant; 2×2 → 1×1 averages; identity copies', () => {
  const flat = { width: 7, height: 3, data: new Uint8Array(63).fill(77) };
  assert.ok(resizeRgb(flat, 11, 4).data.every((v) => v === 77));
  const q = { width: 2, height: 2, data: new Uint8Array([0, 0, 0, 100, 100, 100, 200, 200, 200, 100, 100, 100]) };
  assert.deepEqual(Array.from(resizeRgb(q, 1, 1).data), [100, 100, 100]);
  const n = noise(5, 4),
    same = resizeRgb(n, 4, 5);
  assert.deepEqual(same.data, n.data);
  assert.notEqual(same.data, n.data, 'a copy, not the same buffer');
});

test('cropRgb copies the region; bad regions and malformed images are InvalidInput', () => {
  const n = noise(6, 5);
  const c = cropRgb(n, 2, 1, 3, 2);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 3; x++)
      for (let k = 0; k < 3; k++) assert.equal(c.data[(y * 3 + x) * 3 + k], n.data[((y + 1) * 6 + x + 2) * 3 + k]);
  assert.throws(() => cropRgb(n, 4, 0, 3, 1), InvalidInput);
  assert.throws(() => checkRgb({ width: 2, height: 2, data: new Uint8Array(11) }), /expected 2×2×3 = 12/);
  assert.throws(() => checkRgb({ width: 2, height: 2, data: [1, 2] }), InvalidInput);
  const g = rgbToGray({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) });
  assert.ok(Math.abs(g.data[0]! - 0.299) < 1e-6);
});
