/**
 * The sub-task study: one declared target (targets.ts), one stitching-set draw (size n, seed). Every network —
 * stitched or original — gets the same head, a k-NN (k = 5) on its own output for the labelled stitching images (the
 * authors' `Net.fit`, arXiv 2301.01947 code release). Choices are made on the target's validation images only: the
 * reported stitched network, the best original network (and which fine-tuning variant wins); the test images are
 * scored after the choices, for the reported networks only (and every original), never consulted by a choice. Baselines use the same stitching images: raw-pixel k-NN,
 * fine-tuning the best original (last layer / all layers) and a network trained from scratch, both with validation
 * early stopping. All compute is counted in multiply-adds (search: search.ts SearchCost; selection: every validation
 * forward pass and k-NN distance).
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe, throwIfAborted } from '../core/errors';
import { progress as makeProgress } from '../core/progress';
import { loadZoo, vggNet } from './zoo';
import { search, runModel, imagesToActs, emptyCost, totalCost, type SearchCost, type StitchedNet } from './search';
import { knnHead, accuracy } from './heads';
import { countMacs } from './graph';
import type { CkaOptions } from './cka';
import type { FitOptions } from './fit';
import { TARGETS, targetSplit, drawStitchingSet, assertDisjoint, type TargetSpec, type TargetSplit, type IdImages } from './targets';
import { pixelKnn, fineTune, scratchBaseline, type TrainedBaseline } from './baselines';

export interface StudyOptions {
  /** A declared target (name or spec). */
  target: TargetSpec | string;
  /** Labelled stitching images (default 256), drawn class-balanced from the target's pool with `seed`. */
  stitchImages?: number;
  /** Seed of the stitching-set draw and of the trained baselines (default 0). */
  seed?: number;
  /** The target's data split (default: targetSplit(target); tests pass e.g. relabelled test images). */
  split?: TargetSplit;
  /**
   * Search settings; defaults are the declared ones (bench/declared/stitch-targets.json), which differ from search()'s.
   * Top-K candidates per step (default 2).
   */
  K?: number;
  /** Per-stitch CKA threshold: keep scores > T (default 0.5). */
  T?: number;
  /** Threshold on the product of stitch CKAs along a chain (default 0.8). */
  TT?: number;
  /** Maximum fragments per stitched network (default 6). */
  maxDepth?: number;
  /** Cut points: 1 = every eligible layer input (default), 3 = the authors' every third. */
  cutEvery?: number;
  /** How each stitch is fitted (default: fitStitch()'s — the plain pseudo-inverse; runGrid's 'refine' variant adds SGD). */
  fit?: FitOptions;
  /** How each CKA score is computed (default: cka()'s — biased linear CKA, the 'paper' conv policy). */
  cka?: CkaOptions;
  /** Stop after this many generated networks (default: no limit; the progress bar then assumes 64). */
  maxNetworks?: number;
  /** Run fine-tuning and from-scratch baselines (default true). */
  baselines?: boolean;
  /** Zoo networks to load (default: all); ignored when `nets` is given. */
  names?: string[];
  /** Networks already loaded by the caller (kept alive, not disposed). Default: loaded from the zoo by `names`. */
  nets?: { name: string; model: tf.LayersModel }[];
  /** Show a progress bar over the generated networks (default true). */
  progress?: boolean;
  /** Checked during the search and before every baseline epoch; aborting throws `Aborted` (default: none). */
  signal?: AbortSignal;
  /** Called with every generated network (its validation accuracy set) and its 0-based index, as the search runs. */
  onNetwork?: (n: GeneratedNet, i: number) => void;
}

export interface GeneratedNet extends StitchedNet {
  valAcc: number;
  /** Test accuracy: scored only for the networks the study reports (chosen on validation, CKA-top); NaN otherwise. */
  testAcc: number;
}
export interface OriginalNet {
  name: string;
  valAcc: number;
  testAcc: number;
  macs: number;
  params: number;
}

export interface Compute {
  /** The search itself (zoo forwards, every CKA, fits, stitched forwards). */
  search: SearchCost;
  /** Choosing among generated networks: forward over the validation images + k-NN distances. */
  stitchSelection: number;
  /** search + selection: the total cost of the reported stitched network. */
  stitch: number;
  /** Best original with a refit head: zoo forwards over stitching + validation images, k-NN distances. */
  originals: number;
  /** Fine-tuning: the winning variant's training (the other variant's cost is in `finetuneBoth`). */
  finetune?: number;
  finetuneBoth?: number;
  scratch?: number;
}

