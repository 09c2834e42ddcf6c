/**
 * Exact bit-sliced crossbar model: weights → cell bit-planes on tiles, and the bit-serial matrix-vector product
 * through that (sliced, tiled, permuted) layout. All sums are JS doubles holding integers (exact below 2^53);
 * nothing goes through float32.
 *
 * Tile image layout (Uint32Array, length cols·cellBits·W, W = ⌈rows/32⌉): plane (col·cellBits + b) holds bit b of
 * every cell of physical column `col`, row r at word r>>5, bit r&31. Output slot k of a tile owns physical columns
 * [k·groupWidth, (k+1)·groupWidth); inside a group the columns are listed by `columnLayout`.
 */
import { InvalidInput, checkInt, describe } from '../core/errors';
import { isMatrixLike, toShaped, toVector, type MatrixLike, type VectorLike } from '../core/matrix';
import type { CrossbarConfig, MappedLayer, MvmOptions, Routing, SortKey } from './types';

export const DEFAULT_CONFIG: CrossbarConfig = { rows: 128, cols: 128, cellBits: 1, weightBits: 8, signMode: 'sign-magnitude' };

/** What a physical column inside an output's group stores. `slice` s holds value bits [s·cellBits, (s+1)·cellBits). */
export interface ColumnRole {
  kind: 'mag' | 'sign' | 'pos' | 'neg' | 'off';
  slice: number;
}

/**
 * A complete crossbar configuration: `c` over DEFAULT_CONFIG (128×128 cells, 1 bit/cell, 8-bit weights,
 * sign-magnitude), validated.
 * @throws InvalidInput naming the bad field, or when one output's column group does not fit in `cols`.
 */
export function resolveConfig(c: Partial<CrossbarConfig> = {}): CrossbarConfig {
  const cfg = { ...DEFAULT_CONFIG, ...c };
  checkInt('rows', cfg.rows, 1, 1 << 16);
  checkInt('cols', cfg.cols, 1, 1 << 16);
  if (cfg.cellBits !== 1 && cfg.cellBits !== 2) throw new InvalidInput(`cellBits must be 1 or 2, got ${describe(cfg.cellBits)}`);
  checkInt('weightBits', cfg.weightBits, 2, 8);
  if (!(['sign-magnitude', 'pair', 'offset'] as const).includes(cfg.signMode)) {
    throw new InvalidInput(`signMode must be 'sign-magnitude', 'pair' or 'offset', got ${describe(cfg.signMode)}`);
  }
  const gw = columnLayout(cfg).length;
  if (cfg.cols < gw) {
    throw new InvalidInput(
      `crossbar has ${cfg.cols} columns but one ${cfg.weightBits}-bit ${cfg.signMode} weight at ${cfg.cellBits} bit(s)/cell needs ${gw}`,
    );
  }
  return cfg;
}

/** Columns of one output's group, low-order first. */
export function columnLayout(cfg: Pick<CrossbarConfig, 'cellBits' | 'weightBits' | 'signMode'>): ColumnRole[] {
  const mag = Math.ceil((cfg.weightBits - 1) / cfg.cellBits);
  const out: ColumnRole[] = [];
  if (cfg.signMode === 'sign-magnitude') {
    for (let s = 0; s < mag; s++) out.push({ kind: 'mag', slice: s });
    out.push({ kind: 'sign', slice: 0 });
  } else if (cfg.signMode === 'pair') {
    for (let s = 0; s < mag; s++) out.push({ kind: 'pos', slice: s });
    for (let s = 0; s < mag; s++) out.push({ kind: 'neg', slice: s });
  } else {
    const n = Math.ceil(cfg.weightBits / cfg.cellBits);
    for (let s = 0; s < n; s++) out.push({ kind: 'off', slice: s });
  }
  return out;
}

