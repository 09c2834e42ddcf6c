/**
 * The user's view: a pinhole scene camera that turns a gaze direction into a point on the photo and back.
 *
 * GazeGen (arXiv 2411.04335, Sec. 3) draws DFT Gaze's prediction as a point on the user's view but does not say how it
 * projects it. Here the photo is the image of a pinhole camera at the eye, looking along the gaze frame's +z, with the
 * principal point at the image centre and square pixels:
 *
 *   f  = (width / 2) / tan(fovDeg / 2)            (fovDeg: horizontal field of view, default 90°)
 *   u  = cx + f · tan(yaw)                        (yaw > 0: to the right; u grows to the right)
 *   v  = cy − f · tan(pitch)                      (pitch > 0: upward; image v grows downward, hence the minus)
 *
 * with cx = width / 2, cy = height / 2 in pixel-edge coordinates (pixel (i, j) covers [j, j+1) × [i, i+1)). This is
 * the inverse of el.gaze's direction convention g ∝ (tan yaw, tan pitch, 1) (kernel/gaze/geometry.ts), so a gaze
 * vector and the photo ray through (u, v) are the same direction. Angular errors become pixel errors that grow
 * towards the image border (f · sec²θ per radian).
 */
import { InvalidInput, check, describe } from '../core/errors';

export interface View {
  width: number;
  height: number;
  /** Horizontal field of view in degrees (default 90). */
  fovDeg: number;
}

const DEG = Math.PI / 180;

/** A view of a `width`×`height` image with the given horizontal field of view. */
export function makeView(width: number, height: number, fovDeg = 90): View {
  check(
    Number.isFinite(width) && width > 0 && Number.isFinite(height) && height > 0,
    () => `view size must be positive, got ${describe(width)}×${describe(height)}`,
  );
  check(Number.isFinite(fovDeg) && fovDeg > 1 && fovDeg < 179, () => `fovDeg must be in (1, 179), got ${describe(fovDeg)}`);
  return { width, height, fovDeg };
}

/** Focal length in pixels. */
export function focalPx(view: View): number {
  return view.width / 2 / Math.tan((view.fovDeg * DEG) / 2);
}

/** Gaze (yaw, pitch) in radians → image point (u, v) in pixels. */
export function projectGaze(view: View, yaw: number, pitch: number): [number, number] {
  if (!Number.isFinite(yaw) || !Number.isFinite(pitch) || Math.abs(yaw) >= Math.PI / 2 || Math.abs(pitch) >= Math.PI / 2)
    throw new InvalidInput(`gaze must be finite radians in (−π/2, π/2), got yaw ${describe(yaw)}, pitch ${describe(pitch)}`);
  const f = focalPx(view);
  return [view.width / 2 + f * Math.tan(yaw), view.height / 2 - f * Math.tan(pitch)];
}

/** Image point (u, v) in pixels → gaze (yaw, pitch) in radians (inverse of projectGaze). */
export function unprojectPoint(view: View, u: number, v: number): [number, number] {
  if (!Number.isFinite(u) || !Number.isFinite(v))
    throw new InvalidInput(`image point must be finite, got (${describe(u)}, ${describe(v)})`);
  const f = focalPx(view);
  return [Math.atan((u - view.width / 2) / f), Math.atan((view.height / 2 - v) / f)];
}

/** Unit ray through image point (u, v): (tan yaw, tan pitch, 1) normalised. */
function ray(view: View, u: number, v: number): [number, number, number] {
  const f = focalPx(view);
  const x = (u - view.width / 2) / f,
    y = (view.height / 2 - v) / f;
  const n = Math.hypot(x, y, 1);
  return [x / n, y / n, 1 / n];
}

/** Angle in degrees between the rays through two image points. */
export function angleBetweenPointsDeg(view: View, a: readonly [number, number], b: readonly [number, number]): number {
  const p = ray(view, a[0], a[1]),
    q = ray(view, b[0], b[1]);
  const cx = p[1] * q[2] - p[2] * q[1],
    cy = p[2] * q[0] - p[0] * q[2],
    cz = p[0] * q[1] - p[1] * q[0];
  return Math.atan2(Math.hypot(cx, cy, cz), p[0] * q[0] + p[1] * q[1] + p[2] * q[2]) / DEG;
}

/**
 * The image point at angular distance `deg` from (u, v) in direction `dirRad` (0 = right, π/2 = up in the image),
 * i.e. the ray rotated by `deg` about the axis perpendicular to both. Used to add angular gaze noise.
 */
export function offsetByAngle(view: View, u: number, v: number, deg: number, dirRad: number): [number, number] {
  check(Number.isFinite(deg) && deg >= 0 && deg < 89, () => `angular offset must be in [0, 89)°, got ${describe(deg)}`);
  const p = ray(view, u, v);
  // tangent basis at p: e1 ≈ image right, e2 ≈ image up (Gram–Schmidt against p)
  const proj = (w: [number, number, number]): [number, number, number] => {
    const d = w[0] * p[0] + w[1] * p[1] + w[2] * p[2];
    const r: [number, number, number] = [w[0] - d * p[0], w[1] - d * p[1], w[2] - d * p[2]];
    const n = Math.hypot(...r);
    return [r[0] / n, r[1] / n, r[2] / n];
  };
  const e1 = proj([1, 0, 0]);
  const e2: [number, number, number] = [p[1] * e1[2] - p[2] * e1[1], p[2] * e1[0] - p[0] * e1[2], p[0] * e1[1] - p[1] * e1[0]];
  const t = deg * DEG,
    c = Math.cos(dirRad),
    s = Math.sin(dirRad);
  const q = [0, 1, 2].map((i) => Math.cos(t) * p[i]! + Math.sin(t) * (c * e1[i]! + s * e2[i]!)) as [number, number, number];
  if (!(q[2] > 1e-6)) throw new InvalidInput(`offset of ${deg}° from (${u}, ${v}) leaves the view's front hemisphere`);
  const f = focalPx(view);
  return [view.width / 2 + (f * q[0]) / q[2], view.height / 2 - (f * q[1]) / q[2]];
}

/**
 * Pixel radius of an angular error `deg` around image point (u, v): the largest displacement along the image axes
 * (conservative; equals f·tan(deg) at the image centre and grows towards the border).
 */
export function errorPx(view: View, deg: number, u = view.width / 2, v = view.height / 2): number {
  check(Number.isFinite(deg) && deg >= 0 && deg < 89, () => `angular error must be in [0, 89)°, got ${describe(deg)}`);
  const f = focalPx(view);
  const along = (t: number): number => {
    const a = Math.abs(t),
      b = Math.min(Math.PI / 2 - 1e-6, a + deg * DEG);
    return f * (Math.tan(b) - Math.tan(a));
  };
  const [yaw, pitch] = unprojectPoint(view, u, v);
  return Math.max(along(yaw), along(pitch));
}

/** Angular radius (deg) of a box as seen from the eye: half the smaller side, measured from the box centre. */
export function boxAngularRadiusDeg(view: View, box: readonly [number, number, number, number]): number {
  const cx = box[0] + box[2] / 2,
    cy = box[1] + box[3] / 2;
  const r = Math.min(box[2], box[3]) / 2;
  return Math.min(
    angleBetweenPointsDeg(view, [cx, cy], [cx - r, cy]),
    angleBetweenPointsDeg(view, [cx, cy], [cx + r, cy]),
    angleBetweenPointsDeg(view, [cx, cy], [cx, cy - r]),
    angleBetweenPointsDeg(view, [cx, cy], [cx, cy + r]),
  );
}
