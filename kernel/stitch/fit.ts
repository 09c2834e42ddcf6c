/**
 * Closed-form stitch: the minimum-norm least-squares linear map A with A·xᵢ ≈ yᵢ (rows of X are xᵢ), i.e.
 * Aᵀ = X⁺Y (the authors' `A = Yᵀ·pinv(Xᵀ)`), computed in float64; optional ridge and bias. Then folded into the
 * receiving layer's kernel so the stitched network has no extra layer.
 */
import { InvalidInput, UnsupportedLayer, describe } from '../core/errors';
import { rng as makeRng } from '../core/rng';
import { type ActsLike, type Acts, asActs, sameN, gap, resize, rows, takeRows } from './acts';
import { atb, matmul, aat, psdPinv, frob2 } from './linalg';

export interface FitOptions {
  /**
   * Ridge strength relative to the mean eigenvalue of XᵀX: λ = ridge·tr(XᵀX)/d₁ (default 0: the paper's plain pinv).
   */
  ridge?: number;
  /** Fit an affine map (A, b) (default false: the paper's stitch has no bias). */
  bias?: boolean;
  /** Singular values below rcond·σ_max are treated as zero in the pseudo-inverse (default 1e-6; float64 Gram route). */
  rcond?: number;
  /** Use at most this many rows (conv positions), sampled with `seed` (default: all rows, as the authors). */
  maxRows?: number;
  /** Seed of the `maxRows` row sample (default 0; unused without maxRows). */
  seed?: number;
  /**
   * The authors' optional refinement after the pseudo-inverse (their `train_w`): up to `steps` SGD steps on the summed
   * loss ‖XAᵀ − Y‖² over shuffled batches of the fit rows (lr 1e-6, momentum 0.9, batch 1024, incomplete last batch
   * dropped, stop when a batch loss stops decreasing). With fewer than `batch` rows no step runs, as in their code.
   * A number = steps with the authors' settings. Default: none (pure pseudo-inverse).
   */
  refine?: number | RefineOptions;
}

export interface RefineOptions {
  steps: number;
  lr?: number;
  momentum?: number;
  batch?: number;
}

export interface Stitch {
  /** A [d2×d1] row-major: y ≈ A·x (+ bias). */
  A: Float64Array;
  bias: Float64Array | null;
  d1: number;
  d2: number;
  /** Rows used for the fit (samples, or samples × positions for conv maps). */
  rows: number;
  rank: number;
  /** ‖XAᵀ + b − Y‖_F / ‖Y‖_F on the fit rows. */
  relResidual: number;
  /** How X was brought to Y's form: 'none', 'gap' (4-D → 2-D) or 'resize' (conv maps of different size; fit only). */
  transform: 'none' | 'gap' | 'resize';
  /** SGD refinement steps actually taken (0 without `refine`). */
  refineSteps: number;
  /** Multiply-adds of the fit: Gram/cross products, the eigen-solve (counted as 10·d³), residual, refinement. */
  macs: number;
}

/** Bring X to Y's form as the authors do; throws UnsupportedLayer for 2-D → 4-D. */
export function alignForFit(xa: Acts, ya: Acts): { x: Acts; transform: Stitch['transform'] } {
  if (xa.shape.length === 2 && ya.shape.length === 4) {
    throw new UnsupportedLayer(
      `cannot stitch a 2-D feature [${xa.shape.join(', ')}] into a conv layer expecting [${ya.shape.join(', ')}] (linear → conv stitching is unsupported, as in the paper)`,
    );
  }
  if (xa.shape.length === 4 && ya.shape.length === 2) return { x: gap(xa), transform: 'gap' };
  if (xa.shape.length === 4 && (xa.shape[1] !== ya.shape[1] || xa.shape[2] !== ya.shape[2]))
    return { x: resize(xa, ya.shape[1]!, ya.shape[2]!), transform: 'resize' };
  return { x: xa, transform: 'none' };
}

/** Least squares on row matrices: Aᵀ [d1×d2] minimising ‖XAᵀ − Y‖, minimum norm. */
export function solveLs(
  X: Float64Array,
  Y: Float64Array,
  n: number,
  d1: number,
  d2: number,
  opts: { ridge?: number; rcond?: number } = {},
): { At: Float64Array; rank: number } {
  const ridge = opts.ridge ?? 0,
    rcond = opts.rcond ?? 1e-6;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new InvalidInput(`ridge must be a finite number ≥ 0, got ${describe(ridge)}`);
  if (!(rcond > 0 && rcond < 1)) throw new InvalidInput(`rcond must be in (0, 1), got ${describe(rcond)}`);
  if (n >= d1 || ridge > 0) {
    const G = atb(X, X, n, d1, d1);
    let tr = 0;
    for (let i = 0; i < d1; i++) tr += G[i * d1 + i]!;
    const { P, rank } = psdPinv(G, d1, rcond, ridge > 0 ? (ridge * tr) / d1 : 0);
    return { At: matmul(P, atb(X, Y, n, d1, d2), d1, d1, d2), rank };
  }
  // n < d1: X⁺ = Xᵀ(XXᵀ)⁺ (minimum-norm)
  const { P, rank } = psdPinv(aat(X, n, d1), n, rcond);
  const Z = matmul(P, Y, n, n, d2);
  return { At: atb(X, Z, n, d1, d2), rank };
}

