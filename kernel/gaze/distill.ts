/**
 * Self-supervised compact-model distillation (paper §3.1, Eq. 1): the student sees a MASKED image and, through
 * ConvNeXt V2-block decoders, reconstructs (a) the masked pixels and (b) the frozen teacher's stage-3 and stage-4
 * features (teacher sees the unmasked image), MSE on masked positions only:
 *   L = mean_K (X − X̂)² + γ Σ_{l∈{3,4}} mean_K (f_T^l − Ψ_l(f_S^l))²,  γ = 0.5 (paper).
 * The student's stem + stage 1 are copied from the teacher and frozen ("inherit teacher's knowledge"); stages 2–4
 * and the decoders train.
 * Choices the paper leaves open (options, defaults documented):
 *   - masking: zero-filled input patches of 8×8 px (the normalised image's mean), ratio 0.6 (FCMAE default), fresh each step;
 *   - how the student's convs treat masked positions (`maskMode`): 'zero' (default) runs the dense net on the zero-filled
 *     image; 'sparse' emulates FCMAE's sparse convolution (stream zeroed at masked cells of every stage, see
 *     runStages/visibilityPyramid), so visible features never depend on masked content;
 *   - masked positions of a feature map: cells whose area is ≥ 50% masked (all cells when none is);
 *   - teacher feature targets are layer-normalised per position (no affine), so both stages weigh alike;
 *   - image decoder: a block on student stage-4 features + 1×1 conv predicting 32·32 pixels per stride-32 cell (FCMAE);
 *   - feature decoders Ψ_l(z) = FC(block(z)) from the student width to the teacher width (paper).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import { block, copyParams, forward, groupVars, linear, runStages, toInput, visibilityPyramid } from './model';
import { trainLoop, type LoopResult } from './train';
import type { EyeBatch, GazeModel, StageOptions } from './types';

export interface DistillOptions extends StageOptions {
  /** Masked fraction of 8×8 patches (default 0.6). 0 = the "no-mask" ablation (plain feature KD, image term dropped). */
  maskRatio?: number;
  /** Mask patch size in pixels (default 8). */
  maskPatch?: number;
  /** 'zero': dense convs on the zero-filled image (default); 'sparse': FCMAE's sparse-conv emulation. */
  maskMode?: MaskMode;
  /** Weight of the feature terms (paper γ = 0.5). */
  gamma?: number;
  /** Weight of the masked-pixel term (default 1, the paper's; 0 = masked feature distillation only). */
  imageWeight?: number;
  /** Draws n unlabeled images (the stand-in for ImageNet-1K). */
  checkpoint?: { path: string; every?: number };
}

export type MaskMode = 'zero' | 'sparse';

let decCounter = 0;

/** The three KD decoders as a parameter container (same naming and block code as the nets). */
export function buildDecoders(teacher: GazeModel, student: GazeModel, seed = 0): GazeModel {
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
    params.set(name, tf.variable(t, true, `gazedec${++decCounter}/${name}`));
    t.dispose();
  };
  const addBlock = (B: string, c: number) => {
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
  };
  const sd = student.spec.dims,
    td = teacher.spec.dims;
  addBlock('d3.b0', sd[2]);
  add('d3.fc.w', tn([sd[2], td[2]]));
  add('d3.fc.b', z([td[2]]));
  addBlock('d4.b0', sd[3]);
  add('d4.fc.w', tn([sd[3], td[3]]));
  add('d4.fc.b', z([td[3]]));
  addBlock('di.b0', sd[3]);
  add('di.fc.w', tn([sd[3], 32 * 32 * student.spec.inCh]));
  add('di.fc.b', z([32 * 32 * student.spec.inCh]));
  return { kind: 'student', spec: student.spec, params, buffers: new Map(), meta: { role: 'kd-decoders' } };
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

/** Parameter-free LayerNorm over channels. */
function lnPlain(x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6)));
}

/** Masked-position weights of a stride-s feature map from the pixel mask: cells ≥ 50% masked (all when none). */
function cellWeights(mask: tf.Tensor4D, stride: number): tf.Tensor4D {
  const frac = tf.avgPool(mask, stride, stride, 'valid');
  const sel = tf.cast(tf.greaterEqual(frac, 0.5), 'float32') as tf.Tensor4D;
  return tf.tidy(() => (tf.sum(sel).dataSync()[0]! > 0 ? sel : tf.onesLike(sel))) as tf.Tensor4D;
}