export interface StudyResult {
  target: string;
  stitchImages: number;
  seed: number;
  ids: { stitch: string[]; validation: string[]; test: string[] };
  originals: OriginalNet[];
  generated: GeneratedNet[];
  /** Chosen on validation among all generated networks (null if the search generated none). */
  stitched: GeneratedNet | null;
  /** The network the search ranks first by its own score (product of CKAs). */
  ckaTop: GeneratedNet | null;
  /** Chosen on validation among the zoo networks (k-NN head refit on the stitching set). */
  bestOriginal: OriginalNet;
  /** Spearman(CKA score, validation accuracy) over the generated networks. */
  spearman: number;
  pixelKnn: number;
  finetune?: { last: TrainedBaseline; all: TrainedBaseline; chosen: 'last' | 'all'; testAcc: number };
  scratch?: TrainedBaseline;
  compute: Compute;
  seconds: number;
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>): number[] => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i]! - v[j]!);
    const r = new Array<number>(v.length);
    for (let s = 0; s < idx.length;) {
      let e = s;
      while (e + 1 < idx.length && v[idx[e + 1]!] === v[idx[s]!]) e++;
      for (let k = s; k <= e; k++) r[idx[k]!] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const ra = rank(a),
    rb = rank(b),
    n = ra.length;
  const ma = ra.reduce((x, y) => x + y, 0) / n,
    mb = rb.reduce((x, y) => x + y, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/**
 * The item with the highest validation accuracy; ties go to the higher `score` (CKA product, if any), then fewer
 * MACs, then the earlier item. Reads nothing but valAcc/score/macs: the test accuracy cannot influence the choice.
 */
export function pickOnValidation<T extends { valAcc: number; macs: number; score?: number }>(items: T[]): T | null {
  let best: T | null = null;
  for (const it of items) {
    if (
      !best ||
      it.valAcc > best.valAcc ||
      (it.valAcc === best.valAcc && (it.score ?? 0) > (best.score ?? 0)) ||
      (it.valAcc === best.valAcc && (it.score ?? 0) === (best.score ?? 0) && it.macs < best.macs)
    )
      best = it;
  }
  return best;
}

type Feats = { shape: number[]; data: Float32Array | Float64Array };
/** k-NN head on stitching-set features; accuracy on validation (and, if given, test) features, and the selection cost. */
function scoreFeatures(
  fitF: Feats,
  fit: IdImages,
  valF: Feats,
  val: IdImages,
  testF: Feats | null,
  test: IdImages,
): { valAcc: number; testAcc: number; knnMacs: number } {
  const head = knnHead(fitF, fit.labels, { k: 5 });
  return {
    valAcc: accuracy(head.predict(valF), val.labels),
    testAcc: testF ? accuracy(head.predict(testF), test.labels) : NaN,
    knnMacs: val.n * fit.n * head.d,
  };
}

/**
 * Run the study for one target and one stitching-set draw: StitchNet's search (arXiv 2301.01947) on the labelled
 * stitching images, every network scored with the same k-NN (k = 5) head, the reported choices made on validation,
 * the test images read once for the reported networks, the baselines (unless `baselines: false`) and every cost in
 * multiply-adds. Returns plain data (accuracies as fractions 0–1); zoo networks it loads itself are disposed.
 */
export async function study(opts: StudyOptions): Promise<StudyResult> {
  const t0 = Date.now();
  if (!opts || typeof opts !== 'object') throw new InvalidInput(`study needs options { target, … }, got ${describe(opts)}`);
  const split = opts.split ?? targetSplit(opts.target);
  const tname = typeof opts.target === 'string' ? opts.target : opts.target.name;
  if (split.target.name !== tname) throw new InvalidInput(`split is for target ${describe(split.target.name)}, not ${describe(tname)}`);
  const n = opts.stitchImages ?? 256,
    seed = opts.seed ?? 0;
  const fit = drawStitchingSet(split, n, seed);
  const { validation: val, test } = split;
  assertDisjoint({ stitching: fit, validation: val, test });
  const classes = split.pool.length;
  const zoo = opts.nets ?? (await loadZoo({ names: opts.names }));
  try {
    const fx = imagesToActs(fit, 'fit'),
      vx = imagesToActs(val, 'validation'),
      tx = imagesToActs(test, 'test');
    let originalsMacs = 0;
    const originals: OriginalNet[] = zoo.map((z) => {
      const m = countMacs(z.model);
      const s = scoreFeatures(runModel(z.model, fx, 256), fit, runModel(z.model, vx, 256), val, runModel(z.model, tx, 256), test);
      originalsMacs += m * (fit.n + val.n) + s.knnMacs;
      return { name: z.name, valAcc: s.valAcc, testAcc: s.testAcc, macs: m, params: z.model.countParams() };
    });
    const cost = emptyCost();
    let selection = 0;
    const generated: GeneratedNet[] = [];
    const bar =
      opts.progress === false ? null : makeProgress(opts.maxNetworks ?? 64, `StitchNet search on ${split.target.name} (networks)`);
    for await (const net of search({
      nets: zoo,
      data: fit,
      K: opts.K ?? 2,
      T: opts.T ?? 0.5,
      TT: opts.TT ?? 0.8,
      maxDepth: opts.maxDepth ?? 6,
      cutEvery: opts.cutEvery,
      fit: opts.fit,
      cka: opts.cka,
      cost,
      signal: opts.signal,
    })) {
      throwIfAborted(opts.signal);
      const m = net.toModel();
      let s: ReturnType<typeof scoreFeatures>;
      try {
        s = scoreFeatures(net.output as Feats, fit, runModel(m, vx, 256), val, null, test);
      } finally {
        m.dispose();
      }
      selection += net.macs * val.n + s.knnMacs;
      const g = Object.assign(net, { valAcc: s.valAcc, testAcc: NaN });
      generated.push(g);
      opts.onNetwork?.(g, generated.length - 1);
      bar?.tick(1, `${generated.length} networks, last val acc ${g.valAcc.toFixed(3)}`);
      if (opts.maxNetworks !== undefined && generated.length >= opts.maxNetworks) break;
    }
    bar?.done();
    const stitched = pickOnValidation(generated);
    const ckaTop = generated.length ? generated.reduce((a, b) => (b.score > a.score ? b : a)) : null;
    // the test images are read only now, for the two reported networks
    for (const g of new Set([stitched, ckaTop])) {
      if (!g) continue;
      const m = g.toModel();
      try {
        g.testAcc = scoreFeatures(g.output as Feats, fit, runModel(m, vx, 256), val, runModel(m, tx, 256), test).testAcc;
      } finally {
        m.dispose();
      }
    }
    const bestOriginal = pickOnValidation(originals)!;
    const compute: Compute = {
      search: cost,
      stitchSelection: selection,
      stitch: totalCost(cost) + selection,
      originals: originalsMacs,
    };
    const res: StudyResult = {
      target: split.target.name,
      stitchImages: fit.n,
      seed,
      ids: { stitch: fit.ids, validation: val.ids, test: test.ids },
      originals,
      generated,
      stitched,
      ckaTop,
      bestOriginal,
      spearman:
        generated.length > 1
          ? spearman(
              generated.map((g) => g.score),
              generated.map((g) => g.valAcc),
            )
          : NaN,
      pixelKnn: pixelKnn(fit, test).acc,
      compute,
      seconds: 0,
    };
    if (opts.baselines ?? true) {
      const sets = { fit, val, test, classes };
      const src = zoo.find((z) => z.name === bestOriginal.name)!.model;
      const last = await fineTune(src, 'last', sets, { seed, signal: opts.signal });
      const all = await fineTune(src, 'all', sets, { seed, signal: opts.signal });
      const chosen = all.valAcc > last.valAcc ? 'all' : 'last';
      res.finetune = { last, all, chosen, testAcc: (chosen === 'all' ? all : last).testAcc };
      res.scratch = await scratchBaseline((s) => vggNet(s, 'scratch', 1, classes), sets, { seed, signal: opts.signal });
      compute.finetune = (chosen === 'all' ? all : last).macs;
      compute.finetuneBoth = all.macs + last.macs;
      compute.scratch = res.scratch.macs;
    }
    res.seconds = (Date.now() - t0) / 1000;
    return res;
  } finally {
    if (!opts.nets) zoo.forEach((z) => z.model.dispose());
  }
}

/** The declared targets' names. */
export const TARGET_NAMES = TARGETS.map((t) => t.name);
