/**
 * The fixed experiment: zoo trained on Fashion-MNIST, target MNIST. Stitching set = the first `stitchImages` (256)
 * labelled MNIST training images; every network, stitched or original, gets the same k-NN head (k = 5) fitted on its
 * own output features of those images, scored on the MNIST test split (2,004 images). No gradient step for stitched
 * networks; the from-scratch baseline trains the vgg architecture on the same 256 images.
 */
import type * as tf from '@tensorflow/tfjs';
import { loadMnist } from '../core/data';
import { progress as makeProgress } from '../core/progress';
import { throwIfAborted } from '../core/errors';
import { loadZoo } from './zoo';
import { search, type StitchedNet } from './search';
import { knnAccuracy, trainFromScratch } from './evaluate';
import { vggNet } from './zoo';
import { countMacs } from './graph';

export interface StudyOptions {
  K?: number;
  T?: number;
  TT?: number;
  maxDepth?: number;
  /** Labelled MNIST training images used as stitching set and k-NN memory (default 256). */
  stitchImages?: number;
  /** Shuffle the MNIST training split with this seed before taking the stitching images (default: none, the first 256). */
  stitchSeed?: number;
  /** Test images (default: the whole MNIST test split, 2,004). */
  testImages?: number;
  /** Stop after this many generated networks (default: no limit). */
  maxNetworks?: number;
  /** Train the from-scratch baseline (default true; ~20 s). */
  scratch?: boolean;
  /** Zoo networks to load (default: the five Fashion-MNIST ones); ignored when `nets` is given. */
  names?: string[];
  /**
   * Networks already loaded by the caller (kept alive, not disposed): pass them to call `toModel()` on generated networks
   * after the study. Without it the study loads the zoo and disposes it before returning.
   */
  nets?: { name: string; model: tf.LayersModel }[];
  /** Show a progress bar (default true in notebooks). */
  progress?: boolean;
  signal?: AbortSignal;
  onNetwork?: (n: GeneratedNet, i: number) => void;
}

export interface GeneratedNet extends StitchedNet {
  acc: number;
}
export interface OriginalNet {
  name: string;
  acc: number;
  macs: number;
  params: number;
}

export interface StudyResult {
  originals: OriginalNet[];
  generated: GeneratedNet[];
  bestStitched: GeneratedNet | null;
  bestOriginal: OriginalNet;
  meanOriginal: number;
  spearman: number;
  scratch?: number;
  stitchImages: number;
  testImages: number;
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

/** Run the fixed experiment; returns plain data (generated networks' `toModel()` needs the source models alive: see `nets`). */
export async function study(opts: StudyOptions = {}): Promise<StudyResult> {
  const t0 = Date.now();
  const fit = loadMnist({ split: 'train', limit: opts.stitchImages ?? 256, seed: opts.stitchSeed });
  const test = loadMnist({ split: 'test', limit: opts.testImages });
  const zoo = opts.nets ?? (await loadZoo({ names: opts.names }));
  try {
    const originals: OriginalNet[] = zoo.map((z) => {
      return { name: z.name, acc: knnAccuracy(z.model, { fit, test }), macs: countMacs(z.model), params: z.model.countParams() };
    });
    const generated: GeneratedNet[] = [];
    const bar = opts.progress === false ? null : makeProgress(opts.maxNetworks ?? 64, 'StitchNet search (networks)');
    for await (const n of search({
      nets: zoo,
      data: fit,
      K: opts.K ?? 2,
      T: opts.T ?? 0.5,
      TT: opts.TT ?? 0.8,
      maxDepth: opts.maxDepth ?? 6,
      signal: opts.signal,
    })) {
      throwIfAborted(opts.signal);
      const g = Object.assign(n, { acc: knnAccuracy(n, { fit, test }) });
      generated.push(g);
      opts.onNetwork?.(g, generated.length - 1);
      bar?.tick(1, `${generated.length} networks, last acc ${g.acc.toFixed(3)}`);
      if (opts.maxNetworks !== undefined && generated.length >= opts.maxNetworks) break;
    }
    bar?.done();
    let scratch: number | undefined;
    if (opts.scratch ?? true) {
      const m: tf.LayersModel = await trainFromScratch((s) => vggNet(s, 'scratch'), fit, { epochs: 30, seed: 0 });
      scratch = knnAccuracy(m, { fit, test });
      m.dispose();
    }
    const multi = generated.filter((g) => g.sources >= 2);
    const bestStitched = multi.length ? multi.reduce((a, b) => (b.acc > a.acc ? b : a)) : null;
    const bestOriginal = originals.reduce((a, b) => (b.acc > a.acc ? b : a));
    return {
      originals,
      generated,
      bestStitched,
      bestOriginal,
      meanOriginal: originals.reduce((a, o) => a + o.acc, 0) / originals.length,
      spearman:
        generated.length > 1
          ? spearman(
              generated.map((g) => g.score),
              generated.map((g) => g.acc),
            )
          : NaN,
      scratch,
      stitchImages: fit.n,
      testImages: test.n,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    if (!opts.nets) zoo.forEach((z) => z.model.dispose());
  }
}
