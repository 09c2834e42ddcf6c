/**
 * Crossbar map geometry (pure): where each physical cell lands on the canvas and which cell a pointer is over.
 * Columns are shown in a display order (see arrangeColumns: by logical output, or by bit significance) and
 * grouped; groups and row sections are separated by small gaps when cells are large enough to afford them; at
 * small cell sizes the grid is dense and boundaries are drawn as lines.
 */
import type { Rgb } from './colors';
import { mix, scaleRgb } from './colors';

export interface CrossbarLayoutInput {
  rows: number;
  cols: number;
  /** Per display position: the key of its column group (adjacent equal keys form one group). */
  groupKeys: readonly string[];
  /** Display position → physical column (default: identity). */
  order?: readonly number[];
  sectionStarts?: readonly number[];
  /** Space for the whole map in CSS px (grid + margins). */
  maxWidth: number;
  maxHeight: number;
  /** Margins left of and above the grid (labels). */
  left: number;
  top: number;
}

/** A run of display positions [start, end) sharing a group key. */
export interface Group {
  start: number;
  end: number;
  key: string;
}
export interface Section {
  start: number;
  end: number;
}

export interface CrossbarLayout {
  /** Cell edge in CSS px (may be < 1 for huge arrays). */
  cell: number;
  /** Gap between column groups / row sections in px (0 when cells are small). */
  colGap: number;
  rowGap: number;
  left: number;
  top: number;
  /** Display position → physical column. */
  order: Int32Array;
  /** Left edge per display position (ascending) and per physical column; top edge per row (CSS px, canvas coordinates). */
  dispX: Float64Array;
  colX: Float64Array;
  rowY: Float64Array;
  groups: Group[];
  sections: Section[];
  /** Right edge of the grid. */
  right: number;
  /** Canvas size in CSS px. */
  width: number;
  height: number;
}

/** Adjacent display positions with the same key. */
export function columnGroups(keys: readonly string[]): Group[] {
  const groups: Group[] = [];
  keys.forEach((k, i) => {
    const last = groups[groups.length - 1];
    if (last && last.key === k) last.end = i + 1;
    else groups.push({ start: i, end: i + 1, key: k });
  });
  return groups;
}

export type ColumnGrouping = 'output' | 'bit';

/**
 * Column arrangement for display. 'output': physical order, grouped by logical output (and sign plane), so a group
 * reads as one output's bit slices. 'bit': grouped by bit significance (sign plane first, then most → least
 * significant, unused columns last), each group split by sign plane, outputs ascending inside.
 */
export function arrangeColumns(
  columnBit: readonly number[],
  columnOutput: readonly number[],
  columnSign: readonly ('+' | '-')[] | undefined,
  weightBits: number,
  mode: ColumnGrouping,
): { order: number[]; keys: string[] } {
  const n = columnBit.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  const sign = (c: number) => columnSign?.[c] ?? '';
  if (mode === 'output') {
    return { order: idx, keys: idx.map((c) => (columnOutput[c]! < 0 ? 'unused' : `out ${columnOutput[c]}${sign(c)}`)) };
  }
  const rank = (c: number) => (columnBit[c]! < 0 || columnOutput[c]! < 0 ? -2 : columnBit[c]! >= weightBits ? weightBits : columnBit[c]!);
  const bySign = (a: number, b: number) => (sign(a) === sign(b) ? 0 : sign(a) < sign(b) ? -1 : 1); // '+' before '-'
  const order = idx.sort((a, b) => rank(b) - rank(a) || bySign(a, b) || columnOutput[a]! - columnOutput[b]! || a - b);
  const key = (c: number) => {
    const r = rank(c);
    return r === -2 ? 'unused' : `${r === weightBits ? 'sign' : `b${r}`}${sign(c)}`;
  };
  return { order, keys: order.map(key) };
}

/** Row sections from sorted section starts ([] or missing → one section). */
export function rowSections(rows: number, sectionStarts?: readonly number[]): Section[] {
  const starts = [...new Set([0, ...(sectionStarts ?? [])])].filter((s) => s >= 0 && s < rows).sort((a, b) => a - b);
  return starts.map((s, i) => ({ start: s, end: i + 1 < starts.length ? starts[i + 1]! : rows }));
}

