/**
 * The classical peer of DFT Gaze: pupil-centre–corneal-reflection (PCCR) gaze, the method most commercial video eye
 * trackers use (Guestrin & Eizenman, IEEE TBME 2006, §I; Morimoto & Mimica, CVIU 2005, §3). No learning from labels
 * beyond a per-user calibration:
 *   1. pupil: the darkest blob — threshold between the darkest smoothed pixel and the image median, grow the connected
 *      region around the darkest pixel, and take the centre of its moment ellipse (darkness-weighted centroid);
 *   2. corneal reflections (glints): local maxima that stand out from their surround, within about an iris radius of the
 *      pupil, each refined to its brightness-weighted centroid; their mean is the reference point;
 *   3. feature v = pupil − glint reference (pixels; the pupil position alone when no glint is found);
 *   4. per user, a second-order polynomial (yaw, pitch) = P(v) = a0 + a1 vx + a2 vy + a3 vx vy + a4 vx² + a5 vy² fitted by
 *      least squares to the user's 9 calibration frames (3×3 grid of targets).
 * Images are the same frames the networks see (grayscale in [0, 1], row-major).
 */
import { InvalidInput, describe } from '../core/errors';
import type { EyeBatch } from './types';

export interface PccrFeature {
  /** Pupil centre (pixels, x right, y down). */
  pupil: [number, number];
  /** Mean of the glints found (pixels), or null. */
  glint: [number, number] | null;
  glints: number;
  /** The mapping input: pupil − glint reference (or the pupil alone when no glint was found). */
  v: [number, number];
}

function boxBlur(img: Float32Array, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0,
        c = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy,
            xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
            s += img[yy * w + xx]!;
            c++;
          }
        }
      out[y * w + x] = s / c;
    }
  return out;
}

function medianOf(a: Float32Array): number {
  const s = Float32Array.from(a).sort();
  return s[s.length >> 1]!;
}

/** 'glints': v = pupil − glint mean (PCCR); 'pupil': v = pupil position alone (pupil-centre tracking, no reflection). */
export type PccrReference = 'glints' | 'pupil';

/** Pupil and glint features of one image h×w (see the header); `reference` picks the mapping input v (default 'glints'). */

export function pccrFeature(img: Float32Array, h: number, w: number, reference: PccrReference = 'glints'): PccrFeature {
  const sm = boxBlur(img, h, w);
  const med = medianOf(sm);
  // darkest smoothed pixel away from the frame border (vignetted corners and lashes at the edge are dark too)
  const my = Math.floor(0.08 * h),
    mx = Math.floor(0.08 * w);
  let seed = my * w + mx;
  for (let y = my; y < h - my; y++) for (let x = mx; x < w - mx; x++) if (sm[y * w + x]! < sm[seed]!) seed = y * w + x;
  const lo = sm[seed]!,
    thr = lo + 0.35 * (med - lo);
  // region grow (4-connected) from the darkest pixel
  const inR = new Uint8Array(h * w),
    stack = [seed];
  inR[seed] = 1;
  let sw = 0,
    sx = 0,
    sy = 0;
  while (stack.length) {
    const i = stack.pop()!,
      y = Math.floor(i / w),
      x = i % w;
    const wt = thr - sm[i]!;
    sw += wt;
    sx += wt * (x + 0.5);
    sy += wt * (y + 0.5);
    for (const [yy, xx] of [
      [y - 1, x],
      [y + 1, x],
      [y, x - 1],
      [y, x + 1],
    ] as const) {
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      const j = yy * w + xx;
      if (!inR[j] && sm[j]! < thr) {
        inR[j] = 1;
        stack.push(j);
      }
    }
  }
  const pupil: [number, number] = sw > 0 ? [sx / sw, sy / sw] : [(seed % w) + 0.5, Math.floor(seed / w) + 0.5];
  // glints: small bright spots — raw pixels that stand out from their 5×5 surround (not bright skin or sclera), are
  // the maximum of their 3×3 neighbourhood, and lie on the cornea (within ~ the iris radius of the pupil)
  const rad = 0.18 * w;
  const found: [number, number][] = [];
  for (let y = 2; y < h - 2; y++)
    for (let x = 2; x < w - 2; x++) {
      const v = img[y * w + x]!;
      if (Math.hypot(x + 0.5 - pupil[0], y + 0.5 - pupil[1]) > rad) continue;
      let peak = true,
        ring = 0;
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++) {
          const u = img[(y + dy) * w + x + dx]!;
          if (Math.abs(dy) <= 1 && Math.abs(dx) <= 1) {
            if ((dy || dx) && u > v) peak = false;
          } else ring += u / 16;
        }
      if (!peak || v - ring < 0.25) continue;
      let s = 0,
        gx = 0,
        gy = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const u = Math.max(0, img[(y + dy) * w + x + dx]! - ring);
          s += u;
          gx += u * (x + dx + 0.5);
          gy += u * (y + dy + 0.5);
        }
      found.push([gx / s, gy / s]);
    }
  const glint: [number, number] | null = found.length
    ? [found.reduce((a, g) => a + g[0], 0) / found.length, found.reduce((a, g) => a + g[1], 0) / found.length]
    : null;
  return {
    pupil,
    glint,
    glints: found.length,
    v: glint && reference === 'glints' ? [pupil[0] - glint[0], pupil[1] - glint[1]] : [pupil[0], pupil[1]],
  };
}

