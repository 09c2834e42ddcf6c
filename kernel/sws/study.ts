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
import { ADC_POLICIES, ENERGY_MODELS, RESOLUTION_POLICY, type AdcEnergyId, type AdcPolicy } from './adc';
import { pruneFineTune, type PruneFineTuneOptions } from './prune';
import { modelAdcPolicies, swsLayout, type LayerUse } from './sws';
import { gatherOverhead } from './overhead';

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
  /**
   * Index matching per layout (see overhead.ts): gather energy per inference per law (accesses × accessCost × one
   * full-resolution conversion), gather accesses per inference, index storage bits and index bits per weight.
   */
  overhead: Record<SwsLayoutName, { energy: Record<string, number>; accesses: number; indexBits: number; indexBitsPerWeight: number }>;
  /** Gather access cost used (fraction of one full-resolution conversion). */
  accessCost: number;
  /**
   * Lossy clipped variant of the resolution-aware policy: energy[cap][layout][law] with every ADC capped at `cap` bits
   * (only the caps asked for in `caps`).
   */
  clipped: Record<number, Record<SwsLayoutName, Record<string, number>>>;
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
    /** Gather access cost, fraction of one full-resolution conversion (default 0.25 [OURS], see overhead.ts). */
    accessCost?: number;
    /** Resolution caps for the lossy clipped variant of the resolution-aware policy (default none). */
    caps?: number[];
  } = {},
): SwsEnergy {
  const accessCost = opts.accessCost ?? 0.25;
  const lay = layers.map((u) => ({ vectors: u.vectors, l: swsLayouts(u.layer, opts.sort) }));
  const energy = {} as SwsEnergy['energy'],
    conversions = {} as SwsEnergy['conversions'],
    tiles = {} as SwsEnergy['tiles'],
    overhead = {} as SwsEnergy['overhead'],
    clipped: SwsEnergy['clipped'] = {};
  const models = opts.models ?? [...ENERGY_MODELS];
  let weights = 0;
  for (const u of layers) weights += u.layer.nOut * u.layer.nIn;
  const ref: Record<SwsLayoutName, number[]> = { unsorted: [], sorted: [], remapped: [] };
  for (const name of SWS_LAYOUTS) {
    energy[name] = {} as Record<AdcPolicy, Record<string, number>>;
    conversions[name] = {} as Record<AdcPolicy, number>;
    const uses = lay.map((u) => ({ layer: u.l[name], vectors: u.vectors }));
    const all = modelAdcPolicies(uses, ADC_POLICIES, { inputBits: opts.inputBits, models });
    const o = { energy: {} as Record<string, number>, accesses: 0, indexBits: 0, indexBitsPerWeight: 0 };
    for (const u of uses) {
      const g = gatherOverhead(u.layer, { accessCost, models });
      o.accesses += u.vectors * g.accesses;
      o.indexBits += g.indexBits;
      for (const [id, e] of Object.entries(g.energy)) o.energy[id] = (o.energy[id] ?? 0) + u.vectors * e;
    }
    o.indexBitsPerWeight = o.indexBits / weights;
    overhead[name] = o;
    for (const cap of opts.caps ?? []) {
      clipped[cap] ??= {} as Record<SwsLayoutName, Record<string, number>>;
      clipped[cap]![name] = modelAdcPolicies(uses, [RESOLUTION_POLICY], { inputBits: opts.inputBits, models, maxBits: cap })[
        RESOLUTION_POLICY
      ]!.energy;
    }
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
  return { energy, conversions, tiles, overhead, accessCost, clipped, perLayer };
}

/**
 * The net reduction [OURS, issue-level definition]: sorted + remapped under the resolution-aware policy with its
 * index/gather overhead added, vs the unsorted grid with fixed full-resolution ADCs (no overhead: it has no index).
 */
export function netReduction(e: SwsEnergy, m = 'exp2', layout: SwsLayoutName = 'remapped'): number {
  return 1 - (e.energy[layout][RESOLUTION_POLICY][m]! + e.overhead[layout].energy[m]!) / e.energy.unsorted.fixed[m]!;
}

/** Sorting's own contribution: sorted + remapped (overhead added) vs the unsorted grid under the SAME resolution-aware policy. */
export function sortingGain(e: SwsEnergy, m = 'exp2', layout: SwsLayoutName = 'remapped'): number {
  return 1 - (e.energy[layout][RESOLUTION_POLICY][m]! + e.overhead[layout].energy[m]!) / e.energy.unsorted[RESOLUTION_POLICY][m]!;
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
  /** Accuracy (0–1) of the model as it currently is (e.g. on a test split), float activations. */
  evaluate: (model: tf.LayersModel) => number | Promise<number>;
  /**
   * Accuracy through the quantized crossbar datapath (e.g. `cim.evaluate` with 8-bit inputs and lossless ADCs), called
   * with the int8 weights set; its interval is reported. Default none (only the float-activation accuracy).
   */
  evaluateDatapath?: (model: tf.LayersModel) => Promise<{ accuracy: number; interval: [number, number] }>;
  /** Gather access cost for the index overhead (fraction of one full-resolution conversion; default 0.25). */
  accessCost?: number;
  /** Resolution caps of the lossy clipped variant to account (default none). */
  caps?: number[];
  /** Called at each sparsity while the model holds its int8 weights, with their mapping (e.g. to record activations). Default none. */
  inspect?: (model: tf.LayersModel, mapping: ReturnType<typeof mapModel>, sparsity: number) => void | Promise<void>;
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
  /** Accuracy through the quantized datapath (with `evaluateDatapath`). */
  datapath?: { accuracy: number; interval: [number, number] };
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
  /** Quantized-datapath accuracy of the unpruned model, as shipped and after the same fine-tune (with `evaluateDatapath`). */
  int8Datapath?: { accuracy: number; interval: [number, number] };
  denseFineTunedDatapath?: { accuracy: number; interval: [number, number] };
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
    // every evaluation restores the shipped float weights: each sparsity (and the dense control) starts from them
    const evalInt8 = async (
      sparsity?: number,
    ): Promise<{
      mapping: ReturnType<typeof mapModel>;
      accuracy: number;
      datapath?: { accuracy: number; interval: [number, number] };
    }> => {
      const mapping = mapModel(model, { config: opts.config });
      setCrossbarWeights(model, mapping);
      const accuracy = await opts.evaluate(model);
      const datapath = opts.evaluateDatapath ? await opts.evaluateDatapath(model) : undefined;
      if (sparsity !== undefined) await opts.inspect?.(model, mapping, sparsity);
      restore();
      return { mapping, accuracy, ...(datapath ? { datapath } : {}) };
    };
    const base = await evalInt8();
    const int8Accuracy = base.accuracy;
    let denseFineTunedAccuracy: number | undefined, denseFineTunedDatapath: SwsStudyResult['denseFineTunedDatapath'];
    if (opts.fineTuneDense) {
      await pruneFineTune(model, { ...opts.fineTune, sparsity: 0, scope: opts.scope, signal: opts.signal });
      const d = await evalInt8();
      denseFineTunedAccuracy = d.accuracy;
      denseFineTunedDatapath = d.datapath;
    }
    const rows: SwsStudyRow[] = [];
    for (const [n, s] of sparsities.entries()) {
      throwIfAborted(opts.signal);
      if (s > 0) await pruneFineTune(model, { ...(opts.fineTune ?? {}), sparsity: s, scope: opts.scope, signal: opts.signal });
      const { mapping, accuracy, datapath } = await evalInt8(s);
      const eo = { inputBits: opts.inputBits, models: opts.models, accessCost: opts.accessCost, caps: opts.caps };
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
      const row: SwsStudyRow = {
        sparsity: s,
        weightSparsity: z / t,
        accuracy,
        drop: (int8Accuracy - accuracy) * 100,
        ...(datapath ? { datapath } : {}),
        result,
      };
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
    return {
      floatAccuracy,
      int8Accuracy,
      vectors,
      rows,
      ...(denseFineTunedAccuracy === undefined ? {} : { denseFineTunedAccuracy }),
      ...(base.datapath ? { int8Datapath: base.datapath } : {}),
      ...(denseFineTunedDatapath ? { denseFineTunedDatapath } : {}),
    };
  } finally {
    restore();
    saved.forEach((t) => t.dispose());
  }
}

/**
 * Integer inputs the DAC streams into each mapped layer for images `x`: the layer inputs of `model` (as it is, e.g.
 * with its int8 weights set; float activations between crossbars) quantized with the datapath's per-layer scales and
 * modes (e.g. `cim.evaluate`'s inputScales / inputModes), as matmul rows (conv: im2col patches). Per mapped layer, the
 * list of input vectors. Sequential models only; leaves no tensors behind.
 */
export function datapathInputs(
  model: tf.LayersModel,
  mapping: ReturnType<typeof mapModel>,
  x: tf.Tensor,
  q: { inputScales: readonly number[]; inputModes: readonly ('unsigned' | 'twos-complement')[]; inputBits?: number },
): Int32Array[][] {
  const bits = checkInt('inputBits', q.inputBits ?? 8, 1, 16);
  if (q.inputScales.length !== mapping.layers.length || q.inputModes.length !== mapping.layers.length)
    throw new InvalidInput(`inputScales/inputModes need ${mapping.layers.length} entries (one per mapped layer)`);
  const at = new Map<tf.layers.Layer, number>();
  mapping.modelIndex.forEach((mi, n) => at.set(model.layers[mi]!, n));
  const out: Int32Array[][] = mapping.layers.map(() => []);
  tf.tidy(() => {
    let h = x;
    for (const l of model.layers) {
      if (l.getClassName() === 'InputLayer') continue;
      const n = at.get(l);
      if (n !== undefined) {
        const L = mapping.layers[n]!;
        const unsigned = q.inputModes[n] === 'unsigned';
        const lo = unsigned ? 0 : -(2 ** (bits - 1)),
          hi = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
        let r = tf.clipByValue(tf.round(tf.div(h, q.inputScales[n]!)), lo, hi);
        if (l.getClassName() === 'Conv2D') {
          const c = l.getConfig() as { kernelSize: number[]; strides: number[]; padding: 'same' | 'valid' };
          const cin = h.shape[h.shape.length - 1]!;
          const eye = tf.reshape(tf.oneHot(tf.range(0, L.nIn, 1, 'int32'), L.nIn).toFloat(), [
            c.kernelSize[0]!,
            c.kernelSize[1]!,
            cin,
            L.nIn,
          ]);
          r = tf.conv2d(r as tf.Tensor4D, eye as tf.Tensor4D, [c.strides[0]!, c.strides[1]!], c.padding);
        }
        const flat = r.reshape([-1, L.nIn]).dataSync();
        for (let v = 0; v < flat.length / L.nIn; v++) out[n]!.push(Int32Array.from(flat.subarray(v * L.nIn, (v + 1) * L.nIn)));
      }
      h = l.apply(h) as tf.Tensor;
    }
  });
  return out;
}
