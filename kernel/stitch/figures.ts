/**
 * Figures for StitchNet: CKA matrices, generated-network tables, a stitched network's fragment chain, paper vs ours.
 */
import { ckaMatrix as ckaFig, table } from '../viz';
import type { CkaMatrixFigure, TableFigure } from '../viz/types';
import type { CkaMatrix } from './evaluate';
import type { StitchedNet } from './search';

/** A CKA matrix (from `ckaMatrix`) as a cka-matrix figure; highlights each row's best match. */
export function ckaFigure(m: CkaMatrix, opts: { title?: string; caption?: string } = {}): CkaMatrixFigure {
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

export function chainText(n: Pick<StitchedNet, 'chain'>): string {
  return n.chain.map((c) => `${c.net}#${c.fragment}`).join(' → ');
}

/** Generated networks as a table (rank, chain, score, accuracy, MACs, params). Rows sorted as given. */
export function networksTable(
  nets: (Pick<StitchedNet, 'chain' | 'score' | 'macs' | 'params' | 'sources'> & { acc?: number; label?: string })[],
  opts: { title?: string; caption?: string; highlight?: number[] } = {},
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
export function chainFigure(n: StitchedNet, opts: { title?: string } = {}): TableFigure {
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
