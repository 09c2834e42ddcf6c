/**
 * Rosko packing of a sparse A (M×K) and the inverse. Format: see RoskoPacked in types.ts.
 * Tile order (authors' pack_A_csr_to_sp_k_first): CB row block (p·m_c rows) → k_c block → core (m_c rows) → m_r tile.
 * Empty column segments are dropped (column skipping); zeros inside a stored column are not stored (row skipping).
 */
import { FormatError, InvalidInput, check, checkInt, describe } from '../core/errors';
import { toMatrixF32, type MatrixLike } from '../core/matrix';
import { readHardware, tileModel } from './tiles';
import { NR_CHOICES, type Csr, type Matrix, type PackOptions, type RoskoPacked } from './types';

/** Rows owned by `core` in CB block `b` (same rule as the wasm loop nest): [start, start+count). */
export function coreRows(M: number, mr: number, mc: number, p: number, b: number, core: number): { start: number; count: number } {
  const m1 = b * p * mc;
  const blockRows = Math.min(p * mc, M - m1);
  const perCore = blockRows === p * mc ? mc : Math.ceil(Math.ceil(blockRows / mr) / p) * mr;
  const r0 = core * perCore;
  return { start: m1 + r0, count: Math.max(0, Math.min(perCore, blockRows - r0)) };
}

export function checkMatrix(name: string, m: Matrix, finite = true): void {
  if (!m || typeof m !== 'object' || !(m.data instanceof Float32Array))
    throw new InvalidInput(`${name} must be { rows, cols, data: Float32Array }, got ${describe(m)}`);
  checkInt(`${name}.rows`, m.rows, 0);
  checkInt(`${name}.cols`, m.cols, 0);
  if (m.data.length !== m.rows * m.cols)
    throw new InvalidInput(`${name}.data has ${m.data.length} values; expected rows·cols = ${m.rows}·${m.cols} = ${m.rows * m.cols}`);
  if (finite)
    for (let i = 0; i < m.data.length; i++) {
      if (!Number.isFinite(m.data[i]!))
        throw new InvalidInput(
          `${name}.data[${i}] (row ${Math.floor(i / m.cols)}, col ${i % m.cols}) is ${describe(m.data[i])}; expected a finite number`,
        );
    }
}

/**
 * Any MatrixLike (npy `{ shape, data }`, nested arrays, a tensor, int64 data within ±2^53, …) as a float32 Matrix.
 * A `{ rows, cols, data: Float32Array }` is returned as is (its identity keys the wasm upload caches).
 */
export function asMatrix(name: string, m: MatrixLike): Matrix {
  const x = m as Partial<Matrix>;
  if (x && typeof x === 'object' && x.data instanceof Float32Array && typeof x.rows === 'number' && typeof x.cols === 'number')
    return m as Matrix;
  return toMatrixF32(m, name);
}

/** Validate a user-supplied CSR: shapes, monotone rowPtr, in-range and strictly increasing column indices, finite values. */
export function checkCsr(a: Csr): void {
  if (!a || typeof a !== 'object') throw new InvalidInput(`CSR must be an object, got ${describe(a)}`);
  checkInt('csr.rows', a.rows, 0);
  checkInt('csr.cols', a.cols, 0);
  if (!(a.rowPtr instanceof Int32Array) || !(a.colIdx instanceof Int32Array) || !(a.values instanceof Float32Array)) {
    throw new InvalidInput('csr needs rowPtr: Int32Array, colIdx: Int32Array, values: Float32Array');
  }
  if (a.rowPtr.length !== a.rows + 1) throw new FormatError(`csr.rowPtr has length ${a.rowPtr.length}; expected rows+1 = ${a.rows + 1}`);
  if (a.rowPtr[0] !== 0) throw new FormatError(`csr.rowPtr[0] is ${a.rowPtr[0]}; expected 0`);
  const nnz = a.rowPtr[a.rows]!;
  if (a.colIdx.length !== nnz || a.values.length !== nnz)
    throw new FormatError(`csr has rowPtr[rows] = ${nnz} but colIdx/values lengths ${a.colIdx.length}/${a.values.length}`);
  for (let r = 0; r < a.rows; r++) {
    const e0 = a.rowPtr[r]!,
      e1 = a.rowPtr[r + 1]!;
    if (e1 < e0) throw new FormatError(`csr.rowPtr decreases at row ${r}: ${e0} → ${e1}; expected non-decreasing`);
    for (let e = e0; e < e1; e++) {
      const c = a.colIdx[e]!;
      if (c < 0 || c >= a.cols) throw new FormatError(`csr.colIdx[${e}] = ${c} (row ${r}) is outside [0, ${a.cols})`);
      if (e > e0 && c <= a.colIdx[e - 1]!)
        throw new FormatError(`csr column indices of row ${r} are not strictly increasing: ${a.colIdx[e - 1]} then ${c} at entry ${e}`);
      if (!Number.isFinite(a.values[e]!))
        throw new InvalidInput(`csr.values[${e}] (row ${r}, col ${c}) is ${describe(a.values[e])}; expected a finite number`);
    }
  }
}