/**
 * Fit StitchNet's stitching layer (arXiv 2301.01947: least squares, later folded into the receiving layer's weights)
 * from X (the current network's output on the stitching set) to Y (the input the receiving layer saw
 * in its own network on the same inputs). Conv maps use positions as rows; 4-D → 2-D average-pools X; conv maps of
 * different spatial size are bilinearly resized to Y's size for the fit only.
 * @throws InvalidInput (sample counts differ, non-finite values, bad options), UnsupportedLayer (2-D → 4-D).
 */
export function fitStitch(X: ActsLike, Y: ActsLike, opts: FitOptions = {}): Stitch {
  const xa0 = asActs(X, 'X'),
    ya = asActs(Y, 'Y');
  sameN(xa0, ya, 'fitStitch');
  const { x: xa, transform } = alignForFit(xa0, ya);
  const rx = rows(xa),
    ry = rows(ya);
  const d1 = rx.d,
    d2 = ry.d;
  let Xr = rx.X,
    Yr = ry.X,
    n = rx.n;
  if (opts.maxRows !== undefined) {
    if (!Number.isInteger(opts.maxRows) || opts.maxRows < 1)
      throw new InvalidInput(`maxRows must be a positive integer, got ${describe(opts.maxRows)}`);
    if (opts.maxRows < n) {
      const idx = makeRng(opts.seed ?? 0).sample(n, opts.maxRows);
      Xr = takeRows(Xr, d1, idx);
      Yr = takeRows(Yr, d2, idx);
      n = opts.maxRows;
    }
  }
  const bias = opts.bias ?? false;
  let Xf = Xr,
    df = d1;
  if (bias) {
    df = d1 + 1;
    Xf = new Float64Array(n * df);
    for (let i = 0; i < n; i++) {
      Xf.set(Xr.subarray(i * d1, (i + 1) * d1), i * df);
      Xf[i * df + d1] = 1;
    }
  }
  const { At, rank } = solveLs(Xf, Yr, n, df, d2, opts);
  let macs =
    n >= df || (opts.ridge ?? 0) > 0
      ? n * df * df + 10 * df ** 3 + n * df * d2 + df * df * d2
      : n * n * df + 10 * n ** 3 + n * n * d2 + n * df * d2;
  let refineSteps = 0;
  if (opts.refine !== undefined) {
    const r = refineLs(Xf, Yr, At, n, df, d2, opts.refine, opts.seed ?? 0);
    refineSteps = r.steps;
    macs += r.macs;
  }
  macs += n * df * d2;
  const A = new Float64Array(d2 * d1);
  for (let i = 0; i < d1; i++) for (let j = 0; j < d2; j++) A[j * d1 + i] = At[i * d2 + j]!;
  const b = bias ? At.slice(d1 * d2, (d1 + 1) * d2) : null;
  const P = matmul(Xf, At, n, df, d2);
  let num = 0;
  for (let i = 0; i < P.length; i++) num += (P[i]! - Yr[i]!) ** 2;
  const den = frob2(Yr);
  return { A, bias: b, d1, d2, rows: n, rank, relResidual: den > 0 ? Math.sqrt(num / den) : Math.sqrt(num), transform, refineSteps, macs };
}

/**
 * SGD with momentum on L = Σᵢ‖Aᵀ-row map‖²: in place on At [d1×d2] (see FitOptions.refine). Returns steps taken and
 * multiply-adds (3·batch·d1·d2 per step: forward, residual, gradient).
 */
