/**
 * Diagnostic for #30's 2-worker scaling: times the same Rosko N-split call on the calling thread (spmm), on ONE pool
 * worker and on TWO, so the pool's own overhead (one worker vs the calling thread) separates from contention between
 * workers (two vs one). Not a bench key; run on an idle box:
 *   npx tsx scripts/sparse/pool-probe.ts [--size 1024] [--sparsity 0.9] [--reps 15]
 * It calls RoskoPool's N-split path directly (a private method), because a 1-worker pool otherwise runs spmm inline.
 */
import { init } from '../../kernel/core/backend';
import { rng } from '../../kernel/core/rng';
import { pack, spmm, RoskoPool } from '../../kernel/sparse/index';
import type { Matrix, RoskoPacked } from '../../kernel/sparse/types';
import { median, timeRuns } from '../../bench/lib';

const opt = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

type NSplit = { rosko(pk: RoskoPacked, B: Matrix, opts: object, useN: boolean): Promise<Matrix> };

(async () => {
  await init({ backend: 'wasm' });
  const n = opt('size', 1024),
    s = opt('sparsity', 0.9),
    reps = opt('reps', 15);
  const r = rng(1);
  const A = new Float32Array(n * n).map(() => (r.next() < s ? 0 : r.next() - 0.5));
  const B: Matrix = { rows: n, cols: n, data: new Float32Array(n * n).map(() => r.next() - 0.5) };
  const pk = pack({ rows: n, cols: n, data: A });
  const ms = async (f: () => unknown): Promise<number> => median(await timeRuns(f, reps));
  const one = await RoskoPool.create({ workers: 1 }),
    two = await RoskoPool.create({ workers: 2 });
  try {
    for (let round = 0; round < 3; round++) {
      const main = await ms(() => spmm(pk, B, { kernel: 'rosko' }));
      const w1 = await ms(() => (one as unknown as NSplit).rosko(pk, B, {}, true));
      const w2 = await ms(() => (two as unknown as NSplit).rosko(pk, B, {}, true));
      console.log(
        `${n}³ at ${s}: calling thread ${main.toFixed(2)} ms, 1 worker ${w1.toFixed(2)} ms, 2 workers ${w2.toFixed(2)} ms ` +
          `(2 vs 1 worker ×${(w1 / w2).toFixed(2)}, vs calling thread ×${(main / w2).toFixed(2)})`,
      );
    }
  } finally {
    await one.close();
    await two.close();
  }
})();
