/**
 * Unstructured magnitude pruning for SWS (SWS, arXiv:2410.11298, evaluates "unstructured sparse" models; the sparsity level and
 * pruning recipe are not known to us [INFERRED]): the smallest-|w| kernel weights of every Conv2D / Dense layer are set
 * to zero, optionally in a few gradual steps with a short masked fine-tune after each (pruned weights stay zero).
 * Zero remapping itself is a layout step (`swsLayout(..., { remapZeros: true })`), exact by construction.
 */
import * as tf from '@tensorflow/tfjs';
import { mapLayer, type MappedLayer } from '../cim';
import { InvalidInput, checkInt, describe, throwIfAborted } from '../core/errors';

/** Keep-mask (1 = keep) that zeroes the round(sparsity·n) smallest |w| (ties: lower index pruned first). */
export function magnitudeMask(w: ArrayLike<number>, sparsity: number): Uint8Array {
  checkSparsity(sparsity);
  const n = w.length,
    k = Math.round(sparsity * n);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(w[a]!) - Math.abs(w[b]!) || a - b);
  const keep = new Uint8Array(n).fill(1);
  for (let i = 0; i < k; i++) keep[idx[i]!] = 0;
  return keep;
}

/**
 * Magnitude-prune an already-quantized layer (for imported weights without labels, e.g. face-api, or synthetic
 * weights): the round(sparsity·n) smallest |q| become 0. Returns a new unsorted grid layer with the same config.
 */
export function pruneInt8(layer: MappedLayer, sparsity: number): MappedLayer {
  const keep = magnitudeMask(layer.q, sparsity);
  const q = layer.q.map((v, i) => (keep[i] ? v : 0));
  return mapLayer({ name: layer.name, q, nOut: layer.nOut, nIn: layer.nIn, scale: layer.scale, config: layer.config });
}

function checkSparsity(s: unknown): number {
  if (typeof s !== 'number' || !(s >= 0 && s <= 1)) throw new InvalidInput(`sparsity must be a number in [0, 1], got ${describe(s)}`);
  return s;
}

/** Indices (in model.layers) of the layers pruning touches: Conv2D and Dense kernels. */
export function prunableLayers(model: tf.LayersModel): number[] {
  const out: number[] = [];
  model.layers.forEach((l, i) => {
    const c = l.getClassName();
    if ((c === 'Conv2D' || c === 'Dense') && l.getWeights().length) out.push(i);
  });
  return out;
}

export interface PruneResult {
  /** Keep-masks per pruned layer (model.layers index → mask over the kernel's flat tfjs layout). */
  masks: Map<number, Uint8Array>;
  /** Zero kernel weights / all kernel weights of the pruned layers. */
  sparsity: number;
  /** Per pruned layer: name and its own sparsity. */
  layers: { name: string; sparsity: number }[];
}

/**
 * Magnitude-prune the Conv2D/Dense kernels of `model` IN PLACE. 'layer' scope (default): every layer at `sparsity`;
 * 'global': one threshold over all kernels. No tensors are left behind.
 */
export function pruneModel(
  model: tf.LayersModel,
  opts: {
    sparsity: number;
    /** Magnitude threshold per kernel ('layer', default) or one threshold over all kernels ('global'). */
    scope?: 'layer' | 'global';
  },
): PruneResult {
  if (!(model instanceof tf.LayersModel)) throw new InvalidInput(`model must be a tf.LayersModel, got ${describe(model)}`);
  const sparsity = checkSparsity(opts?.sparsity);
  const scope = opts.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') throw new InvalidInput(`scope must be 'layer' or 'global', got ${describe(scope)}`);
  const idx = prunableLayers(model);
  if (!idx.length) throw new InvalidInput('model has no Conv2D or Dense kernel to prune');
  const kernels = idx.map((i) => {
    const ws = model.layers[i]!.getWeights();
    const d = ws[0]!.dataSync().slice() as Float32Array;
    return d;
  });
  const masks = new Map<number, Uint8Array>();
  if (scope === 'layer') idx.forEach((i, n) => masks.set(i, magnitudeMask(kernels[n]!, sparsity)));
  else {
    const all = new Float32Array(kernels.reduce((a, k) => a + k.length, 0));
    let o = 0;
    for (const k of kernels) {
      all.set(k, o);
      o += k.length;
    }
    const m = magnitudeMask(all, sparsity);
    o = 0;
    idx.forEach((i, n) => {
      masks.set(i, m.slice(o, o + kernels[n]!.length));
      o += kernels[n]!.length;
    });
  }
  applyMasks(model, masks);
  let zeros = 0,
    total = 0;
  const layers = idx.map((i) => {
    const m = masks.get(i)!;
    let z = 0;
    for (let j = 0; j < m.length; j++) if (!m[j]) z++;
    zeros += z;
    total += m.length;
    return { name: model.layers[i]!.name, sparsity: z / m.length };
  });
  return { masks, sparsity: zeros / total, layers };
}

