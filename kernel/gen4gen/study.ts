/**
 * Does CP-CLIP (Gen4Gen, arXiv 2402.15504, Eq. 4) measure identity, not only presence? On real photos, for each
 * composition of personal concepts we build four scenes with the same layout and background and score them:
 *   correct  — the concepts themselves (one view pasted; references = the concept's OTHER views, never the pasted one);
 *   swapped  — one concept replaced by another object of the same COCO class (another cat, another potted plant), so
 *              presence is unchanged and only identity differs;
 *   missing  — that concept dropped (|O′| unchanged);
 *   random   — as many cut-outs of other classes, at random places.
 * A metric that rewards identity orders them correct > swapped > missing > random; the correct − swapped gap is the
 * part of CP-CLIP presence alone cannot produce. Reported with a bootstrap 95 % interval over compositions.
 */
import { InvalidInput, checkInt, throwIfAborted } from '../core/errors';
import { iou } from '../core/models/centernet';
import { rng } from '../core/rng';
import { cropRgb, type RgbImage } from '../core/vision/rgb';
import { compose } from './compose';
import { foregroundOnBlack } from './concepts';
import { builtinConcepts, LOOKALIKE_OF } from './data';
import { offlineLayout } from './layout';
import { cpClip, type ImageEmbedder, type OpenVocabDetector, type SelectOptions } from './metrics';
import { blendRepainter, DEFAULT_BACKGROUNDS } from './repaint';
import type { Box, Concept, Layout } from './types';

export type Variant = 'correct' | 'swapped' | 'missing' | 'random';
export const VARIANTS: readonly Variant[] = ['correct', 'swapped', 'missing', 'random'];

/** One composition of the study: which concepts, which view of each is pasted, which one is swapped/dropped. */
export interface StudySpec {
  index: number;
  seed: number;
  concepts: string[];
  views: Record<string, number>;
  target: string;
  background: string;
}

/**
 * The study's compositions: `split` 'validation' (seeds 10 000 + i) or 'test' (seeds i) — disjoint, so settings chosen
 * on validation never see a test composition. 2 or 3 concepts from {house-cat, aloe, motorcycle}, at least one of them
 * with a look-alike (the swap/drop target).
 */
export function studySpecs(n: number, split: 'validation' | 'test', concepts: readonly Concept[]): StudySpec[] {
  checkInt('study compositions', n, 1, 10000);
  const byId = new Map(concepts.map((c) => [c.id, c]));
  const pool = ['house-cat', 'aloe', 'motorcycle'].filter((id) => byId.has(id));
  const swappable = Object.keys(LOOKALIKE_OF).filter((id) => byId.has(id));
  if (!swappable.length) throw new InvalidInput('studySpecs: the library has no concept with a look-alike (house-cat or aloe)');
  const bgs = Object.keys(DEFAULT_BACKGROUNDS);
  return Array.from({ length: n }, (_, i) => {
    const seed = (split === 'validation' ? 10000 : 0) + i;
    const r = rng(seed);
    const target = swappable[r.int(swappable.length)]!;
    const others = pool.filter((id) => id !== target);
    const k = r.next() < 0.5 ? 1 : Math.min(2, others.length);
    const chosen = [target, ...Array.from(r.sample(others.length, k), (j) => others[j]!)];
    const order = r.shuffle(chosen.slice());
    const views: Record<string, number> = {};
    for (const id of order) views[id] = r.int(byId.get(id)!.views.length);
    return { index: i, seed, concepts: order, views, target, background: bgs[r.int(bgs.length)]! };
  });
}

/** Reference images of a concept: its views except `exclude`, as box crops of the source photo or foregrounds on black. */
export function referenceImages(c: Concept, exclude: number, mode: 'box-crop' | 'foreground' = 'box-crop'): RgbImage[] {
  const out: RgbImage[] = [];
  c.views.forEach((v, i) => {
    if (i === exclude) return;
    const m = /\[(\d+), (\d+), (\d+), (\d+)\]/.exec(v.source);
    const img = mode === 'foreground' ? foregroundOnBlack(v.image, v.mask) : v.image;
    out.push(m ? cropRgb(img, +m[1]!, +m[2]!, Math.min(+m[3]!, img.width - +m[1]!), Math.min(+m[4]!, img.height - +m[2]!)) : img);
  });
  if (!out.length) throw new InvalidInput(`concept ${c.id} has one view; references need another view than the pasted one`);
  return out;
}

