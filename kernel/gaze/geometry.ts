/**
 * Gaze geometry conventions (one place for every gaze file in EdgeLab).
 *
 * Frame: x toward +yaw, y toward +pitch (up), z forward (out of the eye, into the scene).
 * A gaze (yaw, pitch) in radians is the unit vector   g = normalize(tan(yaw), tan(pitch), 1)
 * exactly as Project Aria's `getUnitVectorFromYawPitch` (MPS eye gaze, Central Pupil Frame), so
 *   yaw = atan2(x, z),  pitch = atan2(y, z)
 * (note: pitch is NOT the elevation atan2(y, √(x²+z²)); the two differ off-centre). Valid for z > 0
 * (|yaw|, |pitch| < 90°). OpenEDS2020 labels are unit vectors (x, y, z) and convert with the same formulas.
 *
 * Metric: angular error in degrees, atan2(|a×b|, a·b) (stable near 0°, unlike acos).
 */
import { InvalidInput, describe } from '../core/errors';

export type Vec3 = [number, number, number];

export const DEG = Math.PI / 180;
/** Degrees → radians. */
export const degToRad = (d: number): number => d * DEG;
/** Radians → degrees. */
export const radToDeg = (r: number): number => r / DEG;

/** Unit gaze vector of (yaw, pitch) in radians. */
export function yawPitchToVector(yaw: number, pitch: number): Vec3 {
  if (!Number.isFinite(yaw) || !Number.isFinite(pitch) || Math.abs(yaw) >= Math.PI / 2 || Math.abs(pitch) >= Math.PI / 2) {
    throw new InvalidInput(
      `yawPitchToVector: yaw and pitch must be finite radians in (-π/2, π/2), got yaw ${describe(yaw)}, pitch ${describe(pitch)}`,
    );
  }
  const x = Math.tan(yaw),
    y = Math.tan(pitch);
  const n = Math.sqrt(x * x + y * y + 1);
  return [x / n, y / n, 1 / n];
}

/** (yaw, pitch) in radians of a direction (need not be unit length; z must be > 0). */
export function vectorToYawPitch(v: ArrayLike<number>): [number, number] {
  const x = v[0]!,
    y = v[1]!,
    z = v[2]!;
  if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z) || !(z > 0)) {
    throw new InvalidInput(
      `vectorToYawPitch: expected a finite vector with z > 0 (looking forward), got [${describe(x)}, ${describe(y)}, ${describe(z)}]`,
    );
  }
  return [Math.atan2(x, z), Math.atan2(y, z)];
}

/** Angle in degrees between two directions (any lengths > 0). */
export function angleBetweenDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ax = a[0]!,
    ay = a[1]!,
    az = a[2]!,
    bx = b[0]!,
    by = b[1]!,
    bz = b[2]!;
  const cx = ay * bz - az * by,
    cy = az * bx - ax * bz,
    cz = ax * by - ay * bx;
  const cross = Math.sqrt(cx * cx + cy * cy + cz * cz);
  const dot = ax * bx + ay * by + az * bz;
  if (!Number.isFinite(cross) || !Number.isFinite(dot) || (cross === 0 && dot === 0)) {
    throw new InvalidInput(
      `angleBetweenDeg: need two finite non-zero vectors, got [${describe(ax)}, ${describe(ay)}, ${describe(az)}] and [${describe(bx)}, ${describe(by)}, ${describe(bz)}]`,
    );
  }
  return Math.atan2(cross, dot) / DEG;
}

/** Angular error in degrees between two gazes given as (yaw, pitch) radians. */
export function angularErrorDeg(yaw1: number, pitch1: number, yaw2: number, pitch2: number): number {
  // tan form avoids building the normalised vectors (same angle: normalisation does not change it)
  return angleBetweenDeg([Math.tan(yaw1), Math.tan(pitch1), 1], [Math.tan(yaw2), Math.tan(pitch2), 1]);
}

/**
 * Per-sample angular errors (degrees) between predicted and true gazes, both packed (yaw, pitch) pairs:
 * length 2·N, as `GazeDataset.gaze` and a model's output.
 */
export function angularErrorsDeg(pred: ArrayLike<number>, truth: ArrayLike<number>): Float64Array {
  if (pred.length !== truth.length || pred.length % 2 !== 0) {
    throw new InvalidInput(
      `angularErrorsDeg: pred and truth must be packed (yaw, pitch) pairs of equal length, got lengths ${pred.length} and ${truth.length}`,
    );
  }
  const n = pred.length / 2,
    out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = angularErrorDeg(pred[2 * i]!, pred[2 * i + 1]!, truth[2 * i]!, truth[2 * i + 1]!);
    out[i] = e;
  }
  return out;
}