export interface MapLayerOptions {
  /** Layer name carried by the mapping (default 'layer'). */
  name?: string;
  /**
   * Integer weights in [−(2^(weightBits−1)−1), 2^(weightBits−1)−1], layout [out][in]: row o holds output o's nIn input
   * weights. That is a Dense kernel transposed (tfjs and numpy store `x @ W` kernels as [in][out]: pass `W.T`).
   * An Int8Array (row-major, with nOut and nIn) or any MatrixLike of shape [nOut, nIn] (npy `{ shape, data }`, nested arrays,
   * a tensor; int64 within range is fine).
   */
  q: Int8Array | MatrixLike;
  /** Output channels (rows of q); taken from q's shape when q is a matrix. */
  nOut?: number;
  /** Inputs per output (columns of q); taken from q's shape when q is a matrix. */
  nIn?: number;
  /**
   * Dequantization scale (real weight = q·scale), carried for evaluation; length 1 (per tensor) or nOut (per output)
   * (default [1]). The crossbar itself stores q only.
   */
  scale?: Float32Array;
  /** Default 'none'. */
  sort?: SortKey;
  /** Default 'shared' (one input order per tile column block, plain wiring); see Routing. Ignored when sort is 'none'. */
  routing?: Routing;
  /** Crossbar geometry and encoding; missing fields from DEFAULT_CONFIG (128×128, 1 bit/cell, 8-bit, sign-magnitude). */
  config?: Partial<CrossbarConfig>;
}

/** The weight layout every cim verb takes, as quoted in its errors. */
export const OUT_IN_LAYOUT = '[out][in] (a Dense kernel W of x @ W is [in][out]: pass W.T)';

/**
 * A weight matrix in the [out][in] layout: a flat array with nOut and nIn, or any MatrixLike of shape [nOut, nIn]
 * (npy `{ shape, data }`, nested arrays, a tensor; int64 within ±2^53). Sizes given next to a matrix must match its shape.
 */
export function outInMatrix(
  name: string,
  w: ArrayLike<number> | MatrixLike,
  nOut0?: number,
  nIn0?: number,
): { data: ArrayLike<number>; nOut: number; nIn: number } {
  if (!isMatrixLike(w)) {
    if (w === null || typeof w !== 'object' || typeof (w as ArrayLike<number>).length !== 'number')
      throw new InvalidInput(
        `${name} must be a flat array with nOut and nIn or a matrix of shape [nOut, nIn], layout ${OUT_IN_LAYOUT}; got ${describe(w)}`,
      );
    const nOut = checkInt('nOut', nOut0),
      nIn = checkInt('nIn', nIn0);
    const data = toVector(w as VectorLike, name);
    if (data.length !== nOut * nIn)
      throw new InvalidInput(
        `${name} has ${data.length} entries; expected nOut·nIn = ${nOut}·${nIn} = ${nOut * nIn}, layout ${OUT_IN_LAYOUT}`,
      );
    return { data, nOut, nIn };
  }
  const t = toShaped(w, name, { ranks: [2], layout: OUT_IN_LAYOUT });
  const [nOut, nIn] = t.shape as [number, number];
  if ((nOut0 !== undefined && nOut0 !== nOut) || (nIn0 !== undefined && nIn0 !== nIn)) {
    throw new InvalidInput(
      `${name} has shape [${nOut}, ${nIn}] but nOut = ${describe(nOut0)}, nIn = ${describe(nIn0)} were given; layout ${OUT_IN_LAYOUT}`,
    );
  }
  checkInt('nOut', nOut);
  checkInt('nIn', nIn);
  return { data: t.data, nOut, nIn };
}

/** mapLayer's q as a row-major Int8Array [nOut][nIn], with its sizes. */
function weightMatrix(opts: MapLayerOptions): { q: Int8Array; nOut: number; nIn: number } {
  const { data, nOut, nIn } = outInMatrix('q', opts.q, opts.nOut, opts.nIn);
  if (data instanceof Int8Array) return { q: data, nOut, nIn };
  const q = new Int8Array(data.length);
  for (let i = 0; i < q.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < -127 || v > 127)
      throw new InvalidInput(
        `q[${Math.floor(i / nIn)}][${i % nIn}] = ${describe(v)} is not an integer in [−127, 127] (quantize first, e.g. cim.quantize)`,
      );
    q[i] = v;
  }
  return { q, nOut, nIn };
}

