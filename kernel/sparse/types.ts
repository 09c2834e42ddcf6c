/** Types of the Rosko sparse × dense kernels (kernel/sparse). */

/** A dense row-major float32 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  /** Row-major, length rows*cols. */
  data: Float32Array;
}

/** A CSR matrix: row r holds entries rowPtr[r]..rowPtr[r+1]-1 with strictly increasing column indices. */
export interface Csr {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
}

/** What the tile model needs to know about the machine. Sizes in bytes (per core for L1/L2, shared L3). */
export interface Hardware {
  l1: number;
  l2: number;
  l3: number;
  /** Cores the work is split over (the paper's p). */
  cores: number;
  /** Where the numbers came from ("sysfs", "override", "default"). */
  source: string;
}

/** Microkernel widths compiled into rosko.wasm (n_r must be one of these). */
export const NR_CHOICES = [16, 32, 48, 64] as const;
export type Nr = (typeof NR_CHOICES)[number];

/** Cache-block (CB) dimensions. */
export interface TileDims {
  mr: number;
  nr: Nr;
  mc: number;
  kc: number;
  nc: number;
  /** Cores the CB block is split over (rows of a CB block = p·m_c). */
  p: number;
}

export interface TileModelResult extends TileDims {
  /** Which of the authors' equation sets was used (0: d > 0.05, 2: d ≤ 0.05, as in their DLMC runs). */
  alg: 0 | 1 | 2 | 3;
  /** The raw output of the ported equations (before our clamps): m_c, k_c, n_c. */
  raw: { mc: number; kc: number; nc: number };
  /** One line per decision, for display. */
  why: string[];
}

/**
 * Rosko's packed sparse A (the authors' "compressed" sp_pack_t with explicit counts, no sentinel).
 * Tiles of m_r × k_c are stored in the order CB row block → k_c block → core → m_r tile.
 * Inside a tile: stored (non-empty) columns; for each, its nonzeros with their row inside the tile.
 */
export interface RoskoPacked {
  format: 'rosko-v1';
  M: number;
  K: number;
  mr: number;
  mc: number;
  kc: number;
  p: number;
  /** Column order inside a tile: original k order, or by descending nonzero count (the compressed path's bucket sort). */
  order: 'k' | 'density';
  /** Defaults for spmm (from the tile model at pack time). */
  nr: Nr;
  nc: number;
  Mb: number;
  Kb: number;
  ntiles: number;
  nnz: number;
  /** Number of stored (non-empty) column segments. */
  ncols: number;
  /** f32[nnz] nonzero values, tile by tile, column by column. */
  vals: Float32Array;
  /** u8[nnz] row of each nonzero inside its m_r tile. */
  loc: Uint8Array;
  /** u8[ncols] nonzeros in each stored column segment (1..m_r). */
  nnzOuter: Uint8Array;
  /** i32[ncols] column index of each stored segment inside its k_c block. */
  kInd: Int32Array;
  /** i32[ntiles+1] prefix sums of nonzeros per tile. */
  tileNnz: Int32Array;
  /** i32[ntiles+1] prefix sums of stored columns per tile. */
  tileCols: Int32Array;
  /** i32[Mb·Kb·p + 1] first tile of each (block, k_c block, core) group. */
  groupStart: Int32Array;
}

export interface PackOptions {
  /** m_r (rows per tile, 1..255 because `loc` is u8). Default: from tileModel. */
  mr?: number;
  /** Rows of A per core in a CB block, m_c (default: from tileModel). */
  mc?: number;
  /** Columns of A (rows of B) per CB block, k_c (default: from tileModel). */
  kc?: number;
  /** Cores the packing is laid out for (default: tile model's p). */
  p?: number;
  /** Microtile width n_r stored as spmm's default (one of NR_CHOICES; default: from tileModel). */
  nr?: Nr;
  /** Columns of C per CB block, n_c, stored as spmm's default (default: from tileModel). */
  nc?: number;
  /** Number of columns of the B this A will multiply (tile model input; default 256, SparseDense's 64). */
  N?: number;
  /**
   * Column order inside a tile: 'k' (default, original column order) or 'density' (descending nonzero count, the
   * authors' compressed-path bucket sort).
   */
  order?: 'k' | 'density';
  /** Hardware for the tile model (default: readHardware()). */
  hw?: Hardware;
}

export interface SpmmOptions {
  /** Microtile width n_r (default: the packing's, from the tile model; one of NR_CHOICES). */
  nr?: Nr;
  /** Columns of C per CB block n_c (default: the packing's, from the tile model; rounded down to a multiple of n_r). */
  nc?: number;
  /** Pack B into K×n_r panels before the kernel (default true, as the paper's pack_B). false: the kernel reads B
   *  row-major where it was copied (one pass less over B; pays off at very high sparsity, where few B rows are read). */
  packB?: boolean;
  /** Check B for NaN/Inf (default true; benchmarks turn it off, since tfjs does not check either). */
  validate?: boolean;
  /**
   * Write C here (a Float32Array of exactly M·N values, not overlapping B) and return it as the result's data, instead
   * of allocating a new array per call: for repeated products (a layer run image after image). RoskoPool's workers
   * write straight into an `out` backed by a SharedArrayBuffer; an ordinary one is filled by the calling thread.
   */
  out?: Float32Array;
}
