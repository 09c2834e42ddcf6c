/**
 * Baselines under the same two-shot budget (the paper compares against SVR, 1D-CNN and 2D-CNN, arXiv 2403.16451;
 * their exact settings were not retrievable, so these are ours):
 *   - predict the mean of the fine-tuning labels;
 *   - ridge regression on hand-crafted window features (per cut and channel: mean and standard deviation; per
 *     accelerometer: kurtosis and four spectral band energies), features standardised on the fine-tuning windows,
 *     λ chosen on a validation task. Closed form in float64.
 */
import { InvalidInput, check } from '../core/errors';
import { SIGNAL_CHANNELS, ACCEL_CHANNELS } from './types';
import type { Windows } from './data';

/** Hand-crafted features of every window: [n, d] row-major. */
export function windowFeatures(w: Windows): { x: Float64Array; d: number } {
  const C = SIGNAL_CHANNELS,
    H = w.seq / 2 + 1,
    bands = 4;
  const d = w.cuts * (2 * C + ACCEL_CHANNELS.length * (1 + bands));
  const x = new Float64Array(w.n * d);
  for (let n = 0; n < w.n; n++) {
    let o = n * d;
    for (let k = 0; k < w.cuts; k++) {
      const base = (n * w.cuts + k) * w.seq * C;
      for (let c = 0; c < C; c++) {
        let s = 0,
          s2 = 0,
          s4 = 0;
        for (let t = 0; t < w.seq; t++) s += w.time[base + t * C + c]!;
        const m = s / w.seq;
        for (let t = 0; t < w.seq; t++) {
          const v = w.time[base + t * C + c]! - m;
          s2 += v * v;
          s4 += v ** 4;
        }
        const varr = s2 / w.seq;
        x[o++] = m;
        x[o++] = Math.sqrt(varr);
        if (ACCEL_CHANNELS.includes(c)) x[o++] = varr > 0 ? s4 / w.seq / (varr * varr) : 0;
      }
      const fb = (n * w.cuts + k) * H * 2;
      for (let j = 0; j < ACCEL_CHANNELS.length; j++)
        for (let b = 0; b < bands; b++) {
          let e = 0;
          for (let h = Math.floor((b * H) / bands); h < Math.floor(((b + 1) * H) / bands); h++) e += w.freq[fb + h * 2 + j]! ** 2;
          x[o++] = Math.log(e + 1e-12);
        }
    }
  }
  return { x, d };
}

export interface RidgeModel {
  mean: Float64Array;
  scale: Float64Array;
  w: Float64Array;
  b: number;
  lambda: number;
}

/** Solve (XᵀX + λI)w = Xᵀ(y − ȳ) on standardised features (Cholesky, float64). */
export function fitRidge(w: Windows, lambda: number): RidgeModel {
  if (!(lambda > 0)) throw new InvalidInput(`lambda must be > 0, got ${lambda}`);
  const { x, d } = windowFeatures(w),
    n = w.n;
  check(n > 0, 'fitRidge needs windows');
  const mean = new Float64Array(d),
    scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j]! += (x[i * d + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]!) || 1;
  let ym = 0;
  for (let i = 0; i < n; i++) ym += w.y[i]! / n;
  const A = new Float64Array(d * d),
    rhs = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const z = new Float64Array(d);
    for (let j = 0; j < d; j++) z[j] = (x[i * d + j]! - mean[j]!) / scale[j]!;
    for (let a = 0; a < d; a++) {
      rhs[a]! += z[a]! * (w.y[i]! - ym);
      for (let b = 0; b <= a; b++) A[a * d + b]! += z[a]! * z[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    A[a * d + a]! += lambda * n;
    for (let b = 0; b < a; b++) A[b * d + a] = A[a * d + b]!;
  }
  // Cholesky
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      L[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * d + j]!;
    }
  const zf = new Float64Array(d),
    wv = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = rhs[i]!;
    for (let k = 0; k < i; k++) s -= L[i * d + k]! * zf[k]!;
    zf[i] = s / L[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = zf[i]!;
    for (let k = i + 1; k < d; k++) s -= L[k * d + i]! * wv[k]!;
    wv[i] = s / L[i * d + i]!;
  }
  return { mean, scale, w: wv, b: ym, lambda };
}

/** Predictions of a fitted ridge model for every window of `w` (label units). */
export function predictRidge(m: RidgeModel, w: Windows): Float32Array {
  const { x, d } = windowFeatures(w),
    out = new Float32Array(w.n);
  for (let i = 0; i < w.n; i++) {
    let s = m.b;
    for (let j = 0; j < d; j++) s += (m.w[j]! * (x[i * d + j]! - m.mean[j]!)) / m.scale[j]!;
    out[i] = s;
  }
  return out;
}

/** The mean of the fine-tuning labels, for every test window. */
export function predictMean(train: Windows, test: Windows): Float32Array {
  let s = 0;
  for (let i = 0; i < train.n; i++) s += train.y[i]!;
  return new Float32Array(test.n).fill(s / train.n);
}
