/**
 * ConvNeXt V2 with adapters: the DFT Gaze teacher (Atto, dims 40-80-160-320) and student (dims 40-20-40-80).
 * Functional tfjs-core code (tf.Variable + explicit forward, NHWC), so the same net trains on the wasm backend:
 *   - stem 4×4/s4 and downsample 2×2/s2 convs are non-overlapping, computed exactly as space-to-depth + matMul;
 *   - the 7×7 depthwise conv uses tf.depthwiseConv2d, whose backprop kernels core/wasm-grads.ts registers on wasm.
 * Block (official ConvNeXt V2): y = pw2(GRN(GELU(pw1(LN(dw7(x)))))); adapter on pw2's output (paper):
 *   y' = y + up(LeakyReLU(BN(down(y)))), bottleneck dim/4, up zero-initialised so a fresh adapter is the identity;
 *   out = x + y'. Head: global average pool → LayerNorm → Linear(C, 2) = (yaw, pitch) in radians.
 * Parameter counts (pinned in model.test.ts): 3-channel input student 281,012 (tunable 14,432), teacher 3,578,462
 * (tunable 191,702); 1-channel student 279,732, teacher 3,577,182.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, checkInt, describe } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import type { EyeBatch, ForwardOptions, ForwardResult, GazeModel, ModelKind, NetSpec, ParamGroup } from './types';

const LN_EPS = 1e-6;
const BN_EPS = 1e-5;
/** Running-statistics momentum of the adapter BatchNorm (PyTorch convention: new = (1-m)·old + m·batch). */
const BN_MOMENTUM = 0.1;

export const ATTO_DEPTHS: [number, number, number, number] = [2, 2, 6, 2];

/** `inCh` is required: 1 for the grey eye crops the shipped models use, 3 for RGB (the paper's 281,012 parameters). */
function checkInCh(inCh: number): number {
  return checkInt('inCh (input channels: 1 grey, 3 RGB)', inCh, 1, 64);
}

/** Teacher: ConvNeXt V2-Atto with adapters, on `inCh` input channels (1 = grey eye crops as shipped, 3 = RGB). */
export function teacherSpec(inCh: number): NetSpec {
  inCh = checkInCh(inCh);
  return { dims: [40, 80, 160, 320], depths: [...ATTO_DEPTHS], inCh, outDim: 2, adapterReduction: 4, leakySlope: 0.01 };
}
/**
 * Student (DFT Gaze): stage 1 as the teacher's (inherited), stages 2–4 at ¼ width, on `inCh` input channels
 * (1 = grey eye crops as shipped; 3 = RGB, the paper's 281,012 parameters).
 */
export function studentSpec(inCh: number): NetSpec {
  inCh = checkInCh(inCh);
  return { dims: [40, 20, 40, 80], depths: [...ATTO_DEPTHS], inCh, outDim: 2, adapterReduction: 4, leakySlope: 0.01 };
}
/**
 * The architecture of the teacher (ConvNeXt V2-Atto with adapters, dims 40-80-160-320) or the DFT Gaze student (dims
 * 40-20-40-80), arXiv 2411.04335, on `inCh` input channels (1 = grey eye crops as shipped, 3 = RGB as in the paper).
 */
export function specOf(kind: ModelKind, inCh: number): NetSpec {
  return kind === 'teacher' ? teacherSpec(inCh) : studentSpec(inCh);
}

let modelCounter = 0;

