/**
 * Baselines on the same labelled stitching images, each with its compute counted in multiply-adds (MACs):
 * raw-pixel k-NN; fine-tuning a zoo network with a new head (last layer only, or all layers); a network trained from
 * scratch. Both trained baselines use validation early stopping (best epoch's weights kept). A training step is counted
 * as 3× the forward MACs per image (forward + backward), every per-epoch validation pass as 1× per image.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, checkInt, describe, throwIfAborted } from '../core/errors';
import { rng as makeRng } from '../core/rng';
import { knnHead, accuracy } from './heads';
import { analyse, buildChain, countMacs } from './graph';
import { imagesToActs, runModel } from './search';
import type { LabelledImages } from './evaluate';
import { withDefaults } from '../core/options';

export interface TrainedBaseline {
  /** Accuracy on the validation images (used for early stopping / choice) and on the test images. */
  valAcc: number;
  testAcc: number;
  /** Epochs run and the epoch whose weights were kept (1-based). */
  epochs: number;
  bestEpoch: number;
  /** Training compute: every training step, every validation pass, any feature extraction. */
  macs: number;
  /** Forward MACs per image of the final network. */
  inferenceMacs: number;
}

/** Training settings of the trained baselines (fineTune, scratchBaseline); defaults differ per baseline as listed. */
export interface TrainOptions {
  /** Most epochs run (defaults: fineTune 'last' 60, fineTune 'all' 30, scratchBaseline 60). */
  maxEpochs?: number;
  /** Stop after this many epochs without a better validation accuracy (defaults: fineTune 'last' 8, 'all' 5; scratchBaseline 8). */
  patience?: number;
  /** Adam learning rate (defaults: fineTune 'last' 1e-2, 'all' 1e-3; scratchBaseline 3e-3). */
  lr?: number;
  /** Images per step (default 32). */
  batchSize?: number;
  /** Seed of the new head's (or the scratch network's) initial weights and of the per-epoch image order (default 0). */
  seed?: number;
  /** Checked before every epoch; aborting throws `Aborted` (default: none). */
  signal?: AbortSignal;
}

/** k-NN (k = 5) on raw pixels; compute = the distance computations for the validation images (no training). */
export function pixelKnn(fit: LabelledImages, test: LabelledImages, k = 5): { acc: number } {
  const a = imagesToActs(fit, 'fit'),
    b = imagesToActs(test, 'test');
  return { acc: accuracy(knnHead(a, fit.labels, { k }).predict(b), test.labels) };
}

function oneHot(labels: ArrayLike<number>, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), classes).toFloat() as tf.Tensor2D);
}

function argmaxAcc(model: tf.LayersModel, x: Float32Array | tf.Tensor, shape: number[], labels: ArrayLike<number>): number {
  const pred = tf.tidy(() => {
    const t = x instanceof tf.Tensor ? x : tf.tensor(x, shape);
    return (model.predict(t, { batchSize: 256 }) as tf.Tensor).argMax(-1).dataSync();
  });
  return accuracy(Int32Array.from(pred), labels);
}

/**
 * Train `model` (compiled here with Adam) on x/y with a seeded per-epoch order, checking validation accuracy after
 * every epoch; keep the best epoch's weights, stop after `patience` epochs without improvement.
 */
async function fitEarlyStopping(
  model: tf.LayersModel,
  train: { x: Float32Array; shape: number[]; labels: ArrayLike<number> },
  val: { x: Float32Array; shape: number[]; labels: ArrayLike<number> },
  classes: number,
  o: TrainOptions,
): Promise<{ valAcc: number; epochs: number; bestEpoch: number }> {
  const maxEpochs = checkInt('maxEpochs', o.maxEpochs ?? 40, 1),
    patience = checkInt('patience', o.patience ?? 5, 1),
    bs = checkInt('batchSize', o.batchSize ?? 32, 1);
  const n = train.shape[0]!,
    per = train.x.length / n;
  const r = makeRng(o.seed ?? 0);
  const opt = tf.train.adam(o.lr ?? 1e-3);
  model.compile({ optimizer: opt, loss: tf.losses.softmaxCrossEntropy });
  const vx = tf.tensor(val.x, val.shape);
  let best = -1,
    bestEpoch = 0,
    bestW: tf.Tensor[] | null = null,
    e = 0;
  try {
    for (e = 1; e <= maxEpochs; e++) {
      throwIfAborted(o.signal);
      const order = r.permutation(n);
      const xs = new Float32Array(n * per),
        ys = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        xs.set(train.x.subarray(order[i]! * per, (order[i]! + 1) * per), i * per);
        ys[i] = train.labels[order[i]!]!;
      }
      const x = tf.tensor(xs, train.shape),
        y = oneHot(ys, classes);
      await model.fit(x, y, { epochs: 1, batchSize: bs, shuffle: false, verbose: 0 });
      x.dispose();
      y.dispose();
      const acc = argmaxAcc(model, vx, val.shape, val.labels);
      if (acc > best) {
        best = acc;
        bestEpoch = e;
        bestW?.forEach((t) => t.dispose());
        bestW = model.getWeights().map((t) => t.clone());
      } else if (e - bestEpoch >= patience) break;
    }
    if (bestW) model.setWeights(bestW);
    return { valAcc: best, epochs: Math.min(e, maxEpochs), bestEpoch };
  } finally {
    bestW?.forEach((t) => t.dispose());
    vx.dispose();
    opt.dispose();
  }
}

