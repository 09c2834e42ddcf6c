/**
 * SWS study on trained tfjs models: prune (optionally fine-tune), quantize to int8, lay the weights out unsorted /
 * sorted / sorted + zero-remapped, and account ADC conversions and energy per layer (weighted by the input vectors each
 * layer sees per inference) under every policy and energy law; accuracy of the int8 (pruned) model at each sparsity.
 *
 * The models are the CIM I pair (same architectures as bench/cim.bench.ts): a small CNN and a transformer-like
 * MLP-Mixer classifier on Fashion-MNIST (all fan-in ≤ 128), plus a wider transformer-like mixer with BERT-like fan-in
 * (256 and 1024; weights stored as float16). Trained dense weights ship in kernel/cim/sws-models/<kind>/
 * (`npx tsx scripts/train-sws-models.ts` regenerates them). Every call restores the model's weights afterwards.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, NotFound, checkInt, describe, throwIfAborted } from '../core/errors';
import { mapLayer } from './crossbar';
import { loadLayersModel } from '../core/io/tfjs-models';
import { ADC_POLICIES, ENERGY_MODELS, type AdcEnergyId, type AdcPolicy } from './adc';
import { mapModel, setCrossbarWeights } from './model';
import { pruneFineTune, type PruneFineTuneOptions } from './prune';
import { modelAdcPolicies, swsLayout, type LayerUse } from './sws';
import type { CrossbarConfig, MappedLayer } from './types';

export type SwsModelKind = 'cnn' | 'mixer' | 'wide' | 'widepool' | 'large' | 'largepool';

/** Every shipped model kind. */
export const SWS_MODEL_KINDS: readonly SwsModelKind[] = ['mixer', 'cnn', 'wide', 'widepool', 'large', 'largepool'];

/** The CIM I CNN: conv16-pool-conv32-pool-fc64-fc10 (25.8K conv/fc weights… plus the 1568×64 fc). */
export function buildCnn(): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: n });
  const conv = (filters: number, seed: number, first: boolean) => tf.layers.conv2d({
    ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: h(seed) });
  return tf.sequential({ layers: [conv(16, 1, true), tf.layers.maxPooling2d({ poolSize: 2 }), conv(32, 2, false), tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(), tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: h(3) }), tf.layers.dense({ units: 10, kernelInitializer: h(4) })] });
}

/**
 * The CIM I transformer-like classifier (tfjs-layers has no attention layer): an MLP-Mixer block with image rows as
 * 28 tokens — token embedding 28→64, LayerNorm, token-mixing MLP (28→28 across tokens), LayerNorm, channel MLP
 * 64→128→64, mean over tokens, classifier 64→10.
 */
export function buildMixer(): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: n });
  const dense = (units: number, seed: number, relu: boolean) => tf.layers.dense({ units, kernelInitializer: h(seed), ...(relu ? { activation: 'relu' as const } : {}) });
  return tf.sequential({ layers: [
    tf.layers.reshape({ inputShape: [28, 28, 1], targetShape: [28, 28] }), dense(64, 1, false), tf.layers.layerNormalization(),
    tf.layers.permute({ dims: [2, 1] }), dense(28, 2, true), tf.layers.permute({ dims: [2, 1] }), tf.layers.layerNormalization(),
    dense(128, 3, true), dense(64, 4, false), tf.layers.globalAveragePooling1d(), dense(10, 5, false)] });
}

/**
 * A wider transformer-like classifier with BERT-like fan-in (the SWS regime: many 128-row sections per output): an
 * MLP-Mixer block on 16 tokens = 7×7 image patches, tokens kept on a 4×4 grid so the per-token linear maps are 1×1
 * convolutions (same matrices as Dense on tokens; tfjs-wasm trains them far faster than Dense on 3-D inputs) —
 * patch embedding 49→256 (7×7 stride-7 conv, ViT-style), token-mixing MLP 16→32→16 (ReLU) across tokens, channel MLP 256→1024→256 (ReLU; fan-in 256 and 1024, BERT's FFN 768→3072→768 scaled by 1/3), mean over
 * tokens, classifier 256→10. 541K kernel weights, 97 % of them in the channel MLP. No LayerNorm: its backward pass
 * on tfjs-wasm costs ~1 s per batch here, and one non-residual block trains without it.
 */
