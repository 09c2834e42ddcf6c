/**
 * MEMA: register↔SRAM accesses on the Cortex-M4 model (S = 32 FP32 registers).
 *  - mema.max_ratio_to_lower_bound: max over M=N=K ∈ {128, 256, 512} of simulated accesses of the analytic
 *    schedule / (2MNK/√S − 2S);
 *  - mema.layers_matching_search: fraction of the 20 TinyML layers (MEMA FP32 padding) where the analytic
 *    schedule equals or ties the simulator-scored exhaustive search;
 *  - mema.min_gain_vs_cmsis_baseline: min over layers of baseline (CMSIS-style 2×2 inner product) accesses /
 *    analytic accesses.
 * Counts, not time: these are exact access counts from the simulator (QEMU runs are checked in test/qemu.mema.test.ts).
 */
import { record, type BenchContext, type QuickCheck } from './lib';
import { CORTEX_M4, TINYML_LAYERS_FP32, deriveSchedule, search, simulate, baselineCounts, ratioToLowerBound } from '../kernel/mema';

export const prefix = 'mema';

/**
 * bench-quick: all counts are exact. --quick skips the exhaustive search (≈ 15 CPU-s per layer, 5 min in all), so
 * mema.layers_matching_search is left to the full run; the CMSIS gain is the same computation as the full run's; the
 * lower-bound ratio covers 128³ and 256³ only (the full run adds 512³), so it is compared with its quick-mode value.
 */
export const quickCheck: QuickCheck = {
  keys: {
    'mema.min_gain_vs_cmsis_baseline': { tol: 0, vs: 'full' },
    'mema.max_ratio_to_lower_bound': { tol: 0 },
  },
};

export async function run(ctx: BenchContext): Promise<void> {
  const S = CORTEX_M4.registers;
  let matching = 0,
    minGain = Infinity,
    minGainLayer = 0;
  const perLayer: string[] = [];
  for (const l of TINYML_LAYERS_FP32) {
    const a = deriveSchedule(CORTEX_M4, l.M, l.K, l.N);
    const aSim = simulate(a.nest, l.M, l.K, l.N).total;
    const s = ctx.quick ? null : search(CORTEX_M4, l.M, l.K, l.N);
    const b = baselineCounts(l.M, l.K, l.N).total;
    if (s && aSim <= s.counts.total) matching++;
    const gain = b / aSim;
    if (gain < minGain) {
      minGain = gain;
      minGainLayer = l.id;
    }
    const lb = ratioToLowerBound(aSim, l.M, l.K, l.N, S);
    const found = s ? `search ${s.counts.total} (${s.name} ${s.nest.m}x${s.nest.k}x${s.nest.n})` : 'search skipped (--quick)';
    const line = `L${l.id} ${l.M}x${l.K}x${l.N} ${a.name} ${a.nest.m}x${a.nest.k}x${a.nest.n}: analytic ${aSim}, ${found}, baseline ${b} (×${gain.toFixed(3)}), /LB ${lb === null ? 'n/a' : lb.toFixed(3)}`;
    perLayer.push(line);
    ctx.log(line);
  }
  let maxRatio = 0;
  const sweep: string[] = [];
  for (const n of ctx.quick ? [128, 256] : [128, 256, 512]) {
    const a = deriveSchedule(CORTEX_M4, n, n, n);
    const r = ratioToLowerBound(simulate(a.nest, n, n, n).total, n, n, n, S)!;
    maxRatio = Math.max(maxRatio, r);
    sweep.push(`${n}³ ${a.name} ${a.nest.m}x${a.nest.n}: ${r.toFixed(4)}`);
    ctx.log(sweep[sweep.length - 1]!);
  }
  record(
    {
      'mema.max_ratio_to_lower_bound': {
        value: maxRatio,
        unit: 'ratio',
        notes: `Simulated register↔SRAM accesses of deriveSchedule(cortex-m4) / (2MNK/√32 − 64); ${sweep.join('; ')}`,
      },
      ...(ctx.quick
        ? {}
        : {
            'mema.layers_matching_search': {
              value: matching / TINYML_LAYERS_FP32.length,
              unit: 'fraction',
              notes: `20 TinyML layers with MEMA FP32 padding; search = 6 loop orders × all register tiles, scored by the simulator. ${perLayer.join(' | ')}`,
            },
          }),
      'mema.min_gain_vs_cmsis_baseline': {
        value: minGain,
        unit: 'ratio',
        baseline: { name: 'CMSIS-style 2x2 inner product (accesses, layer ' + minGainLayer + ')', value: 1, unit: 'ratio' },
        notes: 'baseline accesses / analytic accesses, min over the 20 layers (exact counts, not time).',
      },
    },
    { command: ctx.command },
  );
}
