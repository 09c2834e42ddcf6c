/**
 * A whole tfjs model (sequential) whose weight layers run on the sparse kernels: every Dense layer and every Conv2D whose
 * patches do not overlap (kernel = strides, 'valid' padding: 1×1 pointwise convs and ViT-style patch embeddings) is a
 * matrix product C = A·B with A = Wᵀ (outputs × kernel inputs, packed once) and B the activations, feature-major
 * (kernel inputs × tokens). Consecutive weight layers hand C straight on as the next B, so activations are transposed
 * only where a weight-free layer (pooling, flatten, reshape, …) runs — through tfjs, exactly as in the dense model.
 * Inference only; the model's own layers are used for the weight-free steps, so the caller keeps owning the model.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { tf } from '../core/backend';
import { InvalidInput, UnsupportedLayer, checkInt, describe } from '../core/errors';
import type { KernelChoice } from './dispatch';
import { pack } from './pack';
import { roskoSpmm, spmm } from './spmm';
import type { PackOptions, RoskoPacked } from './types';

type Act = 'linear' | 'relu';

/** One weight layer as a packed Wᵀ plus bias and activation; k×k non-overlapping patches for a conv (k = 0: Dense). */
interface WeightStep {
  kind: 'weights';
  name: string;
  packed: RoskoPacked;
  bias: Float32Array | null;
  act: Act;
  patch: number;
  cin: number;
  units: number;
}
interface TfStep {
  kind: 'tf';
  layer: tfTypes.layers.Layer;
}

/** Activations: a tfjs tensor, or feature-major floats (features × tokens) with the tensor's leading dims (tokens = their product). */
type Act4 = { t: tfTypes.Tensor } | { fm: Float32Array; c: number; lead: number[] };

const WEIGHT_FREE = new Set([
  'InputLayer',
  'Flatten',
  'Dropout',
  'Reshape',
  'Permute',
  'AveragePooling2D',
  'MaxPooling2D',
  'GlobalAveragePooling2D',
  'GlobalAveragePooling1D',
  'ReLU',
  'Activation',
]);

/**
 * A sequential tfjs model whose Dense and non-overlapping Conv2D layers run on the sparse kernels (see the file header):
 * `SparseNet.fromModel(model).predict(x, batch, { kernel })`, outputs equal to model.predict within float rounding.
 */
export class SparseNet {
  private constructor(
    private readonly steps: (WeightStep | TfStep)[],
    readonly inputShape: number[],
  ) {}

  /**
   * Wrap `model` (its weights are read once; prune them first, e.g. pruneModel). Throws UnsupportedLayer for layers it
   * cannot run (overlapping convs, layer norm, …). `packOpts.N` defaults to 1024 (the token count the tile model assumes).
   */
  static fromModel(model: tfTypes.LayersModel, packOpts: PackOptions = {}): SparseNet {
    const steps: (WeightStep | TfStep)[] = [];
    for (const l of model.layers) {
      const cls = l.getClassName();
      const cfg = l.getConfig() as {
        activation?: string;
        kernelSize?: number[] | number;
        strides?: number[] | number;
        padding?: string;
        dilationRate?: number[] | number;
        dataFormat?: string;
      };
      if (cls === 'Dense' || cls === 'Conv2D') {
        const act = (cfg.activation ?? 'linear') as Act;
        if (act !== 'linear' && act !== 'relu')
          throw new UnsupportedLayer(`layer ${l.name}: activation ${describe(act)}; SparseNet supports linear and relu`);
        const [k, b] = l.getWeights();
        const shape = k!.shape;
        let patch = 0;
        if (cls === 'Conv2D') {
          const ks = ([] as number[]).concat(cfg.kernelSize ?? 1),
            st = ([] as number[]).concat(cfg.strides ?? 1);
          const k0 = ks[0]!;
          if (
            ks.some((v) => v !== k0) ||
            st.some((v) => v !== k0) ||
            (k0 > 1 && cfg.padding !== 'valid') ||
            cfg.dataFormat === 'channelsFirst'
          )
            throw new UnsupportedLayer(
              `layer ${l.name}: only square non-overlapping convs (kernel = strides, valid padding, NHWC) are matrix products here`,
            );
          patch = k0;
        }
        const units = shape[shape.length - 1]!,
          fanIn = shape.slice(0, -1).reduce((a, v) => a * v, 1);
        const w = k!.dataSync() as Float32Array;
        const wt = new Float32Array(units * fanIn);
        for (let i = 0; i < fanIn; i++) for (let o = 0; o < units; o++) wt[o * fanIn + i] = w[i * units + o]!;
        steps.push({
          kind: 'weights',
          name: l.name,
          packed: pack({ rows: units, cols: fanIn, data: wt }, { N: 1024, ...packOpts }),
          bias: b ? (b.dataSync() as Float32Array).slice() : null,
          act,
          patch,
          cin: cls === 'Conv2D' ? shape[2]! : fanIn,
          units,
        });
      } else if (WEIGHT_FREE.has(cls)) {
        if (cls !== 'InputLayer' && cls !== 'Dropout') steps.push({ kind: 'tf', layer: l });
      } else
        throw new UnsupportedLayer(
          `SparseNet: layer ${l.name} is ${cls}; supported: Dense, non-overlapping Conv2D and ${[...WEIGHT_FREE].join(', ')}`,
        );
    }
    if (!steps.some((s) => s.kind === 'weights')) throw new UnsupportedLayer('model has no Dense or Conv2D layer');
    const inShape = (model.inputs[0]!.shape as (number | null)[]).slice(1).map((v) => v ?? 1);
    return new SparseNet(steps, inShape);
  }

