/**
 * Magnitude pruning and a Dense layer that runs on the Rosko kernels for inference.
 * A Dense layer computes y = act(x·W + b) with W [in, out]. With A = Wᵀ (out × in, sparse, packed once) and
 * B = xᵀ (in × batch), C = A·B = (x·W)ᵀ, so y = act(Cᵀ + b).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from '../core/backend';
import { InvalidInput, UnsupportedLayer, checkFinite, checkInt, describe } from '../core/errors';
import { pack } from './pack';
import { spmm } from './spmm';
import type { PackOptions, RoskoPacked } from './types';

/** Zero the round(sparsity·n) entries of smallest magnitude (ties broken by index). Returns a new array. */
export function magnitudePrune(w: Float32Array, sparsity: number): Float32Array {
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity <= 1))
    throw new InvalidInput(`sparsity must be in [0, 1], got ${describe(sparsity)}`);
  checkFinite('weights', w);
  const n = w.length,
    k = Math.round(sparsity * n);
  const out = w.slice();
  if (k === 0) return out;
  // threshold = the k-th smallest |w| (typed-array sort: ~20× faster than sorting indices with a comparator on 10M
  // weights); everything below it goes, then ties at it in index order until k are zero
  const mag = new Float32Array(n);
  for (let i = 0; i < n; i++) mag[i] = Math.abs(w[i]!);
  mag.sort();
  const t = mag[k - 1]!;
  let ties = k;
  for (let i = 0; i < n; i++) if (Math.abs(w[i]!) < t) ties--;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(w[i]!);
    if (a < t) out[i] = 0;
    else if (a === t && ties > 0) {
      out[i] = 0;
      ties--;
    }
  }
  return out;
}

type Act = 'linear' | 'relu' | 'softmax' | 'sigmoid' | 'tanh';
const ACTS: readonly Act[] = ['linear', 'relu', 'softmax', 'sigmoid', 'tanh'];

function applyAct(y: Float32Array, rows: number, cols: number, act: Act): void {
  if (act === 'linear') return;
  if (act === 'relu') {
    for (let i = 0; i < y.length; i++) if (y[i]! < 0) y[i] = 0;
    return;
  }
  if (act === 'sigmoid') {
    for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-y[i]!));
    return;
  }
  if (act === 'tanh') {
    for (let i = 0; i < y.length; i++) y[i] = Math.tanh(y[i]!);
    return;
  }
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, y[r * cols + c]!);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(y[r * cols + c]! - m);
      y[r * cols + c] = e;
      s += e;
    }
    for (let c = 0; c < cols; c++) y[r * cols + c]! /= s;
  }
}

/** A Dense layer on Rosko kernels: weights packed once (Wᵀ), forward = spmm + bias + activation. */
export class SparseDense {
  readonly packed: RoskoPacked;
  constructor(
    readonly inputDim: number,
    readonly units: number,
    weights: Float32Array,
    readonly bias: Float32Array | null,
    readonly activation: Act = 'linear',
    packOpts: PackOptions = {},
  ) {
    checkInt('inputDim', inputDim);
    checkInt('units', units);
    if (weights.length !== inputDim * units)
      throw new InvalidInput(`weights has ${weights.length} values; expected inputDim·units = ${inputDim * units}`);
    if (bias && bias.length !== units) throw new InvalidInput(`bias has ${bias.length} values; expected units = ${units}`);
    if (!ACTS.includes(activation))
      throw new UnsupportedLayer(`activation ${describe(activation)} is not supported; expected one of ${ACTS.join(', ')}`);
    const wt = new Float32Array(units * inputDim);
    for (let i = 0; i < inputDim; i++) for (let o = 0; o < units; o++) wt[o * inputDim + i] = weights[i * units + o]!;
    this.packed = pack({ rows: units, cols: inputDim, data: wt }, { N: 64, ...packOpts });
  }

