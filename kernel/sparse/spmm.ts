/**
 * Single-thread kernels over rosko.wasm: Rosko SpMM, CSR SpMM (sparse baseline) and dense GEMM (dense baseline).
 * Every call copies B into wasm memory, packs it (Rosko: K×n_r panels; dense: K×8 panels; CSR reads it row-major),
 * runs the kernel and copies C out: exactly what the authors' rosko_sgemm times (A is pre-packed and cached).
 */
import { InvalidInput, describe } from '../core/errors';
import type { MatrixLike } from '../core/matrix';
import { chooseKernel, type KernelChoice } from './dispatch';
import { asMatrix, checkCsr, checkMatrix, toCsr, unpack } from './pack';
import { readHardware } from './tiles';
import { NR_CHOICES, type Csr, type Hardware, type Matrix, type Nr, type RoskoPacked, type SpmmOptions } from './types';
import { getEngine, type Engine } from './wasm';

export interface RoskoPlan {
  pk: RoskoPacked;
  N: number;
  nr: Nr;
  nc: number;
  npanTotal: number;
  cpStride: number;
  /** byte offsets: vals, loc, nnzOuter, kInd, tileNnz, tileCols, groupStart */
  a: number[];
  bIn: number;
  bp: number;
  /** B packed into K×n_r panels (the paper) or read row-major in place. */
  packB: boolean;
  cp: number;
  c: number;
  /** B as a float32 matrix (the caller's, not a copy). */
  B: Matrix;
}

function checkB(pk: { K: number }, B0: MatrixLike, validate: boolean): Matrix {
  const B = asMatrix('B', B0);
  checkMatrix('B', B, validate);
  if (B.rows !== pk.K)
    throw new InvalidInput(`B has ${B.rows} rows; expected K = ${pk.K} (A is ${describe((pk as RoskoPacked).M)}×${pk.K})`);
  return B;
}

/**
 * The caller's result buffer (`opts.out`), checked before any work: a Float32Array of exactly M·N values sharing no
 * bytes with B or with the engine's wasm memory (the kernels read B and overwrite their scratch while C is written).
 * undefined when none is given.
 */
export function checkOut(out: unknown, M: number, N: number, B: Matrix, e: Engine): Float32Array | undefined {
  if (out === undefined) return undefined;
  if (!(out instanceof Float32Array)) throw new InvalidInput(`out must be a Float32Array of M·N = ${M}·${N} values, got ${describe(out)}`);
  if (out.length !== M * N) throw new InvalidInput(`out has ${out.length} values; expected M·N = ${M}·${N} = ${M * N}`);
  if (out.buffer === e.memory.buffer)
    throw new InvalidInput("out is a view of the sparse engine's wasm memory, which the kernels use as scratch; give C its own buffer");
  const b = B.data;
  if (out.buffer === b.buffer && out.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < out.byteOffset + out.byteLength)
    throw new InvalidInput('out overlaps B; give C its own buffer');
  return out;
}

/** C (n floats at byte offset c of wasm memory) as the result's data: copied into `out` when given, else into a new array. */
function takeC(e: Engine, c: number, n: number, out: Float32Array | undefined): Float32Array {
  const src = e.f32(c, n);
  if (!out) return src.slice();
  out.set(src);
  return out;
}

