// Lint with import boundaries:
//  - no `vscode` import outside extension/ (the kernel, tests of the kernel and benches stay editor-free);
//  - the kernel never imports from extension/ or media/;
//  - DOM types are kept out of kernel/ by tsconfig.json (lib without "dom"); this config adds the import rules;
//  - paper boundaries (edgelab/paper-boundaries, below): a paper folder's internal files are imported only by the
//    folder itself, its benches (bench/<prefix>.bench.ts, prefixes from kernel/papers.ts) and its scripts
//    (scripts/<paper>/); everyone else goes through its index.ts (or its one browser-safe entry web.ts). A paper
//    imports another paper only if kernel/papers.ts lists it in buildsOn, and only through that paper's index.ts;
//    kernel/core and kernel/viz import no paper.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));

/** The paper index (kernel/papers.ts), read as text: id, folder, bench prefixes and buildsOn per record. */
function readPapers() {
  const src = readFileSync(resolve(root, 'kernel/papers.ts'), 'utf8');
  const list = (s) => [...s.matchAll(/'([^']+)'/g)].map((m) => m[1]);
  const re = /id: '([^']+)'[\s\S]*?folder: '([^']+)'[\s\S]*?benchPrefixes: \[([^\]]*)\][\s\S]*?buildsOn: \[([^\]]*)\]/g;
  const out = [...src.matchAll(re)].map((m) => ({ id: m[1], folder: m[2], benchPrefixes: list(m[3]), buildsOn: list(m[4]) }));
  if (out.length < 5) throw new Error(`eslint.config.mjs: could not read the paper records of kernel/papers.ts (found ${out.length})`);
  return out;
}
const PAPERS = readPapers();

/** Entries of a paper other code may import: its index.ts and its optional browser-safe web.ts. */
const PUBLIC_ENTRIES = ['', '/index', '/index.ts', '/web', '/web.ts'];

const paperBoundaries = {
  meta: { type: 'problem', schema: [], messages: { internal: '{{from}} imports {{target}}: {{why}}' } },
  create(context) {
    const file = relative(root, context.filename).split(sep).join('/');
    const own = PAPERS.find((p) => file.startsWith(`${p.folder}/`));
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = relative(root, resolve(dirname(context.filename), source))
        .split(sep)
        .join('/')
        .replace(/\.ts$/, '');
      const paper = PAPERS.find((p) => target === p.folder || target.startsWith(`${p.folder}/`));
      if (!paper || paper === own) return;
      const entry = PUBLIC_ENTRIES.includes(target.slice(paper.folder.length));
      const report = (why) => context.report({ node, messageId: 'internal', data: { from: file, target, why } });
      if (own) {
        if (file === 'kernel/cim/index.ts' && paper.id === 'sws' && entry) return; // deprecated el.cim re-exports of SWS, one release
        if (!own.buildsOn.includes(paper.id))
          return report(`${own.id} does not build on ${paper.id} (buildsOn in kernel/papers.ts); shared code belongs in kernel/core`);
        if (!entry) return report(`${own.id} may use ${paper.id} only through ${paper.folder}/index.ts`);
        return;
      }
      if (file.startsWith('kernel/core/') || file.startsWith('kernel/viz/'))
        return report('kernel/core and kernel/viz sit below the papers and import none of them');
      if (entry) return;
      const bench = /^bench\/([^/.]+)\.bench\.ts$/.exec(file);
      if (bench && paper.benchPrefixes.includes(bench[1])) return;
      const script = /^scripts\/([^/]+)\//.exec(file);
      if (script && (script[1] === paper.id || `kernel/${script[1]}` === paper.folder)) return;
      report(
        `outside ${paper.folder}/ only its own tests, benches (${paper.benchPrefixes.map((b) => `bench/${b}.bench.ts`).join(', ')}) and scripts/${paper.id}/ import its internal files; use ${paper.folder}/index.ts`,
      );
    };
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      '.cache/**',
      'bench/.tmp/**',
      'test/artifacts/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      'kernel/**/*.wasm',
      'kernel/**/assembly/**',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin, edgelab: { rules: { 'paper-boundaries': paperBoundaries } } },
    rules: {
      'edgelab/paper-boundaries': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'vscode may only be imported inside extension/.' }],
        },
      ],
      'no-debugger': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['kernel/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'kernel/ must not import vscode.' }],
          patterns: [{ group: ['**/extension/**', '**/media/**'], message: 'kernel/ must not depend on extension/ or media/.' }],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'HTMLElement', 'HTMLCanvasElement'],
    },
  },
  {
    files: ['extension/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['extension/runner/**/*.ts', 'extension/renderer/**/*.ts', 'extension/webviews/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'the runner, renderer and webviews are vscode-free (reused by the tour and tests).' }] },
      ],
    },
  },
);