/** Shapes of every parameter of `spec`, in a stable order. Buffers (BN running stats) are separate. */
export function paramShapes(spec: NetSpec): { params: [string, number[]][]; buffers: [string, number[]][] } {
  checkSpec(spec);
  const p: [string, number[]][] = [],
    b: [string, number[]][] = [];
  const d = spec.dims;
  p.push(['stem.w', [4, 4, spec.inCh, d[0]]], ['stem.b', [d[0]]], ['stem.ln.g', [d[0]]], ['stem.ln.b', [d[0]]]);
  for (let s = 0; s < 4; s++) {
    const c = d[s]!,
      S = `s${s + 1}`;
    if (s > 0)
      p.push([`${S}.down.ln.g`, [d[s - 1]!]], [`${S}.down.ln.b`, [d[s - 1]!]], [`${S}.down.w`, [2, 2, d[s - 1]!, c]], [`${S}.down.b`, [c]]);
    const r = Math.max(1, Math.round(c / spec.adapterReduction));
    for (let k = 0; k < spec.depths[s]!; k++) {
      const B = `${S}.b${k}`;
      p.push(
        [`${B}.dw.w`, [7, 7, c, 1]],
        [`${B}.dw.b`, [c]],
        [`${B}.ln.g`, [c]],
        [`${B}.ln.b`, [c]],
        [`${B}.pw1.w`, [c, 4 * c]],
        [`${B}.pw1.b`, [4 * c]],
        [`${B}.grn.g`, [4 * c]],
        [`${B}.grn.b`, [4 * c]],
        [`${B}.pw2.w`, [4 * c, c]],
        [`${B}.pw2.b`, [c]],
        [`${B}.ad.down.w`, [c, r]],
        [`${B}.ad.down.b`, [r]],
        [`${B}.ad.bn.g`, [r]],
        [`${B}.ad.bn.b`, [r]],
        [`${B}.ad.up.w`, [r, c]],
        [`${B}.ad.up.b`, [c]],
      );
      b.push([`${B}.ad.bn.mean`, [r]], [`${B}.ad.bn.var`, [r]]);
    }
  }
  p.push(['head.ln.g', [d[3]]], ['head.ln.b', [d[3]]], ['head.w', [d[3], spec.outDim]], ['head.b', [spec.outDim]]);
  return { params: p, buffers: b };
}

function checkSpec(spec: NetSpec): void {
  if (!spec || !Array.isArray(spec.dims) || spec.dims.length !== 4 || spec.dims.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new InvalidInput(`spec.dims must be 4 positive integers, got ${describe(spec?.dims)}`);
  }
  if (!Array.isArray(spec.depths) || spec.depths.length !== 4 || spec.depths.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new InvalidInput(`spec.depths must be 4 positive integers, got ${describe(spec.depths)}`);
  }
  for (const k of ['inCh', 'outDim', 'adapterReduction'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 1) throw new InvalidInput(`spec.${k} must be a positive integer, got ${describe(spec[k])}`);
  }
}

/** Which group a parameter name belongs to. */
export function inGroup(name: string, group: ParamGroup): boolean {
  const adapterOrHead = /\.ad\./.test(name) || name.startsWith('head.');
  switch (group) {
    case 'all':
      return true;
    case 'tunable':
      return adapterOrHead;
    case 'stage4-adapters':
      return name.startsWith('s4.') && /\.ad\./.test(name);
    case 'stage4-adapters+head':
      return (name.startsWith('s4.') && /\.ad\./.test(name)) || name.startsWith('head.');
    case 'backbone':
      return !adapterOrHead;
    case 'student-kd':
      return !adapterOrHead && !name.startsWith('stem.') && !name.startsWith('s1.');
    default:
      throw new InvalidInput(
        `unknown parameter group ${describe(group)}; expected all, tunable, stage4-adapters, stage4-adapters+head, student-kd or backbone`,
      );
  }
}

/** Parameter count of a spec (optionally of one group) without building it. */
export function countParams(spec: NetSpec, group: ParamGroup = 'all'): number {
  return paramShapes(spec)
    .params.filter(([n]) => inGroup(n, group))
    .reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
}

/** Truncated normal (±2σ) from the seeded generator. */
function truncNormal(r: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = r.normal();
    while (v < -2 || v > 2) v = r.normal();
    out[i] = v * std;
  }
  return out;
}

export interface BuildOptions {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** 'teacher' or 'student' (stored in the model; default: guessed from the dims). */
  kind?: ModelKind;
}

/**
 * Build a ConvNeXt V2 + adapters with fresh weights (convs/linears trunc-normal σ 0.02 as in the official code,
 * LayerNorm 1/0, GRN 0/0, adapter up-projection zero so the adapter starts as the identity).
 * The caller owns the variables: disposeGazeModel(model).
 */
