/**
 * The client model, in plain TypeScript float64 (no tfjs): an MLP feature extractor φ (ReLU hidden layers, a linear
 * feature layer of width d) and a head. Plain JS keeps a worker thread free of tfjs start-up, makes every client's
 * arithmetic identical bit for bit, and makes the FedSGD identity exact.
 *
 *   head 'learned' (FedAvg/FedProx): logits = φ(x)·W_h + b_h, trained and averaged.
 *   head 'sphere'  (SphereFed):      ĥ = φ(x)/‖φ(x)‖,  logits = s·ĥᵀW  with W fixed (head.ts), never trained or sent.
 * Loss 'ce' (softmax cross-entropy, default: the common choice for scaled-cosine logits) or 'mse' (½‖logits − onehot‖²).
 * Parameters are one flat Float64Array: per layer W (fanIn×fanOut, row-major) then b; the learned head last.
 */
import { rng, type Rng } from '../core/rng';
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { fixedHead, fullHeadSpec, type HeadSpec } from './head';

/** The MLP client model: input and hidden widths, and the shared feature/head options (HeadSpec). */
export interface ModelSpec extends HeadSpec {
  /** Input width (e.g. 196 for 14×14 pooled Fashion-MNIST). */
  input: number;
  /** Hidden ReLU widths. Default [64]. */
  hidden?: number[];
}

export interface ClientData {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export type FullSpec = Required<ModelSpec>;

export function fullSpec(s: ModelSpec): FullSpec {
  check(s != null && typeof s === 'object', 'model spec object required');
  const input = checkInt('spec.input', s.input, 1),
    hidden = s.hidden ?? [64];
  const f: FullSpec = { input, hidden, ...fullHeadSpec(s) };
  check(Array.isArray(f.hidden), () => `spec.hidden must be an array of widths, got ${describe(f.hidden)}`);
  f.hidden.forEach((h, i) => checkInt(`spec.hidden[${i}]`, h, 1));
  return f;
}

interface Layer {
  fanIn: number;
  fanOut: number;
  w: number;
  b: number;
}

/**
 * The client model: an MLP feature extractor φ (ReLU hidden layers, linear feature layer of width d) and a head, either
 * learned (FedAvg/FedProx) or SphereFed's fixed hypersphere classifier (arXiv 2207.09413 §3: logits s·ĥᵀW, ĥ = φ(x)/‖φ(x)‖).
 * Plain float64 TypeScript; parameters are one flat Float64Array (`nParams` values). Defaults are those of ModelSpec.
 */
export class Mlp {
  readonly spec: FullSpec;
  readonly layers: Layer[];
  /** Learned head layer (head 'learned') or null. */
  readonly headLayer: Layer | null;
  /** Fixed classifier d×C (head 'sphere') or null. */
  readonly fixedW: Float64Array | null;
  readonly nParams: number;
  constructor(spec: ModelSpec) {
    this.spec = fullSpec(spec);
    const widths = [this.spec.input, ...this.spec.hidden, this.spec.features];
    let off = 0;
    const mk = (fanIn: number, fanOut: number): Layer => {
      const l = { fanIn, fanOut, w: off, b: off + fanIn * fanOut };
      off += fanIn * fanOut + fanOut;
      return l;
    };
    this.layers = widths.slice(1).map((w, i) => mk(widths[i]!, w));
    this.headLayer = this.spec.head === 'learned' ? mk(this.spec.features, this.spec.classes) : null;
    this.nParams = off;
    this.fixedW =
      this.spec.head === 'sphere'
        ? fixedHead({ d: this.spec.features, classes: this.spec.classes, seed: this.spec.headSeed, kind: this.spec.fixedHead })
        : null;
  }

  /** He-normal hidden layers, LeCun-normal feature/head layers, zero biases; from `seed`. */
  init(seed: number): Float64Array {
    const r = rng(seed),
      p = new Float64Array(this.nParams);
    const all = this.headLayer ? [...this.layers, this.headLayer] : this.layers;
    all.forEach((l, i) => {
      const std = Math.sqrt((i < this.layers.length - 1 ? 2 : 1) / l.fanIn);
      for (let j = 0; j < l.fanIn * l.fanOut; j++) p[l.w + j] = r.normal(0, std);
    });
    return p;
  }

