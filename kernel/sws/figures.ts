/**
 * SWS figures: crossbar maps with ADC-active columns marked, per-layer energy breakdown, energy reduction vs
 * sparsity per energy law, accuracy vs sparsity. Payloads from kernel/viz builders.
 */
import { heatmap, series } from '../viz/builders';
import type { CrossbarMapFigure, HeatmapFigure, SeriesFigure } from '../viz/types';
import { InvalidInput, describe } from '../core/errors';
import { adcEnergyModel, type AdcEnergyId, type AdcPolicy } from './adc';
import { slotSource, crossbarMapFigure, type MappedLayer } from '../cim';
import { activeColumns } from './sws';
import { SWS_LAYOUTS, reduction, type SwsEnergy, type SwsLayoutName, type SwsStudyRow } from './study';

/**
 * Crossbar map of `tile` with, per section (output slot), the bit lines `policy` gives an ADC marked under the
 * section's last row (green bars), and their resolution.
 */
export function swsCrossbarFigure(
  layer: MappedLayer,
  tile: number,
  opts: {
    /** ADC resolution policy whose active ADCs are marked (default 'sectionMax'). */
    policy?: AdcPolicy;
    /** Figure title (default '<layer>: tile <tile> of <tiles> (<sign mode>, sort <sort>)'). */
    title?: string;
  } = {},
): CrossbarMapFigure {
  const policy = opts.policy ?? 'sectionMax';
  const fig = crossbarMapFigure(layer, tile, { title: opts.title });
  const adc: NonNullable<CrossbarMapFigure['adcActive']> = [];
  let active = 0,
    used = 0;
  for (let k = 0; k < layer.slots; k++) {
    const { out, len } = slotSource(layer, tile, k);
    if (out < 0) continue;
    const { columns, maxBits } = activeColumns(layer, tile, k, policy);
    used += layer.groupWidth - (layer.config.signMode === 'sign-magnitude' ? 1 : 0);
    active += columns.length;
    if (columns.length) adc.push({ rowStart: 0, rowEnd: Math.max(1, len), columns, adcBits: maxBits });
  }
  fig.adcActive = adc;
  fig.caption = `${policy}: ${active} of ${used} data columns have an ADC (green bars under each section's last row).`;
  return fig;
}

const LAYOUT_LABEL: Record<SwsLayoutName, string> = { unsorted: 'unsorted', sorted: 'sorted |q|', remapped: 'sorted + zero remap' };

/** Heatmap layers × layouts: each layer's ADC energy per inference (reference policy, E ∝ 2^b) as a share of the unsorted model's total. */
export function energyBreakdownFigure(
  e: SwsEnergy,
  opts: {
    /** Figure title (default 'ADC energy per layer (sectionMax, E ∝ 2^b), share of the unsorted total'). */
    title?: string;
  } = {},
): HeatmapFigure {
  const total = e.perLayer.reduce((a, l) => a + l.energy.unsorted, 0);
  if (!(total > 0)) throw new InvalidInput(`energyBreakdownFigure: the unsorted layout has no ADC energy (${describe(total)})`);
  const values: number[] = [];
  for (const l of e.perLayer) for (const name of SWS_LAYOUTS) values.push(l.energy[name] / total);
  return heatmap({
    title: opts.title ?? 'ADC energy per layer (sectionMax, E ∝ 2^b), share of the unsorted total',
    rows: e.perLayer.length,
    cols: SWS_LAYOUTS.length,
    values,
    rowLabels: e.perLayer.map((l) => `${l.name} ${l.nOut}×${l.nIn} ×${l.vectors} (${(l.sparsity * 100).toFixed(0)}% zero)`),
    colLabels: SWS_LAYOUTS.map((n) => LAYOUT_LABEL[n]),
    valueLabel: 'share of unsorted energy',
    colorScale: 'blues',
    zmin: 0,
    annotate: true,
  });
}

/**
 * Energy reduction of sorted + remapped sections vs sparsity: one trace per energy law under `policy` (vs the unsorted
 * layout under the same policy), plus the reference law vs the unsorted skip-zero-columns layout. Paper: −89.5 % (hline).
 */
export function reductionCurveFigure(
  rows: readonly SwsStudyRow[],
  opts: {
    /** ADC resolution policy plotted (default 'sectionMax'). */
    policy?: AdcPolicy;
    /** Energy laws plotted, one curve each (default 'exp2', 'bexp2', 'survey', 'count'). */
    models?: AdcEnergyId[];
    /** Figure title (default 'ADC energy reduction of sorted + remapped sections (<policy>)'). */
    title?: string;
  } = {},
): SeriesFigure {
  const policy = opts.policy ?? 'sectionMax';
  const models = opts.models ?? ['exp2', 'bexp2', 'survey', 'count'];
  const x = rows.map((r) => r.weightSparsity * 100);
  const traces = models.map((m) => ({
    name: `${adcEnergyModel(m).label}, vs unsorted ${policy}`,
    x,
    y: rows.map((r) => reduction(r.result, 'remapped', policy, 'unsorted', policy, m) * 100),
    mode: 'lines+markers' as const,
  }));
  traces.push({
    name: 'E ∝ 2^b, vs unsorted skip-zero columns',
    x,
    y: rows.map((r) => reduction(r.result, 'remapped', policy, 'unsorted', 'skipZeroCols') * 100),
    mode: 'lines+markers' as const,
  });
  return series({
    title: opts.title ?? `ADC energy reduction of sorted + remapped sections (${policy})`,
    series: traces,
    xLabel: 'weight sparsity of the int8 model (%)',
    yLabel: 'ADC energy reduction (%)',
    hlines: [{ y: 89.5, label: 'paper: −89.5 % (unstructured-sparse BERT)' }],
  });
}

/** Accuracy of the int8 (pruned) model vs sparsity, with the unpruned int8 accuracy as a reference line. */
export function accuracyCurveFigure(
  traces: { name: string; rows: readonly SwsStudyRow[] }[],
  int8Accuracy: number,
  opts: {
    /** Figure title (default 'Test accuracy vs sparsity (int8 weights)'). */
    title?: string;
  } = {},
): SeriesFigure {
  return series({
    title: opts.title ?? 'Test accuracy vs sparsity (int8 weights)',
    series: traces.map((t) => ({
      name: t.name,
      x: t.rows.map((r) => r.weightSparsity * 100),
      y: t.rows.map((r) => r.accuracy * 100),
      mode: 'lines+markers' as const,
    })),
    xLabel: 'weight sparsity of the int8 model (%)',
    yLabel: 'test accuracy (%)',
    hlines: [
      { y: int8Accuracy * 100, label: 'unpruned int8' },
      { y: int8Accuracy * 100 - 1, label: '−1 point' },
    ],
  });
}
