/**
 * Inference, evaluation and per-user personalization (paper §3.3): fine-tune only the last-stage adapters on a user's
 * 5 calibration images, mixed with a replayed subset of the K-means-clustered generalized set so the model does not
 * forget. Stage-3 features of the calibration and replay images are computed once and cached, so each step runs only
 * stage 4 + head (a few ms). Adapter BatchNorm uses its running statistics (no update from 5 images).
 *
 *   const m = loadGazeModel({ which: 'student' });
 *   const pred = predictGaze(m, images);                  // Float32Array [yaw0, pitch0, …] radians
 *   const mine = await personalize(m, { images: calib, gaze: calibGaze }, { replay });
 *   angularErrorsDeg(predictGaze(mine, test), testGaze)   // per-image degrees (geometry.ts)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findAsset, resolveAsset } from '../core/assets';
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe } from '../core/errors';
import { rng } from '../core/rng';
import { checkBatch, cloneGazeModel, forward, groupVars, head, runStages, sliceBatch, toInput } from './model';
import { clusterMembers, kmeansGaze, l1Loss, subset, trainLoop, type LoopResult } from './train';
import { readGazeModel } from './weights';
import { angularErrorsDeg } from './geometry';
import type { EyeBatch, GazeModel, GazeSet, ParamGroup, StageOptions } from './types';
import { withDefaults } from '../core/options';

/**
 * Predict (yaw, pitch) in radians for every image, in batches: a Float32Array [yaw0, pitch0, yaw1, …] of length 2·n.
 * No tensors are left behind.
 */
export function predictGaze(
  model: GazeModel,
  images: EyeBatch,
  opts: {
    /** Images per forward pass (default 64); changes memory use, not the result. */
    batch?: number;
  } = {},
): Float32Array {
  checkBatch(images);
  const bs = Math.max(1, Math.round(opts.batch ?? 64));
  const out = new Float32Array(images.n * 2);
  for (let i = 0; i < images.n; i += bs) {
    const idx = Array.from({ length: Math.min(bs, images.n - i) }, (_, k) => i + k);
    const p = tf.tidy(() => forward(model, toInput(sliceBatch(images, idx), model.spec.inCh)).out.dataSync());
    out.set(p, i * 2);
  }
  return out;
}

const mean = (a: ArrayLike<number>): number => {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i]!;
  return a.length ? t / a.length : NaN;
};

/** Mean angular error (°) of a model on a labeled set, plus the per-image errors. */
export function evaluateGaze(model: GazeModel, set: GazeSet): { meanDeg: number; errors: Float64Array; pred: Float32Array } {
  const pred = predictGaze(model, set.images);
  const errors = angularErrorsDeg(pred, set.gaze);
  return { meanDeg: mean(errors), errors, pred };
}

export interface PersonalizeOptions extends StageOptions {
  /** Replay pool: a subset of the generalized training set G (K-means clustered; `replayPerCluster` drawn per cluster). */
  replay?: GazeSet;
  /** Replay images drawn per K-means cluster (default 4 → 60 images at K = 15). */
  replayPerCluster?: number;
  /** K of the replay clustering (default 15, the paper's). */
  k?: number;
  /** Fraction of each batch taken from the calibration images (default 0.5). */
  calibFraction?: number;
  /** Parameters tuned (default 'stage4-adapters', the paper's final-stage adapters). */
  group?: ParamGroup;
}

/**
 * Personalize a copy of `model` to one user from a few labeled calibration images (paper: 5): L1 on (yaw, pitch)
 * radians, tuning only the final-stage adapters, each batch mixed (when `replay` is given) with a subset of the
 * K-means-clustered generalized set against forgetting (arXiv 2411.04335, personalized gaze estimation). The input
 * model is unchanged; the caller owns (and disposes) the returned model, whose `personalizeLog` holds the loss log.
 * Defaults: 60 steps, batch 16, lr 2e-3, no progress bar.
 */
