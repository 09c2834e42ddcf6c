// notebooks/00-welcome.ipynb end to end through the runner on tslab (needs the kernel bundle: node esbuild.mjs,
// and Debian's dataset-fashion-mnist): every cell runs, figures arrive as one bundle each (vendor JSON + SVG +
// text/plain), the progress output ends at 100 %, and the last table carries the headline the tour collects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runNotebook } from '../extension/runner/notebook';
import { headlineOf } from '../scripts/tour/report';

const root = join(__dirname, '..');

test('00-welcome runs top to bottom and ends with the headline table', { timeout: 170_000 }, async () => {
  const r = await runNotebook(join(root, 'notebooks/00-welcome.ipynb'), { kernel: 'tslab', timeoutPerCellMs: 120_000 });
  assert.equal(r.ok, true, `failed at cell ${r.failedCell}: ${r.error?.ename}: ${r.error?.evalue}`);
  const outs = r.notebook.cells.flatMap((c) => c.outputs ?? []);
  const bundles = outs.filter((o) => o.output_type === 'display_data').map((o) => (o as { data: Record<string, unknown> }).data);
  for (const kind of ['heatmap', 'series', 'table']) {
    const b = bundles.find((d) => d[`application/vnd.edgelab.${kind}.v1+json`]);
    assert.ok(b, `a ${kind} figure was shown`);
    assert.match(String(b['image/svg+xml']), /^<svg/, `${kind} has its SVG fallback in the same output`);
    assert.equal(typeof b['text/plain'], 'string');
  }
  const prog = bundles.find((d) => /^training:/.test(String(d['text/plain'])));
  assert.ok(prog, 'progress output present');
  assert.match(String(prog['text/plain']), /100%/, 'progress was updated in place to completion');
  const h = headlineOf(r.notebook);
  assert.ok(h, 'headline table with ours/paper columns');
  const acc = Number(h.ours.replace('%', ''));
  assert.ok(acc > 50 && acc <= 100, `test accuracy ${h.ours} is far above chance (10%)`);
});
