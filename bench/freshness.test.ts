// bench/freshness.ts on throwaway git repositories: a key goes stale when its code changes after it was committed,
// comes back fresh when rerun, and `stale: "<reason>"` is the only way past; declared gates must predate the number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkFreshness, describeProblems } from './freshness';
import type { BenchEntry } from './lib';

let clock = Date.parse('2026-12-01T10:00:00Z');
const tick = () => new Date((clock += 60_000)).toISOString();

function repo(): {
  root: string;
  git: (...a: string[]) => string;
  write: (p: string, s: string) => void;
  commit: (m: string) => string;
  done: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), 'edgelab-fresh-'));
  const git = (...a: string[]) =>
    execFileSync('git', a, {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_DATE: new Date(clock).toISOString(), GIT_COMMITTER_DATE: new Date(clock).toISOString() },
    }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.invalid');
  git('config', 'user.name', 't');
  const write = (p: string, s: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), s);
  };
  const commit = (m: string) => {
    tick();
    git('add', '-A');
    git('commit', '-q', '-m', m);
    return git('rev-parse', 'HEAD');
  };
  return { root, git, write, commit, done: () => rmSync(root, { recursive: true, force: true }) };
}

const entry = (value: number, extra: Partial<BenchEntry> = {}): BenchEntry => ({
  value,
  unit: 'x',
  measuredAt: tick(),
  machine: 'm',
  command: 'npm run bench -- --only x',
  ...extra,
});
const results = (r: Record<string, BenchEntry>) => JSON.stringify(r, null, 2) + '\n';
const foldersFor = (p: string) => (p === 'x' ? ['kernel/xf'] : []);

test('a key goes stale when its kernel folder changes after the measurement, naming key and commit; a rerun makes it fresh', () => {
  const g = repo();
  try {
    g.write('bench/x.bench.ts', "export const prefix = 'x';\n");
    g.write('kernel/xf/a.ts', 'export const a = 1;\n');
    let r = { 'x.k': entry(1) };
    g.write('bench/results.json', results(r));
    g.commit('x: code and its measurement in one commit');
    assert.deepEqual(checkFreshness({ root: g.root, results: r, foldersFor }).stale, [], 'measured with its code: fresh');

    g.write('kernel/xf/a.test.ts', 'test\n');
    g.write('kernel/xf/README.md', 'doc\n');
    g.commit('tests and docs only');
    assert.deepEqual(checkFreshness({ root: g.root, results: r, foldersFor }).stale, [], 'tests and Markdown are not code');

    g.write('kernel/xf/a.ts', 'export const a = 2;\n');
    const change = g.commit('x: change the method');
    const rep = checkFreshness({ root: g.root, results: r, foldersFor });
    assert.equal(rep.checked, true);
    assert.deepEqual(
      rep.stale.map((s) => [s.key, s.commit]),
      [['x.k', change]],
    );
    assert.match(describeProblems(rep)[0]!, new RegExp(`^x\\.k: .*${change.slice(0, 10)}.*x: change the method`));

    // the same for the bench file itself
    r = { 'x.k': entry(1) };
    g.write('bench/results.json', results(r));
    assert.deepEqual(
      checkFreshness({ root: g.root, results: r, foldersFor }).stale,
      [],
      'rerun on the working tree: fresh before it is committed',
    );
    g.commit('x: rerun');
    assert.deepEqual(checkFreshness({ root: g.root, results: r, foldersFor }).stale, [], 'and after');
    g.write('bench/x.bench.ts', "export const prefix = 'x'; // more runs\n");
    g.commit('x: bench edit');
    assert.deepEqual(
      checkFreshness({ root: g.root, results: r, foldersFor }).stale.map((s) => s.key),
      ['x.k'],
    );

    // the escape hatch
    const acked = { 'x.k': { ...r['x.k'], stale: 'needs 45 min on an idle box' } };
    const rep2 = checkFreshness({ root: g.root, results: acked, foldersFor });
    assert.deepEqual(rep2.stale, []);
    assert.deepEqual(rep2.acknowledged, [{ key: 'x.k', reason: 'needs 45 min on an idle box' }]);
  } finally {
    g.done();
  }
});

test('a number measured on a branch is stale against code merged into main after the branch point', () => {
  const g = repo();
  try {
    g.write('bench/x.bench.ts', "export const prefix = 'x';\n");
    g.write('kernel/xf/a.ts', '1\n');
    g.write('bench/results.json', '{}\n');
    g.commit('base');
    g.git('checkout', '-q', '-b', 'side');
    const r = { 'x.k': entry(5) };
    g.write('bench/results.json', results(r));
    g.commit('side: measure x');
    g.git('checkout', '-q', 'main');
    g.write('kernel/xf/a.ts', '2\n');
    const change = g.commit('main: change x after the branch point');
    tick();
    g.git('merge', '-q', '--no-edit', 'side');
    const rep = checkFreshness({ root: g.root, results: r, foldersFor });
    assert.deepEqual(
      rep.stale.map((s) => s.commit),
      [change],
      "the merge does not make the branch measurement cover main's change",
    );
  } finally {
    g.done();
  }
});

