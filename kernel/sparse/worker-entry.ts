/**
 * A RoskoPool thread (core/workers): instantiates the engine's WebAssembly.Module over the engine's shared memory (both
 * arrive in workerData, shared, not copied). A task is one message: optionally copy this worker's columns of B into
 * wasm memory (when B lives in a SharedArrayBuffer), run one or more exported kernels on the header slots it is given,
 * then optionally copy this worker's part of C out of wasm memory into the caller's shared result — so the copies run in
 * parallel on the workers instead of serially on the main thread.
 */
import { serve } from '../core/workers/serve';

/** Copy columns [c0, c1) of every row of a K×N row-major matrix (or whole rows when rows is given). */
export interface CopySpec {
  /** The shared matrix (B for copy-in, C for copy-out), row-major with `cols` columns. */
  shared: Float32Array;
  /** Byte offset of the same-shaped row-major matrix in wasm memory. */
  wasm: number;
  cols: number;
  /** Row ranges [start, count] to copy (copy-out in an M split), or all `rowsTotal` rows. */
  rows: [number, number][];
  c0: number;
  c1: number;
}

export interface RoskoTask {
  steps: { fn: string; h: number }[];
  copyIn?: CopySpec;
  copyOut?: CopySpec;
}
interface Wasm {
  Instance: new (m: unknown, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}

let exports: Record<string, unknown> | null = null;
let memory: { buffer: ArrayBufferLike } | null = null;

/** dst/src views differ only in which side is wasm memory. */
export function copyBlock(spec: CopySpec, mem: ArrayBufferLike, dir: 'in' | 'out'): void {
  const w = new Float32Array(mem, spec.wasm);
  const { shared, cols, c0, c1 } = spec;
  for (const [r0, n] of spec.rows)
    if (c0 === 0 && c1 === cols) {
      const a = r0 * cols,
        b = (r0 + n) * cols;
      if (dir === 'in') w.set(shared.subarray(a, b), a);
      else shared.set(w.subarray(a, b), a);
    } else
      for (let r = r0; r < r0 + n; r++) {
        const a = r * cols + c0,
          b = r * cols + c1;
        if (dir === 'in') w.set(shared.subarray(a, b), a);
        else shared.set(w.subarray(a, b), a);
      }
}

serve<true, RoskoTask, null>({
  init: (_, wd) => {
    const { module, memory: m } = wd as { module: unknown; memory: { buffer: ArrayBufferLike } };
    memory = m;
    exports = new (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly.Instance(module, { env: { memory: m } }).exports;
  },
  handle: (t) => {
    if (t.copyIn) copyBlock(t.copyIn, memory!.buffer, 'in');
    for (const s of t.steps) (exports![s.fn] as (h: number) => void)(s.h);
    if (t.copyOut) copyBlock(t.copyOut, memory!.buffer, 'out');
    return null;
  },
});