/** Map one integer weight matrix onto crossbar tiles (no images are materialized; see `tileImage`). */
export function mapLayer(opts: MapLayerOptions): MappedLayer {
  const config = resolveConfig(opts.config);
  const { q, nOut, nIn } = weightMatrix(opts);
  const qmax = 2 ** (config.weightBits - 1) - 1;
  for (let i = 0; i < q.length; i++) {
    const v = q[i]!;
    if (v > qmax || v < -qmax) throw new InvalidInput(`q[${i}] = ${v} is outside [−${qmax}, ${qmax}] for weightBits ${config.weightBits}`);
  }
  const sort = opts.sort ?? 'none';
  if (!(['none', 'signed', 'abs'] as const).includes(sort))
    throw new InvalidInput(`sort must be 'none', 'signed' or 'abs', got ${describe(sort)}`);
  const scale = opts.scale ?? new Float32Array([1]);
  if (scale.length !== 1 && scale.length !== nOut)
    throw new InvalidInput(`scale has ${scale.length} entries; expected 1 or nOut = ${nOut}`);
  const routing = opts.routing ?? 'shared';
  if (routing !== 'per-output' && routing !== 'shared')
    throw new InvalidInput(`routing must be 'per-output' or 'shared', got ${describe(routing)}`);
  const groupWidth = columnLayout(config).length;
  const slots = Math.floor(config.cols / groupWidth);
  const rowBlocks = Math.ceil(nIn / config.rows),
    colBlocks = Math.ceil(nOut / slots);
  return {
    name: opts.name ?? 'layer',
    nOut,
    nIn,
    q,
    scale,
    sort,
    // unsorted layers keep the identity order, which either wiring provides: no routing recorded
    ...(sort === 'none' ? {} : { routing }),
    perm: sort === 'none' ? null : routing === 'shared' ? sharedPerm(q, nOut, nIn, sort, slots) : sortPerm(q, nOut, nIn, sort),
    config,
    slots,
    groupWidth,
    rowBlocks,
    colBlocks,
    tiles: rowBlocks * colBlocks,
  };
}

/** One input order per block of `slots` outputs: stable sort of the inputs by the block's Σ q (or Σ |q|). */
export function sharedPerm(q: Int8Array, nOut: number, nIn: number, key: 'signed' | 'abs', slots: number): Int32Array {
  const perm = new Int32Array(nOut * nIn);
  const sum = new Float64Array(nIn);
  for (let o0 = 0; o0 < nOut; o0 += slots) {
    const o1 = Math.min(nOut, o0 + slots);
    sum.fill(0);
    for (let o = o0; o < o1; o++)
      for (let i = 0; i < nIn; i++) {
        const v = q[o * nIn + i]!;
        sum[i]! += key === 'abs' ? Math.abs(v) : v;
      }
    const order = Array.from({ length: nIn }, (_, i) => i).sort((a, b) => sum[a]! - sum[b]! || a - b);
    for (let o = o0; o < o1; o++) perm.set(order, o * nIn);
  }
  return perm;
}

/** Stable counting sort of each output's inputs by signed value or |value| (ties keep input order). */
export function sortPerm(q: Int8Array, nOut: number, nIn: number, key: 'signed' | 'abs'): Int32Array {
  const perm = new Int32Array(nOut * nIn);
  const count = new Int32Array(257);
  for (let o = 0; o < nOut; o++) {
    const base = o * nIn;
    count.fill(0);
    for (let i = 0; i < nIn; i++) {
      const v = q[base + i]!;
      count[(key === 'abs' ? (v < 0 ? -v : v) : v + 128) + 1]!++;
    }
    for (let b = 1; b < 257; b++) count[b]! += count[b - 1]!;
    for (let i = 0; i < nIn; i++) {
      const v = q[base + i]!;
      const b = key === 'abs' ? (v < 0 ? -v : v) : v + 128;
      perm[base + count[b]!++] = i;
    }
  }
  return perm;
}

export function imageWords(cfg: CrossbarConfig): number {
  return cfg.cols * cfg.cellBits * Math.ceil(cfg.rows / 32);
}

/**
 * What slot k of `tile` holds: output `out` (−1 = empty slot) and, on rows 0..len−1, positions [start, start + len) of
 * that output's (sorted) input order. Grid layout: out = cb·slots + k, start = rb·rows; packed layouts use
 * `layer.sections`.
 */
export function slotSource(layer: MappedLayer, tile: number, k: number): { out: number; start: number; len: number } {
  const sec = layer.sections;
  if (sec) {
    const i = tile * layer.slots + k;
    return { out: sec.out[i]!, start: sec.start[i]!, len: sec.len[i]! };
  }
  const rb = Math.floor(tile / layer.colBlocks),
    cb = tile % layer.colBlocks;
  const o = cb * layer.slots + k,
    start = rb * layer.config.rows;
  if (o >= layer.nOut) return { out: -1, start: 0, len: 0 };
  return { out: o, start, len: Math.max(0, Math.min(layer.config.rows, layer.nIn - start)) };
}

/** The (output, input) weight at tile row r, slot k; -1 when the position is padding. */
export function cellSource(layer: MappedLayer, tile: number, r: number, k: number): { out: number; input: number } {
  const { out: o, start, len } = slotSource(layer, tile, k);
  if (o < 0 || r >= len) return { out: -1, input: -1 };
  const p = start + r;
  return { out: o, input: layer.perm ? layer.perm[o * layer.nIn + p]! : p };
}

