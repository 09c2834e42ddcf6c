/**
 * Sorted Weight Sectioning (SWS, arXiv:2410.11298) on the shared crossbar core: each output's weights are sorted
 * (by |q| by default), cut into crossbar-row-sized sections, and sections are placed side by side on tiles (one output
 * slot each, with per-section input routing = the "index matching" sorting needs anyway). A section of small weights
 * has all-zero high-order columns, which then need no ADC. With `remapZeros`, every zero weight is moved out of the
 * sections (offline): an output with nnz nonzeros occupies ⌈nnz/rows⌉ sections, the smallest one partial, and
 * all-zero sections disappear entirely (no crossbar, no ADC, no input routing). Outputs stay exact: the layout is a
 * `MappedLayer` with a `sections` table, so the core's `mvm` evaluates it, and `adcMvm` below re-evaluates it through
 * the ADCs a policy switches on.
 *
 *   const L = cim.mapLayer({ q, nOut, nIn });                           // unsorted grid (baseline)
 *   const S = cim.swsLayout(L, { sort: 'abs', remapZeros: true });     // sorted + remapped sections
 *   cim.adcAccount(S, { policy: 'sectionMax' }).energy.exp2            // ADC energy per MVM, E ∝ 2^b
 */
import { InvalidInput, checkInt, describe } from '../core/errors';
import {
  columnLayout,
  popcount,
  slotSource,
  sortPerm,
  tileImage,
  type MappedLayer,
  type MvmOptions,
  type SectionTable,
  type SortKey,
} from '../cim';
import {
  ENERGY_MODELS,
  adcEnergyModel,
  bitsFor,
  checkInputBits,
  checkMaxBits,
  checkPolicy,
  histogramEnergy,
  sectionBits,
  type AdcEnergyId,
  type AdcEnergyModel,
  type AdcPolicy,
  type PolarityStats,
} from './adc';

export interface SwsLayoutOptions {
  /**
   * Sort key per output. 'abs' (default) [INFERRED, the literal SWS reading: sections of low-magnitude weights];
   * 'signed' (ascending q: single-sign sections, zeros in the middle); 'none' (natural order: with remapZeros this is
   * "unsorted + zero compaction", which needs per-row index matching — the paper's stated obstacle — an ablation).
   */
  sort?: SortKey;
  /** Move zero weights out of the sections (offline remapping) so all-zero sections vanish. Default true. */
  remapZeros?: boolean;
  /**
   * Order of sections over tiles/slots: 'max' (default; by largest |q|, so a tile holds sections of similar magnitude
   * and its high columns stay dark) or 'output' (output-major, rank minor). ADC energy does not depend on it.
   */
  placement?: 'max' | 'output';
}

/**
 * Sectioned layout of `layer`'s weights (its q, nOut, nIn, scale, config; its own sort/packing is ignored).
 * Returns a new MappedLayer with `perm` (zeros first when remapped) and a `sections` table. Pure typed arrays.
 */
