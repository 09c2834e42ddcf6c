/**
 * Spy-plot viewport math (pure): a view is the source cell at the plot's top-left (r0, c0) and k source cells
 * per CSS pixel (same on both axes, so cells stay square).
 */
export interface SpyView {
  r0: number;
  c0: number;
  k: number;
}
export interface SpyDims {
  rows: number;
  cols: number;
  W: number;
  H: number;
}

/** Largest zoom: this many CSS px per source cell. */
export const MAX_PX_PER_CELL = 32;

/** Plot size in CSS px for a rows×cols matrix inside a square of `side` px (aspect kept, ≥ 40 px per side). */
export function plotSize(rows: number, cols: number, side: number): { W: number; H: number } {
  const s = Math.max(rows, cols);
  return { W: Math.max(40, Math.round((side * cols) / s)), H: Math.max(40, Math.round((side * rows) / s)) };
}

/** The whole matrix in view. */
export function fullView(d: SpyDims): SpyView {
  return { r0: 0, c0: 0, k: Math.max(d.rows / d.H, d.cols / d.W) };
}

/** Keep zoom within [1/MAX_PX_PER_CELL, full] and the view inside the matrix. */
export function clampView(v: SpyView, d: SpyDims): SpyView {
  const kMax = Math.max(d.rows / d.H, d.cols / d.W);
  const k = Math.min(kMax, Math.max(1 / MAX_PX_PER_CELL, v.k));
  const r0 = Math.max(0, Math.min(v.r0, d.rows - d.H * k));
  const c0 = Math.max(0, Math.min(v.c0, d.cols - d.W * k));
  return { r0: Math.max(0, r0), c0: Math.max(0, c0), k };
}

/** Zoom by `factor` (>1 = in) keeping the source point under plot pixel (x, y) fixed. */
export function zoomAt(v: SpyView, d: SpyDims, x: number, y: number, factor: number): SpyView {
  const r = v.r0 + y * v.k,
    c = v.c0 + x * v.k;
  const k = v.k / factor;
  return clampView({ r0: r - y * k, c0: c - x * k, k }, d);
}

/** Pan by (dx, dy) CSS px. */
export function pan(v: SpyView, d: SpyDims, dx: number, dy: number): SpyView {
  return clampView({ r0: v.r0 - dy * v.k, c0: v.c0 - dx * v.k, k: v.k }, d);
}

/** Source cell under plot pixel (x, y), or null outside the matrix. */
export function cellAt(v: SpyView, d: SpyDims, x: number, y: number): { row: number; col: number } | null {
  const row = Math.floor(v.r0 + y * v.k),
    col = Math.floor(v.c0 + x * v.k);
  return row < 0 || col < 0 || row >= d.rows || col >= d.cols || x < 0 || y < 0 || x >= d.W || y >= d.H ? null : { row, col };
}

/** Plot pixel (CSS px) of the centre of source cell (row, col) in view v. */
export function pixelOf(v: SpyView, row: number, col: number): { x: number; y: number } {
  return { x: (col + 0.5 - v.c0) / v.k, y: (row + 0.5 - v.r0) / v.k };
}

/** Grid cell (of a gR×gC density grid over rows×cols) holding source cell (row, col). */
export function gridIndex(row: number, col: number, rows: number, cols: number, gR: number, gC: number): number {
  return Math.min(gR - 1, Math.floor((row * gR) / rows)) * gC + Math.min(gC - 1, Math.floor((col * gC) / cols));
}

/** Color-scale position of a density: log scale over four decades (1e-4 → 0, 1 → 1); 0 stays 0, any nonzero ≥ 1/255. */
export function densityT(d: number): number {
  if (!(d > 0)) return 0;
  return Math.max(1 / 255, Math.min(1, (Math.log10(d) + 4) / 4));
}
