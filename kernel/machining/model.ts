/**
 * The DeepMachining network (`sequential_angry_fox` in the official Keras code, github.com/ALiGoo/DeepMachining;
 * arXiv 2403.16451 describes it as a dual signal encoder with stem, downsampling and dilated inception, then a second
 * dilated inception and a projection head, ≈260k parameters):
 *
 *   encoder(ch), one for the time signals (8 ch) and one for |FFT| of the accelerometers (2 ch), shared over cuts:
 *     Dense(f) → Dropout 0.1 → LayerNorm → Conv1D(4f, k 11, stride 5, same) → GELU
 *     → [Inception → (MaxPool 2 → Dense f → LN → Dense 4f (+adapter) → GELU)] × L, the last without downsampling
 *     → concat(GAP, GMP) = 8f per cut
 *   inception(f, k): branches Dense f | Dense f → Conv k | Dense f → Conv k dil 2 | MaxPool k (stride 1) → Dense f,
 *     concat 4f → Dropout 0.1 → LN → Dense 4f (+adapter) → GELU → temporal attention → squeeze-excite (ratio 4)
 *     → + residual
 *   head over the cut axis: Dense f (time) ‖ Dense f (freq) ‖ Embedding(2, f)(cut) → Dropout 0.1 → LN → Dense 4f
 *     (+adapter) → GELU → Inception(f, k 3) → concat(GAP, GMP) → Dense f → Dense f tanh → Dropout 0.5 → Dense 1
 *   adapter(x) = Dense 4f(Dense f/2(x)), added to the Dense 4f it sits beside; glorot-normal init as in the code.
 *
 * Written as plain tfjs ops over named variables (not tf.layers), so that the official code's fine-tuning selector —
 * variables whose name contains `bias`, `regressor_ffn_2` or `LoRA` — is a filter over names, and so the dilated
 * convolution can be expressed with a gradient: tfjs 4.22 refuses conv gradients at dilation > 1, so the kernel is
 * zero-inserted to (k−1)·d+1 taps and run at dilation 1 (identical outputs; see model.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import { SIGNAL_CHANNELS } from './types';

export interface ModelConfig {
  /** Width f (the official code: 24). */
  filters: number;
  /** Inception blocks per encoder, L (the official code: 2). */
  numLayers: number;
  /** Window length in samples; the frequency input has seq/2 + 1 bins. */
  seq: number;
  /** Cuts per sample (the official code: 2, roughing and finishing). */
  cuts: number;
  /** Encoder inception kernel (9) and head inception kernel (3). */
  kernel: number;
  headKernel: number;
  /** Bottleneck adapters beside the Dense(4f) layers (the code's LoRA mode). */
  adapters: boolean;
  /** Adapter initialisation: 'glorot' (glorot-normal, as in the code) or 'zeros' (adapters start as the identity map). */
  adapterInit: 'glorot' | 'zeros';
  /** LayerNorm epsilon (1e-12 in the code's encoders). */
  lnEpsilon: number;
}

/** Named configurations: `paper` (the official code's, inference only on a CPU), `nightly` and `ci-micro` (trainable here). */
export const CONFIGS: Record<'paper' | 'nightly' | 'ci-micro', ModelConfig> = {
  paper: {
    filters: 24,
    numLayers: 2,
    seq: 10_240,
    cuts: 2,
    kernel: 9,
    headKernel: 3,
    adapters: false,
    adapterInit: 'glorot',
    lnEpsilon: 1e-12,
  },
  nightly: {
    filters: 8,
    numLayers: 2,
    seq: 1024,
    cuts: 2,
    kernel: 9,
    headKernel: 3,
    adapters: false,
    adapterInit: 'glorot',
    lnEpsilon: 1e-12,
  },
  'ci-micro': {
    filters: 4,
    numLayers: 2,
    seq: 128,
    cuts: 2,
    kernel: 9,
    headKernel: 3,
    adapters: false,
    adapterInit: 'glorot',
    lnEpsilon: 1e-12,
  },
};

export type ConfigName = keyof typeof CONFIGS;

