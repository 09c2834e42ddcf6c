/**
 * Costs SWS (arXiv:2410.11298) adds or removes beside the ADCs, counted rather than assumed away.
 *
 * 1. Index matching. A sorted section stores, for each of its rows, which input it needs (the paper's "index matching",
 *    §1: "we cannot switch zero rows … without index matching"; SWS needs it for every sorted row). We count the index
 *    storage (⌈log2 nIn⌉ bits per stored row) and the run-time gather: one index read plus one indirect activation read
 *    per section row per MVM, each "gather access" at a stated cost expressed as a fraction of one full-resolution
 *    conversion under the same energy law [OURS: default 0.25, i.e. 64 units of 2^b, ≈ 24 fJ under the survey model —
 *    an ~18-bit local-SRAM read at ~1.3 fJ/bit]. The unsorted grid broadcasts a tile's inputs to all its slots in
 *    natural order: no index, and its own input reads are NOT counted (nor credited), so the overhead charged to SWS
 *    is pessimistic — every gathered input counts, not just those beyond what the grid reads.
 * 2. All-zero input bit planes. With bit-serial inputs, a cycle t in which every input a section's rows see has bit t
 *    = 0 produces only zero column sums: its conversions can be skipped (a per-section OR of the bit planes, known
 *    before the ADCs fire). Measured on real activations (the bits the DAC would send).
 */
import { InvalidInput, checkInt, describe } from '../core/errors';
import { slotSource, type MappedLayer } from '../cim';
import { ENERGY_MODELS, adcEnergyModel, bitsFor, checkInputBits, checkMaxBits, checkPolicy, type AdcEnergyId, type AdcPolicy } from './adc';
import { sectionAdc } from './sws';

export interface GatherOptions {
  /** Energy of one gather access (index read + activation read) as a fraction of one full-resolution conversion. Default 0.25 [OURS]. */
  accessCost?: number;
  /** Energy laws (default ENERGY_MODELS). */
  models?: AdcEnergyId[];
}

export interface GatherOverhead {
  /** Bits per stored index = ⌈log2 nIn⌉ (0 for the unsorted grid). */
  indexBitsPerEntry: number;
  /** Total index storage, bits. */
  indexBits: number;
  /** Index bits per weight of the layer (nOut·nIn, zeros included). */
  indexBitsPerWeight: number;
  /** Gather accesses per MVM (= Σ section rows; 0 for the unsorted grid). */
  accesses: number;
  /** Gather energy per MVM for each law, in that law's unit. */
  energy: Record<string, number>;
}

/** Whether a layout gathers its inputs through per-row indices (any sorted or compacted section table). */
export function needsIndex(layer: MappedLayer): boolean {
  return layer.perm !== null || layer.sections !== undefined;
}

/** Index storage and gather energy of one MVM through `layer` (zero for the unsorted grid). */
export function gatherOverhead(layer: MappedLayer, opts: GatherOptions = {}): GatherOverhead {
  const cost = opts.accessCost ?? 0.25;
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0)
    throw new InvalidInput(`accessCost must be a finite number ≥ 0 (fraction of one full-resolution conversion), got ${describe(cost)}`);
  const models = (opts.models ?? [...ENERGY_MODELS]).map(adcEnergyModel);
  const idx = needsIndex(layer) ? Math.max(1, Math.ceil(Math.log2(layer.nIn))) : 0;
  let accesses = 0;
  if (idx)
    for (let t = 0; t < layer.tiles; t++)
      for (let k = 0; k < layer.slots; k++) {
        const s = slotSource(layer, t, k);
        if (s.out >= 0) accesses += s.len;
      }
  const full = bitsFor(layer.config.rows * ((1 << layer.config.cellBits) - 1));
  const energy: Record<string, number> = {};
  for (const m of models) energy[m.id] = accesses * cost * m.energy(full);
  return {
    indexBitsPerEntry: idx,
    indexBits: accesses * idx,
    indexBitsPerWeight: (accesses * idx) / (layer.nOut * layer.nIn),
    accesses,
    energy,
  };
}

export interface BitplaneSkipOptions {
  /** ADC policy whose conversions are counted (default 'sectionPartialSum'). */
  policy?: AdcPolicy;
  /** Resolution cap (lossy variant; default none). */
  maxBits?: number;
  /** Bits per input (default 8). */
  inputBits?: number;
  /** Energy laws (default ENERGY_MODELS). */
  models?: AdcEnergyId[];
}

