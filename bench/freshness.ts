/**
 * Is each number in bench/results.json still the number today's code would produce? Git answers it, per key:
 *
 *  1. the *measurement commit* of a key is the oldest commit, walking back from HEAD, in which bench/results.json already
 *     holds the key with today's `measuredAt` (so a key measured and committed together with its code is fresh);
 *  2. the key's *code* is its bench file (the bench/*.bench.ts whose `export const prefix` is the key's prefix) and the
 *     kernel folder(s) it measures (kernel/papers.ts: the paper owning the prefix, or the foundation's folders);
 *  3. the key is **stale** when a commit reachable from HEAD but not from the measurement commit touches that code
 *     (`git rev-list <measurement>..HEAD -- <code>`): i.e. the code changed after the number was committed, on this
 *     branch or on one merged into it later. Changes to tests (*.test.ts), Markdown and the files a bench writes itself
 *     (BENCH_OUTPUTS) do not count. A key whose measurement is not committed yet was measured on the working tree: fresh.
 *
 * A key that cannot be rerun in time carries `stale: "<reason>"` and passes (the README lists it). A shallow clone or a
 * tree without git cannot answer: the check says so and is skipped, it never guesses.
 *
 * Declared gates: a key whose notes name `bench/declared/<file>.json` passes only if that file is committed and its first
 * commit predates the key's `measuredAt` (the configuration was fixed before the number was seen).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchEntry } from './lib';

/** Files a bench writes beside its keys (committed with them; not code). */
export const BENCH_OUTPUTS = [
  'kernel/federated/shipped/bench.json',
  'kernel/federated/shipped/study',
  // the reported-only MNIST cells of the SphereFed study (bench/declared/fed-reported.json): data, not code
  'kernel/federated/shipped/study-mnist',
  'kernel/gaze/weights/eval.json',
  'kernel/split/shipped/wasm-lut.json',
  'test/fixtures/sparse/rosko-speedup.json',
];
/** Path specs excluded from a key's code. */
const NOT_CODE = [':(exclude,glob)**/*.test.ts', ':(exclude,glob)**/*.md', ...BENCH_OUTPUTS.map((p) => `:(exclude)${p}`)];

export interface StaleFinding {
  key: string;
  measuredAt: string;
  measuredIn: string | null;
  commit: string;
  commitDate: string;
  subject: string;
  paths: string[];
}
export interface DeclaredFinding {
  key: string;
  file: string;
  problem: string;
}
export interface FreshnessReport {
  /** null when git history cannot answer (shallow clone, no git): `why` says which. */
  checked: boolean;
  why?: string;
  stale: StaleFinding[];
  /** Keys carrying an explicit `stale` reason (accepted, listed). */
  acknowledged: { key: string; reason: string }[];
  declared: DeclaredFinding[];
  /** Prefixes whose code paths do not exist in the tree (e.g. a folder that a pending move will create). */
  missingPaths: string[];
}

const RESULTS_REL = 'bench/results.json';
const DECLARED_RE = /bench\/declared\/[A-Za-z0-9._\/-]+\.json/g;

function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).trim();
}

/** prefix → bench file (relative), read from each bench's `export const prefix = '…'` without importing it. */
export function benchFilesByPrefix(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(root, 'bench');
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    if (!f.endsWith('.bench.ts')) continue;
    const m = /export\s+const\s+prefix\s*=\s*['"]([a-z0-9]+)['"]/.exec(readFileSync(join(dir, f), 'utf8'));
    if (m) out.set(m[1]!, `bench/${f}`);
  }
  return out;
}

/** Why git history cannot be used here, or null when it can. */
export function historyUnavailable(root: string): string | null {
  try {
    if (git(root, ['rev-parse', '--is-inside-work-tree']) !== 'true') return 'not a git work tree';
    if (git(root, ['rev-parse', '--is-shallow-repository']) === 'true')
      return 'shallow clone (history cut off: run `git fetch --unshallow` to check freshness)';
    git(root, ['rev-parse', '--verify', 'HEAD']);
    return null;
  } catch (e) {
    return `git unavailable (${(e as Error).message.split('\n')[0]})`;
  }
}

/**
 * key → the commit that added the key's current measuredAt to bench/results.json (the oldest commit whose diff adds that
 * timestamp: pickaxe `git log -S`, which follows the branch the number was measured on, not the merge that brought it in);
 * null when HEAD's file does not have it yet (measured on the working tree).
 */
function measurementCommits(root: string, results: Record<string, BenchEntry>, file: string): Map<string, string | null> {
  let committed: Record<string, BenchEntry> = {};
  try {
    committed = JSON.parse(git(root, ['show', `HEAD:${file}`])) as Record<string, BenchEntry>;
  } catch {
    /* not committed yet */
  }
  const byStamp = new Map<string, string | null>();
  const out = new Map<string, string | null>();
  for (const [k, e] of Object.entries(results)) {
    if (committed[k]?.measuredAt !== e.measuredAt) {
      out.set(k, null);
      continue;
    }
    if (!byStamp.has(e.measuredAt)) {
      const adds = git(root, ['log', '--format=%H', `-S${e.measuredAt}`, 'HEAD', '--', file])
        .split('\n')
        .filter(Boolean);
      byStamp.set(e.measuredAt, adds.pop() ?? null);
    }
    out.set(k, byStamp.get(e.measuredAt)!);
  }
  return out;
}

