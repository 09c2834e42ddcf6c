/**
 * Selection under real gaze error, on hand-labelled photos: for every labelled object, gaze points are drawn around
 * its box centre with DFT Gaze's per-frame angular errors (data.ts: gazeAround), and the restricted and the full
 * decode of the same detector run select a box by the same rule (select.ts). A hit is a selected box with IoU ≥ 0.5
 * against the hand box and the same COCO class; a wrong selection is a box that matches another labelled object
 * (IoU ≥ 0.5, and more than with the target). Reports the rate per object size, the restricted/full agreement, the
 * cells decoded and the decode times (GazeGen, arXiv 2411.04335, Sec. 3: restricted decoding to save time).
 */
import { performance } from 'node:perf_hooks';
import { check } from '../core/errors';
import { rng } from '../core/rng';
import { iou, type CenterNet, type Detection } from '../core/models/centernet';
import { loadPhoto } from '../core/vision/photos';
import { gazeAround, median } from './data';
import { selectObject, type SelectOptions } from './select';
import type { LabelledPhoto } from './types';
import { boxAngularRadiusDeg, errorPx, makeView } from './view';

export interface SelectionStudyOptions {
  /** Per-frame angular errors (deg) to draw gaze noise from. */
  errorsDeg: readonly number[];
  /** Horizontal field of view (default 90°). */
  fovDeg?: number;
  /** Gaze points per object (default 20). */
  pointsPerObject?: number;
  /** Seed of the gaze-noise draws. Default 0. */
  seed?: number;
  /** Quantile of errorsDeg used as the source's error estimate for errPx (default 0.95). */
  errorQuantile?: number;
  /** Objects count as large when their angular radius ≥ largeFactor × median error (default 2). */
  largeFactor?: number;
  /** Detector score threshold of both decodes (default: `select.minScore`, else decodeCenterNet's 0.2). */
  minScore?: number;
  /** Selection settings (window margin, cover search, rule…) used by both decodes; minScore above wins. */
  select?: Omit<SelectOptions, 'restrict'>;
  /** Called after each photo (progress). */
  onPhoto?: (photo: string, done: number, total: number) => void;
  /** Checked before every photo; aborting throws (default: none). */
  signal?: AbortSignal;
}

export interface ObjectResult {
  photo: string;
  index: number;
  label: string;
  radiusDeg: number;
  large: boolean;
  points: number;
  hits: number;
  wrong: number;
  none: number;
  /** Full-decode hits on the same points (for comparison). */
  fullHits: number;
}

/** A labelled photo's pixels, checked against the size its hand boxes were drawn on. */
export function loadLabelledPhoto(p: { photo: string; width: number; height: number }): ReturnType<typeof loadPhoto> {
  const img = loadPhoto(p.photo);
  check(
    img.width === p.width && img.height === p.height,
    `${p.photo}: photo is ${img.width}×${img.height}, labels say ${p.width}×${p.height}`,
  );
  return img;
}

/** An object's row before any gaze point is judged: every count 0. */
export function emptyObjectResult(photo: string, index: number, label: string, radiusDeg: number, large: boolean): ObjectResult {
  return { photo, index, label, radiusDeg, large, points: 0, hits: 0, wrong: 0, none: 0, fullHits: 0 };
}

export interface SelectionStudy {
  objects: ObjectResult[];
  medianErrorDeg: number;
  errorEstimateDeg: number;
  /** Over large objects (points pooled). */
  selectionRate: number;
  largeObjects: number;
  /** Over all objects. */
  wrongRate: number;
  allRate: number;
  fullSelectionRate: number;
  /** Restricted vs full: same box (IoU ≥ 0.9) or both nothing. */
  agreement: number;
  /** Agreement over points where the full decode selects something. */
  agreementWhenSelected: number;
  cellFraction: number;
  /** Median decode times (ms) per gaze point, same heatmap. */
  fullDecodeMs: number;
  restrictedDecodeMs: number;
  /** Median detector run (ms) per photo at its own size. */
  detectMs: number;
  points: number;
}

/** The q-quantile of xs (the sorted value at ⌊q·n⌋, clamped). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * s.length)))]!;
}

function same(a: Detection | null, b: Detection | null): boolean {
  if (!a || !b) return a === b;
  return iou(a.box, b.box) >= 0.9 && a.cls === b.cls;
}

/**
 * A selection at a gaze point aimed at object `oi` of photo `p`: 'hit' (IoU ≥ 0.5 with its hand box, same COCO class),
 * 'wrong' (a box matching another labelled object: IoU ≥ 0.5 and more than with the target), 'none', or 'miss'.
 */
