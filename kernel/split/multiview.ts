/**
 * The multi-view experiment of SplitNets (arXiv 2204.04705, multi-view 3-D classification) at laptop scale, on
 * MultiViewSolids: V = 4 cameras on a ring share one sensor network; their reduced features cross the split module
 * (c′ = 8, b = 8) and the aggregator fuses them after recover (max, mean or a learned concat + 1×1).
 *
 * One run (one seed):
 *  1. single-view model: the fixed network MV_CONFIG trained unsplit on one random view per object (random flips and
 *     quarter turns — every class is mirror-symmetric and the camera roll is arbitrary, so they keep the label), then
 *     its split module PCA-initialized and the split network trained further (`splitSteps`);
 *  2. from that snapshot, `fuseSteps` more updates for each contender, so every model sees the same number of updates:
 *     the single-view model (one view per object; late fusion = its softmax averaged over the V views) and one model
 *     per fusion kind trained on all V views through `forwardViews`;
 *  3. validation picks the best single view (ring position) and the headline fusion; the test set is read once.
 * Max/mean models are also scored with V = 1 and 2 cameras (every 2nd ring view), since view pooling takes any V.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NotFound, check, checkInt, throwIfAborted } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import { progress as makeProgress } from '../core/progress';
import { multiViewSolids, ringViews, type MultiViewSet, type SolidsDifficulty } from './data';
import { Supernet, calibrateSplitModules, serializeSupernet, deserializeSupernet, shippedDir } from './supernet';
import type { LatencyTable } from './lut';
import type { FusionKind } from './cost';
import type { SplitConfig } from './types';
import { FUSION_KINDS } from './fusion';

export interface MultiViewOptions {
  /** 'calibrate': single-view validation accuracy only (to fix the difficulty); 'fusion': everything, test read once. */
  stage: 'calibrate' | 'fusion';
  /** Seed of the rendered sets, the initialization and the batches (default 1). */
  seed?: number;
  /** Training objects (default 1500; ours). */
  train?: number;
  /** Validation objects, for choosing the best view and the headline fusion (default 300; ours). */
  val?: number;
  /** Test objects, read once (default 800; ours). */
  test?: number;
  /** Difficulty fields replacing DEFAULT_DIFFICULTY (default none). */
  difficulty?: Partial<SolidsDifficulty>;
  /** Image side in pixels, rendered and fed to the network (default 32; ours). */
  size?: number;
  /** Width of the last phase; phases are width/2, 3·width/4, width (default 32; ours). */
  width?: number;
  /** Single-view updates without the split module (default 500; ours). */
  steps?: number;
  /** Single-view updates after the split module is inserted (default 100; ours). */
  splitSteps?: number;
  /** Updates per contender in the fusion stage (default 60; ours). */
  fuseSteps?: number;
  /** Peak Adam learning rate, cosine-decayed within each stage (default 3e-3; ours). */
  learningRate?: number;
  /** Images per single-view batch in the first stage (default 48; ours). */
  batchSize?: number;
  /** Objects per batch in the fusion stage, for every contender (default 16; ours). */
  fuseBatch?: number;
  /** Random flips and quarter turns in single-view training (default true). */
  augment?: boolean;
  /** Show progress (default true). */
  progress?: boolean;
  /** Stops training between updates with an AbortError (default none). */
  signal?: AbortSignal;
}

type ByViews = Record<'late' | 'max' | 'mean', Record<string, number>>;

export interface MultiViewResult {
  options: Required<Omit<MultiViewOptions, 'signal' | 'progress' | 'difficulty'>> & { difficulty: SolidsDifficulty };
  config: SplitConfig;
  /** Single-view model (after stage 1) per ring position, validation. */
  valSinglePerView: number[];
  /** Fusion stage only. */
  fusion?: {
    /** Single-view model after the extra updates, per ring position, on validation and on test. */
    valSinglePerView: number[];
    testSinglePerView: number[];
    bestView: number;
    /** Validation accuracy of late fusion and of each learned fusion (V = 4); picks the headline fusion. */
    val: Record<'late' | FusionKind, number>;
    chosenFusion: FusionKind;
    /** Test accuracy, V = 4: best single view (chosen on validation), late fusion, each fusion kind. */
    test: Record<'single' | 'late' | FusionKind, number>;
    /** Test accuracy by number of cameras V ∈ {1, 2, 4} for late fusion and the view-pooling fusions. */
    testByViews: ByViews;
  };
  seconds: number;
}