/** Resolve a config name or partial config (over `paper`) into a checked ModelConfig. */
export function modelConfig(c: ConfigName | Partial<ModelConfig> = 'ci-micro', overrides: Partial<ModelConfig> = {}): ModelConfig {
  let base: ModelConfig;
  if (typeof c === 'string') {
    if (!(c in CONFIGS)) throw new InvalidInput(`config must be one of ${Object.keys(CONFIGS).join(', ')}, got ${describe(c)}`);
    base = CONFIGS[c];
  } else base = { ...CONFIGS.paper, ...c };
  const cfg = { ...base, ...overrides };
  checkInt('filters', cfg.filters, 2);
  check(cfg.filters % 2 === 0, `filters must be even (the adapter bottleneck is f/2), got ${cfg.filters}`);
  checkInt('numLayers', cfg.numLayers, 1, 8);
  checkInt('seq', cfg.seq, 16);
  check(cfg.seq % 2 === 0, `seq must be even, got ${cfg.seq}`);
  checkInt('cuts', cfg.cuts, 1, 16);
  if (cfg.adapterInit !== 'glorot' && cfg.adapterInit !== 'zeros')
    throw new InvalidInput(`adapterInit must be 'glorot' or 'zeros', got ${describe(cfg.adapterInit)}`);
  return cfg;
}

/** A model: its config and its variables by name (Keras-style names, so the fine-tuning selector is a name filter). */
export interface DeepMachiningModel {
  config: ModelConfig;
  vars: Map<string, tf.Variable>;
}

/** The official code's fine-tuning selector: names containing 'bias', 'regressor_ffn_2' or 'LoRA'. */
export function isFineTuned(name: string): boolean {
  return /bias|regressor_ffn_2|LoRA/.test(name);
}

/** Parameter counts: all, adapters (LoRA), and the two-shot fine-tuned set (biases + output layer + adapters). */
export function countParams(m: DeepMachiningModel): { total: number; adapters: number; fineTuned: number } {
  let total = 0,
    adapters = 0,
    fineTuned = 0;
  for (const [name, v] of m.vars) {
    total += v.size;
    if (name.includes('LoRA')) adapters += v.size;
    if (isFineTuned(name)) fineTuned += v.size;
  }
  return { total, adapters, fineTuned };
}

/** Dispose every weight variable of the model and empty its variable map (the model is unusable afterwards). */
export function disposeModel(m: DeepMachiningModel): void {
  for (const v of m.vars.values()) v.dispose();
  m.vars.clear();
}

// ---------------------------------------------------------------------------------------------------------------
// Variables: one builder that either creates (init) or looks up (forward) each named weight, so the graph is written once.

type Init = 'glorot_uniform' | 'glorot_normal' | 'he_normal' | 'zeros' | 'ones' | 'embedding';

interface Scope {
  get(name: string, shape: number[], init: Init, fanIn?: number, fanOut?: number): tf.Tensor;
  training: boolean;
  dropout(x: tf.Tensor, rate: number): tf.Tensor;
  cfg: ModelConfig;
}

function initValue(r: Rng, shape: number[], init: Init, fanIn: number, fanOut: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1),
    out = new Float32Array(n);
  if (init === 'zeros') return out;
  if (init === 'ones') return out.fill(1);
  if (init === 'embedding') {
    for (let i = 0; i < n; i++) out[i] = r.uniform(-0.05, 0.05);
    return out;
  }
  if (init === 'glorot_uniform') {
    const l = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) out[i] = r.uniform(-l, l);
    return out;
  }
  // truncated normals (Keras' glorot_normal / he_normal draw from a normal truncated at 2σ, σ scaled by 1/0.8796)
  const sd = init === 'glorot_normal' ? Math.sqrt(2 / (fanIn + fanOut)) / 0.87962566 : Math.sqrt(2 / fanIn) / 0.87962566;
  for (let i = 0; i < n; i++) {
    let z: number;
    do z = r.normal();
    while (Math.abs(z) > 2);
    out[i] = z * sd;
  }
  return out;
}

function dense(s: Scope, name: string, x: tf.Tensor, units: number, init: Init = 'glorot_uniform'): tf.Tensor {
  const d = x.shape[x.shape.length - 1]!;
  const w = s.get(`${name}/kernel`, [d, units], init, d, units),
    b = s.get(`${name}/bias`, [units], 'zeros');
  const y = tf.add(tf.matMul(tf.reshape(x, [-1, d]), w as tf.Tensor2D), b);
  return tf.reshape(y, [...x.shape.slice(0, -1), units]);
}

