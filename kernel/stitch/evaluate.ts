/**
 * Layer-by-layer CKA matrices, the fixed k-NN evaluation protocol, and the train-from-scratch baseline.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, checkInt, describe } from '../core/errors';
import { rng as makeRng } from '../core/rng';
import type { ImageDataset } from '../core/data';
import type { Acts } from './acts';
import { cka, type CkaOptions } from './cka';
import { knnHead, accuracy } from './heads';
import { analyse, fragmentIo } from './graph';
import { imagesToActs, runModel, type ImagesLike, type StitchedNet } from './search';

type Sym = tf.SymbolicTensor;
const SKIP = new Set(['InputLayer', 'Dropout', 'Flatten', 'Reshape', 'BatchNormalization']);

export interface CkaMatrixOptions extends CkaOptions {
  /** 'layers' (default): every layer output of rank 2 or 4 (except dropout/flatten/reshape/batch-norm); 'cuts': fragment boundaries. */
  points?: 'layers' | 'cuts';
  /** Images per forward pass (default 128); changes memory use, not the values. */
  batchSize?: number;
}

export interface CkaMatrix {
  rowLabels: string[];
  colLabels: string[];
  values: Float64Array;
  rows: number;
  cols: number;
  rowModel: string;
  colModel: string;
  ckaKind: string;
}

function probePoints(model: tf.LayersModel, points: 'layers' | 'cuts'): { label: string; sym: Sym }[] {
  if (points === 'cuts') {
    const g = analyse(model);
    return g.fragments.map((f, k) => ({
      label: k === g.fragments.length - 1 ? 'output' : `cut${k + 1}:${g.fragments[k + 1]!.layers[0]}`,
      sym: g.syms.get(fragmentIo(g, k).outT)!,
    }));
  }
  const out: { label: string; sym: Sym }[] = [];
  for (const l of model.layers) {
    if (SKIP.has(l.getClassName())) continue;
    const o = l.output as Sym;
    if (Array.isArray(o) || (o.rank !== 2 && o.rank !== 4)) continue;
    out.push({ label: l.name, sym: o });
  }
  return out;
}

function probeActs(model: tf.LayersModel, syms: Sym[], x: Acts, batchSize: number): Acts[] {
  const probe = tf.model({ inputs: model.inputs, outputs: syms });
  const n = x.shape[0]!,
    per = x.data.length / n;
  const parts: Float32Array[][] = syms.map(() => []);
  let shapes: number[][] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const ys = tf.tidy(() => {
      const r = probe.predict(tf.tensor(Float32Array.from(x.data.subarray(s * per, e * per)), [e - s, ...x.shape.slice(1)]));
      return Array.isArray(r) ? r : [r];
    });
    shapes = ys.map((y) => y.shape.slice(1));
    ys.forEach((y, i) => {
      parts[i]!.push(y.dataSync() as Float32Array);
      y.dispose();
    });
  }
  return parts.map((p, i) => {
    const data = new Float32Array(p.reduce((a, q) => a + q.length, 0));
    let o = 0;
    for (const q of p) {
      data.set(q, o);
      o += q.length;
    }
    return { shape: [n, ...shapes[i]!], data };
  });
}

/**
 * Linear CKA (arXiv 2301.01947's compatibility score, cka.ts) between every probed layer of modelA (rows) and of
 * modelB (columns) on the same images; values row-major (in [0, 1] for the default biased estimator). Leaves no
 * tensors; models stay owned by the caller.
 */