export interface StudyOptions extends SelectOptions {
  /** Number of compositions (default 50). */
  n?: number;
  /** 'test' (default: seeds 0..n-1) or 'validation' (seeds 10 000 + i). */
  split?: 'validation' | 'test';
  embedder: ImageEmbedder;
  detector: OpenVocabDetector;
  /** Reference images: 'box-crop' (default, the photo inside the hand box) or 'foreground' (segmented, on black). */
  refs?: 'box-crop' | 'foreground';
  /** Pad each detected crop by this fraction of its side before embedding (default 0). */
  cropPad?: number;
  /** Output canvas (default 512). */
  size?: number;
  /** Concept library (default: builtinConcepts()). */
  concepts?: Concept[];
  /** Called after each composition (default none). */
  progress?: (done: number, total: number) => void;
  /** Stops the study between compositions (Aborted). */
  signal?: AbortSignal;
  /** Keep the four scenes of the first `keepScenes` compositions (for figures; default 0). */
  keepScenes?: number;
  /** Also score every scene with an oracle detector (the compositor's own boxes, score 1): isolates the embedder's
   *  identity signal from the detector's recall. Default true. */
  oracle?: boolean;
  /** Reuse composed + repainted scenes across calls (keyed by split, seed, variant and size); default none. Lets a
   *  caller compare detectors and embedders on the same scenes without composing them again. */
  sceneCache?: Map<string, { image: RgbImage; boxes: { label: string; box: Box }[] }>;
}

/** Counts of one adjacent pair of the ordering over compositions: a > b, a = b (ties, e.g. both 0), a < b. */
export interface PairCounts {
  gt: number;
  eq: number;
  lt: number;
}

/** Which inequality of correct > swapped > missing > random holds, ties or fails, per adjacent pair (counts). */
export interface OrderingBreakdown {
  correctVsSwapped: PairCounts;
  swappedVsMissing: PairCounts;
  missingVsRandom: PairCounts;
  /** Compositions where every variant scored exactly 0 (nothing detected anywhere). */
  allZero: number;
}

/** The ordering's per-pair counts (pure): tells a tie (the detector found nothing in either) from a reversal. */
export function orderingBreakdown(cps: readonly Record<Variant, number>[]): OrderingBreakdown {
  const pair = (a: Variant, b: Variant): PairCounts => ({
    gt: cps.filter((c) => c[a] > c[b]).length,
    eq: cps.filter((c) => c[a] === c[b]).length,
    lt: cps.filter((c) => c[a] < c[b]).length,
  });
  return {
    correctVsSwapped: pair('correct', 'swapped'),
    swappedVsMissing: pair('swapped', 'missing'),
    missingVsRandom: pair('missing', 'random'),
    allZero: cps.filter((c) => VARIANTS.every((v) => c[v] === 0)).length,
  };
}

export interface StudyRow {
  spec: StudySpec;
  cp: Record<Variant, number>;
  /** Boxes the detector kept, per variant (for diagnostics). */
  detected: Record<Variant, number>;
  /** Of those, boxes on a pasted object of their label (IoU ≥ 0.5 with the compositor's box); the rest are false
   *  positives (in 'random' scenes every kept box is one: no object there has a requested label). */
  onTarget: Record<Variant, number>;
  /** CP with the oracle detector (when `oracle`). */
  cpOracle?: Record<Variant, number>;
}

export interface StudyResult {
  rows: StudyRow[];
  /** Fraction of compositions with correct > swapped > missing > random. */
  orderingFraction: number;
  /** Fraction with each adjacent pair in order. */
  pairwise: { correctOverSwapped: number; swappedOverMissing: number; missingOverRandom: number };
  /** Per-pair counts of >, = and < (which inequality fails, and whether by a tie). */
  breakdown: OrderingBreakdown;
  mean: Record<Variant, number>;
  gap: { mean: number; ciLow: number; ciHigh: number };
  embedder: string;
  detector: string;
  paperComparable: boolean;
  scenes: { spec: StudySpec; images: Record<Variant, RgbImage> }[];
  /** The same summary with the oracle detector (diagnostic), when `oracle`. */
  oracle?: {
    orderingFraction: number;
    mean: Record<Variant, number>;
    gap: { mean: number; ciLow: number; ciHigh: number };
    breakdown: OrderingBreakdown;
  };
}

/** A detector that returns given boxes (label, score 1) whatever the image: the compositor's ground truth. */
export function oracleDetector(boxes: readonly { label: string; box: Box }[]): OpenVocabDetector {
  return {
    id: 'oracle (compositor boxes)',
    detect: async (_img, labels) => boxes.filter((b) => labels.includes(b.label)).map((b) => ({ ...b, score: 1 })),
  };
}

