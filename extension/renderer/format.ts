/** Number formatting for tables, tooltips and labels: kernel/viz's (the static fallbacks use the same functions). */
export { fmt, formatCell } from '../../kernel/viz/format';

/** Contiguous runs of sorted-or-not integer indices: [3,4,5,9] → [[3,6],[9,10]] (half-open). */
export function runs(ix: readonly number[]): [number, number][] {
  const s = [...new Set(ix)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const i of s) {
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}
