/**
 * Which layers of a user's model are sparse enough for Rosko (arXiv:2307.03930), and how fast: per weighted layer of
 * an imported layer table, the weight matrix A [out × in] (optionally magnitude-pruned), its sparsity pattern, the
 * dispatcher's predicted time of Rosko / CSR / dense for C = A·B with B [in × positions·batch] (`chooseKernel`), and,
 * with `measure`, measured times of the three kernels.
 */
import { InvalidInput, checkInt, describe, throwIfAborted } from '../core/errors';
import { rng } from '../core/rng';
import type { AnalyzeCommon, ModelTable } from '../model/types';
import type { SparsityPatternFigure } from '../viz/types';
import { chooseKernel, type KernelChoice } from './dispatch';
import { sparsityFigure } from './figures';
import { magnitudePrune } from './layer';
import { pack, toCsr } from './pack';
import { csrSpmm, denseGemm, roskoSpmm } from './spmm';
import { readHardware } from './tiles';
import type { Hardware, Matrix } from './types';

export interface SparseAnalyzeOptions extends AnalyzeCommon {
  /** Magnitude-prune every layer to this sparsity first, in [0, 1). Default none (the model's own zeros). */
  prune?: number;
  /** Batch sizes (B has positions·batch columns). Default [1, 32]. */
  batch?: number[];
  /** Time the three kernels (else predictions only). Default false. */
  measure?: boolean;
  /**
   * Columns of B actually multiplied when measuring; the time is scaled by N / measureColumns (kernels are linear in
   * N). Default 64 — a ResNet conv at batch 32 has 100k+ columns, which would take minutes per layer.
   */
  measureColumns?: number;
  /** Cache sizes and cores for the dispatcher. Default readHardware(). */
  hardware?: Hardware;
  /** Seed of the random B used for timing. Default 0. */
  seed?: number;
}

export interface SparseBatchRow {
  batch: number;
  /** Columns of B: positions × batch. */
  N: number;
  /** The dispatcher's choice and its predicted ns per kernel (relative scale). */
  predicted: { kernel: KernelChoice; ns: Record<KernelChoice, number> };
  /** Measured ms per kernel (extrapolated from measureColumns columns); absent unless `measure`. */
  measuredMs?: Record<KernelChoice, number>;
  /** The fastest measured kernel. */
  fastest?: KernelChoice;
}

export interface SparseLayerRow {
  name: string;
  M: number;
  K: number;
  sparsity: number;
  batches: SparseBatchRow[];
  figure: SparsityPatternFigure;
}

const time = (f: () => unknown): number => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

/**
 * Sparsity, predicted (and optionally measured) Rosko / CSR / dense time per layer of an imported model.
 * Depthwise layers are listed with their [channels × kh·kw] matrix, though a depthwise conv is not one matmul.
 * Pure typed arrays: no tensors. @throws InvalidInput for bad options; Aborted when `signal` fires.
 */
export function analyzeModel(table: ModelTable, opts: SparseAnalyzeOptions = {}): { layers: SparseLayerRow[]; hardware: Hardware } {
  if (opts.prune !== undefined && !(opts.prune >= 0 && opts.prune < 1))
    throw new InvalidInput(`sparse.analyzeModel: prune must be a sparsity in [0, 1), got ${describe(opts.prune)}`);
  const batches = (opts.batch ?? [1, 32]).map((b) => checkInt('sparse.analyzeModel: batch[]', b));
  const cap = checkInt('sparse.analyzeModel: measureColumns', opts.measureColumns ?? 64);
  const hw = opts.hardware ?? readHardware();
  const r = rng(opts.seed ?? 0);
  const rows: SparseLayerRow[] = [];
  table.layers.forEach((l, i) => {
    throwIfAborted(opts.signal);
    const w = opts.prune === undefined ? l.weight() : magnitudePrune(l.weight(), opts.prune);
    const A: Matrix = { rows: l.nOut, cols: l.nIn, data: w };
    let nnz = 0;
    for (const v of w) if (v !== 0) nnz++;
    const positions = Number.isFinite(l.positions) ? l.positions : 1;
    const perColumn = new Map<number, Record<KernelChoice, number>>();
    let pk: ReturnType<typeof pack> | undefined, csr: ReturnType<typeof toCsr> | undefined;
    const brows: SparseBatchRow[] = batches.map((b) => {
      const N = positions * b;
      const d = chooseKernel(hw, { M: l.nOut, K: l.nIn, N, nnz });
      const ns = Object.fromEntries(d.costs.map((c) => [c.kernel, c.ns])) as Record<KernelChoice, number>;
      const row: SparseBatchRow = { batch: b, N, predicted: { kernel: d.kernel, ns } };
      if (opts.measure && nnz > 0) {
        // one timing per distinct column count (conv layers measure the same `cap` columns at every batch size)
        const n = Math.min(N, cap);
        let per = perColumn.get(n);
        if (!per) {
          const B: Matrix = { rows: l.nIn, cols: n, data: r.normals(l.nIn * n) };
          pk ??= pack(A, { N: n });
          csr ??= toCsr(A);
          per = {
            rosko: time(() => roskoSpmm(pk!, B)) / n,
            csr: time(() => csrSpmm(csr!, B)) / n,
            dense: time(() => denseGemm(A, B)) / n,
          };
          perColumn.set(n, per);
        }
        const ms = { rosko: per.rosko * N, csr: per.csr * N, dense: per.dense * N };
        row.measuredMs = ms;
        row.fastest = (Object.keys(ms) as KernelChoice[]).reduce((a, k) => (ms[k] < ms[a] ? k : a));
      }
      return row;
    });
    rows.push({
      name: l.name,
      M: l.nOut,
      K: l.nIn,
      sparsity: 1 - nnz / w.length,
      batches: brows,
      figure: sparsityFigure(A, { title: `${l.name}: ${l.nOut}×${l.nIn}, ${((1 - nnz / w.length) * 100).toFixed(1)} % zeros` }),
    });
    opts.onProgress?.(i + 1, table.layers.length, l.name);
  });
  return { layers: rows, hardware: hw };
}
