// The doc-comment check must catch what it claims to: plant each kind of gap in a tiny package and see it reported
// (and the CLI exit 1), and see a fully documented package pass — including defaults written as 1e-3, 60 000 and 10 %.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { findGaps, indexFiles } from './check-docs';
import { papers } from '../kernel/papers';

const ROOT = join(__dirname, '..');

const IMPL = `
import { helper } from './helper';
export interface RunOptions {
  /** Crossbar rows (default 128). */
  rows?: number;
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Per-request timeout (ms). Default 60 000. */
  timeoutMs?: number;
  /** Fraction kept (default 10 %). */
  keep?: number;
  /** 'fast' (default) or 'exact'. */
  mode?: 'fast' | 'exact';
  /** Hook called per step (default: none). */
  onStep?: () => void;
  /** Forwarded to the helper, which applies its own default (default 3). */
  passes?: number;
}
/** Run the method (documented). */
export function run(o: RunOptions = {}): number {
  const rows = o.rows ?? 128;
  const { lr = 0.001, timeoutMs = 60_000 } = o;
  const keep = o.keep ?? 0.1;
  const mode = o.mode ?? 'fast';
  (o.onStep ?? (() => {}))();
  return rows * lr * timeoutMs * keep * (mode === 'fast' ? 1 : 2) * helper(o.passes);
}
/** A documented class. */
export class Box {}
`;

const INDEX = "export { run, Box, type RunOptions } from './impl';\n";
const HELPER = 'export function helper(p = 3) { return p; }\n';

/** Each case a package (impl.ts + index.ts + helper.ts) in its own folder; all checked in one compiler program (fast). */
const CASES: Record<string, { impl: string; index?: string }> = {
  documented: { impl: IMPL },
  documentedStar: { impl: IMPL, index: "export * from './impl';\n" },
  undocVerb: { impl: IMPL.replace('/** Run the method (documented). */\n', '') },
  undocClass: { impl: IMPL.replace('/** A documented class. */\n', '') },
  undocField: { impl: IMPL.replace('  /** Crossbar rows (default 128). */\n', '') },
  arrowVerb: {
    impl: IMPL + '\nexport const shout = (o: { loud?: boolean } = {}) => ((o.loud ?? true) ? 1 : 0);\n',
    index: "export * from './impl';\n",
  },
  omitted: { impl: IMPL.replace('Crossbar rows (default 128).', 'Crossbar rows.') },
  wrong: { impl: IMPL.replace('Crossbar rows (default 128).', 'Crossbar rows (default 64).') },
  destructured: { impl: IMPL.replace('Learning rate (default 1e-3).', 'Learning rate (default 1e-2).') },
  ctor: {
    impl: IMPL.replace(
      'export class Box {}',
      'export class Box {\n  size: number;\n  constructor(o: {\n    /** Side. */\n    size?: number;\n    tag?: string;\n  } = {}) {\n    this.size = o.size ?? 8;\n  }\n}',
    ),
  },
  str: { impl: IMPL.replace("'fast' (default) or 'exact'.", "The mode, default 'exact'.") },
  viaWithDefaults: {
    impl: IMPL.replace('const rows = o.rows ?? 128;', 'const { rows } = withDefaults({ rows: 256 }, o);').replace(
      'export interface',
      'declare function withDefaults<D, O>(d: D, o: O): D & O;\nexport interface',
    ),
  },
};

function writePkg(dir: string, impl: string, index = INDEX): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'helper.ts'), HELPER);
  writeFileSync(join(dir, 'impl.ts'), impl);
  writeFileSync(join(dir, 'index.ts'), index);
  return join(dir, 'index.ts');
}

/** Gaps per case name, without the file prefix. */
let memo: Map<string, string[]> | null = null;
function gaps(name: keyof typeof CASES): string[] {
  if (!memo) {
    const root = mkdtempSync(join(tmpdir(), 'check-docs-'));
    try {
      const files = Object.entries(CASES).map(([n, c]) => writePkg(join(root, n), c.impl, c.index));
      memo = new Map(Object.keys(CASES).map((n) => [n, []]));
      for (const g of findGaps(files, root)) {
        const [file, rest] = [g.slice(0, g.indexOf(': ')), g.slice(g.indexOf(': ') + 2)];
        memo.get(relative(root, join(ROOT, file)).split(/[\\/]/)[0]!)!.push(rest);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return memo.get(name)!;
}

test('a documented package passes: defaults in any notation, a "none" default, a default applied elsewhere', () => {
  assert.deepEqual(gaps('documented'), []);
  assert.deepEqual(gaps('documentedStar'), [], 'export * is followed to the declarations');
});

test('a planted undocumented verb, class or options field (of a constructor too) is reported, through re-exports', () => {
  assert.deepEqual(gaps('undocVerb'), ['verb run has no doc comment']);
  assert.deepEqual(gaps('undocClass'), ['class Box has no doc comment']);
  assert.deepEqual(gaps('undocField'), ['run(o.rows) — optional field without a doc comment (its default and unit)']);
  assert.deepEqual(gaps('arrowVerb'), [
    'shout(o.loud) — optional field without a doc comment (its default and unit)',
    'verb shout has no doc comment',
  ]);
});

test('a doc comment that omits or misstates the default the verb applies is reported', () => {
  const msg = (field: string, d: string) => `run(o.${field}) — doc comment does not state the default the verb applies (${d})`;
  assert.deepEqual(gaps('omitted'), [msg('rows', '128')]);
  assert.deepEqual(gaps('wrong'), [msg('rows', '128')]);
  assert.deepEqual(gaps('destructured'), [msg('lr', '0.001')]);
  assert.deepEqual(gaps('str'), [msg('mode', "'fast'")]);
  assert.deepEqual(gaps('ctor'), [
    'Box(o.size) — doc comment does not state the default the verb applies (8)',
    'Box(o.tag) — optional field without a doc comment (its default and unit)',
  ]);
  assert.deepEqual(gaps('viaWithDefaults'), [msg('rows', '256')]);
});

test('the CLI exits 1 and names the gap for a planted undocumented export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-docs-cli-'));
  const index = writePkg(dir, IMPL + '\nexport function planted(x: number) { return x; }\n', "export * from './impl';\n");
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'check-docs.ts'), index], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /verb planted has no doc comment/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the checked scope is the whole public API: kernel/index.ts, its namespaces, every landed paper', () => {
  const files = indexFiles().map((f) => relative(ROOT, f));
  for (const f of [
    'kernel/index.ts',
    'kernel/core/jobs/index.ts',
    'kernel/core/io/index.ts',
    'kernel/model/index.ts',
    'kernel/viz/index.ts',
  ])
    assert.ok(files.includes(f), `${f} is not checked (have ${files.join(', ')})`);
  for (const p of papers.filter((q) => q.status === 'landed'))
    assert.ok(files.includes(`${p.folder}/index.ts`), `${p.folder} is not checked`);
});
