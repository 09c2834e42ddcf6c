/**
 * Training loop shared by every DFT Gaze stage: Adam with decoupled weight decay (AdamW), linear warm-up + cosine decay,
 * BatchNorm running-stat updates after each step, progress, AbortSignal, and resumable checkpoints (weights of every
 * model in the stage + Adam slots + step + loss log in one safetensors file, written atomically every `every` steps).
 *
 * Supervised stages (L1 on yaw/pitch):
 *   - T0 teacher "pre-training" — all weights; stands in for the ImageNet checkpoint the paper starts from (not
 *     available offline; documented deviation);
 *   - T1 / S1 generalized adapters — adapters + final LayerNorm + head, K-means-balanced sampling (K = 15, paper).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Aborted, FormatError, InvalidInput, describe } from '../core/errors';
import { progress } from '../core/progress';
import { rng, type Rng } from '../core/rng';
import { readSafetensors, writeSafetensors } from '../core/io/safetensors';
import { applyBnUpdates, groupVars, sliceBatch, type BnUpdate } from './model';
import { DataParallel } from './parallel';
import { taskLoss, type StepBatch, type StepTask } from './steps';
import type { GazeModel, GazeSet, ParamGroup, StageOptions, TrainLogEntry } from './types';

/** Draws a labeled batch of n images. */
export type BatchSource = (n: number, r: Rng) => GazeSet;

// ---------------------------------------------------------------- K-means balanced sampling

/** K-means (k-means++ init, Lloyd iterations) on 2-D gaze labels. Returns the cluster of every sample. */
export function kmeansGaze(gaze: Float32Array, k = 15, seed = 0, iters = 25): Int32Array {
  const n = gaze.length / 2;
  if (!Number.isInteger(n) || n < 1) throw new InvalidInput(`kmeansGaze: gaze must hold (yaw, pitch) pairs, got length ${gaze.length}`);
  if (!Number.isInteger(k) || k < 1) throw new InvalidInput(`kmeansGaze: k must be a positive integer, got ${describe(k)}`);
  const kk = Math.min(k, n),
    r = rng(seed);
  const cx = new Float64Array(kk),
    cy = new Float64Array(kk),
    d2 = new Float64Array(n).fill(Infinity);
  let c0 = r.int(n);
  for (let c = 0; c < kk; c++) {
    cx[c] = gaze[2 * c0]!;
    cy[c] = gaze[2 * c0 + 1]!;
    let tot = 0;
    for (let i = 0; i < n; i++) {
      const d = (gaze[2 * i]! - cx[c]!) ** 2 + (gaze[2 * i + 1]! - cy[c]!) ** 2;
      if (d < d2[i]!) d2[i] = d;
      tot += d2[i]!;
    }
    let u = r.next() * tot;
    c0 = n - 1;
    for (let i = 0; i < n; i++) {
      u -= d2[i]!;
      if (u <= 0) {
        c0 = i;
        break;
      }
    }
  }
  const a = new Int32Array(n);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0,
        bd = Infinity;
      for (let c = 0; c < kk; c++) {
        const d = (gaze[2 * i]! - cx[c]!) ** 2 + (gaze[2 * i + 1]! - cy[c]!) ** 2;
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      a[i] = best;
    }
    const sx = new Float64Array(kk),
      sy = new Float64Array(kk),
      cnt = new Float64Array(kk);
    for (let i = 0; i < n; i++) {
      sx[a[i]!]! += gaze[2 * i]!;
      sy[a[i]!]! += gaze[2 * i + 1]!;
      cnt[a[i]!]!++;
    }
    for (let c = 0; c < kk; c++)
      if (cnt[c]) {
        cx[c] = sx[c]! / cnt[c]!;
        cy[c] = sy[c]! / cnt[c]!;
      }
  }
  return a;
}

/** Group sample indices by cluster (empty clusters dropped). */
export function clusterMembers(assign: Int32Array): number[][] {
  const by = new Map<number, number[]>();
  assign.forEach((c, i) => {
    let l = by.get(c);
    if (!l) by.set(c, (l = []));
    l.push(i);
  });
  return [...by.values()];
}