export function ckaMatrix(modelA: tf.LayersModel, modelB: tf.LayersModel, data: ImagesLike, opts: CkaMatrixOptions = {}): CkaMatrix {
  for (const [nm, m] of [
    ['modelA', modelA],
    ['modelB', modelB],
  ] as const)
    if (!(m instanceof tf.LayersModel)) throw new InvalidInput(`${nm} must be a tf.LayersModel, got ${describe(m)}`);
  const points = opts.points ?? 'layers';
  if (points !== 'layers' && points !== 'cuts') throw new InvalidInput(`points must be 'layers' or 'cuts', got ${describe(points)}`);
  const bs = checkInt('batchSize', opts.batchSize ?? 128, 1);
  const x = imagesToActs(data);
  const pa = probePoints(modelA, points),
    pb = probePoints(modelB, points);
  const aa = probeActs(
      modelA,
      pa.map((p) => p.sym),
      x,
      bs,
    ),
    ab = probeActs(
      modelB,
      pb.map((p) => p.sym),
      x,
      bs,
    );
  const values = new Float64Array(pa.length * pb.length);
  for (let i = 0; i < pa.length; i++) for (let j = 0; j < pb.length; j++) values[i * pb.length + j] = cka(aa[i]!, ab[j]!, opts);
  return {
    rowLabels: pa.map((p) => p.label),
    colLabels: pb.map((p) => p.label),
    values,
    rows: pa.length,
    cols: pb.length,
    rowModel: modelA.name,
    colModel: modelB.name,
    ckaKind: `linear (${opts.kind ?? 'biased'})`,
  };
}

export interface LabelledImages {
  images: Float32Array;
  labels: Int32Array | ArrayLike<number>;
  n: number;
  height: number;
  width: number;
}

/**
 * The fixed protocol: a k-NN head (default k = 5) fitted on the network's own output features of `fit` images,
 * scored on `test`. Works for stitched networks and tfjs models (a model stays owned by the caller).
 */
export function knnAccuracy(
  net: StitchedNet | tf.LayersModel,
  sets: {
    /** Images the k-NN head is fitted on. */
    fit: LabelledImages;
    /** Images it is scored on. */
    test: LabelledImages;
    /** Neighbours voted (default 5). */
    k?: number;
    /** Images per forward pass (default 256). */
    batchSize?: number;
  },
): number {
  const bs = sets.batchSize ?? 256;
  const fx = imagesToActs(sets.fit, 'fit'),
    tx = imagesToActs(sets.test, 'test');
  let model: tf.LayersModel,
    owned = false;
  if (net instanceof tf.LayersModel) model = net;
  else {
    model = net.toModel();
    owned = true;
  }
  try {
    const head = knnHead(runModel(model, fx, bs), sets.fit.labels, { k: sets.k ?? 5 });
    return accuracy(head.predict(runModel(model, tx, bs)), sets.test.labels);
  } finally {
    if (owned) model.dispose();
  }
}

/**
 * Baseline: a network of the given architecture trained from scratch (Adam) on the few labelled images.
 * Returns the trained model (the caller owns it). `build(seed)` makes the untrained model with a softmax-free output.
 */
export async function trainFromScratch(
  build: (seed: number) => tf.LayersModel,
  set: Pick<ImageDataset, 'images' | 'labels' | 'n' | 'height' | 'width'>,
  opts: {
    /** Training epochs over the set, no early stopping (default 30). */
    epochs?: number;
    /** Images per step (default 32); the order is fixed (not shuffled: tfjs's shuffle is not seedable). */
    batchSize?: number;
    /** Adam learning rate (default 3e-3). */
    lr?: number;
    /** Seed of the initial weights: `build` receives rng(seed).seedInt() (default 0). */
    seed?: number;
    /** Classes of the one-hot targets; must equal the model's output width (default 10). */
    classes?: number;
  } = {},
): Promise<tf.LayersModel> {
  const epochs = checkInt('epochs', opts.epochs ?? 30, 1);
  const r = makeRng(opts.seed ?? 0);
  const model = build(r.seedInt());
  const classes = opts.classes ?? 10;
  const x = tf.tensor4d(set.images, [set.n, set.height, set.width, set.images.length / (set.n * set.height * set.width)]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(set.labels), 'int32'), classes).toFloat());
  model.compile({ optimizer: tf.train.adam(opts.lr ?? 3e-3), loss: tf.losses.softmaxCrossEntropy });
  try {
    await model.fit(x, y, { epochs, batchSize: opts.batchSize ?? 32, shuffle: false, verbose: 0 }); // fixed order: tfjs's shuffle is not seedable
  } finally {
    x.dispose();
    y.dispose();
    model.optimizer.dispose();
  }
  return model;
}