export interface BitplaneSkip {
  /** Input vectors measured. */
  vectors: number;
  /** Section-cycles (occupied slot × input bit × vector) with at least one ADC-active column. */
  cycles: number;
  /** Of those, cycles whose gathered input bits are all zero (skipped). */
  skippedCycles: number;
  /** ADC energy over the measured vectors without and with skipping, per law. */
  energy: Record<string, number>;
  skippedEnergy: Record<string, number>;
}

/**
 * ADC energy that skipping all-zero input bit planes saves on `xs` (real integer input vectors, unsigned or two's
 * complement in `inputBits` bits; negative values enter as their two's-complement codes, as the DAC sends them).
 * Per occupied slot the planes are those of the inputs its rows see: a section's own gathered inputs, or the tile's
 * row block for the grid (shared by every slot of the tile).
 */
export function bitplaneSkip(layer: MappedLayer, xs: readonly ArrayLike<number>[], opts: BitplaneSkipOptions = {}): BitplaneSkip {
  const policy = checkPolicy(opts.policy ?? 'sectionPartialSum');
  const nBits = checkInputBits(opts.inputBits ?? 8);
  const maxBits = checkMaxBits(opts.maxBits);
  const models = (opts.models ?? [...ENERGY_MODELS]).map(adcEnergyModel);
  if (!Array.isArray(xs)) throw new InvalidInput(`xs must be an array of input vectors, got ${describe(xs)}`);
  const lo = -(2 ** (nBits - 1)),
    hi = 2 ** nBits - 1;
  // codes[v][i] = the nBits-bit code the DAC streams for input i of vector v
  const codes = xs.map((x, v) => {
    if (x.length !== layer.nIn) throw new InvalidInput(`xs[${v}] has ${x.length} entries; expected nIn = ${layer.nIn}`);
    const c = new Int32Array(layer.nIn);
    for (let i = 0; i < x.length; i++) {
      const u = x[i]!;
      if (!Number.isInteger(u) || u < lo || u > hi)
        throw new InvalidInput(`xs[${v}][${i}] = ${describe(u)}; expected an integer in [${lo}, ${hi}]`);
      c[i] = u < 0 ? u + 2 ** nBits : u;
    }
    return c;
  });
  checkInt('vectors', codes.length, 1);
  const energy: Record<string, number> = {},
    skippedEnergy: Record<string, number> = {};
  for (const m of models) energy[m.id] = skippedEnergy[m.id] = 0;
  let cycles = 0,
    skipped = 0;
  const orOf = new Int32Array(codes.length);
  // the unsorted grid drives a tile's row block to all its slots: one OR per row block, shared
  const shared = new Map<number, Int32Array>();
  for (let t = 0; t < layer.tiles; t++)
    for (let k = 0; k < layer.slots; k++) {
      const bits = sectionAdc(layer, t, k, policy, maxBits);
      if (!bits) continue;
      const perCycle = models.map((m) => {
        let e = 0;
        for (const row of bits) for (const b of row) if (b > 0) e += m.energy(b);
        return e;
      });
      if (bits.every((row) => row.every((b) => b === 0))) continue; // no ADC fires: nothing to skip
      const { out: o, start, len } = slotSource(layer, t, k);
      const base = o * layer.nIn;
      const key = layer.perm ? -1 : start * 65536 + len;
      const hit = key >= 0 ? shared.get(key) : undefined;
      if (hit) orOf.set(hit);
      else {
        orOf.fill(0);
        for (let r = 0; r < len; r++) {
          const i = layer.perm ? layer.perm[base + start + r]! : start + r;
          for (let v = 0; v < codes.length; v++) orOf[v]! |= codes[v]![i]!;
        }
        if (key >= 0) shared.set(key, orOf.slice());
      }
      let zeroPlanes = 0;
      for (let v = 0; v < codes.length; v++) for (let b = 0; b < nBits; b++) if (((orOf[v]! >>> b) & 1) === 0) zeroPlanes++;
      cycles += codes.length * nBits;
      skipped += zeroPlanes;
      models.forEach((m, n) => {
        energy[m.id]! += perCycle[n]! * codes.length * nBits;
        skippedEnergy[m.id]! += perCycle[n]! * zeroPlanes;
      });
    }
  return { vectors: codes.length, cycles, skippedCycles: skipped, energy, skippedEnergy };
}
