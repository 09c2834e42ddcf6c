/**
 * The SplitNets supernet with weight slicing (arXiv 2204.04705, Sec. 3–4 and Fig. 3: phases, each with a split-module
 * slot, flexible blocks before a stride-2 block and flexible blocks after it; searchable width, kernel, depth and input
 * resolution; trained once, then every sub-network and split is scored without retraining).
 *
 * Weight sharing: every conv owns one kernel of the largest shape [5, 5, 16, 16]; a sub-network uses the first `cin`
 * input and first `width` output channels, and a 3×3 kernel is the centre of the 5×5 one (OFA-style slicing). Each
 * phase boundary owns one split module (reduce [16, 8], recover [8, 16]); a narrower c′ uses the first c′ columns —
 * PCA initialization orders them by variance, so prefixes are the best narrower codes.
 *
 * Training follows the sandwich rule with in-place distillation (the recalled training of SplitNets, as in its authors'
 * AttentiveNAS/AlphaNet line): each step trains the largest network on the labels and the smallest plus `randomPerStep`
 * random sub-networks on the largest one's softened predictions. No batch normalization (biases only), so that every
 * sub-network is evaluated with the same statistics.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, NotFound, check, checkInt, describe, throwIfAborted } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import { progress as makeProgress } from '../core/progress';
import { checkConfig, type FusionKind } from './cost';
import { quantize, pcaInit } from './splitmodule';
import { FULL_SPACE, type SearchSpace } from './search';
import type { PhaseConfig, SplitConfig } from './types';

export interface SupernetSpec {
  /** Phases (each: flexible blocks, a stride-2 block, a split-module slot at its boundary). Default 3. */
  readonly phases: number;
  /** Input image channels. Default 1. */
  readonly inChannels: number;
  /** Output classes. Default 10. */
  readonly classes: number;
  /** Largest width, kernel, pre/post depth and reduced width the weights are allocated for. Width: default 16 channels. */
  readonly maxWidth: number;
  /** Largest conv kernel side (px). Default 5 (a 3×3 kernel is its centre). */
  readonly maxKernel: number;
  /** Largest number of flexible blocks before a phase's stride-2 block. Default 1. */
  readonly maxPre: number;
  /** Largest number of flexible blocks after it. Default 1. */
  readonly maxPost: number;
  /** Largest reduced width c′ of a split module (channels sent over the link). Default 8. */
  readonly maxReduce: number;
}

export const DEFAULT_SPEC: SupernetSpec = {
  phases: 3,
  inChannels: 1,
  classes: 10,
  maxWidth: 16,
  maxKernel: 5,
  maxPre: 1,
  maxPost: 1,
  maxReduce: 8,
};

/** The split module of one boundary: trainable 1×1 kernels plus the quantizer range (fixed after calibration). */
export interface SplitSlot {
  reduceKernel: tf.Variable;
  reduceBias: tf.Variable;
  recoverKernel: tf.Variable;
  recoverBias: tf.Variable;
  lo: number;
  hi: number;
}

/**
 * The weight-sliced SplitNets supernet (arXiv 2204.04705, Sec. 3–4): one set of weights from which every sub-network and
 * split of the search space is run by slicing (see the module comment). `new Supernet(spec, seed)`: spec fields default
 * to DEFAULT_SPEC; kernels are He-initialised from `seed` (default 0), biases zero. Owns tf variables: free them with `dispose()`.
 */
export class Supernet {
  readonly spec: SupernetSpec;
  /** conv weights by name (`p1.pre0`, `p1.down`, `p1.post0`, …): kernel [K, K, Cmax, Cmax] and bias [Cmax]. */
  readonly convs = new Map<string, { kernel: tf.Variable; bias: tf.Variable }>();
  readonly head: { kernel: tf.Variable; bias: tf.Variable };
  /** Split modules at boundaries 1..P-1 (index s - 1). */
  readonly slots: SplitSlot[] = [];
  /** Learned concat-fusion kernels by number of views: [V·Cmax, Cmax] sliced to [V·C, C]. */
  readonly fusion = new Map<number, { kernel: tf.Variable; bias: tf.Variable }>();
  private readonly r: Rng;