export function buildWideMixer(): tf.Sequential {
  return patchMixer(256, 100);
}

/** The patch-token mixer at channel width `d` (channel MLP d→4d→d), He-normal initializers seeded seedBase + layer. */
function patchMixer(d: number, seedBase: number): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: seedBase + n });
  const dense = (units: number, seed: number, relu: boolean) => tf.layers.dense({ units, kernelInitializer: h(seed), ...(relu ? { activation: 'relu' as const } : {}) });
  const conv = (filters: number, k: number, seed: number, relu: boolean, first = false) => tf.layers.conv2d({
    ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: k, strides: k, kernelInitializer: h(seed), ...(relu ? { activation: 'relu' as const } : {}) });
  return tf.sequential({ layers: [
    conv(d, 7, 1, false, true), // [4, 4, d]: 16 patch tokens
    tf.layers.reshape({ targetShape: [16, d] }), tf.layers.permute({ dims: [2, 1] }), dense(32, 2, true), dense(16, 3, false),
    tf.layers.permute({ dims: [2, 1] }), tf.layers.reshape({ targetShape: [4, 4, d] }),
    conv(4 * d, 1, 4, true), conv(d, 1, 5, false), tf.layers.globalAveragePooling2d({}), dense(10, 6, false)] });
}

/**
 * The wide model with a weight-free token mixer (PoolFormer-style MetaFormer block): 7×7 patches → 16 tokens × 256,
 * 3×3 average pooling over the 4×4 token grid (token mixing, no weights — like BERT, whose token mixing QKᵀ·V is
 * activation × activation and never sits on a crossbar), output projection 256→256 (attention-O-like), channel MLP
 * 256→1024→256, mean over tokens, classifier 256→10. 605K weights; every crossbar layer but the 49-input patch
 * embedding has fan-in ≥ 256, as in BERT.
 */
export function buildWidePoolFormer(): tf.Sequential {
  return poolFormer(256, 200, 'mean');
}

/**
 * The PoolFormer-style block at channel width `d` (projection d→d, channel MLP d→4d→d), He-normal initializers seeded
 * seedBase + layer. Head 'mean' = mean over tokens → d→10; 'flatten' = the 16 tokens flattened → 16d→10 (keeps
 * where each patch is, as a ViT's position embeddings do; its 10 outputs cost ~0.3 % of the ADC energy).
 */
function poolFormer(d: number, seedBase: number, head: 'mean' | 'flatten'): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: seedBase + n });
  const conv = (filters: number, k: number, seed: number, relu: boolean, first = false) => tf.layers.conv2d({
    ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: k, strides: k, kernelInitializer: h(seed), ...(relu ? { activation: 'relu' as const } : {}) });
  return tf.sequential({ layers: [
    conv(d, 7, 1, false, true), tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), conv(d, 1, 2, true),
    conv(4 * d, 1, 3, true), conv(d, 1, 4, false), head === 'mean' ? tf.layers.globalAveragePooling2d({}) : tf.layers.flatten(),
    tf.layers.dense({ units: 10, kernelInitializer: h(5) })] });
}

/**
 * The PoolFormer-style transformer-like model at BERT-large width — the SWS gate model: 7×7 patches → 16 tokens × 1024,
 * 3×3 average-pool token mixing (no weights: BERT's QKᵀ·V is activation × activation and is not on crossbars either),
 * projection 1024→1024 (attention-O-like), channel MLP 1024→4096→1024 (BERT-large's FFN), the 16 tokens flattened into
 * a 16384→10 classifier. 9.6M weights; every crossbar layer but the 49-input patch embedding has fan-in ≥ 1024
 * (8, 32 and 128 sections of 128 rows per output). Shipped as symmetric per-tensor int8.
 */
export function buildLargePoolFormer(): tf.Sequential {
  return poolFormer(1024, 400, 'flatten');
}

/**
 * The transformer-like classifier at BERT-large width (hidden 1024, FFN 4096; the regime of the SWS paper's BERT
 * results): the `wide` mixer's shape with every channel width ×4 — 7×7 patches → 16 tokens × 1024, token-mixing MLP
 * 16→32→16 across tokens, channel MLP 1024→4096→1024 (1×1 convs over the 4×4 token grid, ReLU), mean over tokens,
 * classifier 1024→10. 8.46M weights, 99 % in the channel MLP (fan-in 1024 and 4096: 8 and 32 sections of 128 rows per
 * output). Shipped as symmetric per-tensor int8 (what the crossbars hold anyway).
 */
