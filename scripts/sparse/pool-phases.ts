/**
 * Diagnostic for #30: where does one pool worker lose time against the calling thread on the same Rosko call?
 * Times each phase of the N-split path separately (median of --reps, phases interleaved per round), on the calling
 * thread and on one pool worker: the message round alone, pack + kernel, the copy of C out, and the allocation of the
 * shared result. Not a bench key; run on an idle box:
 *   npx tsx scripts/sparse/pool-phases.ts [--size 1024] [--sparsity 0.9] [--reps 21]
 */
import { init } from '../../kernel/core/backend';
import { rng } from '../../kernel/core/rng';
import { pack, spmm, RoskoPool } from '../../kernel/sparse/index';
import { packBHeader, planRosko, roskoHeader } from '../../kernel/sparse/spmm';
import { getEngine } from '../../kernel/sparse/wasm';
import type { Matrix } from '../../kernel/sparse/types';
import type { RoskoTask } from '../../kernel/sparse/worker-entry';
import { median, timeRuns } from '../../bench/lib';

const opt = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
type Calls = { call(w: number, t: RoskoTask): Promise<void> };

(async () => {
  await init({ backend: 'wasm' });
  const n = opt('size', 1024),
    s = opt('sparsity', 0.9),
    reps = opt('reps', 21);
  const r = rng(1);
  const A = new Float32Array(n * n).map(() => (r.next() < s ? 0 : r.next() - 0.5));
  const B: Matrix = { rows: n, cols: n, data: new Float32Array(n * n).map(() => r.next() - 0.5) };
  const pk = pack({ rows: n, cols: n, data: A });
  const e = getEngine();
  const pool = await RoskoPool.create({ workers: 1 });
  const call = (t: RoskoTask) => (pool as unknown as Calls).call(0, t);
  const ms = async (f: () => unknown): Promise<number> => median(await timeRuns(f, reps));
  const reused = new Float32Array(new SharedArrayBuffer(n * n * 4));
  try {
    for (let round = 0; round < 3; round++) {
      const pl = planRosko(e, pk, B, {}, 'pool', { cpSets: 1, copyB: true });
      const steps = [
        { fn: 'pack_b', h: packBHeader(e, 1, pl.bIn, pl.bp, pk.K, pl.N, pl.nr, 0, pl.npanTotal) },
        { fn: `rosko_n${pl.nr}`, h: roskoHeader(e, 2, pl, 0, 1, 0, pl.N, 0) },
      ];
      const copyOut = (out: Float32Array) => ({
        shared: out,
        wasm: pl.c,
        cols: pl.N,
        rows: [[0, n]] as [number, number][],
        c0: 0,
        c1: pl.N,
      });
      const t: Record<string, number> = {};
      t['main spmm (whole call)'] = await ms(() => spmm(pk, B, { kernel: 'rosko' }));
      t['main plan + copy B in'] = await ms(() => planRosko(e, pk, B, {}, 'pool', { cpSets: 1, copyB: true }));
      t['main pack + kernel'] = await ms(() => {
        for (const st of steps) (e.ex[st.fn] as (h: number) => void)(st.h);
      });
      t['main C out: slice()'] = await ms(() => e.f32(pl.c, n * n).slice());
      t['main C out: new SAB + set'] = await ms(() => new Float32Array(new SharedArrayBuffer(n * n * 4)).set(e.f32(pl.c, n * n)));
      t['main C out: reused SAB set'] = await ms(() => reused.set(e.f32(pl.c, n * n)));
      t['worker empty round'] = await ms(() => call({ steps: [] }));
      t['worker pack + kernel'] = await ms(() => call({ steps }));
      t['worker C out into reused SAB'] = await ms(() => call({ steps: [], copyOut: copyOut(reused) }));
      t['worker C out into new SAB'] = await ms(() =>
        call({ steps: [], copyOut: copyOut(new Float32Array(new SharedArrayBuffer(n * n * 4))) }),
      );
      t['worker all (as the pool)'] = await ms(() => call({ steps, copyOut: copyOut(new Float32Array(new SharedArrayBuffer(n * n * 4))) }));
      console.log(`round ${round}: ${n}³ at ${s}`);
      for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(32)} ${v.toFixed(2)} ms`);
    }
  } finally {
    await pool.close();
  }
})();