/** Dense → CSR (exact zeros dropped). `a`: any MatrixLike (`{ rows, cols, data }`, npy `{ shape, data }`, nested arrays, tensor). */
export function toCsr(a0: MatrixLike): Csr {
  const a = asMatrix('A', a0);
  checkMatrix('A', a);
  const { rows, cols, data } = a;
  let nnz = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1),
    colIdx = new Int32Array(nnz),
    values = new Float32Array(nnz);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[o + c]!;
      if (v !== 0) {
        colIdx[e] = c;
        values[e++] = v;
      }
    }
    rowPtr[r + 1] = e;
  }
  return { rows, cols, rowPtr, colIdx, values };
}

/** A CSR matrix as a dense row-major float32 Matrix (no validation: run checkCsr first on untrusted input). */
export function csrToDense(a: Csr): Matrix {
  const data = new Float32Array(a.rows * a.cols);
  for (let r = 0; r < a.rows; r++) for (let e = a.rowPtr[r]!; e < a.rowPtr[r + 1]!; e++) data[r * a.cols + a.colIdx[e]!] = a.values[e]!;
  return { rows: a.rows, cols: a.cols, data };
}

const isCsr = (a: unknown): a is Csr => typeof a === 'object' && a !== null && 'rowPtr' in a;

/**
 * Pack A (dense M×K: `{ rows, cols, data }`, npy `{ shape, data }`, nested arrays or a tensor; or CSR) into Rosko's format. Tile sizes default to `tileModel(readHardware(), {M, K, N}, density)`;
 * any of mr/mc/kc/p/nr/nc can be given. Throws InvalidInput on NaN/shape errors and FormatError on a malformed CSR.
 */