/** The fixed network of the experiment (at 32×32 input; the experiment sets the resolution to its image size): three phases, split after phase 2 with c′ = 8, b = 8. */
export function multiViewConfig(width = 32): SplitConfig {
  checkInt('width', width, 4);
  check(width % 4 === 0, () => `width must be a multiple of 4, got ${width}`);
  return {
    resolution: 32,
    split: 2,
    reduce: 8,
    bits: 8,
    phases: [
      { width: width / 2, kernel: 3, nPre: 0, nPost: 1 },
      { width: (3 * width) / 4, kernel: 3, nPre: 0, nPost: 1 },
      { width, kernel: 3, nPre: 0, nPost: 0 },
    ],
  };
}

/** [n·V, S, S, 1] tensor of the chosen ring views (object-major). */
function viewsTensor(set: MultiViewSet, views: number[]): tf.Tensor4D {
  const S2 = set.size * set.size,
    out = new Float32Array(set.n * views.length * S2);
  for (let i = 0; i < set.n; i++)
    views.forEach((v, k) =>
      out.set(set.images.subarray((i * set.views + v) * S2, (i * set.views + v + 1) * S2), (i * views.length + k) * S2),
    );
  return tf.tensor4d(out, [set.n * views.length, set.size, set.size, 1]);
}

/** Per-image random horizontal flip and quarter turn (label-preserving here: mirror-symmetric solids, arbitrary roll). */
function augment(x: tf.Tensor4D, r: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const flip = tf
      .tensor1d(
        Array.from({ length: n }, () => r.int(2)),
        'bool',
      )
      .reshape([n, 1, 1, 1]);
    const turn = tf
      .tensor1d(
        Array.from({ length: n }, () => r.int(2)),
        'bool',
      )
      .reshape([n, 1, 1, 1]);
    const f = tf.where(tf.broadcastTo(flip, x.shape), tf.reverse(x, 2), x);
    return tf.where(tf.broadcastTo(turn, x.shape), tf.transpose(f, [0, 2, 1, 3]), f) as tf.Tensor4D;
  });
}

interface TrainCtx {
  x: tf.Tensor4D;
  y: Int32Array;
  V: number;
  batch: number;
  lr: number;
  signal?: AbortSignal;
  tick: (note: string) => void;
}

/** `steps` Adam updates (cosine-decayed lr) of a single-view model ('single') or a fused one on all V views. */
async function trainSteps(net: Supernet, c: TrainCtx, steps: number, mode: 'single' | FusionKind, cfg: SplitConfig, r: Rng, aug: boolean) {
  const n = c.y.length,
    B = Math.min(c.batch, n),
    opt = tf.train.adam(c.lr);
  if (mode === 'concat') net.fusionParams(c.V); // create the fusion kernel before the optimizer's variable list is read
  const vars = net.variables();
  try {
    for (let s = 0; s < steps; s++) {
      throwIfAborted(c.signal);
      (opt as unknown as { learningRate: number }).learningRate = c.lr * 0.5 * (1 + Math.cos((Math.PI * s) / steps));
      const objs = Array.from(r.sample(n, B));
      const yb = tf.tidy(() =>
        tf.oneHot(
          tf.tensor1d(
            objs.map((i) => c.y[i]!),
            'int32',
          ),
          10,
        ),
      );
      const pick = (k: (i: number) => number) => tf.tidy(() => tf.gather(c.x, tf.tensor1d(objs.map(k), 'int32')) as tf.Tensor4D);
      const one = () => pick((i) => i * c.V + r.int(c.V));
      const xs =
        mode === 'single'
          ? [aug ? tf.tidy(() => augment(one(), r)) : one()]
          : Array.from({ length: c.V }, (_, k) => pick((i) => i * c.V + k));
      const cost = opt.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(yb, mode === 'single' ? net.forward(xs[0]!, cfg) : net.forwardViews(xs, cfg, mode)) as tf.Scalar,
        true,
        vars,
      );
      const l = cost!.dataSync()[0]!;
      tf.dispose([yb, cost!, ...xs]);
      c.tick(`${mode} loss ${l.toFixed(3)}`);
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    opt.dispose();
  }
}

