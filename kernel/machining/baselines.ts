/**
 * Baselines under the same two-shot budget (the paper compares against SVR, 1D-CNN and 2D-CNN, arXiv 2403.16451;
 * their exact settings were not retrievable, so these are ours):
 *   - predict the mean of the fine-tuning labels;
 *   - ridge regression on hand-crafted window features (per cut and channel: mean and standard deviation = AC RMS;
 *     per accelerometer: kurtosis and four spectral band energies), features standardised on the fine-tuning windows,
 *     λ chosen on a validation task. Closed form in float64;
 *   - ε-SVR with an RBF kernel on the same features, through LIBSVM (libsvm-js, the mljs asm.js build of LIBSVM,
 *     synchronous, offline); features and labels standardised on the fine-tuning windows, C, ε, γ chosen on a
 *     validation task;
 *   - a small 1D-CNN on the raw (normalised) windows, every cut's 8 channels stacked as input channels;
 *   - a small 2D-CNN on log-spectrograms (short-time |FFT| of the two accelerometers, every cut stacked as channels).
 *   Both CNNs: own weights (glorot-uniform from a seed, output bias at the mean fine-tuning label), Huber loss, Adam,
 *   cosine-decayed learning rate, batch 32 — the training loop of the main model — with lr and steps chosen on a
 *   validation task.
 */
/// <reference path="./libsvm-js.d.ts" />
import * as tf from '@tensorflow/tfjs';
import type SVMClass from 'libsvm-js/asm';
import { InvalidInput, check, checkInt, describe, throwIfAborted } from '../core/errors';
import { rng } from '../core/rng';
import { SIGNAL_CHANNELS, ACCEL_CHANNELS } from './types';
import { rfftMag, type Windows } from './data';
import { batchSampler, cosineLr, huber } from './train';

/** Hand-crafted features of every window: [n, d] row-major. */
export function windowFeatures(w: Windows): { x: Float64Array; d: number } {
  const C = SIGNAL_CHANNELS,
    H = w.seq / 2 + 1,
    bands = 4;
  const d = w.cuts * (2 * C + ACCEL_CHANNELS.length * (1 + bands));
  const x = new Float64Array(w.n * d);
  for (let n = 0; n < w.n; n++) {
    let o = n * d;
    for (let k = 0; k < w.cuts; k++) {
      const base = (n * w.cuts + k) * w.seq * C;
      for (let c = 0; c < C; c++) {
        let s = 0,
          s2 = 0,
          s4 = 0;
        for (let t = 0; t < w.seq; t++) s += w.time[base + t * C + c]!;
        const m = s / w.seq;
        for (let t = 0; t < w.seq; t++) {
          const v = w.time[base + t * C + c]! - m;
          s2 += v * v;
          s4 += v ** 4;
        }
        const varr = s2 / w.seq;
        x[o++] = m;
        x[o++] = Math.sqrt(varr);
        if (ACCEL_CHANNELS.includes(c)) x[o++] = varr > 0 ? s4 / w.seq / (varr * varr) : 0;
      }
      const fb = (n * w.cuts + k) * H * 2;
      for (let j = 0; j < ACCEL_CHANNELS.length; j++)
        for (let b = 0; b < bands; b++) {
          let e = 0;
          for (let h = Math.floor((b * H) / bands); h < Math.floor(((b + 1) * H) / bands); h++) e += w.freq[fb + h * 2 + j]! ** 2;
          x[o++] = Math.log(e + 1e-12);
        }
    }
  }
  return { x, d };
}

/** Per-column mean and standard deviation of an [n, d] row-major matrix (a constant column gets scale 1). */
export function columnStats(x: ArrayLike<number>, n: number, d: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(d),
    scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j]! += (x[i * d + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]!) || 1;
  return { mean, scale };
}

export interface RidgeModel {
  mean: Float64Array;
  scale: Float64Array;
  w: Float64Array;
  b: number;
  lambda: number;
}