export function pack(A: MatrixLike | Csr, opts: PackOptions = {}): RoskoPacked {
  let csr: Csr;
  if (isCsr(A)) {
    checkCsr(A);
    csr = A;
  } else csr = toCsr(A);
  const M = csr.rows,
    K = csr.cols;
  check(M >= 1 && K >= 1, `A must have at least one row and column, got ${M}×${K}`);
  const nnzTotal = csr.rowPtr[M]!;
  const N = opts.N !== undefined ? checkInt('N', opts.N) : 256;
  const needModel = [opts.mr, opts.mc, opts.kc, opts.p, opts.nr, opts.nc].some((x) => x === undefined);
  const tm = needModel ? tileModel(opts.hw ?? readHardware(), { M, K, N }, nnzTotal / (M * K), { mr: opts.mr, nr: opts.nr }) : null;
  const mr = checkInt('mr', opts.mr ?? tm!.mr, 1, 255);
  const mc = checkInt('mc', opts.mc ?? tm!.mc, 1);
  const kc = checkInt('kc', opts.kc ?? tm!.kc, 1);
  const p = checkInt('p', opts.p ?? tm!.p, 1, 64);
  const nr = opts.nr ?? tm!.nr;
  if (!NR_CHOICES.includes(nr)) throw new InvalidInput(`nr must be one of ${NR_CHOICES.join(', ')}, got ${describe(nr)}`);
  const nc = checkInt('nc', opts.nc ?? tm!.nc, 1);
  const order = opts.order ?? 'k';
  if (order !== 'k' && order !== 'density') throw new InvalidInput(`order must be 'k' or 'density', got ${describe(order)}`);
  const Mb = Math.ceil(M / (p * mc)),
    Kb = Math.ceil(K / kc);

  const vals = new Float32Array(nnzTotal),
    loc = new Uint8Array(nnzTotal);
  // column segments: at most min(nnz, tiles·kc); grow as needed
  let cap = Math.max(16, Math.min(nnzTotal, 1 << 20));
  let nnzOuter = new Uint8Array(cap),
    kInd = new Int32Array(cap);
  const tileNnzL: number[] = [0],
    tileColsL: number[] = [0];
  const groupStart = new Int32Array(Mb * Kb * p + 1);
  const ptr = new Int32Array(M);
  const cnt = new Int32Array(kc);
  const first = new Int32Array(kc);
  let nv = 0,
    ncols = 0,
    tile = 0;
  const rowsOf: { start: number; count: number }[] = [];
  for (let b = 0; b < Mb; b++) {
    rowsOf.length = 0;
    for (let c = 0; c < p; c++) rowsOf.push(coreRows(M, mr, mc, p, b, c));
    const bStart = b * p * mc,
      bEnd = Math.min(M, bStart + p * mc);
    for (let r = bStart; r < bEnd; r++) ptr[r] = csr.rowPtr[r]!;
    for (let k1 = 0; k1 < Kb; k1++) {
      const k0 = k1 * kc,
        kEnd = Math.min(K, k0 + kc),
        kcb = kEnd - k0;
      for (let c = 0; c < p; c++) {
        groupStart[(b * Kb + k1) * p + c] = tile;
        const { start, count } = rowsOf[c]!;
        for (let t = 0; t * mr < count; t++) {
          const r0 = start + t * mr,
            rEnd = start + Math.min(count, (t + 1) * mr);
          cnt.fill(0, 0, kcb);
          for (let r = r0; r < rEnd; r++) {
            let e = ptr[r]!;
            const e1 = csr.rowPtr[r + 1]!;
            while (e < e1 && csr.colIdx[e]! < kEnd) {
              cnt[csr.colIdx[e]! - k0]!++;
              e++;
            }
          }
          // column order: k order, or sorted by descending count (stable in k), as the compressed path buckets them
          const cols: number[] = [];
          if (order === 'k') {
            for (let k = 0; k < kcb; k++) if (cnt[k]! > 0) cols.push(k);
          } else {
            for (let k = 0; k < kcb; k++) if (cnt[k]! > 0) cols.push(k);
            cols.sort((x, y) => cnt[y]! - cnt[x]! || x - y);
          }
          if (ncols + cols.length > cap) {
            cap = Math.max(cap * 2, ncols + cols.length);
            const no = new Uint8Array(cap);
            no.set(nnzOuter);
            nnzOuter = no;
            const ki = new Int32Array(cap);
            ki.set(kInd);
            kInd = ki;
          }
          for (const k of cols) {
            first[k] = nv;
            nv += cnt[k]!;
            nnzOuter[ncols] = cnt[k]!;
            kInd[ncols++] = k;
            cnt[k] = 0;
          }
          // scatter rows in ascending order inside each column
          for (let r = r0; r < rEnd; r++) {
            let e = ptr[r]!;
            const e1 = csr.rowPtr[r + 1]!;
            while (e < e1 && csr.colIdx[e]! < kEnd) {
              const k = csr.colIdx[e]! - k0;
              const at = first[k]! + cnt[k]!++;
              vals[at] = csr.values[e]!;
              loc[at] = r - r0;
              e++;
            }
            ptr[r] = e;
          }
          tile++;
          tileNnzL.push(nv);
          tileColsL.push(ncols);
        }
      }
    }
  }
  groupStart[Mb * Kb * p] = tile;
  return {
    format: 'rosko-v1',
    M,
    K,
    mr,
    mc,
    kc,
    p,
    order,
    nr,
    nc,
    Mb,
    Kb,
    ntiles: tile,
    nnz: nv,
    ncols,
    vals,
    loc,
    nnzOuter: nnzOuter.slice(0, ncols),
    kInd: kInd.slice(0, ncols),
    tileNnz: Int32Array.from(tileNnzL),
    tileCols: Int32Array.from(tileColsL),
    groupStart,
  };
}

/** Bytes of the packed format: 5·nnz + 5·ncols + 8·(ntiles+1) (+ the group table). */
export function packedBytes(pk: RoskoPacked): number {
  return (
    pk.vals.byteLength + pk.loc.byteLength + pk.nnzOuter.byteLength + pk.kInd.byteLength + pk.tileNnz.byteLength + pk.tileCols.byteLength
  );
}

