/**
 * Block copies between a caller's row-major matrix (usually in a SharedArrayBuffer) and a matrix in wasm memory, used
 * by RoskoPool's workers to copy their part of B in and of C out (worker-entry.ts), and by the calling thread when B
 * is not shared.
 */

/** Copy columns [c0, c1) of the given rows of a row-major matrix with `cols` columns (whole rows when c0 = 0, c1 = cols). */
export interface CopySpec {
  /** The shared matrix (B for copy-in, C for copy-out), row-major with `cols` columns. */
  shared: Float32Array;
  /** Byte offset of the matrix in wasm memory. */
  wasm: number;
  /** Columns of the shared matrix (its row stride in floats). */
  cols: number;
  /** Row ranges [start, count] to copy. */
  rows: [number, number][];
  /** First column copied (inclusive). */
  c0: number;
  /** Last column copied (exclusive). */
  c1: number;
  /**
   * Row stride of the wasm matrix in floats (default `cols`: the same shape as the shared one). A worker's compact
   * column block uses c1 − c0, with `wasmC0` 0.
   */
  wasmCols?: number;
  /** Column of the wasm matrix where shared column c0 lands (default c0). */
  wasmC0?: number;
}

/** Copy one block: 'in' from the shared matrix into wasm memory (`mem`), 'out' the other way. */
export function copyBlock(spec: CopySpec, mem: ArrayBufferLike, dir: 'in' | 'out'): void {
  const w = new Float32Array(mem, spec.wasm);
  const { shared, cols, c0, c1 } = spec;
  const wc = spec.wasmCols ?? cols,
    w0 = spec.wasmC0 ?? c0;
  for (const [r0, n] of spec.rows)
    if (c0 === 0 && c1 === cols && wc === cols && w0 === 0) {
      const a = r0 * cols,
        b = (r0 + n) * cols;
      if (dir === 'in') w.set(shared.subarray(a, b), a);
      else shared.set(w.subarray(a, b), a);
    } else
      for (let r = r0; r < r0 + n; r++) {
        const a = r * cols + c0,
          b = r * cols + c1,
          o = r * wc + w0;
        if (dir === 'in') w.set(shared.subarray(a, b), o);
        else shared.set(w.subarray(o, o + (c1 - c0)), a);
      }
}
