/**
 * Multi-view fusion on MultiViewSolids (the multi-view experiment of SplitNets, arXiv 2204.04705, at laptop scale).
 *
 *   nice npx tsx scripts/split/multiview.ts calibrate   # single-view validation accuracy for the current difficulty (no fusion, no test)
 *   nice npx tsx scripts/split/multiview.ts fusion      # needs bench/declared/split-multiview.json; trains and tests once
 *
 * One fixed network (res 32; phases 8/12/16 channels, 3×3; split after phase 2 with c′ = 8, b = 8) with weights shared
 * across views. Single-view model: trained on a random view per object. Late fusion: the single-view model's softmax
 * averaged over the V = 4 ring views. Learned fusion (max, mean, concat + 1×1) after recover at the split: the
 * single-view model fine-tuned on all 4 views; the single-view model gets the same number of extra steps, so all
 * models see the same number of updates. Validation picks nothing here (the setting is declared); test is read once.
 * Writes kernel/split/shipped/multiview.json.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { init, tf } from '../../kernel/core/backend';
import { rng } from '../../kernel/core/rng';
import { multiViewSolids, ringViews, DEFAULT_DIFFICULTY, type MultiViewSet, type SolidsDifficulty } from '../../kernel/split/data';
import { Supernet, calibrateSplitModules, serializeSupernet, deserializeSupernet } from '../../kernel/split/supernet';
import type { FusionKind } from '../../kernel/split/cost';
import type { SplitConfig } from '../../kernel/split/types';

const ROOT = join(__dirname, '..', '..');
const DECLARED = join(ROOT, 'bench', 'declared', 'split-multiview.json');
export const MV_CONFIG: SplitConfig = {
  resolution: 32,
  split: 2,
  reduce: 8,
  bits: 8,
  phases: [
    { width: 8, kernel: 3, nPre: 0, nPost: 1 },
    { width: 12, kernel: 3, nPre: 0, nPost: 1 },
    { width: 16, kernel: 3, nPre: 0, nPost: 0 },
  ],
};
const SPEC = { maxWidth: 16, maxKernel: 3, maxPre: 1, maxPost: 1, maxReduce: 8 };
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const t0 = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}`);

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

async function trainSteps(
  net: Supernet,
  x: tf.Tensor4D,
  y: Int32Array,
  V: number,
  steps: number,
  mode: 'single' | FusionKind,
  seed: number,
  cfg: SplitConfig,
  lr = 2e-3,
): Promise<number> {
  const r = rng(seed),
    n = y.length,
    B = 32,
    opt = tf.train.adam(lr);
  let last = 0;
  for (let s = 0; s < steps; s++) {
    const objs = Array.from(r.sample(n, Math.min(B, n)));
    const yb = tf.oneHot(
      tf.tensor1d(
        objs.map((i) => y[i]!),
        'int32',
      ),
      10,
    );
    const cost = opt.minimize(
      () => {
        if (mode === 'single') {
          const idx = tf.tensor1d(
            objs.map((i) => i * V + r.int(V)),
            'int32',
          );
          return tf.losses.softmaxCrossEntropy(yb, net.forward(tf.gather(x, idx) as tf.Tensor4D, cfg)) as tf.Scalar;
        }
        const views = Array.from(
          { length: V },
          (_, k) =>
            tf.gather(
              x,
              tf.tensor1d(
                objs.map((i) => i * V + k),
                'int32',
              ),
            ) as tf.Tensor4D,
        );
        return tf.losses.softmaxCrossEntropy(yb, net.forwardViews(views, cfg, mode)) as tf.Scalar;
      },
      true,
      net.variables(),
    );
    last = cost!.dataSync()[0]!;
    tf.dispose([yb, cost!]);
    if (s % 50 === 0) log(`${mode} step ${s} loss ${last.toFixed(3)}`);
    await new Promise((res) => setImmediate(res));
  }
  opt.dispose();
  return last;
}

/** Per-object class probabilities [n, 10] of the single-view net on view k, or of a fused net on all V views. */
function probs(net: Supernet, x: tf.Tensor4D, n: number, V: number, cfg: SplitConfig, mode: { view: number } | FusionKind): Float32Array {
  const out = new Float32Array(n * 10);
  for (let i = 0; i < n; i += 100) {
    const m = Math.min(100, n - i);
    const p = tf.tidy(() => {
      const views = Array.from(
        { length: V },
        (_, k) =>
          tf.gather(
            x,
            tf.tensor1d(
              Array.from({ length: m }, (_, j) => (i + j) * V + k),
              'int32',
            ),
          ) as tf.Tensor4D,
      );
      return tf.softmax(typeof mode === 'object' ? net.forward(views[mode.view]!, cfg) : net.forwardViews(views, cfg, mode));
    });
    out.set(p.dataSync() as Float32Array, i * 10);
    p.dispose();
  }
  return out;
}
function acc(p: Float32Array, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    let b = 0;
    for (let c = 1; c < 10; c++) if (p[i * 10 + c]! > p[i * 10 + b]!) b = c;
    if (b === y[i]) ok++;
  }
  return ok / y.length;
}