/** Features of every image of a batch. */
export function pccrFeatures(b: EyeBatch, reference: PccrReference = 'glints'): PccrFeature[] {
  const P = b.h * b.w,
    sc = b.data instanceof Uint8Array ? 1 / 255 : 1;
  return Array.from({ length: b.n }, (_, i) =>
    pccrFeature(
      Float32Array.from(b.data.subarray(i * P, (i + 1) * P), (v) => v * sc),
      b.h,
      b.w,
      reference,
    ),
  );
}

const terms = (v: readonly [number, number]) => [1, v[0], v[1], v[0] * v[1], v[0] * v[0], v[1] * v[1]];

/** Solve the (small) symmetric positive system A x = b by Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length,
    M = A.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k] = M[r]![k]! - f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/** A fitted per-user mapping: coefficients of yaw and pitch over [1, vx, vy, vx·vy, vx², vy²], with the feature scaling. */
export interface PccrCalibration {
  yaw: number[];
  pitch: number[];
  /** Features are centred and scaled before the polynomial (numerical conditioning). */
  centre: [number, number];
  scale: number;
}

/**
 * Least-squares second-order polynomial from calibration features to (yaw, pitch) radians, with a tiny ridge on the
 * non-constant terms (the 9-point system is well posed; the ridge only keeps degenerate detections finite).
 */
export function fitPccr(feats: PccrFeature[], gaze: Float32Array, ridge = 1e-6): PccrCalibration {
  if (feats.length < 6)
    throw new InvalidInput(`fitPccr: a second-order polynomial needs ≥ 6 calibration frames, got ${describe(feats.length)}`);
  if (gaze.length !== 2 * feats.length) throw new InvalidInput(`fitPccr: ${feats.length} features but ${gaze.length / 2} labels`);
  const cx = feats.reduce((a, f) => a + f.v[0], 0) / feats.length,
    cy = feats.reduce((a, f) => a + f.v[1], 0) / feats.length;
  const scale = Math.max(1e-6, Math.sqrt(feats.reduce((a, f) => a + (f.v[0] - cx) ** 2 + (f.v[1] - cy) ** 2, 0) / feats.length));
  const X = feats.map((f) => terms([(f.v[0] - cx) / scale, (f.v[1] - cy) / scale]));
  const A = Array.from({ length: 6 }, (_, i) =>
    Array.from({ length: 6 }, (_, j) => X.reduce((a, r) => a + r[i]! * r[j]!, 0) + (i === j && i > 0 ? ridge * feats.length : 0)),
  );
  const rhs = (k: 0 | 1) => Array.from({ length: 6 }, (_, i) => X.reduce((a, r, n) => a + r[i]! * gaze[2 * n + k]!, 0));
  return { yaw: solve(A, rhs(0)), pitch: solve(A, rhs(1)), centre: [cx, cy], scale };
}

/** Predicted (yaw, pitch) radians, interleaved, for features under a calibration. */
export function predictPccr(c: PccrCalibration, feats: PccrFeature[]): Float32Array {
  const out = new Float32Array(2 * feats.length);
  feats.forEach((f, n) => {
    const t = terms([(f.v[0] - c.centre[0]) / c.scale, (f.v[1] - c.centre[1]) / c.scale]);
    out[2 * n] = t.reduce((a, v, i) => a + v * c.yaw[i]!, 0);
    out[2 * n + 1] = t.reduce((a, v, i) => a + v * c.pitch[i]!, 0);
  });
  return out;
}

/** The 3×3 calibration grid (optical-axis targets, head frame, degrees). */
export const PCCR_TARGETS_DEG: ReadonlyArray<readonly [number, number]> = Object.freeze(
  [-10, 0, 10].flatMap((p) => [-15, 0, 15].map((y) => [y, p] as const)),
);