export function judgeSelection(s: Detection | null, p: LabelledPhoto, oi: number): 'hit' | 'wrong' | 'none' | 'miss' {
  if (!s) return 'none';
  const obj = p.objects[oi]!;
  const it = iou(s.box, obj.box);
  if (it >= 0.5 && s.label === obj.label) return 'hit';
  const other = p.objects.some((q, qi) => qi !== oi && iou(s.box, q.box) >= 0.5 && iou(s.box, q.box) > it);
  return other ? 'wrong' : 'miss';
}

/** Run the study over labelled photos with one detector run per photo. */
export async function selectionStudy(det: CenterNet, photos: readonly LabelledPhoto[], o: SelectionStudyOptions): Promise<SelectionStudy> {
  check(o.errorsDeg.length > 0, 'selectionStudy needs per-frame errors (errorsDeg)');
  const fov = o.fovDeg ?? 90,
    n = o.pointsPerObject ?? 20,
    r = rng(o.seed ?? 0);
  const med = median(o.errorsDeg),
    est = quantile(o.errorsDeg, o.errorQuantile ?? 0.95),
    large = (o.largeFactor ?? 2) * med;
  const objects: ObjectResult[] = [];
  let agree = 0,
    agreeSel = 0,
    nSel = 0,
    cells = 0,
    pts = 0;
  const fullMs: number[] = [],
    resMs: number[] = [],
    detMs: number[] = [];
  for (const [pi, p] of photos.entries()) {
    o.signal?.throwIfAborted();
    const img = loadLabelledPhoto(p);
    const view = makeView(p.width, p.height, fov);
    const t0 = performance.now();
    const out = await det.run(img);
    detMs.push(performance.now() - t0);
    for (const [oi, obj] of p.objects.entries()) {
      const radiusDeg = boxAngularRadiusDeg(view, obj.box);
      const res = emptyObjectResult(p.photo, oi, obj.label, radiusDeg, radiusDeg >= large);
      for (const g of gazeAround(view, obj.box, o.errorsDeg, n, r.fork(pi * 1000 + oi))) {
        const err = errorPx(view, est, g.x, g.y);
        const a = performance.now();
        const so = { ...o.select, ...(o.minScore !== undefined ? { minScore: o.minScore } : {}) };
        const rs = selectObject(out, g.x, g.y, err, so);
        const b = performance.now();
        const fs = selectObject(out, g.x, g.y, err, { ...so, restrict: false });
        const c = performance.now();
        resMs.push(b - a);
        fullMs.push(c - b);
        const judge = (s: Detection | null) => judgeSelection(s, p, oi);
        const j = judge(rs.selected);
        res.points++;
        if (j === 'hit') res.hits++;
        else if (j === 'wrong') res.wrong++;
        else if (j === 'none') res.none++;
        if (judge(fs.selected) === 'hit') res.fullHits++;
        const s = same(rs.selected, fs.selected);
        agree += s ? 1 : 0;
        if (fs.selected) {
          nSel++;
          agreeSel += s ? 1 : 0;
        }
        cells += rs.cellFraction;
        pts++;
      }
      objects.push(res);
    }
    o.onPhoto?.(p.photo, pi + 1, photos.length);
  }
  const sum = (f: (x: ObjectResult) => number, xs = objects) => xs.reduce((t, x) => t + f(x), 0);
  const big = objects.filter((x) => x.large);
  return {
    objects,
    medianErrorDeg: med,
    errorEstimateDeg: est,
    selectionRate:
      sum((x) => x.hits, big) /
      Math.max(
        1,
        sum((x) => x.points, big),
      ),
    largeObjects: big.length,
    wrongRate:
      sum((x) => x.wrong) /
      Math.max(
        1,
        sum((x) => x.points),
      ),
    allRate:
      sum((x) => x.hits) /
      Math.max(
        1,
        sum((x) => x.points),
      ),
    fullSelectionRate:
      sum((x) => x.fullHits, big) /
      Math.max(
        1,
        sum((x) => x.points, big),
      ),
    agreement: agree / Math.max(1, pts),
    agreementWhenSelected: agreeSel / Math.max(1, nSel),
    cellFraction: cells / Math.max(1, pts),
    fullDecodeMs: median(fullMs),
    restrictedDecodeMs: median(resMs),
    detectMs: median(detMs),
    points: pts,
  };
}

/** Selection rate by object angular radius, in bins of `binDeg` (for the rate-vs-size curve). */
export function rateBySize(study: SelectionStudy, binDeg = 5): { radiusDeg: number; rate: number; objects: number }[] {
  const bins = new Map<number, { h: number; n: number; k: number }>();
  for (const x of study.objects) {
    const b = Math.floor(x.radiusDeg / binDeg) * binDeg;
    const e = bins.get(b) ?? { h: 0, n: 0, k: 0 };
    e.h += x.hits;
    e.n += x.points;
    e.k++;
    bins.set(b, e);
  }
  return [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([b, e]) => ({ radiusDeg: b + binDeg / 2, rate: e.h / e.n, objects: e.k }));
}
