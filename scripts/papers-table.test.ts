import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { papers } from '../kernel/papers';
import { END, papersTable, withPapersTable } from './papers-table';

const root = join(__dirname, '..');

test('README paper table equals the one generated from kernel/papers.ts (run npx tsx scripts/papers-table.ts)', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const a = readme.indexOf('<!-- papers:begin');
  assert.ok(a >= 0, 'README.md lacks the <!-- papers:begin --> marker');
  assert.equal(readme.slice(a, readme.indexOf(END) + END.length), papersTable());
  // it is the first section after the two commands
  const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  assert.equal(sections[sections.indexOf('Two commands (fresh Debian machine, as root)') + 1], 'Papers');
});

test('withPapersTable rewrites a stale block and nothing else', () => {
  const stale = `intro\n<!-- papers:begin -->\n| old |\n${END}\noutro`;
  const fresh = withPapersTable(stale);
  assert.ok(fresh.startsWith('intro\n') && fresh.endsWith('\noutro'));
  assert.ok(fresh.includes(`el.${papers[0]!.namespace}`));
  const drifted = [{ ...papers[0]!, notebook: 'notebooks/renamed.ipynb' }, ...papers.slice(1)];
  assert.notEqual(papersTable(drifted), papersTable(), 'a changed record changes the table');
  assert.throws(() => withPapersTable('no markers'), /papers:begin/);
});

test('each landed paper is reachable from its row: folder with index.ts, tutorial, bench prefixes and headline keys in results.json', () => {
  const results = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8')) as Record<string, unknown>;
  const keys = Object.keys(results);
  for (const p of papers.filter((x) => x.status === 'landed')) {
    assert.ok(existsSync(join(root, p.folder, 'index.ts')), `${p.id}: ${p.folder}/index.ts`);
    assert.ok(existsSync(join(root, p.notebook)), `${p.id}: ${p.notebook}`);
    for (const b of p.benchPrefixes)
      assert.ok(
        keys.some((k) => k.startsWith(`${b}.`)),
        `${p.id}: no bench key with prefix ${b}`,
      );
    for (const k of p.headlineKeys) {
      assert.ok(keys.includes(k), `${p.id}: headline key ${k} not in bench/results.json`);
      assert.ok(
        p.benchPrefixes.some((b) => k.startsWith(`${b}.`)),
        `${p.id}: headline key ${k} outside its prefixes`,
      );
    }
    for (const d of p.buildsOn)
      assert.ok(
        papers.some((q) => q.id === d),
        `${p.id} builds on unknown ${d}`,
      );
  }
});
