/**
 * Two (or more) workers over one shared wasm memory, partitioned as the paper's OpenMP loop: every CB block of
 * p·m_c rows is split into p core slices of m_c rows, and worker w computes the slices c ≡ w (mod workers), with its
 * own C_p buffer, and unpacks its own rows of C. B packing is split by panels between the workers (then a join).
 * The threads are a core/workers WorkerPool running worker-entry.ts (bundled as dist/kernel/sparse/worker-entry.js);
 * each instantiates the engine's WebAssembly.Module over the engine's shared memory.
 */
import { checkInt, InvalidInput } from '../core/errors';
import { WorkerPool, workerEntry } from '../core/workers';
import type { MatrixLike } from '../core/matrix';
import { packBHeader, planRosko, roskoHeader } from './spmm';
import type { Matrix, RoskoPacked, SpmmOptions } from './types';
import { getEngine, type Engine } from './wasm';
import type { RoskoTask } from './worker-entry';

export class RoskoPool {
  private constructor(
    private readonly engine: Engine,
    private readonly pool: WorkerPool<RoskoTask, null>,
  ) {}
  private inFlight = 0;

  /** Start `workers` (default 2) worker threads over the process-wide engine. Call close() when done. */
  static async create(opts: { workers?: number } = {}): Promise<RoskoPool> {
    const n = checkInt('workers', opts.workers ?? 2, 1, 15);
    const e = getEngine();
    const pool = new WorkerPool<RoskoTask, null>({
      entry: workerEntry('sparse/worker-entry'),
      size: n,
      workerData: { module: e.module, memory: e.memory },
      init: true,
      label: 'sparse worker',
    });
    await pool.start(); // every worker has instantiated the module
    return new RoskoPool(e, pool);
  }

  get size(): number {
    return this.pool.size;
  }

  private async call(w: number, fn: string, h: number): Promise<void> {
    this.inFlight++;
    try {
      await this.pool.run({ fn, h }, { worker: w });
    } finally {
      this.inFlight--;
    }
  }

  /** C = A·B on the pool's workers (same result as spmm()). Only one call at a time per pool. */
  async spmm(pk: RoskoPacked, B: MatrixLike, opts: SpmmOptions = {}): Promise<Matrix> {
    if (this.inFlight) throw new InvalidInput('RoskoPool.spmm: a previous call is still running; await it first');
    const e = this.engine,
      n = this.pool.size;
    if (e.busy) throw new InvalidInput('RoskoPool.spmm: another pool call is running on the shared wasm memory; await it first');
    const pl = planRosko(e, pk, B, opts, 'pool');
    e.busy = true;
    try {
      const per = Math.ceil(pl.npanTotal / n);
      if (pl.packB)
        await Promise.all(
          Array.from({ length: n }, (_, w) =>
            this.call(
              w,
              'pack_b',
              packBHeader(
                e,
                1 + w,
                pl.bIn,
                pl.bp,
                pk.K,
                pl.N,
                pl.nr,
                Math.min(pl.npanTotal, w * per),
                Math.min(pl.npanTotal, (w + 1) * per),
              ),
            ),
          ),
        );
      await Promise.all(Array.from({ length: n }, (_, w) => this.call(w, `rosko_n${pl.nr}`, roskoHeader(e, 1 + w, pl, w, n))));
      return { rows: pk.M, cols: pl.N, data: e.f32(pl.c, pk.M * pl.N).slice() };
    } finally {
      e.busy = false;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