export function buildGazeModel(spec: NetSpec, opts: BuildOptions = {}): GazeModel {
  const r = rng(opts.seed ?? 0);
  const { params, buffers } = paramShapes(spec);
  const id = ++modelCounter;
  const pm = new Map<string, tf.Variable>(),
    bm = new Map<string, tf.Variable>();
  for (const [name, shape] of params) {
    const n = shape.reduce((a, b) => a * b, 1);
    let v: Float32Array;
    if (/\.(ln|bn)\.g$/.test(name) || name === 'head.ln.g') v = new Float32Array(n).fill(1);
    else if (/\.(b|ln\.b|bn\.b|grn\.g|grn\.b)$/.test(name) || name.endsWith('.ad.up.w')) v = new Float32Array(n);
    else v = truncNormal(r, n, 0.02);
    pm.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(v, shape), true, `gaze${id}/${name}`)),
    );
  }
  for (const [name, shape] of buffers) {
    const n = shape.reduce((a, b) => a * b, 1);
    bm.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(new Float32Array(n).fill(name.endsWith('.var') ? 1 : 0), shape), false, `gaze${id}/${name}`)),
    );
  }
  const kind = opts.kind ?? (spec.dims[1] < spec.dims[0] ? 'student' : 'teacher');
  return { kind, spec: { ...spec, dims: [...spec.dims], depths: [...spec.depths] }, params: pm, buffers: bm, meta: {} };
}

/**
 * Build the teacher or the student by name with fresh weights (see buildGazeModel for the initialisation). The caller
 * owns the variables: disposeGazeModel(model).
 */
export function createModel(
  kind: ModelKind,
  opts: {
    /** Input channels: 1 = grey eye images (default, the shipped models), 3 = RGB (the paper's parameter counts). */
    inCh?: number;
    /** Seed of the initial weights (default 0). */
    seed?: number;
  } = {},
): GazeModel {
  if (kind !== 'teacher' && kind !== 'student') throw new InvalidInput(`model kind must be 'teacher' or 'student', got ${describe(kind)}`);
  return buildGazeModel(specOf(kind, opts.inCh ?? 1), { seed: opts.seed, kind });
}

/** Free every variable of a model (parameters and BatchNorm buffers); the model is unusable afterwards. */
export function disposeGazeModel(m: GazeModel): void {
  for (const v of m.params.values()) v.dispose();
  for (const v of m.buffers.values()) v.dispose();
}

/** Number of parameters held by a model (optionally one group). */
export function modelParamCount(m: GazeModel, group: ParamGroup = 'all'): number {
  let n = 0;
  for (const [k, v] of m.params) if (inGroup(k, group)) n += v.size;
  return n;
}

/** The trainable variables of a group (for optimizers). */
export function groupVars(m: GazeModel, group: ParamGroup): tf.Variable[] {
  return [...m.params].filter(([k]) => inGroup(k, group)).map(([, v]) => v);
}

/** Copy values of parameters (and buffers) whose names and shapes match from `src` into `dst` (filter by name). */
export function copyParams(src: GazeModel, dst: GazeModel, filter: (name: string) => boolean = () => true): number {
  let n = 0;
  for (const maps of [
    [src.params, dst.params],
    [src.buffers, dst.buffers],
  ] as const) {
    for (const [k, v] of maps[0]) {
      const d = maps[1].get(k);
      if (!d || !filter(k) || d.shape.join() !== v.shape.join()) continue;
      d.assign(v);
      n++;
    }
  }
  return n;
}

/** A deep copy with fresh variables. */
export function cloneGazeModel(m: GazeModel): GazeModel {
  const c = buildGazeModel(m.spec, { kind: m.kind });
  copyParams(m, c);
  c.meta = { ...m.meta };
  return c;
}

// ---------------------------------------------------------------- ops

/** LayerNorm over the last axis. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), g), b);
}

/** GELU, tanh form. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(x, tf.add(tf.mul(tf.square(x), 0.044715 * Math.sqrt(2 / Math.PI)), Math.sqrt(2 / Math.PI)));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/**
 * ‖x‖₂ over the spatial axes, per image and channel ([N, 1, 1, C]), with the gradient PyTorch's torch.norm gives at a zero
 * norm (0). The plain sqrt's derivative is infinite there and times the zero inner gradient makes NaN — and a channel is
 * all zero whenever GELU kills it everywhere or the sparse-conv mask hides the whole map (it stopped FCMAE pre-training
 * at step 1,340). The forward value is the plain formula's, bit for bit.
 */