export function swsLayout(layer: MappedLayer, opts: SwsLayoutOptions = {}): MappedLayer {
  const sort = opts.sort ?? 'abs',
    remap = opts.remapZeros ?? true,
    placement = opts.placement ?? 'max';
  if (!(['none', 'signed', 'abs'] as const).includes(sort))
    throw new InvalidInput(`sort must be 'none', 'signed' or 'abs', got ${describe(sort)}`);
  if (typeof remap !== 'boolean') throw new InvalidInput(`remapZeros must be a boolean, got ${describe(remap)}`);
  if (placement !== 'max' && placement !== 'output')
    throw new InvalidInput(`placement must be 'max' or 'output', got ${describe(placement)}`);
  if (layer.routing === 'shared') throw new InvalidInput(`layer ${layer.name} uses routing 'shared'; sections need routing 'per-output'`);
  const { q, nOut, nIn, slots } = layer;
  const rows = layer.config.rows;
  const base = sort === 'none' ? null : sortPerm(q, nOut, nIn, sort);
  const perm = new Int32Array(nOut * nIn);
  const zeros = new Int32Array(nOut);
  for (let o = 0; o < nOut; o++) {
    const off = o * nIn;
    if (!remap) {
      for (let p = 0; p < nIn; p++) perm[off + p] = base ? base[off + p]! : p;
      continue;
    }
    let nz = 0;
    for (let p = 0; p < nIn; p++) {
      const i = base ? base[off + p]! : p;
      if (q[off + i] === 0) perm[off + nz++] = i;
    }
    zeros[o] = nz;
    let w = nz;
    for (let p = 0; p < nIn; p++) {
      const i = base ? base[off + p]! : p;
      if (q[off + i] !== 0) perm[off + w++] = i;
    }
  }
  const sOut: number[] = [],
    sStart: number[] = [],
    sLen: number[] = [],
    sKey: number[] = [];
  for (let o = 0; o < nOut; o++) {
    const off = o * nIn;
    const push = (start: number, len: number) => {
      let m = 0;
      for (let p = start; p < start + len; p++) {
        const v = q[off + perm[off + p]!]!;
        const a = v < 0 ? -v : v;
        if (a > m) m = a;
      }
      sOut.push(o);
      sStart.push(start);
      sLen.push(len);
      sKey.push(m);
    };
    if (remap) {
      // nonzeros at positions [zeros, nIn): ⌈nnz/rows⌉ sections, the first (smallest magnitudes when sorted) partial
      const nnz = nIn - zeros[o]!;
      if (nnz === 0) continue;
      const n = Math.ceil(nnz / rows),
        first = nnz - (n - 1) * rows;
      push(zeros[o]!, first);
      for (let j = 1; j < n; j++) push(zeros[o]! + first + (j - 1) * rows, rows);
    } else {
      for (let start = 0; start < nIn; start += rows) push(start, Math.min(rows, nIn - start));
    }
  }
  const S = sOut.length;
  const idx = Array.from({ length: S }, (_, i) => i);
  if (placement === 'max') idx.sort((a, b) => sKey[a]! - sKey[b]! || sOut[a]! - sOut[b]! || sStart[a]! - sStart[b]!);
  const T = Math.ceil(S / slots);
  const sec: SectionTable = { out: new Int32Array(T * slots).fill(-1), start: new Int32Array(T * slots), len: new Int32Array(T * slots) };
  for (let n = 0; n < S; n++) {
    const s = idx[n]!;
    sec.out[n] = sOut[s]!;
    sec.start[n] = sStart[s]!;
    sec.len[n] = sLen[s]!;
  }
  return { ...layer, sort, routing: 'per-output', perm, sections: sec, tiles: T, rowBlocks: T, colBlocks: 1 };
}

/** Value slices per polarity and polarity count of a layer's sign mode. */
function geometry(layer: MappedLayer): { pols: number; slices: number } {
  const { signMode, weightBits, cellBits } = layer.config;
  if (signMode === 'offset') return { pols: 1, slices: Math.ceil(weightBits / cellBits) };
  return { pols: 2, slices: Math.ceil((weightBits - 1) / cellBits) };
}

/** Per polarity (0 = positive / offset code, 1 = negative) statistics of slot k of `tile`; null for an empty slot. */
export function sectionStats(layer: MappedLayer, tile: number, k: number): PolarityStats[] | null {
  const { out: o, start, len } = slotSource(layer, tile, k);
  if (o < 0) return null;
  const { pols, slices } = geometry(layer);
  const cb = layer.config.cellBits,
    mask = (1 << cb) - 1,
    off = 2 ** (layer.config.weightBits - 1);
  const st: PolarityStats[] = Array.from({ length: pols }, () => ({
    max: 0,
    nnz: 0,
    cellSum: new Array<number>(slices).fill(0),
    cellNnz: new Array<number>(slices).fill(0),
  }));
  const base = o * layer.nIn;
  for (let r = 0; r < len; r++) {
    const p = start + r;
    const v = layer.q[base + (layer.perm ? layer.perm[base + p]! : p)]!;
    let m: number, pol: number;
    if (pols === 1) {
      m = v + off;
      pol = 0;
    } else if (v >= 0) {
      m = v;
      pol = 0;
    } else {
      m = -v;
      pol = 1;
    }
    if (m === 0) continue;
    const s0 = st[pol]!;
    s0.nnz++;
    if (m > s0.max) s0.max = m;
    for (let s = 0; s < slices; s++) {
      const c = (m >> (s * cb)) & mask;
      if (c) {
        s0.cellSum[s]! += c;
        s0.cellNnz[s]!++;
      }
    }
  }
  return st;
}