  /**
   * Forward (and optionally backward) on rows `idx` of `data`. Returns the mean loss and the number correct; when
   * `grad` is given, adds the gradient of the mean loss over these rows to it.
   */
  batch(params: Float64Array, data: ClientData, idx: ArrayLike<number>, grad?: Float64Array): { loss: number; correct: number } {
    const B = idx.length,
      s = this.spec,
      C = s.classes,
      d = s.features;
    const acts: Float64Array[] = [new Float64Array(B * s.input)];
    for (let b = 0; b < B; b++) {
      const src = idx[b]! * s.input;
      for (let i = 0; i < s.input; i++) acts[0]![b * s.input + i] = data.x[src + i]!;
    }
    this.layers.forEach((l, li) => {
      const a = acts[li]!,
        z = new Float64Array(B * l.fanOut),
        relu = li < this.layers.length - 1;
      for (let b = 0; b < B; b++) {
        const zo = b * l.fanOut,
          ao = b * l.fanIn;
        for (let j = 0; j < l.fanOut; j++) z[zo + j] = params[l.b + j]!;
        for (let k = 0; k < l.fanIn; k++) {
          const av = a[ao + k]!;
          if (av === 0) continue;
          const wo = l.w + k * l.fanOut;
          for (let j = 0; j < l.fanOut; j++) z[zo + j]! += av * params[wo + j]!;
        }
        if (relu) for (let j = 0; j < l.fanOut; j++) if (z[zo + j]! < 0) z[zo + j] = 0;
      }
      acts.push(z);
    });
    const f = acts[acts.length - 1]!;
    const logits = new Float64Array(B * C);
    let hat: Float64Array | null = null,
      norms: Float64Array | null = null;
    if (this.headLayer) {
      const h = this.headLayer;
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++) {
          let v = params[h.b + c]!;
          for (let k = 0; k < d; k++) v += f[b * d + k]! * params[h.w + k * C + c]!;
          logits[b * C + c] = v;
        }
    } else {
      const W = this.fixedW!;
      hat = new Float64Array(B * d);
      norms = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        let nn = 0;
        for (let k = 0; k < d; k++) nn += f[b * d + k]! ** 2;
        const nr = Math.sqrt(nn) + 1e-12;
        norms[b] = nr;
        for (let k = 0; k < d; k++) hat[b * d + k] = f[b * d + k]! / nr;
        for (let c = 0; c < C; c++) {
          let v = 0;
          for (let k = 0; k < d; k++) v += hat[b * d + k]! * W[k * C + c]!;
          logits[b * C + c] = s.scale * v;
        }
      }
    }
    // loss, accuracy, dL/dlogits (mean over the batch)
    let loss = 0,
      correct = 0;
    const g = new Float64Array(B * C);
    for (let b = 0; b < B; b++) {
      const y = data.y[idx[b]!]!,
        o = b * C;
      let mx = -Infinity,
        am = 0;
      for (let c = 0; c < C; c++)
        if (logits[o + c]! > mx) {
          mx = logits[o + c]!;
          am = c;
        }
      if (am === y) correct++;
      if (s.loss === 'ce') {
        let se = 0;
        for (let c = 0; c < C; c++) {
          g[o + c] = Math.exp(logits[o + c]! - mx);
          se += g[o + c]!;
        }
        loss += Math.log(se) + mx - logits[o + y]!;
        for (let c = 0; c < C; c++) g[o + c] = (g[o + c]! / se - (c === y ? 1 : 0)) / B;
      } else {
        for (let c = 0; c < C; c++) {
          const e = logits[o + c]! - (c === y ? 1 : 0);
          loss += 0.5 * e * e;
          g[o + c] = e / B;
        }
      }
    }
    if (!grad) return { loss: loss / B, correct };
    // backward
    let gf = new Float64Array(B * d);
    if (this.headLayer) {
      const h = this.headLayer;
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++) {
          const gv = g[b * C + c]!;
          if (gv === 0) continue;
          grad[h.b + c]! += gv;
          for (let k = 0; k < d; k++) {
            grad[h.w + k * C + c]! += f[b * d + k]! * gv;
            gf[b * d + k]! += params[h.w + k * C + c]! * gv;
          }
        }
    } else {
      const W = this.fixedW!;
      for (let b = 0; b < B; b++) {
        const gh = new Float64Array(d);
        let dot = 0;
        for (let k = 0; k < d; k++) {
          let v = 0;
          for (let c = 0; c < C; c++) v += g[b * C + c]! * W[k * C + c]!;
          gh[k] = s.scale * v;
          dot += gh[k]! * hat![b * d + k]!;
        }
        for (let k = 0; k < d; k++) gf[b * d + k] = (gh[k]! - hat![b * d + k]! * dot) / norms![b]!;
      }
    }
    for (let li = this.layers.length - 1; li >= 0; li--) {
      const l = this.layers[li]!,
        a = acts[li]!,
        ga = li > 0 ? new Float64Array(B * l.fanIn) : null;
      for (let b = 0; b < B; b++) {
        const go = b * l.fanOut,
          ao = b * l.fanIn;
        for (let j = 0; j < l.fanOut; j++) grad[l.b + j]! += gf[go + j]!;
        for (let k = 0; k < l.fanIn; k++) {
          const av = a[ao + k]!,
            wo = l.w + k * l.fanOut;
          if (ga) {
            let v = 0;
            for (let j = 0; j < l.fanOut; j++) v += params[wo + j]! * gf[go + j]!;
            ga[ao + k] = av > 0 ? v : 0;
          }
          if (av === 0) continue;
          for (let j = 0; j < l.fanOut; j++) grad[wo + j]! += av * gf[go + j]!;
        }
      }
      if (ga) gf = ga;
    }
    return { loss: loss / B, correct };
  }

  /** Features for calibration: φ(x) (head 'learned') or ĥ = φ(x)/‖φ(x)‖ (head 'sphere'), n×d float64. */
  features(params: Float64Array, data: ClientData, chunk = 256): Float64Array {
    const d = this.spec.features,
      out = new Float64Array(data.n * d);
    for (let s0 = 0; s0 < data.n; s0 += chunk) {
      const B = Math.min(chunk, data.n - s0);
      let a = new Float64Array(B * this.spec.input);
      for (let b = 0; b < B; b++)
        for (let i = 0; i < this.spec.input; i++) a[b * this.spec.input + i] = data.x[(s0 + b) * this.spec.input + i]!;
      this.layers.forEach((l, li) => {
        const z = new Float64Array(B * l.fanOut),
          relu = li < this.layers.length - 1;
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < l.fanOut; j++) z[b * l.fanOut + j] = params[l.b + j]!;
          for (let k = 0; k < l.fanIn; k++) {
            const av = a[b * l.fanIn + k]!;
            if (av === 0) continue;
            for (let j = 0; j < l.fanOut; j++) z[b * l.fanOut + j]! += av * params[l.w + k * l.fanOut + j]!;
          }
          if (relu) for (let j = 0; j < l.fanOut; j++) if (z[b * l.fanOut + j]! < 0) z[b * l.fanOut + j] = 0;
        }
        a = z;
      });
      if (this.spec.head === 'sphere') {
        for (let b = 0; b < B; b++) {
          let nn = 0;
          for (let k = 0; k < d; k++) nn += a[b * d + k]! ** 2;
          const nr = Math.sqrt(nn) + 1e-12;
          for (let k = 0; k < d; k++) a[b * d + k]! /= nr;
        }
      }
      out.set(a, s0 * d);
    }
    return out;
  }

  /** Accuracy of the model's own head (learned, or s·ĥᵀW fixed). */
  accuracy(params: Float64Array, data: ClientData, chunk = 512): number {
    let correct = 0;
    for (let s0 = 0; s0 < data.n; s0 += chunk) {
      const idx = Int32Array.from({ length: Math.min(chunk, data.n - s0) }, (_, i) => s0 + i);
      correct += this.batch(params, data, idx).correct;
    }
    return correct / Math.max(1, data.n);
  }
}