/** Per-column encode tables: cell value of column role for each q (index q + 128). */
function encodeTables(cfg: CrossbarConfig): Uint8Array[] {
  const roles = columnLayout(cfg);
  const mask = (1 << cfg.cellBits) - 1;
  const off = 2 ** (cfg.weightBits - 1);
  return roles.map((role) => {
    const t = new Uint8Array(256);
    for (let v = -128; v < 128; v++) {
      let u: number;
      switch (role.kind) {
        case 'sign':
          u = v < 0 ? 1 : 0;
          break;
        case 'mag':
          u = Math.abs(v) >> (role.slice * cfg.cellBits);
          break;
        case 'pos':
          u = Math.max(v, 0) >> (role.slice * cfg.cellBits);
          break;
        case 'neg':
          u = Math.max(-v, 0) >> (role.slice * cfg.cellBits);
          break;
        default:
          u = (v + off) >> (role.slice * cfg.cellBits);
      }
      t[v + 128] = u & mask;
    }
    return t;
  });
}
const tableCache = new WeakMap<CrossbarConfig, Uint8Array[]>();
function tables(cfg: CrossbarConfig): Uint8Array[] {
  let t = tableCache.get(cfg);
  if (!t) {
    t = encodeTables(cfg);
    tableCache.set(cfg, t);
  }
  return t;
}

/**
 * Write the cell image of `tile` into `out` (length imageWords(config), overwritten). Padding cells are 0.
 * Cost O(rows·slots·groupWidth).
 */
export function tileImage(layer: MappedLayer, tile: number, out?: Uint32Array): Uint32Array {
  const cfg = layer.config;
  const W = Math.ceil(cfg.rows / 32),
    cb = cfg.cellBits;
  const img = out ?? new Uint32Array(imageWords(cfg));
  img.fill(0);
  const tabs = tables(cfg);
  const gw = layer.groupWidth;
  const { q, perm, nIn } = layer;
  for (let k = 0; k < layer.slots; k++) {
    const { out: o, start: p0, len: rEnd } = slotSource(layer, tile, k);
    if (o < 0) continue;
    const base = o * nIn;
    for (let r = 0; r < rEnd; r++) {
      const idx = base + (perm ? perm[base + p0 + r]! : p0 + r);
      const v = q[idx]! + 128;
      const w = r >>> 5,
        bit = 1 << (r & 31);
      for (let c = 0; c < gw; c++) {
        const u = tabs[c]![v]!;
        if (u === 0) continue;
        const plane = (k * gw + c) * cb * W + w;
        if (u & 1) img[plane]! |= bit;
        if (u & 2) img[plane + W]! |= bit;
      }
    }
  }
  return img;
}

/** Integer value stored in slot k, row r of an image (inverse of the encoding; works on stale images too). */
export function decodeCell(layer: MappedLayer, img: Uint32Array, r: number, k: number): number {
  const cfg = layer.config;
  const W = Math.ceil(cfg.rows / 32);
  const roles = columnLayout(cfg);
  const w = r >>> 5,
    sh = r & 31;
  let mag = 0,
    pos = 0,
    neg = 0,
    sign = 0,
    off = 0;
  roles.forEach((role, c) => {
    let u = 0;
    for (let b = 0; b < cfg.cellBits; b++) u |= ((img[((k * layer.groupWidth + c) * cfg.cellBits + b) * W + w]! >>> sh) & 1) << b;
    const val = u * 2 ** (role.slice * cfg.cellBits);
    if (role.kind === 'mag') mag += val;
    else if (role.kind === 'sign') sign = u;
    else if (role.kind === 'pos') pos += val;
    else if (role.kind === 'neg') neg += val;
    else off += val;
  });
  if (cfg.signMode === 'sign-magnitude') return sign ? -mag : mag;
  if (cfg.signMode === 'pair') return pos - neg;
  return off - 2 ** (cfg.weightBits - 1);
}

/** Number of set bits of a 32-bit word (the ideal ADC's column sum of one bit-plane AND). */
export function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function checkInputs(x: ArrayLike<number>, n: number, bits: number, mode: string): void {
  if (x.length !== n) throw new InvalidInput(`x has ${x.length} entries; expected nIn = ${n}`);
  const lo = mode === 'unsigned' ? 0 : -(2 ** (bits - 1)),
    hi = mode === 'unsigned' ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new InvalidInput(`x[${i}] = ${describe(v)}; expected an integer in [${lo}, ${hi}] (${bits}-bit ${mode})`);
  }
}