/**
 * ADC resolution per [polarity][slice] of slot k of `tile` (0 = no ADC); null for an empty slot. `maxBits` caps every
 * resolution (lossy clipped variant; default none = lossless).
 */
export function sectionAdc(layer: MappedLayer, tile: number, k: number, policy: AdcPolicy, maxBits?: number): number[][] | null {
  const st = sectionStats(layer, tile, k);
  if (!st) return null;
  const { slices } = geometry(layer);
  return sectionBits(st, policy, { rows: layer.config.rows, cellBits: layer.config.cellBits, slices, maxBits });
}

/**
 * Physical columns of slot k that carry an ADC-active bit line (a sign-magnitude magnitude column is active when
 * either polarity's bit line is converted), for crossbar-map figures.
 */
export function activeColumns(layer: MappedLayer, tile: number, k: number, policy: AdcPolicy): { columns: number[]; maxBits: number } {
  const bits = sectionAdc(layer, tile, k, policy);
  if (!bits) return { columns: [], maxBits: 0 };
  const roles = columnLayout(layer.config);
  const cols: number[] = [];
  let maxBits = 0;
  roles.forEach((role, c) => {
    let b = 0;
    if (role.kind === 'mag') b = Math.max(bits[0]![role.slice]!, bits[1]![role.slice]!);
    else if (role.kind === 'pos' || role.kind === 'off') b = bits[0]![role.slice]!;
    else if (role.kind === 'neg') b = bits[1]![role.slice]!;
    if (b > 0) {
      cols.push(k * layer.groupWidth + c);
      if (b > maxBits) maxBits = b;
    }
  });
  return { columns: cols, maxBits };
}

export interface AdcAccountOptions {
  /** Default 'sectionMax' (the reference policy). */
  policy?: AdcPolicy;
  /** Input bits streamed bit-serially (conversions = inputBits × active units per MVM). Default 8. */
  inputBits?: number;
  /** Energy laws to evaluate. Default ENERGY_MODELS ('exp2', 'bexp2', 'survey', 'count'). */
  models?: (AdcEnergyId | AdcEnergyModel)[];
  /** Cap on every ADC's resolution: the lossy clipped variant (column sums saturate). Default none (lossless). */
  maxBits?: number;
}

export interface AdcAccount {
  policy: AdcPolicy;
  inputBits: number;
  /** Resolution of a fixed, always-lossless ADC (`fixed` policy). */
  fullBits: number;
  tiles: number;
  /** Slots holding a section. */
  sections: number;
  /** Sections with at least one ADC-active column. */
  activeSections: number;
  /** Conversions per MVM (one input vector). */
  conversions: number;
  /** Conversions per MVM by resolution (index = bits). */
  bitsHistogram: number[];
  /** Energy per MVM for each model id. */
  energy: Record<string, number>;
}

/** ADC conversions and energy of one MVM through `layer`'s layout (static: independent of the input values). */
export function adcAccount(layer: MappedLayer, opts: AdcAccountOptions = {}): AdcAccount {
  const policy = checkPolicy(opts.policy ?? 'sectionMax');
  return adcAccounts(layer, [policy], opts)[policy]!;
}

