/**
 * The accuracy landscape a supernet gives the search (SplitNets, arXiv 2204.04705, Sec. 4: sub-networks are scored by
 * the weight-shared supernet without retraining). Evaluates every distinct sub-network of STUDY_SPACE once on the 512
 * validation images (Fashion-MNIST train 55,000..55,511), writes the table, and prints where the feasible accuracies lie
 * under the study's latency budget (median latency, default preset) and the gate protocol's scores over 10 evolution
 * seeds run on the table (same options as kernel/split/study.ts).
 *
 * --val n scores on n validation images (55,000..55,000 + n − 1; default 512, the study's; at most 5,000).
 * --space kernel searches KERNEL_STUDY_SPACE (3×3 or 5×5 per phase; needs a supernet trained with 5×5 kernels).
 * --full also scores the configurations infeasible under the gate's budget, so the table serves every preset and budget.
 * --grid also runs the gate protocol (10 seeds) under every preset at budget quantiles 0.1, 0.25 and 0.5, for the gate's
 *        search and for the search before 2026-12-07 (random initial population, no budget kept for refinement).
 *
 *   nice -n 15 npx tsx scripts/split/landscape.ts [--supernet fmnist-supernet] [--val 512] [--out /tmp/landscape.json] [--space study|kernel] [--full] [--grid]
 */
import { writeFileSync } from 'node:fs';
import { init } from '../../kernel/core/backend';
import { loadShippedSupernet } from '../../kernel/split/supernet';
import { PRESET_NAMES } from '../../kernel/split/cost';
import { decode, genomeAt, radices, spaceSize } from '../../kernel/split/search';
import { validationScorer, evolutionGate, STUDY_SPACE, KERNEL_STUDY_SPACE } from '../../kernel/split/study';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

async function main(): Promise<void> {
  const name = arg('supernet', 'fmnist-supernet'),
    out = arg('out', `/tmp/landscape-${name}.json`),
    nVal = Number(arg('val', '512'));
  await init({ backend: 'wasm' });
  const t0 = Date.now();
  const { net } = loadShippedSupernet(name);
  const val = validationScorer(net, nVal),
    table = val.table;
  const space = arg('space', 'study') === 'kernel' ? KERNEL_STUDY_SPACE : STUDY_SPACE;
  const g = await evolutionGate(val.accuracy, { space });
  if (process.argv.includes('--full')) for (let i = 0; i < spaceSize(space); i++) val.accuracy(decode(space, genomeAt(radices(space), i)));
  console.log(`evaluated ${table.size} distinct sub-networks in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const accs = g.feasibleAccuracies;
  const q = (f: number) => accs[Math.floor((accs.length - 1) * f)]!.toFixed(4);
  console.log(
    `feasible ${accs.length}: min ${q(0)} q10 ${q(0.1)} q25 ${q(0.25)} median ${q(0.5)} q75 ${q(0.75)} q90 ${q(0.9)} max ${q(1)}`,
  );
  const thr = g.median + 0.9 * (g.best.accuracy! - g.median);
  console.log(
    `oracle ${g.best.accuracy!.toFixed(4)} (${JSON.stringify(g.best.config)}), median ${g.median.toFixed(4)}, score-0.9 threshold ${thr.toFixed(4)}: ${accs.filter((a) => a >= thr).length} feasible configs reach it`,
  );
  console.log(
    `scores ${g.scores.map((s) => s.toFixed(3)).join(' ')}; success ${g.successSeeds}/10; evaluated fraction ${g.evaluatedFraction}`,
  );
  const grid: Record<string, unknown>[] = [];
  if (process.argv.includes('--grid'))
    for (const preset of PRESET_NAMES)
      for (const budgetQuantile of [0.1, 0.25, 0.5]) {
        const row: Record<string, unknown> = { preset, budgetQuantile };
        for (const [arm, search] of [
          ['gate', {}],
          ['before', { seedLargest: false, refineShare: 0 }],
        ] as const) {
          const r = await evolutionGate(val.accuracy, { preset, budgetQuantile, search, space });
          const thr = r.median + 0.9 * (r.best.accuracy! - r.median);
          Object.assign(row, { feasible: r.feasibleAccuracies.length, band: r.feasibleAccuracies.filter((a) => a >= thr).length });
          row[arm] = r.successSeeds;
        }
        grid.push(row);
        console.log(JSON.stringify(row));
      }
  writeFileSync(
    out,
    JSON.stringify(
      {
        supernet: name,
        space: arg('space', 'study'),
        validationImages: nVal,
        table: Object.fromEntries(table),
        gate: { ...g, best: g.best.config },
        grid,
      },
      null,
      1,
    ),
  );
  console.log(`wrote ${out}`);
  net.dispose();
  val.dispose();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
