/**
 * The split module of SplitNets (arXiv 2204.04705, Sec. 3 and Fig. 3): at the split point the sensor *reduces* the
 * features (here a 1×1 conv from C to c′ channels followed by an optional b-bit uniform quantizer) and the aggregator
 * *recovers* them (a 1×1 conv from c′ back to C). The paper initializes the pair with a custom scheme that we could not
 * recover; we initialize it from a PCA of the features at that point (the optimal linear rank-c′ code), with the
 * components in order of variance, so that a narrower c′ is a prefix slice of a wider one (weight sharing in the supernet).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { symmetricEigen } from '../core/linalg';

// ---------------------------------------------------------------------------------------------------------------
// Uniform quantizer with a straight-through gradient

/**
 * b-bit uniform quantizer on [lo, hi]: q = lo + round((clip(x, lo, hi) − lo)/Δ)·Δ, Δ = (hi − lo)/(2^b − 1).
 * Gradient (straight-through estimator, clipped): dq/dx = 1 where lo ≤ x ≤ hi, 0 outside.
 * Returns a new tensor (caller owns it).
 */
export function quantize(x: tf.Tensor, bits: number, lo: number, hi: number): tf.Tensor {
  checkInt('quantize: bits', bits, 1, 16);
  check(
    Number.isFinite(lo) && Number.isFinite(hi) && hi > lo,
    () => `quantize: range must satisfy lo < hi (finite), got [${describe(lo)}, ${describe(hi)}]`,
  );
  const delta = (hi - lo) / (2 ** bits - 1);
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xin = args[0] as tf.Tensor,
      save = args[1] as tf.GradSaveFunc;
    save([xin]);
    const value = tf.tidy(() => tf.add(tf.mul(tf.round(tf.div(tf.sub(tf.clipByValue(xin, lo, hi), lo), delta)), delta), lo));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const s = saved[0]!;
        return tf.mul(dy, tf.cast(tf.logicalAnd(tf.greaterEqual(s, lo), tf.lessEqual(s, hi)), dy.dtype));
      },
    };
  }) as Parameters<typeof tf.customGrad<tf.Tensor>>[0]);
  return f(x);
}

// ---------------------------------------------------------------------------------------------------------------
// PCA initialization (float64 eigendecomposition of the channel covariance, kernel/core/linalg; C ≤ a few hundred)

/** Weights of one split module: reduce [C, c′] + bias, recover [c′, C] + bias, quantizer range. */
export interface SplitModuleWeights {
  readonly channels: number;
  readonly reduced: number;
  /** Row-major [C, c′]: z = (x − mean)·U. */
  readonly reduceKernel: Float32Array;
  readonly reduceBias: Float32Array;
  /** Row-major [c′, C]: x̂ = z·Uᵀ + mean. */
  readonly recoverKernel: Float32Array;
  readonly recoverBias: Float32Array;
  /** Quantizer range (min and max of the reduced calibration features). */
  readonly lo: number;
  readonly hi: number;
}

/**
 * PCA initialization of reduce/recover from calibration features `x` (N rows of C channels, e.g. every pixel of every
 * calibration image at the split point): U = top-c′ eigenvectors of the covariance. With features of rank ≤ c′ the
 * pair reproduces them exactly.
 */
