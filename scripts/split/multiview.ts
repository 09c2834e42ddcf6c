/**
 * Multi-view fusion on MultiViewSolids (kernel/split/multiview.ts; the multi-view experiment of SplitNets,
 * arXiv 2204.04705, at laptop scale).
 *
 *   nice -n 10 npx tsx scripts/split/multiview.ts calibrate [--aspect 0.35 --width 32 --steps 1200 ...]
 *       single-view validation accuracy for a difficulty and training setting (no fusion, no test)
 *   nice -n 10 npx tsx scripts/split/multiview.ts fusion --seeds 1,2,3
 *       needs bench/declared/split-multiview.json (difficulty + settings, fixed on validation); per seed trains the
 *       single-view model, late fusion and max/mean/concat fusion and reads the test set once. Each finished seed is
 *       written to kernel/split/shipped/multiview.json at once (a rerun skips seeds already there: a checkpoint).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { multiViewExperiment, type MultiViewOptions, type MultiViewResult } from '../../kernel/split/multiview';

const ROOT = join(__dirname, '..', '..');
const DECLARED = join(ROOT, 'bench', 'declared', 'split-multiview.json');
const OUT = join(ROOT, 'kernel', 'split', 'shipped', 'multiview.json');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));

async function main(): Promise<void> {
  const stage = process.argv[2];
  if (stage !== 'calibrate' && stage !== 'fusion') throw new Error('usage: multiview.ts calibrate|fusion [--options]');
  await init({ backend: 'wasm', verbose: false });
  const fromArgs: Partial<MultiViewOptions> = {
    train: num('train'),
    val: num('val'),
    test: num('test'),
    size: num('size'),
    width: num('width'),
    steps: num('steps'),
    splitSteps: num('splitSteps'),
    fuseSteps: num('fuseSteps'),
    learningRate: num('lr'),
    batchSize: num('batch'),
    fuseBatch: num('fuseBatch'),
    augment: arg('augment') === undefined ? undefined : arg('augment') !== 'false',
    difficulty: Object.fromEntries(
      (['aspect', 'noise', 'elevationDeg', 'texture'] as const).filter((k) => num(k) !== undefined).map((k) => [k, num(k)]),
    ),
  };
  for (const k of Object.keys(fromArgs) as (keyof MultiViewOptions)[]) if (fromArgs[k] === undefined) delete fromArgs[k];
  if (stage === 'calibrate') {
    const r = await multiViewExperiment({ ...fromArgs, stage, seed: num('seed') ?? 1 });
    console.log(
      JSON.stringify({
        options: r.options,
        valSinglePerView: r.valSinglePerView,
        best: Math.max(...r.valSinglePerView),
        seconds: r.seconds,
      }),
    );
    return;
  }
  if (!existsSync(DECLARED)) throw new Error(`${DECLARED} missing: run calibrate and declare the difficulty first`);
  const declared = JSON.parse(readFileSync(DECLARED, 'utf8')) as { options: Partial<MultiViewOptions> };
  const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
  // one process per seed may run at once (one per core): each re-reads the file before adding its run
  const load = (): MultiViewResult[] => {
    const prev = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as { options: unknown; runs: MultiViewResult[] }) : null;
    // runs under other declared options are not this experiment's: start over
    return prev && JSON.stringify(prev.options) === JSON.stringify(declared.options) ? prev.runs : [];
  };
  for (const seed of seeds) {
    if (load().some((r) => r.options.seed === seed)) {
      console.log(`seed ${seed}: already in ${OUT}, skipped`);
      continue;
    }
    const r = await multiViewExperiment({ ...declared.options, stage: 'fusion', seed });
    console.log(JSON.stringify({ seed, fusion: r.fusion, seconds: r.seconds }));
    const runs = [...load().filter((x) => x.options.seed !== seed), r].sort((a, b) => a.options.seed - b.options.seed);
    mkdirSync(join(ROOT, 'kernel', 'split', 'shipped'), { recursive: true });
    writeFileSync(
      OUT,
      JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          command: `nice -n 10 npx tsx scripts/split/multiview.ts fusion --seeds ${runs.map((x) => x.options.seed).join(',')}`,
          declared: 'bench/declared/split-multiview.json',
          options: declared.options,
          runs,
          licence: 'MIT (this repository); data rendered by kernel/split/data.ts',
        },
        null,
        1,
      ) + '\n',
    );
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
