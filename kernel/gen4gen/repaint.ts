/**
 * Step 3 of Gen4Gen (arXiv 2402.15504, §3.1 "Background repainting"): the composition is placed on a real background
 * photo retrieved for the prompt and the background is repainted with SDXL inpainting under a soft mask, so objects
 * and background agree in lighting.
 *
 * Offline default (`blendRepainter`, id `offline-blend (not diffusion)`): the background photo (resized to cover the
 * canvas, 3×3 blur as the code's radius-1 Gaussian) is blended with the composition through the soft mask, after a
 * Reinhard Lab colour transfer that moves the objects' colour statistics part of the way toward the background's
 * (core/vision `transferLabStats`). No pixel is generated: it is compositing with colour harmonization, not diffusion.
 * `serverRepainter` sends the same init image and inverted soft mask to a user's own AUTOMATIC1111-style inpainting
 * server through the client GazeGen uses (core/vision/diffusion), with the paper's prompt "a realistic photo of {p}".
 */
import { InvalidInput, checkOneOf, describe } from '../core/errors';
import { labStats, transferLabStats } from '../core/vision/color';
import { type GenerativeBackend, fillWithFallback } from '../core/vision/diffusion';
import { loadPhoto } from '../core/vision/photos';
import { checkRgb, cropRgb, resizeRgb, type RgbImage } from '../core/vision/rgb';
import type { Alpha8, Repainter, SoftMaskMode } from './types';

function boxBlur(src: Uint8Array | Float32Array, w: number, h: number, r: number): Float32Array {
  // separable (2r+1)×(2r+1) mean with edge replication
  const tmp = new Float32Array(w * h),
    out = new Float32Array(w * h);
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += src[y * w + Math.min(w - 1, Math.max(0, x + k))]!;
      tmp[y * w + x] = s / n;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x]!;
      out[y * w + x] = s / n;
    }
  return out;
}

/**
 * The soft object mask (0…255): `paper-5x5-avg` = a 5×5 average of the binary mask (the paper's wording);
 * `code-box11+rescale` = PIL BoxBlur(5) (an 11×11 box) then intensities [127.5, 255] → [0, 255] (the released code).
 */
export function softMask(m: Alpha8, mode: SoftMaskMode = 'paper-5x5-avg'): Alpha8 {
  checkOneOf('soft mask', mode, ['paper-5x5-avg', 'code-box11+rescale'] as const);
  const bin = new Uint8Array(m.data.length);
  for (let i = 0; i < bin.length; i++) bin[i] = m.data[i]! > 127 ? 255 : 0;
  const b = boxBlur(bin, m.width, m.height, mode === 'paper-5x5-avg' ? 2 : 5);
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++)
    out[i] = mode === 'paper-5x5-avg' ? Math.round(b[i]!) : Math.round(Math.min(255, Math.max(0, ((b[i]! - 127.5) / 127.5) * 255)));
  return { width: m.width, height: m.height, data: out };
}

/** Resize a photo to cover size×size (scale to the shorter side, centre crop). */
export function coverSquare(img: RgbImage, size: number): RgbImage {
  checkRgb(img);
  const s = size / Math.min(img.width, img.height);
  const w = Math.max(size, Math.round(img.width * s)),
    h = Math.max(size, Math.round(img.height * s));
  const r = resizeRgb(img, h, w);
  return cropRgb(r, Math.floor((w - size) / 2), Math.floor((h - size) / 2), size, size);
}

function blur3(img: RgbImage): RgbImage {
  const out = new Uint8Array(img.data.length);
  const plane = new Float32Array(img.width * img.height);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane.length; i++) plane[i] = img.data[3 * i + c]!;
    const b = boxBlur(plane, img.width, img.height, 1);
    for (let i = 0; i < plane.length; i++) out[3 * i + c] = Math.round(b[i]!);
  }
  return { width: img.width, height: img.height, data: out };
}