/** Row gaps hold the section line (top) and the next section's ADC bars (bottom 3 px). */
const MAX_CELL = 18,
  GAP = 3,
  ROW_GAP = 7,
  MIN_CELL_FOR_GAPS = 4;

export function crossbarLayout(o: CrossbarLayoutInput): CrossbarLayout {
  const groups = columnGroups(o.groupKeys);
  const sections = rowSections(o.rows, o.sectionStarts);
  const order = Int32Array.from(o.order ?? Array.from({ length: o.cols }, (_, i) => i));
  const availW = Math.max(16, o.maxWidth - o.left - 4),
    availH = Math.max(16, o.maxHeight - o.top - 4);
  const fit = (gapC: number, gapR: number) =>
    Math.min(MAX_CELL, (availW - gapC * (groups.length - 1)) / o.cols, (availH - gapR * (sections.length - 1)) / o.rows);
  let colGap = GAP,
    rowGap = ROW_GAP;
  let cell = fit(colGap, rowGap);
  if (cell >= MIN_CELL_FOR_GAPS) cell = Math.floor(cell);
  else {
    colGap = 0;
    rowGap = 0;
    cell = fit(0, 0);
    if (cell >= 1) cell = Math.floor(cell);
  }
  cell = Math.max(cell, 0.05);
  const dispX = new Float64Array(o.cols),
    colX = new Float64Array(o.cols),
    rowY = new Float64Array(o.rows);
  let x = o.left;
  groups.forEach((g, gi) => {
    for (let j = g.start; j < g.end; j++) {
      dispX[j] = x + (j - g.start) * cell;
      colX[order[j]!] = dispX[j]!;
    }
    x += (g.end - g.start) * cell + (gi + 1 < groups.length ? colGap : 0);
  });
  let y = o.top;
  sections.forEach((s, si) => {
    for (let r = s.start; r < s.end; r++) rowY[r] = y + (r - s.start) * cell;
    y += (s.end - s.start) * cell + (si + 1 < sections.length ? rowGap : 0);
  });
  return {
    cell,
    colGap,
    rowGap,
    left: o.left,
    top: o.top,
    order,
    dispX,
    colX,
    rowY,
    groups,
    sections,
    right: x,
    width: Math.ceil(x + 2),
    height: Math.ceil(y + 2),
  };
}

/** Index i with starts[i] ≤ v < starts[i] + size, else -1 (starts ascending). */
function locate(starts: Float64Array, size: number, v: number): number {
  let lo = 0,
    hi = starts.length - 1,
    best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= v) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best >= 0 && v < starts[best]! + size ? best : -1;
}

/** The cell under canvas point (x, y) in CSS px (col = physical column), or null over margins and gaps. */
export function hitCell(l: CrossbarLayout, x: number, y: number): { row: number; col: number } | null {
  const j = locate(l.dispX, l.cell, x),
    row = locate(l.rowY, l.cell, y);
  return j < 0 || row < 0 ? null : { row, col: l.order[j]! };
}

/** Index of the section that holds `row`. */
export function sectionOf(l: CrossbarLayout, row: number): number {
  for (let i = 0; i < l.sections.length; i++) if (row < l.sections[i]!.end) return i;
  return l.sections.length - 1;
}

/** Hue of the sign plane (columnBit = weightBits in sign-magnitude mappings). */
export const SIGN_RGB: Rgb = [214, 39, 40];

/**
 * Cell color: empty cells take the background tint; programmed cells a hue by bit significance
 * (least significant → blue, most → yellow, viridis; the sign plane red), brighter with the cell state
 * (multi-level cells). Unused columns (bit −1) are a flat gray.
 */
export function cellColor(state: number, maxState: number, bit: number, weightBits: number, empty: Rgb): Rgb {
  if (bit < 0) return mix(empty, [128, 128, 128], 0.25); // unused column
  if (state <= 0) return empty;
  const hue: Rgb = bit >= weightBits ? SIGN_RGB : scaleRgb('viridis', weightBits > 1 ? 0.1 + (0.85 * bit) / (weightBits - 1) : 0.6);
  return mix(empty, hue, 0.35 + 0.65 * Math.min(1, state / Math.max(1, maxState)));
}
