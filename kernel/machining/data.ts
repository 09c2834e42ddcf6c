/**
 * Windowing, normalisation and the frequency input, as in the official DeepMachining code (arXiv 2403.16451; code
 * github.com/ALiGoo/DeepMachining, data generator):
 *
 *   - an axial position maps to a sample index linearly: idx = floor(L/length·mm) − 1 (constant feed);
 *   - training windows are centred every 0.1 mm from the first to the last measured station (np.arange semantics:
 *     ⌈(last − first)/0.1⌉ centres in float64, e.g. 400 for 10→50 mm, 102 for 3.4→13.6 mm); test windows sit exactly
 *     on the stations; centres are clipped to [seq/2, L − seq/2];
 *   - each sample stacks every cut of the workpiece at the same axial position; the target is the last cut's label
 *     channel at the window centre, × 100 (one unit = 10 µm);
 *   - accelerometer and current channels are z-scored, rpm channels scaled min–max to [−2, 2], with statistics frozen
 *     from the pretraining corpus;
 *   - the frequency input is |rfft(x, norm='forward')| of the two (normalised) accelerometer windows: seq/2 + 1 bins.
 */
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { stationIndex } from './lathe';
import { ACCEL_CHANNELS, RPM_CHANNELS, SIGNAL_CHANNELS, type Workpiece } from './types';

/** Label scale of the official code: ×100 (one unit = 10 µm when labels are in mm). */
export const LABEL_SCALE = 100;

/** np.arange(first, last, step): ⌈(last − first)/step⌉ centres first + i·step (float64, so 3.4→13.6 gives 102). */
export function trainingCentresMm(firstMm: number, lastMm: number, stepMm = 0.1): number[] {
  if (!(lastMm > firstMm) || !(stepMm > 0))
    throw new InvalidInput(
      `need first < last and step > 0, got first ${describe(firstMm)}, last ${describe(lastMm)}, step ${describe(stepMm)}`,
    );
  const n = Math.ceil((lastMm - firstMm) / stepMm);
  return Array.from({ length: n }, (_, i) => firstMm + i * stepMm);
}

/** Window centre of an axial position in a cut of L samples, clipped to [seq/2, L − seq/2]. */
export function windowCentre(mm: number, L: number, lengthMm: number, seq: number): number {
  checkInt('seq', seq, 2);
  if (L < seq) throw new InvalidInput(`a cut of ${L} samples is shorter than the window (${seq})`);
  const idx = stationIndex(mm, L, lengthMm);
  return Math.min(Math.max(idx, seq / 2), L - seq / 2);
}

/** Per-channel normalisation frozen from the pretraining corpus: z-score (a = mean, b = std) or min–max (a = min, b = max). */
export interface NormStats {
  a: number[];
  b: number[];
}

