/**
 * Options and results of the CIM crossbar simulator (shared by the reprogramming paper and SWS).
 *
 * Tags in comments: [PAPER] read in the paper, [INFERRED] reconstruction of an unknown detail (an explicit
 * option, default documented), [OURS] our design choice. Papers: arXiv:2410.21730 (reprogramming) and arXiv:2410.11298 (SWS).
 */

/**
 * How a signed integer weight q ∈ [−(2^(b−1)−1), 2^(b−1)−1] is stored in unsigned cells.
 * - 'sign-magnitude' [INFERRED default]: ⌈(b−1)/cellBits⌉ magnitude columns (low-order first) + 1 sign column.
 *   Reconstruction: the sign cell steers its row's magnitude current to a + or − bit line (digital subtraction
 *   after the ADC), so column sum = Σ x·mag·[q≥0] − Σ x·mag·[q<0]. Low-magnitude weights leave the high
 *   columns at 0, which is what sorting relies on. 8 columns per int8 weight with 1-bit cells ⇒ 16 outputs per 128 columns.
 * - 'pair': positive/negative array pair (CrossSim BALANCED): ⌈(b−1)/cellBits⌉ columns for max(q,0) and as many for max(−q,0).
 * - 'offset': u = q + 2^(b−1) stored unsigned in ⌈b/cellBits⌉ columns; 2^(b−1)·Σx is subtracted digitally.
 *   Zero becomes 0b1000_0000, so low-magnitude weights set the top column (kept for ablations).
 */
export type SignMode = 'sign-magnitude' | 'pair' | 'offset';

export interface CrossbarConfig {
  /** Word lines (inputs) per crossbar. Default 128 [INFERRED: ISAAC/PUMA/NeuroSim default]. */
  rows: number;
  /** Bit lines (cells per row). Default 128. */
  cols: number;
  /** Bits per memristor cell, 1 or 2. Default 1 [INFERRED]. */
  cellBits: 1 | 2;
  /** Total weight bits including sign, 2..8. Default 8 (int8 symmetric, q ∈ [−127, 127]) [INFERRED]. */
  weightBits: number;
  /** Default 'sign-magnitude' [INFERRED]; see SignMode. */
  signMode: SignMode;
}

/**
 * Order of each output's weights before they are cut into crossbar row blocks ("sections").
 * - 'none': natural input order (baseline).
 * - 'signed' [INFERRED default for sorting]: ascending signed value per output (stable, index tie-break). Sections
 *   become single-sign and similar across outputs at the same rank.
 * - 'abs': ascending |q| per output (the literal SWS reading).
 * Routing [INFERRED, idealized]: each output's column group receives its inputs gathered in its own sorted order
 * (per-column-group input routing), which is how the permutation is undone so outputs stay exact.
 */
export type SortKey = 'none' | 'signed' | 'abs';

/**
 * How sorted rows get their inputs (only matters when sort ≠ 'none'). A crossbar row is one word line shared by all
 * columns, so every output (slot) of a tile sees the same input on a row.
 * - 'shared' (default) [OURS, physically plain wiring]: one input order per tile column block (all its outputs), by the
 *   block's summed key (Σ q for 'signed', Σ |q| for 'abs'); all slots are driven in one input phase, like the unsorted
 *   grid. `optimizeSharedRouting` refines the order (row alignment by min-cost assignment) and keeps the best candidate.
 * - 'per-output' [INFERRED idealization]: every output (slot) has its own sorted input order. Exact only when each
 *   slot's columns are read in their own input phase with that slot's gathered inputs (up to `slots`× more input
 *   cycles per tile; `routingCost` counts them). Needed by packSections.
 */
export type Routing = 'per-output' | 'shared';

