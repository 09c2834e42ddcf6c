/**
 * The README's paper table, generated from the paper index (kernel/papers.ts) and written between the markers
 *   <!-- papers:begin --> … <!-- papers:end -->
 * in README.md. `npx tsx scripts/papers-table.ts` rewrites it; `--check` exits 1 when README.md and the index differ
 * (scripts/papers-table.test.ts runs the same check in the unit suite).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { papers, type Paper } from '../kernel/papers';

export const BEGIN = '<!-- papers:begin (generated from kernel/papers.ts by `npx tsx scripts/papers-table.ts`; do not edit by hand) -->';
export const END = '<!-- papers:end -->';
const README = join(__dirname, '..', 'README.md');

const code = (s: string): string => `\`${s}\``;

function row(p: Paper): string {
  const title = p.arxiv ? `[${p.title}](https://arxiv.org/abs/${p.arxiv})` : p.title;
  const landed = p.status === 'landed';
  return `| ${title} | ${p.venue} | ${code(`el.${p.namespace}`)} | ${code(p.folder)} | ${code(p.notebook)} | ${p.benchPrefixes.map(code).join(', ')} | ${
    landed ? p.headlineKeys.map(code).join(', ') || '—' : 'planned'
  } |`;
}

/** The markdown table (with its markers) for the given index. */
export function papersTable(list: readonly Paper[] = papers): string {
  return [
    BEGIN,
    '| paper | venue | namespace | folder | tutorial | bench prefixes | headline keys |',
    '|---|---|---|---|---|---|---|',
    ...list.map(row),
    END,
  ].join('\n');
}

/** `readme` with its marked block replaced by the generated table; throws when the markers are missing. */
export function withPapersTable(readme: string, list: readonly Paper[] = papers): string {
  const a = readme.indexOf('<!-- papers:begin'),
    b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no <!-- papers:begin --> … ${END} block`);
  return readme.slice(0, a) + papersTable(list) + readme.slice(b + END.length);
}

if (require.main === module) {
  const text = readFileSync(README, 'utf8');
  const next = withPapersTable(text);
  if (process.argv.includes('--check')) {
    if (next !== text) {
      console.error('README.md paper table differs from kernel/papers.ts: run npx tsx scripts/papers-table.ts');
      process.exit(1);
    }
  } else if (next !== text) {
    writeFileSync(README, next);
    console.log('README.md: paper table updated');
  }
}
