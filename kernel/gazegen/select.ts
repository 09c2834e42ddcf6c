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
import { decodeCenterNet, iou, type CenterNetOutput, type Detection, type DecodeOptions } from '../core/models/centernet';
import type { Selection } from './types';

export interface SelectOptions extends Omit<DecodeOptions, 'window' | 'cover'> {
  /** Restrict decoding to the gaze window (default true); false decodes the whole heatmap. */
  restrict?: boolean;
  /** Window half-width in cells, overriding the one derived from errPx (same k on both axes). */
  k?: number;
  /** Cells added to the error-derived half-width (default 1). */
  kMargin?: number;
  /** Fallback radius = radiusFactor · errPx (default 2). */
  radiusFactor?: number;
  /**
   * Also find, outside the window, large objects whose box covers the gaze point (a sparse lattice search of the
   * heatmap, see core/models/centernet coverSearch); true = lattice step 4. Ignored for a full decode. Default false.
   */
  cover?: boolean | { step?: number; seedFactor?: number };
  /**
   * 'contains' (default): the box containing the point with the best score, else the nearest centre within the radius.
   * 'likelihood': every box within the radius (distance point → box, 0 inside) gets L = score · exp(−d² / 2σ²) with
   * σ = errPx / 2.45 (errPx is the error's 95th-percentile radius; a 2-D Gaussian has p95 radius 2.45σ); the best
   * wins unless the runner-up of another object reaches `ambiguity` × its L, in which case nothing is selected
   * (the gaze cannot tell the two apart; `ambiguous` lists them).
   */
  rule?: 'contains' | 'likelihood';
  /** Runner-up / best likelihood ratio from which the 'likelihood' rule abstains (default 0.5; ≥ 1 never abstains). */
  ambiguity?: number;
  /**
   * The 'likelihood' rule's distance d: 'box' (point → nearest box edge, 0 inside; default) or 'centre' (point → box
   * centre: people look at an object's centre, and the gaze error scatters around it).
   */
  distance?: 'box' | 'centre';
  /** Window half-width scale: k = ⌈windowFactor · errPx / cell⌉ + kMargin (default 1). */
  windowFactor?: number;
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

/** Distance from point (x, y) to a box (0 inside). */
function distToBox(b: readonly number[], x: number, y: number): number {
  const dx = Math.max(b[0]! - x, 0, x - (b[0]! + b[2]!)),
    dy = Math.max(b[1]! - y, 0, y - (b[1]! + b[3]!));
  return Math.hypot(dx, dy);
}

/**
 * The 'likelihood' selection rule (see SelectOptions.rule): score × Gaussian of the point-to-box distance at the gaze
 * error, abstaining when a second box is nearly as likely. Boxes overlapping the best by IoU ≥ 0.5 count as the same
 * object (another class on the same thing), not as a rival.
 */
export function applyLikelihoodRule(
  dets: readonly Detection[],
  x: number,
  y: number,
  errPx: number,
  radiusPx: number,
  ambiguity = 0.5,
  distance: 'box' | 'centre' = 'box',
): Pick<Selection, 'selected' | 'rule'> & { ambiguous?: Detection[] } {
  const sigma = Math.max(errPx, 1e-6) / 2.45;
  const scored = dets
    .map((d) => ({ d, dist: distToBox(d.box, x, y) }))
    .filter((e) => e.dist <= radiusPx)
    .map((e) => {
      const b = e.d.box,
        dl = distance === 'centre' ? Math.hypot(b[0] + b[2] / 2 - x, b[1] + b[3] / 2 - y) : e.dist;
      return { ...e, l: e.d.score * Math.exp(-(dl * dl) / (2 * sigma * sigma)) };
    })
    .sort((a, b) => b.l - a.l);
  const best = scored[0];
  if (!best) return { selected: null, rule: 'none' };
  const rival = scored.find((e) => e !== best && iou(e.d.box, best.d.box) < 0.5);
  if (rival && rival.l >= ambiguity * best.l) return { selected: null, rule: 'none', ambiguous: [best.d, rival.d] };
  return { selected: best.d, rule: best.dist === 0 ? 'contains' : 'nearest' };
}

/**
 * The configured selection rule (options.rule: 'contains' or 'likelihood') over a list of boxes in image pixels, with
 * the fallback radius radiusFactor · errPx. selectObject applies it to one decode; the gaze-centred crop (crop.ts) to
 * the boxes pooled from the photo and its crops.
 */
export function chooseAmong(
  dets: readonly Detection[],
  x: number,
  y: number,
  errPx: number,
  options: Pick<SelectOptions, 'rule' | 'ambiguity' | 'distance' | 'radiusFactor'> = {},
): Pick<Selection, 'selected' | 'rule'> & { ambiguous?: Detection[] } {
  const radiusFactor = options.radiusFactor ?? 2;
  check(Number.isFinite(radiusFactor) && radiusFactor >= 0, () => `radiusFactor must be ≥ 0, got ${describe(radiusFactor)}`);
  const rule = options.rule ?? 'contains';
  if (rule !== 'contains' && rule !== 'likelihood')
    throw new InvalidInput(`rule must be 'contains' or 'likelihood', got ${describe(rule)}`);
  return rule === 'likelihood'
    ? applyLikelihoodRule(dets, x, y, errPx, radiusFactor * errPx, options.ambiguity ?? 0.5, options.distance ?? 'box')
    : applySelectionRule(dets, x, y, radiusFactor * errPx);
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
    } else {
      const wf = options.windowFactor ?? 1;
      check(Number.isFinite(wf) && wf >= 0, () => `windowFactor must be a finite number ≥ 0, got ${describe(wf)}`);
      k = windowHalfWidths(out, wf * errPx, options.kMargin ?? 1);
    }
    const [c, r] = gazeCell(out, x, y);
    window = {
      c0: Math.max(0, c - k[0]),
      c1: Math.min(out.gridW - 1, c + k[0]),
      r0: Math.max(0, r - k[1]),
      r1: Math.min(out.gridH - 1, r + k[1]),
    };
  }
  const cover = options.cover === true ? {} : options.cover || null;
  const dec = decodeCenterNet(out, {
    minScore: options.minScore,
    iou: options.iou,
    maxDetections: options.maxDetections,
    ...(window ? { window } : {}),
    ...(window && cover ? { cover: { x, y, ...cover } } : {}),
  });
  return {
    ...chooseAmong(dec.detections, x, y, errPx, options),
    detections: dec.detections,
    window,
    cellsDecoded: dec.cellsDecoded,
    cellFraction: dec.cellsDecoded / (out.gridW * out.gridH),
    k,
    radiusPx,
  };
}