  constructor(spec: Partial<SupernetSpec> = {}, seed = 0) {
    this.spec = { ...DEFAULT_SPEC, ...spec };
    const s = this.spec;
    this.r = rng(seed);
    const C = Math.max(s.maxWidth, s.inChannels),
      K = s.maxKernel;
    const zeros = (shape: number[]) => tf.tidy(() => tf.variable(tf.zeros(shape)));
    // tidy: the initial-value tensor is copied into the variable and freed (variables survive a tidy)
    const he = (fanIn: number, shape: number[]) =>
      tf.tidy(() =>
        tf.variable(
          tf.tensor(
            this.r.normals(
              shape.reduce((a, b) => a * b, 1),
              0,
              Math.sqrt(2 / fanIn),
            ),
            shape,
          ),
        ),
      );
    for (let p = 1; p <= s.phases; p++) {
      const names = [
        ...Array.from({ length: s.maxPre }, (_, i) => `p${p}.pre${i}`),
        `p${p}.down`,
        ...Array.from({ length: s.maxPost }, (_, i) => `p${p}.post${i}`),
      ];
      for (const n of names) this.convs.set(n, { kernel: he(K * K * C, [K, K, C, C]), bias: zeros([C]) });
    }
    this.head = { kernel: he(s.maxWidth, [C, s.classes]), bias: zeros([s.classes]) };
    for (let b = 1; b < s.phases; b++) {
      this.slots.push({
        reduceKernel: he(C, [C, s.maxReduce]),
        reduceBias: zeros([s.maxReduce]),
        recoverKernel: he(s.maxReduce, [s.maxReduce, C]),
        recoverBias: zeros([C]),
        lo: -4,
        hi: 4,
      });
    }
  }

  /** Every trainable variable (for optimizers and disposal). */
  variables(opts: { splitModules?: boolean; backbone?: boolean } = {}): tf.Variable[] {
    const out: tf.Variable[] = [];
    if (opts.backbone ?? true) {
      for (const c of this.convs.values()) out.push(c.kernel, c.bias);
      out.push(this.head.kernel, this.head.bias);
    }
    if (opts.splitModules ?? true) {
      for (const s of this.slots) out.push(s.reduceKernel, s.reduceBias, s.recoverKernel, s.recoverBias);
      for (const f of this.fusion.values()) out.push(f.kernel, f.bias);
    }
    return out;
  }

  dispose(): void {
    tf.dispose(this.variables());
  }

  /** Weight count of the supernet (all variables). */
  get paramCount(): number {
    return this.variables().reduce((a, v) => a + v.size, 0);
  }

  checkConfig(cfg: SplitConfig): void {
    checkConfig(cfg);
    const s = this.spec;
    check(cfg.phases.length === s.phases, () => `config has ${cfg.phases.length} phases; this supernet has ${s.phases}`);
    cfg.phases.forEach((ph, i) => {
      check(
        ph.width <= s.maxWidth && ph.kernel <= s.maxKernel && ph.kernel % 2 === 1 && ph.nPre <= s.maxPre && ph.nPost <= s.maxPost,
        () =>
          `config.phases[${i}] = ${JSON.stringify(ph)} is outside the supernet (width ≤ ${s.maxWidth}, odd kernel ≤ ${s.maxKernel}, nPre ≤ ${s.maxPre}, nPost ≤ ${s.maxPost})`,
      );
    });
    if (cfg.reduce !== null) check(cfg.reduce <= s.maxReduce, () => `config.reduce = ${cfg.reduce} exceeds the supernet's ${s.maxReduce}`);
  }

  private conv(x: tf.Tensor4D, name: string, ph: PhaseConfig, stride: number): tf.Tensor4D {
    const w = this.convs.get(name)!;
    const K = this.spec.maxKernel,
      off = (K - ph.kernel) >> 1,
      cin = x.shape[3];
    const k = w.kernel.slice([off, off, 0, 0], [ph.kernel, ph.kernel, cin, ph.width]) as tf.Tensor4D;
    // fan-in correction: weights are drawn for the largest fan-in K²·Cmax; a slice with fan-in k²·cin is rescaled so
    // that every sub-network starts He-initialized (no batch normalization to do it)
    const gain = Math.sqrt((K * K * w.kernel.shape[2]!) / (ph.kernel * ph.kernel * cin));
    return tf.relu(tf.add(tf.mul(tf.conv2d(x, k, stride, 'same'), gain), w.bias.slice(0, ph.width))) as tf.Tensor4D;
  }