export function buildLargeMixer(): tf.Sequential {
  return patchMixer(1024, 300);
}

export function buildSwsModel(kind: SwsModelKind): tf.Sequential {
  if (kind === 'large') return buildLargeMixer();
  if (kind === 'largepool') return buildLargePoolFormer();
  if (kind === 'cnn') return buildCnn();
  if (kind === 'mixer') return buildMixer();
  if (kind === 'wide') return buildWideMixer();
  if (kind === 'widepool') return buildWidePoolFormer();
  throw new InvalidInput(`model kind must be one of ${SWS_MODEL_KINDS.join(', ')}, got ${describe(kind)}`);
}

/** Folder holding the shipped trained models (<kind>/model.json); works from kernel/cim and from the bundled dist/kernel. */
export function swsModelDir(): string {
  const cands = [join(__dirname, 'sws-models'), join(__dirname, 'cim', 'sws-models'), resolve(__dirname, '..', '..', 'kernel', 'cim', 'sws-models'),
    resolve(__dirname, '..', 'kernel', 'cim', 'sws-models')];
  const hit = cands.find((d) => existsSync(join(d, 'mixer', 'model.json')));
  if (!hit) throw new NotFound(`shipped SWS models not found (looked in ${cands.join(', ')}); train them with: npx tsx scripts/train-sws-models.ts`);
  return hit;
}

/** Load a shipped trained model. The caller owns it (dispose it). */
export async function loadSwsModel(kind: SwsModelKind, opts: { dir?: string } = {}): Promise<tf.LayersModel> {
  buildSwsModel(kind).dispose(); // validates the kind
  const dir = join(opts.dir ?? swsModelDir(), kind);
  if (!existsSync(join(dir, 'model.json'))) {
    const why = kind === 'large' ? ' (the .vsix leaves out the large mixer)' : ' (a dist/ built before the model was trained lacks it: node esbuild.mjs)';
    throw new NotFound(`SWS model '${kind}' is not in ${dir}${why}; train it with: npx tsx scripts/train-sws-models.ts --only ${kind}`);
  }
  return loadLayersModel(dir);
}

/**
 * Input vectors each mapped layer sees per inference (one image): Conv2D → H_out·W_out, Dense on [tokens, C] → tokens,
 * Dense on [C] → 1. Aligned with `mapModel(model).layers`.
 */
export function layerVectors(model: tf.LayersModel): number[] {
  const out: number[] = [];
  for (const l of model.layers) {
    const c = l.getClassName();
    if ((c !== 'Conv2D' && c !== 'Dense') || !l.getWeights().length) continue;
    const shape = l.outputShape as (number | null)[];
    out.push(shape.slice(1, -1).reduce<number>((a, d) => a * (d ?? 1), 1));
  }
  return out;
}

/** The layouts compared (all exact): unsorted grid, |q|-sorted sections, |q|-sorted + zero remapping. */
export const SWS_LAYOUTS = ['unsorted', 'sorted', 'remapped'] as const;
export type SwsLayoutName = (typeof SWS_LAYOUTS)[number];

/**
 * The three layouts of one mapped layer. `sort` (default 'abs', the literal SWS reading) orders the sorted layouts;
 * 'signed' makes sections single-sign (the other polarity's bit lines stay dark) — an ablation.
 */
export function swsLayouts(layer: MappedLayer, sort: 'abs' | 'signed' = 'abs'): Record<SwsLayoutName, MappedLayer> {
  return { unsorted: layer, sorted: swsLayout(layer, { sort, remapZeros: false }), remapped: swsLayout(layer, { sort, remapZeros: true }) };
}

/** energy[layout][policy][model id] per inference, plus conversions and tiles per layout. */
export interface SwsEnergy {
  energy: Record<SwsLayoutName, Record<AdcPolicy, Record<string, number>>>;
  conversions: Record<SwsLayoutName, Record<AdcPolicy, number>>;
  tiles: Record<SwsLayoutName, number>;
  /** Per layer (reference policy 'sectionMax', model 'exp2'): energy per inference of each layout. */
  perLayer: { name: string; nOut: number; nIn: number; vectors: number; sparsity: number; energy: Record<SwsLayoutName, number> }[];
}

