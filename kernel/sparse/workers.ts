/**
 * Two (or more) workers over one shared wasm memory. Either N is split (each worker packs and multiplies its own
 * column panels: one message, no join) or M, as the OpenMP loop of arXiv:2307.03930's code (every CB block of
 * p·m_c rows is split into p core slices of m_c rows, worker w computes the slices c ≡ w (mod workers) with its own
 * C_p buffer; B packing split by panels, then a join). CSR splits N too (each worker multiplies all of A by its own
 * compact block of B's columns: one message, no join), or rows. Copies of C out, and of B in when B lives in a
 * SharedArrayBuffer, run inside the workers (see spmm).
 * The threads are a core/workers WorkerPool running worker-entry.ts (bundled as dist/kernel/sparse/worker-entry.js);
 * each instantiates the engine's WebAssembly.Module over the engine's shared memory.
 */
import { checkInt, describe, InvalidInput } from '../core/errors';
import { WorkerPool, workerEntry } from '../core/workers';
import type { MatrixLike } from '../core/matrix';
import { poolPlan, type KernelChoice, type PoolPlan } from './dispatch';
import { asMatrix, checkMatrix, coreRows } from './pack';
import { checkOut, csrOf, defaultHardware, denseOf, packBHeader, planRosko, roskoHeader, spmm, spmmKernel } from './spmm';
import type { Hardware, Matrix, RoskoPacked, SpmmOptions } from './types';
import { getEngine, type Engine } from './wasm';
import { copyBlock, type CopySpec } from './copy';
import type { RoskoTask } from './worker-entry';

export interface PoolSpmmOptions extends SpmmOptions {
  /** Kernel (default 'auto': the same analytic choice as spmm(), so the pool runs what the main thread would). */
  kernel?: KernelChoice | 'auto';
  hw?: Hardware;
  /**
   * Rosko and CSR: split N or M (default 'auto'). Rosko: N when there are ≥ minPanelsPerWorker n_r-panels per worker.
   * CSR: N when there are ≥ minPanelsPerWorker 16-column chunks per worker and either B lives in a SharedArrayBuffer
   * (each worker then copies its own columns in) or M has fewer than CSR_MIN_ROWS rows per worker; else rows.
   */
  split?: 'auto' | 'm' | 'n';
  /** Fewest n_r-panels (Rosko) or 16-column chunks (CSR) per worker for an N split (default 2). */
  minPanelsPerWorker?: number;
  /**
   * 'auto' (default): split over the workers only when the cost model predicts it pays (poolPlan: at least POOL.minGain
   * faster after the message rounds), else run spmm on the calling thread; true: always split; false: never.
   */
  useWorkers?: 'auto' | boolean;
}

/** What a RoskoPool call will do: the kernel, how Rosko splits, and the worker count with its predicted costs. */
export interface PoolDecision extends PoolPlan {
  kernel: KernelChoice;
  /**
   * 'n': by columns (Rosko: n_r-panels, CSR: 16-column chunks; one round); 'm': Rosko by core slices of rows (pack,
   * then multiply: two rounds); 'rows': CSR (by equal nonzeros) or dense by rows.
   */
  split: 'n' | 'm' | 'rows';
  rounds: number;
}

/** CSR splits N instead of rows when M has fewer rows than this per worker (row slices too short to balance). */
export const CSR_MIN_ROWS = 64;