/** A source over a fixed labeled set: uniform, or K-means-balanced (pick a cluster uniformly, then a member). */
export function setSource(set: GazeSet, opts: { balancedK?: number; seed?: number } = {}): BatchSource {
  const n = set.images.n;
  if (set.gaze.length !== 2 * n) throw new InvalidInput(`set has ${n} images but ${set.gaze.length / 2} labels`);
  const groups = opts.balancedK ? clusterMembers(kmeansGaze(set.gaze, opts.balancedK, opts.seed ?? 0)) : null;
  return (b, r) => {
    const idx = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      if (groups) {
        const g = groups[r.int(groups.length)]!;
        idx[i] = g[r.int(g.length)]!;
      } else idx[i] = r.int(n);
    }
    return subset(set, idx);
  };
}

/** Rows of a labeled set. */
export function subset(set: GazeSet, idx: ArrayLike<number>): GazeSet {
  const g = new Float32Array(2 * idx.length);
  for (let k = 0; k < idx.length; k++) {
    g[2 * k] = set.gaze[2 * idx[k]!]!;
    g[2 * k + 1] = set.gaze[2 * idx[k]! + 1]!;
  }
  const out: GazeSet = { images: sliceBatch(set.images, idx), gaze: g };
  if (set.user) out.user = Int32Array.from(idx, (i) => set.user![i]!);
  return out;
}

// ---------------------------------------------------------------- the loop

export interface LoopSpec {
  label: string;
  /** Models whose variables are saved in checkpoints (the first is the one being trained). */
  models: GazeModel[];
  /** Variables the optimizer updates. */
  vars: tf.Variable[];
  /**
   * Either `loss` — build a batch and return the loss (inside the gradient tape) and named parts (plain numbers) — or
   * `step`: a batch `prepare`d on this thread and a plain-data `task` (steps.ts), which can also run data-parallel on
   * worker threads (StageOptions.workers). `frozen` models take part in the task but do not train (the KD teacher).
   */
  loss?: (step: number, r: Rng, pending: BnUpdate[], parts: Record<string, number>) => tf.Scalar;
  step?: { task: StepTask; prepare: (step: number, r: Rng) => StepBatch; frozen?: GazeModel[] };
  checkpoint?: { path: string; every?: number };
  /** Called with the step count after each step (e.g. periodic held-out measurements). */
  after?: (step: number) => void;
}

export interface LoopResult {
  log: TrainLogEntry[];
  resumedFrom: number;
  steps: number;
}

const opt = (o: StageOptions, k: keyof StageOptions, d: number) => {
  const v = o[k] ?? d;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new InvalidInput(`${String(k)} must be a non-negative number, got ${describe(v)}`);
  return v;
};

