/**
 * ADC energy models and ADC policies for bit-sliced crossbars (SWS: "Sorted Weight Sectioning for
 * Energy-Efficient Unstructured Sparse DNNs on Compute-in-Memory Crossbars", Farias & Kung, arXiv:2410.11298).
 *
 * A conversion unit is one (section, polarity, value slice): the bit line of one magnitude column carrying one
 * polarity's current (sign-magnitude steering or a pos/neg column pair, digital subtraction after the ADC), converted
 * once per input-bit cycle. The paper's ADC formula is not known to us [INFERRED]; energy laws and policies are
 * pluggable, and relative numbers (what the paper reports: −89.5 %) are what we compare.
 */
import { InvalidInput, checkInt, describe } from '../core/errors';

function num(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidInput(`${name} must be a finite number, got ${describe(v)}`);
  return v;
}

/** Energy of one conversion at `bits` resolution (arbitrary unit unless the model says otherwise). */
export interface AdcEnergyModel {
  /** Short id ('exp2', 'bexp2', 'exp4', 'survey', 'count'). */
  id: string;
  /** Human label for tables and legends. */
  label: string;
  /** Energy unit of `energy` ('a.u.' or 'fJ'). */
  unit: string;
  energy: (bits: number) => number;
}

export type AdcEnergyId = 'exp2' | 'bexp2' | 'exp4' | 'survey' | 'count';

export interface SurveyModelOptions {
  /** Walden figure of merit, fJ per conversion step (energy ≥ FOMW·2^ENOB). Default 0.5 fJ/step [OURS: near the best SAR designs of the survey]. */
  fomW?: number;
  /** Schreier figure of merit in dB (energy ≥ 10^((SNDR − FOMS)/10)/2 at Nyquist). Default 180 dB [OURS: the survey's thermal frontier is ≈ 180–185 dB]. */
  fomS?: number;
  /** Fixed per-conversion overhead (sampling, reference, logic), fJ. Default 5 fJ [OURS]. */
  floor?: number;
  /** ENOB = bits − enobLoss. Default 0.5 [OURS]. */
  enobLoss?: number;
}

/**
 * Murmann-survey-style envelope [OURS, shaped after hwcomponents-adc / CiMLoop, arXiv:2404.06553]: the best ADC's
 * energy per conversion is bounded by a Walden line (∝ 2^ENOB, low resolution) and a thermal Schreier line
 * (∝ 4^ENOB, high resolution), plus a fixed overhead: E(b) = floor + max(FOMW·2^ENOB, 10^((6.02·ENOB + 1.76 − FOMS)/10)/2 J).
 * Unit fJ. The overhead makes very low resolutions less attractive than a pure 2^b law.
 */
export function surveyModel(opts: SurveyModelOptions = {}): AdcEnergyModel {
  const fomW = num('fomW', opts.fomW ?? 0.5),
    fomS = num('fomS', opts.fomS ?? 180);
  const floor = num('floor', opts.floor ?? 5),
    loss = num('enobLoss', opts.enobLoss ?? 0.5);
  if (fomW < 0 || floor < 0 || loss < 0)
    throw new InvalidInput(`surveyModel: fomW, floor and enobLoss must be ≥ 0, got ${fomW}, ${floor}, ${loss}`);
  return {
    id: 'survey',
    label: `survey envelope (FOMW ${fomW} fJ/step, FOMS ${fomS} dB, +${floor} fJ)`,
    unit: 'fJ',
    energy: (b) => {
      const enob = Math.max(b - loss, 0);
      const thermal = (10 ** ((6.02 * enob + 1.76 - fomS) / 10) / 2) * 1e15; // J → fJ
      return floor + Math.max(fomW * 2 ** enob, thermal);
    },
  };
}

