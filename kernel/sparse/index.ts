/**
 * Rosko: row-skipping outer-product SpMM (Natesh et al., arXiv:2307.03930) in WebAssembly SIMD.
 *
 *   const hw = sparse.readHardware();                      // caches from sysfs, cores
 *   const t = sparse.tileModel(hw, { M, K, N }, density);   // m_r, n_r, m_c, k_c, n_c (the authors' equations)
 *   const pk = sparse.pack(A, { N });                      // A: { rows, cols, data } or CSR
 *   const C = sparse.spmm(pk, B);                          // single thread; sparse.RoskoPool for two workers
 */
export * from './types';
export { readHardware, tileModel, type TileModelOptions } from './tiles';
export { pack, unpack, validatePacked, packedBytes, toCsr, csrToDense, checkCsr, coreRows } from './pack';
export { spmm, spmmCounts, csrSpmm, denseGemm } from './spmm';
export { RoskoPool } from './workers';
export { magnitudePrune, pruneModel, SparseDense, SparseModel } from './layer';
export { sparsityFigure, speedupFigure } from './figures';
export { wasmPath } from './wasm';
