/**
 * Self-supervised compact-model distillation (GazeGen, arXiv 2411.04335 §3.1, Eq. 1): the student sees a MASKED image
 * and, through ConvNeXt V2-block decoders, reconstructs (a) the masked pixels and (b) the frozen teacher's stage-3 and
 * stage-4 features (teacher sees the unmasked image), MSE on masked positions only:
 *   L = w_img · mean_K (X − X̂)² + γ Σ_{l∈{3,4}} mean_K (f̃_T^l − Ψ_l(f_S^l))²,  γ = 0.5 (paper), w_img = 1 (paper).
 * The student's stem + stage 1 are copied from the teacher and frozen ("inherit teacher's knowledge"); stages 2–4
 * and the decoders train.
 * Choices the paper leaves open (options, defaults documented):
 *   - masking: zero-filled input patches of 8×8 px (the normalised image's mean), ratio 0.6 (FCMAE default, ConvNeXt V2
 *     arXiv 2301.00808 §3), fresh each step;
 *   - how the student's convs treat masked positions (`maskMode`): 'zero' (default) runs the dense net on the zero-filled
 *     image; 'sparse' emulates FCMAE's sparse convolution (stream zeroed at masked cells of every stage, see
 *     runStages/visibilityPyramid), so visible features never depend on masked content;
 *   - masked positions of a feature map: cells whose area is ≥ 50% masked (all cells when none is in the batch);
 *   - target normalisation f̃ (`targetNorm`): statistics of the teacher's features on the KD pool, measured once before
 *     training (kdTargetStats). 'map' (default) subtracts the pool-mean feature map (per position and channel) and divides
 *     by the per-channel standard deviation of the rest, so the target is exactly the part that varies from image to
 *     image; 'channel' standardises per channel (mean and std over pool images and positions); 'position' is the plain
 *     per-position LayerNorm used before (most of its energy is a pattern fixed across images, so a constant prediction
 *     already scores well and the gaze-carrying part is a sliver of the loss);
 *   - progress is measured as the fraction of cross-image target variance explained (FVE) on a held-out pool batch
 *     with a fixed mask, per stage (DistillResult.fve): 1 − Σ(f̃ − Ψ)² / Σ(f̃ − mean over images f̃)²;
 *   - image decoder (`pixelStage`): a block + 1×1 conv predicting s·s pixels per cell of the stage-4 map (s = 32, FCMAE's
 *     one-stage decoder) or of the finer stage-3 map (s = 16);
 *   - feature decoders Ψ_l(z) = FC(block(z)) from the student width to the teacher width (paper).
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import { copyParams, forward, groupVars, runStages, toInput, visibilityPyramid } from './model';
import { trainLoop, type LoopResult } from './train';
import { decode, distillNormalisers, normaliseTargets, type DistillTask, type StepBatch, type TargetNorm, type TargetStats } from './steps';
import type { EyeBatch, GazeModel, StageOptions } from './types';
import { withDefaults } from '../core/options';

export interface DistillOptions extends StageOptions {
  /** Masked fraction of 8×8 patches (default 0.6). 0 = the "no-mask" ablation (plain feature KD, image term dropped). */
  maskRatio?: number;
  /** Mask patch size in pixels (default 8). */
  maskPatch?: number;
  /** 'zero': dense convs on the zero-filled image (default); 'sparse': FCMAE's sparse-conv emulation. */
  maskMode?: MaskMode;
  /** Weight of the feature terms (default 0.5, the paper's γ). */
  gamma?: number;
  /** Weight of the masked-pixel term (default 1, the paper's; 0 = masked feature distillation only). */
  imageWeight?: number;
  /** Teacher-target normalisation (default 'map': pool-mean map removed, per-channel pool std). */
  targetNorm?: TargetNorm;
  /** Student stage the pixel decoder reads (default 4; 3 = the finer stride-16 map). */
  pixelStage?: 3 | 4;
  /** Pool images used for the target statistics (default 256). */
  statsImages?: number;
  /** Pool images in the held-out FVE batch (default 64; drawn from their own stream, never trained on). */
  heldOutImages?: number;
  /** Measure FVE on the held-out batch every this many steps (default 100; also at the start and the end). */
  fveEvery?: number;
  /** Resumable checkpoint file, written every `every` steps (default 200; see trainLoop). */
  checkpoint?: { path: string; every?: number };
}

export type MaskMode = 'zero' | 'sparse';
let decCounter = 0;