/** The built-in energy laws. 'exp2' (flash-like, ∝ 2^b: 2^b − 1 comparators) is the reference law of the gates. */
export function adcEnergyModel(id: AdcEnergyId | AdcEnergyModel): AdcEnergyModel {
  if (typeof id === 'object' && id && typeof id.energy === 'function') return id;
  switch (id) {
    case 'exp2':
      return { id, label: 'E ∝ 2^b (flash-like)', unit: 'a.u.', energy: (b) => 2 ** b };
    case 'bexp2':
      return { id, label: 'E ∝ b·2^b', unit: 'a.u.', energy: (b) => b * 2 ** b };
    case 'exp4':
      return { id, label: 'E ∝ 4^b (thermal-noise limited)', unit: 'a.u.', energy: (b) => 4 ** b };
    case 'survey':
      return surveyModel();
    case 'count':
      return { id, label: 'conversion count', unit: 'conversions', energy: () => 1 };
    default:
      throw new InvalidInput(`energy model must be 'exp2', 'bexp2', 'exp4', 'survey', 'count' or an AdcEnergyModel, got ${describe(id)}`);
  }
}

/** The models the study sweeps by default. */
export const ENERGY_MODELS: readonly AdcEnergyId[] = ['exp2', 'bexp2', 'survey', 'count'];

/**
 * Which columns of a section get an ADC and at what resolution. `full` = ⌈log2(rows·(2^cellBits − 1) + 1)⌉ (lossless
 * for any section; 8 bits for 128 rows of 1-bit cells, bit-serial inputs).
 * - 'fixed': every column of every mapped section, `full` bits (conventional, ISAAC-like baseline).
 * - 'skipZeroCols': columns holding at least one nonzero cell, `full` bits ("quantity" reduction only; an all-zero
 *   section costs nothing). The reviewer's simple trick for unsorted layouts.
 * - 'sectionMax' [INFERRED, reference policy of the gates]: per polarity, the slices a section's largest magnitude
 *   needs (slice s < ⌈bitlen(max|q|)/cellBits⌉) are active, each with a fixed `full`-bit ADC. Literal reading of "we only
 *   need low-order crossbar columns for sections with low-magnitude weights".
 * - 'sectionMaxNnz': columns as 'sectionMax', resolution ⌈log2(nnz·(2^cellBits − 1) + 1)⌉ with nnz the section's
 *   nonzero weights of that polarity ("resolution" also falls once zeros are remapped out).
 * - 'popcountLossless': columns holding a nonzero cell, resolution ⌈log2(Σ cells + 1)⌉ (the largest column sum any
 *   input can produce): the tightest static lossless rule, an upper bound on what any static policy can save.
 * - 'sectionPartialSum' [OURS, the resolution-aware reading of arXiv:2410.11298 §1 "reduces the quantity and resolution
 *   of ADCs"]: columns holding a nonzero cell are active, and ALL active columns of a section (both polarities) share
 *   one resolution ⌈log2(P + 1)⌉, P = the largest partial sum any column of the section can produce (its largest
 *   Σ cells, reached when every input bit is 1). One programmable-resolution ADC setting per section, fixed offline.
 * All six are lossless: the ADC range always covers the column sum, so MVM outputs stay exact. A lossy variant of any
 * policy caps the resolution (`maxBits` of `sectionBits`): column sums above 2^maxBits − 1 saturate (clip).
 */
export type AdcPolicy = 'fixed' | 'skipZeroCols' | 'sectionMax' | 'sectionMaxNnz' | 'popcountLossless' | 'sectionPartialSum';
export const ADC_POLICIES: readonly AdcPolicy[] = [
  'fixed',
  'skipZeroCols',
  'sectionMax',
  'sectionMaxNnz',
  'popcountLossless',
  'sectionPartialSum',
];
/** The resolution-aware policy the net keys use (per-section lossless resolution). */
export const RESOLUTION_POLICY: AdcPolicy = 'sectionPartialSum';

export function checkPolicy(p: unknown): AdcPolicy {
  if (!ADC_POLICIES.includes(p as AdcPolicy))
    throw new InvalidInput(`ADC policy must be one of ${ADC_POLICIES.join(', ')}, got ${describe(p)}`);
  return p as AdcPolicy;
}

/** Bits an ADC needs to resolve column sums 0..maxSum exactly. */
export function bitsFor(maxSum: number): number {
  return maxSum <= 0 ? 0 : Math.ceil(Math.log2(maxSum + 1));
}

/** Number of bits in the binary representation of v ≥ 0 (bitlen(0) = 0). */
export function bitLength(v: number): number {
  return v <= 0 ? 0 : Math.floor(Math.log2(v)) + 1;
}

