/**
 * Colour photographs: decode JPEG and PNG files to 8-bit RGB, encode RGB as PNG, resample, crop, read pixels.
 *
 *   const img = readImage('/usr/share/doc/opencv-doc/examples/data/fruits.jpg');   // { width, height, data: RGBRGB… }
 *   writeFileSync('out.png', encodeRgbPng(img));
 *
 * Decoding uses maintained libraries rather than the grayscale decoder beside this file: `pngjs` (every PNG colour
 * type and bit depth, interlaced files too; 16-bit samples are reduced to 8 bits, alpha is composited over white) and
 * `jpeg-js` (baseline and progressive JPEG). Both are pure JavaScript, so they run offline and bundle into the kernel.
 * Unreadable bytes → FormatError naming the file and what was expected; a missing file → NotFound.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { FormatError, InvalidInput, NotFound, checkInt, describe } from '../errors';
import { encodePng } from '../../viz/png';

/** An 8-bit RGB image, row-major, 3 bytes per pixel (`data.length === width * height * 3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Largest side accepted when decoding (guards against decompression bombs; photos here are ≤ 4 MP). */
const MAX_SIDE = 16384;

/** Throw InvalidInput unless `img` is a well-formed RgbImage. */
export function checkRgb(img: unknown, what = 'image'): asserts img is RgbImage {
  const i = img as RgbImage;
  if (i === null || typeof i !== 'object' || !(i.data instanceof Uint8Array))
    throw new InvalidInput(`${what} must be an RgbImage { width, height, data: Uint8Array }, got ${describe(img)}`);
  checkInt(`${what}.width`, i.width, 1, MAX_SIDE);
  checkInt(`${what}.height`, i.height, 1, MAX_SIDE);
  if (i.data.length !== i.width * i.height * 3)
    throw new InvalidInput(`${what}.data has ${i.data.length} bytes; expected ${i.width}×${i.height}×3 = ${i.width * i.height * 3}`);
}

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}
function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** RGBA (straight alpha) → RGB over a white background. */
function rgbaToRgb(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height,
    out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = rgba[4 * i + 3]!;
    for (let c = 0; c < 3; c++) {
      const v = rgba[4 * i + c]!;
      out[3 * i + c] = a === 255 ? v : Math.round((v * a + 255 * (255 - a)) / 255);
    }
  }
  return out;
}

/**
 * Decode PNG or JPEG bytes (sniffed from the signature, not the name) to RGB. `name` labels errors.
 * @throws FormatError for anything else, or for a file the decoder rejects (truncated, corrupt).
 */
export function decodeImage(bytes: Uint8Array, name = 'image'): RgbImage {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInput(`decodeImage: expected a Uint8Array, got ${describe(bytes)}`);
  if (isPng(bytes)) {
    let png: PNG;
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      throw new FormatError(`${name}: PNG does not decode (${(e as Error).message})`, { cause: e });
    }
    if (png.width > MAX_SIDE || png.height > MAX_SIDE)
      throw new FormatError(`${name}: ${png.width}×${png.height} is larger than ${MAX_SIDE}²`);
    // pngjs always returns 8-bit RGBA (gray, palette and 16-bit are expanded/reduced)
    return { width: png.width, height: png.height, data: rgbaToRgb(new Uint8Array(png.data), png.width, png.height) };
  }
  if (isJpeg(bytes)) {
    let j: { width: number; height: number; data: Uint8Array };
    try {
      j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
    } catch (e) {
      throw new FormatError(`${name}: JPEG does not decode (${(e as Error).message})`, { cause: e });
    }
    if (!j.width || !j.height || j.data.length !== j.width * j.height * 3)
      throw new FormatError(`${name}: JPEG decoded to ${j.data.length} bytes for ${j.width}×${j.height}; expected 3 per pixel`);
    return { width: j.width, height: j.height, data: j.data };
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`${name}: not a PNG or JPEG file (first bytes ${head || '(empty)'}; expected 89 50 4e 47 or ff d8 ff)`);
}

/** Read and decode a PNG or JPEG file. @throws NotFound (no such file), FormatError (not a readable image). */
export function readImage(path: string): RgbImage {
  if (typeof path !== 'string' || !path) throw new InvalidInput(`readImage: path must be a non-empty string, got ${describe(path)}`);
  if (!existsSync(path)) throw new NotFound(`image file ${describe(path)} does not exist`);
  return decodeImage(new Uint8Array(readFileSync(path)), path);
}

/** Encode an RGB image as an 8-bit RGB PNG. */
export function encodeRgbPng(img: RgbImage): Uint8Array {
  checkRgb(img);
  return encodePng(img.width, img.height, 3, img.data);
}

/**
 * Bilinear resample to h×w (align-corners false: pixel centres map to pixel centres, as tf.image.resizeBilinear with
 * halfPixelCenters). For strong downscaling prefer an area filter; photos here are resized by at most ~2×.
 */
export function resizeRgb(img: RgbImage, h: number, w: number): RgbImage {
  checkRgb(img);
  checkInt('resizeRgb: h', h, 1, MAX_SIDE);
  checkInt('resizeRgb: w', w, 1, MAX_SIDE);
  if (h === img.height && w === img.width) return { width: w, height: h, data: img.data.slice() };
  const out = new Uint8Array(w * h * 3);
  const sy = img.height / h,
    sx = img.width / w;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy),
      y1 = Math.min(img.height - 1, y0 + 1),
      wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx),
        x1 = Math.min(img.width - 1, x0 + 1),
        wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = img.data[(y0 * img.width + x0) * 3 + c]!,
          b = img.data[(y0 * img.width + x1) * 3 + c]!,
          d = img.data[(y1 * img.width + x0) * 3 + c]!,
          e = img.data[(y1 * img.width + x1) * 3 + c]!;
        out[(y * w + x) * 3 + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Copy of the region [x, x+w) × [y, y+h) (integers, inside the image). */
export function cropRgb(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  checkRgb(img);
  checkInt('cropRgb: x', x, 0, img.width - 1);
  checkInt('cropRgb: y', y, 0, img.height - 1);
  checkInt('cropRgb: w', w, 1, img.width - x);
  checkInt('cropRgb: h', h, 1, img.height - y);
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) out.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return { width: w, height: h, data: out };
}

/** The image as grayscale floats in [0, 1] (Rec. 601 luma), the layout of core/vision's GrayImage. */
export function rgbToGray(img: RgbImage): { width: number; height: number; data: Float32Array } {
  checkRgb(img);
  const n = img.width * img.height,
    out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (0.299 * img.data[3 * i]! + 0.587 * img.data[3 * i + 1]! + 0.114 * img.data[3 * i + 2]!) / 255;
  return { width: img.width, height: img.height, data: out };
}