/** Class probabilities [n, 10] of a net on ring view `view` ({ view }) or fused over the views `views` of x. */
function probs(
  net: Supernet,
  x: tf.Tensor4D,
  V: number,
  cfg: SplitConfig,
  mode: { view: number } | { fusion: FusionKind; views: number[] },
) {
  const n = x.shape[0] / V,
    out = new Float32Array(n * 10);
  for (let i = 0; i < n; i += 100) {
    const m = Math.min(100, n - i);
    const p = tf.tidy(() => {
      const view = (k: number) =>
        tf.gather(
          x,
          tf.tensor1d(
            Array.from({ length: m }, (_, j) => (i + j) * V + k),
            'int32',
          ),
        ) as tf.Tensor4D;
      return tf.softmax('view' in mode ? net.forward(view(mode.view), cfg) : net.forwardViews(mode.views.map(view), cfg, mode.fusion));
    });
    out.set(p.dataSync() as Float32Array, i * 10);
    p.dispose();
  }
  return out;
}

/** Top-1 accuracy of [n, 10] probabilities. */
export function top1(p: Float32Array, y: Int32Array): number {
  check(p.length === y.length * 10, () => `top1: ${p.length} probabilities for ${y.length} labels (expected 10 per label)`);
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    let b = 0;
    for (let c = 1; c < 10; c++) if (p[i * 10 + c]! > p[i * 10 + b]!) b = c;
    if (b === y[i]) ok++;
  }
  return ok / y.length;
}

/** Late fusion: the element-wise mean of per-view probability arrays. */
export function averageProbs(ps: Float32Array[]): Float32Array {
  check(ps.length >= 1, 'averageProbs: needs at least one array');
  const out = new Float32Array(ps[0]!.length);
  for (const p of ps) for (let i = 0; i < out.length; i++) out[i]! += p[i]! / ps.length;
  return out;
}