/** Solve (XᵀX + λI)w = Xᵀ(y − ȳ) on standardised features (Cholesky, float64). */
export function fitRidge(w: Windows, lambda: number): RidgeModel {
  if (!(lambda > 0)) throw new InvalidInput(`lambda must be > 0, got ${lambda}`);
  const { x, d } = windowFeatures(w),
    n = w.n;
  check(n > 0, 'fitRidge needs windows');
  const { mean, scale } = columnStats(x, n, d);
  let ym = 0;
  for (let i = 0; i < n; i++) ym += w.y[i]! / n;
  const A = new Float64Array(d * d),
    rhs = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const z = new Float64Array(d);
    for (let j = 0; j < d; j++) z[j] = (x[i * d + j]! - mean[j]!) / scale[j]!;
    for (let a = 0; a < d; a++) {
      rhs[a]! += z[a]! * (w.y[i]! - ym);
      for (let b = 0; b <= a; b++) A[a * d + b]! += z[a]! * z[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    A[a * d + a]! += lambda * n;
    for (let b = 0; b < a; b++) A[b * d + a] = A[a * d + b]!;
  }
  // Cholesky
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      L[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * d + j]!;
    }
  const zf = new Float64Array(d),
    wv = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = rhs[i]!;
    for (let k = 0; k < i; k++) s -= L[i * d + k]! * zf[k]!;
    zf[i] = s / L[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = zf[i]!;
    for (let k = i + 1; k < d; k++) s -= L[k * d + i]! * wv[k]!;
    wv[i] = s / L[i * d + i]!;
  }
  return { mean, scale, w: wv, b: ym, lambda };
}

/** Predictions of a fitted ridge model for every window of `w` (label units). */
export function predictRidge(m: RidgeModel, w: Windows): Float32Array {
  const { x, d } = windowFeatures(w),
    out = new Float32Array(w.n);
  for (let i = 0; i < w.n; i++) {
    let s = m.b;
    for (let j = 0; j < d; j++) s += (m.w[j]! * (x[i * d + j]! - m.mean[j]!)) / m.scale[j]!;
    out[i] = s;
  }
  return out;
}

/** The mean of the fine-tuning labels, for every test window. */
export function predictMean(train: Windows, test: Windows): Float32Array {
  let s = 0;
  for (let i = 0; i < train.n; i++) s += train.y[i]!;
  return new Float32Array(test.n).fill(s / train.n);
}

// ---------------------------------------------------------------------------------------------------------------------
// ε-SVR on the window features (LIBSVM through libsvm-js)
// loaded on first use: the asm.js build is 1 MB of JavaScript (bundled into the kernel) that no other verb needs
let svmClass: typeof SVMClass | undefined;
function libsvm(): typeof SVMClass {
  return (svmClass ??= require('libsvm-js/asm') as typeof SVMClass);
}

/** Settings of the ε-SVR: C, ε (in units of the fine-tuning labels' standard deviation) and γ (× 1/d, LIBSVM's default). */
export interface SvrSettings {
  C: number;
  epsilon: number;
  gamma: number;
  /** Kernel (default 'rbf'; 'linear' for checks). */
  kernel?: 'rbf' | 'linear';
}

export interface SvrModel {
  settings: SvrSettings;
  /** Number of support vectors. */
  supportVectors: number;
  /** Predictions for every window of `w` (label units). */
  predict(w: Windows): Float32Array;
}

function checkSvr(s: SvrSettings): void {
  for (const k of ['C', 'epsilon', 'gamma'] as const)
    if (!(s[k] > 0) || !Number.isFinite(s[k])) throw new InvalidInput(`SVR ${k} must be a finite number > 0, got ${describe(s[k])}`);
  if (s.kernel !== undefined && s.kernel !== 'rbf' && s.kernel !== 'linear')
    throw new InvalidInput(`SVR kernel must be 'rbf' or 'linear', got ${describe(s.kernel)}`);
}

