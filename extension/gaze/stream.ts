/**
 * The live gaze stream the camera page sends after calibration when it was opened for streaming (server.ts
 * `/<token>/stream`; the GazeGen Canvas's webcam source): batches of ridge predictions in SCREEN CSS pixels (the
 * page's window position added, so another window — the Canvas — can map them into its own coordinates), with the
 * page's clock in ms. `parseGazeBatch` is the gate the loopback server applies before anything else sees a batch:
 * unknown keys, non-finite or absurd numbers and oversized batches are refused with a FormatError; no pixels can ride
 * along.
 */
import { FormatError, describe } from '../../kernel/core/errors';

/** Most samples one POST may carry (the page sends every ~200 ms; 30 fps would be 6). */
export const MAX_BATCH = 256;
const MAX_COORD = 100_000;

export interface ScreenGazeSample {
  /** Page clock (ms since the epoch: performance.timeOrigin + performance.now()). */
  t: number;
  /** Predicted gaze in screen CSS px. */
  x: number;
  y: number;
}

export interface GazeBatch {
  samples: ScreenGazeSample[];
}

/** Validate an untrusted value (parsed JSON) as a GazeBatch; returns a clean copy. */
export function parseGazeBatch(v: unknown): GazeBatch {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError(`gaze batch must be an object, got ${describe(v)}`);
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'samples');
  if (extra.length) throw new FormatError(`gaze batch has unexpected keys ${JSON.stringify(extra)}; allowed: samples`);
  if (!Array.isArray(o.samples) || o.samples.length < 1 || o.samples.length > MAX_BATCH)
    throw new FormatError(
      `gaze batch samples must hold 1–${MAX_BATCH} samples, got ${Array.isArray(o.samples) ? o.samples.length : describe(o.samples)}`,
    );
  return {
    samples: o.samples.map((s, i) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s))
        throw new FormatError(`samples[${i}] must be an object, got ${describe(s)}`);
      const q = s as Record<string, unknown>;
      const bad = Object.keys(q).filter((k) => !['t', 'x', 'y'].includes(k));
      if (bad.length) throw new FormatError(`samples[${i}] has unexpected keys ${JSON.stringify(bad)}; allowed: t, x, y`);
      const num = (k: 't' | 'x' | 'y', lo: number, hi: number) => {
        const x = q[k];
        if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi)
          throw new FormatError(`samples[${i}].${k} must be a finite number in [${lo}, ${hi}], got ${describe(x)}`);
        return x;
      };
      return { t: num('t', 0, 1e13), x: num('x', -MAX_COORD, MAX_COORD), y: num('y', -MAX_COORD, MAX_COORD) };
    }),
  };
}

/** The 95th-percentile validation error of a camera profile in screen px (the webcam source's error estimate). */
export function profileErrorPx(p: { validation: { points: { tx: number; ty: number; px: number; py: number }[] } }): number {
  const e = p.validation.points.map((q) => Math.hypot(q.px - q.tx, q.py - q.ty)).sort((a, b) => a - b);
  return e[Math.min(e.length - 1, Math.floor(0.95 * e.length))] ?? 0;
}