/** Learning rate at `step` of `steps`: 5% linear warm-up, cosine decay to 2% of the peak. */
export function lrAt(step: number, steps: number, lr: number): number {
  const warm = Math.max(1, Math.round(0.05 * steps));
  if (step < warm) return (lr * (step + 1)) / warm;
  const t = (step - warm) / Math.max(1, steps - warm);
  return lr * (0.02 + 0.98 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** Run a training loop (see LoopSpec). Resumes from `checkpoint.path` when that file exists. */
export async function trainLoop(spec: LoopSpec, o: StageOptions): Promise<LoopResult> {
  const steps = Math.round(opt(o, 'steps', 200)),
    lr = opt(o, 'lr', 1e-3),
    wd = opt(o, 'weightDecay', 0);
  const logEvery = Math.max(1, Math.round(opt(o, 'logEvery', 10)));
  if (!spec.vars.length) throw new InvalidInput(`${spec.label}: no trainable variables`);
  const adam = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const setLr = (v: number) => {
    (adam as unknown as { learningRate: number }).learningRate = v;
  };
  let start = 0;
  const log: TrainLogEntry[] = [];
  const ck = spec.checkpoint;
  if (ck && existsSync(ck.path)) {
    const r = await loadCheckpoint(ck.path, spec.models, adam);
    start = r.step;
    log.push(...r.log);
  }
  const r = rng(o.seed ?? 0);
  for (let i = 0; i < start; i++) r.fork(i); // keep per-step streams aligned after resume
  const decay = spec.vars.filter((v) => v.rank >= 2);
  const bar = o.progress === false ? null : progress(steps, spec.label, { unit: 'step' });
  bar?.set(start);
  const workers = Math.round(opt(o, 'workers', 1));
  const st = spec.step;
  if (!st && !spec.loss) throw new InvalidInput(`${spec.label}: a loop needs a loss or a step`);
  if (workers > 1 && !st)
    throw new InvalidInput(`${spec.label}: workers = ${workers} needs a prepared step (LoopSpec.step), not a loss closure`);
  const dp =
    workers > 1 && st ? new DataParallel(st.task, [...spec.models, ...(st.frozen ?? [])], spec.models.length, spec.vars, workers) : null;
  let t0 = Date.now();
  try {
    await dp?.start();
    let next = st && start < steps ? st.prepare(start, r.fork(start)) : null;
    for (let step = start; step < steps; step++) {
      if (o.signal?.aborted) throw new Aborted(`${spec.label} aborted at step ${step}/${steps}`);
      const cur = lrAt(step, steps, lr);
      setLr(cur);
      let pending: BnUpdate[] = [],
        parts: Record<string, number> = {};
      let loss: number;
      if (dp) {
        const running = dp.dispatch(next!);
        // prepare (render) the next batch while the workers compute this one
        next = step + 1 < steps ? st!.prepare(step + 1, r.fork(step + 1)) : null;
        const res = await running;
        dp.apply(adam, res.grads);
        ({ loss, parts, bn: pending } = res);
      } else {
        const batch = next;
        if (st) next = step + 1 < steps ? st.prepare(step + 1, r.fork(step + 1)) : null;
        // exactly one fork per step, in step order (the prepared path forked this step's stream when it prefetched)
        const sr = st ? null : r.fork(step);
        const models = [...spec.models, ...(st?.frozen ?? [])];
        const l = adam.minimize(
          () => (st ? taskLoss(st.task, models, batch!, pending, parts) : spec.loss!(step, sr!, pending, parts)),
          true,
          spec.vars,
        )!;
        loss = l.dataSync()[0]!;
        l.dispose();
      }
      if (!Number.isFinite(loss)) throw new InvalidInput(`${spec.label}: loss became ${loss} at step ${step}; lower lr (now ${cur})`);
      if (wd > 0)
        tf.tidy(() => {
          for (const v of decay) v.assign(tf.mul(v, 1 - cur * wd));
        });
      for (const m of spec.models)
        if (pending.length)
          applyBnUpdates(
            m,
            pending.filter((p) => m.params.has(`${p.name}.ad.bn.g`)),
          );
      if ((step + 1) % logEvery === 0 || step === steps - 1) {
        const e: TrainLogEntry = { step: step + 1, loss, ms: Date.now() - t0 };
        if (Object.keys(parts).length) e.parts = { ...parts };
        log.push(e);
        o.onLog?.(e);
        t0 = Date.now();
      }
      bar?.tick(1, `loss ${loss.toPrecision(4)}`);
      spec.after?.(step + 1);
      if (ck && (step + 1) % (ck.every ?? 200) === 0 && step + 1 < steps) await saveCheckpoint(ck.path, spec.models, adam, step + 1, log);
    }
  } catch (e) {
    bar?.stop();
    adam.dispose();
    await dp?.close();
    throw e;
  }
  bar?.done();
  adam.dispose();
  await dp?.close();
  return { log, resumedFrom: start, steps };
}

async function saveCheckpoint(path: string, models: GazeModel[], adam: tf.Optimizer, step: number, log: TrainLogEntry[]): Promise<void> {
  const t = new Map<string, { dtype: 'float32'; shape: number[]; data: Float32Array }>();
  models.forEach((m, i) => {
    for (const [k, v] of [...m.params, ...m.buffers])
      t.set(`m${i}/${k}`, { dtype: 'float32', shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
  });
  const w = await adam.getWeights();
  w.forEach((nt, i) =>
    t.set(`opt/${String(i).padStart(5, '0')}`, {
      dtype: 'float32',
      shape: [...nt.tensor.shape],
      data: Float32Array.from(nt.tensor.dataSync() as Float32Array),
    }),
  );
  w[0]?.tensor.dispose(); // the iteration scalar is a fresh tensor; the slots are the optimizer's own variables
  writeFileSync(path + '.tmp', writeSafetensors(t, { step: String(step), log: JSON.stringify(log) }));
  renameSync(path + '.tmp', path);
}

async function loadCheckpoint(path: string, models: GazeModel[], adam: tf.Optimizer): Promise<{ step: number; log: TrainLogEntry[] }> {
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync(path)));
  models.forEach((m, i) => {
    for (const [k, v] of [...m.params, ...m.buffers]) {
      const s = tensors.get(`m${i}/${k}`);
      if (!s || s.shape.join() !== v.shape.join())
        throw new FormatError(`checkpoint ${path}: m${i}/${k} missing or of shape ${describe(s?.shape)}, model needs ${describe(v.shape)}`);
      tf.tidy(() => v.assign(tf.tensor(s.data as Float32Array, v.shape)));
    }
  });
  const slots = [...tensors.keys()].filter((k) => k.startsWith('opt/')).sort();
  if (slots.length) {
    const ws = slots.map((k, i) => ({
      name: i === 0 ? 'iter' : k,
      tensor: tf.tensor(tensors.get(k)!.data as Float32Array, tensors.get(k)!.shape),
    }));
    await adam.setWeights(ws);
    tf.dispose(ws.map((x) => x.tensor)); // setWeights copies them into variables
  }
  return { step: Number(metadata.step ?? 0), log: JSON.parse(metadata.log ?? '[]') as TrainLogEntry[] };
}

// ---------------------------------------------------------------- supervised stages

export interface SupervisedOptions extends StageOptions {
  /** Which parameters train (default 'tunable'; the pipeline's T0 uses 'all', T1/S1 'tunable'). */
  group?: ParamGroup;
  /**
   * Resumable checkpoint (default: none): weights, Adam slots, step and loss log in one safetensors file at `path`,
   * written atomically every `every` steps (default 200); a call finding the file resumes from it.
   */
  checkpoint?: { path: string; every?: number };
}

/** Mean L1 between predictions [N,2] and labels [N,2] (the paper's gaze loss). */
export function l1Loss(pred: tf.Tensor2D, gaze: Float32Array): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(pred, tf.tensor2d(gaze, [gaze.length / 2, 2])))) as tf.Scalar;
}

