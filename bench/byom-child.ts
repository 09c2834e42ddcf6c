/**
 * Fresh-process worker of bench/byom.bench.ts: runs el.analyzeModel on one model and prints one JSON line with the
 * wall time, the stage times and peak RSS (process.resourceUsage().maxRSS), so the peak is this analysis alone.
 * Usage: node --import tsx bench/byom-child.ts <model path> [inputShape as JSON]
 */
import { init } from '../kernel/core/backend';
import { analyzeModel } from '../kernel/model';

async function main() {
  const [path, shape] = process.argv.slice(2);
  if (!path) throw new Error('usage: bench/byom-child.ts <model path> [inputShape JSON]');
  await init({ backend: 'wasm' });
  const t0 = performance.now();
  const r = await analyzeModel(path, { papers: 'all', prune: 0.9, batch: [1, 32], ...(shape ? { inputShape: JSON.parse(shape) as number[] } : {}) });
  const seconds = (performance.now() - t0) / 1000;
  const cim = r.cim!,
    sws = r.sws!;
  console.log(
    JSON.stringify({
      seconds,
      stages: r.seconds,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      layers: r.table.layers.length,
      params: r.table.params,
      macs: r.table.macs,
      complete: r.table.complete,
      cimTiles: cim.tiles,
      cimWriteReduction: cim.cellWriteReduction,
      swsPrunedGain: sws.pruned!.total.grid.sectionPartialSum! / sws.pruned!.total.sws.sectionPartialSum!,
      roskoFastestAtBatch32: r.sparse!.layers.map((l) => l.batches[1]?.fastest),
      memaMaxRatio: Math.max(...r.mema!.layers.map((l) => l.ratio)),
    }),
  );
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
