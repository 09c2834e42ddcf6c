/**
 * Fixations and dwell: nothing is selected by merely looking (the Midas-touch problem).
 *
 * GazeGen (arXiv 2411.04335) selects with a gaze point but gives no fixation filter or dwell time. We use the
 * dispersion-threshold identification I-DT of Salvucci & Goldberg (ETRA 2000): a fixation is a run of samples lasting
 * at least `minDurationMs` (default 300 ms) whose dispersion (max−min yaw) + (max−min pitch), in degrees of visual angle
 * through the view, stays ≤ `dispersionDeg` (default 1.5°); the run grows while it stays within the threshold.
 * A selection then needs a fixation held for `dwellMs` (default 800 ms), reported as progress 0–1.
 *
 * detectFixations is the offline algorithm over a whole trace; DwellTracker is its online form for a live cursor: a
 * sample that breaks the dispersion threshold starts a new candidate window at that sample.
 */
import { check, describe } from '../core/errors';
import { checkSample } from './sources';
import type { Fixation, GazeSample } from './types';
import { unprojectPoint, type View } from './view';

export interface FixationOptions {
  /** Dispersion threshold in degrees (default 1.5). */
  dispersionDeg?: number;
  /** Minimum fixation duration in ms (default 300). */
  minDurationMs?: number;
}

const DEG = Math.PI / 180;

function resolve(o: FixationOptions): { D: number; minDur: number } {
  const D = o.dispersionDeg ?? 1.5,
    minDur = o.minDurationMs ?? 300;
  check(Number.isFinite(D) && D > 0, () => `dispersionDeg must be > 0, got ${describe(D)}`);
  check(Number.isFinite(minDur) && minDur >= 0, () => `minDurationMs must be ≥ 0, got ${describe(minDur)}`);
  return { D, minDur };
}

/** Running bounding box of angles (deg) for the dispersion test. */
class Spread {
  private x0 = Infinity;
  private x1 = -Infinity;
  private y0 = Infinity;
  private y1 = -Infinity;
  add(a: [number, number]): void {
    this.x0 = Math.min(this.x0, a[0]);
    this.x1 = Math.max(this.x1, a[0]);
    this.y0 = Math.min(this.y0, a[1]);
    this.y1 = Math.max(this.y1, a[1]);
  }
  /** Dispersion if `a` were added. */
  with(a: [number, number]): number {
    return Math.max(this.x1, a[0]) - Math.min(this.x0, a[0]) + (Math.max(this.y1, a[1]) - Math.min(this.y0, a[1]));
  }
}

const anglesDeg = (view: View, s: GazeSample): [number, number] => {
  const [y, p] = unprojectPoint(view, s.x, s.y);
  return [y / DEG, p / DEG];
};

function summarize(samples: readonly GazeSample[], i: number, j: number): Fixation {
  let x = 0,
    y = 0,
    e = 0;
  for (let k = i; k <= j; k++) {
    x += samples[k]!.x;
    y += samples[k]!.y;
    e += samples[k]!.errPx;
  }
  const n = j - i + 1;
  return {
    start: samples[i]!.t,
    end: samples[j]!.t,
    durationMs: samples[j]!.t - samples[i]!.t,
    x: x / n,
    y: y / n,
    errPx: e / n,
    samples: n,
  };
}

/** Offline I-DT over a trace (samples in time order). NaN samples → InvalidInput naming the index. */
export function detectFixations(view: View, samples: readonly GazeSample[], options: FixationOptions = {}): Fixation[] {
  const { D, minDur } = resolve(options);
  samples.forEach((s, i) => checkSample(s, `gaze sample ${i}`));
  for (let i = 1; i < samples.length; i++)
    check(
      samples[i]!.t >= samples[i - 1]!.t,
      () => `gaze samples must be in time order; sample ${i} (t ${samples[i]!.t}) is before ${samples[i - 1]!.t}`,
    );
  const ang = samples.map((s) => anglesDeg(view, s));
  const out: Fixation[] = [];
  let i = 0;
  const n = samples.length;
  while (i < n) {
    // the smallest window [i, j] covering minDur
    let j = i;
    while (j < n && samples[j]!.t - samples[i]!.t < minDur) j++;
    if (j >= n) break;
    const sp = new Spread();
    let ok = true;
    for (let k = i; k <= j; k++) {
      if (sp.with(ang[k]!) > D) {
        ok = false;
        break;
      }
      sp.add(ang[k]!);
    }
    if (!ok) {
      i++;
      continue;
    }
    while (j + 1 < n && sp.with(ang[j + 1]!) <= D) sp.add(ang[++j]!);
    out.push(summarize(samples, i, j));
    i = j + 1;
  }
  return out;
}

