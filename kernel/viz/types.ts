/**
 * Figure payloads: the one source of truth for what a figure is.
 *
 * Each payload is plain JSON, versioned, and travels as MIME `application/vnd.edgelab.<kind>.v1+json`
 * next to a static fallback (SVG or PNG, drawn in kernel/viz) and a one-line text/plain summary.
 * The VS Code renderer (extension/renderer) draws the same payloads interactively.
 * Kind ids and MIME types are fixed: checks and the renderer rely on them.
 *
 * This file must stay free of node and DOM APIs: it is imported by the kernel and by browser code.
 */

export const FIGURE_KINDS = ['heatmap', 'series', 'image-overlay', 'table', 'crossbar-map', 'sparsity-pattern', 'cka-matrix'] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];
export const FIGURE_VERSION = 1 as const;

/** The MIME type of a figure kind's payload in a display bundle, e.g. 'application/vnd.edgelab.heatmap.v1+json'. */
export function mimeOf(kind: FigureKind): string {
  return `application/vnd.edgelab.${kind}.v1+json`;
}
export const FIGURE_MIMES: readonly string[] = FIGURE_KINDS.map(mimeOf);

/** A typed array packed for JSON: little-endian bytes in base64. 'bit' packs one bit per element, MSB first. */
export interface Packed {
  dtype: 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'float32' | 'bit';
  /** Row-major shape; the element count is its product. */
  shape: number[];
  b64: string;
}

export type ColorScale = 'viridis' | 'magma' | 'gray' | 'rdbu' | 'blues';

interface FigureBase<K extends FigureKind> {
  kind: K;
  version: typeof FIGURE_VERSION;
  title?: string;
  /** One or two sentences under the figure. */
  caption?: string;
  /** Preferred size in CSS pixels (renderers may scale to fit). */
  width?: number;
  height?: number;
}

/** A matrix drawn as colored cells. */
export interface HeatmapFigure extends FigureBase<'heatmap'> {
  rows: number;
  cols: number;
  /** Row-major, length rows*cols; null = missing cell. */
  values: (number | null)[];
  rowLabels?: string[];
  colLabels?: string[];
  xLabel?: string;
  yLabel?: string;
  /** What a value means, e.g. "accuracy" (legend title). */
  valueLabel?: string;
  colorScale?: ColorScale;
  zmin?: number;
  zmax?: number;
  /** Print values inside cells (only sensible for small matrices). */
  annotate?: boolean;
}

export interface SeriesTrace {
  name: string;
  x: number[];
  y: number[];
  mode?: 'lines' | 'markers' | 'lines+markers';
  color?: string;
  dash?: 'solid' | 'dash' | 'dot';
  /** Right-hand axis. */
  axis?: 'y' | 'y2';
}
/** Line / scatter plots: training curves, trade-off curves, sweeps. */
export interface SeriesFigure extends FigureBase<'series'> {
  series: SeriesTrace[];
  xLabel?: string;
  yLabel?: string;
  y2Label?: string;
  logX?: boolean;
  logY?: boolean;
  /** Highlighted points with a label (e.g. "≤ 1 point drop"). */
  marks?: { x: number; y: number; label: string; color?: string }[];
  /** Horizontal reference lines (e.g. a paper's number, a lower bound). */
  hlines?: { y: number; label: string; color?: string }[];
}

/** An image with points, boxes and arrows drawn over it (gaze points, detections). */
export interface ImageOverlayFigure extends FigureBase<'image-overlay'> {
  /** Pixels, row-major, uint8, channels 1 (gray), 3 (RGB) or 4 (RGBA). */
  image: { width: number; height: number; channels: 1 | 3 | 4; data: Packed };
  points?: { x: number; y: number; label?: string; color?: string }[];
  boxes?: { x: number; y: number; w: number; h: number; label?: string; color?: string }[];
  arrows?: { x: number; y: number; dx: number; dy: number; label?: string; color?: string }[];
}