/** The network up to (not including) its last Dense layer, as a fresh copy (weights copied), and that layer's input width. */
function backbone(model: tf.LayersModel): { body: tf.LayersModel; d: number } {
  const g = analyse(model, model.name);
  const last = g.fragments.length - 1;
  const lastFr = g.fragments[last]!;
  if (lastFr.layers.length !== 1 || model.getLayer(lastFr.layers[0]!).getClassName() !== 'Dense')
    throw new InvalidInput(
      `${model.name}: fine-tuning needs a network ending in one Dense layer, its last fragment is [${lastFr.layers.join(', ')}]`,
    );
  const pieces = g.fragments.slice(0, last).map((_, k) => ({ graph: g, fragment: k, A: null, d1: 0, bias: null, gap: false }));
  const body = buildChain(pieces, model.inputs[0]!.shape.slice(1) as number[], `${model.name}_body`);
  return { body, d: lastFr.inShape.reduce((a, b) => a * b, 1) };
}

/**
 * Fine-tune a pretrained network on the labelled stitching set with a new `classes`-way head: 'last' trains only the
 * head on frozen features (features extracted once), 'all' trains every layer. The source model is not modified.
 */
export async function fineTune(
  model: tf.LayersModel,
  mode: 'last' | 'all',
  sets: { fit: LabelledImages; val: LabelledImages; test: LabelledImages; classes: number },
  o: TrainOptions = {},
): Promise<TrainedBaseline> {
  if (mode !== 'last' && mode !== 'all') throw new InvalidInput(`mode must be 'last' or 'all', got ${describe(mode)}`);
  const { fit, val, test, classes } = sets;
  const { body, d } = backbone(model);
  const bodyMacs = countMacs(body),
    headMacs = d * classes;
  const r = makeRng(o.seed ?? 0);
  let bodyOwned = true;
  try {
    if (mode === 'last') {
      const feats = (s: LabelledImages) => runModel(body, imagesToActs(s), 256);
      const [ff, fv, ft] = [feats(fit), feats(val), feats(test)];
      const head = tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [d], units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }),
        ],
      });
      try {
        const res = await fitEarlyStopping(
          head,
          { x: ff.data as Float32Array, shape: [fit.n, d], labels: fit.labels },
          { x: fv.data as Float32Array, shape: [val.n, d], labels: val.labels },
          classes,
          withDefaults({ lr: 1e-2, maxEpochs: 60, patience: 8 }, o),
        );
        const testAcc = argmaxAcc(head, ft.data as Float32Array, [test.n, d], test.labels);
        const macs = bodyMacs * (fit.n + val.n) + res.epochs * headMacs * (3 * fit.n + val.n);
        return { ...res, testAcc, macs, inferenceMacs: bodyMacs + headMacs };
      } finally {
        head.dispose();
      }
    }
    let h = body.outputs[0]!;
    if (h.shape.length > 2) h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }).apply(h);
    const net = tf.model({ inputs: body.inputs, outputs: out as tf.SymbolicTensor });
    bodyOwned = false; // its layers now belong to `net`
    return await trainWhole(net, sets, { lr: 1e-3, maxEpochs: 30, patience: 5, ...o });
  } finally {
    if (bodyOwned) body.dispose();
  }
}

/** Train `build(seed)` (a fresh network with a `classes`-way linear output) from scratch with validation early stopping. */
export async function scratchBaseline(
  build: (seed: number) => tf.LayersModel,
  sets: { fit: LabelledImages; val: LabelledImages; test: LabelledImages; classes: number },
  o: TrainOptions = {},
): Promise<TrainedBaseline> {
  return trainWhole(build(makeRng(o.seed ?? 0).seedInt()), sets, { lr: 3e-3, maxEpochs: 60, patience: 8, ...o });
}

/** Train every layer of `net` on the images with validation early stopping, score the test images, dispose `net`. */
async function trainWhole(
  net: tf.LayersModel,
  sets: { fit: LabelledImages; val: LabelledImages; test: LabelledImages; classes: number },
  o: TrainOptions,
): Promise<TrainedBaseline> {
  const { fit, val, test, classes } = sets;
  try {
    const res = await fitEarlyStopping(
      net,
      { x: fit.images, shape: [fit.n, fit.height, fit.width, 1], labels: fit.labels },
      { x: val.images, shape: [val.n, val.height, val.width, 1], labels: val.labels },
      classes,
      o,
    );
    const testAcc = argmaxAcc(net, test.images, [test.n, test.height, test.width, 1], test.labels);
    const f = countMacs(net);
    return { ...res, testAcc, macs: res.epochs * f * (3 * fit.n + val.n), inferenceMacs: f };
  } finally {
    net.dispose();
  }
}
