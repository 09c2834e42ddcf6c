/**
 * One training step split in two, so the same step runs in one process or data-parallel over worker threads:
 *   - `prepare` (the coordinating thread, all randomness): draws the batch, the masks and the masked-position weights
 *     for the WHOLE batch and fixes every batch-wide normaliser (counts of masked pixels / cells, the batch size);
 *   - `taskLoss` (any thread): the loss of a slice of rows, scaled by those batch-wide normalisers so the losses (and
 *     gradients) of the slices SUM to the whole-batch loss. Splitting a batch therefore changes nothing but float
 *     rounding — with one exception named where it happens: adapter BatchNorm in training mode normalises with the
 *     statistics of the slice it sees (as PyTorch DDP without SyncBatchNorm does).
 * Tasks are plain data (no closures), so a worker rebuilds the identical loss from the message.
 */
import * as tf from '@tensorflow/tfjs';
import { block, forward, linear, runStages, toInput, visibilityPyramid, type BnUpdate } from './model';
import type { GazeModel } from './types';

/** How teacher feature targets are normalised before the MSE (see distill.ts). */
export type TargetNorm = 'map' | 'channel' | 'position';

/** Statistics of the teacher's stage-3/4 features on the KD pool (see kdTargetStats in distill.ts). */
export interface TargetStats {
  norm: TargetNorm;
  /** Per stage (index 0 = stage 3, 1 = stage 4): mean, length C ('channel') or h·w·C ('map'); empty for 'position'. */
  mean: [Float32Array, Float32Array];
  /** Per stage: per-channel standard deviation (length C); empty for 'position'. */
  std: [Float32Array, Float32Array];
  /** Feature-map shapes [h, w, C] the statistics were taken at. */
  shape: [[number, number, number], [number, number, number]];
}

export interface SupervisedTask {
  kind: 'supervised';
  inCh: number;
}

export interface DistillTask {
  kind: 'distill';
  inCh: number;
  maskRatio: number;
  maskMode: 'zero' | 'sparse';
  gamma: number;
  imageWeight: number;
  /** Stage whose features the pixel decoder reads (4 = FCMAE's; 3 = a finer map, stride 16). */
  pixelStage: 3 | 4;
  stats: TargetStats;
}

/** FCMAE masked pre-training of an encoder (pretrain.ts): masked-pixel reconstruction only, no teacher, no labels. */
export interface MaeTask {
  kind: 'mae';
  inCh: number;
  maskMode: 'zero' | 'sparse';
  /** Encoder stage the pixel decoder reads (4 = FCMAE's, stride 32; 3 = stride 16, stage 4 then untrained). */
  pixelStage: 3 | 4;
  /** Targets normalised per decoder cell (FCMAE's norm_pix_loss). */
  normPix: boolean;
}

export type StepTask = SupervisedTask | DistillTask | MaeTask;

/**
 * A prepared batch: row-major arrays whose first dimension is the batch (`per` values per row), plus batch-wide scalars
 * (normalisers) that every slice uses unchanged.
 */
export interface StepBatch {
  n: number;
  h: number;
  w: number;
  rows: Record<string, { data: Float32Array; per: number }>;
  scalars: Record<string, number>;
}

/** Rows [start, end) of a prepared batch (scalars kept: they are batch-wide). */
export function sliceRows(b: StepBatch, start: number, end: number): StepBatch {
  const rows: StepBatch['rows'] = {};
  for (const [k, v] of Object.entries(b.rows)) rows[k] = { data: v.data.slice(start * v.per, end * v.per), per: v.per };
  return { n: end - start, h: b.h, w: b.w, rows, scalars: { ...b.scalars } };
}

/** Split n rows into k contiguous shards as equal as possible: [start, end) pairs (empty shards dropped). */
export function shardRanges(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0, s = 0; i < k; i++) {
    const e = s + Math.floor(n / k) + (i < n % k ? 1 : 0);
    if (e > s) out.push([s, e]);
    s = e;
  }
  return out;
}

/** Masked-position weights of a stride-s map from a pixel mask (1 = masked): cells ≥ 50% masked. Plain JS. */
export function cellWeights(mask: Float32Array, n: number, h: number, w: number, s: number): Float32Array {
  const gh = Math.floor(h / s),
    gw = Math.floor(w / s),
    out = new Float32Array(n * gh * gw);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < gh; a++)
      for (let b = 0; b < gw; b++) {
        let m = 0;
        for (let y = a * s; y < (a + 1) * s; y++) for (let x = b * s; x < (b + 1) * s; x++) m += mask[i * h * w + y * w + x]!;
        out[(i * gh + a) * gw + b] = m / (s * s) >= 0.5 ? 1 : 0;
      }
  return out;
}

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

