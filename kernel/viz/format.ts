/**
 * Number formatting for figures: one source for the static fallbacks (svg.ts) and the notebook renderer
 * (extension/renderer imports this file, so it stays browser-safe: no node imports). Pure TS.
 */
import type { TableColumn } from './types';

/** Compact number: ≤ 4 significant digits, exponent for very large or small magnitudes. null/undefined → '–'. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** A table cell as text, per `TableColumn.format` ('auto' = compact number). null/undefined → '–'; NaN/±Infinity as such. */
export function formatCell(v: string | number | boolean | null | undefined, format?: TableColumn['format']): string {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  switch (format) {
    case 'int':
      return String(Math.round(v));
    case 'fixed1':
    case 'fixed2':
    case 'fixed3':
    case 'fixed4':
      return v.toFixed(Number(format.slice(5)));
    case 'percent':
      return `${(v * 100).toFixed(1)}%`;
    case 'sci':
      return v.toExponential(2);
    case 'text':
      return String(v);
    default:
      return fmt(v);
  }
}
