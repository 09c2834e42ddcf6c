/**
 * Webcam gaze mapping as WebGazer does it (brownhci/WebGazer src/util.mjs, src/ridgeReg.mjs), reimplemented:
 * each eye patch → 10×6 grayscale, histogram-equalised → 60 values per eye, 120 per frame; two ridge regressions
 * (screen x and y) from those features. Differences from WebGazer, all options here:
 *  - features and targets are centred (the intercept is not shrunk), WebGazer regresses raw values;
 *  - λ is picked by exact leave-one-out error (closed form from the hat matrix) over a grid, WebGazer fixes 1e-5;
 *  - LOO leaves out whole calibration targets when `groups` are given, so frames of one target cannot vouch for each other.
 * Pure TS, no DOM and no Node APIs: the camera page (browser bundle) and the extension host both use it.
 */
import { InvalidInput, check, checkFinite, checkInt } from '../../kernel/core/errors';
import { cholesky, choleskySolve } from '../../kernel/core/linalg';

/** Eye patch size in pixels (WebGazer: 10 wide, 6 high). */
export const PATCH_W = 10;
export const PATCH_H = 6;
/** Features per frame: two eyes (left, right as seen in the image). */
export const FEATURES = 2 * PATCH_W * PATCH_H;

/** A grayscale or RGBA image (ImageData-like: row-major, `channels` bytes per pixel). */
export interface Raster {
  width: number;
  height: number;
  data: ArrayLike<number>;
  channels: 1 | 3 | 4;
}
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Box around eye landmark points, grown by `margin` of its width and padded to the patch aspect (10:6). */
export function eyeBox(points: ReadonlyArray<{ x: number; y: number }>, margin = 0.25): Box {
  check(points.length >= 2, `eyeBox needs ≥ 2 landmark points, got ${points.length}`);
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  check(Number.isFinite(x0 + y0 + x1 + y1), 'eyeBox: landmark points must be finite');
  const w = (x1 - x0) * (1 + 2 * margin);
  const h = Math.max(y1 - y0 + (x1 - x0) * 2 * margin, (w * PATCH_H) / PATCH_W);
  const cx = (x0 + x1) / 2,
    cy = (y0 + y1) / 2;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

/** Gray value (0–255) of pixel (x, y), clamped to the image. */
function gray(img: Raster, x: number, y: number): number {
  const xi = Math.min(img.width - 1, Math.max(0, x)),
    yi = Math.min(img.height - 1, Math.max(0, y));
  const o = (yi * img.width + xi) * img.channels;
  if (img.channels === 1) return img.data[o]!;
  return 0.299 * img.data[o]! + 0.587 * img.data[o + 1]! + 0.114 * img.data[o + 2]!;
}

/**
 * The box resampled to PATCH_W×PATCH_H gray values by area averaging (each output cell averages the source pixels
 * it covers, sampled on a 4×4 grid per cell), then histogram-equalised to 0–255 when `equalize` (WebGazer's default).
 */
export function eyePatch(img: Raster, box: Box, equalize = true): Float64Array {
  check(
    img.width > 0 && img.height > 0 && img.data.length >= img.width * img.height * img.channels,
    `eyePatch: image ${img.width}×${img.height}×${img.channels} needs ${img.width * img.height * img.channels} values, got ${img.data.length}`,
  );
  check(box.w > 0 && box.h > 0 && Number.isFinite(box.x + box.y + box.w + box.h), `eyePatch: bad box ${JSON.stringify(box)}`);
  const out = new Float64Array(PATCH_W * PATCH_H);
  const S = 4;
  for (let j = 0; j < PATCH_H; j++) {
    for (let i = 0; i < PATCH_W; i++) {
      let s = 0;
      for (let v = 0; v < S; v++) {
        for (let u = 0; u < S; u++) {
          const x = box.x + ((i + (u + 0.5) / S) * box.w) / PATCH_W,
            y = box.y + ((j + (v + 0.5) / S) * box.h) / PATCH_H;
          s += gray(img, Math.floor(x), Math.floor(y));
        }
      }
      out[j * PATCH_W + i] = s / (S * S);
    }
  }
  return equalize ? equalizeHistogram(out) : out;
}

/** Histogram equalisation of 0–255 values (rank-based CDF mapping; ties share the CDF value of their bin). */
export function equalizeHistogram(v: ArrayLike<number>): Float64Array {
  const hist = new Float64Array(256);
  for (let i = 0; i < v.length; i++) hist[Math.max(0, Math.min(255, Math.round(v[i]!)))]!++;
  const cdf = new Float64Array(256);
  let acc = 0;
  for (let b = 0; b < 256; b++) {
    acc += hist[b]!;
    cdf[b] = acc;
  }
  let cmin = 0;
  for (let b = 0; b < 256; b++)
    if (cdf[b]! > 0) {
      cmin = cdf[b]!;
      break;
    }
  const n = v.length,
    out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = Math.max(0, Math.min(255, Math.round(v[i]!)));
    out[i] = n > cmin ? (255 * (cdf[b]! - cmin)) / (n - cmin) : 0;
  }
  return out;
}

