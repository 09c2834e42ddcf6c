/**
 * A trivial stand-in eye renderer for the model/training unit tests (not the procedural generator of synth.ts):
 * a dark pupil disk in a grey iris on a bright background, displaced by (yaw, pitch); each user adds a hidden
 * label offset (kappa) that the image does not show, so personalization has something to learn.
 */
import { rng, type Rng } from '../core/rng';
import type { EyeBatch, GazeSet } from './types';

export function renderStandIn(yaw: number, pitch: number, h: number, w: number, r: Rng, out: Float32Array, off: number): void {
  const cx = w / 2 + yaw * w * 0.9,
    cy = h / 2 + pitch * h * 0.9,
    ri = h * 0.28,
    rp = h * 0.12;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      const v = d < rp ? 0.1 : d < ri ? 0.45 : 0.85;
      out[off + y * w + x] = Math.min(1, Math.max(0, v + r.normal(0, 0.03)));
    }
  }
}

/** nUsers × perUser labeled images; user u has hidden kappa (ku, kv) radians added to the labels. */
export function standInSet(opts: {
  nUsers: number;
  perUser: number;
  h?: number;
  w?: number;
  seed?: number;
  kappa?: number;
}): GazeSet & { kappa: Float32Array } {
  const h = opts.h ?? 32,
    w = opts.w ?? 64,
    r = rng(opts.seed ?? 0);
  const n = opts.nUsers * opts.perUser,
    data = new Float32Array(n * h * w),
    gaze = new Float32Array(2 * n),
    user = new Int32Array(n);
  const kappa = new Float32Array(2 * opts.nUsers);
  for (let u = 0; u < opts.nUsers; u++) {
    kappa[2 * u] = r.normal(0, opts.kappa ?? 0);
    kappa[2 * u + 1] = r.normal(0, opts.kappa ?? 0);
  }
  for (let i = 0; i < n; i++) {
    const u = Math.floor(i / opts.perUser),
      yaw = r.uniform(-0.4, 0.4),
      pitch = r.uniform(-0.3, 0.3);
    renderStandIn(yaw, pitch, h, w, r, data, i * h * w);
    gaze[2 * i] = yaw + kappa[2 * u]!;
    gaze[2 * i + 1] = pitch + kappa[2 * u + 1]!;
    user[i] = u;
  }
  const images: EyeBatch = { n, h, w, data };
  return { images, gaze, user, kappa };
}
