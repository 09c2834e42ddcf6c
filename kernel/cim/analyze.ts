/**
 * A user's model on memristive crossbars (arXiv:2410.21730): every weighted layer of an imported layer table
 * (`el.model.importModel`) quantized to int8, mapped to tiles, and the whole model's reprogramming simulated when it
 * needs more tiles than the chip has crossbars — unsorted round-robin loading (baseline) against weight sorting with
 * the chosen routing, the 'chunked-zigzag' schedule and bit stucking (arXiv:2410.21730 §III).
 */
import { checkInt, checkOneOf, throwIfAborted } from '../core/errors';
import type { AnalyzeCommon, ModelTable } from '../model/types';
import type { CrossbarMapFigure } from '../viz/types';
import { mapLayer } from './crossbar';
import { crossbarMapFigure } from './figures';
import { quantize } from './quantize';
import { simulateReprogramming } from './reprogram';
import type { CrossbarConfig, MappedLayer, ReprogramResult, Routing, SchedulePolicy, SortKey } from './types';

export interface CimAnalyzeOptions extends AnalyzeCommon {
  /** Crossbar geometry and cell/weight bits. Default DEFAULT_CONFIG (128×128, 1-bit cells, int8 sign-magnitude). */
  config?: Partial<CrossbarConfig>;
  /** Sort key of the optimized mapping. Default 'signed'. */
  sort?: SortKey;
  /** Input routing of sorted layers. Default 'shared' (plain wiring; see Routing). */
  routing?: Routing;
  /** Physical crossbars on the chip. Default ⌈tiles / 8⌉ (the reference setting: an eighth of the model fits at once). */
  physical?: number;
  /** Schedule of the optimized run. Default 'chunked-zigzag'. */
  policy?: SchedulePolicy;
  /** Bit stucking of the optimized run: low-order columns left stale. Default 2. */
  stuckColumns?: number;
  /** Fraction of cells rewritten in stuck columns. Default 0.25. */
  rewriteFraction?: number;
  /** Seed of bit stucking's random rewrites. Default 0. */
  seed?: number;
}

export interface CimLayerRow {
  name: string;
  nOut: number;
  nIn: number;
  tiles: number;
  /** Fraction of crossbar cells holding a weight bit (the rest of the tiles are padding). */
  utilization: number;
}

export interface CimModelAnalysis {
  layers: CimLayerRow[];
  tiles: number;
  physical: number;
  /** Unsorted weights, round-robin loading, every changed cell rewritten. */
  baseline: ReprogramResult;
  /** Sorted weights (`sort`, `routing`), `policy`, bit stucking. */
  optimized: ReprogramResult;
  /** baseline.cellWrites / optimized.cellWrites. */
  cellWriteReduction: number;
  /** One crossbar map per layer: the first tile of the sorted mapping. */
  figures: { layer: string; figure: CrossbarMapFigure }[];
}

/**
 * Tiles and reprogramming of an imported model on crossbars. Weights are quantized per tensor to int8; conv layers
 * are their im2col matrices, depthwise convs their [channels][kh·kw] matrices. Pure typed arrays: no tensors.
 * @throws InvalidInput for bad options; Aborted when `signal` fires.
 */
export function analyzeModel(table: ModelTable, opts: CimAnalyzeOptions = {}): CimModelAnalysis {
  const sort = checkOneOf('cim.analyzeModel: sort', opts.sort ?? 'signed', ['none', 'signed', 'abs'] as const);
  const routing = checkOneOf('cim.analyzeModel: routing', opts.routing ?? 'shared', ['shared', 'per-output'] as const);
  const plain: MappedLayer[] = [],
    sorted: MappedLayer[] = [];
  const rows: CimLayerRow[] = [];
  const figures: CimModelAnalysis['figures'] = [];
  table.layers.forEach((l, i) => {
    throwIfAborted(opts.signal);
    const { q, scale } = quantize({ weights: l.weight(), nOut: l.nOut, nIn: l.nIn, bits: opts.config?.weightBits ?? 8 });
    const a = mapLayer({ name: l.name, q, nOut: l.nOut, nIn: l.nIn, scale, config: opts.config });
    const b = mapLayer({ name: l.name, q, nOut: l.nOut, nIn: l.nIn, scale, sort, routing, config: opts.config });
    plain.push(a);
    sorted.push(b);
    const cells = a.tiles * a.config.rows * a.config.cols;
    rows.push({ name: l.name, nOut: l.nOut, nIn: l.nIn, tiles: a.tiles, utilization: (l.nOut * l.nIn * a.groupWidth) / cells });
    figures.push({
      layer: l.name,
      figure: crossbarMapFigure(b, 0, { title: `${l.name}: tile 0 of ${b.tiles} (sorted '${sort}', ${routing} routing)` }),
    });
    opts.onProgress?.(i + 1, table.layers.length + 2, l.name);
  });
  const tiles = plain.reduce((s, l) => s + l.tiles, 0);
  const physical = checkInt('cim.analyzeModel: physical', opts.physical ?? Math.max(1, Math.ceil(tiles / 8)));
  const baseline = simulateReprogramming(plain, { physical, policy: 'round-robin', signal: opts.signal });
  opts.onProgress?.(table.layers.length + 1, table.layers.length + 2, 'reprogramming (baseline)');
  const optimized = simulateReprogramming(sorted, {
    physical,
    policy: opts.policy ?? 'chunked-zigzag',
    stuckColumns: opts.stuckColumns ?? 2,
    rewriteFraction: opts.rewriteFraction ?? 0.25,
    seed: opts.seed ?? 0,
    signal: opts.signal,
  });
  opts.onProgress?.(table.layers.length + 2, table.layers.length + 2, 'reprogramming (sorted + stucking)');
  return {
    layers: rows,
    tiles,
    physical,
    baseline,
    optimized,
    cellWriteReduction: baseline.cellWrites / Math.max(1, optimized.cellWrites),
    figures,
  };
}
