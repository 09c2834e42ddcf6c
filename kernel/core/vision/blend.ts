/**
 * Cut-outs and pasting: cut an object (pixels + its masks) out of an image, rescale it, and paste it into another
 * image with Poisson blending (see poisson.ts) or a feathered alpha blend. Pixels outside the pasted region are left
 * bit-identical.
 */
import { InvalidInput, checkOneOf, describe } from '../errors';
import { type PreparedMask } from './mask';
import { type Box, type Mask, type RgbImage, type SoftMask, maskBounds } from './raster';
import { resizeRgb } from './rgb';
import { type PoissonOptions, solvePoisson } from './poisson';

/** An object lifted out of an image: a crop with its region (the dilated mask) and its feathered alpha, same size. */
export interface CutOut {
  /** Crop of the source image around the region, with a 1-pixel context margin where the image allows. */
  rgb: RgbImage;
  /** Where the paste may change pixels (the dilated object mask), in crop coordinates. */
  region: Mask;
  /** Feathered alpha in crop coordinates (1 on the object, 0 outside `region`). */
  alpha: SoftMask;
  /** The crop's top-left corner in the source image. */
  origin: { x: number; y: number };
  /** Tight box of the object mask in crop coordinates. */
  objectBox: Box;
}

/** Cut an object out of `img` using a prepared mask (its dilated region and alpha). */
export function cutOut(img: RgbImage, prep: PreparedMask): CutOut {
  const b = maskBounds(prep.dilated);
  if (!b) throw new InvalidInput('cutOut: the mask is empty; expected at least one pixel inside');
  const x0 = Math.max(0, b[0] - 1),
    y0 = Math.max(0, b[1] - 1);
  const x1 = Math.min(img.width, b[0] + b[2] + 1),
    y1 = Math.min(img.height, b[1] + b[3] + 1);
  const w = x1 - x0,
    h = y1 - y0;
  const rgb = new Uint8Array(w * h * 3),
    region = new Uint8Array(w * h),
    alpha = new Float32Array(w * h),
    obj = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const s = (y + y0) * img.width + (x + x0),
        d = y * w + x;
      rgb.set(img.data.subarray(3 * s, 3 * s + 3), 3 * d);
      region[d] = prep.dilated.data[s]!;
      alpha[d] = prep.alpha.data[s]!;
      obj[d] = prep.object.data[s]!;
    }
  const ob = maskBounds({ width: w, height: h, data: obj })!;
  return {
    rgb: { width: w, height: h, data: rgb },
    region: { width: w, height: h, data: region },
    alpha: { width: w, height: h, data: alpha },
    origin: { x: x0, y: y0 },
    objectBox: ob,
  };
}

function resizePlane(src: ArrayLike<number>, sw: number, sh: number, w: number, h: number, nearest: boolean): Float32Array {
  const out = new Float32Array(w * h);
  const sx = sw / w,
    sy = sh / h;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (nearest) {
        out[y * w + x] = src[Math.min(sh - 1, Math.floor((y + 0.5) * sy)) * sw + Math.min(sw - 1, Math.floor((x + 0.5) * sx))]!;
        continue;
      }
      const fy = Math.min(sh - 1, Math.max(0, (y + 0.5) * sy - 0.5)),
        fx = Math.min(sw - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const y0 = Math.floor(fy),
        x0 = Math.floor(fx),
        y1 = Math.min(sh - 1, y0 + 1),
        x1 = Math.min(sw - 1, x0 + 1);
      const ty = fy - y0,
        tx = fx - x0;
      out[y * w + x] =
        (src[y0 * sw + x0]! * (1 - tx) + src[y0 * sw + x1]! * tx) * (1 - ty) +
        (src[y1 * sw + x0]! * (1 - tx) + src[y1 * sw + x1]! * tx) * ty;
    }
  return out;
}

/** Rescale a cut-out by `scale` (pixels, region nearest-neighbour, alpha bilinear and zeroed outside the region). */
export function scaleCutOut(c: CutOut, scale: number): CutOut {
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new InvalidInput(`scaleCutOut: scale must be a finite number > 0, got ${describe(scale)}`);
  if (scale === 1) return c;
  const w = Math.max(3, Math.round(c.rgb.width * scale)),
    h = Math.max(3, Math.round(c.rgb.height * scale));
  const rgb = resizeRgb(c.rgb, h, w);
  const reg = resizePlane(c.region.data, c.region.width, c.region.height, w, h, true);
  const alpha = resizePlane(c.alpha.data, c.alpha.width, c.alpha.height, w, h, false);
  const region = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    region[i] = reg[i]! > 0 ? 1 : 0;
    if (!region[i]) alpha[i] = 0;
  }
  // keep a one-pixel context ring outside the region, as cutOut does
  for (let x = 0; x < w; x++) region[x] = region[(h - 1) * w + x] = 0;
  for (let y = 0; y < h; y++) region[y * w] = region[y * w + w - 1] = 0;
  for (let i = 0; i < w * h; i++) if (!region[i]) alpha[i] = 0;
  const sx = w / c.rgb.width,
    sy = h / c.rgb.height;
  const ob = c.objectBox;
  return {
    rgb,
    region: { width: w, height: h, data: region },
    alpha: { width: w, height: h, data: alpha },
    origin: c.origin,
    objectBox: [Math.round(ob[0] * sx), Math.round(ob[1] * sy), Math.max(1, Math.round(ob[2] * sx)), Math.max(1, Math.round(ob[3] * sy))],
  };
}

