/**
 * Check of the declared fine-tuning protocol at small stitching sets: patience and the epoch cap count epochs, and at
 * 32–64 images an epoch is one or two optimizer steps, so last-layer fine-tuning can stop after ~9 steps at chance.
 * This reruns last-layer fine-tuning of each recorded cell's best original (chosen on validation, from the record) with
 * a step budget (≤ 300 epochs, patience 100 epochs; still the best validation epoch kept) on the same stitching images,
 * and writes kernel/stitch/zoo/finetune-budget.json. Not part of the declared gate; reported beside it.
 *   nice -n 10 npx tsx scripts/stitch/finetune-budget.ts [--sizes 32,64] [--seeds 0] [records.json …]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { loadZoo, zooDir } from '../../kernel/stitch/zoo';
import { targetSplit, drawStitchingSet } from '../../kernel/stitch/targets';
import { fineTune } from '../../kernel/stitch/baselines';
import { loadRecords, mergeRecords, loadFinetuneBudget, type FinetuneBudgetRow } from '../../kernel/stitch/records';

const arg = (k: string): string | undefined => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function main(): Promise<void> {
  await init({ backend: 'wasm', verbose: false });
  const sizes = (arg('--sizes') ?? '32,64').split(',').map(Number),
    seeds = (arg('--seeds') ?? '0').split(',').map(Number);
  const extra = process.argv.slice(2).filter((a, i, all) => a.endsWith('.json') && !['--sizes', '--seeds'].includes(all[i - 1]!));
  const records = mergeRecords(loadRecords(), ...extra.map((f) => loadRecords(f)));
  const out = join(zooDir(), 'finetune-budget.json');
  const have: FinetuneBudgetRow[] = loadFinetuneBudget(out);
  const zoo = await loadZoo();
  try {
    for (const r of records.filter(
      (x) => x.variant === 'every' && sizes.includes(x.stitchImages) && seeds.includes(x.seed) && x.finetune,
    )) {
      if (have.some((h) => h.target === r.target && h.stitchImages === r.stitchImages && h.seed === r.seed)) continue;
      const split = targetSplit(r.target);
      const fit = drawStitchingSet(split, r.stitchImages, r.seed);
      const src = zoo.find((z) => z.name === r.bestOriginal.name)!.model;
      const res = await fineTune(
        src,
        'last',
        { fit, val: split.validation, test: split.test, classes: split.pool.length },
        { seed: r.seed, maxEpochs: 300, patience: 100 },
      );
      const row: FinetuneBudgetRow = {
        target: r.target,
        stitchImages: r.stitchImages,
        seed: r.seed,
        network: r.bestOriginal.name,
        declared: {
          chosen: r.finetune!.chosen,
          testAcc: r.finetune!.testAcc,
          lastEpochs: r.finetune!.last.epochs,
          lastTestAcc: r.finetune!.last.testAcc,
        },
        budget: { valAcc: res.valAcc, testAcc: res.testAcc, epochs: res.epochs, bestEpoch: res.bestEpoch, macs: res.macs },
        stitched: r.stitched?.testAcc ?? null,
        stitchMacs: r.compute.stitch,
        measuredAt: new Date().toISOString(),
      };
      have.push(row);
      writeFileSync(
        out,
        JSON.stringify(
          {
            provenance:
              'scripts/stitch/finetune-budget.ts (last-layer fine-tuning with a step budget, on the study cells’ stitching images)',
            rows: have,
          },
          null,
          1,
        ) + '\n',
      );
      console.log(JSON.stringify(row));
    }
  } finally {
    zoo.forEach((z) => z.model.dispose());
  }
}
if (require.main === module) void main();
