/**
 * Binary and soft masks and pixel boxes: the plain data every editing helper in `core/vision` takes and returns,
 * beside the RgbImage of rgb.ts (8-bit sRGB, interleaved RGB, row-major, top-left origin, x right, y down).
 */
import { InvalidInput, describe } from '../errors';
import type { RgbImage } from './rgb';

export { checkRgb, type RgbImage } from './rgb';

/** A binary mask: 1 = inside, 0 = outside, one byte per pixel. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A soft mask (alpha) in [0, 1], one float per pixel. */
export interface SoftMask {
  width: number;
  height: number;
  data: Float32Array;
}

/** Box in image pixels: [x, y, width, height], (x, y) the top-left corner (the detector's convention). */
export type Box = [number, number, number, number];

/** Throw InvalidInput unless `m` is a mask of the given size. */
export function checkMask(m: unknown, width: number, height: number, name = 'mask'): asserts m is Mask {
  const k = m as Mask;
  if (!k || typeof k !== 'object' || !(k.data instanceof Uint8Array))
    throw new InvalidInput(`${name} must be a Mask { width, height, data: Uint8Array }, got ${describe(m)}`);
  if (k.width !== width || k.height !== height || k.data.length !== width * height)
    throw new InvalidInput(`${name} is ${k.width}×${k.height} (${k.data.length} bytes); expected ${width}×${height} to match the image`);
}

/** A copy of an image (the editing helpers never write into their inputs). */
export function cloneRgb(img: RgbImage): RgbImage {
  return { width: img.width, height: img.height, data: img.data.slice() };
}

/** An empty (all-zero) mask. */
export function emptyMask(width: number, height: number): Mask {
  return { width, height, data: new Uint8Array(width * height) };
}

/** Number of pixels inside a mask. */
export function maskArea(m: Mask | SoftMask): number {
  let n = 0;
  for (let i = 0; i < m.data.length; i++) if (m.data[i]! > 0) n++;
  return n;
}

/** Tight bounding box of a mask's inside pixels, or null for an empty mask. */
export function maskBounds(m: Mask | SoftMask): Box | null {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < m.height; y++)
    for (let x = 0; x < m.width; x++)
      if (m.data[y * m.width + x]! > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/**
 * Check a box against an image: finite numbers, positive size, inside the image (a box that pokes out by less than one
 * pixel is rounded in). Returns the box with integer corners. A box wholly or partly outside → InvalidInput.
 */
export function checkBox(box: unknown, width: number, height: number, name = 'box'): Box {
  const b = box as Box;
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new InvalidInput(`${name} must be [x, y, width, height] with finite numbers, got ${describe(box)}`);
  const x0 = Math.round(b[0]),
    y0 = Math.round(b[1]),
    x1 = Math.round(b[0] + b[2]),
    y1 = Math.round(b[1] + b[3]);
  if (x1 - x0 < 1 || y1 - y0 < 1) throw new InvalidInput(`${name} ${JSON.stringify(b)} has no area; expected width and height ≥ 1 px`);
  if (x0 < 0 || y0 < 0 || x1 > width || y1 > height)
    throw new InvalidInput(
      `${name} ${JSON.stringify(b)} lies outside the ${width}×${height} image; expected 0 ≤ x, x+width ≤ ${width}, 0 ≤ y, y+height ≤ ${height}`,
    );
  return [x0, y0, x1 - x0, y1 - y0];
}

/** The mask of a box (clipped to the image). */
export function boxMask(box: Box, width: number, height: number): Mask {
  const m = emptyMask(width, height);
  const x0 = Math.max(0, Math.round(box[0])),
    y0 = Math.max(0, Math.round(box[1]));
  const x1 = Math.min(width, Math.round(box[0] + box[2])),
    y1 = Math.min(height, Math.round(box[1] + box[3]));
  for (let y = y0; y < y1; y++) m.data.fill(1, y * width + x0, y * width + Math.max(x0, x1));
  return m;
}

/** Pixels (indices) where two images differ, optionally only those outside an allowed mask. Used by the edit checks. */
export function changedPixelsOutside(a: RgbImage, b: RgbImage, allowed?: Mask | SoftMask): number {
  if (a.width !== b.width || a.height !== b.height)
    throw new InvalidInput(`images differ in size: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  let n = 0;
  for (let i = 0, p = 0; i < a.width * a.height; i++, p += 3) {
    if (allowed && allowed.data[i]! > 0) continue;
    if (a.data[p] !== b.data[p] || a.data[p + 1] !== b.data[p + 1] || a.data[p + 2] !== b.data[p + 2]) n++;
  }
  return n;
}
