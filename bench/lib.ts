/**
 * Benchmark results file: bench/results.json, updated key by key (a run never erases keys it did
 * not measure). Every entry: { value, unit, baseline?, measuredAt, machine, command, notes? }.
 * Ratios are taken against a baseline measured in the same process; timings are medians of warm runs.
 */
import { readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface BenchEntry {
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  measuredAt: string;
  machine: string;
  command: string;
  notes?: string;
  /** Set when the key was not rerun after its code changed: why (bench/validate.ts accepts it and the README lists it). */
  stale?: string;
}

export const RESULTS_PATH = join(__dirname, 'results.json');

/** Where record() writes: EDGELAB_BENCH_RESULTS (set by `npm run bench -- --results <path>`, e.g. the bench-quick suite's temp file) or bench/results.json. */
export function resultsPath(): string {
  return process.env.EDGELAB_BENCH_RESULTS || RESULTS_PATH;
}

export function machine(): string {
  const c = cpus();
  return `${c.length}× ${c[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

export function readResults(path = RESULTS_PATH): Record<string, BenchEntry> {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, BenchEntry>) : {};
}

/** Schema check used by CI: every entry has a finite value, a unit, a date, a machine and a command. */
export function validateResults(r: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    const e = v as Partial<BenchEntry> | null;
    if (!/^[a-z0-9]+\.[a-z0-9_]+$/.test(k)) problems.push(`${k}: key must look like "<prefix>.<snake_name>"`);
    if (!e || typeof e !== 'object') {
      problems.push(`${k}: not an object`);
      continue;
    }
    if (typeof e.value !== 'number' || !Number.isFinite(e.value)) problems.push(`${k}: value must be a finite number`);
    if (typeof e.unit !== 'string' || !e.unit) problems.push(`${k}: unit missing`);
    if (typeof e.command !== 'string' || !e.command) problems.push(`${k}: command missing`);
    if (typeof e.machine !== 'string' || !e.machine) problems.push(`${k}: machine missing`);
    if (typeof e.measuredAt !== 'string' || Number.isNaN(Date.parse(e.measuredAt))) problems.push(`${k}: measuredAt must be an ISO date`);
    if (e.stale !== undefined && (typeof e.stale !== 'string' || !e.stale.trim())) problems.push(`${k}: stale must be a non-empty reason`);
    if (e.baseline !== undefined) {
      const b = e.baseline;
      if (!b || typeof b.name !== 'string' || typeof b.value !== 'number' || !Number.isFinite(b.value) || typeof b.unit !== 'string') {
        problems.push(`${k}: baseline must be { name, value (finite), unit }`);
      }
    }
  }
  return problems;
}

/** Merge entries into results.json (atomic write; other keys kept). */
export function record(
  entries: Record<string, Omit<BenchEntry, 'measuredAt' | 'machine' | 'command'> & { command?: string }>,
  opts: { command: string; path?: string },
): void {
  const path = opts.path ?? resultsPath();
  const r = readResults(path);
  const now = new Date().toISOString();
  for (const [k, e] of Object.entries(entries)) {
    r[k] = { ...e, measuredAt: now, machine: machine(), command: e.command ?? opts.command }; // a rerun clears `stale`
  }
  const problems = validateResults(r);
  if (problems.length) throw new Error(`bench results invalid:\n${problems.join('\n')}`);
  const sorted = Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(path + '.tmp', JSON.stringify(sorted, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/** Time `fn` `runs` times after `warmup` runs; returns per-run milliseconds. */
export async function timeRuns(fn: () => unknown | Promise<unknown>, runs: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * How CI's bench-quick suite (bench/quick.ts) checks a key that `npm run bench -- --quick` measures:
 *  - `{ tol }`: deterministic (counts, exact ratios, accuracies of shipped or seeded models): |quick − expected| ≤ tol, in
 *    the key's unit. Expected is the committed full-run value in bench/results.json when `vs: 'full'` (quick mode computes
 *    the very same number), else the committed quick-run value in bench/quick-expected.json (quick mode uses less data);
 *  - `{ range: [lo, hi] }`: load-dependent (timings, speedups on a shared box): plausibility only, never speed.
 */
export type KeyCheck = { tol: number; vs?: 'full' } | { range: readonly [number, number] };

/** A bench's declaration for bench-quick: its keys, extra env for the quick run (e.g. one part), or why it is left out. */
export interface QuickCheck {
  keys: Record<string, KeyCheck>;
  env?: Record<string, string>;
  /** Set when the bench cannot run within the suite's budget: the reason (printed by the suite). */
  skip?: string;
}

/** Options every bench script receives from bench/run.ts. */
export interface BenchContext {
  quick: boolean;
  /** False when results go to a scratch file (`--results`): the bench then leaves shipped artifacts (eval.json, figures) alone. */
  artifacts: boolean;
  /** The command line that reproduces this run (recorded with each key). */
  command: string;
  log: (msg: string) => void;
  /** `--redis <url>`: independent cells go to BullMQ workers there (bench/cells.ts runCells); absent: they run in this process. */
  redis?: string;
}

/** CPU cores actually available now: total CPU time of two spinning workers over wall time (2.0 = both cores free). */
export async function coreProbe(ms = 400): Promise<number> {
  const src = `const {parentPort}=require('node:worker_threads');parentPort.on('message',(ms)=>{let x=0;const t=Date.now();while(Date.now()-t<ms)x++;parentPort.postMessage(x)})`;
  const ws = [0, 1].map(() => new Worker(src, { eval: true }));
  await Promise.all(
    ws.map(
      (w) =>
        new Promise((res) => {
          w.once('message', res);
          w.postMessage(1);
        }),
    ),
  );
  const c0 = process.cpuUsage(),
    t0 = performance.now();
  await Promise.all(
    ws.map(
      (w) =>
        new Promise((res) => {
          w.once('message', res);
          w.postMessage(ms);
        }),
    ),
  );
  const c = process.cpuUsage(c0),
    wall = performance.now() - t0;
  await Promise.all(ws.map((w) => w.terminate()));
  return (c.user + c.system) / 1000 / wall;
}
