/**
 * Two (or more) workers over one shared wasm memory. Either N is split (each worker packs and multiplies its own
 * column panels: one message, no join) or M, as the paper's OpenMP loop (arXiv:2307.03930 §3: every CB block of
 * p·m_c rows is split into p core slices of m_c rows, worker w computes the slices c ≡ w (mod workers) with its own
 * C_p buffer; B packing split by panels, then a join). Copies of B in and C out run inside the workers (see spmm).
 * The threads are a core/workers WorkerPool running worker-entry.ts (bundled as dist/kernel/sparse/worker-entry.js);
 * each instantiates the engine's WebAssembly.Module over the engine's shared memory.
 */
import { checkInt, InvalidInput } from '../core/errors';
import { WorkerPool, workerEntry } from '../core/workers';
import type { MatrixLike } from '../core/matrix';
import { asMatrix, coreRows } from './pack';
import { packBHeader, planRosko, roskoHeader } from './spmm';
import type { Matrix, RoskoPacked, SpmmOptions } from './types';
import { getEngine, type Engine } from './wasm';
import type { CopySpec, RoskoTask } from './worker-entry';

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

  private async call(w: number, task: RoskoTask): Promise<void> {
    this.inFlight++;
    try {
      await this.pool.run(task, { worker: w });
    } finally {
      this.inFlight--;
    }
  }

  /**
   * C = A·B on the pool's workers (same bits as roskoSpmm()). Only one call at a time per pool.
   *
   * Split: by N (each worker packs its own B panels and computes every row for its columns: one message per worker,
   * no join) whenever there are at least `minPanelsPerWorker` n_r-panels per worker; otherwise by M as the paper's OpenMP
   * loop (core slices c ≡ w mod workers of every CB block; B panels packed in parallel, then a join). Each worker copies
   * its part of C out of wasm memory into the result (a SharedArrayBuffer-backed Float32Array), and copies its columns of
   * B in when B itself lives in a SharedArrayBuffer (e.g. the previous pool call's C); otherwise B is copied in once on
   * the calling thread.
   */
  async spmm(
    pk: RoskoPacked,
    B: MatrixLike,
    opts: SpmmOptions & { split?: 'auto' | 'm' | 'n'; minPanelsPerWorker?: number } = {},
  ): Promise<Matrix> {
    if (this.inFlight) throw new InvalidInput('RoskoPool.spmm: a previous call is still running; await it first');
    const e = this.engine,
      n = this.pool.size;
    if (e.busy) throw new InvalidInput('RoskoPool.spmm: another pool call is running on the shared wasm memory; await it first');
    const split = opts.split ?? 'auto';
    if (!['auto', 'm', 'n'].includes(split)) throw new InvalidInput(`split must be 'auto', 'm' or 'n', got ${String(split)}`);
    const minPan = checkInt('minPanelsPerWorker', opts.minPanelsPerWorker ?? 2, 1);
    const Bm = asMatrix('B', B);
    const sharedB = Bm.data.buffer instanceof SharedArrayBuffer;
    const pl0 = { cpSets: n, copyB: !sharedB };
    const pl = planRosko(e, pk, Bm, opts, 'pool', pl0);
    const M = pk.M,
      N = pl.N;
    const out = new Float32Array(new SharedArrayBuffer(M * N * 4));
    const useN = split === 'n' || (split === 'auto' && pl.npanTotal >= minPan * n);
    // panel ranges per worker (balanced to within one panel)
    const panels = (w: number): [number, number] => [Math.floor((w * pl.npanTotal) / n), Math.floor(((w + 1) * pl.npanTotal) / n)];
    const cols = ([j0, j1]: [number, number]): [number, number] => [Math.min(N, j0 * pl.nr), Math.min(N, j1 * pl.nr)];
    const copyIn = (w: number): CopySpec | undefined => {
      if (!sharedB) return undefined;
      const [c0, c1] = cols(panels(w));
      return { shared: Bm.data, wasm: pl.bIn, cols: N, rows: [[0, pk.K]], c0, c1 };
    };
    const packStep = (w: number) => {
      const [j0, j1] = panels(w);
      return { fn: 'pack_b', h: packBHeader(e, 1 + 2 * w, pl.bIn, pl.bp, pk.K, N, pl.nr, j0, j1) };
    };
    const kern = `rosko_n${pl.nr}`;
    e.busy = true;
    try {
      if (useN) {
        await Promise.all(
          Array.from({ length: n }, (_, w) => {
            const [j0, j1] = panels(w);
            const [c0, c1] = cols([j0, j1]);
            if (c1 <= c0) return Promise.resolve();
            const steps = [...(pl.packB ? [packStep(w)] : []), { fn: kern, h: roskoHeader(e, 2 + 2 * w, pl, 0, 1, c0, c1, w) }];
            return this.call(w, { steps, copyIn: copyIn(w), copyOut: { shared: out, wasm: pl.c, cols: N, rows: [[0, M]], c0, c1 } });
          }),
        );
      } else {
        if (pl.packB || sharedB)
          await Promise.all(Array.from({ length: n }, (_, w) => this.call(w, { steps: pl.packB ? [packStep(w)] : [], copyIn: copyIn(w) })));
        await Promise.all(
          Array.from({ length: n }, (_, w) => {
            const rows: [number, number][] = [];
            for (let b = 0; b < pk.Mb; b++)
              for (let c = w; c < pk.p; c += n) {
                const r = coreRows(M, pk.mr, pk.mc, pk.p, b, c);
                if (r.count > 0) rows.push([r.start, r.count]);
              }
            return this.call(w, {
              steps: [{ fn: kern, h: roskoHeader(e, 2 + 2 * w, pl, w, n, 0, N, 0) }],
              copyOut: { shared: out, wasm: pl.c, cols: N, rows, c0: 0, c1: N },
            });
          }),
        );
      }
      return { rows: M, cols: N, data: out };
    } finally {
      e.busy = false;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