export function refineLs(
  X: Float64Array,
  Y: Float64Array,
  At: Float64Array,
  n: number,
  d1: number,
  d2: number,
  opts: number | RefineOptions,
  seed = 0,
): { steps: number; macs: number; losses: number[] } {
  const o: RefineOptions = typeof opts === 'number' ? { steps: opts } : opts;
  if (o === null || typeof o !== 'object' || !Number.isInteger(o.steps) || o.steps < 0)
    throw new InvalidInput(
      `refine must be a non-negative integer number of steps or { steps, lr?, momentum?, batch? }, got ${describe(opts)}`,
    );
  const lr = o.lr ?? 1e-6,
    mom = o.momentum ?? 0.9,
    batch = o.batch ?? 1024;
  if (!(lr > 0) || !(mom >= 0 && mom < 1) || !Number.isInteger(batch) || batch < 1)
    throw new InvalidInput(`refine: need lr > 0, 0 ≤ momentum < 1, integer batch ≥ 1; got ${describe(o)}`);
  const v = new Float64Array(At.length),
    g = new Float64Array(At.length),
    r = new Float64Array(d2);
  const losses: number[] = [];
  let steps = 0;
  const rnd = makeRng(seed + 1);
  outer: while (steps < o.steps) {
    const order = rnd.permutation(n);
    const nb = Math.floor(n / batch); // drop_last
    if (nb === 0) break;
    for (let b = 0; b < nb && steps < o.steps; b++) {
      g.fill(0);
      let loss = 0;
      for (let t = 0; t < batch; t++) {
        const i = order[b * batch + t]!;
        r.fill(0);
        for (let a = 0; a < d1; a++) {
          const x = X[i * d1 + a]!;
          if (x !== 0) for (let j = 0; j < d2; j++) r[j]! += x * At[a * d2 + j]!;
        }
        for (let j = 0; j < d2; j++) {
          r[j]! -= Y[i * d2 + j]!;
          loss += r[j]! ** 2;
        }
        for (let a = 0; a < d1; a++) {
          const x = 2 * X[i * d1 + a]!;
          if (x !== 0) for (let j = 0; j < d2; j++) g[a * d2 + j]! += x * r[j]!;
        }
      }
      if (losses.length && loss > losses[losses.length - 1]!) break outer; // stop when the loss stops decreasing
      losses.push(loss);
      for (let k = 0; k < At.length; k++) {
        v[k] = mom * v[k]! + g[k]!;
        At[k]! -= lr * v[k]!;
      }
      steps++;
    }
  }
  return { steps, macs: steps * batch * d1 * d2 * 3, losses };
}

/**
 * Fold A [d2×d1] into a receiving kernel: Dense [d2, out] → [d1, out] (K' = AᵀK); Conv2D [kh, kw, d2, out] →
 * [kh, kw, d1, out] (K'[:, :, i, o] = Σ_j A[j, i]·K[:, :, j, o]). Returns float32 data and the new shape.
 */
export function foldKernel(
  kernel: { shape: readonly number[]; data: ArrayLike<number> },
  A: Float64Array,
  d1: number,
  d2: number,
): { shape: number[]; data: Float32Array } {
  const s = kernel.shape;
  const cin = s[s.length - 2]!,
    out = s[s.length - 1]!;
  if (cin !== d2) throw new InvalidInput(`foldKernel: kernel expects ${cin} input channels but the stitch maps to ${d2}`);
  if (A.length !== d1 * d2) throw new InvalidInput(`foldKernel: A has ${A.length} entries, expected ${d2}×${d1}`);
  const taps = kernel.data.length / (cin * out);
  const res = new Float32Array(taps * d1 * out);
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < d1; i++) {
      for (let j = 0; j < d2; j++) {
        const a = A[j * d1 + i]!;
        if (a === 0) continue;
        const src = (t * cin + j) * out,
          dst = (t * d1 + i) * out;
        for (let o = 0; o < out; o++) res[dst + o]! += a * kernel.data[src + o]!;
      }
    }
  }
  return { shape: [...s.slice(0, -2), d1, out], data: res };
}

/**
 * Fold a stitch bias b [d2] into the receiving layer's bias: bias'[o] = bias[o] + Σ_{taps, j} K[t, j, o]·b[j].
 * Exact for Dense and 'valid' convs; for 'same' convs the zero padding at the borders sees no bias (documented approximation).
 */
export function foldBias(
  kernel: { shape: readonly number[]; data: ArrayLike<number> },
  layerBias: ArrayLike<number> | null,
  b: Float64Array,
): Float32Array {
  const s = kernel.shape,
    cin = s[s.length - 2]!,
    out = s[s.length - 1]!;
  const taps = kernel.data.length / (cin * out);
  const res = new Float32Array(out);
  for (let o = 0; o < out; o++) res[o] = layerBias ? layerBias[o]! : 0;
  for (let t = 0; t < taps; t++)
    for (let j = 0; j < cin; j++) for (let o = 0; o < out; o++) res[o]! += kernel.data[(t * cin + j) * out + o]! * b[j]!;
  return res;
}