/** ADC energy of mapped layers (with their per-inference vector counts) under every layout, policy and energy law. */
export function swsEnergy(layers: readonly LayerUse[], opts: { inputBits?: number; models?: AdcEnergyId[]; sort?: 'abs' | 'signed' } = {}): SwsEnergy {
  const lay = layers.map((u) => ({ vectors: u.vectors, l: swsLayouts(u.layer, opts.sort) }));
  const energy = {} as SwsEnergy['energy'], conversions = {} as SwsEnergy['conversions'], tiles = {} as SwsEnergy['tiles'];
  const ref: Record<SwsLayoutName, number[]> = { unsorted: [], sorted: [], remapped: [] };
  for (const name of SWS_LAYOUTS) {
    energy[name] = {} as Record<AdcPolicy, Record<string, number>>; conversions[name] = {} as Record<AdcPolicy, number>;
    const uses = lay.map((u) => ({ layer: u.l[name], vectors: u.vectors }));
    const all = modelAdcPolicies(uses, ADC_POLICIES, { inputBits: opts.inputBits, models: opts.models ?? [...ENERGY_MODELS] });
    for (const policy of ADC_POLICIES) {
      const m = all[policy]!;
      energy[name][policy] = m.energy; conversions[name][policy] = m.conversions; tiles[name] = m.tiles;
      if (policy === 'sectionMax') ref[name] = m.rows.map((r) => r.vectors * (r.account.energy.exp2 ?? NaN));
    }
  }
  const perLayer = layers.map((u, i) => {
    let z = 0; for (let j = 0; j < u.layer.q.length; j++) if (u.layer.q[j] === 0) z++;
    return { name: u.layer.name, nOut: u.layer.nOut, nIn: u.layer.nIn, vectors: u.vectors, sparsity: z / u.layer.q.length,
      energy: { unsorted: ref.unsorted[i]!, sorted: ref.sorted[i]!, remapped: ref.remapped[i]! } };
  });
  return { energy, conversions, tiles, perLayer };
}

/** 1 − E(layout, policy) / E(baseline layout, baseline policy) for model id `m` (default 'exp2'). */
export function reduction(e: SwsEnergy, layout: SwsLayoutName, policy: AdcPolicy, base: SwsLayoutName, basePolicy: AdcPolicy, m = 'exp2'): number {
  return 1 - e.energy[layout][policy][m]! / e.energy[base][basePolicy][m]!;
}