/** One weight matrix mapped onto tiles (conv layers unrolled to [cout, kh·kw·cin]). */
export interface MappedLayer {
  name: string;
  nOut: number;
  nIn: number;
  /** Row-major [nOut][nIn] integer weights. */
  q: Int8Array;
  /** Dequantization scale: length 1 (per-tensor) or nOut (per-channel). */
  scale: Float32Array;
  sort: SortKey;
  /** Absent for unsorted layers (identity order, which either wiring provides). */
  routing?: Routing;
  /** [nOut][nIn]: input index at sorted position p of output j; null = identity. */
  perm: Int32Array | null;
  config: CrossbarConfig;
  /** Output slots per crossbar (= floor(cols / groupWidth)). */
  slots: number;
  /** Physical columns per output. */
  groupWidth: number;
  /** Tile grid: rowBlocks = ⌈nIn/rows⌉ (input blocks / sections), colBlocks = ⌈nOut/slots⌉. Tile t = rb·colBlocks + cb. */
  rowBlocks: number;
  colBlocks: number;
  tiles: number;
  /**
   * Explicit section placement (set by `packSections`; absent = the grid above). Entry t·slots + k says what slot k
   * of tile t holds: rows 0..len−1 carry positions [start, start + len) of output `out`'s (sorted) input order;
   * out = −1 marks an empty slot. Each output's partial sums are accumulated digitally from whichever slots hold it.
   */
  sections?: SectionTable;
}

/** See MappedLayer.sections. Arrays of length tiles·slots. */
export interface SectionTable {
  out: Int32Array;
  start: Int32Array;
  len: Int32Array;
}

export type InputMode = 'unsigned' | 'twos-complement';

export interface MvmOptions {
  /** Bits per input, streamed one bit per cycle (1-bit DAC) [INFERRED]. Default 8. */
  inputBits?: number;
  /** 'unsigned' (after ReLU, default) or 'twos-complement' (MSB cycle weighted −2^(n−1)). */
  inputMode?: InputMode;
}

/**
 * Scheduling of tiles onto P physical crossbars over one inference pass.
 * - 'round-robin' (naive baseline): layers in order, tiles row-major, load i goes to crossbar i mod P.
 * - 'chunked' [OURS]: each layer's tile list is cut into min(P, L) contiguous chunks; chunk c goes to
 *   crossbar ⌊c·P/n⌋, so a crossbar's consecutive loads are neighbours in (sorted) tile order and sit in the same
 *   quantile band from layer to layer.
 * - 'chunked-zigzag': as 'chunked', but the direction inside chunks alternates per layer and per pass, so the
 *   wrap-around does not jump from the largest back to the smallest section.
 * - 'similarity' [OURS, arXiv:2410.21730's "schedule reprogramming of similar crossbars"]: layers in order; each layer is
 *   loaded in ⌈L/P⌉ rounds (the same latency as the other policies), and in every round tiles go to crossbars by
 *   greedy minimum Hamming distance between the tile's image and what the crossbar holds (across layers too).
 *   State-aware, so the schedule is computed per pass inside simulateReprogramming (an offline compiler can do the
 *   same: weights are static). Cost O(P·tiles·rows·cols/32) per pass: meant for models up to a few thousand tiles.
 * - 'chunked-similarity' [OURS]: the 'chunked-zigzag' walk inside each layer, but each chunk goes to the free crossbar
 *   whose content is closest (Hamming) to the chunk's first tile, so layer switches land on similar crossbars.
 *   State-aware like 'similarity'; cost O(P·min(P, L)·rows·cols/32) per layer.
 * - 'chunked-affinity' [OURS, "schedule similar crossbars" across layers]: as 'chunked-zigzag', but when every layer
 *   shape's largest tile count fits side by side (Σ over shapes ≤ P), each shape (nOut×nIn) gets its own crossbar range,
 *   so a repeated block's layer (e.g. every ViT qkv) lands tile for tile on the crossbars that hold the previous
 *   block's same layer. Same latency (⌈L/P⌉ rounds: a range holds all of a layer's tiles). Otherwise = 'chunked-zigzag'.
 */
export type SchedulePolicy = 'round-robin' | 'chunked' | 'chunked-zigzag' | 'chunked-affinity' | 'similarity' | 'chunked-similarity';