/** Check the format invariants; throws FormatError naming the first violation. */
export function validatePacked(pk: RoskoPacked): void {
  const bad = (m: string): never => {
    throw new FormatError(`packed A: ${m}`);
  };
  if (pk.format !== 'rosko-v1') bad(`format is ${describe(pk.format)}; expected 'rosko-v1'`);
  if (pk.tileNnz.length !== pk.ntiles + 1 || pk.tileCols.length !== pk.ntiles + 1)
    bad(`prefix arrays must have ntiles+1 = ${pk.ntiles + 1} entries`);
  if (pk.tileNnz[0] !== 0 || pk.tileCols[0] !== 0) bad('prefix arrays must start at 0');
  if (pk.tileNnz[pk.ntiles] !== pk.nnz || pk.tileCols[pk.ntiles] !== pk.ncols) bad('prefix arrays must end at nnz / ncols');
  if (pk.vals.length !== pk.nnz || pk.loc.length !== pk.nnz || pk.nnzOuter.length !== pk.ncols || pk.kInd.length !== pk.ncols)
    bad('array lengths disagree with nnz / ncols');
  if (pk.groupStart.length !== pk.Mb * pk.Kb * pk.p + 1 || pk.groupStart[pk.groupStart.length - 1] !== pk.ntiles)
    bad('groupStart must have Mb·Kb·p+1 entries ending at ntiles');
  for (let g = 0; g + 1 < pk.groupStart.length; g++) if (pk.groupStart[g + 1]! < pk.groupStart[g]!) bad(`groupStart decreases at ${g}`);
  for (let t = 0; t < pk.ntiles; t++) {
    const c0 = pk.tileCols[t]!,
      c1 = pk.tileCols[t + 1]!,
      v0 = pk.tileNnz[t]!,
      v1 = pk.tileNnz[t + 1]!;
    if (c1 < c0 || v1 < v0) bad(`prefix arrays decrease at tile ${t}`);
    let s = 0;
    for (let c = c0; c < c1; c++) {
      const n = pk.nnzOuter[c]!;
      if (n < 1 || n > pk.mr) bad(`nnzOuter[${c}] = ${n}; expected 1..m_r (${pk.mr}) (empty columns are dropped)`);
      if (pk.kInd[c]! < 0 || pk.kInd[c]! >= pk.kc) bad(`kInd[${c}] = ${pk.kInd[c]} outside [0, k_c = ${pk.kc})`);
      if (pk.order === 'k' && c > c0 && pk.kInd[c]! <= pk.kInd[c - 1]!) bad(`kInd not increasing in tile ${t}`);
      for (let q = v0 + s + 1; q < v0 + s + n; q++) if (pk.loc[q]! <= pk.loc[q - 1]!) bad(`rows not ascending in column segment ${c}`);
      s += n;
    }
    if (s !== v1 - v0) bad(`tile ${t}: Σ nnzOuter = ${s} but the tile holds ${v1 - v0} nonzeros`);
    for (let q = v0; q < v1; q++) if (pk.loc[q]! >= pk.mr) bad(`loc[${q}] = ${pk.loc[q]} ≥ m_r = ${pk.mr}`);
  }
}

/** Inverse of pack: the dense M×K matrix. */
export function unpack(pk: RoskoPacked): Matrix {
  const { M, K, mr, mc, kc, p, Mb, Kb } = pk;
  const data = new Float32Array(M * K);
  for (let b = 0; b < Mb; b++)
    for (let k1 = 0; k1 < Kb; k1++)
      for (let c = 0; c < p; c++) {
        const { start } = coreRows(M, mr, mc, p, b, c);
        const t0 = pk.groupStart[(b * Kb + k1) * p + c]!,
          t1 = pk.groupStart[(b * Kb + k1) * p + c + 1]!;
        for (let t = t0; t < t1; t++) {
          const rowBase = start + (t - t0) * mr;
          let v = pk.tileNnz[t]!;
          for (let col = pk.tileCols[t]!; col < pk.tileCols[t + 1]!; col++) {
            const k = k1 * kc + pk.kInd[col]!;
            for (let q = 0; q < pk.nnzOuter[col]!; q++, v++) data[(rowBase + pk.loc[v]!) * K + k] = pk.vals[v]!;
          }
        }
      }
  return { rows: M, cols: K, data };
}
