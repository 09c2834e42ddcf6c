/**
 * Real trained weights for cost analysis: face-api's face recognition net (a ResNet-34-like CNN, 128-d embedding),
 * shipped in node_modules/@vladmandic/face-api/model. Its weights are stored uint8-affine quantized; they are
 * dequantized by tf.io.decodeWeights and re-quantized here to symmetric int8 (per tensor by default).
 */
import { faceApiModelDir } from '../core/models/face-api';
import { loadWeightsManifest } from '../core/io/tfjs-models';
import { mapLayer } from './crossbar';
import { packSections, type PackOptions } from './layout';
import { quantize, transposeDense, unrollConv } from './quantize';
import type { CrossbarConfig, MappedLayer, Routing, SortKey } from './types';

/**
 * Every conv filter bank ([kh,kw,cin,cout] → [cout][kh·kw·cin]) and fc matrix of a face-api weights manifest,
 * mapped onto crossbars. Default manifest: the ResNet-34-like face recognition model.
 */
export function faceApiLayers(
  opts: {
    /** Weights manifest file name in `dir` (default 'face_recognition_model-weights_manifest.json'). */
    manifest?: string;
    /** Folder holding the manifest and its shards (default: the installed @vladmandic/face-api model/ folder). */
    dir?: string;
    /** Order of each output's weights before they are cut into row blocks (default 'none'); see SortKey. */
    sort?: SortKey;
    /** Input routing of sorted layers. Default 'shared' (see Routing); packing implies 'per-output'. */
    routing?: Routing;
    /**
     * Crossbar geometry and encoding; missing fields from DEFAULT_CONFIG (128×128, 1 bit/cell, 8-bit, sign-magnitude).
     * `weightBits` is also the re-quantization's bit width.
     */
    config?: Partial<CrossbarConfig>;
    /** Symmetric re-quantization scale: 'per-tensor' (default) or 'per-channel' (one scale per output). */
    granularity?: 'per-tensor' | 'per-channel';
    /** Pack sorted sections by value profile (see packSections). Default false (grid). */
    pack?: boolean | PackOptions;
  } = {},
): MappedLayer[] {
  const dir = opts.dir ?? faceApiModelDir();
  const weights = loadWeightsManifest(dir, opts.manifest ?? 'face_recognition_model-weights_manifest.json');
  const out: MappedLayer[] = [];
  for (const [name, w] of weights) {
    const s = w.shape;
    let m: Float32Array, nOut: number, nIn: number;
    if (s.length === 4 && /filters|weights|kernel/.test(name)) {
      m = unrollConv(w.data as Float32Array, s as [number, number, number, number]);
      nOut = s[3]!;
      nIn = s[0]! * s[1]! * s[2]!;
    } else if (s.length === 2) {
      m = transposeDense(w.data as Float32Array, s[0]!, s[1]!);
      nOut = s[1]!;
      nIn = s[0]!;
    } else continue;
    const { q, scale } = quantize({ weights: m, nOut, nIn, granularity: opts.granularity, bits: opts.config?.weightBits ?? 8 });
    const L = mapLayer({ name, q, nOut, nIn, scale, sort: opts.sort, routing: opts.routing, config: opts.config });
    out.push(opts.pack ? packSections(L, opts.pack === true ? {} : opts.pack) : L);
  }
  return out;
}