export const spatialNorm = tf.customGrad(((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
  const n = tf.sqrt(tf.sum(tf.square(x), [1, 2], true)) as tf.Tensor4D;
  save([x, n]);
  return {
    value: n,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, ns] = saved as [tf.Tensor4D, tf.Tensor4D];
      // x is all zero wherever the norm is, so dividing by 1 there gives the zero subgradient
      return tf.mul(dy, tf.div(xs, tf.where(tf.greater(ns, 0), ns, tf.onesLike(ns)))) as tf.Tensor4D;
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;

/** Global Response Normalization (ConvNeXt V2): γ·(x·Nx) + β + x, Nx = ‖x‖₂(H,W) / (mean_c + 1e-6). */
export function grn(x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  const gx = spatialNorm(x);
  const nx = tf.div(gx, tf.add(tf.mean(gx, -1, true), 1e-6));
  return tf.add(tf.add(tf.mul(g, tf.mul(x, nx)), b), x);
}

/** Per-position linear map on NHWC (weights [Cin, Cout]). */
export function linear(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const y = tf.add(tf.matMul(tf.reshape(x, [n * h * wd, c]), w as tf.Tensor2D), b);
  return tf.reshape(y, [n, h, wd, w.shape[1]!]);
}

/** Non-overlapping k×k / stride-k conv (weights [k,k,Cin,Cout]) as space-to-depth + matMul — exact, and trainable on wasm. */
export function patchConv(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor, k: number): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  if (h % k || wd % k) throw new InvalidInput(`patchConv: input ${h}×${wd} is not divisible by the patch size ${k}`);
  const p = tf.reshape(tf.transpose(tf.reshape(x, [n, h / k, k, wd / k, k, c]), [0, 1, 3, 2, 4, 5]), [n * (h / k) * (wd / k), k * k * c]);
  const y = tf.add(tf.matMul(p, tf.reshape(w, [k * k * c, -1])), b);
  return tf.reshape(y, [n, h / k, wd / k, -1]);
}

/** LeakyReLU as max(x, slope·x) (0 ≤ slope ≤ 1): tfjs-wasm's LeakyRelu kernel is scalar and slow. */
export function leakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  return tf.maximum(x, tf.mul(x, slope));
}

/**
 * BatchNorm over the channel axis of an NHWC tensor. In training mode it normalises with batch statistics and
 * queues a running-statistics update in `pending` (applied by applyBnUpdates after the optimizer step).
 */
function batchNorm(m: GazeModel, B: string, x: tf.Tensor4D, training: boolean, pending: BnUpdate[] | null): tf.Tensor4D {
  const g = m.params.get(`${B}.ad.bn.g`)!,
    b = m.params.get(`${B}.ad.bn.b`)!;
  let mean: tf.Tensor, variance: tf.Tensor;
  if (training) {
    const mo = tf.moments(x, [0, 1, 2]);
    mean = mo.mean;
    variance = mo.variance;
    if (pending) {
      const cnt = x.shape[0] * x.shape[1] * x.shape[2];
      pending.push({
        name: B,
        mean: Float32Array.from(mean.dataSync()),
        variance: Float32Array.from(variance.dataSync(), (v) => v * (cnt / Math.max(1, cnt - 1))),
      });
    }
  } else {
    mean = m.buffers.get(`${B}.ad.bn.mean`)!;
    variance = m.buffers.get(`${B}.ad.bn.var`)!;
  }
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPS))), g), b) as tf.Tensor4D;
}

export interface BnUpdate {
  name: string;
  mean: Float32Array;
  variance: Float32Array;
}

/** Apply queued running-statistics updates (momentum 0.1). */
export function applyBnUpdates(m: GazeModel, pending: BnUpdate[]): void {
  tf.tidy(() => {
    for (const u of pending) {
      const rm = m.buffers.get(`${u.name}.ad.bn.mean`)!,
        rv = m.buffers.get(`${u.name}.ad.bn.var`)!;
      rm.assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(tf.tensor(u.mean), BN_MOMENTUM)));
      rv.assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(tf.tensor(u.variance), BN_MOMENTUM)));
    }
  });
  pending.length = 0;
}

/**
 * One ConvNeXt V2 block with its adapter (no adapter when the model holds none under that name, e.g. KD decoders).
 * `vis` ([N, H, W, 1], 1 = visible) emulates FCMAE's sparse convolution: the block then computes only at visible
 * positions from visible inputs (the residual stream `x` must already be zero at masked ones, as runStages keeps it)
 * and GRN's spatial norm counts visible positions only. With an all-ones `vis` the result equals the dense block.
 */
