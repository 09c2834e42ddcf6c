/**
 * Figures for StitchNet: CKA matrices, generated-network tables, a stitched network's fragment chain, paper vs ours.
 */
import { ckaMatrix as ckaFig, table, series } from '../viz';
import type { CkaMatrixFigure, TableFigure, SeriesFigure } from '../viz/types';
import { summarise, chainText, type StudyRecord, type NetRecord, type Variant, type TargetSummary } from './records';
import type { CkaMatrix } from './evaluate';
import type { StitchedNet } from './search';

/** A CKA matrix (from `ckaMatrix`) as a cka-matrix figure; highlights each row's best match. */
export function ckaFigure(
  m: CkaMatrix,
  opts: {
    /** Figure title (default 'CKA: <row model> × <column model>'). */
    title?: string;
    /** Caption under the figure (default: none). */
    caption?: string;
  } = {},
): CkaMatrixFigure {
  const highlight: [number, number][] = [];
  for (let i = 0; i < m.rows; i++) {
    let b = 0;
    for (let j = 1; j < m.cols; j++) if (m.values[i * m.cols + j]! > m.values[i * m.cols + b]!) b = j;
    highlight.push([i, b]);
  }
  return ckaFig({
    rowLabels: m.rowLabels,
    colLabels: m.colLabels,
    values: Array.from(m.values),
    rowModel: m.rowModel,
    colModel: m.colModel,
    ckaKind: m.ckaKind,
    highlight,
    title: opts.title ?? `CKA: ${m.rowModel} × ${m.colModel}`,
    caption: opts.caption,
  });
}

/** Re-exported here beside the other figure helpers (defined in records.ts, which flattens chains to text). */
export { chainText };

/** Generated networks as a table (rank, chain, score, accuracy, MACs, params). Rows sorted as given. */
export function networksTable(
  nets: (Pick<StitchedNet, 'chain' | 'score' | 'macs' | 'params' | 'sources'> & { acc?: number; label?: string })[],
  opts: {
    /** Table title (default 'Generated networks'). */
    title?: string;
    /** Caption under the table (default: none). */
    caption?: string;
    /** Indices (0-based, into `nets`) of rows to emphasise (default: none). */
    highlight?: number[];
  } = {},
): TableFigure {
  return table({
    title: opts.title ?? 'Generated networks',
    caption: opts.caption,
    highlightRows: opts.highlight,
    columns: [
      { key: 'name', label: 'network' },
      { key: 'chain', label: 'fragment chain' },
      { key: 'sources', label: 'sources' },
      { key: 'score', label: 'CKA score' },
      { key: 'acc', label: 'k-NN acc' },
      { key: 'macs', label: 'MACs' },
      { key: 'params', label: 'params' },
    ],
    rows: nets.map((n, i) => ({
      name: n.label ?? `stitch${i + 1}`,
      chain: chainText(n),
      sources: n.sources,
      score: Number(n.score.toFixed(3)),
      acc: n.acc === undefined ? null : Number(n.acc.toFixed(4)),
      macs: n.macs,
      params: n.params,
    })),
  });
}

/** One stitched network's fragment chain: one row per fragment with its layers, shapes and the stitch's CKA. */
export function chainFigure(
  n: StitchedNet,
  opts: {
    /** Table title (default 'Fragment chain (score <product of stitch CKAs>)'). */
    title?: string;
  } = {},
): TableFigure {
  return table({
    title: opts.title ?? `Fragment chain (score ${n.score.toFixed(3)})`,
    columns: [
      { key: 'step', label: '#' },
      { key: 'fragment', label: 'fragment' },
      { key: 'layers', label: 'layers' },
      { key: 'in', label: 'in shape' },
      { key: 'out', label: 'out shape' },
      { key: 'cka', label: 'stitch CKA' },
      { key: 'fold', label: 'stitch folded into' },
    ],
    rows: n.chain.map((c, i) => ({
      step: i + 1,
      fragment: `${c.net}#${c.fragment}`,
      layers: c.layers.join(', '),
      in: `[${c.inShape.join('×')}]`,
      out: `[${c.outShape.join('×')}]`,
      cka: i === 0 ? null : Number(n.stitchScores[i - 1]!.toFixed(3)),
      fold: i === 0 ? '—' : `${n.pieces[i]!.graph.fragments[c.fragment]!.receivers.join(', ')}${n.pieces[i]!.gap ? ' (after GAP)' : ''}`,
    })),
  });
}