/**
 * Worker threads running the sparse kernels over the process-wide wasm engine's shared memory (arXiv:2307.03930's
 * multi-core Rosko: N or M split between workers). Create with `await RoskoPool.create({ workers })`, multiply with
 * `pool.spmm(packed, B)` (one call at a time), and `close()` it when done.
 */
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
   * C = A·B on the kernel spmm() would pick on the main thread (same bits; `kernel` forces one), split over the workers
   * when the cost model predicts it pays (plan(): poolPlan — small products run spmm on the calling thread instead, since
   * a message round costs more than half their work; `useWorkers` forces either). Only one call at a time per pool.
   * CSR splits N (csrColumns) when B is shared or M is short, else rows like dense (see rowSplit). Rosko splits by N (each worker packs its own B panels and computes every
   * row for its columns: one message per worker, no join) whenever there are at least `minPanelsPerWorker` n_r-panels
   * per worker; otherwise by M as the paper's OpenMP loop (core slices c ≡ w mod workers of every CB block; B panels
   * packed in parallel, then a join). Each worker copies its part of C out of wasm memory into the result (a new
   * SharedArrayBuffer-backed Float32Array, or the caller's `opts.out`: if that one is ordinary memory the calling thread
   * copies the parts instead), and copies its columns of B in when B itself lives in a SharedArrayBuffer (e.g. the
   * previous pool call's C); otherwise B is copied in once on the calling thread.
   */
  async spmm(pk: RoskoPacked, B: MatrixLike, opts: PoolSpmmOptions = {}): Promise<Matrix> {
    if (this.inFlight) throw new InvalidInput('RoskoPool.spmm: a previous call is still running; await it first');
    if (this.engine.busy) throw new InvalidInput('RoskoPool.spmm: another pool call is running on the shared wasm memory; await it first');
    const Bm = asMatrix('B', B);
    const d = this.plan(pk, Bm.cols, opts, Bm.data.buffer instanceof SharedArrayBuffer);
    if (d.workers === 1) return spmm(pk, Bm, { ...opts, kernel: d.kernel });
    if (d.kernel === 'rosko') return this.rosko(pk, Bm, opts, d.split === 'n');
    return d.kernel === 'csr' && d.split === 'n' ? this.csrColumns(pk, Bm, opts) : this.rowSplit(d.kernel, pk, Bm, opts);
  }

  /**
   * What spmm(pk, B, opts) does for an N-column B (pure: the analytic model, no timing): the kernel (spmmKernel), the
   * split, and whether the workers are used at all (poolPlan; `sharedB`: B lives in a SharedArrayBuffer, so Rosko's
   * workers copy it in themselves).
   */
  plan(pk: RoskoPacked, N: number, opts: PoolSpmmOptions = {}, sharedB = false): PoolDecision {
    const kernel = opts.kernel ?? 'auto';
    if (!['auto', 'rosko', 'csr', 'dense'].includes(kernel))
      throw new InvalidInput(`kernel must be 'auto', 'rosko', 'csr' or 'dense', got ${describe(kernel)}`);
    const use = opts.useWorkers ?? 'auto';
    if (use !== 'auto' && use !== true && use !== false)
      throw new InvalidInput(`useWorkers must be 'auto', true or false, got ${describe(use)}`);
    const hw = opts.hw ?? defaultHardware();
    const k = kernel === 'auto' ? spmmKernel(pk, N, hw) : kernel;
    const n = this.pool.size;
    let split: PoolDecision['split'] = 'rows',
      rounds = k === 'csr' ? 1 : 2;
    const s = opts.split ?? 'auto';
    if (!['auto', 'm', 'n'].includes(s)) throw new InvalidInput(`split must be 'auto', 'm' or 'n', got ${String(s)}`);
    const minPan = checkInt('minPanelsPerWorker', opts.minPanelsPerWorker ?? 2, 1);
    if (k === 'rosko') {
      split = s === 'n' || (s === 'auto' && Math.ceil(N / (opts.nr ?? pk.nr)) >= minPan * n) ? 'n' : 'm';
      rounds = split === 'n' || !((opts.packB ?? true) || sharedB) ? 1 : 2;
    } else if (k === 'csr' && N > 1) {
      const enough = Math.ceil(N / 16) >= minPan * n;
      if (s === 'n' || (s === 'auto' && enough && (sharedB || pk.M < CSR_MIN_ROWS * n))) split = 'n';
    }
    const tiles = { mr: pk.mr, nr: pk.nr, mc: pk.mc, kc: pk.kc, nc: pk.nc, p: pk.p };
    const x = { M: pk.M, K: pk.K, N: Math.max(1, N), nnz: pk.nnz, ncols: pk.ncols, tiles };
    const workersCopyB = sharedB && (k === 'rosko' || split === 'n');
    const p = poolPlan(hw, x, k, { workers: n, rounds, serialB: !workersCopyB });
    const workers = use === 'auto' ? p.workers : use ? n : 1;
    return { ...p, workers, kernel: k, split, rounds, why: use === 'auto' ? p.why : `${p.why}; forced useWorkers: ${use}` };
  }

  /** Checks B against A and the caller's `out`, and sets up the M×N result (CSR and dense splits). */
  private begin(pk: RoskoPacked, B: Matrix, opts: SpmmOptions) {
    if (B.rows !== pk.K) throw new InvalidInput(`B has ${B.rows} rows; expected K = ${pk.K}`);
    checkMatrix('B', B, opts.validate ?? true);
    const M = pk.M,
      N = B.cols;
    return { e: this.engine, n: this.pool.size, M, K: pk.K, N, ...this.target(M, N, B, opts) };
  }

  /**
   * Where C goes: the caller's `out` (checked) or a new shared array. `inWorkers`: the workers can copy their blocks of
   * C into it themselves (it lives in a SharedArrayBuffer); otherwise the calling thread copies the same blocks out of
   * wasm memory after the round (copyOut). A reused `out` also spares the fresh pages a new result costs on every call:
   * measured on 1024×1024 (scripts/sparse/pool-phases.ts), one worker's copy into a new shared array 1.5–1.9 ms, into a
   * reused one 0.3 ms.
   */
  private target(M: number, N: number, B: Matrix, opts: SpmmOptions): { out: Float32Array; inWorkers: boolean } {
    const out = checkOut(opts.out, M, N, B, this.engine) ?? new Float32Array(new SharedArrayBuffer(M * N * 4));
    return { out, inWorkers: out.buffer instanceof SharedArrayBuffer };
  }

  /** The workers' C blocks: given to them when they can write the result, else copied by the calling thread after the round. */
  private copyOut(specs: CopySpec[], inWorkers: boolean): void {
    if (!inWorkers) for (const s of specs) copyBlock(s, this.engine.memory.buffer, 'out');
  }

  /**
   * CSR or dense GEMM on the workers, rows split between them (CSR: by equal nonzero counts). B is copied in once on the
   * calling thread (both kernels read all of B for every row); dense packs B panels on the workers (then a join). Each
   * worker copies its rows of C out into the shared result.
   */
  private async rowSplit(k: 'csr' | 'dense', pk: RoskoPacked, B: Matrix, opts: SpmmOptions): Promise<Matrix> {
    const { e, n, M, K, N, out, inWorkers } = this.begin(pk, B, opts);
    const bounds: number[] = [0];
    let steps: { fn: string; h: number }[][];
    let pre: ((w: number) => { fn: string; h: number }[]) | null = null;
    let cAt: number;
    if (k === 'csr') {
      const A = csrOf(pk);
      const [rp, ci, va] = e.upload(A, [A.rowPtr, A.colIdx, A.values], 'pool') as [number, number, number];
      const [bIn, c] = e.scratch([K * N * 4, M * N * 4], 'pool') as [number, number];
      e.f32(bIn, K * N).set(B.data);
      const nnz = A.rowPtr[M]!;
      for (let w = 1, r = 0; w < n; w++) {
        while (r < M && A.rowPtr[r]! < (w * nnz) / n) r++;
        bounds.push(r);
      }
      bounds.push(M);
      steps = Array.from({ length: n }, (_, w) => [
        { fn: 'csr_spmm', h: e.header(1 + 2 * w, [rp, ci, va, bIn, c, M, N, bounds[w]!, bounds[w + 1]!]) },
      ]);
      cAt = c;
    } else {
      const A = denseOf(pk);
      const np = Math.ceil(N / 8);
      const [a] = e.upload(A, [A.data], 'pool') as [number];
      const [bIn, bp, c, tmp] = e.scratch([K * N * 4, K * np * 32, M * N * 4, 64 * n], 'pool') as [number, number, number, number];
      e.f32(bIn, K * N).set(B.data);
      for (let w = 1; w < n; w++) bounds.push(Math.floor((w * M) / n / 4) * 4);
      bounds.push(M);
      pre = (w) => [
        { fn: 'pack_b', h: packBHeader(e, 1 + 2 * w, bIn, bp, K, N, 8, Math.floor((w * np) / n), Math.floor(((w + 1) * np) / n)) },
      ];
      steps = Array.from({ length: n }, (_, w) => [
        { fn: 'gemm_4x8', h: e.header(2 + 2 * w, [a, bp, c, K, N, M, bounds[w]!, bounds[w + 1]!, 64, tmp + 64 * w]) },
      ]);
      cAt = c;
    }
    const specs: CopySpec[] = Array.from({ length: n }, (_, w) => ({
      shared: out,
      wasm: cAt,
      cols: N,
      rows: [[bounds[w]!, bounds[w + 1]! - bounds[w]!]],
      c0: 0,
      c1: N,
    }));
    e.busy = true;
    try {
      if (pre) await Promise.all(Array.from({ length: n }, (_, w) => this.call(w, { steps: pre!(w) })));
      await Promise.all(
        Array.from({ length: n }, (_, w) =>
          bounds[w + 1]! > bounds[w]! ? this.call(w, { steps: steps[w]!, copyOut: inWorkers ? specs[w] : undefined }) : Promise.resolve(),
        ),
      );
      this.copyOut(specs, inWorkers);
      return { rows: M, cols: N, data: out };
    } finally {
      e.busy = false;
    }
  }

  /**
   * CSR on the workers, N split: worker w multiplies all of A by its own compact block of B's columns (whole 16-column
   * chunks, balanced to within one chunk) into its own compact C block, then copies that block into its columns of the
   * shared result. One message per worker, no join. When B lives in a SharedArrayBuffer each worker copies its columns
   * of B in itself; otherwise the calling thread does (a worker cannot read an ordinary ArrayBuffer). Every C entry is the
   * same k-ordered sum as in the single-thread kernel, so the bits are the same.
   */
  private async csrColumns(pk: RoskoPacked, B: Matrix, opts: SpmmOptions): Promise<Matrix> {
    const { e, n, M, K, N, out, inWorkers } = this.begin(pk, B, opts);
    const sharedB = B.data.buffer instanceof SharedArrayBuffer;
    const A = csrOf(pk);
    const [rp, ci, va] = e.upload(A, [A.rowPtr, A.colIdx, A.values], 'pool') as [number, number, number];
    const chunks = Math.ceil(N / 16);
    const cols = Array.from({ length: n }, (_, w) => {
      const c0 = Math.min(N, Math.floor((w * chunks) / n) * 16),
        c1 = Math.min(N, Math.floor(((w + 1) * chunks) / n) * 16);
      return [c0, c1] as const;
    });
    const bufs = e.scratch(
      cols.flatMap(([c0, c1]) => [K * (c1 - c0) * 4, M * (c1 - c0) * 4]),
      'pool',
    );
    const tasks = cols.map(([c0, c1], w) => {
      const nw = c1 - c0,
        bIn = bufs[2 * w]!,
        c = bufs[2 * w + 1]!;
      const copyIn: CopySpec = { shared: B.data, wasm: bIn, cols: N, rows: [[0, K]], c0, c1, wasmCols: nw, wasmC0: 0 };
      if (nw > 0 && !sharedB) copyBlock(copyIn, e.memory.buffer, 'in');
      const copyOut: CopySpec = { shared: out, wasm: c, cols: N, rows: [[0, M]], c0, c1, wasmCols: nw, wasmC0: 0 };
      return {
        nw,
        copyOut,
        task: {
          steps: [{ fn: 'csr_spmm', h: e.header(1 + 2 * w, [rp, ci, va, bIn, c, M, nw, 0, M]) }],
          copyIn: sharedB ? copyIn : undefined,
          copyOut: inWorkers ? copyOut : undefined,
        } satisfies RoskoTask,
      };
    });
    e.busy = true;
    try {
      await Promise.all(tasks.map(({ nw, task }, w) => (nw > 0 ? this.call(w, task) : Promise.resolve())));
      this.copyOut(
        tasks.filter((t) => t.nw > 0).map((t) => t.copyOut),
        inWorkers,
      );
      return { rows: M, cols: N, data: out };
    } finally {
      e.busy = false;
    }
  }

  /** The Rosko kernel on the workers (see spmm). */
  private async rosko(pk: RoskoPacked, B: Matrix, opts: PoolSpmmOptions, useN: boolean): Promise<Matrix> {
    const e = this.engine,
      n = this.pool.size;
    const Bm = B;
    const sharedB = Bm.data.buffer instanceof SharedArrayBuffer;
    const pl0 = { cpSets: n, copyB: !sharedB };
    const pl = planRosko(e, pk, Bm, opts, 'pool', pl0);
    const M = pk.M,
      N = pl.N;
    const { out, inWorkers } = this.target(M, N, Bm, opts);
    const specs: CopySpec[] = [];
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
            const copyOut: CopySpec = { shared: out, wasm: pl.c, cols: N, rows: [[0, M]], c0, c1 };
            specs.push(copyOut);
            return this.call(w, { steps, copyIn: copyIn(w), copyOut: inWorkers ? copyOut : undefined });
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
            const copyOut: CopySpec = { shared: out, wasm: pl.c, cols: N, rows, c0: 0, c1: N };
            specs.push(copyOut);
            return this.call(w, {
              steps: [{ fn: kern, h: roskoHeader(e, 2 + 2 * w, pl, w, n, 0, N, 0) }],
              copyOut: inWorkers ? copyOut : undefined,
            });
          }),
        );
      }
      this.copyOut(specs, inWorkers);
      return { rows: M, cols: N, data: out };
    } finally {
      e.busy = false;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