/** The 120 features of one frame: left-eye patch then right-eye patch. */
export function frameFeatures(img: Raster, left: Box, right: Box, equalize = true): Float64Array {
  const f = new Float64Array(FEATURES);
  f.set(eyePatch(img, left, equalize), 0);
  f.set(eyePatch(img, right, equalize), PATCH_W * PATCH_H);
  return f;
}

/** A fitted mapping features → screen point. */
export interface RidgeModel {
  lambda: number;
  /** Feature means (centring), length d. */
  mean: number[];
  /** Weights for screen x and y, length d each. */
  wx: number[];
  wy: number[];
  /** Target means (the intercepts). */
  bx: number;
  by: number;
}

export interface RidgeOptions {
  /** λ candidates; the one with the lowest leave-one-out error wins. Default 10^-3 … 10^5 (9 values). */
  lambdas?: number[];
  /** Group id per sample (e.g. calibration target index): LOO leaves out whole groups. Default: each sample alone. */
  groups?: ArrayLike<number>;
  /** λ values are multiplied by the mean squared norm of the centred features (default true: scale-free grid). */
  relativeLambda?: boolean;
}

/** Solve the SPD system A x = b (A n×n row-major, overwritten) by Cholesky; b holds k right-hand sides (n×k). */
function cholSolve(A: Float64Array, n: number, B: Float64Array, k: number): Float64Array {
  return choleskySolve(cholesky(A, n, { what: 'ridge: the system', hint: 'λ too small for these features' }), B, n, k);
}

/**
 * Fit x and y ridge regressions from `features` (n rows of d values) to `targets` (n screen points).
 * Solved in the dual (n×n kernel K = XcXcᵀ), which is exact and cheap for the few hundred calibration frames a page
 * collects; the grouped leave-one-out error of each λ comes from the hat matrix H = K (K + λI)⁻¹.
 */
export function fitRidge(
  features: ArrayLike<number>[],
  targets: ReadonlyArray<{ x: number; y: number }>,
  opts: RidgeOptions = {},
): RidgeModel & { looPx: number } {
  const n = features.length;
  checkInt('fitRidge: samples', n, 3);
  check(targets.length === n, `fitRidge: ${n} feature rows but ${targets.length} targets`);
  const d = features[0]!.length;
  checkInt('fitRidge: features per sample', d, 1);
  features.forEach((f, i) => {
    check(f.length === d, `fitRidge: row ${i} has ${f.length} features, expected ${d}`);
    checkFinite(`fitRidge: row ${i}`, f);
  });
  targets.forEach((t, i) => check(Number.isFinite(t.x) && Number.isFinite(t.y), `fitRidge: target ${i} is not finite`));
  const lambdas = opts.lambdas ?? [1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3, 1e4, 1e5];
  check(
    lambdas.length > 0 && lambdas.every((l) => l > 0 && Number.isFinite(l)),
    `fitRidge: lambdas must be positive, got ${JSON.stringify(lambdas)}`,
  );
  const groups = opts.groups ? Array.from(opts.groups) : Array.from({ length: n }, (_, i) => i);
  check(groups.length === n, `fitRidge: ${groups.length} groups for ${n} samples`);

  const mean = new Float64Array(d);
  for (const f of features) for (let j = 0; j < d; j++) mean[j]! += f[j]! / n;
  const Xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = features[i]![j]! - mean[j]!;
  let bx = 0,
    by = 0;
  for (const t of targets) {
    bx += t.x / n;
    by += t.y / n;
  }
  const Y = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    Y[2 * i] = targets[i]!.x - bx;
    Y[2 * i + 1] = targets[i]!.y - by;
  }
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += Xc[i * d + p]! * Xc[j * d + p]!;
      K[i * n + j] = s;
      K[j * n + i] = s;
    }
  }
  // Scale λ by the mean kernel diagonal so the grid means the same thing for any feature scale.
  let tr = 0;
  for (let i = 0; i < n; i++) tr += K[i * n + i]!;
  const scale = opts.relativeLambda === false ? 1 : tr / n || 1;

  let best = { lambda: lambdas[0]!, loo: Infinity, alpha: new Float64Array(0) };
  const groupIds = [...new Set(groups)];
  for (const lam of lambdas) {
    const A = Float64Array.from(K);
    for (let i = 0; i < n; i++) A[i * n + i]! += lam * scale;
    // alpha = (K + λI)⁻¹ Y, and (K + λI)⁻¹ itself for the hat matrix H = K (K + λI)⁻¹ = I − λ (K + λI)⁻¹.
    const I = new Float64Array(n * n);
    for (let i = 0; i < n; i++) I[i * n + i] = 1;
    const rhs = new Float64Array(n * (n + 2));
    for (let i = 0; i < n; i++) {
      rhs[i * (n + 2)] = Y[2 * i]!;
      rhs[i * (n + 2) + 1] = Y[2 * i + 1]!;
      for (let j = 0; j < n; j++) rhs[i * (n + 2) + 2 + j] = I[i * n + j]!;
    }
    const sol = cholSolve(A, n, rhs, n + 2);
    const inv = (i: number, j: number) => sol[i * (n + 2) + 2 + j]!;
    const alpha = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      alpha[2 * i] = sol[i * (n + 2)]!;
      alpha[2 * i + 1] = sol[i * (n + 2) + 1]!;
    }
    // With the unpenalised intercept (centring C = I − 11ᵀ/n, Kc = C K C, G = (Kc + λI)⁻¹): H = 11ᵀ/n + Kc G C = I − λ G C,
    // so the residuals are e = λ G C Y = λ alpha, and the exact grouped LOO residual is (I − H)_gg⁻¹ e_g = (G C)_gg⁻¹ alpha_g
    // with (G C)_ij = G_ij − 1/(nλ) (G 1 = 1/λ because Kc 1 = 0).
    const lamEff = lam * scale;
    let se = 0;
    for (const g of groupIds) {
      const idx = groups.map((v, i) => (v === g ? i : -1)).filter((i) => i >= 0);
      const m = idx.length;
      const G = new Float64Array(m * m);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) G[a * m + b] = inv(idx[a]!, idx[b]!) - 1 / (n * lamEff);
      const r = new Float64Array(m * 2);
      idx.forEach((i, a) => {
        r[2 * a] = alpha[2 * i]!;
        r[2 * a + 1] = alpha[2 * i + 1]!;
      });
      let loo: Float64Array;
      try {
        loo = cholSolve(G, m, r, 2);
      } catch {
        loo = new Float64Array(m * 2).fill(Infinity);
      }
      for (let a = 0; a < m; a++) se += Math.hypot(loo[2 * a]!, loo[2 * a + 1]!);
    }
    const looPx = se / n;
    if (looPx < best.loo) best = { lambda: lam, loo: looPx, alpha };
  }
  if (!best.alpha.length) throw new InvalidInput('fitRidge: no λ gave a finite leave-one-out error (features may be constant)');
  // Primal weights w = Xcᵀ alpha.
  const wx = new Array<number>(d).fill(0),
    wy = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      wx[j]! += Xc[i * d + j]! * best.alpha[2 * i]!;
      wy[j]! += Xc[i * d + j]! * best.alpha[2 * i + 1]!;
    }
  return { lambda: best.lambda * scale, mean: Array.from(mean), wx, wy, bx, by, looPx: best.loo };
}