/** argmax(features · W) accuracy for a d×C head W (e.g. the calibrated W*); `bias` when W has a last row for a constant 1. */
export function headAccuracy(feats: Float64Array, y: Int32Array, W: Float64Array, d: number, C: number, bias = false): number {
  const n = y.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = -Infinity,
      am = 0;
    for (let c = 0; c < C; c++) {
      let v = bias ? W[d * C + c]! : 0;
      for (let k = 0; k < d; k++) v += feats[i * d + k]! * W[k * C + c]!;
      if (v > best) {
        best = v;
        am = c;
      }
    }
    if (am === y[i]) correct++;
  }
  return correct / Math.max(1, n);
}

export interface LocalTrainOptions {
  epochs: number;
  /** Mini-batch size; ≥ n gives one full-batch step per epoch. */
  batchSize: number;
  lr: number;
  /** FedProx proximal weight μ (adds μ/2‖w − anchor‖² to the local loss). Default 0. */
  mu?: number;
  /** Global parameters the proximal term pulls toward (required when mu > 0). */
  anchor?: Float64Array;
  /** Batch order. */
  rng: Rng;
}

/** Plain SGD on one client's data, in place on a copy of `params`; returns the new parameters and the mean loss. */
export function trainLocal(
  net: Mlp,
  params: Float64Array,
  data: ClientData,
  o: LocalTrainOptions,
): { params: Float64Array; loss: number; steps: number } {
  if (data.n < 1) throw new InvalidInput('trainLocal: client holds no samples');
  const w = Float64Array.from(params),
    grad = new Float64Array(w.length),
    mu = o.mu ?? 0;
  if (mu > 0 && (!o.anchor || o.anchor.length !== w.length))
    throw new InvalidInput('trainLocal: FedProx (mu > 0) needs anchor parameters of the same length');
  const bs = Math.min(o.batchSize, data.n);
  let lossSum = 0,
    steps = 0;
  for (let e = 0; e < o.epochs; e++) {
    const order = bs >= data.n ? Int32Array.from({ length: data.n }, (_, i) => i) : o.rng.permutation(data.n);
    for (let s0 = 0; s0 < data.n; s0 += bs) {
      const idx = order.subarray(s0, Math.min(data.n, s0 + bs));
      grad.fill(0);
      lossSum += net.batch(w, data, idx, grad).loss;
      steps++;
      if (mu > 0) for (let i = 0; i < w.length; i++) grad[i]! += mu * (w[i]! - o.anchor![i]!);
      for (let i = 0; i < w.length; i++) w[i]! -= o.lr * grad[i]!;
    }
  }
  return { params: w, loss: lossSum / Math.max(1, steps), steps };
}