export interface FreshnessOptions {
  root: string;
  results: Record<string, BenchEntry>;
  /** Kernel folders a bench prefix measures (relative to root). */
  foldersFor: (prefix: string) => readonly string[];
  /** The results file, relative to root (default bench/results.json; bench/quick-expected.json is checked the same way). */
  file?: string;
}

export function checkFreshness(o: FreshnessOptions): FreshnessReport {
  const report: FreshnessReport = { checked: false, stale: [], acknowledged: [], declared: [], missingPaths: [] };
  for (const [key, e] of Object.entries(o.results)) if (e.stale) report.acknowledged.push({ key, reason: e.stale });
  const why = historyUnavailable(o.root);
  if (why) {
    report.why = why;
    return report;
  }
  report.checked = true;
  const benches = benchFilesByPrefix(o.root);
  const meas = measurementCommits(o.root, o.results, o.file ?? RESULTS_REL);
  const cache = new Map<string, string>();
  for (const [key, e] of Object.entries(o.results)) {
    const prefix = key.split('.')[0]!;
    const measuredIn = meas.get(key) ?? null;
    checkDeclared(o.root, key, e, report);
    if (e.stale || !measuredIn) continue; // acknowledged, or measured on the working tree (not committed yet)
    const paths = [benches.get(prefix), ...o.foldersFor(prefix)].filter((p): p is string => !!p);
    const present = paths.filter((p) => existsSync(join(o.root, p)));
    if (present.length < paths.length && !report.missingPaths.some((m) => m.startsWith(`${prefix}:`)))
      report.missingPaths.push(`${prefix}: ${paths.filter((p) => !present.includes(p)).join(', ')}`);
    if (!present.length) continue;
    const ck = `${measuredIn} ${present.join(' ')}`;
    if (!cache.has(ck)) cache.set(ck, lastCodeCommit(o.root, measuredIn, present));
    const line = cache.get(ck)!;
    if (!line) continue;
    const [commit, commitDate, subject] = line.split('\t') as [string, string, string];
    report.stale.push({ key, measuredAt: e.measuredAt, measuredIn, commit, commitDate, subject, paths: present });
  }
  return report;
}

/**
 * Newest commit in measuredIn..HEAD touching `paths` whose message has no `Bench-neutral: <reason>` trailer line (a
 * refactor that moves or renames code without changing results says so; bench-quick re-measures the deterministic keys
 * to hold it to that). "" when none.
 */
function lastCodeCommit(root: string, measuredIn: string, paths: string[]): string {
  // --no-merges: every commit a merge brings in is itself in the range and judged on its own; the merge commit's diff
  // against its first parent would repeat the measured branch's own (already measured) changes. A conflict
  // resolution's edits are not inspected on their own.
  const log = git(root, ['log', '--no-merges', '--format=%x1e%H%x1f%cI%x1f%s%x1f%B', `${measuredIn}..HEAD`, '--', ...paths, ...NOT_CODE]);
  for (const rec of log.split('\x1e').filter((x) => x.trim())) {
    const [h, d, subj, body] = rec.split('\x1f') as [string, string, string, string];
    if (/^Bench-neutral:\s*\S/m.test(body)) continue;
    return `${h.trim()}\t${d}\t${subj}`;
  }
  return '';
}

function checkDeclared(root: string, key: string, e: BenchEntry, report: FreshnessReport): void {
  for (const file of new Set(e.notes?.match(DECLARED_RE) ?? [])) {
    if (!existsSync(join(root, file))) {
      report.declared.push({ key, file, problem: 'named in the notes but missing' });
      continue;
    }
    const first = git(root, ['log', '--diff-filter=A', '--format=%H%x09%cI', '--', file]).split('\n').filter(Boolean).pop();
    if (!first) {
      report.declared.push({ key, file, problem: 'not committed: commit the declaration before measuring' });
      continue;
    }
    const [commit, date] = first.split('\t') as [string, string];
    if (Date.parse(date) >= Date.parse(e.measuredAt)) {
      report.declared.push({
        key,
        file,
        problem: `first committed ${date} (${commit.slice(0, 10)}), not before the measurement (${e.measuredAt})`,
      });
    }
  }
}

/** Human-readable lines for a report (empty when all is well). */
export function describeProblems(r: FreshnessReport): string[] {
  const lines: string[] = [];
  for (const s of r.stale) {
    const subj = s.subject.length > 70 ? `${s.subject.slice(0, 69)}…` : s.subject;
    lines.push(
      `${s.key}: stale — measured ${s.measuredAt.slice(0, 16)} (in ${s.measuredIn!.slice(0, 10)}); ${s.commit.slice(0, 10)} (${s.commitDate.slice(0, 16)} "${subj}") changed ${s.paths.join(', ')} since`,
    );
  }
  for (const d of r.declared) lines.push(`${d.key}: declared gate ${d.file}: ${d.problem}`);
  return lines;
}

/** Reads a results file (used by validate.ts and the tests). */
export function readResultsAt(path: string): Record<string, BenchEntry> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, BenchEntry>;
}
