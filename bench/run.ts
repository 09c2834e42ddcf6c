/**
 * npm run bench [-- --quick] [-- --only <prefix>[,<prefix>…]] [-- --results <path>] [-- --redis <url>]
 * Runs every bench/<name>.bench.ts whose exported `prefix` matches, each updating bench/results.json (or <path>:
 * a scratch results file, as the bench-quick CI suite uses; shipped artifacts are then left alone).
 * --redis: benches that declare independent cells as jobs (bench/cells.ts) send them to BullMQ workers at <url>
 * (`npx edgelab worker --redis <url>` on each host); the URL may also come from EDGELAB_BENCH_REDIS.
 * A bench module exports `prefix: string` and `run(ctx: BenchContext): Promise<void>`.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchContext } from './lib';
import { closeJobs } from '../kernel/core/jobs';

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
  const di = args.indexOf('--redis');
  if (di >= 0 && !/^rediss?:\/\//.test(args[di + 1] ?? '')) {
    console.error('--redis needs a redis:// or rediss:// URL');
    process.exit(2);
  }
  const redis = di >= 0 ? args[di + 1] : process.env.EDGELAB_BENCH_REDIS || undefined;
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
    await mod.run({ quick, artifacts, command, redis, log: (m) => console.log(`  ${m}`) });
    console.log(`✔ ${f} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ran++;
  }
  await closeJobs();
  if (!ran) {
    console.error(`no bench matched ${only?.join(',')}; prefixes come from bench/*.bench.ts`);
    process.exit(2);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
