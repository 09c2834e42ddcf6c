/**
 * Gaze-centred crops: run the detector again on a square cut of the photo around the gaze point, resized to the
 * detector's 512² input, and map its boxes back. GazeGen (arXiv 2411.04335, Sec. 3) restricts a YOLO decode to the
 * grid cells around the gaze cell of ONE network run on the whole view; on a 512-px detector a photo's small or
 * mid-sized object covers few input pixels, so the detector may miss it or call it something else however the decode
 * is restricted. A crop of side s around the gaze shows the region at (512 / s) input px per photo px instead of
 * 512 / max(W, H) — more detail where the user looks, at the price of one more network run per selection. That price
 * is counted (CropSelection.cropMs, cellsDecoded), not hidden.
 *
 *   side  = round(scale · min(W, H))                        (square: the crop is not stretched, the full photo is)
 *   x0    = clamp(round(x − side/2), 0, W − side)           (centred at the gaze, shifted to stay inside the photo)
 *   box   = crop box + (x0, y0)                              (crop pixels are photo pixels: the crop is a cut, not a resize)
 *
 * Each crop is decoded the paper's way, restricted to ±k cells of the gaze cell in the crop's own grid (k from the
 * gaze error in crop cells, select.ts windowHalfWidths), so the crop's cells count in the decode cost too. A box the
 * crop cut off (an edge within `edgeTol` of a crop edge that is not a photo edge) describes a truncated object and is
 * dropped by default; objects larger than the crop are the full-photo decode's job (`withFull`). The boxes of the
 * photo and of every crop are pooled, class-agnostic NMS keeps the best of overlapping boxes, and the same selection
 * rule as selectObject picks one (chooseAmong).
 */
import { performance } from 'node:perf_hooks';
import { InvalidInput, check, describe } from '../core/errors';
import { nms, type CenterNet, type CenterNetOutput, type Detection } from '../core/models/centernet';
import { checkRgb, cropRgb, type RgbImage } from '../core/vision/rgb';
import { chooseAmong, selectObject, type SelectOptions } from './select';
import type { Selection } from './types';

/** A square crop in photo pixels: top-left (x0, y0) and side. */
export interface GazeCrop {
  x0: number;
  y0: number;
  side: number;
  /** The scale it was made for (side ≈ scale · min(W, H)). */
  scale: number;
  /** The photo's size (a crop edge on the photo's edge cuts nothing off). */
  photoWidth: number;
  photoHeight: number;
}

/** One crop and the detector's raw output on it. */
export interface CropRun {
  crop: GazeCrop;
  out: CenterNetOutput;
  /** Network run on the crop (cut + resize + inference + read-back), ms. */
  ms: number;
}

export interface CropSelectOptions extends Omit<SelectOptions, 'restrict' | 'k' | 'cover'> {
  /** Use the restricted decode of the full-photo run too (default true). */
  withFull?: boolean;
  /** Drop crop boxes cut off by a crop edge inside the photo (default true). */
  dropTruncated?: boolean;
  /** Distance (photo px, as a fraction of the crop side) within which a box edge counts as the crop edge (default 0.01). */
  edgeTol?: number;
  /** NMS IoU threshold for the pooled boxes (default 0.4, as decodeCenterNet). */
  iou?: number;
}

export interface CropSelection extends Pick<Selection, 'selected' | 'rule' | 'ambiguous'> {
  /** The pooled boxes after NMS (photo pixels). */
  detections: Detection[];
  /** Heatmap cells decoded: the full run's window (when used) plus every crop's window. */
  cellsDecoded: number;
  /** Network runs on crops for this selection. */
  cropRuns: number;
  /** Sum of the crops' network times (ms): the extra cost over a single full-photo run. */
  cropMs: number;
  /** Crop boxes dropped as truncated. */
  truncated: number;
}

/**
 * The square crop of side scale · min(W, H) centred at (x, y), shifted to lie inside the W×H photo. With `snap` > 0 the
 * corner is rounded to a lattice of step snap · side, so the jitter of one fixation's gaze (a few pixels to tens of
 * pixels) lands on the same crop and its network run can be reused (runGazeCrops' cache); the gaze then sits within
 * snap · side / 2 of the crop centre instead of at it.
 */