  /** Phases `from`..`to` (1-based, inclusive) of a configuration. */
  runPhases(x: tf.Tensor4D, cfg: SplitConfig, from: number, to: number): tf.Tensor4D {
    let h = x;
    for (let p = from; p <= to; p++) {
      const ph = cfg.phases[p - 1]!;
      for (let i = 0; i < ph.nPre; i++) h = this.conv(h, `p${p}.pre${i}`, ph, 1);
      h = this.conv(h, `p${p}.down`, ph, 2);
      for (let i = 0; i < ph.nPost; i++) h = this.conv(h, `p${p}.post${i}`, ph, 1);
    }
    return h;
  }

  headLogits(h: tf.Tensor4D): tf.Tensor2D {
    const c = h.shape[3];
    return tf.add(
      tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, this.head.kernel.slice([0, 0], [c, this.spec.classes]) as tf.Tensor2D),
      this.head.bias,
    ) as tf.Tensor2D;
  }

  /** Resize [N, H, W, C] images to the configuration's resolution (bilinear; no-op when equal). */
  resize(x: tf.Tensor4D, resolution: number): tf.Tensor4D {
    return x.shape[1] === resolution && x.shape[2] === resolution ? x : tf.image.resizeBilinear(x, [resolution, resolution], true);
  }

  /** Sensor side of the split module at boundary s: reduce (and quantize when cfg.bits is set). */
  reduceAt(h: tf.Tensor4D, cfg: SplitConfig): tf.Tensor4D {
    const slot = this.slots[cfg.split - 1]!,
      C = h.shape[3],
      k = cfg.reduce!;
    const z = tf.add(
      tf.conv2d(h, slot.reduceKernel.slice([0, 0], [C, k]).reshape([1, 1, C, k]) as tf.Tensor4D, 1, 'valid'),
      slot.reduceBias.slice(0, k),
    ) as tf.Tensor4D;
    return cfg.bits === null ? z : (quantize(z, cfg.bits, slot.lo, slot.hi) as tf.Tensor4D);
  }

  recoverAt(z: tf.Tensor4D, cfg: SplitConfig): tf.Tensor4D {
    const slot = this.slots[cfg.split - 1]!,
      k = z.shape[3],
      C = cfg.phases[cfg.split - 1]!.width;
    return tf.add(
      tf.conv2d(z, slot.recoverKernel.slice([0, 0], [k, C]).reshape([1, 1, k, C]) as tf.Tensor4D, 1, 'valid'),
      slot.recoverBias.slice(0, C),
    ) as tf.Tensor4D;
  }

  /**
   * Logits of a (split) sub-network on one view. x: [N, H, W, inChannels] in [0, 1]. With 0 < split < P and a reduce
   * width, the features cross the split module (reduce → quantize → recover); otherwise the network runs unsplit
   * (where the split sits does not change a single view's function). Returns a new tensor (caller owns it).
   */
  forward(x: tf.Tensor4D, cfg: SplitConfig): tf.Tensor2D {
    return tf.tidy(() => {
      const P = this.spec.phases;
      const xi = this.resize(x, cfg.resolution);
      if (cfg.split > 0 && cfg.split < P && cfg.reduce !== null) {
        const h = this.runPhases(xi, cfg, 1, cfg.split);
        const y = this.recoverAt(this.reduceAt(h, cfg), cfg);
        return this.headLogits(this.runPhases(y, cfg, cfg.split + 1, P));
      }
      return this.headLogits(this.runPhases(xi, cfg, 1, P));
    });
  }

  /** The concat-fusion kernel for V views (created on first use, initialized to the mean: stacked identities / V). */
  fusionParams(V: number): { kernel: tf.Variable; bias: tf.Variable } {
    let f = this.fusion.get(V);
    if (!f) {
      const C = this.spec.maxWidth;
      f = tf.tidy(() => ({
        kernel: tf.variable(
          tf
            .concat(
              Array.from({ length: V }, () => tf.eye(C)),
              0,
            )
            .div(V),
        ),
        bias: tf.variable(tf.zeros([C])),
      }));
      this.fusion.set(V, f);
    }
    return f;
  }

  /**
   * Multi-view logits: views [V][N, H, W, C] share the sensor network; fusion happens after recover at the split
   * (split 0: after the whole trunk; split P: the views' logits are averaged, i.e. late fusion). Returns a new tensor.
   */
  forwardViews(views: readonly tf.Tensor4D[], cfg: SplitConfig, fusion: FusionKind): tf.Tensor2D {
    check(views.length >= 1, 'forwardViews: needs at least one view');
    return tf.tidy(() => {
      const P = this.spec.phases,
        V = views.length;
      if (cfg.split === P) return tf.mean(tf.stack(views.map((v) => this.forward(v, cfg))), 0) as tf.Tensor2D;
      const at = cfg.split === 0 ? P : cfg.split;
      const feats = views.map((v) => {
        const h = this.runPhases(this.resize(v, cfg.resolution), cfg, 1, at);
        return cfg.split > 0 && cfg.reduce !== null ? this.recoverAt(this.reduceAt(h, cfg), cfg) : h;
      });
      let fused: tf.Tensor4D;
      if (fusion === 'concat') {
        const C = feats[0]!.shape[3],
          f = this.fusionParams(V),
          Cm = this.spec.maxWidth;
        // rows of view v's block: v·Cmax .. v·Cmax + C
        const k = tf
          .concat(
            Array.from({ length: V }, (_, v) => f.kernel.slice([v * Cm, 0], [C, C])),
            0,
          )
          .reshape([1, 1, V * C, C]) as tf.Tensor4D;
        fused = tf.add(tf.conv2d(tf.concat(feats, 3), k, 1, 'valid'), f.bias.slice(0, C)) as tf.Tensor4D;
      } else {
        fused = (fusion === 'max' ? tf.max(tf.stack(feats), 0) : tf.mean(tf.stack(feats), 0)) as tf.Tensor4D;
      }
      return this.headLogits(this.runPhases(fused, cfg, at + 1, P));
    });
  }

  /** Features at the end of phase `s` of a configuration (for PCA calibration). Returns a new tensor. */
  featuresAt(x: tf.Tensor4D, cfg: SplitConfig, s: number): tf.Tensor4D {
    return tf.tidy(() => this.runPhases(this.resize(x, cfg.resolution), cfg, 1, s));
  }
}