export function block(
  m: GazeModel,
  B: string,
  x: tf.Tensor4D,
  training: boolean,
  pending: BnUpdate[] | null,
  vis?: tf.Tensor4D,
): tf.Tensor4D {
  const P = (k: string) => m.params.get(`${B}.${k}`)!;
  let y = tf.add(tf.depthwiseConv2d(x, P('dw.w') as tf.Tensor4D, 1, 'same'), P('dw.b')) as tf.Tensor4D;
  y = layerNorm(y, P('ln.g'), P('ln.b')) as tf.Tensor4D;
  y = gelu(linear(y, P('pw1.w'), P('pw1.b'))) as tf.Tensor4D;
  if (vis) y = tf.mul(y, vis);
  y = grn(y, P('grn.g'), P('grn.b'));
  y = linear(y, P('pw2.w'), P('pw2.b'));
  if (!m.params.has(`${B}.ad.down.w`)) return tf.add(x, vis ? tf.mul(y, vis) : y) as tf.Tensor4D;
  // adapter on the output of the block's final (point-wise) convolution
  let a = linear(y, P('ad.down.w'), P('ad.down.b'));
  a = batchNorm(m, B, a, training, pending);
  a = leakyRelu(a, m.spec.leakySlope) as tf.Tensor4D;
  a = linear(a, P('ad.up.w'), P('ad.up.b'));
  const ya = tf.add(y, a);
  return tf.add(x, vis ? tf.mul(ya, vis) : ya) as tf.Tensor4D;
}

/**
 * Stem + stages first..last (1-based). Input: NHWC already normalised. `vis[s − 1]` (optional, [N, H/stride, W/stride, 1],
 * 1 = visible; see visibilityPyramid) runs stage s as FCMAE's sparse convolution: the stream is zeroed at masked
 * positions after the stem / downsampling layer and inside every block, so visible outputs never see masked content.
 */
export function runStages(
  m: GazeModel,
  x: tf.Tensor4D,
  first: number,
  last: number,
  training: boolean,
  pending: BnUpdate[] | null,
  collect?: tf.Tensor4D[],
  vis?: tf.Tensor4D[],
): tf.Tensor4D {
  let h = x;
  for (let s = first; s <= last; s++) {
    const S = `s${s}`,
      P = (k: string) => m.params.get(k)!,
      v = vis?.[s - 1],
      prev = vis?.[s - 2];
    if (s === 1) {
      h = patchConv(h, P('stem.w'), P('stem.b'), 4);
      h = layerNorm(h, P('stem.ln.g'), P('stem.ln.b')) as tf.Tensor4D;
    } else {
      h = layerNorm(h, P(`${S}.down.ln.g`), P(`${S}.down.ln.b`)) as tf.Tensor4D;
      if (prev) h = tf.mul(h, prev);
      h = patchConv(h, P(`${S}.down.w`), P(`${S}.down.b`), 2);
    }
    if (v) h = tf.mul(h, v);
    for (let k = 0; k < m.spec.depths[s - 1]!; k++) h = block(m, `${S}.b${k}`, h, training, pending, v);
    collect?.push(h);
  }
  return h;
}

/**
 * Visibility masks of the four stages (strides 4, 8, 16, 32) from a pixel mask [N, H, W, 1] (1 = masked): a cell is
 * visible when any pixel of its footprint is (max-pooled visibility). Exact for mask patches that are multiples of
 * the stride; coarser cells that straddle patches keep their visible part (FCMAE's patch equals the total stride, so
 * it never has to choose; at 32×64 that would leave 2 patches).
 */
export function visibilityPyramid(mask: tf.Tensor4D): tf.Tensor4D[] {
  const visible = tf.sub(1, mask) as tf.Tensor4D;
  return [4, 8, 16, 32].map((s) => tf.maxPool(visible, s, s, 'valid'));
}

/** Global average pool → LayerNorm → Linear: [N, outDim]. */
export function head(m: GazeModel, h: tf.Tensor4D): tf.Tensor2D {
  const P = (k: string) => m.params.get(k)!;
  const pooled = tf.mean(h, [1, 2]);
  return tf.add(
    tf.matMul(layerNorm(pooled, P('head.ln.g'), P('head.ln.b')) as tf.Tensor2D, P('head.w') as tf.Tensor2D),
    P('head.b'),
  ) as tf.Tensor2D;
}

