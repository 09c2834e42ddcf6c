/** Number formatting shared by tables, tooltips and labels (matches kernel/viz's static fallback). */
import type { TableColumn } from '../../kernel/viz/types';

/** Compact number: ≤ 4 significant digits, exponent for very large or small magnitudes. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** A table cell as text, per `TableColumn.format` ('auto' = compact number). null/undefined → '–'. */
export function formatCell(v: string | number | boolean | null | undefined, format?: TableColumn['format']): string {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  switch (format) {
    case 'int': return String(Math.round(v));
    case 'fixed1': case 'fixed2': case 'fixed3': case 'fixed4': return v.toFixed(Number(format.slice(5)));
    case 'percent': return `${(v * 100).toFixed(1)}%`;
    case 'sci': return v.toExponential(2);
    case 'text': return String(v);
    default: return fmt(v);
  }
}

/** Contiguous runs of sorted-or-not integer indices: [3,4,5,9] → [[3,6],[9,10]] (half-open). */
export function runs(ix: readonly number[]): [number, number][] {
  const s = [...new Set(ix)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const i of s) {
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1; else out.push([i, i + 1]);
  }
  return out;
}
