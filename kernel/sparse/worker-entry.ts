/**
 * A RoskoPool thread (core/workers): instantiates the engine's WebAssembly.Module over the engine's shared memory (both
 * arrive in workerData, shared, not copied) and runs one exported kernel per task on the header slot it is given.
 */
import { serve } from '../core/workers/serve';

export interface RoskoTask {
  fn: string;
  h: number;
}
interface Wasm {
  Instance: new (m: unknown, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}

let exports: Record<string, unknown> | null = null;

serve<true, RoskoTask, null>({
  init: (_, wd) => {
    const { module, memory } = wd as { module: unknown; memory: unknown };
    exports = new (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly.Instance(module, { env: { memory } }).exports;
  },
  handle: (m) => {
    (exports![m.fn] as (h: number) => void)(m.h);
    return null;
  },
});