export function pcaInit(x: Float32Array | Float64Array, channels: number, reduced: number): SplitModuleWeights {
  const C = checkInt('pcaInit: channels', channels);
  const k = checkInt('pcaInit: reduced', reduced);
  if (k > C) throw new InvalidInput(`pcaInit: reduced = ${k} exceeds channels = ${C}; expected c′ ≤ C`);
  check(x.length > 0 && x.length % C === 0, () => `pcaInit: features have ${x.length} values, not a positive multiple of channels = ${C}`);
  const N = x.length / C;
  const mean = new Float64Array(C);
  for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) mean[c]! += x[i * C + c]! / N;
  const cov = new Float64Array(C * C);
  for (let i = 0; i < N; i++)
    for (let a = 0; a < C; a++) {
      const da = x[i * C + a]! - mean[a]!;
      for (let b = a; b < C; b++) cov[a * C + b]! += da * (x[i * C + b]! - mean[b]!);
    }
  for (let a = 0; a < C; a++)
    for (let b = a; b < C; b++) {
      cov[a * C + b]! /= Math.max(1, N - 1);
      cov[b * C + a] = cov[a * C + b]!;
    }
  const { vectors } = symmetricEigen(cov, C);
  const reduceKernel = new Float32Array(C * k),
    recoverKernel = new Float32Array(k * C);
  const reduceBias = new Float32Array(k),
    recoverBias = Float32Array.from(mean);
  for (let c = 0; c < C; c++)
    for (let j = 0; j < k; j++) {
      const u = vectors[c * C + j]!;
      reduceKernel[c * k + j] = u;
      recoverKernel[j * C + c] = u;
      reduceBias[j]! -= mean[c]! * u;
    }
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < k; j++) {
      let z = reduceBias[j]!;
      for (let c = 0; c < C; c++) z += x[i * C + c]! * reduceKernel[c * k + j]!;
      lo = Math.min(lo, z);
      hi = Math.max(hi, z);
    }
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  return { channels: C, reduced: k, reduceKernel, reduceBias, recoverKernel, recoverBias, lo, hi };
}

/**
 * Sensor side: 1×1 conv C → c′ (the first c′ columns of a wider kernel may be passed: `kernel` is [C, K] with K ≥ c′),
 * then the b-bit quantizer when `bits` is given. x: [N, H, W, C]. Returns a new tensor.
 */
export function reduce(
  x: tf.Tensor4D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  opts: {
    reduced: number;
    /** Quantizer bits b (default none: the reduced features are sent unquantized). */
    bits?: number | null;
    /** Lower end of the quantizer range, in the units of the reduced features (no default: required when `bits` is set). */
    lo?: number;
    /** Upper end of the quantizer range, in the units of the reduced features (no default: required when `bits` is set). */
    hi?: number;
  },
): tf.Tensor4D {
  const C = x.shape[3];
  check(kernel.shape[0] >= C, () => `reduce: kernel has ${kernel.shape[0]} input rows; the features have ${C} channels`);
  check(
    opts.reduced >= 1 && opts.reduced <= kernel.shape[1] && opts.reduced <= C,
    () => `reduce: c′ = ${opts.reduced} must be in [1, min(${kernel.shape[1]}, ${C})]`,
  );
  return tf.tidy(() => {
    const w = kernel.slice([0, 0], [C, opts.reduced]).reshape([1, 1, C, opts.reduced]) as tf.Tensor4D;
    const z = tf.add(tf.conv2d(x, w, 1, 'valid'), bias.slice(0, opts.reduced)) as tf.Tensor4D;
    if (opts.bits == null) return z;
    check(opts.lo !== undefined && opts.hi !== undefined, 'reduce: a quantizer needs lo and hi');
    return quantize(z, opts.bits, opts.lo!, opts.hi!) as tf.Tensor4D;
  });
}

/** Aggregator side: 1×1 conv c′ → C (`kernel` is [K, Cmax]; the first c′ rows and C columns are used). Returns a new tensor. */
export function recover(z: tf.Tensor4D, kernel: tf.Tensor2D, bias: tf.Tensor1D, channels: number): tf.Tensor4D {
  const k = z.shape[3];
  check(
    kernel.shape[0] >= k && kernel.shape[1] >= channels,
    () => `recover: kernel [${kernel.shape}] cannot map ${k} → ${channels} channels`,
  );
  return tf.tidy(() => {
    const w = kernel.slice([0, 0], [k, channels]).reshape([1, 1, k, channels]) as tf.Tensor4D;
    return tf.add(tf.conv2d(z, w, 1, 'valid'), bias.slice(0, channels)) as tf.Tensor4D;
  });
}