/** Mean angular error in degrees (the paper's metric). Optional mask selects samples (e.g. non-blink frames). */
export function meanAngularErrorDeg(pred: ArrayLike<number>, truth: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const e = angularErrorsDeg(pred, truth);
  if (mask && mask.length !== e.length) throw new InvalidInput(`meanAngularErrorDeg: mask has length ${mask.length}; expected ${e.length}`);
  let s = 0,
    k = 0;
  for (let i = 0; i < e.length; i++)
    if (!mask || mask[i]) {
      s += e[i]!;
      k++;
    }
  if (k === 0) throw new InvalidInput('meanAngularErrorDeg: no samples selected');
  return s / k;
}

/** Median of an array (copy, ascending). */
export function median(a: ArrayLike<number>): number {
  if (a.length === 0) throw new InvalidInput('median: empty array');
  const s = Float64Array.from(a).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Rotation (row-major 3×3) that maps the forward axis z to the gaze (yaw, pitch): R·(0,0,1) = g(yaw, pitch).
 * Used for angle kappa: visual axis = R(κ) · optical axis.
 */
export function rotationFromYawPitch(yaw: number, pitch: number): number[] {
  // Ry(yaw)·Rx(−p′) with tan p′ = tan(pitch)·cos(yaw) so that the image of z has exactly (yaw, pitch).
  const p = Math.atan(Math.tan(pitch) * Math.cos(yaw));
  const cy = Math.cos(yaw),
    sy = Math.sin(yaw),
    cp = Math.cos(p),
    sp = Math.sin(p);
  // Rx(−p): [1,0,0; 0,cp,sp; 0,−sp,cp]; Ry(y): [cy,0,sy; 0,1,0; −sy,0,cy]
  return [cy, -sy * sp, sy * cp, 0, cp, sp, -sy, -cy * sp, cy * cp];
}

/** m (row-major 3×3) · v. */
export function mulMat3(m: ArrayLike<number>, v: ArrayLike<number>): Vec3 {
  return [
    m[0]! * v[0]! + m[1]! * v[1]! + m[2]! * v[2]!,
    m[3]! * v[0]! + m[4]! * v[1]! + m[5]! * v[2]!,
    m[6]! * v[0]! + m[7]! * v[1]! + m[8]! * v[2]!,
  ];
}

/** Apply angle kappa (yaw κ_h, pitch κ_v radians) to an optical-axis gaze: returns the visual-axis (yaw, pitch). */
export function applyKappa(yaw: number, pitch: number, kappaYaw: number, kappaPitch: number): [number, number] {
  // Rotate in the eye's own frame: v = R_o · R(κ) · z, where R_o maps z to o.
  const k = mulMat3(rotationFromYawPitch(kappaYaw, kappaPitch), [0, 0, 1]);
  return vectorToYawPitch(mulMat3(rotationFromYawPitch(yaw, pitch), k));
}

/** Inter-pupillary distance used by Aria MPS to combine vergence rays (metres). */
export const ARIA_IPD_M = 0.063;

/**
 * Combined (cyclopean) yaw of Aria MPS vergence output: the rays from the two eyes (left eye at x = +IPD/2, right at
 * −IPD/2, z = 0: CPF x points to the wearer's left; yaws yL / yR) meet at X = (IPD/2)(tan yL + tan yR)/(tan yR − tan yL), Z = IPD/(tan yR − tan yL); yaw = atan(X/Z).
 * Parallel rays (tan yR = tan yL) fall back to the common yaw. Depth Z in metres is returned too (Infinity when parallel).
 */
export function ariaVergenceYaw(leftYaw: number, rightYaw: number, ipd = ARIA_IPD_M): { yaw: number; depth: number } {
  if (!Number.isFinite(leftYaw) || !Number.isFinite(rightYaw)) {
    throw new InvalidInput(`ariaVergenceYaw: yaws must be finite, got ${describe(leftYaw)}, ${describe(rightYaw)}`);
  }
  const tl = Math.tan(leftYaw),
    tr = Math.tan(rightYaw);
  const d = tr - tl;
  if (Math.abs(d) < 1e-12) return { yaw: Math.atan(tl), depth: Infinity };
  const Z = ipd / d,
    X = ((ipd / 2) * (tl + tr)) / d;
  return { yaw: Math.atan(X / Z), depth: Z };
}
