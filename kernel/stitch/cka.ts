/**
 * Linear CKA (centered kernel alignment), computed in float64.
 *
 * Biased (default, the paper's `linear_CKA`): HSIC(K, L) = tr(HKH·HLH) with K = XXᵀ, L = YYᵀ, evaluated in the
 * equivalent feature form ‖ỸᵀX̃‖²_F / (‖X̃ᵀX̃‖_F·‖ỸᵀỸ‖_F) on column-centred X̃, Ỹ.
 * Unbiased: the U-statistic HSIC of Song et al. (2012) on the Gram matrices of the column-centred features.
 */
import { InvalidInput, checkInt, describe } from '../core/errors';
import { rng as makeRng } from '../core/rng';
import { type ActsLike, type Acts, asActs, sameN, gap, resize, rows, takeRows } from './acts';
import { atb, aat, centerColumns, frob2 } from './linalg';

export interface CkaOptions {
  /** 'biased' (default; the paper's estimator) or 'unbiased' (Song et al. 2012 HSIC U-statistic). */
  kind?: 'biased' | 'unbiased';
  /**
   * How 4-D conv maps are compared (default 'paper'): resize the map with the larger H to the smaller H×W (bilinear,
   * align-corners), take spatial positions as samples and keep `samplesPerChannel·min(C_X, C_Y)` shared random rows;
   * a 4-D map against a 2-D feature is global-average-pooled. 'gap' average-pools every 4-D map instead (samples = images).
   */
  convPolicy?: 'paper' | 'gap';
  /** Rows kept per channel in the 'paper' policy (default 10, as in the authors' `get_score`). */
  samplesPerChannel?: number;
  /** Seed of the row sample (default 0). */
  seed?: number;
}

function ckaMatrices(X: Float64Array, Y: Float64Array, n: number, dx: number, dy: number, kind: 'biased' | 'unbiased'): number {
  X = Float64Array.from(X);
  Y = Float64Array.from(Y);
  centerColumns(X, n, dx);
  centerColumns(Y, n, dy);
  if (kind === 'biased') {
    const xy = frob2(atb(X, Y, n, dx, dy)),
      xx = Math.sqrt(frob2(atb(X, X, n, dx, dx))),
      yy = Math.sqrt(frob2(atb(Y, Y, n, dy, dy)));
    if (xx === 0 || yy === 0)
      throw new InvalidInput(`CKA undefined: ${xx === 0 ? 'X' : 'Y'} is constant across all ${n} samples (zero variance)`);
    return xy / (xx * yy);
  }
  if (n < 4) throw new InvalidInput(`unbiased CKA needs at least 4 samples, got ${n}`);
  const K = aat(X, n, dx),
    L = aat(Y, n, dy);
  const hsic = (A: Float64Array, B: Float64Array): number => {
    // A, B with zeroed diagonals
    let tr = 0,
      sa = 0,
      sb = 0,
      s3 = 0;
    const ra = new Float64Array(n),
      rb = new Float64Array(n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const a = A[i * n + j]!,
          b = B[i * n + j]!;
        tr += a * b;
        sa += a;
        sb += b;
        ra[i]! += a;
        rb[i]! += b;
      }
    for (let i = 0; i < n; i++) s3 += ra[i]! * rb[i]!;
    return (tr + (sa * sb) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * s3) / (n * (n - 3));
  };
  const kl = hsic(K, L),
    kk = hsic(K, K),
    ll = hsic(L, L);
  if (!(kk > 0) || !(ll > 0))
    throw new InvalidInput(
      `unbiased CKA undefined: HSIC(${kk > 0 ? 'Y' : 'X'}, itself) = ${(kk > 0 ? ll : kk).toExponential(3)} is not positive`,
    );
  return kl / Math.sqrt(kk * ll);
}