/** Percentile bootstrap of the mean (seeded): [low, high] at 1 − alpha. */
export function bootstrapMeanCi(
  xs: readonly number[],
  o: {
    /** Resampling seed (default 0). */ seed?: number;
    /** Bootstrap resamples (default 2000). */ resamples?: number;
    /** 1 − confidence (default 0.05). */ alpha?: number;
  } = {},
): [number, number] {
  if (!xs.length) throw new InvalidInput('bootstrapMeanCi: no values');
  const r = rng(o.seed ?? 0);
  const B = o.resamples ?? 2000,
    alpha = o.alpha ?? 0.05;
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[r.int(xs.length)]!;
    means[b] = s / xs.length;
  }
  means.sort();
  const q = (p: number): number => means[Math.min(B - 1, Math.max(0, Math.floor(p * B)))]!;
  return [q(alpha / 2), q(1 - alpha / 2)];
}

/** Run the ordering study. Allocates no tensors beyond the embedder's/detector's own (they are the caller's to dispose). */
export async function orderingStudy(o: StudyOptions): Promise<StudyResult> {
  const size = o.size ?? 512;
  const concepts = o.concepts ?? (await builtinConcepts());
  const byId = new Map(concepts.map((c) => [c.id, c]));
  const specs = studySpecs(o.n ?? 50, o.split ?? 'test', concepts);
  const distractors = concepts.filter((c) => !byId.has(c.id) || !['house-cat', 'aloe', 'motorcycle', 'chelsea', 'plant'].includes(c.id));
  // equal size ratios: the study is about identity, and small objects would only test the detector's recall
  const layoutP = offlineLayout({ ratios: Object.fromEntries(concepts.map((c) => [c.label, 1])) });
  const repainter = blendRepainter();
  const refCache = new Map<string, Float32Array[]>();
  const refsOf = async (c: Concept, exclude: number): Promise<Float32Array[]> => {
    const key = `${c.id}#${exclude}`;
    let e = refCache.get(key);
    if (!e) refCache.set(key, (e = await o.embedder.embedImages(referenceImages(c, exclude, o.refs))));
    return e;
  };
  const rows: StudyRow[] = [];
  const scenes: StudyResult['scenes'] = [];
  let paperComparable = false;
  for (const spec of specs) {
    throwIfAborted(o.signal);
    const cs = spec.concepts.map((id) => byId.get(id)!);
    const layout = await layoutP.layout({
      objects: cs.map((c) => ({ name: c.id, label: c.label, aspect: aspectOf(c, spec.views[c.id]!) })),
      seed: spec.seed,
      backgrounds: [spec.background],
    });
    const look = byId.get(LOOKALIKE_OF[spec.target]!)!;
    const r = rng(spec.seed + 7);
    const variants: Record<Variant, { lib: Concept[]; layout: Layout; views: Record<string, number> }> = {
      correct: { lib: cs, layout, views: spec.views },
      swapped: {
        lib: cs.map((c) => (c.id === spec.target ? look : c)),
        layout: renameBox(layout, spec.target, look.id),
        views: { ...spec.views, [look.id]: 0 },
      },
      missing: {
        lib: cs.filter((c) => c.id !== spec.target),
        layout: { ...layout, boxes: layout.boxes.filter((b) => b.name !== spec.target) },
        views: spec.views,
      },
      random: await randomVariant(cs.length, distractors, r.int(1 << 30), spec.background, layoutP),
    };
    const refs = await Promise.all(cs.map((c) => refsOf(c, spec.views[c.id]!)));
    const row: StudyRow = {
      spec,
      cp: {} as Record<Variant, number>,
      detected: {} as Record<Variant, number>,
      onTarget: {} as Record<Variant, number>,
    };
    const imgs = {} as Record<Variant, RgbImage>;
    for (const v of VARIANTS) {
      const x = variants[v];
      const key = `${o.split ?? 'test'}|${spec.seed}|${v}|${size}`;
      let scene = o.sceneCache?.get(key);
      if (!scene) {
        const comp = compose(x.lib, x.layout, { mode: 'strict', size, views: x.views, seed: spec.seed, minObjects: 1 });
        const image = (await repainter.repaint(comp, { background: spec.background, seed: spec.seed })).image;
        scene = { image, boxes: comp.instances.map((i) => ({ label: i.label, box: i.objectBox })) };
        o.sceneCache?.set(key, scene);
      }
      const res = await cpClip({
        image: scene.image,
        concepts: cs.map((c) => ({ id: c.id, label: c.label, refs: [] })),
        refEmbeddings: refs,
        detector: o.detector,
        embedder: o.embedder,
        ...(o.scoreThreshold !== undefined ? { scoreThreshold: o.scoreThreshold } : {}),
        ...(o.nmsIou !== undefined ? { nmsIou: o.nmsIou } : {}),
        ...(o.duplicatePolicy ? { duplicatePolicy: o.duplicatePolicy } : {}),
        ...(o.cropPad !== undefined ? { cropPad: o.cropPad } : {}),
      });
      paperComparable = res.paperComparable;
      if (o.oracle ?? true) {
        const orc = await cpClip({
          image: scene.image,
          concepts: cs.map((c) => ({ id: c.id, label: c.label, refs: [] })),
          refEmbeddings: refs,
          detector: oracleDetector(scene.boxes),
          embedder: o.embedder,
          ...(o.duplicatePolicy ? { duplicatePolicy: o.duplicatePolicy } : {}),
          ...(o.cropPad !== undefined ? { cropPad: o.cropPad } : {}),
        });
        (row.cpOracle ??= {} as Record<Variant, number>)[v] = orc.cp;
      }
      row.cp[v] = res.cp;
      row.detected[v] = res.boxes.length;
      row.onTarget[v] = res.boxes.filter((d) => scene.boxes.some((t) => t.label === d.label && iou(t.box, d.box) >= 0.5)).length;
      imgs[v] = scene.image;
    }
    rows.push(row);
    if (scenes.length < (o.keepScenes ?? 0)) scenes.push({ spec, images: imgs });
    o.progress?.(rows.length, specs.length);
  }
  const frac = (f: (r: StudyRow) => boolean): number => rows.filter(f).length / rows.length;
  const summary = (get: (r: StudyRow) => Record<Variant, number>): NonNullable<StudyResult['oracle']> => {
    const gaps = rows.map((r) => get(r).correct - get(r).swapped);
    const [ciLow, ciHigh] = bootstrapMeanCi(gaps, { seed: 1 });
    return {
      orderingFraction: frac((r) => get(r).correct > get(r).swapped && get(r).swapped > get(r).missing && get(r).missing > get(r).random),
      mean: Object.fromEntries(VARIANTS.map((v) => [v, rows.reduce((t, r) => t + get(r)[v], 0) / rows.length])) as Record<Variant, number>,
      gap: { mean: gaps.reduce((a, b) => a + b, 0) / gaps.length, ciLow, ciHigh },
      breakdown: orderingBreakdown(rows.map(get)),
    };
  };
  const main = summary((r) => r.cp);
  return {
    rows,
    orderingFraction: main.orderingFraction,
    pairwise: {
      correctOverSwapped: frac((r) => r.cp.correct > r.cp.swapped),
      swappedOverMissing: frac((r) => r.cp.swapped > r.cp.missing),
      missingOverRandom: frac((r) => r.cp.missing > r.cp.random),
    },
    breakdown: main.breakdown,
    mean: main.mean,
    gap: main.gap,
    ...((o.oracle ?? true) ? { oracle: summary((r) => r.cpOracle!) } : {}),
    embedder: o.embedder.id,
    detector: o.detector.id,
    paperComparable,
    scenes,
  };
}

