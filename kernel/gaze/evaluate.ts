/**
 * Our evaluation protocols (the paper's, arXiv 2411.04335 §4, on the synthetic world) (used by bench/gaze.bench.ts and the notebook):
 *   - generalized error on unseen users (OpenEDS-like val split, σ_κ = 0) and seen users (AEA-like val split);
 *   - personalization: unseen test users with σ_κ = 2°, 5 calibration images each, last-stage adapters + replay;
 *     per-user mean error on the SAME held-out frames before/after; a shuffled-label control (leak check); and the
 *     seen-users D_P (the paper's AEA observation: little change);
 *   - KD ablation (distilled vs random frozen backbone, and no-mask KD), latency (wasm, batch 1, median of N).
 */
import * as tf from '@tensorflow/tfjs';
import { rng } from '../core/rng';
import { progress } from '../core/progress';
import { forward, toInput } from './model';
import { evaluateGaze, personalize, type PersonalizeOptions } from './personalize';
import { subset } from './train';
import { DEFAULT_VIEW, dropBlinks, renderFrame, resampleRows, viewRows, type EyeView } from './pipeline';
import { calibrationSets, frameLabel, makeGazeDataset, mixSeed, sampleFrame, userOf } from './world/synth';
import { fitPccr, pccrFeature, pccrFeatures, predictPccr, PCCR_TARGETS_DEG, type PccrReference } from './pccr';
import { angularErrorsDeg } from './geometry';
import { InvalidInput } from '../core/errors';
import { median } from './geometry';
import type { GazeDataset, GazeProtocol } from './world/types';
import type { GazeModel, GazeSet } from './types';

/** Size and draw (users, frames, seed, κ deviation) of an evaluation set of the synthetic world (generalizedTestSet, personalTestSet). */
export interface EvalSizes {
  /** Image height in pixels (default 32, the shipped models' input). */
  height?: number;
  /** Image width in pixels (default 64). */
  width?: number;
  /** World seed: the same seed gives the same users and frames (default 0). */
  seed?: number;
  /**
   * Users (default: the split's, world/synth.ts — generalizedTestSet (val split): unseenUsers 10, seenUsers 60;
   * personalTestSet (test split): unseenUsers 20, seenUsers 60).
   */
  users?: number;
  /**
   * Frames rendered per user (default: the split's — unseenUsers 300; seenUsers 30); generalizedTestSet then drops
   * blink frames.
   */
  perUser?: number;
  /** Frames from the camera: 'rescale' (whole eye, default DEFAULT_VIEW) or 'crop', as in training (pipeline.ts EyeView). */
  view?: EyeView;
  /**
   * Per-user angle-kappa deviation, standard deviation in degrees (default 0; the benchmark's personalization study
   * uses 2); changes labels only, never images.
   */
  sigmaKappaDeg?: number;
}

/**
 * A split of the synthetic world rendered for evaluation: `ds` at the view's camera rows h0 (viewRows) and the
 * requested H×W (defaults 32×64), world seed default 0, σ_κ default 0° — the callers resample to H rows.
 */
function renderSplit(split: 'val' | 'test', protocol: GazeProtocol, o: EvalSizes): { ds: GazeDataset; H: number; W: number; h0: number } {
  const H = o.height ?? 32,
    W = o.width ?? 64,
    h0 = viewRows(o.view ?? DEFAULT_VIEW, H, W);
  const ds = makeGazeDataset({
    split,
    protocol,
    height: h0,
    width: W,
    seed: o.seed ?? 0,
    users: o.users,
    perUser: o.perUser,
    sigmaKappaDeg: o.sigmaKappaDeg ?? 0,
  });
  return { ds, H, W, h0 };
}

/**
 * Generalized-test set of a protocol (the world's val split, blinks dropped), as in arXiv 2411.04335's generalized
 * evaluation: images with (yaw, pitch) labels in radians and user ids.
 */
export function generalizedTestSet(protocol: GazeProtocol, o: EvalSizes = {}): GazeSet {
  const { ds, H, W, h0 } = renderSplit('val', protocol, o);
  return dropBlinks(resampleRows(ds.images, ds.n, h0, W, H), ds.gaze, ds.userId, ds.blink, H, W);
}

/**
 * Personal sets (the world's test split, blink frames kept and flagged): unseen users with calibration targets, or
 * seen users' D_P — the input of personalizationStudy.
 */
