/**
 * A small CNN client model on full-resolution 28×28 images, trained with tfjs (wasm backend + the project's training
 * kernels from core/wasm-grads.ts). Parameters travel as one flat Float32Array, like the float64 Mlp in model.ts, so
 * the server averages vectors and never sees tfjs.
 *
 *   φ(x): conv3×3(c1) ReLU maxpool2 → conv3×3(c2) ReLU maxpool2 → flatten 7·7·c2 → linear d      (the extractor)
 *   head 'learned' (FedAvg/FedProx/FedNova): logits = φ(x)·W_h + b_h, trained and averaged
 *   head 'sphere'  (SphereFed, arXiv 2207.09413 §3): ĥ = φ(x)/‖φ(x)‖, logits = s·ĥᵀW, W fixed (head.ts), never trained or sent
 * Loss 'ce' (softmax cross-entropy) or 'mse' (½‖logits − onehot‖² summed over classes, mean over the batch).
 */
import * as tf from '@tensorflow/tfjs';
import { rng, type Rng } from '../core/rng';
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { fixedHead, fullHeadSpec, type HeadSpec } from './head';
import type { ClientData } from './model';

/** The CNN client model: image side, conv widths, and the shared feature/head options (HeadSpec). */
export interface CnnSpec extends HeadSpec {
  /** Image side (square, 1 channel). Default 28. */
  side?: number;
  /** Conv widths. Default [8, 16]. */
  channels?: [number, number];
}
export type FullCnnSpec = Required<CnnSpec>;

export function fullCnnSpec(s: CnnSpec): FullCnnSpec {
  check(s != null && typeof s === 'object', 'CNN spec object required');
  const side = checkInt('spec.side', s.side ?? 28, 4),
    channels = s.channels ?? [8, 16];
  const f: FullCnnSpec = { side, channels, ...fullHeadSpec(s) };
  check(f.side % 4 === 0, () => `spec.side must be a multiple of 4 (two 2×2 pools), got ${f.side}`);
  check(Array.isArray(f.channels) && f.channels.length === 2, () => `spec.channels must be [c1, c2], got ${describe(f.channels)}`);
  f.channels.forEach((c, i) => checkInt(`spec.channels[${i}]`, c, 1));
  return f;
}

interface Slot {
  name: string;
  shape: number[];
  off: number;
  size: number;
  /** He-normal std (conv / hidden), LeCun for the linear layers, 0 for biases. */
  std: number;
}

export interface CnnTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** FedProx proximal weight μ: adds μ/2‖w − anchor‖² (arXiv 1812.06127 §3, eq. 2). Default 0. */
  mu?: number;
  /** Parameters the proximal term pulls toward (the round's global model). Defaults to the starting parameters. */
  anchor?: Float32Array;
  rng: Rng;
  signal?: AbortSignal;
}

/** The CNN client model: flat float32 parameters in and out, tfjs variables inside (dispose() when done). */
export class Cnn {
  readonly spec: FullCnnSpec;
  readonly slots: Slot[];
  readonly nParams: number;
  readonly fixedW: Float64Array | null;
  private readonly vars: tf.Variable[];
  private readonly headT: tf.Tensor2D | null;

  constructor(spec: CnnSpec) {
    this.spec = fullCnnSpec(spec);
    const [c1, c2] = this.spec.channels,
      d = this.spec.features,
      C = this.spec.classes,
      q = this.spec.side / 4;
    const shapes: [string, number[], number][] = [
      ['conv1/w', [3, 3, 1, c1], Math.sqrt(2 / 9)],
      ['conv1/b', [c1], 0],
      ['conv2/w', [3, 3, c1, c2], Math.sqrt(2 / (9 * c1))],
      ['conv2/b', [c2], 0],
      ['feat/w', [q * q * c2, d], Math.sqrt(1 / (q * q * c2))],
      ['feat/b', [d], 0],
    ];
    if (this.spec.head === 'learned') shapes.push(['head/w', [d, C], Math.sqrt(1 / d)], ['head/b', [C], 0]);
    let off = 0;
    this.slots = shapes.map(([name, shape, std]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const s = { name, shape, off, size, std };
      off += size;
      return s;
    });
    this.nParams = off;
    this.fixedW = this.spec.head === 'sphere' ? fixedHead({ d, classes: C, seed: this.spec.headSeed, kind: this.spec.fixedHead }) : null;
    this.vars = this.slots.map((s) => tf.variable(tf.zeros(s.shape), true, undefined, 'float32'));
    this.headT = this.fixedW ? tf.keep(tf.tensor2d(Float32Array.from(this.fixedW), [d, C])) : null;
  }

  /** Seeded initial parameters (He-normal convs, LeCun-normal linear layers, zero biases). */
  init(seed: number): Float32Array {
    const r = rng(seed),
      p = new Float32Array(this.nParams);
    for (const s of this.slots) if (s.std > 0) for (let i = 0; i < s.size; i++) p[s.off + i] = r.normal(0, s.std);
    return p;
  }

  /** Free the tfjs variables (a Cnn is reusable across clients and rounds; dispose once at the end). */
  dispose(): void {
    this.vars.forEach((v) => v.dispose());
    this.headT?.dispose();
  }

  private load(p: Float32Array): void {
    if (p.length !== this.nParams) throw new InvalidInput(`Cnn: parameter vector has length ${p.length}; expected ${this.nParams}`);
    tf.tidy(() => this.slots.forEach((s, i) => this.vars[i]!.assign(tf.tensor(p.subarray(s.off, s.off + s.size), s.shape))));
  }

  private read(): Float32Array {
    const out = new Float32Array(this.nParams);
    this.slots.forEach((s, i) => out.set(this.vars[i]!.dataSync() as Float32Array, s.off));
    return out;
  }

