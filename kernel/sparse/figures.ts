/** Figure payloads (kernel/viz/types.ts): sparsity pattern with Rosko tile statistics, speedup-vs-sparsity series. */
import type { Packed, SeriesFigure, SeriesTrace, SparsityPatternFigure } from '../viz/types';
import { coreRows } from './pack';
import type { Matrix, RoskoPacked } from './types';

function packArr(a: Float32Array | Uint8Array, dtype: 'float32' | 'bit', shape: number[]): Packed {
  const bytes = a instanceof Float32Array ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : a;
  return { dtype, shape, b64: Buffer.from(bytes).toString('base64') };
}

/**
 * Sparsity pattern of A: a density grid (≤ grid×grid cells), the exact bitmap when A ≤ 1024×1024, all-zero rows /
 * columns, and — given its packing — the density of every m_r × k_c tile (the unit Rosko skips in).
 */
export function sparsityFigure(
  A: Matrix,
  opts: {
    /** A's packing (from `pack`), to add every m_r × k_c tile's density (default: none, no tile layer). */
    packed?: RoskoPacked;
    /** Density-grid cells per side, at most (default 128; fewer when A has fewer rows or columns). */
    grid?: number;
    /** Figure title (default '<rows>×<cols>, <sparsity>% sparse'). */
    title?: string;
  } = {},
): SparsityPatternFigure {
  const { rows, cols, data } = A;
  const g = opts.grid ?? 128;
  const gr = Math.min(g, rows),
    gc = Math.min(g, cols);
  const cnt = new Float32Array(gr * gc),
    area = new Float32Array(gr * gc);
  const rowNz = new Uint8Array(rows),
    colNz = new Uint8Array(cols);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const rr = Math.floor((r * gr) / rows);
    for (let c = 0; c < cols; c++) {
      const cell = rr * gc + Math.floor((c * gc) / cols);
      area[cell]!++;
      if (data[r * cols + c] !== 0) {
        cnt[cell]!++;
        nnz++;
        rowNz[r] = 1;
        colNz[c] = 1;
      }
    }
  }
  for (let i = 0; i < cnt.length; i++) cnt[i] = area[i] ? cnt[i]! / area[i]! : 0;
  const fig: SparsityPatternFigure = {
    kind: 'sparsity-pattern',
    version: 1,
    title: opts.title ?? `${rows}×${cols}, ${(100 * (1 - nnz / (rows * cols))).toFixed(1)}% sparse`,
    rows,
    cols,
    nnz,
    density: packArr(cnt, 'float32', [gr, gc]),
    skippedRows: [...rowNz.keys()].filter((r) => !rowNz[r]).slice(0, 4096),
    skippedCols: [...colNz.keys()].filter((c) => !colNz[c]).slice(0, 4096),
  };
  if (rows <= 1024 && cols <= 1024) {
    const bits = new Uint8Array(Math.ceil((rows * cols) / 8));
    for (let i = 0; i < rows * cols; i++) if (data[i] !== 0) bits[i >> 3]! |= 0x80 >> (i & 7);
    fig.exactBlocks = [{ row0: 0, col0: 0, rows, cols, bits: packArr(bits, 'bit', [rows, cols]) }];
  }
  const pk = opts.packed;
  if (pk) {
    const tr = Math.ceil(rows / pk.mr),
      tc = pk.Kb;
    const td = new Float32Array(tr * tc);
    for (let b = 0; b < pk.Mb; b++)
      for (let k1 = 0; k1 < pk.Kb; k1++)
        for (let c = 0; c < pk.p; c++) {
          const { start } = coreRows(pk.M, pk.mr, pk.mc, pk.p, b, c);
          const g0 = (b * pk.Kb + k1) * pk.p + c;
          for (let t = pk.groupStart[g0]!; t < pk.groupStart[g0 + 1]!; t++) {
            const r0 = start + (t - pk.groupStart[g0]!) * pk.mr;
            const h = Math.min(pk.mr, pk.M - r0),
              w = Math.min(pk.kc, pk.K - k1 * pk.kc);
            const row = Math.floor(r0 / pk.mr);
            if (row < tr) td[row * tc + k1] = (pk.tileNnz[t + 1]! - pk.tileNnz[t]!) / (h * w);
          }
        }
    fig.tiles = { tileRows: pk.mr, tileCols: pk.kc, density: packArr(td, 'float32', [tr, tc]), label: `m_r×k_c = ${pk.mr}×${pk.kc} tiles` };
  }
  return fig;
}

/**
 * Speedup-vs-sparsity plot: one trace per kernel; x = sparsity (%; traces give fractions 0–1), y = speedup over the
 * baseline (×, log axis), with the break-even line at 1.
 */
export function speedupFigure(
  traces: { name: string; sparsity: number[]; speedup: number[] }[],
  opts: {
    /** Figure title (default 'Speedup vs sparsity'). */
    title?: string;
    /** Name of what the speedups are relative to, shown on the y axis (default 'tfjs-wasm dense'). */
    baseline?: string;
  } = {},
): SeriesFigure {
  const series: SeriesTrace[] = traces.map((t) => ({
    name: t.name,
    x: t.sparsity.map((s) => 100 * s),
    y: t.speedup,
    mode: 'lines+markers',
  }));
  return {
    kind: 'series',
    version: 1,
    title: opts.title ?? 'Speedup vs sparsity',
    series,
    xLabel: 'sparsity (%)',
    yLabel: `speedup over ${opts.baseline ?? 'tfjs-wasm dense'} (×)`,
    logY: true,
    hlines: [{ y: 1, label: 'break-even' }],
  };
}
