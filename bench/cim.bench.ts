/**
 * CIM reprogramming benchmarks (paper A). Run: npm run bench -- --only cim [--quick]
 * Scale: ViT-Base-shaped synthetic Laplace int8 weights (86.3M), 128×128 crossbars, 1 bit/cell, sign-magnitude,
 * per-tensor int8, P = ⌈tiles/8⌉. Peak memory is the process max RSS (run with --only cim so nothing else inflates it).
 */
import { performance } from 'node:perf_hooks';
import { record, type BenchContext } from './lib';
import { vitBaseShapes, synthQuantized } from '../kernel/cim/data';
import { mapLayer } from '../kernel/cim/crossbar';
import { simulateReprogramming } from '../kernel/cim/reprogram';

export const prefix = 'cim';

export async function run(ctx: BenchContext): Promise<void> {
  const shapes = vitBaseShapes();
  const nW = shapes.reduce((a, [o, i]) => a + o * i, 0);
  const qs = shapes.map(([o, i], s) => synthQuantized({ nOut: o, nIn: i, seed: s }));
  const t0 = performance.now();
  const sorted = qs.map((q, n) => mapLayer({ q, nOut: shapes[n]![0], nIn: shapes[n]![1], sort: 'signed' }));
  const res = simulateReprogramming(sorted, { policy: 'chunked-zigzag', passes: 2 });
  const seconds = (performance.now() - t0) / 1000;
  ctx.log(`mapped + scheduled ${nW} weights (${res.tiles} tiles, P = ${res.physical}, 2 passes) in ${seconds.toFixed(1)} s`);
  const naive = simulateReprogramming(qs.map((q, n) => mapLayer({ q, nOut: shapes[n]![0], nIn: shapes[n]![1] })), { passes: 2 });
  const stuck = simulateReprogramming(sorted, { policy: 'chunked-zigzag', passes: 2, stuckColumns: 3, rewriteFraction: 0.25, seed: 1 });
  const peakGb = process.resourceUsage().maxRSS / 2 ** 20;
  ctx.log(`naive ${naive.cellWrites} cell writes; sorted ${res.cellWrites} (${(naive.cellWrites / res.cellWrites).toFixed(2)}×); +stuck k=3 f=0.25 ${stuck.cellWrites} (${(naive.cellWrites / stuck.cellWrites).toFixed(2)}×, mean |Δq| ${stuck.weightError.meanAbs.toFixed(3)} LSB)`);
  const setting = '128×128, 1 bit/cell, sign-magnitude, int8 per-tensor, P = ceil(tiles/8), steady-state pass';
  record({
    'cim.map_86m_seconds': { value: seconds, unit: 's', notes: `mapLayer(sort 'signed') + simulateReprogramming(chunked-zigzag, 2 passes) on ${nW} ViT-Base-shaped synthetic Laplace weights; target < 60 s` },
    'cim.map_86m_peak_gb': { value: peakGb, unit: 'GB', notes: 'process max RSS for the whole cim bench (incl. weight generation and three simulations); target < 4 GB' },
    'cim.reprogram_reduction_vit_synthetic': {
      value: naive.cellWrites / res.cellWrites, unit: '×', baseline: { name: 'naive schedule, unsorted, changed cells only', value: naive.cellWrites, unit: 'cell writes' },
      notes: `weight sorting (signed, per output) + chunked-zigzag schedule on 86.3M synthetic ViT-Base-shaped weights; ${setting}. Paper: 21× for ViT-Base (with stucking, real weights)`,
    },
    'cim.reprogram_reduction_vit_synthetic_stuck': {
      value: naive.cellWrites / stuck.cellWrites, unit: '×', baseline: { name: 'naive schedule, unsorted, changed cells only', value: naive.cellWrites, unit: 'cell writes' },
      notes: `sorting + bit stucking k = 3 low columns, f = 0.25; mean |Δq| = ${stuck.weightError.meanAbs.toFixed(3)} LSB, relRMS ${stuck.weightError.relRms.toFixed(3)}; ${setting}`,
    },
  }, { command: ctx.command });
}