/**
 * Fit an ε-SVR on the window features of `w` (features z-scored and labels standardised on `w`), predict with it and
 * free LIBSVM's memory. Returns the predictions for every set in `tests`, in label units.
 */
export function svrPredict(train: Windows, tests: readonly Windows[], s: SvrSettings): { preds: Float32Array[]; supportVectors: number } {
  checkSvr(s);
  check(train.n > 1, `the SVR needs at least 2 windows, got ${train.n}`);
  const { x, d } = windowFeatures(train),
    n = train.n;
  const { mean, scale } = columnStats(x, n, d);
  const ys = columnStats(train.y, n, 1);
  const yMean = ys.mean[0]!,
    yScale = ys.scale[0]!;
  const rows = (f: Float64Array, m: number) =>
    Array.from({ length: m }, (_, i) => Array.from({ length: d }, (_, j) => (f[i * d + j]! - mean[j]!) / scale[j]!));
  const SVM = libsvm();
  const svm = new SVM({
    type: SVM.SVM_TYPES.EPSILON_SVR,
    kernel: s.kernel === 'linear' ? SVM.KERNEL_TYPES.LINEAR : SVM.KERNEL_TYPES.RBF,
    cost: s.C,
    epsilon: s.epsilon,
    gamma: s.gamma / d,
    tolerance: 1e-4,
    quiet: true,
  });
  try {
    svm.train(
      rows(x, n),
      Array.from(train.y, (v) => (v - yMean) / yScale),
    );
    const preds = tests.map((t) => {
      const f = windowFeatures(t);
      if (f.d !== d) throw new InvalidInput(`test windows give ${f.d} features; the SVR was fitted on ${d}`);
      return Float32Array.from(svm.predict(rows(f.x, t.n)), (v) => v * yScale + yMean);
    });
    return { preds, supportVectors: svm.getSVIndices().length };
  } finally {
    svm.free();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// small CNNs (ours): 1D on the raw windows, 2D on log-spectrograms

/** Learning rate and optimiser steps of a CNN baseline. */
export interface CnnSettings {
  lr: number;
  steps: number;
}

export type CnnKind = 'cnn1d' | 'cnn2d';

/** Short-time spectrum of the log-spectrogram input: frame length and hop (samples), Hann window. */
export const SPEC_FRAME = 32;
export const SPEC_HOP = 16;

/** Raw windows as [n, seq, cuts·8] (every cut's channels stacked). */
export function rawInputs(w: Windows): { x: Float32Array; shape: [number, number] } {
  const C = SIGNAL_CHANNELS,
    K = w.cuts * C,
    x = new Float32Array(w.n * w.seq * K);
  for (let n = 0; n < w.n; n++)
    for (let k = 0; k < w.cuts; k++)
      for (let t = 0; t < w.seq; t++)
        for (let c = 0; c < C; c++) x[(n * w.seq + t) * K + k * C + c] = w.time[((n * w.cuts + k) * w.seq + t) * C + c]!;
  return { x, shape: [w.seq, K] };
}

/** Log-spectrograms of the accelerometers as [n, frames, SPEC_FRAME/2 + 1, cuts·2]: log(|rfft(hann·frame)|² + 1e-8). */
export function logSpectrograms(w: Windows): { x: Float32Array; shape: [number, number, number] } {
  if (w.seq < SPEC_FRAME) throw new InvalidInput(`log-spectrograms need windows of ≥ ${SPEC_FRAME} samples, got ${w.seq}`);
  const C = SIGNAL_CHANNELS,
    A = ACCEL_CHANNELS.length,
    K = w.cuts * A,
    F = Math.floor((w.seq - SPEC_FRAME) / SPEC_HOP) + 1,
    H = SPEC_FRAME / 2 + 1;
  const hann = Float64Array.from({ length: SPEC_FRAME }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / SPEC_FRAME));
  const x = new Float32Array(w.n * F * H * K),
    buf = new Float64Array(SPEC_FRAME);
  for (let n = 0; n < w.n; n++)
    for (let k = 0; k < w.cuts; k++)
      ACCEL_CHANNELS.forEach((ch, j) => {
        for (let f = 0; f < F; f++) {
          for (let i = 0; i < SPEC_FRAME; i++) buf[i] = hann[i]! * w.time[((n * w.cuts + k) * w.seq + f * SPEC_HOP + i) * C + ch]!;
          const m = rfftMag(buf);
          for (let h = 0; h < H; h++) x[((n * F + f) * H + h) * K + k * A + j] = Math.log(m[h]! ** 2 + 1e-8);
        }
      });
  return { x, shape: [F, H, K] };
}

/** A small CNN as plain variables and a forward function (no Keras layers: the training loop is the main model's). */
interface Net {
  vars: tf.Variable[];
  forward(x: tf.Tensor): tf.Tensor2D;
}

/** A variable holding `values` (the temporary tensor it is made from is disposed). */
function variable(values: Float32Array, shape: number[]): tf.Variable {
  const t = tf.tensor(values, shape),
    v = tf.variable(t);
  t.dispose();
  return v;
}

function glorot(r: ReturnType<typeof rng>, shape: number[], fanIn: number, fanOut: number): tf.Variable {
  const l = Math.sqrt(6 / (fanIn + fanOut)),
    n = shape.reduce((a, b) => a * b, 1);
  return variable(
    Float32Array.from({ length: n }, () => r.uniform(-l, l)),
    shape,
  );
}

/**
 * 1D-CNN: conv 7 ×16 stride 2 → conv 5 ×32 stride 2 → conv 3 ×32 stride 2 (ReLU, 'same') → global average → dense 32
 * ReLU → dense 1. 2D-CNN: conv 3×3 ×16 → conv 3×3 ×32 stride 2 (ReLU, 'same') → global average → dense 32 ReLU → dense 1.
 */
function buildNet(kind: CnnKind, inCh: number, seed: number, biasInit: number): Net {
  const r = rng(seed);
  const zeros = (k: number) => variable(new Float32Array(k), [k]);
  const convs: { w: tf.Variable; b: tf.Variable; stride: number }[] = [];
  const spec =
    kind === 'cnn1d'
      ? [
          [7, 16, 2],
          [5, 32, 2],
          [3, 32, 2],
        ]
      : [
          [3, 16, 1],
          [3, 32, 2],
        ];
  let c = inCh;
  for (const [k, o, stride] of spec) {
    const kk = kind === 'cnn1d' ? k! : k! * k!;
    convs.push({ w: glorot(r, kind === 'cnn1d' ? [k!, c, o!] : [k!, k!, c, o!], kk * c, kk * o!), b: zeros(o!), stride: stride! });
    c = o!;
  }
  const w1 = glorot(r, [c, 32], c, 32),
    b1 = zeros(32),
    w2 = glorot(r, [32, 1], 32, 1),
    b2 = variable(Float32Array.of(biasInit), [1]);
  const vars = [...convs.flatMap((l) => [l.w, l.b]), w1, b1, w2, b2];
  const forward = (x: tf.Tensor): tf.Tensor2D => {
    let h = x;
    for (const l of convs)
      h = tf.relu(
        tf.add(
          kind === 'cnn1d'
            ? tf.conv1d(h as tf.Tensor3D, l.w as tf.Tensor3D, l.stride, 'same')
            : tf.conv2d(h as tf.Tensor4D, l.w as tf.Tensor4D, l.stride, 'same'),
          l.b,
        ),
      );
    const pooled = tf.mean(h, kind === 'cnn1d' ? 1 : [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(pooled, w1 as tf.Tensor2D), b1)), w2 as tf.Tensor2D), b2) as tf.Tensor2D;
  };
  return { vars, forward };
}

