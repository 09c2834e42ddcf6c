/**
 * Synchronous data-parallel training over worker threads (kernel/core/workers), each thread with its own tfjs wasm
 * backend (wasm runs one thread per instance in Node, so one process uses one core).
 *
 * Per step the coordinating thread (which owns the models and the one AdamW optimizer):
 *   1. writes the current values of the trained models' parameters and buffers into a SharedArrayBuffer;
 *   2. splits the prepared batch (steps.ts) into one contiguous slice per worker and sends each its slice;
 *   3. each worker copies the shared values into its own variables, computes its slice's loss and gradients (the
 *      slices' losses sum to the batch loss, steps.ts) and writes the gradients into its region of a second shared buffer;
 *   4. the coordinator sums the regions and applies ONE optimizer update, so every worker starts the next step from the
 *      same parameters. While the workers compute, the coordinator prepares (renders) the next batch.
 * The result equals one-process training on the same batches up to float rounding, except adapter BatchNorm in
 * training mode (per-slice statistics, as PyTorch DDP without SyncBatchNorm; running statistics merged exactly).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput } from '../core/errors';
import { WorkerPool, workerEntry } from '../core/workers';
import { mergeBnUpdates, shardRanges, sliceRows, type StepBatch, type StepTask } from './steps';
import type { BnUpdate } from './model';
import type { GazeModel, ModelKind, NetSpec } from './types';

/** A model as plain arrays (what a worker rebuilds its copy from). */
export interface PackedModel {
  kind: ModelKind;
  spec: NetSpec;
  meta: Record<string, string>;
  params: [string, number[], Float32Array][];
  buffers: [string, number[], Float32Array][];
}

export function packModel(m: GazeModel): PackedModel {
  const p = (mp: Map<string, tf.Variable>): PackedModel['params'] =>
    [...mp].map(([k, v]) => [k, [...v.shape], Float32Array.from(v.dataSync() as Float32Array)]);
  return { kind: m.kind, spec: m.spec, meta: { ...m.meta }, params: p(m.params), buffers: p(m.buffers) };
}

let unpacked = 0;
export function unpackModel(p: PackedModel): GazeModel {
  const id = ++unpacked;
  const mk = (list: PackedModel['params'], trainable: boolean) =>
    new Map(list.map(([k, s, d]) => [k, tf.variable(tf.tensor(d, s), trainable, `gazedp${id}/${k}`)] as const));
  return { kind: p.kind, spec: p.spec, meta: p.meta, params: mk(p.params, true), buffers: mk(p.buffers, false) };
}

/** What is shared: (model index, 'p' | 'b', name) of every synced tensor, and the trained variables' (model, name). */
export interface WorkerSetup {
  task: StepTask;
  models: PackedModel[];
  sync: [number, 'p' | 'b', string][];
  vars: [number, string][];
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
}

export interface StepRequest {
  batch: StepBatch;
  slot: number;
}

export interface StepReply {
  loss: number;
  parts: Record<string, number>;
  bn: BnUpdate[];
}

export interface ParallelStep {
  loss: number;
  parts: Record<string, number>;
  bn: BnUpdate[];
  /** Sum of the slices' gradients, by variable (same order as the `vars` given to the constructor). */
  grads: Float32Array[];
}

export class DataParallel {
  private readonly pool: WorkerPool<StepRequest, StepReply>;
  private readonly syncVars: tf.Variable[];
  private readonly sizes: number[];
  private readonly offsets: number[];
  private readonly paramView: Float32Array;
  private readonly gradView: Float32Array;
  private readonly gradTotal: number;

  /**
   * `models`: every model the task needs, in the task's order; `trained`: how many leading models change during
   * training (their parameters and buffers are re-sent every step; the rest are sent once); `vars`: the optimised variables.
   */
  constructor(
    readonly task: StepTask,
    models: GazeModel[],
    trained: number,
    private readonly vars: tf.Variable[],
    readonly workers: number,
  ) {
    if (!Number.isInteger(workers) || workers < 2) throw new InvalidInput(`DataParallel: workers must be an integer ≥ 2, got ${workers}`);
    const sync: WorkerSetup['sync'] = [];
    this.syncVars = [];
    models.slice(0, trained).forEach((m, mi) => {
      for (const [k, v] of m.params) (sync.push([mi, 'p', k]), this.syncVars.push(v));
      for (const [k, v] of m.buffers) (sync.push([mi, 'b', k]), this.syncVars.push(v));
    });
    const where = new Map<tf.Variable, [number, string]>();
    models.forEach((m, mi) => m.params.forEach((v, k) => where.set(v, [mi, k])));
    const varKeys = vars.map((v) => {
      const w = where.get(v);
      if (!w) throw new InvalidInput(`DataParallel: variable ${v.name} belongs to none of the models`);
      if (w[0] >= trained) throw new InvalidInput(`DataParallel: variable ${v.name} is optimised but its model is not marked as trained`);
      return w;
    });
    const nParams = this.syncVars.reduce((a, v) => a + v.size, 0);
    this.sizes = vars.map((v) => v.size);
    this.offsets = [];
    let o = 0;
    for (const s of this.sizes) (this.offsets.push(o), (o += s));
    this.gradTotal = o;
    const params = new SharedArrayBuffer(4 * nParams),
      grads = new SharedArrayBuffer(4 * o * workers);
    this.paramView = new Float32Array(params);
    this.gradView = new Float32Array(grads);
    const setup: WorkerSetup = { task, models: models.map(packModel), sync, vars: varKeys, params, grads };
    this.pool = new WorkerPool<StepRequest, StepReply>({
      entry: workerEntry('gaze/train-worker'),
      size: workers,
      init: setup,
      label: 'gaze data-parallel',
    });
  }

  /** Start the threads (each loads its wasm backend and rebuilds the models). */
  async start(): Promise<void> {
    await this.pool.start();
  }

  /** Send the current parameters and one slice of `batch` per worker; resolves when every slice's gradients are in. */
  dispatch(batch: StepBatch): Promise<ParallelStep> {
    let o = 0;
    for (const v of this.syncVars) {
      this.paramView.set(v.dataSync() as Float32Array, o);
      o += v.size;
    }
    const ranges = shardRanges(batch.n, this.workers);
    const runs = ranges.map(([s, e], k) => this.pool.run({ batch: sliceRows(batch, s, e), slot: k }, { worker: k }));
    return Promise.all(runs).then((rs) => {
      const grads = this.sizes.map((n, i) => {
        const g = new Float32Array(n);
        for (let k = 0; k < rs.length; k++) {
          const base = k * this.gradTotal + this.offsets[i]!;
          for (let j = 0; j < n; j++) g[j] = g[j]! + this.gradView[base + j]!;
        }
        return g;
      });
      const parts: Record<string, number> = {};
      for (const r of rs) for (const [k, v] of Object.entries(r.parts)) parts[k] = (parts[k] ?? 0) + v;
      const bn = rs[0]!.bn.length
        ? mergeBnUpdates(
            rs.map((r) => r.bn),
            ranges.map(([s, e]) => e - s),
          )
        : [];
      return { loss: rs.reduce((a, r) => a + r.loss, 0), parts, bn, grads };
    });
  }

  /** Apply summed gradients with `opt` to the coordinator's variables. */
  apply(opt: tf.Optimizer, grads: Float32Array[]): void {
    tf.tidy(() => {
      const named: tf.NamedTensorMap = {};
      this.vars.forEach((v, i) => (named[v.name] = tf.tensor(grads[i]!, v.shape)));
      opt.applyGradients(named);
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
