/**
 * One report for a user's model: import it (any format `importModel` reads), then run each hardware paper's view of
 * the layer table — CIM reprogramming (arXiv:2410.21730), SWS ADC energy (arXiv:2410.11298), Rosko sparse matmul
 * (arXiv:2307.03930), MEMA schedules (arXiv:2304.05544) — and gather the results, timings and figures.
 *
 *   const r = await el.analyzeModel('resnet18.onnx', { papers: 'all', prune: 0.9, batch: [1, 32] });
 *   el.show(r.figures[0]);   // layers as rows, papers as columns
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidInput, checkOneOf, describe, throwIfAborted } from '../core/errors';
import * as cim from '../cim';
import * as mema from '../mema';
import * as sparse from '../sparse';
import * as sws from '../sws';
import { heatmap, table as tableFig } from '../viz/builders';
import type { Figure } from '../viz/types';
import { layerTableFigure } from './figures';
import { importModel } from './import';
import type { ImportOptions, ModelTable } from './types';

export const ANALYSES = ['cim', 'sws', 'sparse', 'mema'] as const;
export type Analysis = (typeof ANALYSES)[number];

export interface AnalyzeModelOptions extends ImportOptions {
  /** Which analyses: 'all' (default) or a list of 'cim', 'sws', 'sparse', 'mema'. */
  papers?: 'all' | Analysis[];
  /** Magnitude-pruning target for the SWS and Rosko views, in [0, 1). Default none (the model's own sparsity). */
  prune?: number;
  /** Batch sizes of the Rosko view; given ⇒ the three kernels are also timed. Default [1, 32], predictions only. */
  batch?: number[];
  /** Time Rosko / CSR / dense (default: true when `batch` is given). */
  measure?: boolean;
  /** MCU preset of the MEMA view. Default 'cortex-m4'. */
  hardware?: string;
  /** Physical crossbars of the CIM view. Default ⌈tiles / 8⌉. */
  physical?: number;
  /** Stops the analysis between layers and stages (Aborted). Default none. */
  signal?: AbortSignal;
  /** Overall progress: fraction done (0–1) and what is running. */
  onProgress?: (fraction: number, stage: string) => void;
}

export interface ModelAnalysis {
  table: ModelTable;
  cim?: cim.CimModelAnalysis;
  sws?: sws.SwsModelAnalysis;
  sparse?: ReturnType<typeof sparse.analyzeModel>;
  mema?: ReturnType<typeof mema.analyzeModel>;
  /** The options the numbers depend on (what `exportAnalysis` reuses). */
  options: { prune?: number; hardware: string; batch?: number[] };
  /** Wall-clock seconds per stage ('import', 'cim', …). */
  seconds: Record<string, number>;
  /** Layers × papers summary table, a normalized per-layer heatmap, the layer table, then the largest layer's crossbar map and sparsity pattern. */
  figures: Figure[];
}

/**
 * Import `src` and run the chosen analyses. Needs `await init()` for tfjs sources. Leaves no tensors behind.
 * @throws the importer's named errors; InvalidInput for bad options; Aborted when `signal` fires.
 */
export async function analyzeModel(src: string | Uint8Array | tf.LayersModel, opts: AnalyzeModelOptions = {}): Promise<ModelAnalysis> {
  const papers = opts.papers === undefined || opts.papers === 'all' ? [...ANALYSES] : opts.papers;
  if (!Array.isArray(papers) || !papers.length)
    throw new InvalidInput(`papers must be 'all' or a non-empty list of ${ANALYSES.join(', ')}, got ${describe(papers)}`);
  for (const p of papers) checkOneOf('analyzeModel: papers[]', p, ANALYSES);
  const seconds: Record<string, number> = {};
  const report = opts.onProgress ?? (() => {});
  const stage = async <T>(
    name: string,
    lo: number,
    hi: number,
    f: (p: (d: number, n: number, l: string) => void) => T | Promise<T>,
  ): Promise<T> => {
    throwIfAborted(opts.signal);
    report(lo, name);
    const t0 = performance.now();
    const out = await f((d, n, l) => report(lo + ((hi - lo) * d) / n, `${name}: ${l}`));
    seconds[name] = (performance.now() - t0) / 1000;
    return out;
  };
  const share = 0.9 / papers.length;
  const table = await stage('import', 0, 0.1, () => importModel(src, opts));
  const out: ModelAnalysis = {
    table,
    options: { prune: opts.prune, hardware: opts.hardware ?? 'cortex-m4', batch: opts.batch },
    seconds,
    figures: [],
  };
  const common = { signal: opts.signal };
  let k = 0;
  const at = () => 0.1 + share * k++;
  for (const p of papers) {
    const lo = at();
    if (p === 'cim')
      out.cim = await stage('cim', lo, lo + share, (onProgress) =>
        cim.analyzeModel(table, { ...common, onProgress, physical: opts.physical }),
      );
    if (p === 'sws')
      out.sws = await stage('sws', lo, lo + share, (onProgress) => sws.analyzeModel(table, { ...common, onProgress, prune: opts.prune }));
    if (p === 'sparse')
      out.sparse = await stage('sparse', lo, lo + share, (onProgress) =>
        sparse.analyzeModel(table, {
          ...common,
          onProgress,
          prune: opts.prune,
          batch: opts.batch,
          measure: opts.measure ?? opts.batch !== undefined,
        }),
      );
    if (p === 'mema')
      out.mema = await stage('mema', lo, lo + share, (onProgress) =>
        mema.analyzeModel(table, { ...common, onProgress, hardware: opts.hardware }),
      );
  }
  out.figures = reportFigures(out);
  report(1, 'done');
  return out;
}

