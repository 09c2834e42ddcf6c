/** Color scales shared by fallbacks (and usable by renderers): value in [0,1] → '#rrggbb'. Pure TS. */
import type { ColorScale } from './types';

/** The stops of each scale (RGB 0–255), evenly spaced over [0,1]. The renderer's plotly colorscales are built from these. */
export const SCALE_STOPS: Record<ColorScale, [number, number, number][]> = {
  viridis: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 74, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [110, 206, 88],
    [181, 222, 43],
    [253, 231, 37],
  ],
  magma: [
    [0, 0, 4],
    [28, 16, 68],
    [79, 18, 123],
    [129, 37, 129],
    [181, 54, 122],
    [229, 80, 100],
    [251, 135, 97],
    [254, 194, 135],
    [252, 253, 191],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  rdbu: [
    [103, 0, 31],
    [178, 24, 43],
    [214, 96, 77],
    [244, 165, 130],
    [253, 219, 199],
    [247, 247, 247],
    [209, 229, 240],
    [146, 197, 222],
    [67, 147, 195],
    [33, 102, 172],
    [5, 48, 97],
  ],
  blues: [
    [247, 251, 255],
    [222, 235, 247],
    [198, 219, 239],
    [158, 202, 225],
    [107, 174, 214],
    [66, 146, 198],
    [33, 113, 181],
    [8, 81, 156],
    [8, 48, 107],
  ],
};

function hex(n: number): string {
  return Math.round(Math.max(0, Math.min(255, n)))
    .toString(16)
    .padStart(2, '0');
}

/** Colour of a missing (NaN/null) cell. */
export const NAN_RGB: readonly [number, number, number] = [221, 221, 221];

/** RGB triple for t in [0,1] (clamped; NaN → NAN_RGB, light gray); channels unrounded. */
export function colorRgb(scale: ColorScale, t: number): [number, number, number] {
  if (Number.isNaN(t)) return [...NAN_RGB];
  const s = SCALE_STOPS[scale] ?? SCALE_STOPS.viridis;
  const x = Math.max(0, Math.min(1, t)) * (s.length - 1);
  const i = Math.min(s.length - 2, Math.floor(x)),
    f = x - i;
  const a = s[i]!,
    b = s[i + 1]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** CSS colour (#rrggbb) at position t ∈ [0, 1] of a colour scale (t is clamped). */
export function color(scale: ColorScale, t: number): string {
  const [r, g, b] = colorRgb(scale, t);
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

/** Black or white text, whichever reads on top of the scale's color at t. */
export function textOn(scale: ColorScale, t: number): string {
  const [r, g, b] = colorRgb(scale, t);
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000' : '#fff';
}

/** Default trace palette (Tableau 10). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
