/**
 * Pretrain DeepMachining on the synthetic lathe's source tasks and save the weights (with their normalisation and
 * provenance). The shipped kernel/machining/shipped/pretrained-ci-micro.json comes from the benchmark
 * (npm run bench -- --only machining, seed 0), which runs exactly this pretraining; this script reruns it alone.
 *
 *   nice npx tsx scripts/machining/pretrain.ts [--seed 0] [--steps 150] [--config ci-micro] [--out path.json]
 */
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { pretrain, studyTasks, saveWeights, SHIPPED_DIR, type ConfigName } from '../../kernel/machining';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const seed = Number(arg('seed', '0')),
    steps = Number(arg('steps', '150')),
    config = arg('config', 'ci-micro') as ConfigName;
  const out = arg('out', join(SHIPPED_DIR, `pretrained-${config}-seed${seed}.json`));
  const tasks = studyTasks(seed, 4);
  const r = pretrain(tasks.sources, { seed, steps, config, log: console.log });
  console.log(
    `pretrained in ${r.seconds.toFixed(0)} s on ${r.windows} windows; mean loss of the last ${Math.min(10, r.losses.length)} steps ${(r.losses.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, r.losses.length)).toFixed(3)}`,
  );
  saveWeights(r.model, r.norm, out, {
    command: `npx tsx scripts/machining/pretrain.ts --seed ${seed} --steps ${steps} --config ${config}`,
    note: `pretrained on the 4 source tasks of seed ${seed} (studyTasks)`,
  });
  console.log(`wrote ${out}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
