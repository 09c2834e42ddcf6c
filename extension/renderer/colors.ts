/** Color scales (same stops as kernel/viz's fallbacks), CSS color parsing and mixing. Pure TS. */
import type { ColorScale } from '../../kernel/viz/types';

export type Rgb = [number, number, number];

export const SCALES: Record<ColorScale, Rgb[]> = {
  viridis: [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]],
  magma: [[0, 0, 4], [28, 16, 68], [79, 18, 123], [129, 37, 129], [181, 54, 122], [229, 80, 100], [251, 135, 97], [254, 194, 135], [252, 253, 191]],
  gray: [[0, 0, 0], [255, 255, 255]],
  rdbu: [[103, 0, 31], [178, 24, 43], [214, 96, 77], [244, 165, 130], [253, 219, 199], [247, 247, 247], [209, 229, 240], [146, 197, 222], [67, 147, 195], [33, 102, 172], [5, 48, 97]],
  blues: [[247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214], [66, 146, 198], [33, 113, 181], [8, 81, 156], [8, 48, 107]],
};
export const COLOR_SCALES = Object.keys(SCALES) as ColorScale[];

/** Default trace palette (Tableau 10). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** RGB for t in [0,1] on a scale (t clamped; NaN → mid gray). Channels are rounded integers. */
export function scaleRgb(scale: ColorScale, t: number): Rgb {
  if (Number.isNaN(t)) return [128, 128, 128];
  const s = SCALES[scale] ?? SCALES.viridis;
  const x = Math.max(0, Math.min(1, t)) * (s.length - 1);
  const i = Math.min(s.length - 2, Math.floor(x)), f = x - i;
  const a = s[i]!, b = s[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

export function toHex([r, g, b]: Rgb): string {
  const h = (n: number) => Math.round(Math.max(0, Math.min(255, n))).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** The scale as a plotly colorscale: [[0, '#..'], …, [1, '#..']]. */
export function plotlyColorscale(scale: ColorScale): [number, string][] {
  const s = SCALES[scale] ?? SCALES.viridis;
  return s.map((c, i) => [i / (s.length - 1), toHex(c)]);
}

/** Parse '#rgb', '#rrggbb', '#rrggbbaa', 'rgb(…)' / 'rgba(…)'; null when unparseable. Alpha is ignored. */
export function parseColor(css: string | null | undefined): Rgb | null {
  const s = (css ?? '').trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4})$/.exec(s);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1]![i]! + m![1]![i]!, 16)) as Rgb;
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1]!.slice(i, i + 2), 16)) as Rgb;
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])].map((v) => Math.max(0, Math.min(255, Math.round(v)))) as Rgb;
  return null;
}

/** a·(1−t) + b·t per channel, rounded. */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];
}

/** Relative luminance 0..1 (sRGB approximation), used to tell dark themes from light ones. */
export function luminance([r, g, b]: Rgb): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** Black or white, whichever reads better on `bg`. */
export function textOn(bg: Rgb): string {
  return luminance(bg) > 0.55 ? '#000000' : '#ffffff';
}