/**
 * A decoder's parameter container under construction: `block(name, c)` adds one ConvNeXt V2 block of width c (the nets'
 * naming and initialisation: trunc-normal σ 0.02 clipped at ±0.04, LayerNorm 1/0, GRN 0/0), `linear(name, cin, cout)` a
 * per-position linear map. Draws from `seed` in call order.
 */
export function decoderBuilder(seed: number, label: string) {
  const r = rng(seed);
  const params = new Map<string, tf.Variable>();
  const tn = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = r.normals(n, 0, 0.02);
    for (let i = 0; i < n; i++) v[i] = Math.max(-0.04, Math.min(0.04, v[i]!));
    return tf.tensor(v, shape);
  };
  const z = (shape: number[], fill = 0) => tf.fill(shape, fill);
  const add = (name: string, t: tf.Tensor) => {
    params.set(name, tf.variable(t, true, `${label}${++decCounter}/${name}`));
    t.dispose();
  };
  return {
    params,
    block(B: string, c: number) {
      add(`${B}.dw.w`, tn([7, 7, c, 1]));
      add(`${B}.dw.b`, z([c]));
      add(`${B}.ln.g`, z([c], 1));
      add(`${B}.ln.b`, z([c]));
      add(`${B}.pw1.w`, tn([c, 4 * c]));
      add(`${B}.pw1.b`, z([4 * c]));
      add(`${B}.grn.g`, z([4 * c]));
      add(`${B}.grn.b`, z([4 * c]));
      add(`${B}.pw2.w`, tn([4 * c, c]));
      add(`${B}.pw2.b`, z([c]));
    },
    linear(name: string, cin: number, cout: number) {
      add(`${name}.w`, tn([cin, cout]));
      add(`${name}.b`, z([cout]));
    },
  };
}

/** The three KD decoders as a parameter container (same naming and block code as the nets). */
export function buildDecoders(teacher: GazeModel, student: GazeModel, seed = 0, pixelStage: 3 | 4 = 4): GazeModel {
  const d = decoderBuilder(seed, 'gazedec');
  const sd = student.spec.dims,
    td = teacher.spec.dims;
  d.block('d3.b0', sd[2]);
  d.linear('d3.fc', sd[2], td[2]);
  d.block('d4.b0', sd[3]);
  d.linear('d4.fc', sd[3], td[3]);
  const ps = pixelStage === 3 ? 16 : 32;
  const pd = pixelStage === 3 ? sd[2] : sd[3];
  d.block('di.b0', pd);
  d.linear('di.fc', pd, ps * ps * student.spec.inCh);
  return { kind: 'student', spec: student.spec, params: d.params, buffers: new Map(), meta: { role: 'kd-decoders' } };
}

/** Patch mask [N, H, W, 1] with 1 = masked. */
export function patchMask(n: number, h: number, w: number, patch: number, ratio: number, r: Rng): Float32Array {
  const gh = Math.ceil(h / patch),
    gw = Math.ceil(w / patch),
    cells = gh * gw,
    k = Math.round(ratio * cells);
  const m = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const pick = r.sample(cells, k);
    for (const c of pick) {
      const y0 = Math.floor(c / gw) * patch,
        x0 = (c % gw) * patch;
      for (let y = y0; y < Math.min(h, y0 + patch); y++) m.fill(1, i * h * w + y * w + x0, i * h * w + y * w + Math.min(w, x0 + patch));
    }
  }
  return m;
}

/**
 * Copy the teacher's stem + stage 1 into the student (they have the same widths). Returns the number of tensors copied.
 */
export function inheritStage1(teacher: GazeModel, student: GazeModel): number {
  if (teacher.spec.dims[0] !== student.spec.dims[0] || teacher.spec.inCh !== student.spec.inCh) {
    throw new InvalidInput(
      `inheritStage1: stage-1 widths/input channels differ (teacher ${teacher.spec.dims[0]}/${teacher.spec.inCh}, student ${student.spec.dims[0]}/${student.spec.inCh})`,
    );
  }
  return copyParams(teacher, student, (k) => k.startsWith('stem.') || k.startsWith('s1.'));
}

/**
 * Statistics of the teacher's stage-3/4 features over pool images (see the header): per-channel mean (or the mean map)
 * and per-channel standard deviation. Run in batches; leaves no tensors behind.
 */
