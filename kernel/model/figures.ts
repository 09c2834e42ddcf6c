/** The layer table as a figure: one row per layer (op, shapes, MACs, parameters) plus the unsupported ops. */
import { table } from '../viz/builders';
import type { TableFigure } from '../viz/types';
import type { ModelTable } from './types';

const shape = (s: number[] | null) => (s ? s.join('×') : '?');

/** Table figure of an imported model's layers (MACs in millions; '?' where shapes are unknown). */
export function layerTableFigure(t: ModelTable): TableFigure {
  const rows: Record<string, string | number | null>[] = t.layers.map((l) => ({
    layer: l.name,
    op: l.op,
    matrix: `${l.nOut}×${l.nIn}`,
    input: shape(l.inputShape),
    output: shape(l.outputShape),
    mmacs: Number.isFinite(l.macs) ? l.macs / 1e6 : null,
    params: l.params,
  }));
  for (const u of t.unsupported)
    rows.push({
      layer: `${u.nodes.length}× ${u.nodes[0]}${u.nodes.length > 1 ? ', …' : ''}`,
      op: `UNSUPPORTED ${u.op}`,
      matrix: u.reason,
      input: '',
      output: '',
      mmacs: null,
      params: null,
    });
  return table({
    title: `${t.source}: ${t.layers.length} layers, ${(t.params / 1e6).toFixed(3)} M params, ${Number.isFinite(t.macs) ? (t.macs / 1e9).toFixed(3) + ' GMAC' : 'MACs unknown'}${t.complete ? '' : ' (INCOMPLETE)'}`,
    columns: [
      { key: 'layer', label: 'layer', format: 'text' },
      { key: 'op', label: 'op', format: 'text' },
      { key: 'matrix', label: 'out×in', format: 'text' },
      { key: 'input', label: 'input', format: 'text' },
      { key: 'output', label: 'output', format: 'text' },
      { key: 'mmacs', label: 'MACs', unit: 'M', format: 'fixed2' },
      { key: 'params', label: 'params', format: 'int' },
    ],
    rows,
  });
}
