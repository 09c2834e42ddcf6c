/** Figures of GazeGen's selection stage (typed payloads with static fallbacks, kernel/viz). */
import {
  imageOverlay,
  paperVsOursTable as vizPaperVsOurs,
  series,
  type ImageOverlayFigure,
  type PaperRow,
  type SeriesFigure,
  type TableFigure,
} from '../viz';
import type { RgbImage } from '../core/vision/rgb';
import type { CenterNetOutput } from '../core/models/centernet';
import type { GazeSample, Selection } from './types';
import { rateBySize, type SelectionStudy } from './evaluate';

/**
 * The photo with the gaze point, the decoded cell window (restricted decoding), every decoded box and the selected
 * one; optional gaze samples (a trace) as small points.
 */
export function selectionFigure(
  img: RgbImage,
  out: CenterNetOutput,
  gaze: { x: number; y: number },
  sel: Selection,
  o: {
    /** Default 'Selected: <label>' (or 'No selection'). */
    title?: string;
    /** Default: none. */
    caption?: string;
    /** Gaze samples drawn as small points (default: none). */
    trace?: readonly GazeSample[];
  } = {},
): ImageOverlayFigure {
  const cw = out.imageWidth / out.gridW,
    ch = out.imageHeight / out.gridH;
  const boxes: NonNullable<ImageOverlayFigure['boxes']> = [];
  if (sel.window)
    boxes.push({
      x: sel.window.c0 * cw,
      y: sel.window.r0 * ch,
      w: (sel.window.c1 - sel.window.c0 + 1) * cw,
      h: (sel.window.r1 - sel.window.r0 + 1) * ch,
      label: `decoded cells (${(100 * sel.cellFraction).toFixed(1)}%)`,
      color: '#1f77b4',
    });
  for (const d of sel.detections)
    if (d !== sel.selected)
      boxes.push({ x: d.box[0], y: d.box[1], w: d.box[2], h: d.box[3], label: `${d.label} ${d.score.toFixed(2)}`, color: '#7f7f7f' });
  if (sel.selected) {
    const d = sel.selected;
    boxes.push({
      x: d.box[0],
      y: d.box[1],
      w: d.box[2],
      h: d.box[3],
      label: `selected: ${d.label} ${d.score.toFixed(2)} (${sel.rule})`,
      color: '#2ca02c',
    });
  }
  const points: NonNullable<ImageOverlayFigure['points']> = (o.trace ?? []).map((s) => ({ x: s.x, y: s.y, color: '#ff7f0e' }));
  points.push({ x: gaze.x, y: gaze.y, label: 'gaze', color: '#d62728' });
  return imageOverlay({
    title: o.title ?? (sel.selected ? `Selected: ${sel.selected.label}` : 'No selection'),
    caption: o.caption,
    width: img.width,
    height: img.height,
    channels: 3,
    data: img.data,
    boxes,
    points,
  });
}

/** Selection rate against object angular radius (5° bins), with the 2× median error mark. */
export function selectionRateFigure(study: SelectionStudy): SeriesFigure {
  const bins = rateBySize(study, 5);
  return series({
    title: 'Selection rate vs object size under DFT Gaze error',
    caption: `${study.points} gaze points, noise = per-frame errors (median ${study.medianErrorDeg.toFixed(2)}°); the line marks 2× the median error`,
    series: [
      { name: 'hit rate', x: bins.map((b) => b.radiusDeg), y: bins.map((b) => b.rate), mode: 'lines+markers' },
      { name: '2× median error', x: [2 * study.medianErrorDeg, 2 * study.medianErrorDeg], y: [0, 1], mode: 'lines', dash: 'dash' },
    ],
    xLabel: 'object angular radius (deg)',
    yLabel: 'selection rate',
  });
}

export type { PaperRow } from '../viz/paper';

/** The closing paper-vs-ours table. */
export function paperVsOursTable(rows: readonly PaperRow[]): TableFigure {
  return vizPaperVsOurs('GazeGen (arXiv 2411.04335) selection vs this port', rows);
}
