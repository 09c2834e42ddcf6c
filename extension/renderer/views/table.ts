/** Table: an HTML table, cells formatted per column (TableColumn.format), numeric columns right-aligned. */
import type { TableFigure } from '../../../kernel/viz/types';
import { formatCell } from '../format';
import { h, makeFrame, setMounted } from './common';

export function renderTable(el: HTMLElement, f: TableFigure): void {
  const fr = makeFrame(el, f);
  const doc = el.ownerDocument;
  const table = h(doc, 'table', 'edgelab-table');
  const numeric = f.columns.map((c) => c.format !== 'text' && f.rows.some((r) => typeof r[c.key] === 'number'));
  const head = h(doc, 'thead'),
    hr = h(doc, 'tr');
  f.columns.forEach((c, j) => {
    const th = h(doc, 'th', numeric[j] ? 'num' : undefined, c.unit ? `${c.label} (${c.unit})` : c.label);
    th.scope = 'col';
    hr.appendChild(th);
  });
  head.appendChild(hr);
  const body = h(doc, 'tbody');
  const hl = new Set(f.highlightRows ?? []);
  f.rows.forEach((r, i) => {
    const tr = h(doc, 'tr', hl.has(i) ? 'edgelab-hl' : undefined);
    f.columns.forEach((c, j) => {
      const v = r[c.key];
      const td = h(doc, 'td', numeric[j] ? 'num' : undefined, formatCell(v, c.format));
      if (typeof v === 'number') td.title = String(v);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  table.append(head, body);
  fr.body.appendChild(table);
  setMounted(el, {
    kind: 'table',
    engine: 'html',
    root: fr.root,
    dispose() {
      /* no listeners */
    },
  });
}
