/**
 * Measure the per-op latency table of the SplitNets search space on this machine's tfjs-wasm backend (batch 1, the
 * supernet's ops) and compare it with the analytic cost model (kernel/split/lut.ts).
 *
 *   nice -n 10 npx tsx scripts/split/measure-lut.ts [--repeats 25]
 *
 * Writes kernel/split/shipped/wasm-lut.json (with the load average it was measured under: on a shared machine the
 * numbers are slower and noisier than on an idle one).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { init } from '../../kernel/core/backend';
import { measureLatencyTable, spaceOps, compareWithAnalytic, rankAgreement } from '../../kernel/split/lut';
import { FULL_SPACE } from '../../kernel/split/search';

async function main(): Promise<void> {
  await init({ backend: 'wasm', verbose: false });
  const i = process.argv.indexOf('--repeats');
  const repeats = i > 0 ? Number(process.argv[i + 1]) : 25;
  const ops = spaceOps(FULL_SPACE);
  console.log(`${ops.length} distinct ops in FULL_SPACE`);
  const table = await measureLatencyTable(ops, { repeats });
  const cmp = compareWithAnalytic(table);
  const rank = rankAgreement(table, FULL_SPACE, 200, 0);
  console.log(
    `load ${table.loadBefore.map((x) => x.toFixed(1)).join('/')} → ${table.loadAfter.map((x) => x.toFixed(1)).join('/')}; fitted ${(cmp.macsPerSecond / 1e9).toFixed(3)} GMAC/s; affine: ${(cmp.affine.fixedSeconds * 1e6).toFixed(1)} µs/op + ${(cmp.affine.macsPerSecond / 1e9).toFixed(3)} GMAC/s; Kendall τ (200 configs) ${rank.tau.toFixed(3)}`,
  );
  const out = join(__dirname, '..', '..', 'kernel', 'split', 'shipped', 'wasm-lut.json');
  writeFileSync(
    out,
    JSON.stringify(
      {
        ...table,
        command: `nice -n 10 npx tsx scripts/split/measure-lut.ts --repeats ${repeats}`,
        machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}`,
        space: 'FULL_SPACE',
        licence: 'MIT (this repository)',
      },
      null,
      1,
    ) + '\n',
  );
  console.log(`wrote ${out}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
