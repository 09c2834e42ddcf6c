/**
 * CIELAB colour statistics and their transfer (Reinhard, Ashikhmin, Gooch & Shirley, "Color Transfer between Images",
 * IEEE CG&A 2001, done here in CIELAB rather than lαβ): each Lab channel of the target region is shifted and scaled so
 * its mean and standard deviation match the reference region's. sRGB ↔ XYZ (D65) ↔ Lab with the standard formulas.
 */
import { InvalidInput } from '../errors';
import type { Mask, RgbImage, SoftMask } from './raster';

const Xn = 0.95047,
  Yn = 1.0,
  Zn = 1.08883;
const toLin = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toGamma = (c: number): number => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
const LIN = Float64Array.from({ length: 256 }, (_, i) => toLin(i / 255));
const fLab = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
const fInv = (t: number): number => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));

/** sRGB bytes → Lab (L in [0,100]). */
export function rgbToLab(r: number, g: number, b: number, out: Float64Array | number[] = [0, 0, 0], o = 0): typeof out {
  const R = LIN[r]!,
    G = LIN[g]!,
    B = LIN[b]!;
  const X = 0.4124564 * R + 0.3575761 * G + 0.1804375 * B;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = 0.0193339 * R + 0.119192 * G + 0.9503041 * B;
  const fx = fLab(X / Xn),
    fy = fLab(Y / Yn),
    fz = fLab(Z / Zn);
  out[o] = 116 * fy - 16;
  out[o + 1] = 500 * (fx - fy);
  out[o + 2] = 200 * (fy - fz);
  return out;
}

/** Lab → sRGB bytes (clamped, rounded). */
export function labToRgb(L: number, a: number, b: number, out: Uint8Array | number[] = [0, 0, 0], o = 0): typeof out {
  const fy = (L + 16) / 116,
    fx = fy + a / 500,
    fz = fy - b / 200;
  const X = Xn * fInv(fx),
    Y = Yn * fInv(fy),
    Z = Zn * fInv(fz);
  const R = 3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z;
  const G = -0.969266 * X + 1.8760108 * Y + 0.041556 * Z;
  const B = 0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z;
  const q = (v: number): number => Math.min(255, Math.max(0, Math.round(255 * toGamma(Math.min(1, Math.max(0, v))))));
  out[o] = q(R);
  out[o + 1] = q(G);
  out[o + 2] = q(B);
  return out;
}

/** Per-channel Lab mean and standard deviation of a region. */
export interface LabStats {
  mean: [number, number, number];
  std: [number, number, number];
  pixels: number;
}

/** Lab statistics over the pixels where `region` > 0 (weighted by a soft mask's value). Empty region → InvalidInput. */
export function labStats(img: RgbImage, region: Mask | SoftMask): LabStats {
  const lab = [0, 0, 0];
  const s = [0, 0, 0],
    s2 = [0, 0, 0];
  let wsum = 0,
    count = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const w = region.data[i]!;
    if (w <= 0) continue;
    rgbToLab(img.data[3 * i]!, img.data[3 * i + 1]!, img.data[3 * i + 2]!, lab);
    for (let c = 0; c < 3; c++) {
      s[c] = s[c]! + w * lab[c]!;
      s2[c] = s2[c]! + w * lab[c]! * lab[c]!;
    }
    wsum += w;
    count++;
  }
  if (count === 0) throw new InvalidInput('labStats: the region is empty (no pixel inside); expected at least one');
  const mean = s.map((v) => v / wsum) as [number, number, number];
  const std = s2.map((v, c) => Math.sqrt(Math.max(0, v / wsum - mean[c]! ** 2))) as [number, number, number];
  return { mean, std, pixels: count };
}

/**
 * Reinhard transfer inside `target` (soft alpha blends the recoloured pixel with the original; 0 leaves the pixel
 * bit-identical): lab' = (lab − μ_t)·(σ_r/σ_t)·s + μ_r·s + lab·(1−s) with strength s. Returns a new image.
 * Scale ratios are clamped to [1/maxScale, maxScale] (default 4) so a flat target does not blow up noise.
 */
export function transferLabStats(
  img: RgbImage,
  target: SoftMask | Mask,
  reference: LabStats,
  opts: { strength?: number; maxScale?: number } = {},
): { image: RgbImage; targetStats: LabStats } {
  const t = labStats(img, target);
  const s = opts.strength ?? 1;
  const maxScale = opts.maxScale ?? 4;
  const k = [0, 1, 2].map((c) => Math.min(maxScale, Math.max(1 / maxScale, reference.std[c]! / Math.max(1e-6, t.std[c]!))));
  const out = img.data.slice();
  const lab = [0, 0, 0],
    rgb = [0, 0, 0];
  for (let i = 0; i < img.width * img.height; i++) {
    const a = target.data[i]!;
    if (a <= 0) continue;
    rgbToLab(img.data[3 * i]!, img.data[3 * i + 1]!, img.data[3 * i + 2]!, lab);
    for (let c = 0; c < 3; c++) {
      const moved = (lab[c]! - t.mean[c]!) * k[c]! + reference.mean[c]!;
      lab[c] = s * moved + (1 - s) * lab[c]!;
    }
    labToRgb(lab[0]!, lab[1]!, lab[2]!, rgb);
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(a * rgb[c]! + (1 - a) * img.data[3 * i + c]!);
  }
  return { image: { width: img.width, height: img.height, data: out }, targetStats: t };
}