export type BlendMethod = 'poisson' | 'feather';

export interface PasteOptions extends PoissonOptions {
  /** 'poisson' (seamless gradients, default) or 'feather' (alpha blend with the cut-out's feathered alpha). */
  method?: BlendMethod;
}

/** What a paste changed. */
export interface PasteResult {
  image: RgbImage;
  /** Pixels the paste may have changed (the cut-out's region placed in the destination). */
  region: Mask;
  /** Where the object's tight box landed in the destination. */
  objectBox: Box;
  iterations: number;
}

/**
 * Paste a cut-out into `dst` with its crop's top-left at (x, y) (integers; the crop may hang off the image, its
 * region is clipped). Poisson: each channel solved over the region with the cut-out's gradients, destination values
 * on the boundary. Feather: α·cut-out + (1−α)·dst.
 */
export function pasteCutOut(dst: RgbImage, c: CutOut, at: { x: number; y: number }, opts: PasteOptions = {}): PasteResult {
  const method = checkOneOf('paste method', opts.method ?? 'poisson', ['poisson', 'feather'] as const);
  const ax = Math.round(at.x),
    ay = Math.round(at.y);
  if (!Number.isFinite(ax) || !Number.isFinite(ay))
    throw new InvalidInput(`pasteCutOut: position must be finite, got ${describe([at.x, at.y])}`);
  const W = dst.width,
    H = dst.height;
  const out = dst.data.slice();
  const region = new Uint8Array(W * H);
  // local window in destination coordinates
  const x0 = Math.max(0, ax),
    y0 = Math.max(0, ay),
    x1 = Math.min(W, ax + c.rgb.width),
    y1 = Math.min(H, ay + c.rgb.height);
  if (x1 <= x0 || y1 <= y0) throw new InvalidInput(`pasteCutOut: the cut-out at (${ax}, ${ay}) lies wholly outside the ${W}×${H} image`);
  const w = x1 - x0,
    h = y1 - y0;
  let iterations = 0;
  let any = false;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const cx = x + x0 - ax,
        cy = y + y0 - ay;
      if (c.region.data[cy * c.rgb.width + cx]) {
        region[(y + y0) * W + x + x0] = 1;
        any = true;
      }
    }
  if (!any) throw new InvalidInput(`pasteCutOut: no part of the cut-out's region falls inside the image at (${ax}, ${ay})`);
  if (method === 'feather') {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const ci = (y + y0 - ay) * c.rgb.width + (x + x0 - ax),
          di = (y + y0) * W + x + x0;
        const a = c.alpha.data[ci]!;
        if (a <= 0 || !region[di]) continue;
        for (let ch = 0; ch < 3; ch++) out[3 * di + ch] = Math.round(a * c.rgb.data[3 * ci + ch]! + (1 - a) * dst.data[3 * di + ch]!);
      }
  } else {
    // solve on the window grid; out-of-window neighbours do not exist for the solver, which matches the image border
    // where the window touches it, and elsewhere the cut-out's 1-pixel context ring keeps Ω off the window edge.
    const n = w * h;
    const omega = new Uint8Array(n),
      f = new Float64Array(n),
      g = new Float64Array(n);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) omega[y * w + x] = region[(y + y0) * W + x + x0]!;
    for (let ch = 0; ch < 3; ch++) {
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          f[y * w + x] = dst.data[3 * ((y + y0) * W + x + x0) + ch]!;
          g[y * w + x] = c.rgb.data[3 * ((y + y0 - ay) * c.rgb.width + (x + x0 - ax)) + ch]!;
        }
      const r = solvePoisson(f, g, omega, w, h, opts);
      iterations = Math.max(iterations, r.iterations);
      for (let i = 0; i < n; i++)
        if (omega[i]) {
          const di = ((i / w) | 0) + y0,
            dx = (i % w) + x0;
          const v = Math.round(r.values[i]!);
          out[3 * (di * W + dx) + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
    }
  }
  const ob = c.objectBox;
  return {
    image: { width: W, height: H, data: out },
    region: { width: W, height: H, data: region },
    objectBox: [ax + ob[0], ay + ob[1], ob[2], ob[3]],
    iterations,
  };
}