/** Prepare two activation sets for CKA under the policy: returns two row-matrices with the same row count. */
export function ckaRows(
  xa: Acts,
  ya: Acts,
  opts: CkaOptions = {},
): { X: Float64Array; Y: Float64Array; n: number; dx: number; dy: number } {
  sameN(xa, ya, 'cka');
  const policy = opts.convPolicy ?? 'paper';
  if (policy !== 'paper' && policy !== 'gap') throw new InvalidInput(`convPolicy must be 'paper' or 'gap', got ${describe(policy)}`);
  const spc = checkInt('samplesPerChannel', opts.samplesPerChannel ?? 10, 1);
  let a = xa,
    b = ya;
  if (a.shape.length === 4 && b.shape.length === 4 && policy === 'paper') {
    const [ha, wa] = [a.shape[1]!, a.shape[2]!],
      [hb, wb] = [b.shape[1]!, b.shape[2]!];
    if (ha > hb) a = resize(a, hb, wb);
    else if (hb > ha) b = resize(b, ha, wa);
    else if (wa !== wb) {
      const w = Math.min(wa, wb);
      a = resize(a, ha, w);
      b = resize(b, hb, w);
    }
    const ra = rows(a),
      rb = rows(b);
    const k = Math.min(spc * Math.min(ra.d, rb.d), ra.n);
    const idx = makeRng(opts.seed ?? 0).sample(ra.n, k);
    return { X: takeRows(ra.X, ra.d, idx), Y: takeRows(rb.X, rb.d, idx), n: k, dx: ra.d, dy: rb.d };
  }
  if (a.shape.length === 4) a = gap(a);
  if (b.shape.length === 4) b = gap(b);
  const ra = rows(a),
    rb = rows(b);
  return { X: ra.X, Y: rb.X, n: ra.n, dx: ra.d, dy: rb.d };
}

/**
 * Multiply-adds of one cka() call for activations of these shapes (with batch axis), for compute accounting: the
 * biased feature form costs n·(dx·dy + dx² + dy²) on the n kept rows (resizing, pooling and centring not counted).
 */
export function ckaMacs(xShape: readonly number[], yShape: readonly number[], opts: CkaOptions = {}): number {
  const spc = opts.samplesPerChannel ?? 10;
  const n = xShape[0]!;
  let rowsN = n,
    dx = xShape[xShape.length - 1]!,
    dy = yShape[yShape.length - 1]!;
  if (xShape.length === 4 && yShape.length === 4 && (opts.convPolicy ?? 'paper') === 'paper') {
    const h = Math.min(xShape[1]!, yShape[1]!),
      w = xShape[1]! === yShape[1]! ? Math.min(xShape[2]!, yShape[2]!) : xShape[1]! < yShape[1]! ? xShape[2]! : yShape[2]!;
    rowsN = Math.min(spc * Math.min(dx, dy), n * h * w);
  } else {
    if (xShape.length === 2) dx = xShape.slice(1).reduce((a, b) => a * b, 1);
    if (yShape.length === 2) dy = yShape.slice(1).reduce((a, b) => a * b, 1);
  }
  const m = rowsN * (dx * dy + dx * dx + dy * dy);
  return (opts.kind ?? 'biased') === 'biased' ? m : m + 3 * rowsN * rowsN;
}

/**
 * Linear CKA between two activation sets of the same N inputs: [N, d] features or [N, H, W, C] maps (see CkaOptions) —
 * StitchNet's compatibility score between a composite's output and a candidate fragment's input (arXiv 2301.01947).
 * Returns a number in [0, 1]. Tensors passed in stay owned by the caller.
 * @throws InvalidInput for mismatched sample counts, non-finite values, bad ranks or constant activations.
 */
export function cka(X: ActsLike, Y: ActsLike, opts: CkaOptions = {}): number {
  const kind = opts.kind ?? 'biased';
  if (kind !== 'biased' && kind !== 'unbiased') throw new InvalidInput(`kind must be 'biased' or 'unbiased', got ${describe(kind)}`);
  const r = ckaRows(asActs(X, 'X'), asActs(Y, 'Y'), opts);
  return ckaMatrices(r.X, r.Y, r.n, r.dx, r.dy, kind);
}

/** CKA on row matrices directly (no policy): X [n×dx], Y [n×dy] in float64. */
export function ckaRaw(
  X: Float64Array,
  Y: Float64Array,
  n: number,
  dx: number,
  dy: number,
  kind: 'biased' | 'unbiased' = 'biased',
): number {
  return ckaMatrices(X, Y, n, dx, dy, kind);
}