/**
 * Forward pass on an NHWC input (normalised as by toInput). Inside tf.tidy/variableGrads the caller manages memory;
 * returns new tensors. `pending` receives BN running-stat updates in training mode.
 */
export function forward(m: GazeModel, x: tf.Tensor4D, opts: ForwardOptions = {}, pending: BnUpdate[] | null = null): ForwardResult {
  const training = opts.training ?? false;
  if (x.rank !== 4 || x.shape[3] !== m.spec.inCh) {
    throw new InvalidInput(`forward: input must be [N, H, W, ${m.spec.inCh}], got ${describe(x.shape)}`);
  }
  if (x.shape[1] % 32 || x.shape[2] % 32) {
    throw new InvalidInput(`forward: input height and width must be multiples of 32 (total stride), got ${x.shape[1]}×${x.shape[2]}`);
  }
  const stages: tf.Tensor4D[] | undefined = opts.features ? [] : undefined;
  const h = runStages(m, x, 1, 4, training, pending, stages);
  return { out: head(m, h), stages };
}

/**
 * Eye images → normalised NHWC input: per-image zero mean / unit variance (our choice for the synthetic path),
 * replicated to inCh channels. Returns a new tensor the caller owns.
 */
export function toInput(batch: EyeBatch, inCh = 1): tf.Tensor4D {
  checkBatch(batch);
  const { n, h, w } = batch,
    hw = h * w;
  const out = new Float32Array(n * hw);
  const scale = batch.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let i = 0; i < n; i++) {
    let s = 0,
      s2 = 0;
    for (let j = 0; j < hw; j++) {
      const v = batch.data[i * hw + j]! * scale;
      s += v;
      s2 += v * v;
    }
    const mu = s / hw,
      sd = Math.sqrt(Math.max(s2 / hw - mu * mu, 0)) + 1e-3;
    for (let j = 0; j < hw; j++) out[i * hw + j] = (batch.data[i * hw + j]! * scale - mu) / sd;
  }
  return tf.tidy(() => {
    const t = tf.tensor4d(out, [n, h, w, 1]);
    return inCh === 1 ? t : tf.tile(t, [1, 1, 1, inCh]);
  });
}

export function checkBatch(batch: EyeBatch): void {
  if (!batch || typeof batch !== 'object') throw new InvalidInput(`expected an EyeBatch {n, h, w, data}, got ${describe(batch)}`);
  const { n, h, w, data } = batch;
  for (const [k, v] of [
    ['n', n],
    ['h', h],
    ['w', w],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidInput(`EyeBatch.${k} must be a positive integer, got ${describe(v)}`);
  }
  if (!(data instanceof Float32Array || data instanceof Uint8Array))
    throw new InvalidInput(`EyeBatch.data must be a Float32Array or Uint8Array, got ${describe(data)}`);
  if (data.length !== n * h * w) throw new InvalidInput(`EyeBatch.data has ${data.length} values; n·h·w = ${n * h * w}`);
}

/** Rows [i0, i1) — or the listed indices — of a batch (copies). */
export function sliceBatch(batch: EyeBatch, idx: ArrayLike<number>): EyeBatch {
  const hw = batch.h * batch.w;
  const data = batch.data instanceof Uint8Array ? new Uint8Array(idx.length * hw) : new Float32Array(idx.length * hw);
  for (let k = 0; k < idx.length; k++) data.set(batch.data.subarray(idx[k]! * hw, (idx[k]! + 1) * hw), k * hw);
  return { n: idx.length, h: batch.h, w: batch.w, data };
}

/** Multiply-accumulate count of one forward pass at h×w (convs, linears, adapters, head; elementwise ops excluded). */
export function macs(spec: NetSpec, h: number, w: number): number {
  let total = (h / 4) * (w / 4) * 16 * spec.inCh * spec.dims[0];
  let hh = h / 4,
    ww = w / 4;
  for (let s = 0; s < 4; s++) {
    const c = spec.dims[s]!;
    if (s > 0) {
      hh /= 2;
      ww /= 2;
      total += hh * ww * 4 * spec.dims[s - 1]! * c;
    }
    const r = Math.round(c / spec.adapterReduction);
    total += spec.depths[s]! * hh * ww * (49 * c + 8 * c * c + 2 * c * r);
  }
  return total + spec.dims[3] * spec.outDim;
}
