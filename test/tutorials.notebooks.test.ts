// Every paper tutorial in notebooks/ (the templates the extension copies) runs top to bottom through the headless
// runner on tslab, as a user would run it with its defaults: no cell fails, each shows EdgeLab figures (payload +
// static fallback in one bundle) and ends with the paper-vs-ours table the tour collects. 00-welcome has its own,
// stricter test in the notebooks suite. Needs the kernel bundle (node esbuild.mjs) and Debian's dataset-fashion-mnist.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runNotebook } from '../extension/runner/notebook';
import { headlineOf } from '../scripts/tour/report';
import { notebookOrder } from '../scripts/tour/tour';

const root = join(__dirname, '..');
const FIGURE = /^application\/vnd\.edgelab\.[a-z-]+\.v1\+json$/;
const tutorials = notebookOrder(readdirSync(join(root, 'notebooks'))).filter((f) => f !== '00-welcome.ipynb');

test('there are paper tutorials to run', () => assert.ok(tutorials.length >= 4, tutorials.join(', ')));

// Two tutorials at a time by default (scripts/test.mjs sets EDGELAB_TEST_JOBS): each runs in its own tslab kernel
// process, so on a 2-core CI machine this halves the suite's wall time.
const jobs = Math.max(1, Number(process.env.EDGELAB_TEST_JOBS) || 1);
describe('paper tutorials', { concurrency: jobs }, () => {
  for (const name of tutorials) {
    // Each tutorial promises ≤ 3 min with defaults on a quiet machine; CI machines are shared, so allow 2×.
    test(`${name} runs with its defaults and ends with the paper-vs-ours table`, { timeout: 400_000 }, async () => {
      const t0 = Date.now();
      const r = await runNotebook(join(root, 'notebooks', name), {
        kernel: 'tslab',
        cwd: join(root, 'notebooks'),
        timeoutPerCellMs: 300_000,
      });
      assert.equal(r.ok, true, `${name} failed at cell ${r.failedCell}: ${r.error?.ename}: ${r.error?.evalue}`);
      const bundles = r.notebook.cells
        .flatMap((c) => c.outputs ?? [])
        .filter((o) => o.output_type === 'display_data')
        .map((o) => (o as { data: Record<string, unknown> }).data);
      const figures = bundles.filter((d) => Object.keys(d).some((k) => FIGURE.test(k)));
      assert.ok(figures.length >= 2, `${name} shows EdgeLab figures (got ${figures.length})`);
      for (const d of figures) {
        const fallback = d['image/svg+xml'] ?? d['image/png'];
        assert.ok(typeof fallback === 'string' && fallback.length > 0, `${name}: every figure carries a static fallback`);
      }
      const h = headlineOf(r.notebook);
      assert.ok(h, `${name} ends with a table that has 'ours' and 'paper' columns`);
      console.log(
        `# ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${figures.length} figures, headline ${h.metric}: ours ${h.ours} vs paper ${h.paper}`,
      );
    });
  }
});