export interface TableColumn {
  key: string;
  label: string;
  unit?: string;
  /** Number formatting: 'int', 'fixed1'..'fixed4', 'percent' (0–1 shown as %), 'sci', 'text' (default: auto). */
  format?: 'int' | 'fixed1' | 'fixed2' | 'fixed3' | 'fixed4' | 'percent' | 'sci' | 'text';
}
/** A generic table (paper-vs-ours tables, reduction tables, summaries). */
export interface TableFigure extends FigureBase<'table'> {
  columns: TableColumn[];
  rows: Record<string, string | number | boolean | null>[];
  /** Row indices to emphasise. */
  highlightRows?: number[];
}

/**
 * One crossbar's cells as bit-planes. Physical column c holds bit `columnBit[c]` of logical
 * column (output) `columnOutput[c]`; cell (r, c) stores `cells[r*cols + c]` (0..2^bitsPerCell−1).
 */
export interface CrossbarMapFigure extends FigureBase<'crossbar-map'> {
  rows: number;
  cols: number;
  bitsPerCell: 1 | 2;
  /** Bits of the quantized weight magnitude (e.g. 7 for int8 sign-magnitude). */
  weightBits: number;
  /** uint8 [rows, cols] cell states. */
  cells: Packed;
  /**
   * Per physical column: significance of the stored bit slice (0 = least significant). Special values:
   * `weightBits` marks a sign-bit plane (sign-magnitude layouts), −1 an unused column.
   */
  columnBit: number[];
  /** Per physical column: logical output column it belongs to (−1 = unused column). */
  columnOutput: number[];
  /** Optional per physical column: sign plane ('+'/'-') for positive/negative array pairs. */
  columnSign?: ('+' | '-')[];
  /** Row indices where a new section starts (sorted weight sections). */
  sectionStarts?: number[];
  /** bit [rows, cols]: cells that change between the previous programming and this one. */
  changed?: Packed;
  /** Cells whose change was skipped by bit stucking (bit [rows, cols]). */
  stuck?: Packed;
  /** Per section (same order as sectionStarts, or one entry for the whole array): ADC-active physical columns. */
  adcActive?: { rowStart: number; rowEnd: number; columns: number[]; adcBits?: number }[];
  /** Optional int16 [rows, logicalCols] quantized weights for hover. */
  weights?: Packed;
  /** Optional per row: original input index after sorting, −1 for a padding row (hover shows it). */
  rowSource?: number[];
}

/**
 * The nonzero structure of a matrix. Always carries a downsampled density grid; exact cells only for
 * blocks up to 1024×1024 (listed in `exactBlocks`).
 */
export interface SparsityPatternFigure extends FigureBase<'sparsity-pattern'> {
  rows: number;
  cols: number;
  nnz: number;
  /** float32 [gridRows, gridCols] fraction of nonzeros in each grid cell (0..1). */
  density: Packed;
  /** Exact nonzero bitmaps for blocks (each ≤ 1024×1024): bit [rows, cols] at (row0, col0). */
  exactBlocks?: { row0: number; col0: number; rows: number; cols: number; bits: Packed }[];
  /** Per-tile statistics of a packing (e.g. Rosko m_r × k_c tiles). */
  tiles?: { tileRows: number; tileCols: number; density: Packed; label?: string };
  /** Rows / columns skipped entirely (all-zero in the packing). */
  skippedRows?: number[];
  skippedCols?: number[];
}

/** A labelled layer-by-layer similarity matrix (CKA). */
export interface CkaMatrixFigure extends FigureBase<'cka-matrix'> {
  rowLabels: string[];
  colLabels: string[];
  /** Row-major, length rowLabels.length * colLabels.length, each in [0, 1]. */
  values: number[];
  /** Names of the two networks compared. */
  rowModel?: string;
  colModel?: string;
  /** Which CKA: 'linear' (biased HSIC), 'linear-unbiased', 'rbf'. */
  ckaKind?: string;
  /** Cells to outline (e.g. chosen stitch points), as [row, col]. */
  highlight?: [number, number][];
}

export type Figure =
  HeatmapFigure | SeriesFigure | ImageOverlayFigure | TableFigure | CrossbarMapFigure | SparsityPatternFigure | CkaMatrixFigure;

/** What `show()` emits: one display_data bundle. */
export interface MimeBundle {
  [mime: string]: unknown;
  'text/plain': string;
}
