/**
 * The selection study with gaze-centred crops (crop.ts): the same photos, objects, gaze points (same seeds as
 * evaluate.ts selectionStudy) and judge, but every gaze point also runs the detector on crops around it. Several
 * variants (which crop scales, whether the full-photo decode joins, thresholds) are scored on the same crop runs, so
 * a variant costs only its decodes; the baseline (the rule on the full-photo restricted decode alone) is scored on
 * the same points in the same run.
 */
import { performance } from 'node:perf_hooks';
import { check } from '../core/errors';
import { rng } from '../core/rng';
import type { CenterNet, CenterNetOutput } from '../core/models/centernet';
import { runGazeCrops, selectWithCrops, type CropCache, type CropSelectOptions } from './crop';
import { gazeAround, median } from './data';
import { emptyObjectResult, judgeSelection, loadLabelledPhoto, quantile, type ObjectResult, type SelectionStudyOptions } from './evaluate';
import type { LabelledPhoto } from './types';
import { boxAngularRadiusDeg, errorPx, makeView } from './view';

export interface CropVariant {
  name: string;
  /** Crop scales this variant uses (each must be in the study's `scales`); [] = no crop. */
  scales: number[];
  options: CropSelectOptions;
}

export interface CropStudyOptions extends Omit<SelectionStudyOptions, 'select' | 'minScore' | 'seed' | 'signal'> {
  /** Seed of the gaze points (default 0; the same seed gives the same points as selectionStudy). */
  seed?: number;
  /** Stops the study between gaze points (AbortError). */
  signal?: AbortSignal;
  /** Every crop scale to run (one network run per scale per gaze point). */
  scales: number[];
  /** Crop corner lattice as a fraction of the side (gazeCropRect; default 0.25): points on the same crop share its run. */
  snap?: number;
  variants: CropVariant[];
}

export interface CropVariantResult {
  name: string;
  scales: number[];
  options: CropSelectOptions;
  objects: ObjectResult[];
  /** Hits over the points at large objects (angular radius ≥ largeFactor × median error). */
  selectionRate: number;
  largeObjects: number;
  /** Wrong selections over all points. */
  wrongRate: number;
  allRate: number;
  /** Mean heatmap cells decoded per gaze point (full window + crop windows), and as a fraction of one 128² heatmap. */
  cellsPerPoint: number;
  cellFraction: number;
  /** Crop network runs per gaze point without reuse (one per scale). */
  cropRuns: number;
  /** Median network time of one crop run (ms; runs reused from the cache not counted). */
  cropMs: number;
  /** Distinct crop runs made for this variant's scales, over all gaze points. */
  distinctCropRuns: number;
}

export interface CropStudy {
  variants: CropVariantResult[];
  medianErrorDeg: number;
  errorEstimateDeg: number;
  points: number;
  /** Median full-photo run, ms (one per photo). */
  fullRunMs: number;
}

/** Score every variant on the same gaze points and crop runs. */
export async function cropSelectionStudy(det: CenterNet, photos: readonly LabelledPhoto[], o: CropStudyOptions): Promise<CropStudy> {
  check(o.errorsDeg.length > 0, 'cropSelectionStudy needs per-frame errors (errorsDeg)');
  for (const v of o.variants)
    for (const s of v.scales)
      check(o.scales.includes(s), `variant ${v.name}: scale ${s} is not among the study's scales ${o.scales.join(', ')}`);
  const fov = o.fovDeg ?? 90,
    n = o.pointsPerObject ?? 20,
    r = rng(o.seed ?? 0);
  const med = median(o.errorsDeg),
    est = quantile(o.errorsDeg, o.errorQuantile ?? 0.95),
    large = (o.largeFactor ?? 2) * med;
  const acc = o.variants.map(() => ({ objects: [] as ObjectResult[], cells: 0, runs: 0 }));
  const cropRunMs = new Map<number, number[]>();
  const fullMs: number[] = [];
  let pts = 0;
  for (const [pi, p] of photos.entries()) {
    o.signal?.throwIfAborted();
    const img = loadLabelledPhoto(p);
    const view = makeView(p.width, p.height, fov);
    const t0 = performance.now();
    const full: CenterNetOutput = await det.run(img);
    fullMs.push(performance.now() - t0);
    const cache: CropCache = new Map();
    for (const [oi, obj] of p.objects.entries()) {
      const radiusDeg = boxAngularRadiusDeg(view, obj.box);
      const res = o.variants.map(() => emptyObjectResult(p.photo, oi, obj.label, radiusDeg, radiusDeg >= large));
      for (const g of gazeAround(view, obj.box, o.errorsDeg, n, r.fork(pi * 1000 + oi))) {
        o.signal?.throwIfAborted();
        const err = errorPx(view, est, g.x, g.y);
        const runs = await runGazeCrops(det, img, g.x, g.y, o.scales, { snap: o.snap ?? 0.25, cache });
        for (const cr of runs) if (cr.ms > 0) cropRunMs.set(cr.crop.scale, [...(cropRunMs.get(cr.crop.scale) ?? []), cr.ms]);
        for (const [vi, v] of o.variants.entries()) {
          const s = selectWithCrops(
            full,
            runs.filter((cr) => v.scales.includes(cr.crop.scale)),
            g.x,
            g.y,
            err,
            v.options,
          );
          const j = judgeSelection(s.selected, p, oi);
          const x = res[vi]!;
          x.points++;
          if (j === 'hit') x.hits++;
          else if (j === 'wrong') x.wrong++;
          else if (j === 'none') x.none++;
          const a = acc[vi]!;
          a.cells += s.cellsDecoded;
          a.runs += s.cropRuns;
        }
        pts++;
      }
      res.forEach((x, vi) => acc[vi]!.objects.push(x));
    }
    o.onPhoto?.(p.photo, pi + 1, photos.length);
  }
  const grid = det.gridSize * det.gridSize;
  const rate = (xs: ObjectResult[], f: (x: ObjectResult) => number) =>
    xs.reduce((t, x) => t + f(x), 0) /
    Math.max(
      1,
      xs.reduce((t, x) => t + x.points, 0),
    );
  return {
    variants: o.variants.map((v, vi) => {
      const a = acc[vi]!,
        big = a.objects.filter((x) => x.large);
      return {
        name: v.name,
        scales: v.scales,
        options: v.options,
        objects: a.objects,
        selectionRate: rate(big, (x) => x.hits),
        largeObjects: big.length,
        wrongRate: rate(a.objects, (x) => x.wrong),
        allRate: rate(a.objects, (x) => x.hits),
        cellsPerPoint: a.cells / Math.max(1, pts),
        cellFraction: a.cells / Math.max(1, pts) / grid,
        cropRuns: a.runs / Math.max(1, pts),
        cropMs: v.scales.length ? median(v.scales.flatMap((sc) => cropRunMs.get(sc) ?? [])) : 0,
        distinctCropRuns: v.scales.reduce((t, sc) => t + (cropRunMs.get(sc)?.length ?? 0), 0),
      };
    }),
    medianErrorDeg: med,
    errorEstimateDeg: est,
    points: pts,
    fullRunMs: median(fullMs),
  };
}
