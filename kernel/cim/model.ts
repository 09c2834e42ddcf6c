/**
 * tfjs models ↔ crossbar layers: extract Conv2D / Dense kernels as [out][in] integer matrices (conv unrolled in
 * im2col order), and write (effective) integer weights back, dequantized, for accuracy evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, UnsupportedLayer, checkOneOf, describe } from '../core/errors';
import { mapLayer } from './crossbar';
import { packSections, type PackOptions } from './layout';
import { quantize, transposeDense, unrollConv } from './quantize';
import type { CrossbarConfig, MappedLayer, Routing, SortKey } from './types';

export interface MapModelOptions {
  /** Order of each output's weights before they are cut into row blocks (default 'none'); see SortKey. */
  sort?: SortKey;
  /** Default 'shared' (mapLayer's); see Routing. Packed layers (`pack`) become 'per-output'. */
  routing?: Routing;
  /**
   * Crossbar geometry and encoding; missing fields from DEFAULT_CONFIG (128×128, 1 bit/cell, 8-bit, sign-magnitude).
   * `weightBits` is also the quantization's bit width.
   */
  config?: Partial<CrossbarConfig>;
  /** Default 'per-tensor' (reference setting). */
  granularity?: 'per-tensor' | 'per-channel';
  /**
   * Pack each layer's sorted sections by value profile (`packSections`; true = its defaults). Default false (grid).
   */
  pack?: boolean | PackOptions;
  /** Layers of other classes with weights: 'skip' (default; they stay in float) or 'error'. */
  otherLayers?: 'skip' | 'error';
}

export interface ModelMapping {
  layers: MappedLayer[];
  /** Index of each mapped layer in model.layers. */
  modelIndex: number[];
}

/** Map every Conv2D and Dense kernel of `model` (biases stay digital, in float). No tensors are left behind. */
export function mapModel(model: tf.LayersModel, opts: MapModelOptions = {}): ModelMapping {
  if (!(model instanceof tf.LayersModel)) throw new InvalidInput(`model must be a tf.LayersModel, got ${describe(model)}`);
  if (opts.otherLayers !== undefined) checkOneOf('mapModel: otherLayers', opts.otherLayers, ['skip', 'error'] as const);
  const layers: MappedLayer[] = [],
    modelIndex: number[] = [];
  model.layers.forEach((l, idx) => {
    const cls = l.getClassName();
    const ws = l.getWeights();
    if (ws.length === 0) return;
    if (cls !== 'Conv2D' && cls !== 'Dense') {
      if (opts.otherLayers === 'error')
        throw new UnsupportedLayer(`layer ${l.name} (${cls}) has weights but only Conv2D and Dense map onto crossbars`);
      return;
    }
    const k = ws[0]!;
    const shape = k.shape;
    const data = k.dataSync();
    let w: Float32Array, nOut: number, nIn: number;
    if (cls === 'Conv2D') {
      const [kh, kw, cin, cout] = shape as [number, number, number, number];
      w = unrollConv(data, [kh, kw, cin, cout]);
      nOut = cout;
      nIn = kh * kw * cin;
    } else {
      const [i, o] = shape as [number, number];
      w = transposeDense(data, i, o);
      nOut = o;
      nIn = i;
    }
    const bits = opts.config?.weightBits ?? 8;
    const { q, scale } = quantize({ weights: w, nOut, nIn, bits, granularity: opts.granularity });
    const mapped = mapLayer({ name: l.name, q, nOut, nIn, scale, sort: opts.sort, routing: opts.routing, config: opts.config });
    layers.push(opts.pack ? packSections(mapped, opts.pack === true ? {} : opts.pack) : mapped);
    modelIndex.push(idx);
  });
  if (!layers.length) throw new InvalidInput('model has no Conv2D or Dense layer to map');
  return { layers, modelIndex };
}

/**
 * Overwrite the mapped kernels of `model` IN PLACE with dequantized integers: `effective[i]` (e.g. stale-bit weights
 * from simulateReprogramming) or the layer's own q. Biases untouched. No tensors are left behind.
 */
export function setCrossbarWeights(model: tf.LayersModel, mapping: ModelMapping, effective?: readonly Int8Array[]): void {
  mapping.layers.forEach((L, n) => {
    const layer = model.layers[mapping.modelIndex[n]!]!;
    const q = effective ? effective[n]! : L.q;
    if (q.length !== L.q.length) throw new InvalidInput(`effective[${n}] has ${q.length} entries; expected ${L.q.length}`);
    const ws = layer.getWeights();
    const shape = ws[0]!.shape;
    const kernel = new Float32Array(L.nOut * L.nIn);
    for (let o = 0; o < L.nOut; o++) {
      const s = L.scale.length === 1 ? L.scale[0]! : L.scale[o]!;
      // conv: kernel[p·cout + o] (p in im2col order); dense: kernel[i·nOut + o] — the same formula
      for (let p = 0; p < L.nIn; p++) kernel[p * L.nOut + o] = q[o * L.nIn + p]! * s;
    }
    const t = tf.tensor(kernel, shape);
    layer.setWeights([t, ...ws.slice(1)]);
    t.dispose();
  });
}