/** The largest and smallest configurations of a space (unsplit). */
export function extremes(space: SearchSpace = FULL_SPACE): { max: SplitConfig; min: SplitConfig } {
  const mk = (pick: (a: readonly number[]) => number): SplitConfig => ({
    resolution: pick(space.resolutions),
    split: 0,
    reduce: null,
    bits: null,
    phases: Array.from({ length: space.phases }, () => ({
      width: pick(space.widths),
      kernel: pick(space.kernels),
      nPre: pick(space.nPre),
      nPost: pick(space.nPost),
    })),
  });
  return { max: mk((a) => Math.max(...a)), min: mk((a) => Math.min(...a)) };
}

/** A uniformly random unsplit sub-network of the space. */
export function sampleConfig(space: SearchSpace, r: Rng): SplitConfig {
  const pick = <T>(a: readonly T[]): T => a[r.int(a.length)]!;
  return {
    resolution: pick(space.resolutions),
    split: 0,
    reduce: null,
    bits: null,
    phases: Array.from({ length: space.phases }, () => ({
      width: pick(space.widths),
      kernel: pick(space.kernels),
      nPre: pick(space.nPre),
      nPost: pick(space.nPost),
    })),
  };
}

export interface TrainOptions {
  /** Training images [N, H, W, C] floats in [0, 1] and integer labels. */
  x: tf.Tensor4D;
  y: tf.Tensor1D;
  steps: number;
  /** Images per step, drawn without replacement (default 64; ours; capped at the number of images). */
  batchSize?: number;
  /** Learning rate of Adam, constant (default 2e-3; ours). */
  learningRate?: number;
  /** Seed of the batches and the sampled sub-networks (default 0). */
  seed?: number;
  /** Space the sub-networks are sampled from (default FULL_SPACE). */
  space?: SearchSpace;
  /** Random sub-networks per step besides the largest and smallest (sandwich rule). Default 2. */
  randomPerStep?: number;
  /** Distillation temperature for the non-largest sub-networks. Default 1. */
  temperature?: number;
  /** Map each sampled unsplit config to the one actually trained (e.g. add a random split + c′ + bits). Default: identity. */
  decorate?: (cfg: SplitConfig, r: Rng, role: 'max' | 'min' | 'random') => SplitConfig;
  /** Train only these variables (default: all). */
  variables?: tf.Variable[];
  /** Show a progress bar (default true; false hides it). */
  progress?: boolean;
  /** Aborts training between steps (default none). */
  signal?: AbortSignal;
  /**
   * Wall-clock budget (seconds): training stops after the first step that ends past it, keeping the steps done
   * (a training budget on a shared machine, where the time per step varies with the load). Default: no budget.
   */
  maxSeconds?: number;
  /** Called after each step with its index (from 0) and its summed loss (default none). */
  onStep?: (step: number, loss: number) => void;
}

