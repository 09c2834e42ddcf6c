/**
 * Train the shipped SplitNets supernet on Fashion-MNIST (wasm backend), in two stages:
 *   A. sandwich-rule training with in-place distillation of the unsplit supernet (SPACE);
 *   B. PCA initialization of the split modules from the largest network, then split-aware sandwich training where
 *      every non-largest sub-network is cut at a random boundary with a random c′ and b (the split module is trained
 *      jointly with the backbone).
 * Writes kernel/split/shipped/fmnist-supernet.{json,bin}. The last 5,000 training images are held out (validation,
 * used by the search); the test split is not read here.
 *
 * --space full trains FULL_SPACE (kernels 3 and 5: a 3×3 kernel is the centre of the 5×5 one); --space shipped (default)
 * trains SHIPPED_SPACE (3×3 only); --space study trains exactly the study's search space (STUDY_SPACE: widths 8/16, 3×3,
 * c′ = 8, b = 8), so the sandwich's largest and smallest are the searched space's own; --space study-k adds 5×5 kernels
 * (KERNEL_STUDY_SPACE). --random is the number of random sub-networks per step besides the largest and
 * smallest (sandwich rule). --name sets the output basename (default fmnist-supernet). --minutes caps the wall-clock
 * training time (stage A stops at --share-a of it, default 0.7; stage B at the rest), keeping the steps done.
 *
 *   nice npx tsx scripts/split/train-supernet.ts [--steps-a 150] [--steps-b 80] [--batch 32] [--seed 1] [--space shipped]
 *     [--random 1] [--name fmnist-supernet]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, tf } from '../../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../../kernel/core/data';
import { Supernet, trainSupernet, calibrateSplitModules, serializeSupernet, accuracy, extremes } from '../../kernel/split/supernet';
import { SHIPPED_SPACE, FULL_SPACE, type SearchSpace } from '../../kernel/split/search';
import { KERNEL_STUDY_SPACE, STUDY_SPACE } from '../../kernel/split/study';
import type { SplitConfig } from '../../kernel/split/types';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
function argStr(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

async function main(): Promise<void> {
  const stepsA = arg('steps-a', 150),
    stepsB = arg('steps-b', 80),
    batch = arg('batch', 32),
    seed = arg('seed', 1),
    trainN = arg('train', 20000),
    randomPerStep = arg('random', 1),
    spaceName = argStr('space', 'shipped'),
    name = argStr('name', 'fmnist-supernet'),
    minutes = arg('minutes', Infinity),
    shareA = arg('share-a', 0.7);
  const spaces: Record<string, SearchSpace> = {
    shipped: SHIPPED_SPACE,
    full: FULL_SPACE,
    study: STUDY_SPACE,
    'study-k': KERNEL_STUDY_SPACE,
  };
  const SPACE = spaces[spaceName];
  if (!SPACE) throw new Error(`--space must be one of ${Object.keys(spaces).join(', ')}, got ${spaceName}`);
  const t0 = Date.now();
  await init({ backend: 'wasm' });
  const all = loadFashionMnist({ split: 'train' });
  // file order: first `trainN` images train, last 5,000 validation (never trained on)
  const { x: xAll, y: yAll } = asTensors(all);
  const x = xAll.slice([0, 0, 0, 0], [trainN, -1, -1, -1]),
    y = yAll.slice([0], [trainN]);
  const xv = xAll.slice([55000, 0, 0, 0], [512, -1, -1, -1]),
    yv = yAll.slice([55000], [512]);
  tf.dispose([xAll, yAll]);
  const net = new Supernet({ maxKernel: Math.max(...SPACE.kernels) }, seed);
  const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}`);
  const lossesA = await trainSupernet(net, {
    x,
    y,
    space: SPACE,
    steps: stepsA,
    batchSize: batch,
    seed,
    maxSeconds: Number.isFinite(minutes) ? minutes * 60 * shareA : undefined,
    randomPerStep,
    onStep: (i, l) => {
      if (i % 20 === 0) log(`A step ${i} loss ${l.toFixed(3)} (${((Date.now() - t0) / 1000 / (i + 1)).toFixed(2)} s/step so far)`);
    },
  });
  const { max, min } = extremes(SPACE);
  log(`stage A: ${lossesA.length} of ${stepsA} steps`);
  log(`stage A done: val acc max ${accuracy(net, xv, yv, max).toFixed(4)}, min ${accuracy(net, xv, yv, min).toFixed(4)}`);
  calibrateSplitModules(net, x.slice([0, 0, 0, 0], [256, -1, -1, -1]), max);
  const splitted = (c: SplitConfig, s: number, k: number, b: number): SplitConfig => ({ ...c, split: s, reduce: k, bits: b });
  log(
    `after PCA init: max split@1 c′=8 b=8 ${accuracy(net, xv, yv, splitted(max, 1, 8, 8)).toFixed(4)}, split@2 c′=8 b=8 ${accuracy(net, xv, yv, splitted(max, 2, 8, 8)).toFixed(4)}`,
  );
  const lossesB = await trainSupernet(net, {
    x,
    y,
    space: SPACE,
    steps: stepsB,
    batchSize: batch,
    maxSeconds: Number.isFinite(minutes) ? Math.max(1, minutes * 60 - (Date.now() - t0) / 1000) : undefined,
    seed: seed + 1,
    randomPerStep,
    learningRate: 1e-3,
    decorate: (c, r, role) => {
      if (role === 'max') return c;
      const s = 1 + r.int(SPACE.phases - 1);
      const ks = SPACE.reduces.filter((k) => k !== null && k <= c.phases[s - 1]!.width) as number[];
      return { ...c, split: s, reduce: ks[r.int(ks.length)]!, bits: SPACE.bits[r.int(SPACE.bits.length)]! };
    },
    onStep: (i, l) => {
      if (i % 20 === 0) log(`B step ${i} loss ${l.toFixed(3)}`);
    },
  });
  log(
    `stage B done: val acc max ${accuracy(net, xv, yv, max).toFixed(4)}, split@1 c′=8 b=8 ${accuracy(net, xv, yv, splitted(max, 1, 8, 8)).toFixed(4)}, ` +
      `split@2 c′=8 b=8 ${accuracy(net, xv, yv, splitted(max, 2, 8, 8)).toFixed(4)}, min ${accuracy(net, xv, yv, min).toFixed(4)}`,
  );
  const seconds = (Date.now() - t0) / 1000;
  const { manifest, blob } = serializeSupernet(net, {
    dataset:
      'Fashion-MNIST (Debian dataset-fashion-mnist, MIT licence), train images 0..' +
      (trainN - 1) +
      '; validation 55000..59999 held out; test not read',
    command: `nice npx tsx scripts/split/train-supernet.ts --steps-a ${stepsA} --steps-b ${stepsB} --batch ${batch} --seed ${seed} --train ${trainN} --space ${spaceName} --random ${randomPerStep} --name ${name}${Number.isFinite(minutes) ? ` --minutes ${minutes} --share-a ${shareA}` : ''}`,
    backend: 'wasm',
    seconds: Math.round(seconds),
    stepsA: lossesA.length,
    stepsB: lossesB.length,
    minutes: Number.isFinite(minutes) ? minutes : null,
    batch,
    seed,
    randomPerStep,
    space: SPACE,
    finalLossA: lossesA[lossesA.length - 1],
    finalLossB: lossesB[lossesB.length - 1],
    trainedAt: new Date().toISOString(),
    licence: 'MIT (this repository)',
  });
  const dir = join(__dirname, '..', '..', 'kernel', 'split', 'shipped');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(manifest, null, 1) + '\n');
  writeFileSync(join(dir, `${name}.bin`), blob);
  log(`wrote ${dir}/${name}.{json,bin} (${blob.length} bytes) in ${seconds.toFixed(0)} s`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
