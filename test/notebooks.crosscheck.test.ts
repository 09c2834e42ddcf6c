// Cross-check: the same fixture notebook executed by our runner (zeromq, no Python) and by Jupyter's own
// nbconvert/nbclient (/usr/bin/jupyter nbconvert --execute) through a tslab kernelspec installed into a temp
// JUPYTER_PATH. Outputs must match after normalising what legitimately differs: multi-line strings stored as
// lists vs strings, key order, consecutive stream chunks, execution counts (tslab sends no execute_input, so
// nbclient leaves them null), cell ids and execution metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runNotebook, type Notebook } from '../extension/runner/notebook';
import { installKernelspec } from '../extension/runner/kernelspec';

const root = join(__dirname, '..');
const fixture = join(root, 'test/fixtures/notebooks/crosscheck.ipynb');

type Out = Record<string, unknown>;
const text = (v: unknown): unknown => (Array.isArray(v) ? v.join('') : v);

function normalise(nb: Notebook): Out[][] {
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => {
      const outs: Out[] = [];
      for (const o of (c.outputs ?? []) as unknown as Out[]) {
        if (o.output_type === 'stream') {
          const last = outs[outs.length - 1];
          if (last && last.output_type === 'stream' && last.name === o.name) {
            last.text = String(last.text) + String(text(o.text));
            continue;
          }
          outs.push({ output_type: 'stream', name: o.name, text: text(o.text) });
        } else if (o.output_type === 'error') {
          outs.push({ output_type: 'error', ename: o.ename, evalue: o.evalue });
        } else {
          const data = Object.fromEntries(
            Object.entries((o.data ?? {}) as Out)
              .map(([k, v]) => [k, text(v)])
              .sort(([a], [b]) => String(a).localeCompare(String(b))),
          );
          outs.push({ output_type: o.output_type, data, metadata: o.metadata ?? {} });
        }
      }
      return outs;
    });
}

test('runner and jupyter nbconvert produce the same outputs for the tslab fixture', { timeout: 150_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'edgelab-xcheck-'));
  try {
    installKernelspec({ dir: join(tmp, 'jupyter', 'kernels'), name: 'edgelab-tslab-test' });
    const ours = await runNotebook(fixture, { kernel: 'tslab', timeoutPerCellMs: 60_000 });
    assert.equal(ours.ok, true, `runner failed at cell ${ours.failedCell}: ${ours.error?.evalue}`);

    // nbconvert runs the kernel in the notebook's folder (so 'edgelab' resolves through the repo's node_modules) and writes to tmp.
    await promisify(execFile)(
      '/usr/bin/jupyter',
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--ExecutePreprocessor.kernel_name=edgelab-tslab-test',
        '--ExecutePreprocessor.timeout=120',
        '--output-dir',
        tmp,
        '--output',
        'nbconvert',
        fixture,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          JUPYTER_PATH: join(tmp, 'jupyter'),
          JUPYTER_DATA_DIR: join(tmp, 'data'),
          JUPYTER_RUNTIME_DIR: join(tmp, 'runtime'),
        },
        timeout: 140_000,
      },
    );
    const theirs = JSON.parse(readFileSync(join(tmp, 'nbconvert.ipynb'), 'utf8')) as Notebook;

    const a = normalise(ours.notebook);
    const b = normalise(theirs);
    assert.deepEqual(a, b);
    // The comparison is not vacuous: every cell of the fixture produced output, including the updated display.
    assert.ok(a.every((outs) => outs.length > 0));
    assert.deepEqual(a[3], [{ output_type: 'display_data', data: { 'text/plain': 'step 2 (final)' }, metadata: {} }]);
    // An EdgeLab figure is one display_data carrying the vendor JSON (stored as an object), the SVG fallback and text/plain.
    const fig = a[5]?.[0] as { output_type: string; data: Record<string, unknown> } | undefined;
    assert.ok(fig, 'the figure cell has an output');
    assert.equal(fig.output_type, 'display_data');
    assert.deepEqual(Object.keys(fig.data), ['application/vnd.edgelab.table.v1+json', 'image/svg+xml', 'text/plain']);
    assert.equal(typeof fig.data['application/vnd.edgelab.table.v1+json'], 'object');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
