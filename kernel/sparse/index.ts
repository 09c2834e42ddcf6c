/**
 * Rosko: row-skipping outer-product SpMM (Natesh et al., arXiv:2307.03930) in WebAssembly SIMD.
 *
 *   const hw = sparse.readHardware();                      // caches from sysfs, cores
 *   const t = sparse.tileModel(hw, { M, K, N }, density);   // m_r, n_r, m_c, k_c, n_c (the authors' equations)
 *   const pk = sparse.pack(A, { N });                      // A: { rows, cols, data } or CSR
 *   const C = sparse.spmm(pk, B);                          // Rosko, CSR or dense, whichever the cost model picks
 *   const C2 = sparse.roskoSpmm(pk, B);                    // the Rosko kernel itself; sparse.RoskoPool for two workers
 */
export * from './types';
export { readHardware, tileModel, type TileModelOptions } from './tiles';
export { pack, unpack, validatePacked, packedBytes, toCsr, csrToDense, checkCsr, coreRows } from './pack';
export { spmm, spmmKernel, roskoSpmm, spmmCounts, csrSpmm, denseGemm } from './spmm';
export {
  chooseKernel,
  kernelCosts,
  expectedColumns,
  COSTS as KERNEL_COSTS,
  poolPlan,
  POOL as POOL_COSTS,
  type PoolPlan,
  type KernelChoice,
  type Dispatch,
  type DispatchInput,
} from './dispatch';
export { RoskoPool, type PoolDecision, type PoolSpmmOptions } from './workers';
export { magnitudePrune, pruneModel, SparseDense, SparseModel } from './layer';
export { SparseNet } from './net';
export { realWeightMatrices, transposeKernel, type RealMatrix } from './matrices';
export { sparsityFigure, speedupFigure } from './figures';
export { wasmPath } from './wasm';
export { analyzeModel, type SparseAnalyzeOptions, type SparseBatchRow, type SparseLayerRow } from './analyze';
export { exportPacked, packedFiles, loadPacked, type PackExportOptions } from './export';