/**
 * Train `model` on batches from `source` with mean L1 on (yaw, pitch) in radians, the paper's gaze loss (arXiv
 * 2411.04335: the generalized stage trains the adapters + final LayerNorm + head, group 'tunable', on K-means-balanced
 * batches). Mutates the model; returns the loss log. Defaults: group 'tunable', 200 steps, batch 32, lr 1e-3,
 * weight decay 0.
 */
export async function trainSupervised(model: GazeModel, source: BatchSource, o: SupervisedOptions = {}): Promise<LoopResult> {
  const group = o.group ?? 'tunable';
  const batch = Math.round(opt(o, 'batch', 32));
  return trainLoop(
    {
      label: `train ${model.kind} (${group})`,
      models: [model],
      vars: groupVars(model, group),
      checkpoint: o.checkpoint,
      step: {
        task: { kind: 'supervised', inCh: model.spec.inCh },
        prepare: (_s, r) => {
          const b = source(batch, r);
          const P = b.images.h * b.images.w;
          const sc = b.images.data instanceof Uint8Array ? 1 / 255 : 1; // rows carry [0, 1] floats
          const images = Float32Array.from(b.images.data.subarray(0, b.images.n * P), (v) => v * sc);
          return {
            n: b.images.n,
            h: b.images.h,
            w: b.images.w,
            rows: { images: { data: images, per: P }, gaze: { data: Float32Array.from(b.gaze), per: 2 } },
            scalars: { total: b.images.n },
          };
        },
      },
    },
    o,
  );
}
