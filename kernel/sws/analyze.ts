/**
 * ADC energy of a user's model on crossbars under each ADC policy (SWS, arXiv:2410.11298): every weighted layer of an
 * imported layer table quantized to int8, mapped unsorted (baseline grid) and with Sorted Weight Sectioning
 * (`swsLayout`), at the model's own sparsity and, optionally, after magnitude pruning to a target sparsity
 * (`pruneInt8`: the smallest |q| zeroed, no fine-tuning — accuracy is not measured here, so the pruned numbers are an
 * energy what-if, not a deployable model).
 */
import { checkOneOf, throwIfAborted, InvalidInput, describe } from '../core/errors';
import type { AnalyzeCommon, ModelTable } from '../model/types';
import { mapLayer, quantize, type CrossbarConfig, type MappedLayer } from '../cim';
import { ADC_POLICIES, ENERGY_MODELS, type AdcEnergyId, type AdcPolicy } from './adc';
import { pruneInt8 } from './prune';
import { adcAccounts, swsLayout } from './sws';

export interface SwsAnalyzeOptions extends AnalyzeCommon {
  /** Target sparsity of the magnitude-pruned variant, in [0, 1). Default none (own sparsity only). */
  prune?: number;
  /** ADC policies. Default ADC_POLICIES (all six). */
  policies?: AdcPolicy[];
  /** Energy law the totals use. Default 'survey' (Murmann's ADC survey fit). */
  energyModel?: AdcEnergyId;
  /** Crossbar geometry and cell/weight bits. Default the CIM simulator's DEFAULT_CONFIG (128×128, int8). */
  config?: Partial<CrossbarConfig>;
}

/** Energy per sample (all of the layer's MVMs: one per output position), per policy, for grid and SWS layouts. */
export interface SwsLayerRow {
  name: string;
  /** Fraction of int8 weights that are 0. */
  sparsity: number;
  /** MVMs per sample (conv output positions, tokens). */
  mvms: number;
  grid: Record<string, number>;
  sws: Record<string, number>;
}

export interface SwsModelAnalysis {
  energyModel: AdcEnergyId;
  policies: AdcPolicy[];
  /** At the model's own (int8) sparsity. */
  own: { layers: SwsLayerRow[]; total: { grid: Record<string, number>; sws: Record<string, number> } };
  /** After magnitude pruning to `prune` (absent without it). */
  pruned?: { sparsity: number; layers: SwsLayerRow[]; total: { grid: Record<string, number>; sws: Record<string, number> } };
}

function rowsFor(
  layers: MappedLayer[],
  mvms: number[],
  policies: AdcPolicy[],
  model: AdcEnergyId,
  opts: SwsAnalyzeOptions,
  offset: number,
  total: number,
) {
  const rows: SwsLayerRow[] = [];
  const tot = { grid: {} as Record<string, number>, sws: {} as Record<string, number> };
  for (const p of policies) tot.grid[p] = tot.sws[p] = 0;
  layers.forEach((L, i) => {
    throwIfAborted(opts.signal);
    const g = adcAccounts(L, policies, { models: [model] });
    const s = adcAccounts(swsLayout(L), policies, { models: [model] });
    let zeros = 0;
    for (const v of L.q) if (v === 0) zeros++;
    const row: SwsLayerRow = { name: L.name, sparsity: zeros / L.q.length, mvms: mvms[i]!, grid: {}, sws: {} };
    for (const p of policies) {
      row.grid[p] = g[p]!.energy[model]! * mvms[i]!;
      row.sws[p] = s[p]!.energy[model]! * mvms[i]!;
      tot.grid[p]! += row.grid[p]!;
      tot.sws[p]! += row.sws[p]!;
    }
    rows.push(row);
    opts.onProgress?.(offset + i + 1, total, L.name);
  });
  return { layers: rows, total: tot };
}

/**
 * Per-layer ADC energy of an imported model under each policy, grid vs SWS layout, own sparsity and (with `prune`)
 * magnitude-pruned. Energies are in the energy law's units per sample (MVM energy × output positions); layers whose
 * MACs are unknown count one MVM. Pure typed arrays: no tensors.
 */
export function analyzeModel(table: ModelTable, opts: SwsAnalyzeOptions = {}): SwsModelAnalysis {
  const policies = (opts.policies ?? [...ADC_POLICIES]).map((p) => checkOneOf('sws.analyzeModel: policies[]', p, ADC_POLICIES));
  const model = checkOneOf('sws.analyzeModel: energyModel', opts.energyModel ?? 'survey', ENERGY_MODELS);
  if (opts.prune !== undefined && !(opts.prune >= 0 && opts.prune < 1))
    throw new InvalidInput(`sws.analyzeModel: prune must be a sparsity in [0, 1), got ${describe(opts.prune)}`);
  const mapped = table.layers.map((l) => {
    const { q, scale } = quantize({ weights: l.weight(), nOut: l.nOut, nIn: l.nIn, bits: opts.config?.weightBits ?? 8 });
    return mapLayer({ name: l.name, q, nOut: l.nOut, nIn: l.nIn, scale, config: opts.config });
  });
  const mvms = table.layers.map((l) => (Number.isFinite(l.positions) ? l.positions : 1));
  const n = table.layers.length * (opts.prune === undefined ? 1 : 2);
  const own = rowsFor(mapped, mvms, policies, model, opts, 0, n);
  const out: SwsModelAnalysis = { energyModel: model, policies, own };
  if (opts.prune !== undefined) {
    const pr = mapped.map((L) => pruneInt8(L, opts.prune!));
    out.pruned = { sparsity: opts.prune, ...rowsFor(pr, mvms, policies, model, opts, table.layers.length, n) };
  }
  return out;
}
