/**
 * SphereFed's closed-form calibration (a ridge / mean-squared-loss head), computed distributedly:
 *   client k:  G_k = Σ_i h_i h_iᵀ (packed upper triangle), B_k = Σ_i h_i y_iᵀ (y one-hot), n_k   — all float64
 *   server:    W* = (Σ_k G_k + λ I)⁻¹ Σ_k B_k  by Cholesky.
 * Sums commute, so W* equals the centralized ridge solution on the pooled features (up to float64 rounding) and does
 * not depend on client order or on how the samples were partitioned. With `bias`, h gets a constant 1 appended.
 */
import { InvalidInput, check, checkInt } from '../core/errors';
import { isMatrixLike, toShaped, toVector, type MatrixLike, type VectorLike } from '../core/matrix';
import { cholesky, choleskySolve } from '../core/linalg';
import { packedLength, unpackUpper } from './linalg64';

export interface CalibStats {
  n: number;
  /** Feature width (including the appended 1 when bias was used). */
  d: number;
  classes: number;
  /** Packed upper triangle of Σ hhᵀ, d(d+1)/2. */
  G: Float64Array;
  /** Σ h yᵀ, d×C row-major. */
  B: Float64Array;
}

/**
 * A client's statistics from its n×dIn features and labels. `feats`: row-major [n][dIn] values (a flat Float64Array or
 * typed array, or any MatrixLike of shape [n, dIn]: npy `{ shape, data }`, nested arrays, a tensor); `y`: n class
 * indices (int64 from numpy is fine within ±2^53).
 */
export function clientStats(
  feats0: Float64Array | VectorLike | MatrixLike,
  y0: VectorLike,
  dIn: number,
  classes: number,
  o: {
    /** Append a constant 1 to every feature row (d = dIn + 1: a bias row in W*). Default false. */
    bias?: boolean;
  } = {},
): CalibStats {
  let feats: ArrayLike<number>;
  if (isMatrixLike(feats0)) {
    const t = toShaped(feats0, 'clientStats: features', { ranks: [2], layout: '[n][dIn]' });
    check(
      t.shape[1] === dIn,
      () => `clientStats: features have shape [${t.shape.join(', ')}] (layout [n][dIn]); expected dIn = ${dIn} columns`,
    );
    feats = t.data;
  } else feats = toVector(feats0 as VectorLike, 'clientStats: features');
  const y = toVector(y0, 'clientStats: labels');
  const n = y.length,
    C = checkInt('clientStats: classes', classes, 1);
  check(feats.length === n * dIn, `clientStats: features have length ${feats.length}; expected n·d = ${n}·${dIn}`);
  const d = dIn + (o.bias ? 1 : 0);
  const G = new Float64Array(packedLength(d)),
    B = new Float64Array(d * C),
    h = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dIn; k++) h[k] = feats[i * dIn + k]!;
    if (o.bias) h[dIn] = 1;
    let p = 0;
    for (let a = 0; a < d; a++) {
      const ha = h[a]!;
      for (let b = a; b < d; b++) G[p++]! += ha * h[b]!;
    }
    const c = y[i]!;
    if (!(c >= 0 && c < C)) throw new InvalidInput(`clientStats: label ${c} at ${i} is outside 0..${C - 1}`);
    for (let a = 0; a < d; a++) B[a * C + c]! += h[a]!;
  }
  return { n, d, classes: C, G, B };
}

/** Σ of client statistics (in the given order). */
export function sumStats(list: CalibStats[]): CalibStats {
  check(list.length > 0, 'sumStats: no client statistics to sum');
  const { d, classes } = list[0]!;
  const out: CalibStats = { n: 0, d, classes, G: new Float64Array(packedLength(d)), B: new Float64Array(d * classes) };
  for (const s of list) {
    check(
      s.d === d && s.classes === classes,
      `sumStats: client statistics disagree on shape (d ${s.d} vs ${d}, classes ${s.classes} vs ${classes})`,
    );
    out.n += s.n;
    for (let i = 0; i < out.G.length; i++) out.G[i]! += s.G[i]!;
    for (let i = 0; i < out.B.length; i++) out.B[i]! += s.B[i]!;
  }
  return out;
}

export interface RidgeOptions {
  /** Absolute ridge λ. Default: relLambda · tr(G)/d (relative to the mean feature energy). */
  lambda?: number;
  /** Default 1e-3 (our choice; the paper's λ is not known here). */
  relLambda?: number;
}

/** W* = (G + λI)⁻¹ B from summed statistics; returns W (d×C row-major) and the λ used. */
export function solveRidge(s: CalibStats, o: RidgeOptions = {}): { W: Float64Array; lambda: number } {
  const d = s.d,
    A = unpackUpper(s.G, d);
  let tr = 0;
  for (let i = 0; i < d; i++) tr += A[i * d + i]!;
  const lambda = o.lambda ?? (o.relLambda ?? 1e-3) * (tr / d);
  check(Number.isFinite(lambda) && lambda >= 0, `solveRidge: lambda must be ≥ 0, got ${lambda}`);
  for (let i = 0; i < d; i++) A[i * d + i]! += lambda;
  return { W: choleskySolve(cholesky(A, d, { hint: 'increase lambda' }), s.B, d, s.classes), lambda };
}
