/**
 * StitchNet on the fixed target task: zoo of five small CNNs trained on Fashion-MNIST (kernel/stitch/zoo), target
 * MNIST. Stitching set = 256 labelled MNIST training images; every network (stitched or original) gets the same
 * k-NN head (k = 5) on its own output features of those images, scored on the MNIST test split (2,004 images).
 * Search: K = 2, T = 0.5, TT = 0.8, maxDepth = 6 (the defaults of stitch.study). No gradient step for stitched nets.
 */
import { init } from '../kernel/core/backend';
import { study } from '../kernel/stitch/study';
import { chainText } from '../kernel/stitch/figures';
import { record, type BenchContext, type QuickCheck } from './lib';

export const prefix = 'stitch';

/**
 * bench-quick: the zoo ships trained, the k-NN heads and the search are seeded, so the accuracies are deterministic;
 * --quick generates 12 networks and scores 500 test images (full: all networks, 2,004 images), so they are compared
 * with their quick-mode values, within one test image (0.002). ≈ 55 CPU-s.
 */
export const quickCheck: QuickCheck = {
  keys: {
    'stitch.best_original_acc': { tol: 0.002 },
    'stitch.mean_original_acc': { tol: 0.002 },
    'stitch.best_stitched_acc': { tol: 0.002 },
    'stitch.best_stitched_sources': { tol: 0 },
    'stitch.cka_acc_spearman': { tol: 0.05 },
  },
};

export async function run(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm', verbose: false });
  const r = await study({
    progress: false,
    scratch: true,
    maxNetworks: ctx.quick ? 12 : undefined,
    testImages: ctx.quick ? 500 : undefined,
  });
  for (const o of r.originals) ctx.log(`original ${o.name}: acc ${o.acc.toFixed(4)}, ${o.macs} MACs, ${o.params} params`);
  const best = r.bestStitched;
  if (!best) throw new Error('no stitched network with ≥ 2 source networks was generated');
  const ranked = [...r.generated].sort((a, b) => b.acc - a.acc);
  for (const g of ranked.slice(0, 5))
    ctx.log(`stitched ${chainText(g)}: acc ${g.acc.toFixed(4)}, score ${g.score.toFixed(3)}, sources ${g.sources}, ${g.macs} MACs`);
  ctx.log(
    `${r.generated.length} networks in ${r.seconds.toFixed(0)} s; best stitched (≥ 2 sources) ${best.acc.toFixed(4)} vs best original ${r.bestOriginal.acc.toFixed(4)} ` +
      `(${r.bestOriginal.name}), mean original ${r.meanOriginal.toFixed(4)}, from scratch ${r.scratch?.toFixed(4)}; Spearman(score, acc) ${r.spearman.toFixed(3)}`,
  );
  const setup = `MNIST target, ${r.stitchImages} stitching images, k-NN k=5 on each network's output, ${r.testImages} test images; K=2, T=0.5, TT=0.8, maxDepth=6`;
  record(
    {
      'stitch.best_stitched_acc': {
        value: best.acc,
        unit: 'accuracy (fraction)',
        baseline: {
          name: `best original zoo network (${r.bestOriginal.name}), same k-NN head`,
          value: r.bestOriginal.acc,
          unit: 'accuracy (fraction)',
        },
        notes:
          `${chainText(best)} (CKA score ${best.score.toFixed(3)}, ${best.macs} MACs, ${best.params} params); best of ${r.generated.filter((g) => g.sources >= 2).length} multi-source nets ` +
          `among ${r.generated.length} generated; no gradient step; from-scratch vgg on the same 256 images: ${r.scratch?.toFixed(4)}. ${setup}`,
      },
      'stitch.best_stitched_sources': { value: best.sources, unit: 'source networks', notes: chainText(best) },
      'stitch.best_original_acc': {
        value: r.bestOriginal.acc,
        unit: 'accuracy (fraction)',
        notes: `${r.bestOriginal.name}; originals: ${r.originals.map((o) => `${o.name} ${o.acc.toFixed(4)}`).join(', ')}. ${setup}`,
      },
      'stitch.mean_original_acc': {
        value: r.meanOriginal,
        unit: 'accuracy (fraction)',
        notes: `mean over ${r.originals.length} Fashion-MNIST zoo networks. ${setup}`,
      },
      'stitch.cka_acc_spearman': {
        value: r.spearman,
        unit: 'Spearman rho',
        notes: `product-of-CKA score vs k-NN accuracy over ${r.generated.length} generated networks (reported, not gated)`,
      },
    },
    { command: ctx.command },
  );
}