export interface SwsStudyOptions {
  /** Accuracy (0–1) of the model as it currently is (e.g. on a test split). */
  evaluate: (model: tf.LayersModel) => number | Promise<number>;
  /** Nominal sparsities to prune to. Default [0, 0.5, 0.7, 0.8, 0.9, 0.95]. */
  sparsities?: number[];
  /** Fine-tune after pruning (images + one-hot labels, steps, epochs…); omit for one-shot pruning without training. */
  fineTune?: Omit<PruneFineTuneOptions, 'sparsity' | 'signal'>;
  /** 'layer' (default) or 'global' magnitude threshold. */
  scope?: 'layer' | 'global';
  /**
   * Also fine-tune the UNPRUNED model with the same `fineTune` schedule (sparsity 0, no masks) and report its int8
   * accuracy as `denseFineTunedAccuracy`: the fair reference when the fine-tune also adds training to an under-trained
   * model (pruned accuracy can then beat the untouched dense model). Needs `fineTune` with images. Default false.
   */
  fineTuneDense?: boolean;
  config?: Partial<CrossbarConfig>;
  inputBits?: number;
  models?: AdcEnergyId[];
  /**
   * Extra section sizes (rows per section, e.g. [16, 32, 64]) evaluated on the same int8 weights (energy only; a
   * section of S rows = a row band read on its own, with ⌈log2(S + 1)⌉-bit full resolution). Default none.
   */
  sectionRows?: number[];
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface SwsStudyRow {
  /** Nominal pruning sparsity. */
  sparsity: number;
  /** Fraction of zero int8 weights over the mapped layers (pruning + quantization to zero). */
  weightSparsity: number;
  /** Accuracy of the int8 (pruned, fine-tuned) model. */
  accuracy: number;
  /** Points below the unpruned int8 model (positive = worse). */
  drop: number;
  result: SwsEnergy;
  /** Results for `sectionRows` (keyed by rows per section). */
  byRows?: Record<number, SwsEnergy>;
}

export interface SwsStudyResult {
  floatAccuracy: number; int8Accuracy: number; vectors: number[]; rows: SwsStudyRow[];
  /** int8 accuracy of the unpruned model after the same fine-tune (only with `fineTuneDense`). */
  denseFineTunedAccuracy?: number;
}

/**
 * Prune → int8 → layouts → ADC energy at each sparsity. The model's weights are restored at the end (also on error).
 * Accuracy is that of the dequantized int8 weights (all layouts are exact, so they share it).
 */
export async function swsStudy(model: tf.LayersModel, opts: SwsStudyOptions): Promise<SwsStudyResult> {
  if (!(model instanceof tf.LayersModel)) throw new InvalidInput(`model must be a tf.LayersModel, got ${describe(model)}`);
  if (typeof opts?.evaluate !== 'function') throw new InvalidInput('evaluate must be a function (model) → accuracy');
  const sparsities = opts.sparsities ?? [0, 0.5, 0.7, 0.8, 0.9, 0.95];
  if (!Array.isArray(sparsities) || !sparsities.length) throw new InvalidInput(`sparsities must be a non-empty array, got ${describe(sparsities)}`);
  if (opts.fineTuneDense && !opts.fineTune?.x) throw new InvalidInput('fineTuneDense needs fineTune with training images (x, y)');
  const saved = model.getWeights().map((t) => t.clone());
  const restore = () => model.setWeights(saved);
  try {
    const vectors = layerVectors(model);
    const floatAccuracy = await opts.evaluate(model);
    // the model's current weights → crossbar int8 → accuracy of those integers; float weights restored after
    const evalInt8 = async (): Promise<{ mapping: ReturnType<typeof mapModel>; accuracy: number }> => {
      const mapping = mapModel(model, { config: opts.config });
      setCrossbarWeights(model, mapping);
      const accuracy = await opts.evaluate(model);
      restore();
      return { mapping, accuracy };
    };
    const int8Accuracy = (await evalInt8()).accuracy;
    let denseFineTunedAccuracy: number | undefined;
    if (opts.fineTuneDense) {
      await pruneFineTune(model, { ...opts.fineTune, sparsity: 0, scope: opts.scope, signal: opts.signal });
      denseFineTunedAccuracy = (await evalInt8()).accuracy;
    }
    const rows: SwsStudyRow[] = [];
    for (const [n, s] of sparsities.entries()) {
      throwIfAborted(opts.signal);
      if (s > 0) await pruneFineTune(model, { ...(opts.fineTune ?? {}), sparsity: s, scope: opts.scope, signal: opts.signal });
      const { mapping, accuracy } = await evalInt8();
      const eo = { inputBits: opts.inputBits, models: opts.models };
      const result = swsEnergy(mapping.layers.map((layer, i) => ({ layer, vectors: vectors[i]! })), eo);
      let z = 0, t = 0; for (const L of mapping.layers) { for (let j = 0; j < L.q.length; j++) if (L.q[j] === 0) z++; t += L.q.length; }
      const row: SwsStudyRow = { sparsity: s, weightSparsity: z / t, accuracy, drop: (int8Accuracy - accuracy) * 100, result };
      if (opts.sectionRows?.length) {
        row.byRows = {};
        for (const r of opts.sectionRows) {
          const cfg = { ...mapping.layers[0]!.config, rows: checkInt('sectionRows', r, 1, 1 << 16) };
          row.byRows[r] = swsEnergy(mapping.layers.map((L, i) => ({ layer: mapLayer({ name: L.name, q: L.q, nOut: L.nOut, nIn: L.nIn, scale: L.scale, config: cfg }), vectors: vectors[i]! })), eo);
        }
      }
      rows.push(row);
      opts.progress?.(n + 1, sparsities.length);
    }
    return { floatAccuracy, int8Accuracy, vectors, rows, ...(denseFineTunedAccuracy === undefined ? {} : { denseFineTunedAccuracy }) };
  } finally {
    restore();
    saved.forEach((t) => t.dispose());
  }
}
