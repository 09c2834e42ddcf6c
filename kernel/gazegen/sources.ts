/**
 * Gaze sources behind one interface (GazeSource: timestamped points on the photo with an error estimate in pixels).
 *
 *   - dftGazeSource: DFT Gaze (el.gaze) predicting from a synthetic user's near-eye frames while the user looks at a
 *     scripted sequence of points on the photo; predictions are projected into the view (view.ts), so the model's
 *     real angular error becomes pixel error. This is GazeGen's pipeline (arXiv 2411.04335, Sec. 3: "the predicted
 *     gaze is drawn as a point on the user's view") with a synthetic eye in place of the Aria glasses.
 *   - traceSource: a recorded trace, CSV with a header and the columns `t_ms,x,y` (+ optional `err_px`), one sample a
 *     line, time in milliseconds, x/y in image pixels of the photo it was recorded on.
 *   - pushSource: samples pushed by a UI — the mouse as a stand-in (kind 'mouse'), or a webcam gaze stream (kind
 *     'webcam', e.g. the ridge mapping of the extension's calibration page; pass its validation error as errorDeg).
 * A NaN or out-of-range sample is an InvalidInput naming it, never a silent skip.
 */
import { InvalidInput, FormatError, check, describe } from '../core/errors';
import { rng } from '../core/rng';
import * as gaze from '../gaze';
import type { GazeModel } from '../gaze';
import type { GazeSample, GazeSource } from './types';
import { errorPx, projectGaze, unprojectPoint, type View } from './view';

const DEG = Math.PI / 180;

/** Throw InvalidInput unless the sample is finite (NaN gaze is an error; leaving the image is allowed but flagged by callers). */
export function checkSample(s: GazeSample, where = 'gaze sample'): void {
  for (const k of ['t', 'x', 'y', 'errPx'] as const)
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k]))
      throw new InvalidInput(`${where}: ${k} must be a finite number, got ${describe(s[k])}`);
  if (s.errPx < 0) throw new InvalidInput(`${where}: errPx must be ≥ 0, got ${s.errPx}`);
}

/** One step of a gaze script: look at (x, y) in image pixels for durationMs. */
export interface ScriptStep {
  x: number;
  y: number;
  durationMs: number;
}

export interface DftGazeSourceOptions {
  view: View;
  /** What the synthetic user looks at, in order. */
  script: readonly ScriptStep[];
  /** The gaze model (default: the shipped student, loaded and disposed by the source). */
  model?: GazeModel;
  /** Synthetic user id (default 2000: the first unseen-users test user). */
  userId?: number;
  /** World seed of the eye renderer (el.gaze's; default 0). */
  seed?: number;
  /** Eye-camera frame rate (Hz; default 30). */
  hz?: number;
  /** Eye-image height (px; default the model's, gaze.modelFrame). */
  eyeHeight?: number;
  /** Eye-image width (px; default the model's). */
  eyeWidth?: number;
  /** Angular error estimate behind errPx (default STUDENT_MEDIAN_ERROR_DEG: the median per-frame error of the shipped student on unseen users). */
  errorDeg?: number;
}

/** Median per-frame error (deg) of the shipped DFT Gaze student on unseen users (bench/artifacts/gaze-frame-errors.json). */
export const STUDENT_MEDIAN_ERROR_DEG = 4.3;

/**
 * DFT Gaze on a synthetic user's eye frames. Each frame: the user fixates the scripted point (el.gaze's calibration-
 * target mode: 0.3° jitter, lids open), the eye is rendered, the model predicts (yaw, pitch), and the prediction and
 * the frame's true visual axis are projected into the view. Samples carry the truth (trueX, trueY).
 */