/** Whole-batch normalisers of a distillation batch: masked cells per stage (all cells when none is) and masked pixels. */
export function distillNormalisers(b: StepBatch, maskRatio: number): void {
  const { n, h, w } = b;
  for (const [k, s] of [
    ['w3', 16],
    ['w4', 32],
  ] as const) {
    const cells = n * (h / s) * (w / s);
    let wt = maskRatio > 0 ? cellWeights(b.rows.mask!.data, n, h, w, s) : new Float32Array(cells).fill(1);
    if (sum(wt) === 0) wt = new Float32Array(cells).fill(1); // no cell of the batch is ≥ 50% masked: all positions
    b.rows[k] = { data: wt, per: cells / n };
    b.scalars[`d${k.slice(1)}`] = sum(wt);
  }
  b.scalars.dimg = Math.max(1, sum(b.rows.mask!.data));
}

/** Normalise teacher features [N, h, w, C] with pool statistics (or per position across channels, the old default). */
export function normaliseTargets(t: tf.Tensor4D, stats: TargetStats, stage: 0 | 1): tf.Tensor4D {
  if (stats.norm === 'position') {
    const { mean, variance } = tf.moments(t, -1, true);
    return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-6)));
  }
  const [h, w, c] = stats.shape[stage];
  if (t.shape[1] !== h || t.shape[2] !== w || t.shape[3] !== c)
    throw new Error(`target statistics were taken at ${h}×${w}×${c}, features are ${t.shape.slice(1).join('×')}`);
  const mean = stats.norm === 'map' ? tf.tensor4d(stats.mean[stage], [1, h, w, c]) : tf.tensor1d(stats.mean[stage]);
  return tf.div(tf.sub(t, mean), tf.tensor1d(stats.std[stage]));
}

/** Σ_k w_k · mean_c (p − t)²_k / denominator (a slice's share of the batch's masked MSE). */
function weightedSe(pred: tf.Tensor, target: tf.Tensor, w: tf.Tensor, denom: number): tf.Scalar {
  const se = tf.mean(tf.square(tf.sub(pred, target)), -1, true);
  return tf.div(tf.sum(tf.mul(se, w)), denom) as tf.Scalar;
}

/** Feature / pixel predictions of the KD decoders from the student's stage outputs f (stages 1–4). */
export function decode(dec: GazeModel, f: tf.Tensor4D[], which: 'd3' | 'd4' | 'di', stage: number): tf.Tensor4D {
  return linear(block(dec, `${which}.b0`, f[stage - 1]!, true, null), dec.params.get(`${which}.fc.w`)!, dec.params.get(`${which}.fc.b`)!);
}

/**
 * The loss of a (slice of a) prepared batch; the slices' losses sum to the whole batch's. `models`:
 * supervised [model]; distill [student, decoders, teacher]. `parts` receives this slice's share of each term.
 */
export function taskLoss(
  task: StepTask,
  models: GazeModel[],
  b: StepBatch,
  pending: BnUpdate[] | null,
  parts: Record<string, number>,
): tf.Scalar {
  if (task.kind === 'supervised') {
    const m = models[0]!;
    const x = toInput({ n: b.n, h: b.h, w: b.w, data: b.rows.images!.data }, task.inCh);
    const pred = forward(m, x, { training: true }, pending).out;
    const l1 = tf.div(tf.sum(tf.abs(tf.sub(pred, tf.tensor2d(b.rows.gaze!.data, [b.n, 2])))), 2 * b.scalars.total!) as tf.Scalar;
    parts.l1 = l1.dataSync()[0]!;
    return l1;
  }
  if (task.kind === 'mae') return maeLoss(task, models, b, parts);
  const [student, dec, teacher] = models as [GazeModel, GazeModel, GazeModel];
  const { n, h, w } = b,
    inCh = task.inCh;
  const x = toInput({ n, h, w, data: b.rows.images!.data }, inCh);
  // teacher targets (no gradient: teacher variables are never in the optimised list)
  const ts = forward(teacher, x, { features: true }).stages!;
  const t3 = normaliseTargets(ts[2]!, task.stats, 0),
    t4 = normaliseTargets(ts[3]!, task.stats, 1);
  const mask = tf.tensor4d(b.rows.mask!.data, [n, h, w, 1]);
  const xm = tf.mul(x, tf.sub(1, mask)) as tf.Tensor4D;
  const f: tf.Tensor4D[] = [];
  runStages(student, xm, 1, 4, true, null, f, task.maskRatio > 0 && task.maskMode === 'sparse' ? visibilityPyramid(mask) : undefined);
  const p3 = decode(dec, f, 'd3', 3),
    p4 = decode(dec, f, 'd4', 4);
  const w3 = tf.tensor4d(b.rows.w3!.data, [n, h / 16, w / 16, 1]),
    w4 = tf.tensor4d(b.rows.w4!.data, [n, h / 32, w / 32, 1]);
  const l3 = weightedSe(p3, t3, w3, b.scalars.d3!),
    l4 = weightedSe(p4, t4, w4, b.scalars.d4!);
  let loss = tf.mul(task.gamma, tf.add(l3, l4)) as tf.Scalar;
  parts.f3 = l3.dataSync()[0]!;
  parts.f4 = l4.dataSync()[0]!;
  if (task.maskRatio > 0 && task.imageWeight > 0) {
    // pixels: [N, H/s, W/s, s·s·C] → depth-to-space → [N, H, W, C]
    const s = task.pixelStage === 3 ? 16 : 32;
    const pi = decode(dec, f, 'di', task.pixelStage);
    const img = tf.reshape(tf.transpose(tf.reshape(pi, [n, h / s, w / s, s, s, inCh]), [0, 1, 3, 2, 4, 5]), [n, h, w, inCh]);
    const li = weightedSe(img, x, mask, b.scalars.dimg!);
    parts.img = li.dataSync()[0]!;
    loss = tf.add(loss, tf.mul(task.imageWeight, li)) as tf.Scalar;
  }
  return loss;
}