function layerNorm(s: Scope, name: string, x: tf.Tensor): tf.Tensor {
  const d = x.shape[x.shape.length - 1]!;
  const g = s.get(`${name}/gamma`, [d], 'ones'),
    b = s.get(`${name}/beta`, [d], 'zeros');
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, s.cfg.lnEpsilon))), g), b);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)) (Keras' default, approximate=False). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** A k-tap kernel [k, in, out] spread to (k−1)·d+1 taps with zeros between: a dilation-d conv as a dilation-1 conv. */
export function zeroInsert(w: tf.Tensor3D, d: number): tf.Tensor3D {
  if (d === 1) return w;
  const [k, i, o] = w.shape;
  const padded = tf.pad(tf.reshape(w, [k, 1, i, o]), [
    [0, 0],
    [0, d - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(tf.reshape(padded, [k * d, i, o]), [0, 0, 0], [(k - 1) * d + 1, i, o]) as tf.Tensor3D;
}

/** 'same' 1-D convolution with a gradient at any dilation (zero-inserted kernel at dilation 1). */
export function dilatedConv1d(x: tf.Tensor3D, w: tf.Tensor3D, dilation: number, stride = 1): tf.Tensor3D {
  return tf.conv1d(x, zeroInsert(w, dilation), stride, 'same', 'NWC', 1);
}

function conv1d(
  s: Scope,
  name: string,
  x: tf.Tensor3D,
  filters: number,
  k: number,
  opts: { stride?: number; dilation?: number } = {},
): tf.Tensor3D {
  const cin = x.shape[2];
  const w = s.get(`${name}/kernel`, [k, cin, filters], 'glorot_uniform', k * cin, k * filters) as tf.Tensor3D;
  const b = s.get(`${name}/bias`, [filters], 'zeros');
  return tf.add(dilatedConv1d(x, w, opts.dilation ?? 1, opts.stride ?? 1), b);
}

/** MaxPool1D(k, stride 1, 'same') over time. */
function maxPoolSame(x: tf.Tensor3D, k: number): tf.Tensor3D {
  const [B, T, C] = x.shape;
  return tf.reshape(tf.maxPool(tf.reshape(x, [B, T, 1, C]) as tf.Tensor4D, [k, 1], [1, 1], 'same'), [B, T, C]);
}

/** MaxPool1D(2) ('valid'): floor(T/2) steps. */
function maxPool2(x: tf.Tensor3D): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const t2 = Math.floor(T / 2);
  const xe = T % 2 ? tf.slice(x, [0, 0, 0], [B, 2 * t2, C]) : x;
  return tf.max(tf.reshape(xe, [B, t2, 2, C]), 2) as tf.Tensor3D;
}

/** Dense(4f) plus, in adapter mode, Dense(4f)(Dense(f/2)(x)) named `…/LoRA_*`. */
function denseWithAdapter(s: Scope, name: string, x: tf.Tensor, units: number): tf.Tensor {
  let y = dense(s, name, x, units);
  if (s.cfg.adapters) {
    const init: Init = s.cfg.adapterInit === 'zeros' ? 'zeros' : 'glorot_normal';
    const down = dense(s, `${name}_LoRA_down`, x, s.cfg.filters / 2, 'glorot_normal');
    y = tf.add(y, dense(s, `${name}_LoRA_up`, down, units, init));
  }
  return y;
}

function inception(s: Scope, name: string, x: tf.Tensor3D, k: number): tf.Tensor3D {
  const f = s.cfg.filters,
    [B, T] = x.shape;
  const a = dense(s, `${name}/branch_a`, x, f);
  const b = conv1d(s, `${name}/branch_b_conv`, dense(s, `${name}/branch_b`, x, f) as tf.Tensor3D, f, k);
  const c = conv1d(s, `${name}/branch_c_conv`, dense(s, `${name}/branch_c`, x, f) as tf.Tensor3D, f, k, { dilation: 2 });
  const d = dense(s, `${name}/branch_d`, maxPoolSame(x, k), f);
  let h = tf.concat([a, b, c, d], -1) as tf.Tensor3D;
  h = s.dropout(h, 0.1) as tf.Tensor3D;
  h = layerNorm(s, `${name}/ln`, h) as tf.Tensor3D;
  h = gelu(denseWithAdapter(s, `${name}/ffn`, h, 4 * f)) as tf.Tensor3D;
  // temporal attention: sigmoid(Conv1D(1, k=1)([mean_c, max_c])) over time
  const ta = tf.concat([tf.mean(h, -1, true), tf.max(h, -1, true)], -1) as tf.Tensor3D;
  h = tf.mul(h, tf.sigmoid(conv1d(s, `${name}/ta_conv`, ta, 1, 1))) as tf.Tensor3D;
  // squeeze-excitation (ratio 4): [GAP ‖ GMP] → Dense f gelu (he_normal) → Dense 4f sigmoid, broadcast over time
  const pooled = tf.concat([tf.mean(h, 1), tf.max(h, 1)], -1);
  const se = tf.sigmoid(dense(s, `${name}/se_2`, gelu(dense(s, `${name}/se_1`, pooled, f, 'he_normal')), 4 * f));
  h = tf.mul(h, tf.reshape(se, [B, 1, 4 * f])) as tf.Tensor3D;
  void T;
  // residual: identity when the input already has 4f channels, else Dense(4f) + GELU
  const res = x.shape[2] === 4 * f ? x : gelu(dense(s, `${name}/residual`, x, 4 * f));
  return tf.add(h, res) as tf.Tensor3D;
}

function encoder(s: Scope, name: string, x: tf.Tensor3D): tf.Tensor2D {
  const f = s.cfg.filters;
  let h = dense(s, `${name}/stem_dense`, x, f) as tf.Tensor3D;
  h = s.dropout(h, 0.1) as tf.Tensor3D;
  h = layerNorm(s, `${name}/stem_ln`, h) as tf.Tensor3D;
  h = gelu(conv1d(s, `${name}/stem_conv`, h, 4 * f, 11, { stride: 5 })) as tf.Tensor3D;
  for (let i = 1; i <= s.cfg.numLayers; i++) {
    h = inception(s, `${name}/inception_${i}`, h, s.cfg.kernel);
    if (i < s.cfg.numLayers) {
      h = maxPool2(h);
      h = dense(s, `${name}/down_${i}/dense`, h, f) as tf.Tensor3D;
      h = layerNorm(s, `${name}/down_${i}/ln`, h) as tf.Tensor3D;
      h = gelu(denseWithAdapter(s, `${name}/down_${i}/ffn`, h, 4 * f)) as tf.Tensor3D;
    }
  }
  return tf.concat([tf.mean(h, 1), tf.max(h, 1)], -1) as tf.Tensor2D;
}

/** Model inputs: time [B, cuts, seq, 8], freq [B, cuts, seq/2+1, 2], cut ids [B, cuts] (int32, 0 or 1). */
export interface ModelInputs {
  time: tf.Tensor4D;
  freq: tf.Tensor4D;
  cut: tf.Tensor2D;
}

function graph(s: Scope, inp: ModelInputs): tf.Tensor2D {
  const f = s.cfg.filters;
  const [B, cuts, seq, ch] = inp.time.shape;
  const H = inp.freq.shape[2];
  const tFeat = tf.reshape(encoder(s, 'time_encoder', tf.reshape(inp.time, [B * cuts, seq, ch])), [B, cuts, 8 * f]);
  const fFeat = tf.reshape(encoder(s, 'freq_encoder', tf.reshape(inp.freq, [B * cuts, H, 2])), [B, cuts, 8 * f]);
  // Embedding(2, f) as one-hot × table (tf.gather's gradient, UnsortedSegmentSum, is missing on wasm)
  const emb = s.get('cut_embedding/embeddings', [2, f], 'embedding');
  let h = tf.concat(
    [
      dense(s, 'fusion/time_proj', tFeat, f),
      dense(s, 'fusion/freq_proj', fFeat, f),
      tf.matMul(tf.reshape(tf.oneHot(inp.cut, 2), [B * cuts, 2]), emb as tf.Tensor2D).reshape([B, cuts, f]),
    ],
    -1,
  ) as tf.Tensor3D;
  h = s.dropout(h, 0.1) as tf.Tensor3D;
  h = layerNorm(s, 'fusion/ln', h) as tf.Tensor3D;
  h = gelu(denseWithAdapter(s, 'fusion/ffn', h, 4 * f)) as tf.Tensor3D;
  h = inception(s, 'fusion/inception', h, s.cfg.headKernel);
  let z = tf.concat([tf.mean(h, 1), tf.max(h, 1)], -1);
  z = dense(s, 'regressor_ffn_0', z, f);
  z = tf.tanh(dense(s, 'regressor_ffn_1', z, f));
  z = s.dropout(z, 0.5);
  return dense(s, 'regressor_ffn_2', z, 1) as tf.Tensor2D;
}

function symbolicInputs(cfg: ModelConfig): ModelInputs {
  return {
    time: tf.zeros([1, cfg.cuts, cfg.seq, SIGNAL_CHANNELS]),
    freq: tf.zeros([1, cfg.cuts, cfg.seq / 2 + 1, 2]),
    cut: tf.tensor2d([Array.from({ length: cfg.cuts }, (_, i) => Math.min(i, 1))], [1, cfg.cuts], 'int32'),
  };
}

/**
 * Build a model with seeded initial weights. Variables are created by tracing the graph once on a zero batch
 * (the counts do not depend on `seq`: the paper config builds at 10,240 samples just as at 128).
 */
export function buildModel(
  config: ConfigName | Partial<ModelConfig> = 'ci-micro',
  options: {
    /** Seed of the weight initialisation (default 0). */
    seed?: number;
    /** Config fields that replace those of `config` (default none; e.g. `{ adapters: true }`). */
    overrides?: Partial<ModelConfig>;
  } = {},
): DeepMachiningModel {
  const cfg = modelConfig(config, options.overrides);
  const r = rng(options.seed ?? 0);
  const vars = new Map<string, tf.Variable>();
  const small = { ...cfg, seq: Math.min(cfg.seq, 64) };
  const s: Scope = {
    cfg,
    training: false,
    dropout: (x) => x,
    get(name, shape, init, fanIn = 1, fanOut = 1) {
      let v = vars.get(name);
      if (!v) {
        v = tf.variable(tf.tensor(initValue(r.fork(vars.size + 1), shape, init, fanIn, fanOut), shape), true, `${name}_${r.seed}_${uid++}`);
        vars.set(name, v);
      }
      return v;
    },
  };
  tf.tidy(() => {
    const inp = symbolicInputs(small);
    graph(s, inp);
  });
  return { config: cfg, vars };
}
let uid = 0;

/** Forward pass. training = true applies dropout (seeded). Returns [B, 1] in label units; the caller owns it. */
export function forward(
  m: DeepMachiningModel,
  inp: ModelInputs,
  options: {
    /** Apply dropout as in training (default false: inference, dropout off). */
    training?: boolean;
    /** Seed of the first dropout mask; each dropout layer uses the next integer (default 0; only used when training). */
    seed?: number;
  } = {},
): tf.Tensor2D {
  const cfg = m.config;
  const [B, cuts, seq, ch] = inp.time.shape;
  if (cuts !== cfg.cuts || ch !== SIGNAL_CHANNELS)
    throw new InvalidInput(`time input must be [B, ${cfg.cuts}, seq, ${SIGNAL_CHANNELS}], got [${inp.time.shape}]`);
  if (inp.freq.shape[0] !== B || inp.freq.shape[1] !== cuts || inp.freq.shape[2] !== seq / 2 + 1 || inp.freq.shape[3] !== 2) {
    throw new InvalidInput(`freq input must be [${B}, ${cuts}, ${seq / 2 + 1}, 2] for seq ${seq}, got [${inp.freq.shape}]`);
  }
  const training = options.training ?? false;
  let seed = options.seed ?? 0;
  const s: Scope = {
    cfg,
    training,
    dropout: (x, rate) => (training ? tf.dropout(x, rate, undefined, seed++) : x),
    get(name) {
      const v = m.vars.get(name);
      if (!v) throw new InvalidInput(`model has no variable ${name}; was it built with adapters = ${cfg.adapters}?`);
      return v;
    },
  };
  return graph(s, inp);
}

/** Copy every variable of `from` whose name exists in `to` (the code's checkpoint → adapter-model transfer). Returns the names copied. */
export function copyWeights(from: DeepMachiningModel, to: DeepMachiningModel): string[] {
  const copied: string[] = [];
  for (const [name, v] of from.vars) {
    const t = to.vars.get(name);
    if (!t) continue;
    if (t.shape.join() !== v.shape.join()) throw new InvalidInput(`${name}: shape [${v.shape}] does not fit [${t.shape}]`);
    t.assign(v);
    copied.push(name);
  }
  return copied;
}