/** The code's init image: pixelwise max(background × (1 − soft), composite) — here as a soft-alpha blend. */
export function blendOnto(bg: RgbImage, fg: RgbImage, soft: Alpha8): RgbImage {
  const out = new Uint8Array(bg.data.length);
  for (let i = 0; i < soft.data.length; i++) {
    const a = soft.data[i]! / 255;
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(a * fg.data[3 * i + c]! + (1 - a) * bg.data[3 * i + c]!);
  }
  return { width: bg.width, height: bg.height, data: out };
}

export interface BlendRepainterOptions {
  /** Background photos by id: RgbImages, or catalogue photo ids (core/vision PHOTOS). Default: 'march-pastoral', 'boats', 'coffee'. */
  backgrounds?: Record<string, RgbImage | string>;
  /** Soft mask (default 'paper-5x5-avg'). */
  softMask?: SoftMaskMode;
  /** Strength of the Lab colour transfer of the objects toward the background (0 = none, default 0.3). */
  harmonize?: number;
}

/** Default backgrounds: real photos from installed packages, one per phrase family. */
export const DEFAULT_BACKGROUNDS: Readonly<Record<string, string>> = {
  'on the grass': 'march-pastoral',
  'by the river': 'boats',
  'on a wooden table': 'coffee',
};

/** The offline repainter: real background photo + soft mask + Lab colour harmonization. Not diffusion. */
export function blendRepainter(o: BlendRepainterOptions = {}): Repainter {
  const mode = o.softMask ?? 'paper-5x5-avg';
  const strength = o.harmonize ?? 0.3;
  if (!(strength >= 0 && strength <= 1)) throw new InvalidInput(`blendRepainter: harmonize must be in [0, 1], got ${describe(strength)}`);
  const srcs = o.backgrounds ?? DEFAULT_BACKGROUNDS;
  const cache = new Map<string, RgbImage>();
  const bgImage = (id: string, size: number): RgbImage => {
    const key = `${id}@${size}`;
    let im = cache.get(key);
    if (!im) {
      const s = srcs[id];
      if (s === undefined)
        throw new InvalidInput(`blendRepainter: unknown background ${describe(id)}; have ${Object.keys(srcs).join(', ')}`);
      im = blur3(coverSquare(typeof s === 'string' ? loadPhoto(s) : s, size));
      cache.set(key, im);
    }
    return im;
  };
  return {
    id: `offline-blend (not diffusion; ${mode}; lab ${strength})`,
    async repaint(c, r) {
      const size = c.image.width;
      const bg = bgImage(r.background, size);
      const soft = softMask(c.mask, mode);
      let fg = c.image;
      if (strength > 0 && c.mask.data.some((v) => v > 0)) {
        const region = { width: size, height: size, data: Float32Array.from(c.mask.data, (v) => v / 255) };
        const inv = { width: size, height: size, data: Float32Array.from(c.mask.data, (v) => 1 - v / 255) };
        fg = transferLabStats(c.image, region, labStats(bg, inv), { strength }).image;
      }
      return { image: blendOnto(bg, fg, soft), composition: c, background: r.background, repainter: this.id, softMask: mode };
    },
  };
}

/**
 * Repaint the background with a user's inpainting server (AUTOMATIC1111-style, `core/vision/diffusion`): the offline
 * blend is the init image, the repaint region is the soft mask's complement (binarised at 128), the prompt
 * "a realistic photo of {background}". On a server failure the offline blend is kept and `Scene.repainter` says so.
 */
export function serverRepainter(backend: GenerativeBackend, o: BlendRepainterOptions = {}): Repainter {
  const offline = blendRepainter(o);
  return {
    id: `server:${backend.name}`,
    async repaint(c, r, signal) {
      const base = await offline.repaint(c, r, signal);
      const soft = softMask(c.mask, base.softMask);
      const mask = { width: soft.width, height: soft.height, data: Uint8Array.from(soft.data, (v) => (v < 128 ? 1 : 0)) };
      const keep: GenerativeBackend = { name: 'offline-blend', fill: async () => base.image };
      const res = await fillWithFallback(
        { image: base.image, mask, prompt: `a realistic photo of ${r.background}`, seed: r.seed },
        backend,
        keep,
        signal,
      );
      return { ...base, image: res.image, repainter: res.error ? `${offline.id} (server failed: ${res.error.message})` : this.id };
    },
  };
}
