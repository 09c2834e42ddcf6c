/**
 * A RoskoPool thread (core/workers): instantiates the engine's WebAssembly.Module over the engine's shared memory (both
 * arrive in workerData, shared, not copied). A task is one message: optionally copy this worker's columns of B into
 * wasm memory (when B lives in a SharedArrayBuffer), run one or more exported kernels on the header slots it is given,
 * then optionally copy this worker's part of C out of wasm memory into the caller's shared result — so the copies run in
 * parallel on the workers instead of serially on the main thread.
 */
import { serve } from '../core/workers/serve';
import { copyBlock, type CopySpec } from './copy';

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
