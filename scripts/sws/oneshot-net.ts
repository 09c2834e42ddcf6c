/**
 * One-shot (no fine-tune) energy of the SWS gate model at 90 % per-layer magnitude pruning: net reduction, sorting's own
 * share, every law. A quick look at the numbers the fine-tuned bench (SWS_BENCH=largepool) measures; no accuracy.
 *   npx tsx scripts/sws/oneshot-net.ts [--kind largepool] [--sparsity 0.9]
 */
import { init } from '../../kernel/core/backend';
import { loadSwsModel, type SwsModelKind } from '../../kernel/core/models/fashion';
import { netReduction, sortingGain, swsStudy } from '../../kernel/sws/study';

const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1]! : d;
};

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const kind = arg('--kind', 'largepool') as SwsModelKind,
    s = Number(arg('--sparsity', '0.9'));
  const model = await loadSwsModel(kind);
  const res = await swsStudy(model, {
    evaluate: () => 0,
    sparsities: [s],
    scope: 'layer',
    models: ['exp2', 'bexp2', 'exp4', 'survey', 'count'],
  });
  model.dispose();
  const e = res.rows[0]!.result;
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  for (const m of ['exp2', 'bexp2', 'exp4', 'survey', 'count'])
    console.log(
      `${kind} one-shot ${pct(res.rows[0]!.weightSparsity)} zeros, ${m}: net ${pct(netReduction(e, m))}, sorting's own share ${pct(sortingGain(e, m))}, resolution alone ${pct(1 - e.energy.unsorted.sectionPartialSum[m]! / e.energy.unsorted.fixed[m]!)}, SWS ADC only ${pct(1 - e.energy.remapped.sectionPartialSum[m]! / e.energy.unsorted.fixed[m]!)}, gather/baseline ${pct(e.overhead.remapped.energy[m]! / e.energy.unsorted.fixed[m]!)}`,
    );
  console.log(`index bits per weight ${e.overhead.remapped.indexBitsPerWeight.toFixed(3)}`);
}

void main();