  /** φ(x) for a [B, side, side, 1] batch (features before normalization). */
  private extract(x: tf.Tensor4D): tf.Tensor2D {
    const v = this.vars;
    let h = tf.relu(tf.conv2d(x, v[0] as tf.Tensor4D, 1, 'same').add(v[1]!)) as tf.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.relu(tf.conv2d(h, v[2] as tf.Tensor4D, 1, 'same').add(v[3]!)) as tf.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    return tf.matMul(tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D, v[4] as tf.Tensor2D).add(v[5]!) as tf.Tensor2D;
  }

  private logitsOf(f: tf.Tensor2D): tf.Tensor2D {
    if (this.headT) {
      const hat = tf.div(f, tf.add(tf.norm(f, 'euclidean', 1, true), 1e-12));
      return tf.mul(tf.matMul(hat as tf.Tensor2D, this.headT), this.spec.scale) as tf.Tensor2D;
    }
    return tf.matMul(f, this.vars[6] as tf.Tensor2D).add(this.vars[7]!) as tf.Tensor2D;
  }

  private lossOf(logits: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    if (this.spec.loss === 'ce') return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    return tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(logits, y)), 1))) as tf.Scalar;
  }

  private batchX(data: ClientData, idx: ArrayLike<number>): tf.Tensor4D {
    const S = this.spec.side,
      px = S * S,
      B = idx.length,
      buf = new Float32Array(B * px);
    for (let b = 0; b < B; b++) buf.set(data.x.subarray(idx[b]! * px, (idx[b]! + 1) * px), b * px);
    return tf.tensor4d(buf, [B, S, S, 1]);
  }

  private batchY(data: ClientData, idx: ArrayLike<number>): tf.Tensor2D {
    const C = this.spec.classes,
      B = idx.length,
      buf = new Float32Array(B * C);
    for (let b = 0; b < B; b++) buf[b * C + data.y[idx[b]!]!] = 1;
    return tf.tensor2d(buf, [B, C]);
  }

  /**
   * Plain SGD (optionally FedProx's proximal term) on one client's data, starting from `params`. Returns the new
   * parameters, the mean training loss and the number of local steps τ (FedNova normalizes by it).
   */
  trainLocal(params: Float32Array, data: ClientData, o: CnnTrainOptions): { params: Float32Array; loss: number; steps: number } {
    if (data.n < 1) throw new InvalidInput('Cnn.trainLocal: client holds no samples');
    check(
      data.x.length === data.n * this.spec.side ** 2,
      () => `Cnn.trainLocal: x has ${data.x.length} values; expected n·${this.spec.side}² = ${data.n * this.spec.side ** 2}`,
    );
    const mu = o.mu ?? 0;
    check(Number.isFinite(mu) && mu >= 0, () => `Cnn.trainLocal: mu must be ≥ 0, got ${describe(mu)}`);
    this.load(params);
    const anchor = mu > 0 ? this.slots.map((s) => tf.tensor((o.anchor ?? params).subarray(s.off, s.off + s.size), s.shape)) : null;
    const bs = Math.min(o.batchSize, data.n);
    let lossSum = 0,
      steps = 0;
    try {
      for (let e = 0; e < o.epochs; e++) {
        const order = o.rng.permutation(data.n);
        for (let s0 = 0; s0 < data.n; s0 += bs) {
          if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
          const idx = order.subarray(s0, Math.min(data.n, s0 + bs));
          const l = tf.tidy(() => {
            const x = this.batchX(data, idx),
              y = this.batchY(data, idx);
            const { value, grads } = tf.variableGrads(() => this.lossOf(this.logitsOf(this.extract(x)), y), this.vars);
            this.vars.forEach((v, i) => {
              let g = grads[v.name]!;
              if (anchor) g = tf.add(g, tf.mul(mu, tf.sub(v, anchor[i]!)));
              v.assign(tf.sub(v, tf.mul(o.lr, g)));
            });
            return value.dataSync()[0]!;
          });
          lossSum += l;
          steps++;
        }
      }
    } finally {
      anchor?.forEach((t) => t.dispose());
    }
    return { params: this.read(), loss: lossSum / Math.max(1, steps), steps };
  }

  /** Features for calibration, n×d float64: φ(x) (learned head) or ĥ = φ(x)/‖φ(x)‖ (sphere head). */
  features(params: Float32Array, data: ClientData, chunk = 500): Float64Array {
    this.load(params);
    const d = this.spec.features,
      out = new Float64Array(data.n * d);
    for (let s0 = 0; s0 < data.n; s0 += chunk) {
      const idx = Int32Array.from({ length: Math.min(chunk, data.n - s0) }, (_, i) => s0 + i);
      const f = tf.tidy(() => {
        const h = this.extract(this.batchX(data, idx));
        return (this.headT ? tf.div(h, tf.add(tf.norm(h, 'euclidean', 1, true), 1e-12)) : h).dataSync() as Float32Array;
      });
      out.set(f, s0 * d);
    }
    return out;
  }

  /** Accuracy of the model's own head (learned, or s·ĥᵀW with W fixed). */
  accuracy(params: Float32Array, data: ClientData, chunk = 500): number {
    this.load(params);
    let correct = 0;
    for (let s0 = 0; s0 < data.n; s0 += chunk) {
      const idx = Int32Array.from({ length: Math.min(chunk, data.n - s0) }, (_, i) => s0 + i);
      const pred = tf.tidy(() => tf.argMax(this.logitsOf(this.extract(this.batchX(data, idx))), 1).dataSync() as Int32Array);
      for (let i = 0; i < pred.length; i++) if (pred[i] === data.y[s0 + i]) correct++;
    }
    return correct / Math.max(1, data.n);
  }
}