export function personalTestSet(protocol: GazeProtocol, o: EvalSizes = {}): GazeDataset {
  const { ds, H, W, h0 } = renderSplit('test', protocol, o);
  return h0 === H ? ds : { ...ds, height: H, images: resampleRows(ds.images, ds.n, h0, W, H) };
}

export interface UserResult {
  userId: number;
  before: number;
  after: number;
  shuffled?: number;
  kappaDeg: number;
}

export interface PersonalizationStudy {
  users: UserResult[];
  medianBefore: number;
  medianAfter: number;
  /** 1 − median(after) / median(before). */
  reduction: number;
  meanBefore: number;
  meanAfter: number;
  /** Same with shuffled calibration labels (should not help). */
  medianShuffled?: number;
  /** Predictions on held-out frames of the first user (for scatter plots). */
  example?: { userId: number; truth: Float32Array; before: Float32Array; after: Float32Array };
}

const avg = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
};

/**
 * Personalize `model` separately for every user of a test set and compare per-user error on the same held-out frames.
 * `shuffledControl` also runs each user with the 5 calibration labels permuted (and sign-flipped offsets) — a leak check.
 */
export async function personalizationStudy(
  model: GazeModel,
  ds: GazeDataset,
  o: PersonalizeOptions & {
    /** Also personalize every user with permuted calibration labels, a leak check (default false). */
    shuffledControl?: boolean;
    /** Study only the first this many users of `ds` (default: all). */
    maxUsers?: number;
    /** Show a per-user progress bar (default true). */
    progress?: boolean;
  } = {},
): Promise<PersonalizationStudy> {
  const sets = calibrationSets(ds).slice(0, o.maxUsers ?? Infinity);
  const full: GazeSet = { images: { n: ds.n, h: ds.height, w: ds.width, data: ds.images }, gaze: ds.gaze, user: ds.userId };
  const users: UserResult[] = [];
  const bar = o.progress === false ? null : progress(sets.length, 'personalizing users', { unit: 'user' });
  let example: PersonalizationStudy['example'];
  const r = rng(o.seed ?? 0);
  for (const s of sets) {
    const calib = subset(full, s.calib),
      held = subset(full, s.heldOut);
    const b = evaluateGaze(model, held);
    const pm = await personalize(model, calib, o);
    const a = evaluateGaze(pm, held);
    pm.params.forEach((v) => v.dispose());
    pm.buffers.forEach((v) => v.dispose());
    const u = ds.users.find((x) => x.id === s.userId);
    const res: UserResult = {
      userId: s.userId,
      before: b.meanDeg,
      after: a.meanDeg,
      kappaDeg: u ? Math.hypot(u.kappaZ[0], u.kappaZ[1]) * ds.sigmaKappaDeg : 0,
    };
    if (o.shuffledControl) {
      // wrong labels: the calibration labels of another (random) permutation of the 5 frames
      const perm = r.permutation(calib.images.n);
      const g = new Float32Array(calib.gaze.length);
      perm.forEach((p, i) => {
        g[2 * i] = calib.gaze[2 * p]!;
        g[2 * i + 1] = calib.gaze[2 * p + 1]!;
      });
      if ([...perm].every((p, i) => p === i)) {
        g.set(calib.gaze.subarray(2));
        g.set(calib.gaze.subarray(0, 2), g.length - 2);
      }
      const ps = await personalize(model, { images: calib.images, gaze: g }, o);
      res.shuffled = evaluateGaze(ps, held).meanDeg;
      ps.params.forEach((v) => v.dispose());
      ps.buffers.forEach((v) => v.dispose());
    }
    if (!example) example = { userId: s.userId, truth: held.gaze, before: b.pred, after: a.pred };
    users.push(res);
    bar?.tick(1, `user ${s.userId}: ${b.meanDeg.toFixed(2)}° → ${a.meanDeg.toFixed(2)}°`);
  }
  bar?.done();
  const mb = median(users.map((u) => u.before)),
    ma = median(users.map((u) => u.after));
  const out: PersonalizationStudy = {
    users,
    medianBefore: mb,
    medianAfter: ma,
    reduction: 1 - ma / mb,
    meanBefore: avg(users.map((u) => u.before)),
    meanAfter: avg(users.map((u) => u.after)),
    example,
  };
  if (o.shuffledControl) out.medianShuffled = median(users.map((u) => u.shuffled!));
  return out;
}