/** The zoo's manifest (zooManifest()) as a table: architecture, width, source task, data, augmentation, accuracy. */
export function zooTable(
  manifest: Record<string, Record<string, unknown>>,
  opts: {
    /** Table title (default "Model zoo (test accuracy on each network's own source task)"). */
    title?: string;
  } = {},
): TableFigure {
  return table({
    title: opts.title ?? "Model zoo (test accuracy on each network's own source task)",
    columns: [
      { key: 'net', label: 'network' },
      { key: 'arch', label: 'family' },
      { key: 'width', label: 'width ×' },
      { key: 'domain', label: 'source task' },
      { key: 'classes', label: 'classes' },
      { key: 'trainImages', label: 'train images' },
      { key: 'augmentation', label: 'augmentation' },
      { key: 'epochs', label: 'epochs' },
      { key: 'params', label: 'params' },
      { key: 'testAcc', label: 'test acc' },
    ],
    rows: Object.entries(manifest).map(([net, m]) => ({
      net,
      arch: String(m.arch),
      width: Number(m.width ?? 1),
      domain: String(m.domain),
      classes: Array.isArray(m.classes) ? (m.classes as number[]).join(',') : String(m.classes ?? 'all'),
      trainImages: Number(m.trainImages),
      augmentation: String(m.augmentation ?? 'none'),
      epochs: Number(m.epochs),
      params: Number(m.params),
      testAcc: Number(m.testAcc),
    })),
  });
}

const METHODS = [
  {
    name: 'stitched (chosen on validation)',
    color: '#d62728',
    band: true,
    get: (r: StudyRecord) => r.stitched?.testAcc ?? undefined,
    macs: (r: StudyRecord) => r.compute.stitch,
  },
  {
    name: 'best original, refit k-NN head',
    color: '#7f7f7f',
    band: false,
    get: (r: StudyRecord) => r.bestOriginal.testAcc,
    macs: (r: StudyRecord) => r.compute.originals,
  },
  {
    name: 'fine-tuned best original',
    color: '#1f77b4',
    band: true,
    get: (r: StudyRecord) => r.finetune?.testAcc,
    macs: (r: StudyRecord) => r.compute.finetune,
  },
  {
    name: 'from scratch',
    color: '#2ca02c',
    band: true,
    get: (r: StudyRecord) => r.scratch?.testAcc,
    macs: (r: StudyRecord) => r.compute.scratch,
  },
  { name: 'raw-pixel k-NN', color: '#9467bd', band: false, get: (r: StudyRecord) => r.pixelKnn, macs: () => undefined },
] as const;

/** One method at one stitching-set size: mean test accuracy over the seeds run, and their min / max. */
export interface SweepPoint {
  method: string;
  stitchImages: number;
  mean: number;
  lo: number;
  hi: number;
  seeds: number;
}

/** Test accuracy of every method at every stitching-set size recorded for `target` (mean, min, max over seeds). */
export function sweepPoints(records: StudyRecord[], target: string, variant: Variant = 'every'): SweepPoint[] {
  const rs = records.filter((r) => r.target === target && r.variant === variant);
  const sizes = [...new Set(rs.map((r) => r.stitchImages))].sort((a, b) => a - b);
  const out: SweepPoint[] = [];
  for (const m of METHODS)
    for (const n of sizes) {
      const v = rs
        .filter((r) => r.stitchImages === n)
        .map(m.get)
        .filter((x): x is number => typeof x === 'number');
      if (v.length)
        out.push({
          method: m.name,
          stitchImages: n,
          mean: v.reduce((a, b) => a + b, 0) / v.length,
          lo: Math.min(...v),
          hi: Math.max(...v),
          seeds: v.length,
        });
    }
  return out;
}

/**
 * Test accuracy vs stitching-set size for every method: the mean over the seeds run at each size (solid), and for the
 * stitched network and the trained baselines the seed-to-seed min and max (dotted, same colour) where ≥ 2 seeds ran.
 */
export function sizeFigure(records: StudyRecord[], target: string, variant: Variant = 'every'): SeriesFigure {
  const pts = sweepPoints(records, target, variant);
  const seedCounts = [...new Map(pts.map((p) => [p.stitchImages, p.seeds])).entries()].map(([n, k]) => `${n}: ${k}`).join(', ');
  const traces: SeriesFigure['series'] = [];
  for (const m of METHODS) {
    const mp = pts.filter((p) => p.method === m.name);
    if (!mp.length) continue;
    traces.push({ name: m.name, x: mp.map((p) => p.stitchImages), y: mp.map((p) => p.mean), mode: 'lines+markers', color: m.color });
    const multi = mp.filter((p) => p.seeds > 1);
    if (m.band && multi.length)
      for (const [k, get] of [
        ['min', (p: SweepPoint) => p.lo],
        ['max', (p: SweepPoint) => p.hi],
      ] as const)
        traces.push({
          name: `${m.name} (seed ${k})`,
          x: multi.map((p) => p.stitchImages),
          y: multi.map(get),
          mode: 'lines',
          color: m.color,
          dash: 'dot',
        });
  }
  return series({
    title: `${target}: test accuracy vs labelled stitching images`,
    caption: `Means over the seeds run at each size (size: seeds — ${seedCounts}); dotted: seed-to-seed min and max. Every choice made on validation images.`,
    xLabel: 'stitching images',
    yLabel: 'test accuracy',
    logX: true,
    series: traces,
  });
}

/**
 * Per stitching-set size: each method's mean test accuracy with its seed range, stitching vs cheaper-trained compute,
 * and the declared gate (summarise()) at that size.
 */