/** Allocate and stage everything for one Rosko product (B copied in, not yet packed). */
export function planRosko(
  e: Engine,
  pk: RoskoPacked,
  B0: MatrixLike,
  opts: SpmmOptions = {},
  owner: 'sync' | 'pool' = 'sync',
  /** pool: how many private C_p sets (one per worker) and whether the caller's threads copy B in themselves */
  pool: { cpSets: number; copyB: boolean } = { cpSets: 1, copyB: true },
): RoskoPlan {
  if (!pk || pk.format !== 'rosko-v1') throw new InvalidInput(`spmm needs a packed A from pack(), got ${describe(pk)}`);
  const B = checkB(pk, B0, opts.validate ?? true);
  const N = B.cols;
  checkOut(opts.out, pk.M, N, B, e);
  const nr = opts.nr ?? pk.nr;
  if (!NR_CHOICES.includes(nr)) throw new InvalidInput(`nr must be one of ${NR_CHOICES.join(', ')}, got ${describe(nr)}`);
  let nc = opts.nc ?? pk.nc;
  nc = Math.max(nr, Math.min(nc - (nc % nr), Math.ceil(N / nr) * nr));
  const npanTotal = Math.ceil(N / nr);
  const maxRows = Math.max(Math.ceil(pk.mc / pk.mr), Math.ceil(Math.ceil(Math.min(pk.p * pk.mc, pk.M) / pk.mr) / pk.p)) * pk.mr;
  const cpStride = maxRows * (nc / nr) * nr * 4;
  const a = e.upload(pk, [pk.vals, pk.loc, pk.nnzOuter, pk.kInd, pk.tileNnz, pk.tileCols, pk.groupStart], owner);
  const packB = opts.packB ?? true;
  // unpacked B is read row-major in place; n_r floats of zero padding cover the last row's partial panel
  const [bIn, bp, cp, c] = e.scratch(
    [(pk.K * N + nr) * 4, packB ? pk.K * npanTotal * nr * 4 : 0, cpStride * pk.p * pool.cpSets, pk.M * N * 4],
    owner,
  ) as [number, number, number, number];
  if (pool.copyB) e.f32(bIn, pk.K * N).set(B.data);
  e.f32(bIn + pk.K * N * 4, nr).fill(0);
  return { pk, N, nr, nc, npanTotal, cpStride, a, bIn, bp: packB ? bp : bIn, packB, cp, c, B };
}

export function packBHeader(
  e: Engine,
  slot: number,
  bIn: number,
  bp: number,
  K: number,
  N: number,
  nr: number,
  j0: number,
  j1: number,
): number {
  return e.header(slot, [bIn, bp, K, N, nr, j0, j1]);
}

/** Header for one rosko_n{nr} call: core slices coreLo, coreLo+coreStep, … < p, columns [nLo, nHi), C_p set `cpSet`. */
export function roskoHeader(
  e: Engine,
  slot: number,
  pl: RoskoPlan,
  coreLo: number,
  coreStep: number,
  nLo = 0,
  nHi = pl.N,
  cpSet = 0,
): number {
  const { pk } = pl;
  const [rowStride, panelStride] = pl.packB ? [pl.nr * 4, pk.K * pl.nr * 4] : [pl.N * 4, pl.nr * 4];
  return e.header(slot, [
    ...pl.a,
    pl.bp,
    pl.cp + cpSet * pl.cpStride * pk.p,
    pl.c,
    pk.M,
    pk.K,
    pl.N,
    pk.mr,
    pk.mc,
    pk.kc,
    pl.nc,
    pk.p,
    coreLo,
    coreStep,
    pk.Mb,
    pk.Kb,
    pl.cpStride,
    rowStride,
    panelStride,
    nLo,
    nHi,
  ]);
}

/**
 * C = A·B with A Rosko-packed (M×K) and B dense (K×N), on the kernel the analytic cost model predicts fastest for this
 * shape, nnz and cache sizes (dispatch.ts: Rosko, CSR or dense GEMM; no run-time timing). `opts.kernel` forces one.
 * Returns C (M×N, a new Float32Array). With the default column order ('k') every kernel sums each C entry over k in
 * increasing order with separate f32 multiply and add, so all three give the same bits (dense adds the zero products
 * too, which can only flip the sign of an exact zero). The CSR / dense forms of A are derived from the packing on first
 * use and cached with it. Single thread; for two workers see RoskoPool (workers.ts).
 */