/** Layers as rows, papers as columns. */
function reportFigures(r: ModelAnalysis): Figure[] {
  const t = r.table;
  const memaBy = new Map(r.mema?.layers.map((m) => [m.name, m]) ?? []);
  const policy = sws.RESOLUTION_POLICY;
  const swsRows = r.sws?.pruned?.layers ?? r.sws?.own.layers;
  const rows = t.layers.map((l, i) => {
    const sp = r.sparse?.layers[i];
    const b1 = sp?.batches[0];
    const m = memaBy.get(l.name);
    return {
      layer: l.name,
      op: l.op,
      mmacs: Number.isFinite(l.macs) ? l.macs / 1e6 : null,
      tiles: r.cim?.layers[i]?.tiles ?? null,
      swsGain: swsRows ? swsRows[i]!.grid[policy]! / Math.max(1e-12, swsRows[i]!.sws[policy]!) : null,
      sparsity: sp?.sparsity ?? null,
      kernel: b1 ? (b1.fastest ?? b1.predicted.kernel) : null,
      mema: m ? `${m.schedule}/${m.residency}` : null,
      memaRatio: m?.ratio ?? null,
    };
  });
  const figs: Figure[] = [
    tableFig({
      title: `${t.source}: ${t.layers.length} layers, ${(t.params / 1e6).toFixed(2)} M params, ${Number.isFinite(t.macs) ? (t.macs / 1e9).toFixed(2) + ' GMAC' : 'MACs unknown'}${t.complete ? '' : ' — INCOMPLETE: see unsupported ops'}`,
      caption:
        (r.cim
          ? `CIM: ${r.cim.tiles} tiles on ${r.cim.physical} crossbars, cell writes ÷${r.cim.cellWriteReduction.toFixed(2)} with sorting + stucking. `
          : '') +
        (r.sws ? `SWS gain = grid ÷ SWS ADC energy (${policy}${r.sws.pruned ? `, pruned to ${r.sws.pruned.sparsity}` : ''}). ` : '') +
        (r.sparse ? `Kernel at batch ${r.sparse.layers[0]?.batches[0]?.batch ?? 1}: fastest measured, else predicted. ` : '') +
        (r.mema ? `MEMA on ${r.mema.hardware.name}: schedule/residency, external ÷ lower bound.` : ''),
      columns: [
        { key: 'layer', label: 'layer', format: 'text' },
        { key: 'op', label: 'op', format: 'text' },
        { key: 'mmacs', label: 'MACs', unit: 'M', format: 'fixed1' },
        { key: 'tiles', label: 'CIM tiles', format: 'int' },
        { key: 'swsGain', label: 'SWS ADC gain', format: 'fixed2' },
        { key: 'sparsity', label: 'zeros', format: 'percent' },
        { key: 'kernel', label: 'Rosko view', format: 'text' },
        { key: 'mema', label: 'MEMA schedule', format: 'text' },
        { key: 'memaRatio', label: 'ext ÷ bound', format: 'fixed2' },
      ],
      rows,
    }),
  ];
  const metrics: [string, (i: number) => number | null][] = [
    ['MACs', (i) => (Number.isFinite(t.layers[i]!.macs) ? t.layers[i]!.macs : null)],
    ['params', (i) => t.layers[i]!.params],
  ];
  if (r.cim) metrics.push(['CIM tiles', (i) => r.cim!.layers[i]!.tiles]);
  if (swsRows) metrics.push([`ADC energy (${policy}, SWS)`, (i) => swsRows[i]!.sws[policy]!]);
  if (r.sparse) metrics.push(['zeros', (i) => r.sparse!.layers[i]!.sparsity]);
  if (t.layers.length) {
    // each metric scaled to its own maximum so the columns share one colour scale
    const cols = metrics.map(([, f]) => {
      const v = t.layers.map((_, i) => f(i));
      const mx = Math.max(1e-30, ...v.map((x) => x ?? 0));
      return v.map((x) => (x === null ? NaN : x / mx));
    });
    figs.push(
      heatmap({
        title: 'Where the cost is: each metric ÷ its largest layer',
        values: t.layers.map((_, i) => cols.map((c) => c[i]!)),
        rowLabels: t.layers.map((l) => l.name),
        colLabels: metrics.map(([n]) => n),
        valueLabel: 'fraction of the largest layer',
        annotate: false,
      }),
    );
  }
  figs.push(layerTableFigure(t));
  if (t.layers.length) {
    const big = t.layers.reduce((b, l, i) => (l.params > t.layers[b]!.params ? i : b), 0);
    if (r.cim) figs.push(r.cim.figures[big]!.figure);
    if (r.sparse) figs.push(r.sparse.layers[big]!.figure);
  }
  return figs;
}
