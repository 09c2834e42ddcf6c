/**
 * npm run bench [-- --quick] [-- --only <prefix>[,<prefix>…]] [-- --results <path>]
 * Runs every bench/<name>.bench.ts whose exported `prefix` matches, each updating bench/results.json (or <path>:
 * a scratch results file, as the bench-quick CI suite uses; shipped artifacts are then left alone).
 * A bench module exports `prefix: string` and `run(ctx: BenchContext): Promise<void>`.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchContext } from './lib';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const oi = args.indexOf('--only');
  const ri = args.indexOf('--results');
  if (ri >= 0) {
    if (!args[ri + 1]) {
      console.error('--results needs a path');
      process.exit(2);
    }
    process.env.EDGELAB_BENCH_RESULTS = resolve(args[ri + 1]!);
  }
  const artifacts = !process.env.EDGELAB_BENCH_RESULTS;
  const only =
    oi >= 0
      ? (args[oi + 1] ?? '')
          .split(',')
          .filter(Boolean)
          .map((s) => s.replace(/\.$/, ''))
      : null;
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  let ran = 0;
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { prefix: string; run: (ctx: BenchContext) => Promise<void> };
    if (only && !only.includes(mod.prefix)) continue;
    const command = `npm run bench -- --only ${mod.prefix}${quick ? ' --quick' : ''}`;
    const t0 = Date.now();
    console.log(`▶ ${f} (${mod.prefix}.*)`);
    await mod.run({ quick, artifacts, command, log: (m) => console.log(`  ${m}`) });
    console.log(`✔ ${f} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ran++;
  }
  if (!ran) {
    console.error(`no bench matched ${only?.join(',')}; prefixes come from bench/*.bench.ts`);
    process.exit(2);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