export function sizeTable(records: StudyRecord[], target: string, variant: Variant = 'every'): TableFigure {
  const pts = sweepPoints(records, target, variant);
  const sizes = [...new Set(pts.map((p) => p.stitchImages))];
  const cell = (m: string, n: number) => {
    const p = pts.find((q) => q.method === m && q.stitchImages === n);
    if (!p) return null;
    return p.seeds > 1 ? `${p.mean.toFixed(3)} [${p.lo.toFixed(3)}–${p.hi.toFixed(3)}]` : p.mean.toFixed(3);
  };
  return table({
    title: `${target}: every method vs labelled stitching images (test accuracy: mean [min–max over seeds])`,
    caption:
      'Gate (declared): stitched within 2 points of the better of fine-tune / scratch, at ≤ 1/10 of its compute, and above raw-pixel k-NN. Compute ratio: cheaper of fine-tune / scratch ÷ stitching, all multiply-adds counted.',
    columns: [
      { key: 'n', label: 'stitching images' },
      { key: 'seeds', label: 'seeds' },
      ...METHODS.map((m) => ({ key: m.name, label: m.name, format: 'text' as const })),
      { key: 'ratio', label: 'compute ratio', format: 'fixed2' as const },
      { key: 'gate', label: 'gate', format: 'text' as const },
    ],
    rows: sizes.map((n) => {
      const s = summarise(records, target, n, variant);
      return {
        n,
        seeds: pts.find((p) => p.stitchImages === n && p.method === METHODS[0].name)?.seeds ?? 0,
        ...Object.fromEntries(METHODS.map((m) => [m.name, cell(m.name, n)])),
        ratio: s ? s.computeRatio : null,
        gate: s ? (s.gate.pass ? 'pass' : `fail (${gateFailures(s).join(', ')})`) : 'no baselines',
      };
    }),
  });
}

/** Which parts of the declared gate a summary fails: 'accuracy', 'compute', 'pixel k-NN'. */
export function gateFailures(s: TargetSummary): string[] {
  return [!s.gate.withinTwoPoints && 'accuracy', !s.gate.tenthCompute && 'compute', !s.gate.beatsPixelKnn && 'pixel k-NN'].filter(
    (x): x is string => typeof x === 'string',
  );
}

/** Test accuracy vs training compute (MACs, log scale), one point per run, per method. */
export function computeFigure(records: StudyRecord[], target: string, variant: Variant = 'every'): SeriesFigure {
  const rs = records.filter((r) => r.target === target && r.variant === variant);
  return series({
    title: `${target}: test accuracy vs compute`,
    caption:
      'One point per (stitching-set size, seed). Stitching counts zoo forwards, every CKA, fits, stitched forwards and validation selection; fine-tune and scratch count every training step (3× forward) and validation pass.',
    xLabel: 'multiply-adds spent (log)',
    yLabel: 'test accuracy',
    logX: true,
    series: METHODS.filter((m) => m.name !== 'raw-pixel k-NN')
      .map((m) => {
        const pts = rs
          .map((r) => ({ x: m.macs(r), y: m.get(r) }))
          .filter((p): p is { x: number; y: number } => typeof p.x === 'number' && p.x > 0 && typeof p.y === 'number');
        pts.sort((a, b) => a.x - b.x);
        return { name: m.name, x: pts.map((p) => p.x), y: pts.map((p) => p.y), mode: 'markers' as const };
      })
      .filter((t) => t.x.length > 0),
  });
}

/** The search's CKA score vs validation accuracy of every generated network of one run. */
export function ckaScatter(r: StudyRecord): SeriesFigure {
  const g = [...r.generated].sort((a, b) => a.score - b.score);
  return series({
    title: `${r.target}, ${r.stitchImages} images, seed ${r.seed}: CKA score vs validation accuracy`,
    caption: `${g.length} generated networks; Spearman ${r.spearman.toFixed(3)}.`,
    xLabel: 'product of stitch CKAs (search score)',
    yLabel: 'validation accuracy (k-NN head)',
    series: [{ name: 'generated networks', x: g.map((n) => n.score), y: g.map((n) => n.valAcc), mode: 'markers' }],
    hlines: [{ y: r.bestOriginal.valAcc, label: `best original (${r.bestOriginal.name})` }],
  });
}

/** A recorded stitched network drawn as its fragments, each with its source network and layers. */
export function fragmentsFigure(
  n: NetRecord,
  opts: {
    /** Table title (default 'Stitched network: <chain>'). */
    title?: string;
  } = {},
): TableFigure {
  return table({
    title: opts.title ?? `Stitched network: ${n.chain}`,
    caption: `CKA score ${n.score}, ${n.sources} source network(s), ${n.macs} MACs, ${n.params} params; validation ${n.valAcc}, test ${n.testAcc}.`,
    columns: [
      { key: 'step', label: '#' },
      { key: 'source', label: 'source network' },
      { key: 'fragment', label: 'fragment' },
      { key: 'layers', label: 'layers' },
    ],
    rows: n.links.map((l, i) => ({ step: i + 1, source: l.net, fragment: l.fragment, layers: l.layers.join(', ') })),
  });
}
