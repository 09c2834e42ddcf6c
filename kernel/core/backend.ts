/**
 * Compute backend selection. `init()` picks the fastest backend that loads here:
 *   tensorflow (tfjs-node, an optional dependency whose install downloads libtensorflow and so
 *   fails offline) → wasm (XNNPACK SIMD, ships in npm; ~35 GFLOP/s single-threaded) → cpu (pure JS, ~1 GFLOP/s).
 * On wasm it registers the missing training kernels (see wasm-grads.ts), so model.fit works.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError, InvalidInput, describe } from './errors';
import { registerWasmTrainingKernels } from './wasm-grads';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export interface InitOptions {
  /** 'auto' (default) tries tensorflow → wasm → cpu. A named backend must load or init throws. Default: the
   *  EDGELAB_BACKEND environment variable (VS Code setting `edgelab.backend`) when set, else 'auto'. */
  backend?: 'auto' | BackendName;
  /** Print a one-line report (default: true inside a notebook, false elsewhere). */
  verbose?: boolean;
}
export interface BackendReport {
  backend: BackendName;
  /** Why the faster backends were not taken (empty when the first choice loaded). */
  skipped: { backend: BackendName; reason: string }[];
  /** Kernels registered by EdgeLab on this backend (wasm training kernels). */
  registeredKernels: string[];
  tfjsVersion: string;
  simd?: boolean;
  threads?: number;
  /** One-line human summary. */
  summary: string;
}

let current: BackendReport | null = null;
let wasmRegistered = false;

/**
 * tfjs's cpu backend prints an "install tfjs-node" banner on its first tensor write in Node (also before init(), e.g. a
 * cell that builds a tensor first). Importing the kernel turns that off for every cpu backend instance (tfjs creates a
 * new one whenever it initialises the backend; the constructor assigns `this.firstUse = true`, which an accessor on the
 * class prototype absorbs): init()'s report says which backend runs and why faster ones were not taken.
 */
function silenceTfjsNodeHint(): void {
  try {
    const cpu = tf.findBackend('cpu') as object | null;
    const proto = cpu ? (Object.getPrototypeOf(cpu) as object) : null;
    if (!cpu || !proto || !('firstUse' in cpu)) return;
    Object.defineProperty(proto, 'firstUse', { configurable: true, get: () => false, set: () => undefined });
    delete (cpu as { firstUse?: boolean }).firstUse; // this instance was built before the accessor: its own field goes
  } catch {
    /* no cpu backend registered: nothing prints either */
  }
}
silenceTfjsNodeHint();

const isTfjsNodeHint = (a: unknown[]) => a.length > 0 && /tfjs-node|^=+$/.test(String(a[0]).trim());

/** Run `fn` with tfjs's "install tfjs-node" console hint silenced (EdgeLab reports the backend choice itself). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn,
    log = console.log;
  console.warn = (...a: unknown[]) => {
    if (!isTfjsNodeHint(a)) warn(...a);
  };
  console.log = (...a: unknown[]) => {
    if (!isTfjsNodeHint(a)) log(...a);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

async function tryTensorflow(): Promise<void> {
  // tfjs-node registers the 'tensorflow' backend on load (kept external by esbuild.mjs).
  require('@tensorflow/tfjs-node');
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") returned false');
}

async function tryWasm(): Promise<void> {
  require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
}

/**
 * Choose and initialise the backend. Idempotent: later calls with the same choice return the same report.
 * Returns a report saying which backend runs and why faster ones were not taken.
 */
export async function init(options: InitOptions = {}): Promise<BackendReport> {
  // EDGELAB_BACKEND (the `edgelab.backend` setting, passed by the VS Code controller) applies when no option is given
  const want = (options.backend ?? (process.env.EDGELAB_BACKEND || 'auto')) as 'auto' | BackendName;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(want)) {
    throw new InvalidInput(
      `backend must be 'auto', 'tensorflow', 'wasm' or 'cpu', got ${describe(want)}${options.backend === undefined ? ' (from EDGELAB_BACKEND)' : ''}`,
    );
  }
  if (current && (want === 'auto' || want === current.backend) && tf.getBackend() === current.backend) return current;
  const order: BackendName[] = want === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [want];
  const skipped: BackendReport['skipped'] = [];
  for (const name of order) {
    try {
      await quietly(async () => {
        if (name === 'tensorflow') await tryTensorflow();
        else if (name === 'wasm') await tryWasm();
        else if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") returned false');
        await tf.ready();
      });
      const registeredKernels: string[] = [];
      if (name === 'wasm' && !wasmRegistered) {
        registeredKernels.push(...registerWasmTrainingKernels('wasm'));
        wasmRegistered = true;
      }
      const env = tf.env();
      const report: BackendReport = {
        backend: name,
        skipped,
        registeredKernels,
        tfjsVersion: tf.version.tfjs,
        simd: name === 'wasm' ? Boolean(env.getBool('WASM_HAS_SIMD_SUPPORT')) : undefined,
        threads: name === 'wasm' ? (env.getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 2 : 1) : undefined,
        summary: '',
      };
      report.summary =
        `EdgeLab backend: ${name}` +
        (name === 'wasm' ? ` (SIMD ${report.simd ? 'on' : 'off'}, ${report.threads} thread)` : '') +
        (skipped.length ? `; not ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; not ')}` : '');
      current = report;
      // Published for the EdgeLab kernel's status reply (extension/runner/tslab-kernel.ts reads this registry key), so the
      // editor's status bar can show which backend runs; a plain property, nothing else reads it.
      (globalThis as Record<symbol, unknown>)[Symbol.for('edgelab.activeBackend')] = name;
      if (options.verbose ?? inNotebook()) console.log(report.summary);
      return report;
    } catch (e) {
      skipped.push({ backend: name, reason: reasonOf(name, e) });
    }
  }
  throw new BackendError(`no backend could be initialised: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

function reasonOf(name: BackendName, e: unknown): string {
  const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  if (name === 'tensorflow' && /Cannot find module/.test(msg)) {
    return '@tensorflow/tfjs-node is not installed (optional dependency; its install downloads libtensorflow, which fails offline)';
  }
  return msg;
}

/** The report of the last successful init(), or null before init. */
export function backendInfo(): BackendReport | null {
  return current;
}

/** True when running inside a tslab notebook kernel. */
export function inNotebook(): boolean {
  return Object.keys(require.cache).some((k) => /[\\/]tslab[\\/]dist[\\/]executor\.js$/.test(k));
}

export { tf };
