// The tour's static report: headline extraction from the last table figure, escaping, no script execution paths,
// and notebook order (no kernel needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headlineOf, renderReport, formatValue, markdown, paperCell } from '../scripts/tour/report';
import { notebookOrder } from '../scripts/tour/tour';
import type { Notebook } from '../extension/runner/notebook';

const TABLE = 'application/vnd.edgelab.table.v1+json';
function nbWith(outputs: unknown[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'code', source: 'x', metadata: {}, execution_count: 1, outputs: outputs as never }],
  };
}
const table = (columns: unknown[], rows: unknown[]) => ({
  output_type: 'display_data',
  data: { [TABLE]: { kind: 'table', version: 1, columns, rows }, 'text/plain': 't' },
  metadata: {},
});

test('headline comes from the last table figure with ours/paper columns, formatted by the column format', () => {
  const first = table(
    [
      { key: 'metric', label: 'metric' },
      { key: 'ours', label: 'ours', format: 'percent' },
      { key: 'paper', label: 'paper', format: 'percent' },
    ],
    [{ metric: 'old', ours: 0.1, paper: 0.2 }],
  );
  const last = table(
    [
      { key: 'metric', label: 'metric' },
      { key: 'a', label: 'Ours', format: 'fixed2' },
      { key: 'b', label: 'Paper', format: 'fixed2' },
    ],
    [{ metric: 'energy (pJ)', a: 1.234, b: 2 }],
  );
  assert.deepEqual(headlineOf(nbWith([first, last])), { metric: 'energy (pJ)', ours: '1.23', paper: '2.00' });
  // JSON stored as a string (as some front ends save it) works too; a missing paper value shows as '—'.
  const str = {
    ...first,
    data: {
      [TABLE]: JSON.stringify({
        columns: [
          { key: 'ours', label: 'ours', format: 'percent' },
          { key: 'paper', label: 'paper' },
        ],
        rows: [{ ours: 0.784, paper: null }],
      }),
    },
  };
  assert.deepEqual(headlineOf(nbWith([str])), { metric: 'ours', ours: '78.4%', paper: '—' });
  assert.equal(headlineOf(nbWith([table([{ key: 'x', label: 'x' }], [{ x: 1 }])])), null, 'no ours/paper columns');
  assert.equal(headlineOf(nbWith([{ output_type: 'stream', name: 'stdout', text: 'hi' }])), null);
});

test('formatValue follows the table column formats', () => {
  assert.equal(formatValue(0.5, 'percent'), '50.0%');
  assert.equal(formatValue(12345.6, 'int'), '12,346');
  assert.equal(formatValue(1234.5, 'sci'), '1.23e+3');
  assert.equal(formatValue(null), '—');
});

test('report escapes text, shows SVG only as <img> data URIs, sandboxes HTML and loads nothing from the network', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
  const nb = nbWith([
    { output_type: 'stream', name: 'stdout', text: '<script>alert(2)</script>' },
    { output_type: 'display_data', data: { 'image/svg+xml': svg, 'text/plain': 'fig' }, metadata: {} },
    { output_type: 'display_data', data: { 'text/html': '<script>alert(3)</script>' }, metadata: {} },
    { output_type: 'display_data', data: { 'image/png': 'iVBORw0KGgo=' }, metadata: {} },
    { output_type: 'error', ename: 'Error', evalue: 'bad <b>', traceback: ['\u001b[31mred\u001b[0m'] },
  ]);
  const html = renderReport(
    [
      {
        name: 'a<b',
        file: 'notebooks/a.ipynb',
        result: {
          ok: false,
          notebook: nb,
          failedCell: 0,
          error: { ename: 'Error', evalue: 'bad <b>', traceback: [] },
          cellMs: { 0: 1200 },
          totalMs: 1200,
        },
      },
    ],
    { generatedAt: 't' },
  );
  assert.ok(!/<script/i.test(html), 'no live <script> tag anywhere');
  assert.ok(html.includes(`src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"`));
  assert.ok(html.includes('src="data:image/png;base64,iVBORw0KGgo="'));
  assert.match(html, /<iframe class="html" sandbox="" srcdoc="&lt;script&gt;/);
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'no network references');
  assert.match(html, /failed at cell 0: Error: bad &lt;b&gt;/);
  assert.ok(!html.includes('\u001b'), 'ANSI colour codes stripped');
  assert.match(html, /<td>1\.2 s<\/td>/);
  assert.match(html, /<a href="\.\.\/api\/index\.html">/, 'links the API reference npm run docs builds (out/api beside out/tour)');
});

test('markdown subset escapes HTML', () => {
  assert.equal(
    markdown('# Title\n\nuse `el.show` and <img src=x>'),
    '<h2>Title</h2>\n<p>use <code>el.show</code> and &lt;img src=x&gt;</p>',
  );
});

test('the tour runs 00-welcome first, then the rest sorted', () => {
  assert.deepEqual(notebookOrder(['stitchnet.ipynb', 'README.md', 'cim-reprogramming.ipynb', '00-welcome.ipynb']), [
    '00-welcome.ipynb',
    'cim-reprogramming.ipynb',
    'stitchnet.ipynb',
  ]);
});

test("the summary names each tutorial's paper from the paper index (kernel/papers.ts)", () => {
  assert.match(paperCell('notebooks/sws-adc-energy.ipynb'), /^Sorted Weight Sectioning .*arXiv 2410\.11298.*el\.sws/);
  assert.match(paperCell('notebooks/spherefed.ipynb'), /^SphereFed .*arXiv 2207\.09413.*el\.federated/);
  assert.equal(paperCell('notebooks/00-welcome.ipynb'), '—');
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
  const html = renderReport(
    [{ name: 'rosko-spmm', file: 'notebooks/rosko-spmm.ipynb', result: { ok: true, notebook: nb, cellMs: {}, totalMs: 0 } }],
    { generatedAt: 't' },
  );
  assert.match(html, /<th>paper<\/th>/);
  assert.match(html, /Rosko .*arXiv 2307\.03930/);
});
