import type { TableFigure } from './types';
import { table } from './builders';

/** One row of a paper-vs-ours table: what is compared, the paper's value, ours, and an optional note. */
export interface PaperRow {
  quantity: string;
  paper: string;
  ours: string;
  /** Why the two differ or what ours measured on (default: empty). */
  note?: string;
}

/** The closing paper-vs-ours table of a tutorial (the tour reads its 'paper' and 'ours' columns as the headline). */
export function paperVsOursTable(title: string, rows: readonly PaperRow[]): TableFigure {
  return table({
    title,
    columns: [
      { key: 'quantity', label: 'quantity' },
      { key: 'paper', label: 'paper' },
      { key: 'ours', label: 'ours' },
      { key: 'note', label: 'note' },
    ],
    rows: rows.map((r) => ({ ...r, note: r.note ?? '' })),
  });
}