/** `adcAccount` for several policies at once (section statistics are gathered once). */
export function adcAccounts(
  layer: MappedLayer,
  policies: readonly AdcPolicy[],
  opts: Omit<AdcAccountOptions, 'policy'> = {},
): Partial<Record<AdcPolicy, AdcAccount>> {
  policies.forEach(checkPolicy);
  const inputBits = checkInputBits(opts.inputBits ?? 8);
  const models = (opts.models ?? [...ENERGY_MODELS]).map(adcEnergyModel);
  const { slices } = geometry(layer);
  const geo = { rows: layer.config.rows, cellBits: layer.config.cellBits, slices, maxBits: checkMaxBits(opts.maxBits) };
  const hist = policies.map(() => new Array<number>(33).fill(0));
  const active = policies.map(() => 0);
  let sections = 0;
  for (let t = 0; t < layer.tiles; t++)
    for (let k = 0; k < layer.slots; k++) {
      const st = sectionStats(layer, t, k);
      if (!st) continue;
      sections++;
      policies.forEach((policy, n) => {
        let any = false;
        for (const row of sectionBits(st, policy, geo))
          for (const b of row)
            if (b > 0) {
              hist[n]![b]! += inputBits;
              any = true;
            }
        if (any) active[n]!++;
      });
    }
  const fullBits = bitsFor(layer.config.rows * ((1 << layer.config.cellBits) - 1));
  const out: Partial<Record<AdcPolicy, AdcAccount>> = {};
  policies.forEach((policy, n) => {
    const h = hist[n]!;
    let last = h.length - 1;
    while (last > 0 && h[last] === 0) last--;
    const bitsHistogram = h.slice(0, last + 1);
    const energy: Record<string, number> = {};
    for (const m of models) energy[m.id] = histogramEnergy(bitsHistogram, m);
    out[policy] = {
      policy,
      inputBits,
      fullBits,
      tiles: layer.tiles,
      sections,
      activeSections: active[n]!,
      conversions: bitsHistogram.reduce((a, b) => a + b, 0),
      bitsHistogram,
      energy,
    };
  });
  return out;
}

/**
 * Bit-serial MVM that reads ONLY the bit lines `policy` gives an ADC, each through an ideal ADC of that resolution
 * (column sums saturate at 2^bits − 1), and counts the conversions it performs. Inactive bit lines contribute
 * nothing. If the policy is lossless for this layout, y equals the integer matmul (tested for every layout/policy).
 */
export function adcMvm(
  layer: MappedLayer,
  x: ArrayLike<number>,
  opts: MvmOptions & {
    /** ADC resolution policy (default 'sectionMax', the reference policy). */
    policy?: AdcPolicy;
    /** Cap on every ADC's resolution (lossy: column sums above 2^maxBits − 1 saturate). Default none. */
    maxBits?: number;
  } = {},
): { y: Float64Array; conversions: number; saturated: number } {
  const policy = checkPolicy(opts.policy ?? 'sectionMax');
  const maxBits = checkMaxBits(opts.maxBits);
  const nBits = checkInt('inputBits', opts.inputBits ?? 8, 1, 30);
  const mode = opts.inputMode ?? 'unsigned';
  if (mode !== 'unsigned' && mode !== 'twos-complement')
    throw new InvalidInput(`inputMode must be 'unsigned' or 'twos-complement', got ${describe(mode)}`);
  if (x.length !== layer.nIn) throw new InvalidInput(`x has ${x.length} entries; expected nIn = ${layer.nIn}`);
  const lo = mode === 'unsigned' ? 0 : -(2 ** (nBits - 1)),
    hi = mode === 'unsigned' ? 2 ** nBits - 1 : 2 ** (nBits - 1) - 1;
  for (let i = 0; i < x.length; i++)
    if (!Number.isInteger(x[i]) || x[i]! < lo || x[i]! > hi)
      throw new InvalidInput(`x[${i}] = ${describe(x[i])}; expected an integer in [${lo}, ${hi}]`);
  const cfg = layer.config,
    W = Math.ceil(cfg.rows / 32),
    cb = cfg.cellBits,
    gw = layer.groupWidth;
  const roles = columnLayout(cfg);
  const off = 2 ** (cfg.weightBits - 1);
  const y = new Float64Array(layer.nOut);
  const img = new Uint32Array(cfg.cols * cb * W),
    xw = new Uint32Array(nBits * W),
    valid = new Uint32Array(W);
  let conversions = 0,
    saturated = 0;
  const adc = (sum: number, bits: number) => {
    conversions++;
    const top = 2 ** bits - 1;
    if (sum > top) {
      saturated++;
      return top;
    }
    return sum;
  };
  for (let tile = 0; tile < layer.tiles; tile++) {
    tileImage(layer, tile, img);
    for (let k = 0; k < layer.slots; k++) {
      const bits = sectionAdc(layer, tile, k, policy, maxBits);
      if (!bits) continue;
      const { out: o, start, len } = slotSource(layer, tile, k);
      xw.fill(0);
      valid.fill(0);
      for (let r = 0; r < len; r++) {
        const p = start + r,
          i = layer.perm ? layer.perm[o * layer.nIn + p]! : p;
        const u = x[i]! < 0 ? x[i]! + 2 ** nBits : x[i]!;
        valid[r >>> 5]! |= 1 << (r & 31);
        for (let t = 0; t < nBits; t++) if (Math.floor(u / 2 ** t) % 2 === 1) xw[t * W + (r >>> 5)]! |= 1 << (r & 31);
      }
      const sign = cfg.signMode === 'sign-magnitude' ? (k * gw + gw - 1) * cb * W : -1;
      let acc = 0;
      for (let t = 0; t < nBits; t++) {
        const tw = mode === 'twos-complement' && t === nBits - 1 ? -(2 ** t) : 2 ** t;
        let colAcc = 0;
        roles.forEach((role, c) => {
          if (role.kind === 'sign') return;
          // bit lines of this column: [polarity, lines]; a 2-bit cell's column sum weighs its bit planes 1 and 2
          const pols = role.kind === 'mag' ? [0, 1] : role.kind === 'neg' ? [1] : [0];
          for (const pol of pols) {
            const b = bits[pol]![role.slice]!;
            if (b === 0) continue;
            let sum = 0;
            for (let cbit = 0; cbit < cb; cbit++) {
              const plane = ((k * gw + c) * cb + cbit) * W;
              let n = 0;
              for (let w = 0; w < W; w++) {
                let a = xw[t * W + w]! & img[plane + w]!;
                if (sign >= 0) a = pol === 0 ? a & ~img[sign + w]! : a & img[sign + w]!;
                n += popcount(a);
              }
              sum += n << cbit;
            }
            const v = adc(sum, b) * 2 ** (role.slice * cb);
            colAcc += pol === 1 ? -v : v;
          }
        });
        if (cfg.signMode === 'offset') {
          let n = 0;
          for (let w = 0; w < W; w++) n += popcount(xw[t * W + w]! & valid[w]!);
          colAcc -= off * n;
        }
        acc += tw * colAcc;
      }
      y[o]! += acc;
    }
  }
  return { y, conversions, saturated };
}

