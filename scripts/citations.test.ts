// Comments and user-visible strings cite the paper (arXiv id and section) or say the choice is ours; they never point
// at documents a reader of this repository does not have (the research briefs, the issue tracker, "paper A/B").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');
const FORBIDDEN = /\bbrief(?:'s)?\b|\bthe issue(?:'s)?\b|\bissue (?:gate|band)s?\b|\bpaper [AB]\b|shared\/research/i;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|ipynb|md)$/.test(e)) out.push(p);
  }
  return out;
}

test('kernel/, extension/ and notebooks/ cite papers, not the briefs or the issue tracker', () => {
  const hits: string[] = [];
  for (const dir of ['kernel', 'extension', 'notebooks']) {
    for (const f of walk(join(root, dir))) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (FORBIDDEN.test(line)) hits.push(`${relative(root, f)}:${i + 1}: ${line.trim().slice(0, 120)}`);
        });
    }
  }
  assert.deepEqual(hits, []);
  assert.ok(FORBIDDEN.test("defaults = the brief's §7.3") && FORBIDDEN.test('see paper A') && !FORBIDDEN.test('arXiv:2410.21730 §3'));
});
