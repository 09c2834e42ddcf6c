/**
 * npm run bench [-- --quick] [-- --only <prefix>[,<prefix>…]]
 * Runs every bench/<name>.bench.ts whose exported `prefix` matches, each updating bench/results.json.
 * A bench module exports `prefix: string` and `run(ctx: BenchContext): Promise<void>`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './lib';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? (args[oi + 1] ?? '').split(',').filter(Boolean).map((s) => s.replace(/\.$/, '')) : null;
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort();
  let ran = 0;
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { prefix: string; run: (ctx: BenchContext) => Promise<void> };
    if (only && !only.includes(mod.prefix)) continue;
    const command = `npm run bench -- --only ${mod.prefix}${quick ? ' --quick' : ''}`;
    const t0 = Date.now();
    console.log(`▶ ${f} (${mod.prefix}.*)`);
    await mod.run({ quick, command, log: (m) => console.log(`  ${m}`) });
    console.log(`✔ ${f} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ran++;
  }
  if (!ran) { console.error(`no bench matched ${only?.join(',')}; prefixes come from bench/*.bench.ts`); process.exit(2); }
}
main().catch((e) => { console.error(e); process.exit(1); });