/**
 * Sandwich-rule training with in-place distillation (see the module comment). Returns the per-step losses (fewer than
 * `steps` when `maxSeconds` ran out).
 */
export async function trainSupernet(net: Supernet, o: TrainOptions): Promise<number[]> {
  const steps = checkInt('steps', o.steps, 1);
  const B = checkInt('batchSize', o.batchSize ?? 64, 1);
  const N = o.x.shape[0];
  check(o.y.shape[0] === N, () => `x has ${N} images but y has ${o.y.shape[0]} labels`);
  const space = o.space ?? FULL_SPACE,
    r = rng(o.seed ?? 0),
    T = o.temperature ?? 1;
  const { max, min } = extremes(space);
  const deco = o.decorate ?? ((c: SplitConfig) => c);
  const opt = tf.train.adam(o.learningRate ?? 2e-3);
  const vars = o.variables ?? net.variables();
  const bar = o.progress === false ? null : makeProgress(steps, 'supernet training', { unit: 'step' });
  const losses: number[] = [];
  if (o.maxSeconds !== undefined)
    check(Number.isFinite(o.maxSeconds) && o.maxSeconds > 0, () => `maxSeconds must be > 0, got ${describe(o.maxSeconds)}`);
  const deadline = o.maxSeconds === undefined ? Infinity : Date.now() + o.maxSeconds * 1000;
  try {
    for (let step = 0; step < steps; step++) {
      throwIfAborted(o.signal);
      const idx = tf.tensor1d(r.sample(N, Math.min(B, N)), 'int32');
      const xb = tf.gather(o.x, idx) as tf.Tensor4D,
        yb = tf.tidy(() => tf.oneHot(tf.gather(o.y, idx), net.spec.classes));
      const cfgs: [SplitConfig, 'max' | 'min' | 'random'][] = [
        [deco(max, r, 'max'), 'max'],
        [deco(min, r, 'min'), 'min'],
      ];
      for (let i = 0; i < (o.randomPerStep ?? 2); i++) cfgs.push([deco(sampleConfig(space, r), r, 'random'), 'random']);
      // in-place distillation: the largest network's softened predictions (computed outside the gradient tape, so
      // no gradient flows into the teacher through them) are the targets of the other sub-networks
      const soft = tf.tidy(() => tf.softmax(tf.div(net.forward(xb, cfgs[0]![0]), T)));
      const cost = opt.minimize(
        () => {
          let loss = tf.losses.softmaxCrossEntropy(yb, net.forward(xb, cfgs[0]![0])) as tf.Scalar;
          for (const [c] of cfgs.slice(1))
            loss = tf.add(loss, tf.losses.softmaxCrossEntropy(soft, tf.div(net.forward(xb, c), T))) as tf.Scalar;
          return loss;
        },
        true,
        vars,
      );
      soft.dispose();
      const l = cost!.dataSync()[0]!;
      tf.dispose([idx, xb, yb, cost!]);
      losses.push(l);
      o.onStep?.(step, l);
      bar?.tick(1, `loss ${l.toFixed(3)}`);
      await new Promise((res) => setImmediate(res));
      if (Date.now() >= deadline) break;
    }
    bar?.done();
  } catch (e) {
    bar?.stop();
    throw e;
  } finally {
    opt.dispose();
  }
  return losses;
}

