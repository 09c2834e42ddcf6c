/**
 * The per-user webcam gaze profile the camera page POSTs back to the extension: the ridge mapping (no images, no
 * frames: only 120 feature means and two weight vectors) plus its validation error. `parseProfile` is the one gate
 * both the loopback server and the panel use: unknown keys, wrong lengths, non-finite numbers and oversized arrays
 * are refused with a named error, so nothing else (e.g. pixel data) can ride along.
 */
import { FormatError, describe } from '../../kernel/core/errors';
import { FEATURES } from './ridge';

export const PROFILE_KIND = 'edgelab.gaze-profile';
export const PROFILE_VERSION = 1;
/** Upper bound on validation points a profile may carry. */
export const MAX_VALIDATION_POINTS = 400;

export interface ValidationPoint {
  tx: number;
  ty: number;
  px: number;
  py: number;
}
export interface GazeProfile {
  kind: typeof PROFILE_KIND;
  version: typeof PROFILE_VERSION;
  createdAt: string;
  /** Feature recipe (WebGazer's): two 10×6 gray patches, histogram-equalised. */
  features: { patchW: number; patchH: number; eyes: 2; equalize: boolean; landmarks: string };
  model: { lambda: number; mean: number[]; wx: number[]; wy: number[]; bx: number; by: number; looPx: number };
  /** Viewing geometry assumed for the degree numbers (options on the page). */
  screen: { widthPx: number; heightPx: number; distanceCm: number; cmPerPx: number };
  calibration: { targets: number; samples: number };
  validation: { targets: number; meanPx: number; medianPx: number; meanDeg: number; medianDeg: number; points: ValidationPoint[] };
}

type Obj = Record<string, unknown>;
function obj(v: unknown, path: string, keys: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError(`${path} must be an object, got ${describe(v)}`);
  const o = v as Obj;
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length) throw new FormatError(`${path} has unexpected keys ${JSON.stringify(extra)}; allowed: ${keys.join(', ')}`);
  for (const k of keys) if (!(k in o)) throw new FormatError(`${path}.${k} is missing`);
  return o;
}
function num(v: unknown, path: string, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new FormatError(`${path} must be a finite number in [${min}, ${max}], got ${describe(v)}`);
  return v;
}
function int(v: unknown, path: string, min: number, max: number): number {
  const x = num(v, path, min, max);
  if (!Number.isInteger(x)) throw new FormatError(`${path} must be an integer, got ${x}`);
  return x;
}
function nums(v: unknown, path: string, len: number): number[] {
  if (!Array.isArray(v) || v.length !== len)
    throw new FormatError(`${path} must be an array of ${len} numbers, got ${Array.isArray(v) ? `${v.length} entries` : describe(v)}`);
  return v.map((x, i) => num(x, `${path}[${i}]`));
}

/** Validate an untrusted value (parsed JSON) as a GazeProfile; returns a clean copy holding only the known fields. */
export function parseProfile(v: unknown): GazeProfile {
  const o = obj(v, 'profile', ['kind', 'version', 'createdAt', 'features', 'model', 'screen', 'calibration', 'validation']);
  if (o.kind !== PROFILE_KIND) throw new FormatError(`profile.kind must be "${PROFILE_KIND}", got ${describe(o.kind)}`);
  if (o.version !== PROFILE_VERSION) throw new FormatError(`profile.version must be ${PROFILE_VERSION}, got ${describe(o.version)}`);
  if (typeof o.createdAt !== 'string' || o.createdAt.length > 40 || Number.isNaN(Date.parse(o.createdAt)))
    throw new FormatError(`profile.createdAt must be an ISO date, got ${describe(o.createdAt)}`);
  const f = obj(o.features, 'profile.features', ['patchW', 'patchH', 'eyes', 'equalize', 'landmarks']);
  const patchW = int(f.patchW, 'profile.features.patchW', 1, 64),
    patchH = int(f.patchH, 'profile.features.patchH', 1, 64);
  if (f.eyes !== 2) throw new FormatError(`profile.features.eyes must be 2, got ${describe(f.eyes)}`);
  if (typeof f.equalize !== 'boolean') throw new FormatError(`profile.features.equalize must be a boolean, got ${describe(f.equalize)}`);
  if (typeof f.landmarks !== 'string' || f.landmarks.length > 80)
    throw new FormatError(`profile.features.landmarks must be a short string, got ${describe(f.landmarks)}`);
  const d = 2 * patchW * patchH;
  if (d !== FEATURES)
    throw new FormatError(`profile features give ${d} values per frame; this extension reads ${FEATURES} (two ${10}×${6} patches)`);
  const m = obj(o.model, 'profile.model', ['lambda', 'mean', 'wx', 'wy', 'bx', 'by', 'looPx']);
  const s = obj(o.screen, 'profile.screen', ['widthPx', 'heightPx', 'distanceCm', 'cmPerPx']);
  const c = obj(o.calibration, 'profile.calibration', ['targets', 'samples']);
  const val = obj(o.validation, 'profile.validation', ['targets', 'meanPx', 'medianPx', 'meanDeg', 'medianDeg', 'points']);
  if (!Array.isArray(val.points) || val.points.length < 1 || val.points.length > MAX_VALIDATION_POINTS) {
    throw new FormatError(
      `profile.validation.points must hold 1–${MAX_VALIDATION_POINTS} points, got ${Array.isArray(val.points) ? val.points.length : describe(val.points)}`,
    );
  }
  return {
    kind: PROFILE_KIND,
    version: PROFILE_VERSION,
    createdAt: o.createdAt,
    features: { patchW, patchH, eyes: 2, equalize: f.equalize, landmarks: f.landmarks },
    model: {
      lambda: num(m.lambda, 'profile.model.lambda', 0),
      mean: nums(m.mean, 'profile.model.mean', d),
      wx: nums(m.wx, 'profile.model.wx', d),
      wy: nums(m.wy, 'profile.model.wy', d),
      bx: num(m.bx, 'profile.model.bx'),
      by: num(m.by, 'profile.model.by'),
      looPx: num(m.looPx, 'profile.model.looPx', 0),
    },
    screen: {
      widthPx: num(s.widthPx, 'profile.screen.widthPx', 1, 100_000),
      heightPx: num(s.heightPx, 'profile.screen.heightPx', 1, 100_000),
      distanceCm: num(s.distanceCm, 'profile.screen.distanceCm', 1, 1000),
      cmPerPx: num(s.cmPerPx, 'profile.screen.cmPerPx', 1e-4, 1),
    },
    calibration: {
      targets: int(c.targets, 'profile.calibration.targets', 1, 1000),
      samples: int(c.samples, 'profile.calibration.samples', 1, 100_000),
    },
    validation: {
      targets: int(val.targets, 'profile.validation.targets', 1, 1000),
      meanPx: num(val.meanPx, 'profile.validation.meanPx', 0),
      medianPx: num(val.medianPx, 'profile.validation.medianPx', 0),
      meanDeg: num(val.meanDeg, 'profile.validation.meanDeg', 0, 180),
      medianDeg: num(val.medianDeg, 'profile.validation.medianDeg', 0, 180),
      points: val.points.map((p, i) => {
        const q = obj(p, `profile.validation.points[${i}]`, ['tx', 'ty', 'px', 'py']);
        return {
          tx: num(q.tx, `points[${i}].tx`),
          ty: num(q.ty, `points[${i}].ty`),
          px: num(q.px, `points[${i}].px`),
          py: num(q.py, `points[${i}].py`),
        };
      }),
    },
  };
}
