/**
 * Figures of the Gaze Calibration panel as EdgeLab viz payloads (kernel/viz `series`), shipped to the webview as their
 * static SVG fallback in a data: URL. The interactive renderer draws with plotly, whose injected styles a strict
 * `style-src` CSP refuses; an SVG shown through <img> needs only `img-src data:` and runs nothing. The same payloads
 * can be shown in a notebook with `show()`.
 */
import { series, fallback, toBase64, type SeriesFigure } from '../../kernel/viz';
import { encodePng, pngDataUrl } from '../../kernel/viz/png';
import type { FigureImage } from './messages';
import type { EyeFrames, PersonalizeRun, UserData } from './kernel-api';
import type { GazeProfile } from './profile';

const DEG = 180 / Math.PI;
const utf8 = new TextEncoder();

export function svgDataUrl(fig: SeriesFigure): FigureImage {
  const fb = fallback(fig);
  return { title: fig.title ?? '', svg: `data:image/svg+xml;base64,${toBase64(utf8.encode(fb.data))}` };
}

const yawDeg = (g: Float32Array) => Array.from({ length: g.length / 2 }, (_, i) => g[2 * i]! * DEG);
const pitchDeg = (g: Float32Array) => Array.from({ length: g.length / 2 }, (_, i) => g[2 * i + 1]! * DEG);

/** Predicted vs true gaze on the held-out frames (yaw, pitch in degrees), before and after personalization. */
export function gazeScatterFigure(user: UserData, run: PersonalizeRun): SeriesFigure {
  return series({
    title: `Predicted vs true gaze: ${user.label}`,
    caption: `${user.heldOut.n} held-out frames; blue: the ${user.calib.n} calibration frames.`,
    xLabel: 'yaw (°)',
    yLabel: 'pitch (°)',
    width: 560,
    height: 420,
    series: [
      { name: 'true', x: yawDeg(user.heldOut.gaze), y: pitchDeg(user.heldOut.gaze), mode: 'markers', color: '#9e9e9e' },
      { name: 'generic', x: yawDeg(run.before), y: pitchDeg(run.before), mode: 'markers', color: '#f28e2b' },
      { name: 'personalized', x: yawDeg(run.after), y: pitchDeg(run.after), mode: 'markers', color: '#2a9d3a' },
      { name: 'calibration targets', x: yawDeg(user.calib.gaze), y: pitchDeg(user.calib.gaze), mode: 'markers', color: '#1f6feb' },
    ],
  });
}

/** Per-frame angular error before/after, sorted (a quantile plot: the median is at 0.5). */
export function errorQuantileFigure(label: string, before: ArrayLike<number>, after: ArrayLike<number>): SeriesFigure {
  const q = (e: ArrayLike<number>) => {
    const s = Array.from(e).sort((a, b) => a - b);
    return { x: s.map((_, i) => (i + 0.5) / s.length), y: s };
  };
  const b = q(before),
    a = q(after);
  return series({
    title: `Per-frame error before/after: ${label}`,
    xLabel: 'fraction of held-out frames',
    yLabel: 'angular error (°)',
    width: 560,
    height: 320,
    series: [
      { name: 'generic', ...b, mode: 'lines', color: '#f28e2b' },
      { name: 'personalized', ...a, mode: 'lines', color: '#2a9d3a' },
    ],
  });
}

/** Camera profile: validation targets and predictions on the page (screen y drawn upward as −y). */
export function profileFigure(p: GazeProfile): SeriesFigure {
  const v = p.validation.points;
  return series({
    title: 'Camera calibration: validation targets vs predictions (px)',
    caption: `${v.length} validation frames; mean error ${p.validation.meanPx.toFixed(0)} px = ${p.validation.meanDeg.toFixed(2)}° at ${p.screen.distanceCm} cm, ${(p.screen.cmPerPx * 10).toFixed(3)} mm/px.`,
    xLabel: 'x (px)',
    yLabel: '−y (px)',
    width: 560,
    height: 380,
    series: [
      { name: 'targets', x: v.map((q) => q.tx), y: v.map((q) => -q.ty), mode: 'markers', color: '#e5484d' },
      { name: 'predictions', x: v.map((q) => q.px), y: v.map((q) => -q.py), mode: 'markers', color: '#2a9d3a' },
    ],
  });
}

/** Calibration frames as PNG data URLs (gray, at most `max`). */
export function framePngs(f: EyeFrames, max = 8): string[] {
  const out: string[] = [];
  const px = f.h * f.w;
  for (let i = 0; i < Math.min(f.n, max); i++) {
    const u8 = new Uint8Array(px);
    for (let j = 0; j < px; j++) u8[j] = Math.max(0, Math.min(255, Math.round(f.data[i * px + j]! * 255)));
    out.push(pngDataUrl(encodePng(f.w, f.h, 1, u8)));
  }
  return out;
}