/** Top-1 accuracy of a configuration on [N, H, W, C] images (batched; no tensors left behind). */
export function accuracy(net: Supernet, x: tf.Tensor4D, y: Int32Array | tf.Tensor1D, cfg: SplitConfig, batch = 256): number {
  net.checkConfig(cfg);
  const labels = y instanceof Int32Array ? y : (y.dataSync() as Int32Array);
  let ok = 0;
  for (let i = 0; i < x.shape[0]; i += batch) {
    const n = Math.min(batch, x.shape[0] - i);
    const pred = tf.tidy(() => net.forward(x.slice([i, 0, 0, 0], [n, -1, -1, -1]), cfg).argMax(1));
    const p = pred.dataSync();
    pred.dispose();
    for (let j = 0; j < n; j++) if (p[j] === labels[i + j]) ok++;
  }
  return ok / x.shape[0];
}

export function assertSpaceFits(net: Supernet, space: SearchSpace): void {
  const s = net.spec;
  if (
    Math.max(...space.widths) > s.maxWidth ||
    Math.max(...space.kernels) > s.maxKernel ||
    Math.max(...space.nPre) > s.maxPre ||
    Math.max(...space.nPost) > s.maxPost ||
    space.phases !== s.phases
  ) {
    throw new InvalidInput(
      `search space does not fit the supernet ${describe(s)}: widths ${space.widths}, kernels ${space.kernels}, nPre ${space.nPre}, nPost ${space.nPost}, phases ${space.phases}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Saving and loading (a JSON manifest + one little-endian float32 blob)

export interface SupernetManifest {
  format: 'edgelab-split-supernet-v1';
  spec: SupernetSpec;
  /** Variables in blob order: name and shape. */
  tensors: { name: string; shape: number[] }[];
  /** Quantizer ranges of the split modules (boundary 1..P-1). */
  ranges: { lo: number; hi: number }[];
  fusionViews: number[];
  provenance: Record<string, unknown>;
}

function namedVariables(net: Supernet): [string, tf.Variable][] {
  const out: [string, tf.Variable][] = [];
  for (const [n, c] of net.convs) out.push([`${n}.kernel`, c.kernel], [`${n}.bias`, c.bias]);
  out.push(['head.kernel', net.head.kernel], ['head.bias', net.head.bias]);
  net.slots.forEach((s, i) =>
    out.push(
      [`split${i + 1}.reduceKernel`, s.reduceKernel],
      [`split${i + 1}.reduceBias`, s.reduceBias],
      [`split${i + 1}.recoverKernel`, s.recoverKernel],
      [`split${i + 1}.recoverBias`, s.recoverBias],
    ),
  );
  for (const [V, f] of [...net.fusion].sort((a, b) => a[0] - b[0])) out.push([`fusion${V}.kernel`, f.kernel], [`fusion${V}.bias`, f.bias]);
  return out;
}

/** Serialize a supernet: the manifest (with `provenance`) and the weights. */
export function serializeSupernet(net: Supernet, provenance: Record<string, unknown>): { manifest: SupernetManifest; blob: Uint8Array } {
  const vars = namedVariables(net);
  const total = vars.reduce((a, [, v]) => a + v.size, 0);
  const data = new Float32Array(total);
  let o = 0;
  for (const [, v] of vars) {
    data.set(v.dataSync() as Float32Array, o);
    o += v.size;
  }
  return {
    manifest: {
      format: 'edgelab-split-supernet-v1',
      spec: net.spec,
      tensors: vars.map(([name, v]) => ({ name, shape: v.shape })),
      ranges: net.slots.map((s) => ({ lo: s.lo, hi: s.hi })),
      fusionViews: [...net.fusion.keys()].sort((a, b) => a - b),
      provenance,
    },
    blob: new Uint8Array(data.buffer),
  };
}

/** Rebuild a supernet from `serializeSupernet` output. Throws FormatError-like InvalidInput on a mismatch. */
export function deserializeSupernet(manifest: SupernetManifest, blob: Uint8Array): Supernet {
  check(
    manifest?.format === 'edgelab-split-supernet-v1',
    () => `supernet manifest format ${describe(manifest?.format)}; expected edgelab-split-supernet-v1`,
  );
  const net = new Supernet(manifest.spec, 0);
  for (const V of manifest.fusionViews) net.fusionParams(V);
  const vars = namedVariables(net);
  check(
    vars.length === manifest.tensors.length,
    () => `supernet manifest lists ${manifest.tensors.length} tensors; the spec builds ${vars.length}`,
  );
  const data = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  let o = 0;
  vars.forEach(([name, v], i) => {
    const t = manifest.tensors[i]!;
    check(
      t.name === name && t.shape.join() === v.shape.join(),
      () => `supernet tensor ${i}: manifest has ${t.name} [${t.shape}], expected ${name} [${v.shape}]`,
    );
    check(o + v.size <= data.length, () => `supernet blob has ${data.length} floats; ${name} needs up to ${o + v.size}`);
    tf.tidy(() => v.assign(tf.tensor(data.subarray(o, o + v.size), v.shape)));
    o += v.size;
  });
  check(o === data.length, () => `supernet blob has ${data.length} floats; the manifest uses ${o}`);
  manifest.ranges.forEach((r, i) => {
    net.slots[i]!.lo = r.lo;
    net.slots[i]!.hi = r.hi;
  });
  return net;
}

/**
 * PCA-initialize every split module from the features of `cfg` (default: the largest network) at its boundary on the
 * calibration images `x` [N, H, W, C]; sets the quantizer range to the min/max of the reduced calibration features.
 */
export function calibrateSplitModules(net: Supernet, x: tf.Tensor4D, cfg: SplitConfig = extremes().max): void {
  for (let s = 1; s < net.spec.phases; s++) {
    const f = net.featuresAt(x, cfg, s);
    const C = f.shape[3];
    const data = f.dataSync() as Float32Array;
    f.dispose();
    const m = pcaInit(data, C, Math.min(net.spec.maxReduce, C));
    const slot = net.slots[s - 1]!,
      K = net.spec.maxReduce,
      Cm = slot.reduceKernel.shape[0]!;
    const rk = new Float32Array(Cm * K),
      rc = new Float32Array(K * Cm),
      rb = new Float32Array(K),
      cb = new Float32Array(Cm);
    for (let c = 0; c < C; c++)
      for (let j = 0; j < m.reduced; j++) {
        rk[c * K + j] = m.reduceKernel[c * m.reduced + j]!;
        rc[j * Cm + c] = m.recoverKernel[j * C + c]!;
      }
    rb.set(m.reduceBias);
    cb.set(m.recoverBias);
    tf.tidy(() => {
      slot.reduceKernel.assign(tf.tensor2d(rk, [Cm, K]));
      slot.recoverKernel.assign(tf.tensor2d(rc, [K, Cm]));
      slot.reduceBias.assign(tf.tensor1d(rb));
      slot.recoverBias.assign(tf.tensor1d(cb));
    });
    slot.lo = m.lo;
    slot.hi = m.hi;
  }
}

/** Folder of the shipped artifacts (works from kernel/split and from the bundled dist/kernel). */
export function shippedDir(): string {
  const cands = [
    join(__dirname, 'shipped'),
    resolve(__dirname, '..', '..', 'kernel', 'split', 'shipped'),
    join(__dirname, 'split', 'shipped'),
  ];
  return cands.find((d) => existsSync(d)) ?? cands[0]!;
}

/**
 * The shipped Fashion-MNIST supernet (trained by scripts/split/train-supernet.ts; provenance in its manifest). The caller
 * owns the returned net (`net.dispose()`).
 */
export function loadShippedSupernet(name = 'fmnist-supernet'): { net: Supernet; manifest: SupernetManifest } {
  const dir = shippedDir(),
    mp = join(dir, `${name}.json`),
    bp = join(dir, `${name}.bin`);
  if (!existsSync(mp) || !existsSync(bp))
    throw new NotFound(`shipped supernet ${name} not found in ${dir}; regenerate with: nice npx tsx scripts/split/train-supernet.ts`);
  const manifest = JSON.parse(readFileSync(mp, 'utf8')) as SupernetManifest;
  return { net: deserializeSupernet(manifest, new Uint8Array(readFileSync(bp))), manifest };
}
