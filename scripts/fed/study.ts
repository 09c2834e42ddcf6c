/**
 * Run (or resume) the SphereFed study (kernel/federated/study.ts) into a study directory, one JSON file per finished cell.
 *
 *   nice -n 10 npx tsx scripts/fed/study.ts                       # the gated grid into kernel/federated/shipped/study
 *   nice -n 10 npx tsx scripts/fed/study.ts & nice -n 10 npx tsx scripts/fed/study.ts   # two processes share the grid (locks)
 *
 * The gated grid is declared in bench/declared/fed-study2.json (80 rounds, the mean over the last 4 evaluations).
 *   npx tsx scripts/fed/study.ts --dir /tmp/s --seeds 0 --alphas 0.05 --rounds 2 --select-rounds 1   # a smoke run
 *   npx tsx scripts/fed/study.ts --time-round                     # one FedAvg round's wall-clock (sizing)
 *
 * Rerunning skips finished cells; Ctrl-C ends the process (the running cell is lost, finished ones stay).
 * Options: --dir, --alphas a,b, --seeds 0,1,…, --arms fedavg,fedprox,spherefed[,fednova], --rounds, --select-rounds, --final-window,
 * --max-cells, --central-seeds, --clients, --per-round, --train-limit, --test-limit, --dataset mnist (into its own --dir).
 */
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { runStudy, runFedCnn, carveValidation, fashionMnistData, partition, type StudyArm } from '../../kernel/federated/index';

const ROOT = join(__dirname, '..', '..');
const opt = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const nums = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map(Number));

(async () => {
  await init({ backend: process.env.EDGELAB_BACKEND === 'cpu' ? 'cpu' : 'wasm' });
  if (process.argv.includes('--time-round')) {
    const pool = fashionMnistData({ split: 'train', pool: 1 });
    const part = partition({ labels: pool.y, clients: 100, alpha: 0.05, minSize: 5, seed: 17, classes: 10, capAtMean: true });
    const { train } = carveValidation(part.clients, 0.1, 31);
    for (const head of ['learned', 'sphere'] as const) {
      const r = runFedCnn({
        spec: { classes: 10, head },
        pool,
        train,
        strategy: 'fedavg',
        lr: 0.1,
        rounds: 2,
        perRound: 10,
        localEpochs: 1,
        batchSize: 50,
        seed: 0,
      });
      for (const h of r.history)
        console.log(
          `${head} round ${h.round}: ${h.seconds.toFixed(1)} s, ${h.clients.map((k) => train[k]!.length).reduce((a, b) => a + b)} samples, ${h.bytesUp} B up`,
        );
    }
    return;
  }
  // No SIGINT handler: a cell's training is synchronous, so a handler would only run after the cell. Ctrl-C ends the
  // process at once; its lock names a dead pid, which the next run takes over, and finished cells stay.
  const r = await runStudy({
    dir: opt('dir') ?? join(ROOT, 'kernel', 'federated', 'shipped', 'study'),
    alphas: nums(opt('alphas')),
    seeds: nums(opt('seeds')),
    arms: opt('arms')?.split(',') as StudyArm[] | undefined,
    rounds: nums(opt('rounds'))?.[0],
    selectRounds: nums(opt('select-rounds'))?.[0],
    finalWindow: nums(opt('final-window'))?.[0],
    maxCells: nums(opt('max-cells'))?.[0],
    clients: nums(opt('clients'))?.[0],
    perRound: nums(opt('per-round'))?.[0],
    trainLimit: nums(opt('train-limit'))?.[0],
    dataset: opt('dataset') as 'fashion-mnist' | 'mnist' | undefined,
    testLimit: nums(opt('test-limit'))?.[0],
    centralSeeds: nums(opt('central-seeds')),
    log: (s) => console.log(`${new Date().toISOString().slice(11, 19)} ${s}`),
  });
  console.log('chosen:', JSON.stringify(r.chosen));
  console.log(`${r.finals.length} final cells done; missing: ${r.missing.join(' ') || 'none'}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