export function kdTargetStats(teacher: GazeModel, images: EyeBatch, norm: TargetNorm = 'map', batch = 32): TargetStats {
  if (!['map', 'channel', 'position'].includes(norm))
    throw new InvalidInput(`targetNorm must be 'map', 'channel' or 'position', got ${describe(norm)}`);
  const empty = new Float32Array(0);
  const shape: TargetStats['shape'] = [
    [images.h / 16, images.w / 16, teacher.spec.dims[2]],
    [images.h / 32, images.w / 32, teacher.spec.dims[3]],
  ];
  if (norm === 'position') return { norm, mean: [empty, empty], std: [empty, empty], shape };
  // Σ and Σ² per (position, channel), in float64
  const s1 = shape.map(([h, w, c]) => new Float64Array(h * w * c)),
    s2 = shape.map(([h, w, c]) => new Float64Array(h * w * c));
  const P = images.h * images.w;
  for (let i = 0; i < images.n; i += batch) {
    const n = Math.min(batch, images.n - i);
    const feats = tf.tidy(() => {
      const x = toInput({ n, h: images.h, w: images.w, data: images.data.subarray(i * P, (i + n) * P) }, teacher.spec.inCh);
      const st = forward(teacher, x, { features: true }).stages!;
      return [st[2]!.dataSync() as Float32Array, st[3]!.dataSync() as Float32Array];
    });
    feats.forEach((f, l) => {
      const L = s1[l]!.length;
      for (let k = 0; k < f.length; k++) {
        s1[l]![k % L] = s1[l]![k % L]! + f[k]!;
        s2[l]![k % L] = s2[l]![k % L]! + f[k]! * f[k]!;
      }
    });
  }
  const N = images.n;
  const mean = [0, 1].map((l) => {
    const [h, w, c] = shape[l]!,
      m = s1[l]!;
    if (norm === 'map') return Float32Array.from(m, (v) => v / N);
    const out = new Float32Array(c);
    for (let k = 0; k < m.length; k++) out[k % c] = out[k % c]! + m[k]! / (N * h * w);
    return out;
  }) as [Float32Array, Float32Array];
  const std = [0, 1].map((l) => {
    const [h, w, c] = shape[l]!,
      out = new Float64Array(c);
    for (let k = 0; k < s1[l]!.length; k++) {
      const mu = norm === 'map' ? mean[l]![k]! : mean[l]![k % c]!;
      out[k % c] = out[k % c]! + s2[l]![k]! / N - 2 * mu * (s1[l]![k]! / N) + mu * mu; // E[(f − μ)²] at this position
    }
    return Float32Array.from(out, (v) => Math.sqrt(Math.max(v / (h * w), 0)) + 1e-6);
  }) as [Float32Array, Float32Array];
  return { norm, mean, std, shape };
}

/** Fraction of the cross-image variance of the normalised targets explained by the student's decoders, per stage. */
export interface FveEntry {
  step: number;
  fve3: number;
  fve4: number;
}

/** Draw a distillation batch: images, mask and the batch-wide normalisers (steps.ts). */
export function prepareDistillBatch(images: EyeBatch, ratio: number, patch: number, r: Rng): StepBatch {
  const { n, h, w } = images,
    P = h * w;
  const data =
    images.data instanceof Uint8Array ? Float32Array.from(images.data.subarray(0, n * P), (v) => v / 255) : images.data.slice(0, n * P);
  const mask = ratio > 0 ? patchMask(n, h, w, patch, ratio, r) : new Float32Array(n * P);
  const b: StepBatch = { n, h, w, rows: { images: { data, per: P }, mask: { data: mask, per: P } }, scalars: {} };
  distillNormalisers(b, ratio);
  return b;
}

/** FVE of the current student + decoders on a prepared held-out batch (targets from the teacher). No tensors left. */
export function distillFve(
  task: DistillTask,
  student: GazeModel,
  dec: GazeModel,
  teacher: GazeModel,
  b: StepBatch,
): { fve3: number; fve4: number } {
  return tf.tidy(() => {
    const { n, h, w } = b;
    const x = toInput({ n, h, w, data: b.rows.images!.data }, task.inCh);
    const ts = forward(teacher, x, { features: true }).stages!;
    const mask = tf.tensor4d(b.rows.mask!.data, [n, h, w, 1]);
    const f: tf.Tensor4D[] = [];
    runStages(
      student,
      tf.mul(x, tf.sub(1, mask)) as tf.Tensor4D,
      1,
      4,
      false,
      null,
      f,
      task.maskRatio > 0 && task.maskMode === 'sparse' ? visibilityPyramid(mask) : undefined,
    );
    const one = (l: 0 | 1) => {
      const t = normaliseTargets(ts[l + 2]!, task.stats, l);
      const p = decode(dec, f, l === 0 ? 'd3' : 'd4', l + 3);
      const s = l === 0 ? 16 : 32;
      const wt = tf.tensor4d(b.rows[l === 0 ? 'w3' : 'w4']!.data, [n, h / s, w / s, 1]);
      const tbar = tf.mean(t, 0, true); // mean over images, per position and channel
      const res = tf.sum(tf.mul(tf.square(tf.sub(t, p)), wt)).dataSync()[0]!;
      const tot = tf.sum(tf.mul(tf.square(tf.sub(t, tbar)), wt)).dataSync()[0]!;
      return 1 - res / Math.max(tot, 1e-12);
    };
    return { fve3: one(0), fve4: one(1) };
  });
}