export async function personalize(
  model: GazeModel,
  calib: GazeSet,
  o: PersonalizeOptions = {},
): Promise<GazeModel & { personalizeLog?: LoopResult['log'] }> {
  checkBatch(calib.images);
  if (calib.gaze.length !== 2 * calib.images.n)
    throw new InvalidInput(`personalize: ${calib.images.n} calibration images but ${calib.gaze.length / 2} labels`);
  const group = o.group ?? 'stage4-adapters';
  if (!['stage4-adapters', 'stage4-adapters+head'].includes(group))
    throw new InvalidInput(`personalize: group must be 'stage4-adapters' or 'stage4-adapters+head', got ${describe(group)}`);
  const frac = o.calibFraction ?? 0.5,
    batch = Math.round(o.batch ?? 16);
  // replay subset: replayPerCluster per K-means cluster of the generalized set
  let rep: GazeSet | null = null;
  if (o.replay && o.replay.images.n > 0) {
    const r = rng((o.seed ?? 0) + 17),
      per = o.replayPerCluster ?? 4;
    const groups = clusterMembers(kmeansGaze(o.replay.gaze, o.k ?? 15, o.seed ?? 0));
    const idx: number[] = [];
    for (const g of groups) for (const i of r.sample(g.length, Math.min(per, g.length))) idx.push(g[i]!);
    rep = subset(o.replay, idx);
  }
  const m = cloneGazeModel(model);
  const nC = calib.images.n,
    nR = rep?.images.n ?? 0;
  const f3 = tf.tidy(() => {
    const feats = (b: EyeBatch) => runStages(m, toInput(b, m.spec.inCh), 1, 3, false, null);
    return rep ? tf.concat([feats(calib.images), feats(rep.images)]) : feats(calib.images);
  });
  const labels = new Float32Array(2 * (nC + nR));
  labels.set(calib.gaze);
  if (rep) labels.set(rep.gaze, 2 * nC);
  try {
    const res = await trainLoop(
      {
        label: 'personalize',
        models: [m],
        vars: groupVars(m, group),
        loss: (_s, r) => {
          const nc = nR ? Math.max(1, Math.round(batch * frac)) : batch;
          const idx = new Int32Array(batch);
          for (let i = 0; i < batch; i++) idx[i] = i < nc ? r.int(nC) : nC + r.int(nR);
          const y = new Float32Array(2 * batch);
          idx.forEach((j, i) => {
            y[2 * i] = labels[2 * j]!;
            y[2 * i + 1] = labels[2 * j + 1]!;
          });
          const h = runStages(m, tf.gather(f3, tf.tensor1d(idx, 'int32')) as tf.Tensor4D, 4, 4, false, null);
          return l1Loss(head(m, h), y);
        },
      },
      withDefaults({ steps: 60, lr: 2e-3, progress: false }, o),
    );
    m.meta = { ...m.meta, personalized: `${nC} calibration images, ${nR} replay, ${res.steps} steps, group ${group}` };
    return Object.assign(m, { personalizeLog: res.log });
  } finally {
    f3.dispose();
  }
}

/** Folder of the shipped weights (core/assets 'gaze-weights': $EDGELAB_ASSETS, beside the bundle, the repo). */
export function weightsDir(): string {
  return resolveAsset('gaze-weights');
}

/**
 * A JSON file shipped next to the weights ('logs.json' = training loss logs, 'eval.json' = the bench's full evaluation),
 * or null when no candidate folder has it (the bundled kernel may carry only the weights).
 */
export function shippedJson(name: 'logs.json' | 'eval.json'): Record<string, unknown> | null {
  const d = findAsset('gaze-weights', { probe: name });
  return d ? (JSON.parse(readFileSync(join(d, name), 'utf8')) as Record<string, unknown>) : null;
}

export type ShippedModel = 'teacher' | 'student' | 'student-random' | 'student-paper';

/**
 * Load shipped trained weights: 'student' (DFT Gaze, distilled + adapters), 'teacher', and the KD ablations
 * 'student-random' (random frozen stages 2–4 + trained adapters) and 'student-paper' (the paper's masked KD recipe, PAPER_KD in pipeline.ts).
 * The caller owns the model (disposeGazeModel).
 */
export function loadGazeModel(
  opts: {
    /** Which shipped model (default 'student', the DFT Gaze student). */
    which?: ShippedModel;
    /** Folder holding `<which>.safetensors.gz` (default: weightsDir(), the shipped weights). */
    dir?: string;
  } = {},
): GazeModel {
  const which = opts.which ?? 'student';
  if (!['teacher', 'student', 'student-random', 'student-paper'].includes(which)) {
    throw new InvalidInput(
      `loadGazeModel: which must be 'teacher', 'student', 'student-random' or 'student-paper', got ${describe(which)}`,
    );
  }
  return readGazeModel(join(opts.dir ?? weightsDir(), `${which}.safetensors.gz`)).model;
}