export function dftGazeSource(o: DftGazeSourceOptions): GazeSource {
  const { view, script } = o;
  check(Array.isArray(script) && script.length > 0, 'dftGazeSource: script must be a non-empty array of { x, y, durationMs }');
  for (const [i, s] of script.entries())
    check(
      Number.isFinite(s.x) && Number.isFinite(s.y) && Number.isFinite(s.durationMs) && s.durationMs > 0,
      () => `dftGazeSource: script[${i}] must have finite x, y and durationMs > 0, got ${JSON.stringify(s)}`,
    );
  const hz = o.hz ?? 30,
    seed = o.seed ?? 0,
    userId = o.userId ?? 2000;
  const errorDeg = o.errorDeg ?? STUDENT_MEDIAN_ERROR_DEG;
  return {
    kind: 'dft-gaze',
    view,
    errorDeg,
    async *samples(): AsyncGenerator<GazeSample> {
      const own = !o.model;
      const model = o.model ?? gaze.loadGazeModel({ which: 'student' });
      // frames as the model was trained on them (size and camera view), unless the caller sets the size
      const mf = gaze.modelFrame(model),
        frameSpec = { height: o.eyeHeight ?? mf.height, width: o.eyeWidth ?? mf.width, view: mf.view },
        H = frameSpec.height,
        W = frameSpec.width;
      try {
        const user = gaze.world.userOf(seed, userId);
        let t = 0,
          frame = 0;
        for (const step of script) {
          const [ty, tp] = unprojectPoint(view, step.x, step.y);
          const n = Math.max(1, Math.round((step.durationMs * hz) / 1000));
          // the synthetic eye can rotate as far as the target needs (the generator's default range is ±25° / ±20°)
          const frameRanges = {
            yawDeg: Math.min(45, Math.max(25, Math.abs(ty) / DEG + 2)),
            pitchDeg: Math.min(40, Math.max(20, Math.abs(tp) / DEG + 2)),
          };
          const data = new Float32Array(n * H * W);
          const truth: [number, number][] = [];
          for (let i = 0; i < n; i++, frame++) {
            const fs = gaze.world.sampleFrame(user, gaze.world.frameSeed(seed, userId, 100000 + frame), {
              frameRanges,
              calibrationTarget: [ty / DEG, tp / DEG],
            });
            gaze.renderFrame(user, fs, frameSpec, data.subarray(i * H * W, (i + 1) * H * W));
            const lab = gaze.world.frameLabel(user, fs);
            truth.push([lab.yaw, lab.pitch]);
          }
          const pred = gaze.predictGaze(model, { n, h: H, w: W, data });
          for (let i = 0; i < n; i++) {
            const [x, y] = projectGaze(view, clampAngle(pred[2 * i]!), clampAngle(pred[2 * i + 1]!));
            const [trueX, trueY] = projectGaze(view, truth[i]![0], truth[i]![1]);
            yield { t, x, y, errPx: errorPx(view, errorDeg, clampX(view, x), clampY(view, y)), trueX, trueY };
            t += 1000 / hz;
          }
        }
      } finally {
        if (own) gaze.disposeGazeModel(model);
      }
    },
  };
}

const clampAngle = (a: number): number => Math.max(-80 * DEG, Math.min(80 * DEG, a));
const clampX = (v: View, x: number): number => Math.max(0, Math.min(v.width, x));
const clampY = (v: View, y: number): number => Math.max(0, Math.min(v.height, y));

/** Parse a gaze trace CSV (`t_ms,x,y[,err_px]` with a header line). Bad rows → FormatError naming the line. */
export function parseGazeCsv(text: string, view: View, errorDeg = STUDENT_MEDIAN_ERROR_DEG): GazeSample[] {
  if (typeof text !== 'string') throw new InvalidInput(`parseGazeCsv: expected CSV text, got ${describe(text)}`);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (!lines.length) throw new FormatError('gaze trace CSV is empty; expected a header t_ms,x,y[,err_px] and rows');
  const head = lines[0]!.split(',').map((s) => s.trim());
  const col = (n: string) => head.indexOf(n);
  const [it, ix, iy, ie] = [col('t_ms'), col('x'), col('y'), col('err_px')];
  if (it < 0 || ix < 0 || iy < 0)
    throw new FormatError(`gaze trace CSV header is ${JSON.stringify(lines[0])}; expected columns t_ms,x,y (+ optional err_px)`);
  const out: GazeSample[] = [];
  let last = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.split(',').map((s) => s.trim());
    const num = (j: number, name: string): number => {
      const v = Number(f[j]);
      if (f[j] === undefined || f[j] === '' || !Number.isFinite(v))
        throw new FormatError(`gaze trace CSV line ${i + 1}: ${name} is ${describe(f[j])}; expected a finite number`);
      return v;
    };
    const t = num(it, 't_ms'),
      x = num(ix, 'x'),
      y = num(iy, 'y');
    if (t < last) throw new FormatError(`gaze trace CSV line ${i + 1}: t_ms ${t} goes back in time (previous ${last})`);
    last = t;
    const err = ie >= 0 ? num(ie, 'err_px') : errorPx(view, errorDeg, clampX(view, x), clampY(view, y));
    out.push({ t, x, y, errPx: err });
  }
  return out;
}

