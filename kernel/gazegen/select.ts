/**
 * Gaze-driven object detection (GazeGen, arXiv 2411.04335, Sec. 3): "instead of decoding every grid cell, take the
 * cell g_{x,y} containing the gaze point and its neighbours g_{x+m,y+n}, m, n ∈ {−k…k}; predict boxes and classes only
 * there", which also shrinks non-maximum suppression. The paper uses YOLOv9 and gives no k. Here the detector is the
 * COCO CenterNet of core/models (a stand-in for YOLO: an anchor-free grid detector with a 128×128 heatmap, stride 4 in
 * its 512² input) and the restriction is applied to its own grid:
 *
 *   cell(x, y)  = (⌊x · 128 / W⌋, ⌊y · 128 / H⌋)           (the photo is stretched to 512², so cells are W/128 × H/128 px)
 *   k_x = ⌈errPx / (W/128)⌉ + kMargin,  k_y = ⌈errPx / (H/128)⌉ + kMargin     (default kMargin 1)
 *
 * so the window covers the gaze error in pixels plus a margin. CenterNet puts an object's box at its centre peak, so
 * the restricted decode finds an object when its centre lies within the window; gaze on an object's edge, farther than
 * errPx from its centre, misses it (a limit of restricting a centre-point detector that the full decode does not have).
 *
 * Selection rule: among the decoded boxes, the one containing the gaze point with the highest score; otherwise the
 * box whose centre is nearest to the point within radius r = radiusFactor · errPx (default 2); otherwise nothing —
 * "no selection" is a result, not an error. selectObject(..., { restrict: false }) runs the same rule on the full
 * decode of the same heatmap, for comparison.
 */
import { InvalidInput, check, describe } from '../core/errors';
import { decodeCenterNet, type CenterNetOutput, type Detection, type DecodeOptions } from '../core/models/centernet';
import type { Selection } from './types';

export interface SelectOptions extends Omit<DecodeOptions, 'window'> {
  /** Restrict decoding to the gaze window (default true); false decodes the whole heatmap. */
  restrict?: boolean;
  /** Window half-width in cells, overriding the one derived from errPx (same k on both axes). */
  k?: number;
  /** Cells added to the error-derived half-width (default 1). */
  kMargin?: number;
  /** Fallback radius = radiusFactor · errPx (default 2). */
  radiusFactor?: number;
}

/** Heatmap cell [col, row] holding image point (x, y). */
export function gazeCell(out: CenterNetOutput, x: number, y: number): [number, number] {
  return [
    Math.min(out.gridW - 1, Math.max(0, Math.floor((x * out.gridW) / out.imageWidth))),
    Math.min(out.gridH - 1, Math.max(0, Math.floor((y * out.gridH) / out.imageHeight))),
  ];
}

/** Window half-widths (k_x, k_y) in cells for a gaze error of errPx pixels. */
export function windowHalfWidths(out: CenterNetOutput, errPx: number, kMargin = 1): [number, number] {
  check(Number.isFinite(errPx) && errPx >= 0, () => `errPx must be a finite number ≥ 0, got ${describe(errPx)}`);
  check(Number.isInteger(kMargin) && kMargin >= 0, () => `kMargin must be an integer ≥ 0, got ${describe(kMargin)}`);
  return [Math.ceil(errPx / (out.imageWidth / out.gridW)) + kMargin, Math.ceil(errPx / (out.imageHeight / out.gridH)) + kMargin];
}

function checkGaze(out: CenterNetOutput, x: number, y: number, errPx: number): void {
  if (!Number.isFinite(x) || !Number.isFinite(y))
    throw new InvalidInput(`gaze point must be finite image coordinates, got (${describe(x)}, ${describe(y)})`);
  if (x < 0 || y < 0 || x >= out.imageWidth || y >= out.imageHeight)
    throw new InvalidInput(
      `gaze point (${x.toFixed(1)}, ${y.toFixed(1)}) is outside the ${out.imageWidth}×${out.imageHeight} image; expected 0 ≤ x < ${out.imageWidth}, 0 ≤ y < ${out.imageHeight}`,
    );
  if (!Number.isFinite(errPx) || errPx < 0) throw new InvalidInput(`gaze errPx must be a finite number ≥ 0, got ${describe(errPx)}`);
}

/** The selection rule on a list of boxes (exported for tests and for other detectors' boxes). */
export function applySelectionRule(
  dets: readonly Detection[],
  x: number,
  y: number,
  radiusPx: number,
): Pick<Selection, 'selected' | 'rule'> {
  let best: Detection | null = null;
  for (const d of dets) {
    const [bx, by, bw, bh] = d.box;
    if (x >= bx && x <= bx + bw && y >= by && y <= by + bh && (!best || d.score > best.score)) best = d;
  }
  if (best) return { selected: best, rule: 'contains' };
  let near: Detection | null = null,
    nd = Infinity;
  for (const d of dets) {
    const dist = Math.hypot(d.box[0] + d.box[2] / 2 - x, d.box[1] + d.box[3] / 2 - y);
    if (dist <= radiusPx && dist < nd) {
      nd = dist;
      near = d;
    }
  }
  return near ? { selected: near, rule: 'nearest' } : { selected: null, rule: 'none' };
}

/**
 * Select the object at gaze point (x, y) with pixel error errPx, from one run of the detector (CenterNet.run).
 * @throws InvalidInput for NaN gaze, a point outside the image, a negative error.
 */
export function selectObject(out: CenterNetOutput, x: number, y: number, errPx: number, options: SelectOptions = {}): Selection {
  checkGaze(out, x, y, errPx);
  const radiusFactor = options.radiusFactor ?? 2;
  check(Number.isFinite(radiusFactor) && radiusFactor >= 0, () => `radiusFactor must be ≥ 0, got ${describe(radiusFactor)}`);
  const radiusPx = radiusFactor * errPx;
  const restrict = options.restrict ?? true;
  let k: [number, number] = [out.gridW, out.gridH];
  let window: Selection['window'] = null;
  if (restrict) {
    if (options.k !== undefined) {
      check(Number.isInteger(options.k) && options.k >= 0, () => `k must be an integer ≥ 0, got ${describe(options.k)}`);
      k = [options.k, options.k];
    } else k = windowHalfWidths(out, errPx, options.kMargin ?? 1);
    const [c, r] = gazeCell(out, x, y);
    window = {
      c0: Math.max(0, c - k[0]),
      c1: Math.min(out.gridW - 1, c + k[0]),
      r0: Math.max(0, r - k[1]),
      r1: Math.min(out.gridH - 1, r + k[1]),
    };
  }
  const dec = decodeCenterNet(out, {
    minScore: options.minScore,
    iou: options.iou,
    maxDetections: options.maxDetections,
    ...(window ? { window } : {}),
  });
  return {
    ...applySelectionRule(dec.detections, x, y, radiusPx),
    detections: dec.detections,
    window,
    cellsDecoded: dec.cellsDecoded,
    cellFraction: dec.cellsDecoded / (out.gridW * out.gridH),
    k,
    radiusPx,
  };
}