/** Statistics over every sample of every cut of the given workpieces (rpm channels: min/max, others: mean/std). */
export function fitNorm(workpieces: readonly Workpiece[]): NormStats {
  check(workpieces.length > 0, 'fitNorm needs at least one workpiece');
  const a: number[] = [],
    b: number[] = [];
  for (let c = 0; c < SIGNAL_CHANNELS; c++) {
    let n = 0,
      s = 0,
      s2 = 0,
      lo = Infinity,
      hi = -Infinity;
    for (const w of workpieces)
      for (const cut of w.cuts) {
        const L = cut.length;
        for (let i = 0; i < L; i++) {
          const v = cut.data[c * L + i]!;
          n++;
          s += v;
          s2 += v * v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    if (RPM_CHANNELS.includes(c)) {
      a.push(lo);
      b.push(hi > lo ? hi : lo + 1);
    } else {
      const m = s / n;
      a.push(m);
      b.push(Math.sqrt(Math.max(s2 / n - m * m, 0)) || 1);
    }
  }
  return { a, b };
}

function normalise(v: number, c: number, st: NormStats): number {
  return RPM_CHANNELS.includes(c) ? ((v - st.a[c]!) / (st.b[c]! - st.a[c]!)) * 4 - 2 : (v - st.a[c]!) / st.b[c]!;
}

/** |rfft(x)| with norm='forward' (divided by N): N/2 + 1 magnitudes. Radix-2 FFT for powers of two, else a direct DFT. */
export function rfftMag(x: ArrayLike<number>): Float32Array {
  const N = x.length,
    H = (N >> 1) + 1,
    out = new Float32Array(H);
  if (N > 0 && (N & (N - 1)) === 0) {
    const re = Float64Array.from(x as ArrayLike<number>),
      im = new Float64Array(N);
    for (let i = 1, j = 0; i < N; i++) {
      let bit = N >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        const t = re[i]!;
        re[i] = re[j]!;
        re[j] = t;
      }
    }
    for (let len = 2; len <= N; len <<= 1) {
      const ang = (-2 * Math.PI) / len,
        wr = Math.cos(ang),
        wi = Math.sin(ang);
      for (let i = 0; i < N; i += len) {
        let cr = 1,
          ci = 0;
        for (let k = 0; k < len / 2; k++) {
          const a = i + k,
            b = a + len / 2;
          const tr = re[b]! * cr - im[b]! * ci,
            ti = re[b]! * ci + im[b]! * cr;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
          const ncr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = ncr;
        }
      }
    }
    for (let k = 0; k < H; k++) out[k] = Math.hypot(re[k]!, im[k]!) / N;
    return out;
  }
  for (let k = 0; k < H; k++) {
    let sr = 0,
      si = 0;
    for (let n = 0; n < N; n++) {
      const a = (-2 * Math.PI * k * n) / N;
      sr += x[n]! * Math.cos(a);
      si += x[n]! * Math.sin(a);
    }
    out[k] = Math.hypot(sr, si) / N;
  }
  return out;
}

/** Model inputs for N windows: time [N, cuts, seq, 8], frequency [N, cuts, seq/2+1, 2], cut ids [N, cuts], targets [N] (×100). */
export interface Windows {
  n: number;
  cuts: number;
  seq: number;
  time: Float32Array;
  freq: Float32Array;
  cut: Int32Array;
  y: Float32Array;
  /** Per window: index of its workpiece in the input list and its axial position (mm). */
  workpiece: Int32Array;
  mm: Float32Array;
}

export interface WindowOptions {
  /** Window length in samples (even). */
  seq: number;
  /** 'train': every 0.1 mm between the first and last station; 'test': on the stations (default 'train'). */
  mode?: 'train' | 'test';
  /** Keep every `every`-th training centre (default 1 = all, as in the official code). */
  every?: number;
  /** Target: measured station errors interpolated along z ('measured', default) or the noise-free label channel ('label'). */
  target?: 'measured' | 'label';
}

/** Piecewise-linear interpolation of the measured station errors (constant beyond the ends). */
function interpStations(mm: number, st: readonly number[], e: readonly number[]): number {
  if (mm <= st[0]!) return e[0]!;
  for (let i = 1; i < st.length; i++)
    if (mm <= st[i]!) return e[i - 1]! + ((mm - st[i - 1]!) / (st[i]! - st[i - 1]!)) * (e[i]! - e[i - 1]!);
  return e[e.length - 1]!;
}

/**
 * Cut windows out of workpieces (all must have the same number of cuts). Targets in label units (mm × 100).
 * 'measured' targets use only what a factory has: the diameters measured at the stations (interpolated between them
 * for the 0.1-mm training windows); 'label' reads the generator's noise-free per-sample label channel.
 */
export function makeWindows(workpieces: readonly Workpiece[], stats: NormStats, options: WindowOptions): Windows {
  const seq = checkInt('seq', options.seq, 2);
  check(seq % 2 === 0, `seq must be even, got ${seq}`);
  const mode = options.mode ?? 'train';
  if (mode !== 'train' && mode !== 'test') throw new InvalidInput(`mode must be 'train' or 'test', got ${describe(mode)}`);
  const every = checkInt('every', options.every ?? 1, 1);
  check(workpieces.length > 0, 'makeWindows needs at least one workpiece');
  const cuts = workpieces[0]!.cuts.length;
  const plan: { w: number; mm: number }[] = [];
  workpieces.forEach((w, wi) => {
    check(w.cuts.length === cuts, `every workpiece needs ${cuts} cuts; workpiece ${wi} has ${w.cuts.length}`);
    const mms =
      mode === 'test'
        ? w.stationsMm
        : trainingCentresMm(w.stationsMm[0]!, w.stationsMm[w.stationsMm.length - 1]!).filter((_, i) => i % every === 0);
    for (const mm of mms) plan.push({ w: wi, mm });
  });
  const N = plan.length,
    H = seq / 2 + 1,
    C = SIGNAL_CHANNELS;
  const time = new Float32Array(N * cuts * seq * C),
    freq = new Float32Array(N * cuts * H * 2);
  const cut = new Int32Array(N * cuts),
    y = new Float32Array(N),
    workpiece = new Int32Array(N),
    mmArr = new Float32Array(N);
  const buf = new Float64Array(seq);
  plan.forEach(({ w: wi, mm }, n) => {
    const w = workpieces[wi]!;
    workpiece[n] = wi;
    mmArr[n] = mm;
    for (let k = 0; k < cuts; k++) {
      const c = w.cuts[k]!,
        L = c.length;
      const centre = windowCentre(mm, L, w.lengthMm, seq),
        start = centre - seq / 2;
      cut[n * cuts + k] = Math.min(k, 1);
      const base = (n * cuts + k) * seq * C;
      for (let ch = 0; ch < C; ch++)
        for (let t = 0; t < seq; t++) time[base + t * C + ch] = normalise(c.data[ch * L + start + t]!, ch, stats);
      ACCEL_CHANNELS.forEach((ch, j) => {
        for (let t = 0; t < seq; t++) buf[t] = time[base + t * C + ch]!;
        const m = rfftMag(buf),
          fb = (n * cuts + k) * H * 2;
        for (let h = 0; h < H; h++) freq[fb + h * 2 + j] = m[h]!;
      });
      if (k === cuts - 1) {
        const label =
          (options.target ?? 'measured') === 'label'
            ? c.data[8 * L + stationIndex(mm, L, w.lengthMm)]!
            : interpStations(mm, w.stationsMm, w.errorMeasuredMm);
        y[n] = label * LABEL_SCALE;
      }
    }
  });
  return { n: N, cuts, seq, time, freq, cut, y, workpiece, mm: mmArr };
}

/** Rows `idx` of a Windows set (for batches and splits). */
export function selectWindows(w: Windows, idx: ArrayLike<number>): Windows {
  const n = idx.length,
    C = SIGNAL_CHANNELS,
    T = w.cuts * w.seq * C,
    F = w.cuts * (w.seq / 2 + 1) * 2;
  const out: Windows = {
    n,
    cuts: w.cuts,
    seq: w.seq,
    time: new Float32Array(n * T),
    freq: new Float32Array(n * F),
    cut: new Int32Array(n * w.cuts),
    y: new Float32Array(n),
    workpiece: new Int32Array(n),
    mm: new Float32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    if (!(j >= 0 && j < w.n)) throw new InvalidInput(`window index ${describe(j)} out of range [0, ${w.n})`);
    out.time.set(w.time.subarray(j * T, (j + 1) * T), i * T);
    out.freq.set(w.freq.subarray(j * F, (j + 1) * F), i * F);
    out.cut.set(w.cut.subarray(j * w.cuts, (j + 1) * w.cuts), i * w.cuts);
    out.y[i] = w.y[j]!;
    out.workpiece[i] = w.workpiece[j]!;
    out.mm[i] = w.mm[j]!;
  }
  return out;
}