/** One weight matrix of a model with how many input vectors it sees per inference (conv: H_out·W_out; dense: tokens). */
export interface LayerUse {
  layer: MappedLayer;
  vectors: number;
}

export interface ModelAdcRow {
  name: string;
  vectors: number;
  account: AdcAccount;
}

/** Per-layer ADC accounts and the per-inference total energy (Σ vectors × energy per MVM) for each model id. */
export function modelAdc(
  layers: readonly LayerUse[],
  opts: AdcAccountOptions = {},
): { rows: ModelAdcRow[]; energy: Record<string, number>; conversions: number; tiles: number } {
  const policy = checkPolicy(opts.policy ?? 'sectionMax');
  return modelAdcPolicies(layers, [policy], opts)[policy]!;
}

/** `modelAdc` for several policies at once. */
export function modelAdcPolicies(
  layers: readonly LayerUse[],
  policies: readonly AdcPolicy[],
  opts: Omit<AdcAccountOptions, 'policy'> = {},
): Partial<Record<AdcPolicy, { rows: ModelAdcRow[]; energy: Record<string, number>; conversions: number; tiles: number }>> {
  layers.forEach(({ vectors }) => checkInt('vectors', vectors));
  const accts = layers.map(({ layer }) => adcAccounts(layer, policies, opts));
  const out: ReturnType<typeof modelAdcPolicies> = {};
  for (const policy of policies) {
    const rows = layers.map(({ layer, vectors }, i) => ({ name: layer.name, vectors, account: accts[i]![policy]! }));
    const energy: Record<string, number> = {};
    let conversions = 0,
      tiles = 0;
    for (const r of rows) {
      conversions += r.vectors * r.account.conversions;
      tiles += r.account.tiles;
      for (const [id, e] of Object.entries(r.account.energy)) energy[id] = (energy[id] ?? 0) + r.vectors * e;
    }
    out[policy] = { rows, energy, conversions, tiles };
  }
  return out;
}
