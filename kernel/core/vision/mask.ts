/**
 * Mask preparation for inpainting and pasting, guarding against the failure modes inpainting users report:
 * a sharp binary mask leaves a visible seam (so the composite is feathered), and a tight object-shaped mask makes a
 * filler re-draw the same silhouette (so the mask is dilated) — but an unbounded dilation eats the background the
 * filler needs, so the dilated area is capped at `maxAreaRatio` × the object's area (default 1.5).
 *
 * Distances are exact Euclidean (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", 2012).
 */
import { InvalidInput, describe } from '../errors';
import { type Mask, type SoftMask, maskArea } from './raster';

const INF = 1e20;

/** 1-D squared-distance transform of f (length n) into d, using scratch v, z. */
function dt1(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    let s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    while (s <= z[k]!) {
      k--;
      s = (f[q]! + q * q - (f[v[k]!]! + v[k]! * v[k]!)) / (2 * q - 2 * v[k]!);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    d[q] = (q - v[k]!) * (q - v[k]!) + f[v[k]!]!;
  }
}

/**
 * Euclidean distance (pixels) from every pixel to the nearest inside pixel of `m` (0 inside). An empty mask gives
 * +Infinity everywhere.
 */
export function distanceToMask(m: Mask): Float32Array {
  const { width: w, height: h } = m;
  const g = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) g[i] = m.data[i] ? 0 : INF;
  const n = Math.max(w, h);
  const f = new Float64Array(n),
    d = new Float64Array(n),
    v = new Int32Array(n),
    z = new Float64Array(n + 1);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = g[y * w + x]!;
    dt1(f, h, d, v, z);
    for (let y = 0; y < h; y++) g[y * w + x] = d[y]!;
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = g[y * w + x]!;
    dt1(f, w, d, v, z);
    for (let x = 0; x < w; x++) g[y * w + x] = d[x]!;
  }
  const out = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = g[i]! >= INF / 2 ? Infinity : Math.sqrt(g[i]!);
  return out;
}

/** Disk dilation by `radius` pixels (Euclidean). */
export function dilateMask(m: Mask, radius: number): Mask {
  if (!(radius >= 0) || !Number.isFinite(radius)) throw new InvalidInput(`dilateMask: radius must be ≥ 0, got ${describe(radius)}`);
  const d = distanceToMask(m);
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! <= radius ? 1 : 0;
  return { width: m.width, height: m.height, data: out };
}

export interface PrepareMaskOptions {
  /**
   * Dilation radius in pixels before the cap; default 'auto' = 2 + 6% of the larger side of the mask's bounding box
   * (wide enough that a filler does not trace the object's outline, small enough to keep nearby background).
   */
  dilate?: number | 'auto';
  /** Cap: dilated area ≤ this × object area (default 1.5). The radius is reduced until it holds. */
  maxAreaRatio?: number;
  /**
   * Feather band as a fraction of the (capped) dilation radius (default 0.5): alpha is 1 on the object and on the
   * inner part of the dilation band, then falls linearly to 0 at the dilated edge, so an edited region fades into the
   * original without a seam and pixels outside the dilated mask are never touched.
   */
  feather?: number;
}

/** What `prepareMask` made, with the numbers that explain it. */
export interface PreparedMask {
  /** The object mask as given. */
  object: Mask;
  /** The dilated (capped) mask: everything an edit may change. */
  dilated: Mask;
  /** Feathered alpha: 1 on the object, → 0 at the dilated edge, exactly 0 outside `dilated`. */
  alpha: SoftMask;
  /** Dilation radius actually used (pixels) and the one asked for. */
  radius: number;
  requestedRadius: number;
  objectArea: number;
  dilatedArea: number;
}

/**
 * Dilate a binary object mask with the area cap and build its feathered alpha. Empty mask → InvalidInput.
 */
export function prepareMask(object: Mask, opts: PrepareMaskOptions = {}): PreparedMask {
  const area = maskArea(object);
  if (area === 0) throw new InvalidInput('prepareMask: the object mask is empty (0 pixels inside); expected at least one pixel');
  const ratio = opts.maxAreaRatio ?? 1.5;
  if (!(ratio >= 1) || !Number.isFinite(ratio))
    throw new InvalidInput(`prepareMask: maxAreaRatio must be a finite number ≥ 1, got ${describe(ratio)}`);
  const featherFrac = opts.feather ?? 0.5;
  if (!(featherFrac >= 0 && featherFrac <= 1))
    throw new InvalidInput(`prepareMask: feather must be in [0, 1], got ${describe(featherFrac)}`);
  const dist = distanceToMask(object);
  let requested: number;
  if (opts.dilate === undefined || opts.dilate === 'auto') {
    let x0 = Infinity,
      x1 = -1,
      y0 = Infinity,
      y1 = -1;
    for (let i = 0; i < dist.length; i++)
      if (object.data[i]) {
        const x = i % object.width,
          y = (i / object.width) | 0;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    requested = 2 + 0.06 * Math.max(x1 - x0 + 1, y1 - y0 + 1);
  } else {
    requested = opts.dilate;
    if (!(requested >= 0) || !Number.isFinite(requested))
      throw new InvalidInput(`prepareMask: dilate must be 'auto' or a number ≥ 0, got ${describe(requested)}`);
  }
  // Largest radius r ≤ requested with |{d ≤ r}| ≤ ratio·area: sort the finite outside distances once.
  const outside: number[] = [];
  for (let i = 0; i < dist.length; i++) if (dist[i]! > 0 && dist[i]! <= requested) outside.push(dist[i]!);
  outside.sort((a, b) => a - b);
  const allowedExtra = Math.floor((ratio - 1) * area);
  let radius = requested;
  if (outside.length > allowedExtra) {
    // take the first allowedExtra pixels, but never split a distance tie (all pixels at one distance go together)
    const cut = outside[allowedExtra]!;
    let j = allowedExtra;
    while (j > 0 && outside[j - 1]! >= cut) j--;
    radius = j > 0 ? outside[j - 1]! : 0;
  }
  const n = dist.length;
  const dil = new Uint8Array(n);
  const alpha = new Float32Array(n);
  const core = radius * (1 - featherFrac);
  let dilArea = 0;
  for (let i = 0; i < n; i++) {
    const d = dist[i]!;
    if (d <= radius) {
      dil[i] = 1;
      dilArea++;
      // linear ramp from 1 at `core` to 0 just beyond `radius` so the outermost ring still gets a small weight
      alpha[i] = d <= core ? 1 : Math.max(0, (radius + 1 - d) / (radius + 1 - core));
    }
  }
  return {
    object,
    dilated: { width: object.width, height: object.height, data: dil },
    alpha: { width: object.width, height: object.height, data: alpha },
    radius,
    requestedRadius: requested,
    objectArea: area,
    dilatedArea: dilArea,
  };
}

/** Composite `top` over `base` with a soft alpha: out = α·top + (1−α)·base, and out = base bit-for-bit where α = 0. */
export function alphaComposite(base: Uint8Array, top: Uint8Array, alpha: SoftMask): Uint8Array {
  const out = base.slice();
  for (let i = 0, p = 0; i < alpha.data.length; i++, p += 3) {
    const a = alpha.data[i]!;
    if (a <= 0) continue;
    for (let c = 0; c < 3; c++) out[p + c] = Math.round(a * top[p + c]! + (1 - a) * base[p + c]!);
  }
  return out;
}