export interface DistillResult extends LoopResult {
  /** The decoders (caller disposes with disposeGazeModel). */
  decoders: GazeModel;
  /** Target statistics used (from the KD pool). */
  stats: TargetStats;
  /** Fraction of held-out cross-image target variance explained, per stage, over training. */
  fve: FveEntry[];
}

/**
 * Distil `teacher` into `student` on unlabeled images from `pool(n, r)`. Copies stem + stage 1 first, trains
 * student stages 2–4 + decoders. Mutates the student. Defaults: 300 steps, batch 32, lr 1e-3, weight decay 0.05.
 */
export async function distill(
  teacher: GazeModel,
  student: GazeModel,
  pool: (n: number, r: Rng) => EyeBatch,
  o: DistillOptions = {},
): Promise<DistillResult> {
  const ratio = o.maskRatio ?? 0.6,
    patch = o.maskPatch ?? 8,
    gamma = o.gamma ?? 0.5,
    imageWeight = o.imageWeight ?? 1,
    batch = Math.round(o.batch ?? 32),
    pixelStage = o.pixelStage ?? 4;
  if (!(ratio >= 0 && ratio < 1)) throw new InvalidInput(`maskRatio must be in [0, 1), got ${describe(ratio)}`);
  if (!(imageWeight >= 0)) throw new InvalidInput(`imageWeight must be ≥ 0, got ${describe(imageWeight)}`);
  if (!(gamma >= 0)) throw new InvalidInput(`gamma must be ≥ 0, got ${describe(gamma)}`);
  if (!Number.isInteger(patch) || patch < 1) throw new InvalidInput(`maskPatch must be a positive integer, got ${describe(patch)}`);
  if (pixelStage !== 3 && pixelStage !== 4) throw new InvalidInput(`pixelStage must be 3 or 4, got ${describe(pixelStage)}`);
  const mode = o.maskMode ?? 'zero';
  if (mode !== 'zero' && mode !== 'sparse') throw new InvalidInput(`maskMode must be 'zero' or 'sparse', got ${describe(mode)}`);
  inheritStage1(teacher, student);
  const seed = o.seed ?? 0;
  // target statistics and the held-out batch come from their own streams of the pool (never a training batch)
  const stats = kdTargetStats(teacher, pool(Math.round(o.statsImages ?? 256), rng(seed + 0x5747)), o.targetNorm ?? 'map');
  const heldOut = prepareDistillBatch(pool(Math.round(o.heldOutImages ?? 64), rng(seed + 0x4e1d)), ratio, patch, rng(seed + 0x4e1e));
  const dec = buildDecoders(teacher, student, seed + 101, pixelStage);
  const task: DistillTask = {
    kind: 'distill',
    inCh: student.spec.inCh,
    maskRatio: ratio,
    maskMode: mode,
    gamma,
    imageWeight,
    pixelStage,
    stats,
  };
  const vars = [...groupVars(student, 'student-kd'), ...dec.params.values()];
  const fve: FveEntry[] = [];
  const every = Math.max(1, Math.round(o.fveEvery ?? 100));
  const measure = (step: number) => fve.push({ step, ...distillFve(task, student, dec, teacher, heldOut) });
  const steps = Math.round(o.steps ?? 300);
  if (!(o.checkpoint && existsSync(o.checkpoint.path))) measure(0); // a resumed run keeps its log, not its start
  const res = await trainLoop(
    {
      label: `distill (mask ${ratio}${ratio > 0 ? ', ' + mode : ''}, targets ${stats.norm})`,
      models: [student, dec],
      vars,
      checkpoint: o.checkpoint,
      step: { task, frozen: [teacher], prepare: (_s, r) => prepareDistillBatch(pool(batch, r), ratio, patch, r) },
      after: (step) => {
        if (step % every === 0 || step === steps) measure(step);
      },
    },
    withDefaults({ weightDecay: 0.05, steps: 300 }, o),
  );
  if (!fve.length || fve[fve.length - 1]!.step !== res.steps) measure(res.steps);
  return { ...res, decoders: dec, stats, fve };
}