  /** From a tfjs Dense layer (reads its weights once; owns no tensors). */
  static fromLayer(layer: tfTypes.layers.Layer, packOpts: PackOptions = {}): SparseDense {
    const cls = layer.getClassName();
    if (cls !== 'Dense') throw new UnsupportedLayer(`SparseDense handles Dense layers, got ${cls} (${layer.name})`);
    const cfg = layer.getConfig() as { units: number; activation?: string; useBias?: boolean };
    const [k, b] = layer.getWeights();
    const shape = k!.shape as [number, number];
    return new SparseDense(
      shape[0],
      shape[1],
      k!.dataSync() as Float32Array,
      b ? (b.dataSync() as Float32Array) : null,
      (cfg.activation ?? 'linear') as Act,
      packOpts,
    );
  }

  /** x: batch × inputDim row-major → batch × units. */
  forward(x: Float32Array, batch: number): Float32Array {
    checkInt('batch', batch);
    if (x.length !== batch * this.inputDim)
      throw new InvalidInput(`input has ${x.length} values; expected batch·inputDim = ${batch}·${this.inputDim}`);
    const xt = new Float32Array(this.inputDim * batch);
    for (let b = 0; b < batch; b++) for (let i = 0; i < this.inputDim; i++) xt[i * batch + b] = x[b * this.inputDim + i]!;
    const C = spmm(this.packed, { rows: this.inputDim, cols: batch, data: xt });
    const y = new Float32Array(batch * this.units);
    for (let o = 0; o < this.units; o++) {
      const bo = this.bias ? this.bias[o]! : 0;
      for (let b = 0; b < batch; b++) y[b * this.units + o] = C.data[o * batch + b]! + bo;
    }
    applyAct(y, batch, this.units, this.activation);
    return y;
  }
}

/**
 * A sequential tfjs model (InputLayer / Flatten / Dropout / Dense) whose Dense layers run on Rosko kernels.
 * Other layer types throw UnsupportedLayer. Inference only (Dropout is the identity).
 */
export class SparseModel {
  private constructor(
    readonly layers: SparseDense[],
    readonly inputDim: number,
  ) {}

  static fromModel(model: tfTypes.LayersModel, packOpts: PackOptions = {}): SparseModel {
    const out: SparseDense[] = [];
    for (const l of model.layers) {
      const cls = l.getClassName();
      if (cls === 'Dense') out.push(SparseDense.fromLayer(l, packOpts));
      else if (!['InputLayer', 'Flatten', 'Dropout'].includes(cls))
        throw new UnsupportedLayer(`SparseModel supports Dense, Flatten, Dropout and InputLayer; layer ${l.name} is ${cls}`);
    }
    if (!out.length) throw new UnsupportedLayer('model has no Dense layer');
    return new SparseModel(out, out[0]!.inputDim);
  }

  /** x: batch × inputDim (flattened) → batch × outputs. */
  predict(x: Float32Array, batch: number): Float32Array {
    let h = x;
    for (const l of this.layers) h = l.forward(h, batch);
    return h;
  }

  /** Overall sparsity of the Dense weights. */
  get sparsity(): number {
    let nnz = 0,
      n = 0;
    for (const l of this.layers) {
      nnz += l.packed.nnz;
      n += l.packed.M * l.packed.K;
    }
    return 1 - nnz / n;
  }
}

/**
 * Magnitude-prune every Dense kernel of a model in place, each layer to `sparsity` (required, in [0, 1]).
 * Biases are kept. Leaves no tensors behind.
 */
export function pruneModel(model: tfTypes.LayersModel, opts: { sparsity: number }): void {
  const sparsity = opts?.sparsity;
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity <= 1))
    throw new InvalidInput(`sparsity must be in [0, 1], got ${describe(sparsity)}`);
  for (const l of model.layers) {
    if (l.getClassName() !== 'Dense') continue;
    const [k, ...rest] = l.getWeights();
    const pruned = tf.tensor(magnitudePrune(k!.dataSync() as Float32Array, sparsity), k!.shape);
    l.setWeights([pruned, ...rest]);
    pruned.dispose();
  }
}
