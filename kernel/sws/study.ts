/**
 * SWS study on trained tfjs models: prune (optionally fine-tune), quantize to int8, lay the weights out unsorted /
 * sorted / sorted + zero-remapped, and account ADC conversions and energy per layer (weighted by the input vectors each
 * layer sees per inference) under every policy and energy law; accuracy of the int8 (pruned) model at each sparsity.
 *
 * The models are the CIM I pair (same architectures as bench/cim.bench.ts): a small CNN and a transformer-like
 * MLP-Mixer classifier on Fashion-MNIST (all fan-in ≤ 128), plus a wider transformer-like mixer with BERT-like fan-in
 * (256 and 1024; weights stored as float16). The models and their trained dense weights live in core
 * (kernel/core/models/fashion.ts; `npx tsx scripts/sws/train-models.ts` regenerates them). Every call restores the model's weights afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, checkInt, describe, throwIfAborted } from '../core/errors';
import { mapLayer, mapModel, setCrossbarWeights, type CrossbarConfig, type MappedLayer } from '../cim';
import { ADC_POLICIES, ENERGY_MODELS, type AdcEnergyId, type AdcPolicy } from './adc';
import { pruneFineTune, type PruneFineTuneOptions } from './prune';
import { modelAdcPolicies, swsLayout, type LayerUse } from './sws';

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
export function swsEnergy(
  layers: readonly LayerUse[],
  opts: {
    /** Input bits streamed bit-serially, one conversion per bit per active unit (default 8). */
    inputBits?: number;
    /** Energy laws to evaluate (default ENERGY_MODELS: 'exp2', 'bexp2', 'survey', 'count'). */
    models?: AdcEnergyId[];
    /** Sort key of the sorted layouts: |q| ('abs', default, the SWS reading of arXiv 2410.11298) or signed q ('signed', an ablation; ours). */
    sort?: 'abs' | 'signed';
  } = {},
): SwsEnergy {
  const lay = layers.map((u) => ({ vectors: u.vectors, l: swsLayouts(u.layer, opts.sort) }));
  const energy = {} as SwsEnergy['energy'],
    conversions = {} as SwsEnergy['conversions'],
    tiles = {} as SwsEnergy['tiles'];
  const ref: Record<SwsLayoutName, number[]> = { unsorted: [], sorted: [], remapped: [] };
  for (const name of SWS_LAYOUTS) {
    energy[name] = {} as Record<AdcPolicy, Record<string, number>>;
    conversions[name] = {} as Record<AdcPolicy, number>;
    const uses = lay.map((u) => ({ layer: u.l[name], vectors: u.vectors }));
    const all = modelAdcPolicies(uses, ADC_POLICIES, { inputBits: opts.inputBits, models: opts.models ?? [...ENERGY_MODELS] });
    for (const policy of ADC_POLICIES) {
      const m = all[policy]!;
      energy[name][policy] = m.energy;
      conversions[name][policy] = m.conversions;
      tiles[name] = m.tiles;
      if (policy === 'sectionMax') ref[name] = m.rows.map((r) => r.vectors * (r.account.energy.exp2 ?? NaN));
    }
  }
  const perLayer = layers.map((u, i) => {
    let z = 0;
    for (let j = 0; j < u.layer.q.length; j++) if (u.layer.q[j] === 0) z++;
    return {
      name: u.layer.name,
      nOut: u.layer.nOut,
      nIn: u.layer.nIn,
      vectors: u.vectors,
      sparsity: z / u.layer.q.length,
      energy: { unsorted: ref.unsorted[i]!, sorted: ref.sorted[i]!, remapped: ref.remapped[i]! },
    };
  });
  return { energy, conversions, tiles, perLayer };
}

/** 1 − E(layout, policy) / E(baseline layout, baseline policy) for model id `m` (default 'exp2'). */
export function reduction(
  e: SwsEnergy,
  layout: SwsLayoutName,
  policy: AdcPolicy,
  base: SwsLayoutName,
  basePolicy: AdcPolicy,
  m = 'exp2',
): number {
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
  /** Crossbar fields that replace those of cim's DEFAULT_CONFIG (default none: 128×128, 1-bit cells, int8 weights, sign-magnitude). */
  config?: Partial<CrossbarConfig>;
  /** Input bits streamed bit-serially, one conversion per bit per active unit (default 8). */
  inputBits?: number;
  /** Energy laws to evaluate (default ENERGY_MODELS: 'exp2', 'bexp2', 'survey', 'count'). */
  models?: AdcEnergyId[];
  /**
   * Extra section sizes (rows per section, e.g. [16, 32, 64]) evaluated on the same int8 weights (energy only; a
   * section of S rows = a row band read on its own, with ⌈log2(S + 1)⌉-bit full resolution). Default none.
   */
  sectionRows?: number[];
  /** Called after each sparsity with the number done and the total (default none). */
  progress?: (done: number, total: number) => void;
  /** Aborts between sparsities and pruning steps (default none). */
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
  floatAccuracy: number;
  int8Accuracy: number;
  vectors: number[];
  rows: SwsStudyRow[];
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
  if (!Array.isArray(sparsities) || !sparsities.length)
    throw new InvalidInput(`sparsities must be a non-empty array, got ${describe(sparsities)}`);
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
      const result = swsEnergy(
        mapping.layers.map((layer, i) => ({ layer, vectors: vectors[i]! })),
        eo,
      );
      let z = 0,
        t = 0;
      for (const L of mapping.layers) {
        for (let j = 0; j < L.q.length; j++) if (L.q[j] === 0) z++;
        t += L.q.length;
      }
      const row: SwsStudyRow = { sparsity: s, weightSparsity: z / t, accuracy, drop: (int8Accuracy - accuracy) * 100, result };
      if (opts.sectionRows?.length) {
        row.byRows = {};
        for (const r of opts.sectionRows) {
          const cfg = { ...mapping.layers[0]!.config, rows: checkInt('sectionRows', r, 1, 1 << 16) };
          row.byRows[r] = swsEnergy(
            mapping.layers.map((L, i) => ({
              layer: mapLayer({ name: L.name, q: L.q, nOut: L.nOut, nIn: L.nIn, scale: L.scale, config: cfg }),
              vectors: vectors[i]!,
            })),
            eo,
          );
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