function aspectOf(c: Concept, view: number): number {
  const v = c.views[view]!;
  let x0 = Infinity,
    x1 = -1,
    y0 = Infinity,
    y1 = -1;
  for (let y = 0; y < v.mask.height; y++)
    for (let x = 0; x < v.mask.width; x++)
      if (v.mask.data[y * v.mask.width + x]! > 70)
        ((x0 = Math.min(x0, x)), (x1 = Math.max(x1, x)), (y0 = Math.min(y0, y)), (y1 = Math.max(y1, y)));
  return x1 < 0 ? 1 : (x1 - x0 + 1) / (y1 - y0 + 1);
}

function renameBox(l: Layout, from: string, to: string): Layout {
  return { ...l, boxes: l.boxes.map((b) => (b.name === from ? { name: to, box: b.box.slice() as Box } : b)) };
}

async function randomVariant(
  k: number,
  distractors: readonly Concept[],
  seed: number,
  background: string,
  layoutP: ReturnType<typeof offlineLayout>,
): Promise<{ lib: Concept[]; layout: Layout; views: Record<string, number> }> {
  const r = rng(seed);
  const lib = Array.from(r.sample(distractors.length, Math.min(k, distractors.length)), (i) => distractors[i]!);
  const layout = await layoutP.layout({
    objects: lib.map((c) => ({ name: c.id, label: c.label, aspect: aspectOf(c, 0) })),
    seed,
    backgrounds: [background],
  });
  return { lib, layout, views: {} };
}