  /** The weight layers: name, shape of Wᵀ and stored nonzeros. */
  get layers(): { name: string; rows: number; cols: number; nnz: number }[] {
    return this.steps
      .filter((s): s is WeightStep => s.kind === 'weights')
      .map((s) => ({ name: s.name, rows: s.packed.M, cols: s.packed.K, nnz: s.packed.nnz }));
  }

  /** Overall sparsity of the weight layers. */
  get sparsity(): number {
    const ls = this.layers;
    return 1 - ls.reduce((a, l) => a + l.nnz, 0) / ls.reduce((a, l) => a + l.rows * l.cols, 0);
  }

  /**
   * x: batch × prod(inputShape) → batch × outputs. `kernel`: 'rosko' (default: the Rosko kernel in every weight layer),
   * 'auto' (the dispatcher per layer), 'csr' or 'dense' (our dense wasm GEMM on the same pruned weights).
   */
  predict(x: Float32Array, batch: number, opts: { kernel?: KernelChoice | 'auto' } = {}): Float32Array {
    checkInt('batch', batch);
    const per = this.inputShape.reduce((a, v) => a * v, 1);
    if (!(x instanceof Float32Array) || x.length !== batch * per)
      throw new InvalidInput(`input has ${describe(x?.length)} values; expected batch·${this.inputShape.join('·')} = ${batch * per}`);
    const kernel = opts.kernel ?? 'rosko';
    let a: Act4 = { t: tf.tensor(x, [batch, ...this.inputShape]) };
    try {
      for (const s of this.steps) {
        if (s.kind === 'tf') {
          const t = toTensor(a);
          const y = tf.tidy(() => s.layer.apply(t) as tfTypes.Tensor);
          t.dispose();
          a = { t: y };
        } else a = runWeights(s, a, kernel);
      }
      const t = toTensor(a);
      const out = t.dataSync() as Float32Array;
      t.dispose();
      return out.slice();
    } finally {
      if ('t' in a && !a.t.isDisposed) a.t.dispose();
    }
  }
}

/** Feature-major → tensor [...lead, c]. */
function toTensor(a: Act4): tfTypes.Tensor {
  if ('t' in a) return a.t;
  const { fm, c, lead } = a;
  const T = lead.reduce((x, v) => x * v, 1);
  const y = new Float32Array(T * c);
  for (let f = 0; f < c; f++) {
    const row = f * T;
    for (let t = 0; t < T; t++) y[t * c + f] = fm[row + t]!;
  }
  return tf.tensor(y, [...lead, c]);
}

function runWeights(s: WeightStep, a: Act4, kernel: KernelChoice | 'auto'): Act4 {
  let B: Float32Array, lead: number[];
  const K = s.packed.K;
  if ('t' in a) {
    const t = a.t;
    const data = t.dataSync() as Float32Array;
    t.dispose();
    if (s.patch === 0) {
      // Dense on [batch, features] (or on the last axis of a higher-rank tensor: tokens = all leading positions)
      const T = data.length / K;
      if (!Number.isInteger(T) || t.shape[t.shape.length - 1] !== K)
        throw new InvalidInput(`layer ${s.name} expects ${K} input features, got shape ${describe(t.shape)}`);
      B = new Float32Array(K * T);
      for (let i = 0; i < T; i++) for (let k = 0; k < K; k++) B[k * T + i] = data[i * K + k]!;
      lead = t.shape.slice(0, -1);
    } else {
      // im2col of non-overlapping k×k patches, straight into feature-major order: row (i·k + j)·cin + c, column = token
      if (t.shape.length !== 4) throw new InvalidInput(`layer ${s.name} expects an NHWC input, got shape ${describe(t.shape)}`);
      const [b, H, W, C] = t.shape as [number, number, number, number];
      if (C !== s.cin) throw new InvalidInput(`layer ${s.name} expects ${s.cin} input channels, got ${C}`);
      const k = s.patch;
      const h = Math.floor(H / k),
        w = Math.floor(W / k);
      lead = [b, h, w];
      const T = b * h * w;
      B = new Float32Array(K * T);
      for (let n = 0; n < b; n++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const tok = (n * h + y) * w + x;
            for (let i = 0; i < k; i++)
              for (let j = 0; j < k; j++) {
                const src = ((n * H + y * k + i) * W + x * k + j) * C;
                const r0 = (i * k + j) * C;
                for (let c = 0; c < C; c++) B[(r0 + c) * T + tok] = data[src + c]!;
              }
          }
    }
  } else {
    if (s.patch > 1) throw new UnsupportedLayer(`layer ${s.name}: a patch conv must follow a tfjs layer or the input`);
    if (a.c !== K) throw new InvalidInput(`layer ${s.name} expects ${K} input features, got ${a.c}`);
    ({ fm: B, lead } = a);
  }
  const T = lead.reduce((x, v) => x * v, 1);
  const Bm = { rows: K, cols: T, data: B };
  const C = (kernel === 'rosko' ? roskoSpmm(s.packed, Bm, { validate: false }) : spmm(s.packed, Bm, { kernel, validate: false })).data;
  for (let o = 0; o < s.units; o++) {
    const bo = s.bias ? s.bias[o]! : 0;
    const row = o * T;
    if (s.act === 'relu') for (let t = 0; t < T; t++) C[row + t] = Math.max(0, C[row + t]! + bo);
    else if (bo !== 0) for (let t = 0; t < T; t++) C[row + t]! += bo;
  }
  return { fm: C, c: s.units, lead };
}