export function gazeCropRect(width: number, height: number, x: number, y: number, scale: number, snap = 0): GazeCrop {
  check(Number.isFinite(scale) && scale > 0 && scale <= 1, () => `crop scale must be in (0, 1], got ${describe(scale)}`);
  check(Number.isFinite(snap) && snap >= 0 && snap <= 0.5, () => `crop snap must be in [0, 0.5], got ${describe(snap)}`);
  if (!Number.isFinite(x) || !Number.isFinite(y) || x < 0 || y < 0 || x >= width || y >= height)
    throw new InvalidInput(`gaze point (${describe(x)}, ${describe(y)}) is outside the ${width}×${height} photo`);
  const side = Math.max(8, Math.round(scale * Math.min(width, height)));
  const step = Math.max(1, Math.round(snap * side));
  const at = (v: number, hi: number) =>
    Math.min(Math.max(snap > 0 ? Math.round((v - side / 2) / step) * step : Math.round(v - side / 2), 0), hi);
  return { x0: at(x, width - side), y0: at(y, height - side), side, scale, photoWidth: width, photoHeight: height };
}

/** Crop runs already made on one photo, keyed by scale and corner (runGazeCrops reuses them). Per photo: clear it on a new one. */
export type CropCache = Map<string, CropRun>;

export interface RunCropsOptions {
  /** Crop corner lattice as a fraction of the side (gazeCropRect; default 0: the crop exactly centred at the gaze). */
  snap?: number;
  /** Runs already made on this photo, reused for the same scale and corner (default: none, every call runs). */
  cache?: CropCache;
}

/**
 * Run the detector on the gaze-centred crop at each scale (one network run per scale, unless `cache` holds that crop
 * already: a reused run reports ms 0, since it cost nothing this time).
 */
export async function runGazeCrops(
  det: CenterNet,
  img: RgbImage,
  x: number,
  y: number,
  scales: readonly number[],
  o: RunCropsOptions = {},
): Promise<CropRun[]> {
  checkRgb(img);
  check(scales.length > 0, 'runGazeCrops needs at least one crop scale');
  const runs: CropRun[] = [];
  for (const s of scales) {
    const crop = gazeCropRect(img.width, img.height, x, y, s, o.snap ?? 0);
    const key = `${s}:${crop.x0}:${crop.y0}`;
    const hit = o.cache?.get(key);
    if (hit) {
      runs.push({ ...hit, ms: 0 });
      continue;
    }
    const t0 = performance.now();
    const out = await det.run(cropRgb(img, crop.x0, crop.y0, crop.side, crop.side));
    const run = { crop, out, ms: performance.now() - t0 };
    o.cache?.set(key, run);
    runs.push(run);
  }
  return runs;
}

/**
 * Select at gaze point (x, y) from the full-photo run (`full`, may be null with withFull: false) and the crop runs,
 * each decoded restricted to its gaze window, pooled, NMS'd and ruled on as described at the top of this file.
 */
export function selectWithCrops(
  full: CenterNetOutput | null,
  crops: readonly CropRun[],
  x: number,
  y: number,
  errPx: number,
  options: CropSelectOptions = {},
): CropSelection {
  const withFull = options.withFull ?? true;
  if (withFull && !full) throw new InvalidInput('selectWithCrops: withFull needs the full-photo output (got null)');
  if (!withFull && !crops.length) throw new InvalidInput('selectWithCrops: no crops and withFull false: nothing to select from');
  const tol = options.edgeTol ?? 0.01;
  check(Number.isFinite(tol) && tol >= 0, () => `edgeTol must be ≥ 0, got ${describe(tol)}`);
  const { withFull: _w, dropTruncated: _d, edgeTol: _e, iou: _i, ...sel } = options;
  const pool: Detection[] = [];
  let cells = 0,
    truncated = 0,
    ms = 0;
  if (withFull && full) {
    const s = selectObject(full, x, y, errPx, sel);
    pool.push(...s.detections);
    cells += s.cellsDecoded;
  }
  for (const { crop, out, ms: t } of crops) {
    ms += t;
    const s = selectObject(out, Math.min(x - crop.x0, crop.side - 1e-6), Math.min(y - crop.y0, crop.side - 1e-6), errPx, sel);
    cells += s.cellsDecoded;
    const W = crop.photoWidth,
      H = crop.photoHeight;
    const eps = tol * crop.side;
    for (const d of s.detections) {
      const [bx, by, bw, bh] = d.box;
      const cut =
        (crop.x0 > 0 && bx <= eps) ||
        (crop.y0 > 0 && by <= eps) ||
        (crop.x0 + crop.side < W && bx + bw >= crop.side - eps) ||
        (crop.y0 + crop.side < H && by + bh >= crop.side - eps);
      if (cut && (options.dropTruncated ?? true)) {
        truncated++;
        continue;
      }
      pool.push({ ...d, box: [bx + crop.x0, by + crop.y0, bw, bh] });
    }
  }
  const dets = nms(pool, options.iou ?? 0.4);
  return { ...chooseAmong(dets, x, y, errPx, sel), detections: dets, cellsDecoded: cells, cropRuns: crops.length, cropMs: ms, truncated };
}