function maskedMse(pred: tf.Tensor, target: tf.Tensor, w: tf.Tensor): tf.Scalar {
  const se = tf.mean(tf.square(tf.sub(pred, target)), -1, true);
  return tf.div(tf.sum(tf.mul(se, w)), tf.add(tf.sum(w), 1e-6)) as tf.Scalar;
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

export interface DistillResult extends LoopResult {
  /** The decoders (caller disposes with disposeGazeModel). */
  decoders: GazeModel;
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
    batch = Math.round(o.batch ?? 32);
  if (!(ratio >= 0 && ratio < 1)) throw new InvalidInput(`maskRatio must be in [0, 1), got ${describe(ratio)}`);
  if (!(imageWeight >= 0)) throw new InvalidInput(`imageWeight must be ≥ 0, got ${describe(imageWeight)}`);
  if (!Number.isInteger(patch) || patch < 1) throw new InvalidInput(`maskPatch must be a positive integer, got ${describe(patch)}`);
  const mode = o.maskMode ?? 'zero';
  if (mode !== 'zero' && mode !== 'sparse') throw new InvalidInput(`maskMode must be 'zero' or 'sparse', got ${describe(mode)}`);
  inheritStage1(teacher, student);
  const dec = buildDecoders(teacher, student, (o.seed ?? 0) + 101);
  const vars = [...groupVars(student, 'student-kd'), ...dec.params.values()];
  const inCh = student.spec.inCh;
  const res = await trainLoop(
    {
      label: `distill (mask ${ratio}${ratio > 0 ? ', ' + mode : ''})`,
      models: [student, dec],
      vars,
      checkpoint: o.checkpoint,
      loss: (_s, r, _pending, parts) => {
        const imgs = pool(batch, r);
        const x = toInput(imgs, inCh);
        const [n, h, w] = x.shape;
        // teacher targets (no gradient: teacher variables are not in the list)
        const ts = forward(teacher, x, { features: true }).stages!;
        const t3 = lnPlain(ts[2]!),
          t4 = lnPlain(ts[3]!);
        const mask = tf.tensor4d(ratio > 0 ? patchMask(n, h, w, patch, ratio, r) : new Float32Array(n * h * w), [n, h, w, 1]);
        const xm = tf.mul(x, tf.sub(1, mask)) as tf.Tensor4D;
        const f: tf.Tensor4D[] = [];
        runStages(student, xm, 1, 4, true, null, f, ratio > 0 && mode === 'sparse' ? visibilityPyramid(mask) : undefined);
        const p3 = linear(block(dec, 'd3.b0', f[2]!, true, null), dec.params.get('d3.fc.w')!, dec.params.get('d3.fc.b')!);
        const p4 = linear(block(dec, 'd4.b0', f[3]!, true, null), dec.params.get('d4.fc.w')!, dec.params.get('d4.fc.b')!);
        const w3 = ratio > 0 ? cellWeights(mask, 16) : tf.onesLike(p3).slice([0, 0, 0, 0], [-1, -1, -1, 1]);
        const w4 = ratio > 0 ? cellWeights(mask, 32) : tf.onesLike(p4).slice([0, 0, 0, 0], [-1, -1, -1, 1]);
        const l3 = maskedMse(p3, t3, w3),
          l4 = maskedMse(p4, t4, w4);
        let loss = tf.mul(gamma, tf.add(l3, l4)) as tf.Scalar;
        if (ratio > 0 && imageWeight > 0) {
          // pixels: [N, H/32, W/32, 32·32·C] → depth-to-space → [N, H, W, C]
          const pi = linear(block(dec, 'di.b0', f[3]!, true, null), dec.params.get('di.fc.w')!, dec.params.get('di.fc.b')!);
          const img = tf.reshape(tf.transpose(tf.reshape(pi, [n, h / 32, w / 32, 32, 32, inCh]), [0, 1, 3, 2, 4, 5]), [n, h, w, inCh]);
          const li = maskedMse(img, x, mask);
          parts.img = li.dataSync()[0]!;
          loss = tf.add(loss, tf.mul(imageWeight, li)) as tf.Scalar;
        }
        parts.f3 = l3.dataSync()[0]!;
        parts.f4 = l4.dataSync()[0]!;
        return loss;
      },
    },
    { weightDecay: 0.05, steps: 300, ...o },
  );
  return { ...res, decoders: dec };
}
