/**
 * The training loop of the official code (arXiv 2403.16451; github.com/ALiGoo/DeepMachining): Huber loss (δ = 1 in
 * label units of 10 µm), Adam (the code's AdamW uses weight decay 1e-10, i.e. none), learning rate with cosine decay
 * to 0 over all steps (Keras CosineDecay), batch 32, dropout active while training. `varFilter` picks the variables a
 * step updates: all of them (pretraining, from scratch) or the fine-tuned set (two-shot adapter mode).
 */
import * as tf from '@tensorflow/tfjs';
import { checkInt, throwIfAborted, InvalidInput, describe } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import { progress as makeProgress } from '../core/progress';
import { forward, type DeepMachiningModel, type ModelInputs } from './model';
import type { Windows } from './data';
import { SIGNAL_CHANNELS } from './types';

/** Keras CosineDecay: lr·(1 + cos(π·min(step, steps)/steps))/2 (alpha = 0). */
export function cosineLr(base: number, step: number, steps: number): number {
  return (base * (1 + Math.cos((Math.PI * Math.min(step, steps)) / steps))) / 2;
}

/** Huber loss, mean over the batch (Keras default δ = 1). */
export function huber(pred: tf.Tensor, y: tf.Tensor, delta = 1): tf.Scalar {
  return tf.tidy(() => {
    const e = tf.abs(tf.sub(pred, y));
    const q = tf.minimum(e, delta);
    return tf.mean(tf.add(tf.mul(tf.square(q), 0.5), tf.mul(tf.sub(e, q), delta))) as tf.Scalar;
  });
}

/** Tensors for rows `idx` of a window set. The caller owns (and disposes) them. */
export function toInputs(w: Windows, idx?: ArrayLike<number>): ModelInputs & { y: tf.Tensor2D } {
  const rows = idx ? Array.from(idx) : Array.from({ length: w.n }, (_, i) => i);
  const B = rows.length,
    C = SIGNAL_CHANNELS,
    H = w.seq / 2 + 1,
    T = w.cuts * w.seq * C,
    F = w.cuts * H * 2;
  const time = new Float32Array(B * T),
    freq = new Float32Array(B * F),
    cut = new Int32Array(B * w.cuts),
    y = new Float32Array(B);
  rows.forEach((j, i) => {
    if (!(j >= 0 && j < w.n)) throw new InvalidInput(`window index ${describe(j)} out of range [0, ${w.n})`);
    time.set(w.time.subarray(j * T, (j + 1) * T), i * T);
    freq.set(w.freq.subarray(j * F, (j + 1) * F), i * F);
    cut.set(w.cut.subarray(j * w.cuts, (j + 1) * w.cuts), i * w.cuts);
    y[i] = w.y[j]!;
  });
  return {
    time: tf.tensor4d(time, [B, w.cuts, w.seq, C]),
    freq: tf.tensor4d(freq, [B, w.cuts, H, 2]),
    cut: tf.tensor2d(cut, [B, w.cuts], 'int32'),
    y: tf.tensor2d(y, [B, 1]),
  };
}

export interface FitOptions {
  /** Optimiser steps (each one batch). */
  steps: number;
  /** Base learning rate (cosine-decayed to 0 over `steps`). */
  lr: number;
  /** Windows per batch (default 32, the official code's batch size; capped at the number of windows). */
  batch?: number;
  /** Seed of the batch order and the dropout masks (default 0). */
  seed?: number;
  /** Which variables a step updates (default: all). */
  varFilter?: (name: string) => boolean;
  /** Aborts the loop between steps (default none). */
  signal?: AbortSignal;
  /** Show a progress bar (default true when steps > 20). */
  progress?: boolean;
  /** Label of the progress bar (default 'training'). */
  label?: string;
}

export interface FitResult {
  /** Training loss per step (Huber, label units). */
  losses: number[];
  seconds: number;
  /** Names of the variables updated. */
  updated: string[];
}

/** Batches of min(batch, n) indices drawn without replacement from successive random permutations of 0…n−1 (epochs). */
export function batchSampler(r: Rng, n: number, batch: number): () => number[] {
  let order = r.permutation(n),
    pos = 0;
  return () => {
    const idx: number[] = [];
    while (idx.length < Math.min(batch, n)) {
      if (pos >= order.length) {
        order = r.permutation(n);
        pos = 0;
      }
      idx.push(order[pos++]!);
    }
    return idx;
  };
}

/** Minimise the Huber loss over random batches of `data`. Leaves no tensors behind. */
export function fit(m: DeepMachiningModel, data: Windows, o: FitOptions): FitResult {
  const steps = checkInt('steps', o.steps, 0);
  const batch = checkInt('batch', o.batch ?? 32, 1);
  if (!(o.lr >= 0)) throw new InvalidInput(`lr must be ≥ 0, got ${describe(o.lr)}`);
  if (data.n === 0) throw new InvalidInput('fit needs at least one window');
  const r = rng(o.seed ?? 0);
  const filter = o.varFilter ?? (() => true);
  const names = [...m.vars.keys()].filter(filter);
  const varList = names.map((n) => m.vars.get(n)!);
  const opt = tf.train.adam(o.lr);
  const losses: number[] = [];
  const t0 = Date.now();
  const bar = (o.progress ?? steps > 20) ? makeProgress(steps, o.label ?? 'training') : null;
  const nextBatch = batchSampler(r, data.n, batch);
  try {
    for (let s = 0; s < steps; s++) {
      throwIfAborted(o.signal);
      const idx = nextBatch();
      (opt as unknown as { learningRate: number }).learningRate = cosineLr(o.lr, s, steps);
      const inp = toInputs(data, idx);
      const seed = r.seedInt();
      const loss = opt.minimize(() => huber(forward(m, inp, { training: true, seed }), inp.y), true, varList)!;
      losses.push(loss.dataSync()[0]!);
      tf.dispose([loss, inp.time, inp.freq, inp.cut, inp.y]);
      bar?.tick(1, `loss ${losses[losses.length - 1]!.toFixed(3)}`);
    }
    bar?.done();
  } catch (e) {
    bar?.stop();
    throw e;
  } finally {
    opt.dispose();
  }
  return { losses, seconds: (Date.now() - t0) / 1000, updated: names };
}

/** Predictions (label units) for every window, in batches. Returns a Float32Array; leaves no tensors. */
export function predict(m: DeepMachiningModel, data: Windows, batch = 64): Float32Array {
  const out = new Float32Array(data.n);
  for (let i = 0; i < data.n; i += batch) {
    const idx = Array.from({ length: Math.min(batch, data.n - i) }, (_, k) => i + k);
    const inp = toInputs(data, idx);
    const y = tf.tidy(() => forward(m, inp));
    out.set(y.dataSync() as Float32Array, i);
    tf.dispose([y, inp.time, inp.freq, inp.cut, inp.y]);
  }
  return out;
}
