/**
 * Figures for StitchNet: CKA matrices, generated-network tables, a stitched network's fragment chain, paper vs ours.
 */
import { ckaMatrix as ckaFig, table, series } from '../viz';
import type { CkaMatrixFigure, TableFigure, SeriesFigure } from '../viz/types';
import type { StudyRecord, NetRecord, Variant } from './records';
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

/** A stitched network's fragment chain as one line, `net#fragment → net#fragment → …` (e.g. 'vgg-s1#0 → mnist-vgg#3'). */
export function chainText(n: Pick<StitchedNet, 'chain'>): string {
  return n.chain.map((c) => `${c.net}#${c.fragment}`).join(' → ');
}

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
    get: (r: StudyRecord) => r.stitched?.testAcc ?? undefined,
    macs: (r: StudyRecord) => r.compute.stitch,
  },
  {
    name: 'best original, refit k-NN head',
    get: (r: StudyRecord) => r.bestOriginal.testAcc,
    macs: (r: StudyRecord) => r.compute.originals,
  },
  { name: 'fine-tuned best original', get: (r: StudyRecord) => r.finetune?.testAcc, macs: (r: StudyRecord) => r.compute.finetune },
  { name: 'from scratch', get: (r: StudyRecord) => r.scratch?.testAcc, macs: (r: StudyRecord) => r.compute.scratch },
  { name: 'raw-pixel k-NN', get: (r: StudyRecord) => r.pixelKnn, macs: () => undefined },
] as const;

/** Test accuracy vs stitching-set size for every method (means over the seeds present at each size). */
export function sizeFigure(records: StudyRecord[], target: string, variant: Variant = 'every'): SeriesFigure {
  const rs = records.filter((r) => r.target === target && r.variant === variant);
  const sizes = [...new Set(rs.map((r) => r.stitchImages))].sort((a, b) => a - b);
  return series({
    title: `${target}: test accuracy vs labelled stitching images`,
    caption: 'Means over the seeds run at each size (256 and 64: seeds 0–2; other sizes: seed 0). Every choice made on validation images.',
    xLabel: 'stitching images',
    yLabel: 'test accuracy',
    logX: true,
    series: METHODS.map((m) => {
      const pts = sizes
        .map((n) => {
          const v = rs
            .filter((r) => r.stitchImages === n)
            .map(m.get)
            .filter((x): x is number => typeof x === 'number');
          return v.length ? { x: n, y: v.reduce((a, b) => a + b, 0) / v.length } : null;
        })
        .filter((p): p is { x: number; y: number } => p !== null);
      return { name: m.name, x: pts.map((p) => p.x), y: pts.map((p) => p.y), mode: 'lines+markers' as const };
    }).filter((t) => t.x.length > 0),
  });
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
