/**
 * Two (or more) workers over one shared wasm memory, partitioned as the paper's OpenMP loop: every CB block of
 * p·m_c rows is split into p core slices of m_c rows, and worker w computes the slices c ≡ w (mod workers), with its
 * own C_p buffer, and unpacks its own rows of C. B packing is split by panels between the workers (then a join).
 * The worker source is plain JS evaluated with { eval: true }, so it runs the same from kernel/ (tsx) and from the
 * esbuild bundle; it instantiates the engine's WebAssembly.Module over the engine's shared memory.
 */
import { Worker } from 'node:worker_threads';
import { InvalidInput, checkInt } from '../core/errors';
import { packBHeader, planRosko, roskoHeader } from './spmm';
import type { MatrixLike } from '../core/matrix';
import type { Matrix, RoskoPacked, SpmmOptions } from './types';
import { getEngine, type Engine } from './wasm';

const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const inst = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } });
parentPort.on('message', (m) => {
  try { inst.exports[m.fn](m.h); parentPort.postMessage({ id: m.id }); }
  catch (e) { parentPort.postMessage({ id: m.id, error: String(e && e.stack || e) }); }
});
`;

export class RoskoPool {
  private constructor(private readonly engine: Engine, private readonly workers: Worker[]) {}
  private seq = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /** Start `workers` (default 2) worker threads over the process-wide engine. Call close() when done. */
  static async create(opts: { workers?: number } = {}): Promise<RoskoPool> {
    const n = checkInt('workers', opts.workers ?? 2, 1, 15);
    const e = getEngine();
    const ws = Array.from({ length: n }, () => new Worker(WORKER_SRC, { eval: true, workerData: { module: e.module, memory: e.memory } }));
    const pool = new RoskoPool(e, ws);
    for (const w of ws) {
      w.on('message', (m: { id: number; error?: string }) => {
        const p = pool.pending.get(m.id);
        if (!p) return;
        pool.pending.delete(m.id);
        if (!pool.pending.size) for (const x of pool.workers) x.unref(); // idle workers do not keep the process alive
        if (m.error) p.reject(new Error(`sparse worker: ${m.error}`)); else p.resolve();
      });
      w.on('error', (err) => { for (const p of pool.pending.values()) p.reject(err); pool.pending.clear(); });
      w.unref();
    }
    // round trip once so that every worker has instantiated the module
    await Promise.all(ws.map((_, i) => pool.call(i, 'resetCounts', 0)));
    return pool;
  }

  get size(): number { return this.workers.length; }

  private call(w: number, fn: string, h: number): Promise<void> {
    const id = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      if (!this.pending.size) for (const x of this.workers) x.ref();
      this.pending.set(id, { resolve, reject });
      this.workers[w]!.postMessage({ id, fn, h });
    });
  }

  /** C = A·B on the pool's workers (same result as spmm()). Only one call at a time per pool. */
  async spmm(pk: RoskoPacked, B: MatrixLike, opts: SpmmOptions = {}): Promise<Matrix> {
    if (this.pending.size) throw new InvalidInput('RoskoPool.spmm: a previous call is still running; await it first');
    const e = this.engine, n = this.workers.length;
    if (e.busy) throw new InvalidInput('RoskoPool.spmm: another pool call is running on the shared wasm memory; await it first');
    const pl = planRosko(e, pk, B, opts, 'pool');
    e.busy = true;
    try {
      const per = Math.ceil(pl.npanTotal / n);
      if (pl.packB) await Promise.all(this.workers.map((_, w) =>
        this.call(w, 'pack_b', packBHeader(e, 1 + w, pl.bIn, pl.bp, pk.K, pl.N, pl.nr, Math.min(pl.npanTotal, w * per), Math.min(pl.npanTotal, (w + 1) * per)))));
      await Promise.all(this.workers.map((_, w) => this.call(w, `rosko_n${pl.nr}`, roskoHeader(e, 1 + w, pl, w, n))));
      return { rows: pk.M, cols: pl.N, data: e.f32(pl.c, pk.M * pl.N).slice() };
    } finally { e.busy = false; }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