/** Multiply each masked layer's kernel by its mask (in place, no tensors left behind). */
export function applyMasks(model: tf.LayersModel, masks: Map<number, Uint8Array>): void {
  for (const [i, m] of masks) {
    const layer = model.layers[i];
    if (!layer) throw new InvalidInput(`mask for layer index ${i}, but the model has ${model.layers.length} layers`);
    const ws = layer.getWeights();
    if (ws[0]!.size !== m.length) throw new InvalidInput(`mask for ${layer.name} has ${m.length} entries; its kernel has ${ws[0]!.size}`);
    const k = tf.tidy(() => ws[0]!.mul(tf.tensor(m, ws[0]!.shape, 'float32')));
    layer.setWeights([k, ...ws.slice(1)]);
    k.dispose();
  }
}

export interface PruneFineTuneOptions {
  /** Final sparsity of every pruned kernel (or overall, with scope 'global'). */
  sparsity: number;
  /** Magnitude threshold per kernel ('layer', default) or one threshold over all kernels ('global'). */
  scope?: 'layer' | 'global';
  /** Training images [n, …] and one-hot labels [n, classes] for the fine-tune (omit both: prune only). */
  x?: tf.Tensor;
  /** One-hot labels [n, classes] matching `x` (default none: prune only; give both or neither). */
  y?: tf.Tensor;
  /**
   * Gradual pruning steps: sparsity rises linearly s/steps·sparsity, with `epochsPerStep` of masked fine-tuning
   * after each. Default 1 (one-shot) [OURS].
   */
  steps?: number;
  /** Fine-tune epochs after each step. Default 1. */
  epochsPerStep?: number;
  /** Images per fine-tune batch (default 64; ours). */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Called after each pruning step with the step (1..steps) and `steps` (default none). */
  progress?: (step: number, steps: number) => void;
  /** Aborts between pruning steps and fine-tune batches (default none). */
  signal?: AbortSignal;
}

/**
 * Prune `model` IN PLACE to `sparsity` (gradually, with an optional short masked fine-tune) and return the final
 * masks. The fine-tune re-applies the masks after every batch, so pruned weights end exactly at zero. The model is
 * (re)compiled with Adam + softmax cross-entropy when fine-tuning. No tensors are left behind except the model's.
 */
export async function pruneFineTune(model: tf.LayersModel, opts: PruneFineTuneOptions): Promise<PruneResult> {
  const sparsity = checkSparsity(opts?.sparsity);
  const steps = checkInt('steps', opts.steps ?? 1, 1, 100);
  const epochs = checkInt('epochsPerStep', opts.epochsPerStep ?? 1, 0, 1000);
  const batchSize = checkInt('batchSize', opts.batchSize ?? 64);
  if ((opts.x === undefined) !== (opts.y === undefined)) throw new InvalidInput('pass both x and y (or neither) for the fine-tune');
  let res: PruneResult | undefined;
  const optimizer = opts.x ? tf.train.adam(opts.learningRate ?? 1e-3) : undefined;
  if (optimizer) model.compile({ optimizer, loss: tf.losses.softmaxCrossEntropy });
  try {
    for (let s = 1; s <= steps; s++) {
      throwIfAborted(opts.signal);
      res = pruneModel(model, { sparsity: (sparsity * s) / steps, scope: opts.scope });
      if (opts.x && epochs > 0) {
        const masks = res.masks;
        await model.fit(opts.x, opts.y!, {
          epochs,
          batchSize,
          shuffle: false,
          verbose: 0,
          callbacks: {
            onBatchEnd: async () => {
              applyMasks(model, masks);
              throwIfAborted(opts.signal);
            },
          },
        });
        applyMasks(model, masks);
      }
      opts.progress?.(s, steps);
    }
  } finally {
    optimizer?.dispose();
  }
  return res!;
}
