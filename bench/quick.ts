/**
 * CI's bench-quick suite: re-measures what is cheap and deterministic, so a change that moves a committed number cannot
 * pass unnoticed. Each bench/<name>.bench.ts exports `quickCheck` (bench/lib.ts QuickCheck): which of its keys are
 * deterministic (with a tolerance) and which are timings (a plausible range only). This script runs every bench that
 * declares one with `--quick` into a scratch results file (bench/results.json and shipped artifacts stay untouched), one
 * process per bench, and compares:
 *   { tol, vs: 'full' }  → the committed full-run value in bench/results.json (quick mode computes the same number);
 *   { tol }              → the committed quick-run value in bench/quick-expected.json (quick mode uses less data, so its
 *                          number differs from the full run's; the file is itself checked for freshness by validate.ts);
 *   { range }            → lo ≤ value ≤ hi.
 *
 *   node --import tsx bench/quick.ts [--only p1,p2] [--keep <path>]   (--keep: also merge the quick results into <path>)
 *   node --import tsx bench/quick.ts --record [--only p]   (re-measure and write the quick values to bench/quick-expected.json)
 *
 * All randomness in the benches flows from fixed seeds; the runs use the wasm backend, single-threaded.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults, type BenchEntry, type KeyCheck, type QuickCheck } from './lib';

export const QUICK_EXPECTED = join(__dirname, 'quick-expected.json');

export interface Mismatch {
  key: string;
  problem: string;
}

/** Compares one quick run's results with the declared checks. Pure: the unit test plants changes through it. */
export function compare(
  checks: Record<string, KeyCheck>,
  got: Record<string, BenchEntry>,
  full: Record<string, BenchEntry>,
  quickExpected: Record<string, BenchEntry>,
): { mismatches: Mismatch[]; lines: string[] } {
  const mismatches: Mismatch[] = [],
    lines: string[] = [];
  for (const [key, c] of Object.entries(checks)) {
    const g = got[key];
    if (!g) {
      mismatches.push({ key, problem: 'not measured by the quick run' });
      continue;
    }
    if ('range' in c) {
      const [lo, hi] = c.range;
      const ok = g.value >= lo && g.value <= hi;
      lines.push(`${ok ? 'ok  ' : 'FAIL'} ${key} = ${fmt(g.value)} ${g.unit} (plausible ${lo}…${hi}; timing, not compared)`);
      if (!ok) mismatches.push({ key, problem: `${fmt(g.value)} outside the plausible range ${lo}…${hi}` });
      continue;
    }
    const src = c.vs === 'full' ? 'bench/results.json' : 'bench/quick-expected.json';
    const want = (c.vs === 'full' ? full : quickExpected)[key];
    if (!want) {
      mismatches.push({
        key,
        problem: `no committed value in ${src} (run: node --import tsx bench/quick.ts --record --only ${key.split('.')[0]})`,
      });
      continue;
    }
    const d = Math.abs(g.value - want.value);
    const ok = d <= c.tol + 1e-12 * Math.abs(want.value);
    lines.push(`${ok ? 'ok  ' : 'FAIL'} ${key} = ${fmt(g.value)} vs ${fmt(want.value)} in ${src} (|Δ| ${fmt(d)} ≤ ${c.tol})`);
    if (!ok)
      mismatches.push({
        key,
        problem: `quick run gives ${fmt(g.value)}, ${src} has ${fmt(want.value)} (|Δ| ${fmt(d)} > tolerance ${c.tol})`,
      });
  }
  return { mismatches, lines };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10))));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? (args[oi + 1] ?? '').split(',').filter(Boolean) : null;
  const recordMode = args.includes('--record');
  const ki = args.indexOf('--keep');
  const scratch = mkdtempSync(join(tmpdir(), 'edgelab-bench-quick-'));
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const full = readResults();
  const quickExpected = readResults(QUICK_EXPECTED);
  const all: Mismatch[] = [];
  const t00 = Date.now();
  const jobs: { f: string; prefix: string; qc: QuickCheck }[] = [];
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { prefix: string; quickCheck?: QuickCheck };
    if (only && !only.includes(mod.prefix)) continue;
    const qc = mod.quickCheck;
    if (!qc) {
      all.push({ key: `${mod.prefix}.*`, problem: `${f} exports no quickCheck (declare its deterministic keys, or skip: "<reason>")` });
      continue;
    }
    if (qc.skip) {
      console.log(`○ ${f}: not run here — ${qc.skip}`);
      continue;
    }
    jobs.push({ f, prefix: mod.prefix, qc });
  }
  // two benches at a time (each is single-threaded; the CI machine has 2 cores), each into its own scratch file
  const runOne = async ({ f, prefix, qc }: (typeof jobs)[number]): Promise<void> => {
    const out = join(scratch, `${prefix}.json`);
    const t0 = Date.now();
    const env = { ...process.env, ...qc.env, EDGELAB_BENCH_RESULTS: out };
    const r = await new Promise<{ status: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'run.ts'), '--quick', '--only', prefix], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        text += d;
      });
      child.on('close', (status) => resolve({ status, text }));
    });
    const secs = (Date.now() - t0) / 1000;
    if (r.status !== 0) {
      console.log(`✖ ${f} --quick failed (exit ${r.status}) after ${secs.toFixed(1)} s:\n${r.text.slice(-3000)}`);
      all.push({ key: `${prefix}.*`, problem: `quick run failed (exit ${r.status})` });
      return;
    }
    const got = readResults(out);
    if (ki >= 0) record(got, { path: args[ki + 1]!, keep: true });
    if (recordMode) {
      recordExpected(qc, got);
      console.log(
        `● ${f}: recorded ${Object.values(qc.keys).filter((c) => 'tol' in c && c.vs !== 'full').length} quick value(s) in ${QUICK_EXPECTED} (${secs.toFixed(1)} s)`,
      );
      return;
    }
    const { mismatches, lines } = compare(qc.keys, got, full, quickExpected);
    console.log(
      `${mismatches.length ? '✖' : '✔'} ${f} --quick in ${secs.toFixed(1)} s${
        qc.env
          ? ` (${Object.entries(qc.env)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')})`
          : ''
      }\n${lines.map((l) => `    ${l}`).join('\n')}`,
    );
    all.push(...mismatches);
  };
  const queue = [...jobs];
  const lanes = Math.max(1, Math.min(2, availableParallelism()));
  try {
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let j = queue.shift(); j; j = queue.shift()) await runOne(j);
      }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`bench-quick: ${((Date.now() - t00) / 1000).toFixed(1)} s`);
  if (all.length) {
    console.error(`\n${all.length} key(s) differ from their committed values:\n${all.map((m) => `  ${m.key}: ${m.problem}`).join('\n')}`);
    console.error(
      'If the change is intended: rerun the full bench (npm run bench -- --only <prefix>) and node --import tsx bench/quick.ts --record --only <prefix>, and commit both.',
    );
    process.exit(1);
  }
}

/** Merges entries (as measured) into a results file. */
function record(entries: Record<string, BenchEntry>, o: { path: string; keep: true }): void {
  const r = existsSync(o.path) ? readResults(o.path) : {};
  Object.assign(r, entries);
  writeFileSync(o.path, JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))), null, 2) + '\n');
}

/** Writes the quick values of a bench's quick-compared keys into bench/quick-expected.json (other keys kept). */
function recordExpected(qc: QuickCheck, got: Record<string, BenchEntry>): void {
  const r = existsSync(QUICK_EXPECTED) ? readResults(QUICK_EXPECTED) : {};
  for (const [k, c] of Object.entries(qc.keys)) {
    if (!('tol' in c) || c.vs === 'full') continue;
    if (!got[k]) throw new Error(`${k}: not measured by the quick run`);
    r[k] = got[k];
  }
  const sorted = Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(QUICK_EXPECTED, JSON.stringify(sorted, null, 2) + '\n');
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