/** Format samples as a trace CSV (the inverse of parseGazeCsv). */
export function formatGazeCsv(samples: readonly GazeSample[]): string {
  return (
    ['t_ms,x,y,err_px', ...samples.map((s) => `${+s.t.toFixed(3)},${+s.x.toFixed(3)},${+s.y.toFixed(3)},${+s.errPx.toFixed(3)}`)].join(
      '\n',
    ) + '\n'
  );
}

/** A recorded trace (CSV text) as a gaze source. */
export function traceSource(csv: string, view: View, errorDeg = STUDENT_MEDIAN_ERROR_DEG): GazeSource {
  const samples = parseGazeCsv(csv, view, errorDeg);
  return {
    kind: 'trace',
    view,
    errorDeg,
    async *samples() {
      yield* samples;
    },
  };
}

/** A source fed by a UI: call push() for each pointer/gaze event and end() when done. */
export interface PushSource extends GazeSource {
  push(x: number, y: number, t: number): void;
  end(): void;
}

/** Mouse (stand-in, error estimate 0.5° unless given) or webcam gaze pushed by a UI. */
export function pushSource(view: View, kind: 'mouse' | 'webcam' = 'mouse', errorDeg = kind === 'mouse' ? 0.5 : 4): PushSource {
  check(Number.isFinite(errorDeg) && errorDeg >= 0, () => `errorDeg must be ≥ 0, got ${describe(errorDeg)}`);
  const queue: GazeSample[] = [];
  let done = false;
  let wake: (() => void) | null = null;
  return {
    kind,
    view,
    errorDeg,
    push(x, y, t) {
      if (done) throw new InvalidInput('pushSource: push() after end()');
      const s = {
        t,
        x,
        y,
        errPx: Number.isFinite(x) && Number.isFinite(y) ? errorPx(view, errorDeg, clampX(view, x), clampY(view, y)) : NaN,
      };
      checkSample(s, `${kind} sample`);
      queue.push(s);
      wake?.();
    },
    end() {
      done = true;
      wake?.();
    },
    async *samples() {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (done) return;
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    },
  };
}

/** Collect a source's samples into an array (finite sources). */
export async function collect(src: GazeSource, max = 1e6): Promise<GazeSample[]> {
  const out: GazeSample[] = [];
  for await (const s of src.samples()) {
    checkSample(s, `${src.kind} sample ${out.length}`);
    out.push(s);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * A synthetic trace for tests and demos: fixations at the given points (Gaussian jitter of `jitterDeg`) joined by
 * saccades (3 samples), sampled at `hz`. Deterministic from `seed`.
 */
export function syntheticTrace(
  view: View,
  points: readonly ScriptStep[],
  o: {
    /** Sample rate (Hz). Default 60. */
    hz?: number;
    /** Fixation jitter, standard deviation per axis (deg). Default 0.3. */
    jitterDeg?: number;
    /** Seed of the jitter. Default 0. */
    seed?: number;
    /** Angular error behind each sample's errPx (deg). Default STUDENT_MEDIAN_ERROR_DEG. */
    errorDeg?: number;
  } = {},
): GazeSample[] {
  const hz = o.hz ?? 60,
    jit = o.jitterDeg ?? 0.3,
    r = rng(o.seed ?? 0),
    errorDeg = o.errorDeg ?? STUDENT_MEDIAN_ERROR_DEG;
  const out: GazeSample[] = [];
  let t = 0;
  let prev: [number, number] | null = null;
  for (const p of points) {
    const [ty, tp] = unprojectPoint(view, p.x, p.y);
    if (prev) {
      for (let k = 1; k <= 3; k++) {
        const a = k / 4;
        const [x, y] = projectGaze(view, prev[0] + a * (ty - prev[0]), prev[1] + a * (tp - prev[1]));
        out.push({ t, x, y, errPx: errorPx(view, errorDeg, clampX(view, x), clampY(view, y)) });
        t += 1000 / hz;
      }
    }
    const n = Math.max(1, Math.round((p.durationMs * hz) / 1000));
    for (let i = 0; i < n; i++) {
      const [x, y] = projectGaze(view, ty + r.normal(0, jit * DEG), tp + r.normal(0, jit * DEG));
      out.push({ t, x, y, errPx: errorPx(view, errorDeg, clampX(view, x), clampY(view, y)) });
      t += 1000 / hz;
    }
    prev = [ty, tp];
  }
  return out;
}