/** Predicted screen point for one feature row. */
export function predictRidge(m: Pick<RidgeModel, 'mean' | 'wx' | 'wy' | 'bx' | 'by'>, f: ArrayLike<number>): { x: number; y: number } {
  check(f.length === m.mean.length, `predictRidge: ${f.length} features, the model has ${m.mean.length}`);
  let x = m.bx,
    y = m.by;
  for (let j = 0; j < f.length; j++) {
    const c = f[j]! - m.mean[j]!;
    x += m.wx[j]! * c;
    y += m.wy[j]! * c;
  }
  return { x, y };
}

/** Viewing geometry used to turn pixel errors into degrees of visual angle. */
export interface ScreenGeometry {
  /** Eye-to-screen distance in cm (default 60: a typical desk distance). */
  distanceCm: number;
  /** Size of one CSS pixel on the screen in cm (default 2.54 / 96: the CSS reference pixel; measure your screen for real numbers). */
  cmPerPx: number;
  /** Screen point straight in front of the eye, in px (default: centre of the page). */
  cx: number;
  cy: number;
}

/** Visual angle in degrees between the rays from the eye to two screen points. */
export function angleDeg(g: ScreenGeometry, a: { x: number; y: number }, b: { x: number; y: number }): number {
  const v = (p: { x: number; y: number }) => [(p.x - g.cx) * g.cmPerPx, (p.y - g.cy) * g.cmPerPx, g.distanceCm] as const;
  const [ax, ay, az] = v(a),
    [bx, by, bz] = v(b);
  const c = (ax * bx + ay * by + az * bz) / (Math.hypot(ax, ay, az) * Math.hypot(bx, by, bz));
  return (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;
}

/** Mean and median of pixel and angular errors over prediction/truth pairs. */
export function screenErrors(
  g: ScreenGeometry,
  pairs: ReadonlyArray<{ tx: number; ty: number; px: number; py: number }>,
): { meanPx: number; medianPx: number; meanDeg: number; medianDeg: number } {
  check(pairs.length > 0, 'screenErrors: no validation points');
  const px = pairs.map((p) => Math.hypot(p.px - p.tx, p.py - p.ty));
  const deg = pairs.map((p) => angleDeg(g, { x: p.tx, y: p.ty }, { x: p.px, y: p.py }));
  return { meanPx: mean(px), medianPx: median(px), meanDeg: mean(deg), medianDeg: median(deg) };
}

export function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b),
    m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