export interface CnnOptions extends CnnSettings {
  /** Seed of the weights and the batch order (default 0). */
  seed?: number;
  /** Windows per batch (default 32, as the main model). */
  batch?: number;
  /** Aborts training between steps (default none). */
  signal?: AbortSignal;
}

/**
 * Train a small CNN of `kind` on `train` (Huber, Adam, cosine-decayed lr, batch 32) and predict every set in `tests`
 * (label units). Leaves no tensors behind.
 */
export function cnnPredict(
  kind: CnnKind,
  train: Windows,
  tests: readonly Windows[],
  o: CnnOptions,
): { preds: Float32Array[]; losses: number[]; params: number } {
  if (kind !== 'cnn1d' && kind !== 'cnn2d') throw new InvalidInput(`CNN kind must be 'cnn1d' or 'cnn2d', got ${describe(kind)}`);
  const steps = checkInt('steps', o.steps, 0),
    batch = checkInt('batch', o.batch ?? 32, 1);
  if (!(o.lr > 0)) throw new InvalidInput(`lr must be > 0, got ${describe(o.lr)}`);
  check(train.n > 0, 'a CNN baseline needs at least one training window');
  const inputs = (w: Windows) => (kind === 'cnn1d' ? rawInputs(w) : logSpectrograms(w));
  const tr = inputs(train),
    per = tr.shape.reduce((a, b) => a * b, 1),
    inCh = tr.shape[tr.shape.length - 1]!;
  // the spectrogram is z-scored per input channel with statistics of the fine-tuning windows (raw windows already are)
  let shift: Float64Array = new Float64Array(inCh),
    scl: Float64Array = new Float64Array(inCh).fill(1);
  if (kind === 'cnn2d') ({ mean: shift, scale: scl } = columnStats(tr.x, tr.x.length / inCh, inCh));
  const prep = (x: Float32Array) => {
    if (kind === 'cnn2d') for (let i = 0; i < x.length; i++) x[i] = (x[i]! - shift[i % inCh]!) / scl[i % inCh]!;
    return x;
  };
  prep(tr.x);
  let ym = 0;
  for (let i = 0; i < train.n; i++) ym += train.y[i]! / train.n;
  const seed = o.seed ?? 0,
    r = rng(seed + 1);
  const net = buildNet(kind, inCh, seed, ym);
  const opt = tf.train.adam(o.lr);
  const losses: number[] = [];
  const batchOf = (x: Float32Array, idx: number[]) => {
    const out = new Float32Array(idx.length * per);
    idx.forEach((j, i) => out.set(x.subarray(j * per, (j + 1) * per), i * per));
    return tf.tensor(out, [idx.length, ...tr.shape]);
  };
  try {
    const nextBatch = batchSampler(r, train.n, batch);
    for (let s = 0; s < steps; s++) {
      throwIfAborted(o.signal);
      const idx = nextBatch();
      (opt as unknown as { learningRate: number }).learningRate = cosineLr(o.lr, s, steps);
      const xb = batchOf(tr.x, idx),
        yb = tf.tensor2d(
          Float32Array.from(idx, (j) => train.y[j]!),
          [idx.length, 1],
        );
      const loss = opt.minimize(() => huber(net.forward(xb), yb), true, net.vars)!;
      losses.push(loss.dataSync()[0]!);
      tf.dispose([loss, xb, yb]);
    }
    const preds = tests.map((t) => {
      const te = inputs(t);
      if (te.shape.join() !== tr.shape.join())
        throw new InvalidInput(`test windows give inputs [${te.shape}]; the CNN was trained on [${tr.shape}]`);
      prep(te.x);
      const out = new Float32Array(t.n);
      for (let i = 0; i < t.n; i += 64) {
        const idx = Array.from({ length: Math.min(64, t.n - i) }, (_, k) => i + k);
        const xb = batchOf(te.x, idx);
        const y = tf.tidy(() => net.forward(xb));
        out.set(y.dataSync() as Float32Array, i);
        tf.dispose([xb, y]);
      }
      return out;
    });
    return { preds, losses, params: net.vars.reduce((a, v) => a + v.size, 0) };
  } finally {
    opt.dispose();
    tf.dispose(net.vars);
  }
}