/** Run the multi-view experiment for one seed (minutes to tens of minutes of one core with defaults). */
export async function multiViewExperiment(o: MultiViewOptions): Promise<MultiViewResult> {
  const t0 = Date.now();
  const opts = {
    stage: o.stage,
    seed: o.seed ?? 1,
    train: checkInt('train', o.train ?? 1500, 10),
    val: checkInt('val', o.val ?? 300, 10),
    test: checkInt('test', o.test ?? 800, 10),
    size: checkInt('size', o.size ?? 32, 8, 256),
    width: o.width ?? 32,
    steps: checkInt('steps', o.steps ?? 500, 1),
    splitSteps: checkInt('splitSteps', o.splitSteps ?? 100, 1),
    fuseSteps: checkInt('fuseSteps', o.fuseSteps ?? 60, 1),
    learningRate: o.learningRate ?? 3e-3,
    batchSize: checkInt('batchSize', o.batchSize ?? 48, 1),
    fuseBatch: checkInt('fuseBatch', o.fuseBatch ?? 16, 1),
    augment: o.augment ?? true,
  };
  check(opts.stage === 'calibrate' || opts.stage === 'fusion', () => `stage must be 'calibrate' or 'fusion', got ${String(opts.stage)}`);
  const cfg = { ...multiViewConfig(opts.width), resolution: opts.size };
  const V = 4;
  const render = (n: number, s: number) => multiViewSolids({ n, views: V, size: opts.size, seed: s, difficulty: o.difficulty });
  const train = render(opts.train, opts.seed * 1000 + 1),
    val = render(opts.val, opts.seed * 1000 + 2);
  const difficulty = train.difficulty;
  const ring = ringViews(train, V);
  const xt = viewsTensor(train, ring),
    xv = viewsTensor(val, ring);
  const total = opts.steps + opts.splitSteps + (opts.stage === 'fusion' ? 4 * opts.fuseSteps : 0);
  const bar = o.progress === false ? null : makeProgress(total, `multi-view seed ${opts.seed}`, { unit: 'step' });
  const ctx: TrainCtx = {
    x: xt,
    y: train.labels,
    V,
    batch: opts.batchSize,
    lr: opts.learningRate,
    signal: o.signal,
    tick: (s) => bar?.tick(1, s),
  };
  const r = rng(opts.seed);
  const net = new Supernet({ maxWidth: opts.width, maxKernel: 3, maxPre: 1, maxPost: 1, maxReduce: 8 }, opts.seed);
  const nets: Supernet[] = [net],
    tensors: tf.Tensor[] = [xt, xv];
  try {
    await trainSteps(net, ctx, opts.steps, 'single', { ...cfg, split: 0, reduce: null, bits: null }, r.fork(1), opts.augment);
    const calib = xt.slice([0, 0, 0, 0], [Math.min(256, xt.shape[0]), -1, -1, -1]);
    calibrateSplitModules(net, calib, cfg);
    calib.dispose();
    await trainSteps(net, { ...ctx, lr: opts.learningRate / 3 }, opts.splitSteps, 'single', cfg, r.fork(2), opts.augment);
    const valSinglePerView = ring.map((_, k) => top1(probs(net, xv, V, cfg, { view: k }), val.labels));
    const result: MultiViewResult = { options: { ...opts, difficulty }, config: cfg, valSinglePerView, seconds: 0 };
    if (opts.stage === 'fusion') {
      const test = render(opts.test, opts.seed * 1000 + 3);
      const xs = viewsTensor(test, ring);
      tensors.push(xs);
      const base = serializeSupernet(net, {});
      const fctx = { ...ctx, lr: opts.learningRate / 3, batch: opts.fuseBatch };
      const single = deserializeSupernet(base.manifest, base.blob);
      nets.push(single);
      await trainSteps(single, fctx, opts.fuseSteps, 'single', cfg, r.fork(3), opts.augment);
      const per = (x: tf.Tensor4D) => ring.map((_, k) => probs(single, x, V, cfg, { view: k }));
      const pv = per(xv),
        pt = per(xs);
      const valPer = pv.map((p) => top1(p, val.labels)),
        testPer = pt.map((p) => top1(p, test.labels));
      const bestView = valPer.indexOf(Math.max(...valPer));
      const two = [0, 2];
      const valAcc = { late: top1(averageProbs(pv), val.labels) } as Record<'late' | FusionKind, number>;
      const testAcc = { single: testPer[bestView]!, late: top1(averageProbs(pt), test.labels) } as Record<
        'single' | 'late' | FusionKind,
        number
      >;
      const byViews = {
        late: { 1: testPer[bestView]!, 2: top1(averageProbs(two.map((k) => pt[k]!)), test.labels), 4: testAcc.late },
        max: {},
        mean: {},
      } as ByViews;
      for (const f of FUSION_KINDS) {
        const m = deserializeSupernet(base.manifest, base.blob);
        nets.push(m);
        await trainSteps(m, fctx, opts.fuseSteps, f, cfg, r.fork(4), false);
        valAcc[f] = top1(probs(m, xv, V, cfg, { fusion: f, views: ring.map((_, k) => k) }), val.labels);
        testAcc[f] = top1(probs(m, xs, V, cfg, { fusion: f, views: ring.map((_, k) => k) }), test.labels);
        if (f !== 'concat')
          byViews[f] = {
            1: top1(probs(m, xs, V, cfg, { fusion: f, views: [bestView] }), test.labels),
            2: top1(probs(m, xs, V, cfg, { fusion: f, views: two }), test.labels),
            4: testAcc[f],
          };
      }
      const chosenFusion = FUSION_KINDS.reduce((a, b) => (valAcc[b] > valAcc[a] ? b : a));
      result.fusion = {
        valSinglePerView: valPer,
        testSinglePerView: testPer,
        bestView,
        val: valAcc,
        chosenFusion,
        test: testAcc,
        testByViews: byViews,
      };
    }
    bar?.done();
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  } catch (e) {
    bar?.stop();
    throw e;
  } finally {
    tf.dispose(tensors);
    for (const m of nets) m.dispose();
  }
}

/** The shipped multi-view runs (kernel/split/shipped/multiview.json, written by scripts/split/multiview.ts fusion). */
export function loadShippedMultiView(): {
  command: string;
  measuredAt: string;
  options: Partial<MultiViewOptions>;
  runs: MultiViewResult[];
} {
  const p = join(shippedDir(), 'multiview.json');
  if (!existsSync(p))
    throw new NotFound(`${p} not found; regenerate with: nice -n 10 npx tsx scripts/split/multiview.ts fusion --seeds 1,2,3`);
  return JSON.parse(readFileSync(p, 'utf8')) as ReturnType<typeof loadShippedMultiView>;
}

/** The shipped per-op latency table (kernel/split/shipped/wasm-lut.json; `npm run bench -- --only split` rewrites it). */
export function loadShippedLatencyTable(): LatencyTable {
  const p = join(shippedDir(), 'wasm-lut.json');
  if (!existsSync(p)) throw new NotFound(`${p} not found; regenerate with: nice -n 10 npx tsx scripts/split/measure-lut.ts`);
  return JSON.parse(readFileSync(p, 'utf8')) as LatencyTable;
}