/** Median latency (ms) of one batch-1 forward pass at h×w, after warm-up. */
export function latencyMs(model: GazeModel, h: number, w: number, runs = 100, warmup = 5): number {
  const x = toInput({ n: 1, h, w, data: Float32Array.from({ length: h * w }, (_, i) => ((i * 2654435761) % 997) / 997) }, model.spec.inCh);
  const t: number[] = [];
  try {
    for (let i = 0; i < runs + warmup; i++) {
      const t0 = performance.now();
      tf.tidy(() => forward(model, x).out.dataSync());
      if (i >= warmup) t.push(performance.now() - t0);
    }
  } finally {
    x.dispose();
  }
  return median(t);
}

export { evaluateGaze };

export interface PccrStudy {
  /** Per-frame angular errors (°) in the order of the evaluation set. */
  errors: Float64Array;
  meanDeg: number;
  /** Per-user mean error (°). */
  users: { userId: number; meanDeg: number }[];
  /** Fraction of evaluation frames where no glint was found (pupil position alone used). */
  noGlint: number;
}

export interface PccrStudyOptions {
  /** World seed of the users in `set` (default 0). */
  seed?: number;
  /** σ_κ (degrees) the users were drawn with (default 0, the generalized test split's). */
  sigmaKappaDeg?: number;
  /** How the set's frames were made from the camera (default DEFAULT_VIEW, 'rescale'); calibration frames are made the same way. */
  view?: EyeView;
  /** Mapping input: 'glints' (pupil − glint mean) or 'pupil' (default 'glints'). */
  reference?: PccrReference;
}

/**
 * PCCR (pccr.ts) on a labeled evaluation set of synthetic users: for every user in `set.user`, 9 calibration frames at
 * the 3×3 grid are rendered (the same camera, size and view; blink frames redrawn), a second-order polynomial is fitted
 * to them and applied to that user's evaluation frames.
 */
export function pccrStudy(set: GazeSet, o: PccrStudyOptions = {}): PccrStudy {
  if (!set.user) throw new InvalidInput('pccrStudy: the set needs user ids (set.user)');
  const seed = o.seed ?? 0,
    { h: H, w: W } = set.images,
    frame = { height: H, width: W, view: o.view ?? DEFAULT_VIEW };
  const feats = pccrFeatures(set.images, o.reference);
  const errors = new Float64Array(set.images.n);
  const ids = [...new Set(set.user)];
  const users: PccrStudy['users'] = [];
  const tmp = new Float32Array(viewRows(frame.view, H, W) * W);
  for (const id of ids) {
    const u = userOf(seed, id, { sigmaKappaDeg: o.sigmaKappaDeg ?? 0 });
    const cf: ReturnType<typeof pccrFeature>[] = [],
      cg = new Float32Array(2 * PCCR_TARGETS_DEG.length);
    PCCR_TARGETS_DEG.forEach((t, k) => {
      for (let a = 0; ; a++) {
        const fs = sampleFrame(u, mixSeed(seed, id, k, a, 0x9cc1), { calibrationTarget: t });
        if (fs.blink) continue;
        const img = renderFrame(u, fs, frame, undefined, tmp);
        cf.push(pccrFeature(img, H, W, o.reference));
        const lab = frameLabel(u, fs);
        cg[2 * k] = lab.yaw;
        cg[2 * k + 1] = lab.pitch;
        break;
      }
    });
    const cal = fitPccr(cf, cg);
    const idx = [...set.user.keys()].filter((i) => set.user![i] === id);
    const pred = predictPccr(
      cal,
      idx.map((i) => feats[i]!),
    );
    const g = new Float32Array(2 * idx.length);
    idx.forEach((i, k) => {
      g[2 * k] = set.gaze[2 * i]!;
      g[2 * k + 1] = set.gaze[2 * i + 1]!;
    });
    const e = angularErrorsDeg(pred, g);
    idx.forEach((i, k) => (errors[i] = e[k]!));
    users.push({ userId: id, meanDeg: avg(e) });
  }
  return { errors, meanDeg: avg(errors), users, noGlint: feats.filter((f) => !f.glint).length / feats.length };
}