async function main(): Promise<void> {
  const stage = process.argv[2];
  if (stage !== 'calibrate' && stage !== 'fusion') throw new Error('usage: multiview.ts calibrate|fusion');
  await init({ backend: 'wasm' });
  const nTrain = arg('train', 1000),
    nVal = arg('val', 300),
    nTest = arg('test', 500),
    seed = arg('seed', 1);
  const steps1 = arg('steps1', 300),
    steps2 = arg('steps2', 80),
    steps3 = arg('steps3', 100);
  let difficulty: SolidsDifficulty = DEFAULT_DIFFICULTY;
  if (stage === 'fusion') {
    if (!existsSync(DECLARED)) throw new Error(`${DECLARED} missing: run calibrate and declare the difficulty first`);
    difficulty = (JSON.parse(readFileSync(DECLARED, 'utf8')) as { difficulty: SolidsDifficulty }).difficulty;
  }
  const V = 4;
  const render = (n: number, s: number) => multiViewSolids({ n, views: V, size: 32, seed: s, difficulty });
  const train = render(nTrain, seed * 1000 + 1),
    val = render(nVal, seed * 1000 + 2);
  log(`rendered ${nTrain} + ${nVal} objects × ${V} views`);
  const ring = ringViews(train, V);
  const xt = viewsTensor(train, ring),
    xv = viewsTensor(val, ring);
  const net = new Supernet(SPEC, seed);
  const unsplit: SplitConfig = { ...MV_CONFIG, split: 0, reduce: null, bits: null };
  await trainSteps(net, xt, train.labels, V, steps1, 'single', seed, unsplit);
  calibrateSplitModules(net, xt.slice([0, 0, 0, 0], [256, -1, -1, -1]), MV_CONFIG);
  await trainSteps(net, xt, train.labels, V, steps2, 'single', seed + 1, MV_CONFIG, 1e-3);
  const valSingle = ring.map((_, k) => acc(probs(net, xv, nVal, V, MV_CONFIG, { view: k }), val.labels));
  log(`single-view validation accuracy per ring position: ${valSingle.map((a) => a.toFixed(3)).join(', ')}`);
  if (stage === 'calibrate') return;

  const test = render(nTest, seed * 1000 + 3);
  const xs = viewsTensor(test, ringViews(test, V));
  const base = serializeSupernet(net, {});
  const results: Record<string, number> = {};
  // single-view model with the same number of extra steps as the fused ones
  const single = deserializeSupernet(base.manifest, base.blob);
  await trainSteps(single, xt, train.labels, V, steps3, 'single', seed + 2, MV_CONFIG, 1e-3);
  const valPer = ring.map((_, k) => acc(probs(single, xv, nVal, V, MV_CONFIG, { view: k }), val.labels));
  const bestView = valPer.indexOf(Math.max(...valPer)); // chosen on validation
  const testPer = ring.map((_, k) => acc(probs(single, xs, nTest, V, MV_CONFIG, { view: k }), test.labels));
  results.single_best_view = testPer[bestView]!;
  const late = new Float32Array(nTest * 10);
  ring.forEach((_, k) =>
    probs(single, xs, nTest, V, MV_CONFIG, { view: k }).forEach((p, i) => {
      late[i]! += p / V;
    }),
  );
  results.late_fusion = acc(late, test.labels);
  for (const f of ['max', 'mean', 'concat'] as FusionKind[]) {
    const m = deserializeSupernet(base.manifest, base.blob);
    await trainSteps(m, xt, train.labels, V, steps3, f, seed + 3, MV_CONFIG, 1e-3);
    results[`fused_${f}`] = acc(probs(m, xs, nTest, V, MV_CONFIG, f), test.labels);
    log(`fused ${f}: test ${results[`fused_${f}`]!.toFixed(4)}`);
    m.dispose();
  }
  log(JSON.stringify(results));
  const dir = join(ROOT, 'kernel', 'split', 'shipped');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'multiview.json'),
    JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        seconds: Math.round((Date.now() - t0) / 1000),
        command: `nice npx tsx scripts/split/multiview.ts fusion --seed ${seed} --train ${nTrain} --val ${nVal} --test ${nTest} --steps1 ${steps1} --steps2 ${steps2} --steps3 ${steps3}`,
        difficulty,
        views: V,
        config: MV_CONFIG,
        valSinglePerView: valPer,
        testSinglePerView: testPer,
        bestViewByVal: bestView,
        test: results,
        nTest,
        licence: 'MIT (this repository); data rendered by kernel/split/data.ts',
      },
      null,
      1,
    ) + '\n',
  );
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
