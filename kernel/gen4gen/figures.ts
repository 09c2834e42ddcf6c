/** Figures of Gen4Gen (typed payloads with static fallbacks, kernel/viz). */
import {
  imageOverlay,
  paperVsOursTable as vizPaperVsOurs,
  series,
  type ImageOverlayFigure,
  type PaperRow,
  type SeriesFigure,
  type TableFigure,
} from '../viz';
import type { StudyResult } from './study';
import { resizeRgb } from '../core/vision/rgb';
import type { Composition, Scene } from './types';

/**
 * A composed or repainted scene with each instance's box, label and paste order, downscaled to `maxSide` px (default
 * 320; figure payloads are capped at 2 MB).
 */
export function sceneFigure(
  s: Scene | Composition,
  o: {
    /** Heading (default: the mode or repainter). */ title?: string;
    /** Line under the image (default none). */ caption?: string;
    /** Longest side of the drawn image (px, default 320). */ maxSide?: number;
  } = {},
): ImageOverlayFigure {
  const c = 'composition' in s ? s.composition : s;
  const k = Math.min(1, (o.maxSide ?? 320) / Math.max(s.image.width, s.image.height));
  const img = k < 1 ? resizeRgb(s.image, Math.round(s.image.height * k), Math.round(s.image.width * k)) : s.image;
  return imageOverlay({
    title: o.title ?? ('repainter' in s ? `Scene (${s.repainter})` : `Composition (${c.mode})`),
    caption: o.caption,
    width: img.width,
    height: img.height,
    channels: 3,
    data: img.data,
    boxes: c.instances.map((i) => ({
      x: i.objectBox[0] * k,
      y: i.objectBox[1] * k,
      w: i.objectBox[2] * k,
      h: i.objectBox[3] * k,
      label: `${i.order + 1}. ${i.name}${i.occluded > 0 ? ` (${Math.round(100 * i.occluded)}% hidden)` : ''}`,
      color: '#2ca02c',
    })),
  });
}

/** CP-CLIP per composition for the four variants (sorted by the correct score). */
export function orderingFigure(
  r: StudyResult,
  o: {
    /** Plot the oracle-box scores (default false: the detector's). */
    oracle?: boolean;
  } = {},
): SeriesFigure {
  const get = (row: StudyResult['rows'][number]): Record<string, number> => (o.oracle ? row.cpOracle! : row.cp);
  const rows = [...r.rows].sort((a, b) => get(a).correct! - get(b).correct!);
  const x = rows.map((_, i) => i);
  return series({
    title: `CP-CLIP by composition (${o.oracle ? 'oracle boxes' : r.detector.split(' ')[0]}; embedder ${r.embedder.split(' ')[0]})`,
    xLabel: 'composition (sorted by correct)',
    yLabel: 'CP-CLIP (raw cosine)',
    series: (['correct', 'swapped', 'missing', 'random'] as const).map((v) => ({ name: v, x, y: rows.map((row) => get(row)[v]!) })),
  });
}

/** The closing paper-vs-ours table. */
export function paperVsOursTable(rows: readonly PaperRow[]): TableFigure {
  return vizPaperVsOurs('Gen4Gen: paper vs ours', rows);
}