test('merging a measured branch does not make its own earlier changes stale; a later real change on main does', () => {
  const g = repo();
  try {
    g.write('bench/x.bench.ts', "export const prefix = 'x';\n");
    g.write('kernel/xf/a.ts', '1\n');
    g.write('kernel/xf/b.ts', '1\n');
    g.write('bench/results.json', '{}\n');
    g.commit('base');
    g.git('checkout', '-q', '-b', 'side');
    g.write('kernel/xf/a.ts', '2\n');
    g.commit('side: change x');
    const r = { 'x.k': entry(5) };
    g.write('bench/results.json', results(r));
    g.commit('side: measure x');
    g.git('checkout', '-q', 'main');
    g.write('kernel/xf/b.ts', '2\n');
    g.commit('main: comment in x\n\nBench-neutral: comment only');
    tick();
    g.git('merge', '-q', '--no-edit', 'side');
    assert.deepEqual(checkFreshness({ root: g.root, results: r, foldersFor }).stale, [], 'the merge commit itself is not a code change');
    g.write('kernel/xf/b.ts', '3\n');
    const real = g.commit('main: real change to x');
    assert.deepEqual(
      checkFreshness({ root: g.root, results: r, foldersFor }).stale.map((s) => s.commit),
      [real],
    );
  } finally {
    g.done();
  }
});

test('a shallow clone or a tree without git is reported as unchecked, never as fresh or stale', () => {
  const g = repo();
  const shallow = mkdtempSync(join(tmpdir(), 'edgelab-shallow-'));
  try {
    g.write('bench/x.bench.ts', "export const prefix = 'x';\n");
    g.write('kernel/xf/a.ts', '1\n');
    const r = { 'x.k': entry(1) };
    g.write('bench/results.json', results(r));
    g.commit('one');
    g.write('kernel/xf/a.ts', '2\n');
    g.commit('two');
    rmSync(shallow, { recursive: true });
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${g.root}`, shallow]);
    const rep = checkFreshness({ root: shallow, results: r, foldersFor });
    assert.equal(rep.checked, false);
    assert.match(rep.why!, /shallow/);
    const bare = mkdtempSync(join(tmpdir(), 'edgelab-nogit-'));
    try {
      assert.equal(checkFreshness({ root: bare, results: r, foldersFor }).checked, false);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  } finally {
    g.done();
    rmSync(shallow, { recursive: true, force: true });
  }
});

test('declared gates: the named file must exist and be committed before the measurement', () => {
  const g = repo();
  try {
    g.write('bench/x.bench.ts', "export const prefix = 'x';\n");
    g.write('bench/results.json', '{}\n');
    g.write('bench/declared/x-gate.json', '{"model":"a"}\n');
    g.commit('declare the x gate');
    const notes = 'gate model fixed in bench/declared/x-gate.json';
    const after = { 'x.k': entry(1, { notes }) };
    assert.deepEqual(checkFreshness({ root: g.root, results: after, foldersFor }).declared, []);
    const before = { 'x.k': { ...entry(1, { notes }), measuredAt: '2026-11-01T00:00:00.000Z' } };
    assert.match(checkFreshness({ root: g.root, results: before, foldersFor }).declared[0]!.problem, /not before the measurement/);
    const missing = { 'x.k': entry(1, { notes: 'see bench/declared/nope.json' }) };
    assert.match(checkFreshness({ root: g.root, results: missing, foldersFor }).declared[0]!.problem, /missing/);
    g.write('bench/declared/late.json', '{}\n');
    const uncommitted = { 'x.k': entry(1, { notes: 'bench/declared/late.json' }) };
    assert.match(checkFreshness({ root: g.root, results: uncommitted, foldersFor }).declared[0]!.problem, /not committed/);
  } finally {
    g.done();
  }
});

test('a commit whose message says "Bench-neutral: <reason>" does not make keys stale; the next real change does', () => {
  const g = repo();
  try {
    g.write('bench/x.bench.ts', "export const prefix = 'x';\n");
    g.write('kernel/xf/a.ts', '1\n');
    const r = { 'x.k': entry(1) };
    g.write('bench/results.json', results(r));
    g.commit('measure');
    g.write('kernel/xf/b.ts', '1\n');
    g.git('rm', '-q', 'kernel/xf/a.ts');
    g.commit('move a to b\n\nBench-neutral: file move, no code change');
    assert.deepEqual(checkFreshness({ root: g.root, results: r, foldersFor }).stale, []);
    g.write('kernel/xf/b.ts', '2\n');
    const real = g.commit('change b (mentions Bench-neutral: only in the subject line is not a trailer)');
    assert.deepEqual(
      checkFreshness({ root: g.root, results: r, foldersFor }).stale.map((s) => s.commit),
      [real],
    );
  } finally {
    g.done();
  }
});