export interface DwellOptions extends FixationOptions {
  /** Dwell time to select, ms (default 800), counted from the fixation's first sample. */
  dwellMs?: number;
}

export interface DwellState {
  /** Current candidate fixation (null until it has lasted minDurationMs). */
  fixation: Fixation | null;
  /** Dwell progress 0–1 of the current fixation (0 while there is none). */
  progress: number;
  /** Set once, on the sample where progress reaches 1: the fixation to select at. */
  selected: Fixation | null;
}

/** Online I-DT + dwell for a live gaze cursor. */
export class DwellTracker {
  private readonly D: number;
  private readonly minDur: number;
  private readonly dwell: number;
  private win: GazeSample[] = [];
  private spread = new Spread();
  private fired = false;
  private lastT = -Infinity;

  constructor(
    private readonly view: View,
    options: DwellOptions = {},
  ) {
    const r = resolve(options);
    this.D = r.D;
    this.minDur = r.minDur;
    this.dwell = options.dwellMs ?? 800;
    check(
      Number.isFinite(this.dwell) && this.dwell >= this.minDur,
      () => `dwellMs must be ≥ minDurationMs (${this.minDur}), got ${describe(this.dwell)}`,
    );
  }

  /** Feed the next sample; returns the state after it. */
  push(s: GazeSample): DwellState {
    checkSample(s);
    check(s.t >= this.lastT, () => `gaze samples must be in time order; t ${s.t} is before ${this.lastT}`);
    this.lastT = s.t;
    const a = anglesDeg(this.view, s);
    if (this.win.length && this.spread.with(a) > this.D) this.reset();
    this.win.push(s);
    this.spread.add(a);
    const dur = s.t - this.win[0]!.t;
    if (dur < this.minDur) return { fixation: null, progress: 0, selected: null };
    const fixation = summarize(this.win, 0, this.win.length - 1);
    const progress = Math.min(1, dur / this.dwell);
    let selected: Fixation | null = null;
    if (progress >= 1 && !this.fired) {
      this.fired = true;
      selected = fixation;
    }
    return { fixation, progress, selected };
  }

  /** Forget the current candidate (after a selection is acted on, or on a saccade). */
  reset(): void {
    this.win = [];
    this.spread = new Spread();
    this.fired = false;
  }
}

/**
 * Causal running median over the last `windowMs` of samples (x and y separately), for gaze sources whose per-frame
 * jitter exceeds the I-DT dispersion threshold (the DFT Gaze student on synthetic eyes: several degrees frame to
 * frame). Adds about windowMs / 2 of lag. Each output sample keeps its time and errPx.
 */
export function smoothTrace(samples: readonly GazeSample[], windowMs: number): GazeSample[] {
  check(Number.isFinite(windowMs) && windowMs >= 0, () => `windowMs must be ≥ 0, got ${describe(windowMs)}`);
  samples.forEach((s, i) => checkSample(s, `gaze sample ${i}`));
  const med = (a: number[]): number => {
    const b = [...a].sort((p, q) => p - q);
    const m = b.length >> 1;
    return b.length % 2 ? b[m]! : (b[m - 1]! + b[m]!) / 2;
  };
  let lo = 0;
  return samples.map((s, i) => {
    while (samples[lo]!.t < s.t - windowMs) lo++;
    const w = samples.slice(lo, i + 1);
    return { ...s, x: med(w.map((q) => q.x)), y: med(w.map((q) => q.y)) };
  });
}