export function spmm(pk: RoskoPacked, B: MatrixLike, opts: DispatchedSpmmOptions = {}): Matrix {
  const kernel = opts.kernel ?? 'auto';
  if (!['auto', 'rosko', 'csr', 'dense'].includes(kernel))
    throw new InvalidInput(`kernel must be 'auto', 'rosko', 'csr' or 'dense', got ${describe(kernel)}`);
  if (!pk || pk.format !== 'rosko-v1') throw new InvalidInput(`spmm needs a packed A from pack(), got ${describe(pk)}`);
  const Bm = asMatrix('B', B);
  const k = kernel === 'auto' ? spmmKernel(pk, Bm.cols, opts.hw) : kernel;
  if (k === 'rosko') return roskoSpmm(pk, Bm, opts);
  if (k === 'csr') return csrSpmm(csrOf(pk), Bm, opts);
  return denseGemm(denseOf(pk), Bm, opts);
}
export interface DispatchedSpmmOptions extends SpmmOptions {
  /** Which kernel runs (default 'auto': chooseKernel's analytic pick for this shape, nnz and cache sizes). */
  kernel?: KernelChoice | 'auto';
  /** Machine for the pick (default: readHardware() of this machine, read once). */
  hw?: Hardware;
}
const forms = new WeakMap<RoskoPacked, { csr?: Csr; dense?: Matrix }>();
function formsOf(pk: RoskoPacked): { csr?: Csr; dense?: Matrix } {
  let f = forms.get(pk);
  if (!f) forms.set(pk, (f = {}));
  return f;
}
/** A's CSR form, derived from the packing once and cached with it. */
export function csrOf(pk: RoskoPacked): Csr {
  const f = formsOf(pk);
  return (f.csr ??= toCsr(f.dense ?? unpack(pk)));
}
/** A as a dense matrix, derived from the packing once and cached with it. */
export function denseOf(pk: RoskoPacked): Matrix {
  const f = formsOf(pk);
  return (f.dense ??= unpack(pk));
}
let hwCache: Hardware | null = null;
/** This machine's caches and cores (readHardware(), read once per process). */
export function defaultHardware(): Hardware {
  return (hwCache ??= readHardware());
}
/** spmmKernel's answers per packed A, keyed by N and the machine (the choice is a pure function of those). */
const choices = new WeakMap<RoskoPacked, Map<string, KernelChoice>>();

/**
 * The kernel spmm() runs for this packed A and an N-column B (chooseKernel with the packing's own column count).
 * The answer is cached with the packing (per N and machine), so a repeated product pays a map lookup, not the cost model.
 */
export function spmmKernel(pk: RoskoPacked, N: number, hw?: Hardware): KernelChoice {
  const h = hw ?? defaultHardware();
  const n = Math.max(1, N);
  const key = `${n}|${h.l1}|${h.l2}|${h.l3}|${h.cores}`;
  let m = choices.get(pk);
  const hit = m?.get(key);
  if (hit) return hit;
  const tiles = { mr: pk.mr, nr: pk.nr, mc: pk.mc, kc: pk.kc, nc: pk.nc, p: pk.p };
  const k = chooseKernel(h, { M: pk.M, K: pk.K, N: n, nnz: pk.nnz, ncols: pk.ncols, tiles }).kernel;
  if (!m) choices.set(pk, (m = new Map()));
  m.set(key, k);
  return k;
}

/**
 * The Rosko kernel itself: C = A·B with A Rosko-packed, single thread. The packed object is treated as immutable: its
 * arrays are uploaded to wasm memory on first use and cached by identity.
 */
export function roskoSpmm(pk: RoskoPacked, B: MatrixLike, opts: SpmmOptions = {}): Matrix {
  return runRosko(pk, B, opts, false).C;
}

/** Instrumented spmm: also returns the vector multiply-adds (f32x4 mul+add pairs) and B-row loads performed. */
export function spmmCounts(pk: RoskoPacked, B: MatrixLike, opts: SpmmOptions = {}): { C: Matrix; vectorMadds: number; bRowLoads: number } {
  return runRosko(pk, B, opts, true);
}

