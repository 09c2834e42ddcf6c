/**
 * Rebuild the per-cell single-thread table of an idle `npm run bench -- --only rosko` run from the notes it wrote into
 * bench/results.json, as a second table for scripts/sparse/fit-dispatch.ts (the bench writes the full table to
 * test/fixtures/sparse/rosko-speedup.json only on the box that ran it; the 2026-12-06 21:35 idle run's file was not
 * committed, its notes were).
 *
 * What the notes hold and what is reconstructed:
 *   - rosko.speedup_vs_best_other_90 / _98: per benchmarked shape, uniform sparsity 90 % / 98 %, the medians of the
 *     Rosko kernel, CSR, dense wasm, tfjs-wasm and onnxruntime (ms, two decimals) and what the dispatched spmm ran.
 *     nnz is not in the notes: the uniform expectation round((1 − s)·M·K) is used (the bench draws each entry with
 *     probability 1 − s, so the true count differs by ~√nnz, < 0.7 % here); tiles are tileModel's on the table's machine.
 *   - rosko.real_speedup_vs_best_other_90: per real weight matrix (A = Wᵀ, magnitude-pruned) and sparsity, the Rosko,
 *     CSR and dense medians (ms, two decimals) with N = 256. The matrices ship with the project, so nnz, the packed
 *     column count and the tiles are recomputed exactly (magnitudePrune + pack on the table's machine, as the bench did).
 * The machine is the one of test/fixtures/sparse/rosko-table-2026-12-06-1601.json (L1d 32 KiB, L2 512 KiB, L3 32 MiB, 2 cores): the
 * idle run's analytic tiles printed in rosko.tile_gap_to_sweep equal tileModel's on it (checked below).
 *
 *   npx tsx scripts/sparse/idle-table.ts [out.json] [--results file]   (default test/fixtures/sparse/rosko-idle-2026-12-06.json,
 *   from bench/results.json as committed at 7212d65, which still holds that run's notes)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { magnitudePrune } from '../../kernel/sparse/layer';
import { realWeightMatrices } from '../../kernel/sparse/matrices';
import { pack } from '../../kernel/sparse/pack';
import { tileModel } from '../../kernel/sparse/tiles';
import type { Hardware } from '../../kernel/sparse/types';

const root = join(__dirname, '../..');
const out =
  (process.argv[2]?.startsWith('--') ? undefined : process.argv[2]) ?? join(root, 'test/fixtures/sparse/rosko-idle-2026-12-06.json');
/** The commit whose bench/results.json holds the 2026-12-06 21:35 idle run's rosko notes. */
const SOURCE_COMMIT = '7212d65';
// the 21:35 run's notes are in bench/results.json as committed at 7212d65 (later runs rewrote them); --results <file>
// reads another run's notes instead
const ri = process.argv.indexOf('--results');
const resultsText =
  ri > 0
    ? readFileSync(process.argv[ri + 1]!, 'utf8')
    : execFileSync('git', ['show', `${SOURCE_COMMIT}:bench/results.json`], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
const results = JSON.parse(resultsText) as Record<string, { notes: string; measuredAt: string; command?: string; stale?: string }>;
const hw = (JSON.parse(readFileSync(join(root, 'test/fixtures/sparse/rosko-table-2026-12-06-1601.json'), 'utf8')) as { hw: Hardware }).hw;
const tilesText = (t: { mr: number; nr: number; mc: number; kc: number; nc: number }) => `${t.mr}x${t.nr} mc${t.mc} kc${t.kc} nc${t.nc}`;

const rows: Record<string, unknown>[] = [];
let measuredAt = '',
  env = '';
for (const s of [0.9, 0.98]) {
  const e = results[`rosko.speedup_vs_best_other_${Math.round(s * 100)}`];
  if (!e) throw new Error(`bench/results.json has no rosko.speedup_vs_best_other_${Math.round(s * 100)}`);
  measuredAt = e.measuredAt;
  env = /load [^;]*; two-core probe[^;]*; \d+ runs per median/.exec(e.notes)?.[0] ?? '';
  const re =
    /(\d+)x(\d+)x(\d+): spmm→(\w+) ([\d.]+) ms vs \w+ [\d.]+ ms \(rosko ([\d.]+), csr ([\d.]+), dense ([\d.]+), tfjs ([\d.]+), ort ([\d.]+)\)/g;
  for (const m of e.notes.matchAll(re)) {
    const [M, K, N] = [+m[1]!, +m[2]!, +m[3]!];
    const t = tileModel(hw, { M, K, N }, 1 - s);
    rows.push({
      shape: `${M}x${K}x${N}`,
      dist: 'uniform',
      s,
      nnz: Math.round((1 - s) * M * K),
      nnzExact: false,
      rosko: +m[6]!,
      csr: +m[7]!,
      dense: +m[8]!,
      tfjs: +m[9]!,
      ort: +m[10]!,
      disp: +m[5]!,
      dispKernel: m[4]!,
      tiles: tilesText(t),
    });
  }
}
// the idle run's analytic tiles (rosko.tile_gap_to_sweep, 90 %) must be tileModel's on this machine
const gap = results['rosko.tile_gap_to_sweep']?.notes ?? '';
for (const m of gap.matchAll(/(\d+)x(\d+)x(\d+): analytic (\d+)\/(\d+)\/(\d+)/g)) {
  const t = tileModel(hw, { M: +m[1]!, K: +m[2]!, N: +m[3]! }, 0.1);
  if (`${t.mc}/${t.kc}/${t.nc}` !== `${m[4]}/${m[5]}/${m[6]}`)
    throw new Error(
      `${m[1]}x${m[2]}x${m[3]}: the run's tiles ${m[4]}/${m[5]}/${m[6]} are not tileModel's ${t.mc}/${t.kc}/${t.nc} on ${JSON.stringify(hw)}`,
    );
}

const realEntry = results['rosko.real_speedup_vs_best_other_90'];
if (!realEntry) throw new Error('bench/results.json has no rosko.real_speedup_vs_best_other_90');
const real = realEntry;
const N = 256;
const cells = new Map<string, RegExpMatchArray>();
for (const part of real.notes.split('; ')) {
  const m = /^(.+ \((\d+)×(\d+)\)) (\d+)%: rosko ([\d.]+), csr ([\d.]+), dense ([\d.]+), spmm→(\w+) ([\d.]+) ms/.exec(part);
  if (m) cells.set(`${m[1]}|${m[4]}`, m);
}
async function main(): Promise<void> {
  const mats = await realWeightMatrices();
  for (const { name, A } of mats)
    for (const pct of [70, 80, 90, 95, 98]) {
      const m = cells.get(`${name}|${pct}`);
      if (!m) throw new Error(`no note for ${name} at ${pct}%`);
      const P = { ...A, data: magnitudePrune(A.data, pct / 100) };
      const pk = pack(P, { N, hw });
      rows.push({
        shape: `${A.rows}x${A.cols}x${N}`,
        dist: 'real',
        name,
        s: pct / 100,
        nnz: pk.nnz,
        ncols: pk.ncols,
        nnzExact: true,
        rosko: +m[5]!,
        csr: +m[6]!,
        dense: +m[7]!,
        disp: +m[9]!,
        dispKernel: m[8]!,
        tiles: tilesText(pk),
      });
    }

  writeFileSync(
    out,
    JSON.stringify(
      {
        measuredAt,
        command: 'npm run bench -- --only rosko',
        env: `${env}; real matrices: ${/\d+ interleaved runs per median; load [\d.]+$/.exec(real.notes)?.[0] ?? ''}`,
        source:
          'rebuilt by scripts/sparse/idle-table.ts from the notes of rosko.speedup_vs_best_other_90/_98 and rosko.real_speedup_vs_best_other_90 in bench/results.json (times: medians in ms, two decimals; uniform nnz: the expectation, nnzExact false)',
        hw,
        rows,
      },
      null,
      1,
    ) + '\n',
  );
  console.log(
    `${out}: ${rows.length} rows (${rows.filter((r) => r.dist === 'uniform').length} uniform, ${rows.filter((r) => r.dist === 'real').length} real)`,
  );
}
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
