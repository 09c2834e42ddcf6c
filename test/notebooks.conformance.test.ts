// Language conformance of EdgeLab's TypeScript kernel (tslab 1.0.22 behind extension/runner/tslab-kernel.ts).
// Each notebook in test/fixtures/notebooks/conformance/ holds its expected outputs: every code cell's saved outputs
// (stream text, error name/message/traceback with the cell line) are what the kernel must produce. The notebooks are
// copied to a temp folder outside the repo (so `edgelab` must resolve from the kernel's installation, not a
// node_modules above the notebook) and run twice: by our runner, and by Jupyter's `nbconvert --execute` through the
// kernelspec `cli.ts install-kernelspec` writes. Cells tagged `raises-exception` must fail, and nothing else may.
//
// What they cover: object shorthand naming earlier-cell variables (plain, nested, in functions, arrows, class members,
// destructuring assignments), destructuring, spread, re-running cells that redeclare const/let/functions/classes,
// enums, namespaces, generics, decorators, async iterators and top-level `for await` (also labelled), top-level await
// in declarations and expressions, the last expression printed, console/process.stdout/stderr interleaving, imports
// (edgelab, default+named+inline type, namespace, type-only, JSON, an ESM-only package, dynamic import, node:
// builtins), `export` on declarations in a cell, errors (compile error with line:column, synchronous throw, throw
// from a function of an earlier cell, asynchronous rejection, a non-Error value), interrupts (busy loop, pending await)
// and the kernel staying usable afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runNotebook, readNotebook, type Notebook } from '../extension/runner/notebook';
import { installKernelspec } from '../extension/runner/kernelspec';

const root = join(__dirname, '..');
const fixtures = join(root, 'test/fixtures/notebooks/conformance');
const names = readdirSync(fixtures)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
let tmp: string;
let work: string;

type Out = Record<string, unknown>;
const text = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));

/** Per code cell: its tags' raises-exception flag and its outputs, consecutive stream chunks merged. */
function outputsOf(nb: Notebook): { source: string; raises: boolean; outputs: Out[] }[] {
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => {
      const outs: Out[] = [];
      for (const o of (c.outputs ?? []) as unknown as Out[]) {
        if (o.output_type === 'stream') {
          const last = outs[outs.length - 1];
          if (last && last.name === o.name) {
            last.text = String(last.text) + text(o.text);
            continue;
          }
          outs.push({ output_type: 'stream', name: o.name, text: text(o.text) });
        } else if (o.output_type === 'error') {
          outs.push({ output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback });
        } else {
          outs.push({ output_type: o.output_type, data: o.data });
        }
      }
      const tags = (c.metadata?.tags ?? []) as string[];
      return { source: text(c.source), raises: tags.includes('raises-exception'), outputs: outs };
    });
}

function assertMatches(name: string, frontEnd: string, got: Notebook): void {
  const want = outputsOf(readNotebook(join(fixtures, name)));
  const have = outputsOf(got);
  assert.equal(have.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!,
      h = have[i]!; // equal lengths (asserted above)
    const where = `${frontEnd}, ${name} code cell ${i + 1}:\n${w.source}\n`;
    assert.equal(
      h.outputs.some((o) => o.output_type === 'error'),
      w.raises,
      `${where}an error ${w.raises ? 'was expected' : 'was not expected'}`,
    );
    assert.deepEqual(h.outputs, w.outputs, where);
  }
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'edgelab-conformance-'));
  work = join(tmp, 'user folder'); // outside the repo; a space in the path on purpose
  cpSync(fixtures, work, { recursive: true });
  mkdirSync(join(work, 'node_modules'));
  cpSync(join(fixtures, 'packages', 'esm-only-fixture'), join(work, 'node_modules', 'esm-only-fixture'), { recursive: true });
  installKernelspec({ dir: join(tmp, 'jupyter', 'kernels'), name: 'edgelab-conformance' });
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the fixtures exist and tag their failing cells', () => {
  assert.deepEqual(names, ['errors.ipynb', 'language.ipynb', 'modules.ipynb']);
  const errors = outputsOf(readNotebook(join(fixtures, 'errors.ipynb')));
  assert.ok(errors.filter((c) => c.raises).length >= 7);
  // every case asserts something: each code cell but declaration-only ones has an expected output
  for (const n of names)
    for (const c of outputsOf(readNotebook(join(fixtures, n)))) {
      if (!c.outputs.length)
        assert.match(
          c.source,
          /^(const|let|async function|\/\/ shorthand inside functions|\/\/ async iterators|\/\/ export forms)/m,
          `${n}: a cell with no expected output: ${c.source}`,
        );
    }
});

for (const name of names) {
  test(`runner: ${name} from a folder outside the repo`, { timeout: 240_000 }, async () => {
    const r = await runNotebook(join(work, name), { kernel: 'tslab', timeoutPerCellMs: 60_000 });
    assert.equal(r.ok, true, `runner stopped at cell ${r.failedCell}: ${r.error?.ename}: ${r.error?.evalue}`);
    assertMatches(name, 'runner', r.notebook);
  });
}

test('jupyter nbconvert --execute with the installed kernelspec, from a folder outside the repo', { timeout: 400_000 }, async () => {
  const out = join(tmp, 'nbconvert');
  await promisify(execFile)(
    '/usr/bin/jupyter',
    [
      'nbconvert',
      '--to',
      'notebook',
      '--execute',
      '--ExecutePreprocessor.kernel_name=edgelab-conformance',
      '--ExecutePreprocessor.timeout=120',
      '--output-dir',
      out,
      ...names.map((n) => join(work, n)),
    ],
    {
      cwd: work,
      env: {
        ...process.env,
        JUPYTER_PATH: join(tmp, 'jupyter'),
        JUPYTER_DATA_DIR: join(tmp, 'data'),
        JUPYTER_RUNTIME_DIR: join(tmp, 'runtime'),
      },
      timeout: 380_000,
    },
  );
  for (const name of names) assertMatches(name, 'nbconvert', JSON.parse(readFileSync(join(out, name), 'utf8')) as Notebook);
});

test('nbconvert names a failing cell\'s error and line (no empty "<Error>:")', { timeout: 120_000 }, async () => {
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'edgelab-conformance', display_name: 'TypeScript (EdgeLab)' } },
    cells: [
      { cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: 'const ok = 1;\n\nconst broken: number = ok.nope;' },
    ],
  };
  const file = join(work, 'broken.ipynb');
  writeFileSync(file, JSON.stringify(nb));
  const r = await promisify(execFile)(
    '/usr/bin/jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', '--output-dir', join(tmp, 'broken'), file],
    {
      cwd: work,
      env: {
        ...process.env,
        JUPYTER_PATH: join(tmp, 'jupyter'),
        JUPYTER_DATA_DIR: join(tmp, 'data'),
        JUPYTER_RUNTIME_DIR: join(tmp, 'runtime'),
      },
      timeout: 110_000,
    },
  ).then(
    () => null,
    (e: { stderr?: string }) => e,
  );
  assert.ok(r, 'nbconvert must fail on the broken cell');
  const stderr = String(r.stderr);
  assert.match(stderr, /CompileError: line 3:27 - Property 'nope' does not exist on type '1'\./);
  assert.match(stderr, /Cell In\[1\], line 3\n  const broken: number = ok\.nope;\n {28}\^/, 'the cell line, its source and a caret');
  assert.doesNotMatch(stderr, /<Error>:/);
});