/** What one (section, polarity) looks like to the ADC policy. */
export interface PolarityStats {
  /** Largest stored magnitude (sign-magnitude / pair) or offset code (offset mode). */
  max: number;
  /** Rows holding a nonzero value of this polarity. */
  nnz: number;
  /** Per value slice: Σ of cell values in that slice's columns (per cell bit for 2-bit cells: see `slices`). */
  cellSum: number[];
  /** Per value slice: rows whose cell in that slice is nonzero. */
  cellNnz: number[];
}

/**
 * ADC resolution per slice of one (section, polarity) under `policy`: 0 = no ADC on that column.
 * `slices` = value slices of the polarity (7 for int8 at 1 bit/cell), `rows` = crossbar rows, `mapped` = whether
 * the section occupies a crossbar slot at all.
 */
export function sliceBits(st: PolarityStats, policy: AdcPolicy, cfg: { rows: number; cellBits: number; slices: number }): number[] {
  const maxCell = (1 << cfg.cellBits) - 1;
  const full = bitsFor(cfg.rows * maxCell);
  const out: number[] = [];
  const needed = Math.ceil(bitLength(st.max) / cfg.cellBits);
  for (let s = 0; s < cfg.slices; s++) {
    let b = 0;
    switch (policy) {
      case 'fixed':
        b = full;
        break;
      case 'skipZeroCols':
        b = st.cellNnz[s]! > 0 ? full : 0;
        break;
      case 'sectionMax':
        b = s < needed ? full : 0;
        break;
      case 'sectionMaxNnz':
        b = s < needed ? Math.max(1, bitsFor(st.nnz * maxCell)) : 0;
        break;
      case 'popcountLossless':
        b = bitsFor(st.cellSum[s]!);
        break;
      case 'sectionPartialSum':
        // a section of this one polarity: see sectionBits for the two-polarity section
        b = st.cellNnz[s]! > 0 ? bitsFor(Math.max(...st.cellSum)) : 0;
        break;
    }
    out.push(b);
  }
  return out;
}

/**
 * ADC resolution per [polarity][slice] of one section (its polarities' stats) under `policy`, 0 = no ADC. For
 * 'sectionPartialSum' the resolution is shared by both polarities' columns (one setting per section). `maxBits`
 * (default none = lossless) caps every resolution: the lossy clipped variant, column sums saturate at 2^maxBits − 1.
 */
export function sectionBits(
  st: readonly PolarityStats[],
  policy: AdcPolicy,
  cfg: {
    /** Crossbar rows summed per column. */
    rows: number;
    /** Bits per memristor cell. */
    cellBits: number;
    /** Bit slices per weight. */
    slices: number;
    /** Cap on every resolution (bits; default none = lossless). */
    maxBits?: number;
  },
): number[][] {
  let bits: number[][];
  if (policy === 'sectionPartialSum') {
    let top = 0;
    for (const p of st) for (const c of p.cellSum) if (c > top) top = c;
    const b = bitsFor(top);
    bits = st.map((p) => p.cellNnz.slice(0, cfg.slices).map((n) => (n > 0 ? b : 0)));
  } else bits = st.map((p) => sliceBits(p, policy, cfg));
  const cap = cfg.maxBits;
  if (cap !== undefined) for (const row of bits) for (let s = 0; s < row.length; s++) if (row[s]! > cap) row[s] = cap;
  return bits;
}

/** Validate a resolution cap (the lossy clipped variant): an integer 1..30 or undefined (lossless). */
export function checkMaxBits(n: unknown): number | undefined {
  return n === undefined ? undefined : checkInt('maxBits', n, 1, 30);
}

/** Σ energy over a histogram of conversions by resolution (index = bits). */
export function histogramEnergy(hist: ArrayLike<number>, model: AdcEnergyModel): number {
  let e = 0;
  for (let b = 1; b < hist.length; b++) if (hist[b]) e += hist[b]! * model.energy(b);
  return e;
}

/** Validate an input bit count (conversions per MVM = inputBits × active conversion units). */
export function checkInputBits(n: unknown): number {
  return checkInt('inputBits', n, 1, 30);
}
