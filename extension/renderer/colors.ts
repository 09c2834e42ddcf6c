/** Color scales (kernel/viz's, shared with the static fallbacks), CSS color parsing and mixing. Pure TS. */
import type { ColorScale } from '../../kernel/viz/types';
import { SCALE_STOPS, colorRgb, PALETTE } from '../../kernel/viz/color';

export type Rgb = [number, number, number];

export const SCALES: Record<ColorScale, Rgb[]> = SCALE_STOPS;
export const COLOR_SCALES = Object.keys(SCALES) as ColorScale[];

/** Default trace palette (Tableau 10; kernel/viz's). */
export { PALETTE };

/** RGB for t in [0,1] on a scale (t clamped; NaN → kernel/viz's NAN_RGB light gray). Channels are rounded integers. */
export function scaleRgb(scale: ColorScale, t: number): Rgb {
  const [r, g, b] = colorRgb(scale, t);
  return [Math.round(r), Math.round(g), Math.round(b)];
}

export function toHex([r, g, b]: Rgb): string {
  const h = (n: number) =>
    Math.round(Math.max(0, Math.min(255, n)))
      .toString(16)
      .padStart(2, '0');
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