export interface ReprogramOptions {
  /** Physical crossbars P. Default ⌈tiles/8⌉ (reference setting). */
  physical?: number;
  /** Which tile goes to which physical crossbar, in what order (default 'round-robin', the naive baseline); see SchedulePolicy. */
  policy?: SchedulePolicy;
  /** Inference passes simulated; crossbars start blank (all cells 0). Metrics are from the last pass. Default 2. */
  passes?: number;
  /**
   * Bit stucking [PAPER technique 2, details INFERRED]: in the k lowest-order data columns (slice index < k, per
   * polarity; sign columns never) only a random fraction f of the cells that need to change are rewritten; the
   * rest keep their stale state. Default k = 0 (off). An array gives one k per layer (e.g. stuckColumnsByMagnitude).
   */
  stuckColumns?: number | number[];
  /** f ∈ [0, 1]. Default 1. */
  rewriteFraction?: number;
  /** Seed of the bit-stucking draws (which stale cells are rewritten; default 0). */
  seed?: number;
  /** Count writes per physical cell (needs P·rows·cols·4 bytes) to report max / p99 / mean writes per cell. Default false. */
  trackCells?: boolean;
  /** Passes (the last ones) whose writes the per-cell counts add up, 1..passes (endurance over many reloads). Default 1. */
  countPasses?: number;
  /** Return the per-cell counts ([P][rows][cols], implies trackCells). Default false. */
  returnCellCounts?: boolean;
  /**
   * Tile-to-crossbar matching per round of the state-aware policies ('similarity', 'chunked-similarity'): 'greedy'
   * (default: repeatedly the closest free pair) or 'hungarian' (min total Hamming distance, Munkres).
   */
  assignment?: 'greedy' | 'hungarian';
  /** Called after every load with the crossbar index, its state after the load (a view: copy it) and the pass. */
  onLoad?: (xbar: number, state: Uint32Array, pass: number) => void;
  /** Return the effective (stale-bit) weights of the last pass per layer. Default false. */
  returnEffective?: boolean;
  /** Called with (loads done, total loads) every 1024 loads and once at the end (default: none). */
  progress?: (done: number, total: number) => void;
  /** Checked every 1024 loads; aborting throws `Aborted` (default: none). */
  signal?: AbortSignal;
}

export interface WeightError {
  /** Weights whose stored value differs from the target in the last pass. */
  changedWeights: number;
  totalWeights: number;
  /** Mean |Δq| over all weights, in LSB. */
  meanAbs: number;
  maxAbs: number;
  /** sqrt(ΣΔq² / Σq²). */
  relRms: number;
}

export interface ReprogramResult {
  physical: number;
  tiles: number;
  /** Loads per pass (= tiles). */
  loads: number;
  /** Cells whose state changed, last pass. */
  cellWrites: number;
  /** Write-everything baseline, last pass: loads × rows × cols. */
  fullWrites: number;
  /** Columns with at least one changed cell, last pass. */
  columnWrites: number;
  /** Loads with at least one changed cell, last pass. */
  crossbarWrites: number;
  /** Cell writes per pass (index 0 starts from blank crossbars). */
  perPassCellWrites: number[];
  /** Max writes of a single physical cell over the counted passes (endurance-limiting); NaN unless trackCells. */
  maxWritesPerCell: number;
  /** 99th-percentile (nearest rank) writes per physical cell over the counted passes, all P·rows·cols cells; NaN unless trackCells. */
  p99WritesPerCell: number;
  /** Mean writes per physical cell over the counted passes; NaN unless trackCells. */
  meanWritesPerCell: number;
  /** Passes the per-cell counts cover (countPasses). */
  countedPasses: number;
  /** Per-cell write counts [P][rows][cols] (returnCellCounts). */
  cellCounts?: Uint32Array;
  weightError: WeightError;
  /** Per layer, the weights actually stored when that tile was used in the last pass (returnEffective). */
  effective?: Int8Array[];
}