/** Oracle: y[j] = Σ_i q[j,i]·x[i] with plain loops (doubles, exact). */
export function referenceMatmul(q: ArrayLike<number>, nOut: number, nIn: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let s = 0;
    for (let i = 0; i < nIn; i++) s += q[o * nIn + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

/**
 * Bit-serial crossbar MVM through the mapped layout: for every tile, slot, input bit t and column, the column sum is
 * popcount(inputBits_t & cellPlane) (the ideal, lossless ADC), shifted by 2^(slice·cellBits + b) and 2^t (MSB cycle
 * −2^(n−1) for two's-complement inputs), combined per sign mode, and accumulated over tiles. Exact integers.
 * `images` (optional) supplies per-tile images to evaluate instead of the target ones (e.g. stale images).
 */
export function mvm(
  layer: MappedLayer,
  x: ArrayLike<number>,
  opts: MvmOptions & {
    /** Per-tile cell images to read instead of the layer's target images, e.g. stale ones (default: tileImage). */
    images?: (tile: number) => Uint32Array;
  } = {},
): Float64Array {
  const nBits = checkInt('inputBits', opts.inputBits ?? 8, 1, 30);
  const mode = opts.inputMode ?? 'unsigned';
  if (mode !== 'unsigned' && mode !== 'twos-complement')
    throw new InvalidInput(`inputMode must be 'unsigned' or 'twos-complement', got ${describe(mode)}`);
  checkInputs(x, layer.nIn, nBits, mode);
  const cfg = layer.config;
  const W = Math.ceil(cfg.rows / 32);
  const cb = cfg.cellBits;
  const roles = columnLayout(cfg);
  const gw = layer.groupWidth;
  const off = 2 ** (cfg.weightBits - 1);
  const y = new Float64Array(layer.nOut);
  const scratch = new Uint32Array(imageWords(cfg));
  const xw = new Uint32Array(nBits * W);
  const valid = new Uint32Array(W);
  for (let tile = 0; tile < layer.tiles; tile++) {
    const img = opts.images ? opts.images(tile) : tileImage(layer, tile, scratch);
    for (let k = 0; k < layer.slots; k++) {
      const { out: o, start: p0, len: rEnd } = slotSource(layer, tile, k);
      if (o < 0) continue;
      // input bit-planes routed to this slot's rows (the permutation is undone here)
      xw.fill(0);
      valid.fill(0);
      for (let r = 0; r < rEnd; r++) {
        const p = p0 + r;
        const i = layer.perm ? layer.perm[o * layer.nIn + p]! : p;
        const u = x[i]! < 0 ? x[i]! + 2 ** nBits : x[i]!;
        const w = r >>> 5,
          bit = 1 << (r & 31);
        valid[w]! |= bit;
        for (let t = 0; t < nBits; t++) if (Math.floor(u / 2 ** t) % 2 === 1) xw[t * W + w]! |= bit;
      }
      let acc = 0;
      for (let t = 0; t < nBits; t++) {
        const tw = mode === 'twos-complement' && t === nBits - 1 ? -(2 ** t) : 2 ** t;
        let colAcc = 0;
        const signPlane = cfg.signMode === 'sign-magnitude' ? (k * gw + gw - 1) * cb * W : -1;
        for (let c = 0; c < gw; c++) {
          const role = roles[c]!;
          if (role.kind === 'sign') continue;
          for (let b = 0; b < cb; b++) {
            const plane = ((k * gw + c) * cb + b) * W;
            let colSum = 0;
            for (let w = 0; w < W; w++) {
              const a = xw[t * W + w]! & img[plane + w]!;
              if (signPlane >= 0) {
                const s = img[signPlane + w]!;
                colSum += popcount(a & ~s) - popcount(a & s);
              } else colSum += popcount(a);
            }
            const sig = 2 ** (role.slice * cb + b);
            colAcc += role.kind === 'neg' ? -sig * colSum : sig * colSum;
          }
        }
        if (cfg.signMode === 'offset') {
          let n = 0;
          for (let w = 0; w < W; w++) n += popcount(xw[t * W + w]! & valid[w]!);
          colAcc -= off * n; // digital offset correction: 2^(b−1)·Σ x over used rows
        }
        acc += tw * colAcc;
      }
      y[o]! += acc;
    }
  }
  return y;
}