/** Images [N, H, W, C] rearranged to cells [N, H/s, W/s, s·s·C] (row-major inside a cell, channels last). */
export function toCells(x: tf.Tensor4D, s: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(x, [n, h / s, s, w / s, s, c]), [0, 1, 3, 2, 4, 5]), [n, h / s, w / s, s * s * c]);
}

/** Per-cell normalised targets (FCMAE's norm_pix_loss): each cell's values to zero mean, unit variance (ε = 1e-6). */
export function normalisedCells(cells: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(cells, -1, true);
  return tf.div(tf.sub(cells, mean), tf.sqrt(tf.add(variance, 1e-6)));
}

/**
 * FCMAE loss of a (slice of a) prepared batch, models [encoder, decoder] (pretrain.ts): squared error of the decoded
 * cells against the (normalised) target cells, summed over masked pixels and divided by the batch's masked-pixel count
 * times channels, so slices sum to the batch loss.
 */
export function maeLoss(task: MaeTask, models: GazeModel[], b: StepBatch, parts?: Record<string, number>): tf.Scalar {
  const [enc, dec] = models as [GazeModel, GazeModel];
  const { n, h, w } = b,
    c = task.inCh,
    s = task.pixelStage === 3 ? 16 : 32;
  const x = toInput({ n, h, w, data: b.rows.images!.data }, c);
  const mask = tf.tensor4d(b.rows.mask!.data, [n, h, w, 1]);
  const f: tf.Tensor4D[] = [];
  const vis = task.maskMode === 'sparse' ? visibilityPyramid(mask) : undefined;
  runStages(enc, tf.mul(x, tf.sub(1, mask)) as tf.Tensor4D, 1, task.pixelStage, true, null, f, vis);
  const pred = decode(dec, f, 'di', task.pixelStage);
  const cells = toCells(x, s);
  const target = task.normPix ? normalisedCells(cells) : cells;
  const m = toCells(c === 1 ? mask : (tf.tile(mask, [1, 1, 1, c]) as tf.Tensor4D), s);
  const loss = tf.div(tf.sum(tf.mul(tf.square(tf.sub(pred, target)), m)), b.scalars.dimg! * c) as tf.Scalar;
  if (parts) parts.img = loss.dataSync()[0]!;
  return loss;
}

/** Combine BatchNorm batch statistics of slices (sizes ns) into the batch's (pooled mean and variance). */
export function mergeBnUpdates(shards: BnUpdate[][], ns: number[]): BnUpdate[] {
  if (shards.length === 1) return shards[0]!;
  const tot = ns.reduce((a, v) => a + v, 0);
  return shards[0]!.map((u0, j) => {
    const c = u0.mean.length,
      mean = new Float32Array(c),
      variance = new Float32Array(c);
    shards.forEach((s, k) => {
      for (let i = 0; i < c; i++) mean[i] = mean[i]! + (ns[k]! / tot) * s[j]!.mean[i]!;
    });
    shards.forEach((s, k) => {
      for (let i = 0; i < c; i++) variance[i] = variance[i]! + (ns[k]! / tot) * (s[j]!.variance[i]! + (s[j]!.mean[i]! - mean[i]!) ** 2);
    });
    return { name: u0.name, mean, variance };
  });
}