function runRosko(
  pk: RoskoPacked,
  B: MatrixLike,
  opts: SpmmOptions,
  count: boolean,
): { C: Matrix; vectorMadds: number; bRowLoads: number } {
  const e = getEngine();
  const pl = planRosko(e, pk, B, opts);
  if (pl.packB) e.ex.pack_b(packBHeader(e, 0, pl.bIn, pl.bp, pk.K, pl.N, pl.nr, 0, pl.npanTotal));
  const fn = e.ex[`${count ? 'rosko_count' : 'rosko'}_n${pl.nr}`] as (h: number) => void;
  if (count) e.ex.resetCounts();
  fn(roskoHeader(e, 0, pl, 0, 1));
  const C = { rows: pk.M, cols: pl.N, data: takeC(e, pl.c, pk.M * pl.N, opts.out) };
  return { C, vectorMadds: count ? e.ex.getMadds() : 0, bRowLoads: count ? e.ex.getBrows() : 0 };
}

/** CSR SpMM baseline (row-wise, 16 columns in 4 f32x4 registers), same toolchain. A is validated with checkCsr. */
export function csrSpmm(
  A: Csr,
  B0: MatrixLike,
  opts: {
    /** Check B for NaN/Inf (default true; benchmarks turn it off, since tfjs does not check either). */
    validate?: boolean;
    /** Write C here (M·N floats, not overlapping B) instead of a new array: see SpmmOptions.out. */
    out?: Float32Array;
  } = {},
): Matrix {
  const e = getEngine();
  if (!csrChecked.has(A)) {
    checkCsr(A);
    csrChecked.add(A);
  }
  const B = checkB({ K: A.cols }, B0, opts.validate ?? true);
  const N = B.cols,
    M = A.rows;
  checkOut(opts.out, M, N, B, e);
  const [rp, ci, va] = e.upload(A, [A.rowPtr, A.colIdx, A.values]) as [number, number, number];
  const [bIn, c] = e.scratch([A.cols * N * 4, M * N * 4]) as [number, number];
  e.f32(bIn, A.cols * N).set(B.data);
  e.ex.csr_spmm(e.header(0, [rp, ci, va, bIn, c, M, N, 0, M]));
  return { rows: M, cols: N, data: takeC(e, c, M * N, opts.out) };
}
const csrChecked = new WeakSet<Csr>();

/** Dense GEMM from the same generator (4×8 register block, B packed into 8-wide panels, 64-row blocks of A). */
export function denseGemm(
  A0: MatrixLike,
  B0: MatrixLike,
  opts: {
    /** Check B for NaN/Inf (default true; benchmarks turn it off, since tfjs does not check either). */
    validate?: boolean;
    /** Write C here (M·N floats, not overlapping B) instead of a new array: see SpmmOptions.out. */
    out?: Float32Array;
  } = {},
): Matrix {
  const e = getEngine();
  const A = asMatrix('A', A0);
  if (!denseChecked.has(A)) {
    checkMatrix('A', A);
    denseChecked.add(A);
  }
  const B = checkB({ K: A.cols }, B0, opts.validate ?? true);
  const M = A.rows,
    K = A.cols,
    N = B.cols,
    np = Math.ceil(N / 8);
  checkOut(opts.out, M, N, B, e);
  const [a] = e.upload(A, [A.data]) as [number];
  const [bIn, bp, c, tmp] = e.scratch([K * N * 4, K * np * 32, M * N * 4, 64]) as [number, number, number, number];
  e.f32(bIn, K * N).set(B.data);
  e.ex.pack_b(packBHeader(e, 0, bIn, bp, K, N, 8, 0, np));
  e.ex.gemm_4x8(e.header(0, [a, bp, c, K, N, M, 0, M, 64, tmp]));
  return { rows: M, cols: N, data: takeC(e, c, M * N, opts.out) };
}
const denseChecked = new WeakSet<Matrix>();
