/**
 * The tour report draws its figures with the same drawing code as the VS Code renderer (extension/renderer/render.ts,
 * plotly bundled in one offline script), opened from disk (file://) in Debian Chromium; the static SVG fallback stays
 * under each figure for readers without scripts. Screenshot: test/artifacts/tour-report.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { FIGURE_KINDS } from '../kernel/viz/types';
import { heatmap, series, imageOverlay, table, crossbarMap, sparsityPattern, ckaMatrix } from '../kernel/viz/builders';
import { toBundle } from '../kernel/viz/svg';
import { renderReport } from '../scripts/tour/report';
import { buildFigureScript } from '../scripts/tour/assets';
import type { Notebook } from '../extension/runner/notebook';

const PLOTLY = new Set(['heatmap', 'series', 'cka-matrix']);

function figures() {
  const n = 24;
  return [
    heatmap({
      title: 'heatmap',
      values: [
        [1, 0.4],
        [0.4, 1],
      ],
    }),
    series({ title: 'series', series: [{ name: 'loss', y: [1, 0.5, 0.3, 0.2] }] }),
    imageOverlay({
      title: 'image-overlay',
      width: 8,
      height: 6,
      data: new Uint8Array(48).map((_, i) => i * 5),
      points: [{ x: 4, y: 3, label: 'p' }],
    }),
    table({
      title: 'table',
      columns: [
        { key: 'metric', label: 'metric' },
        { key: 'ours', label: 'ours', format: 'percent' },
        { key: 'paper', label: 'paper', format: 'percent' },
      ],
      rows: [{ metric: 'acc', ours: 0.9, paper: 0.91 }],
    }),
    crossbarMap({
      title: 'crossbar-map',
      rows: 2,
      cols: 4,
      weightBits: 2,
      cells: [1, 0, 1, 1, 0, 1, 0, 0],
      columnBit: [1, 0, 1, 0],
      columnOutput: [0, 0, 1, 1],
    }),
    sparsityPattern({ title: 'sparsity-pattern', rows: n, cols: n, dense: Array.from({ length: n * n }, (_, i) => (i % 7 === 0 ? 1 : 0)) }),
    ckaMatrix({
      title: 'cka-matrix',
      rowLabels: ['a', 'b'],
      colLabels: ['a', 'b'],
      values: [
        [1, 0.5],
        [0.5, 1],
      ],
    }),
  ];
}

test(
  'tour report: every figure kind drawn by the renderer code from file://, static fallbacks kept for no-script readers',
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgelab-report-'));
    const browser = await chromium.launch({
      executablePath: process.env.EDGELAB_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu'],
    });
    try {
      const nb: Notebook = {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: figures().map((f, i) => ({
          cell_type: 'code',
          source: `show(${f.kind})`,
          metadata: {},
          execution_count: i + 1,
          outputs: [{ output_type: 'display_data', data: { ...toBundle(f) }, metadata: {} }],
        })),
      };
      const size = await buildFigureScript(join(dir, 'assets', 'report.js'));
      assert.ok(size > 100_000 && size < 6_000_000, `figure script is ${size} bytes`);
      const html = renderReport(
        [{ name: 'figures', file: 'notebooks/figures.ipynb', result: { ok: true, notebook: nb, cellMs: {}, totalMs: 1000 } }],
        { generatedAt: 't', figureScript: 'assets/report.js' },
      );
      assert.equal((html.match(/<script\b/g) ?? []).length, 1, 'one external script, no inline scripts');
      assert.match(html, /<script src="assets\/report\.js" defer><\/script>/);
      assert.equal((html.match(/class="edgelab-live"/g) ?? []).length, FIGURE_KINDS.length);
      assert.equal((html.match(/<img class="fig"/g) ?? []).length, FIGURE_KINDS.length, 'each figure keeps its SVG fallback in the HTML');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.html'), html);

      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const warnings: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
      });
      await page.goto(pathToFileURL(join(dir, 'index.html')).href);
      // figures draw as they scroll near the viewport
      for (let i = 0; i < 20; i++) {
        const pending = await page.$$eval(
          '.edgelab-live',
          (els) => els.filter((e) => !['drawn', 'fallback'].includes(e.getAttribute('data-state') ?? '')).length,
        );
        if (!pending) break;
        await page.mouse.wheel(0, 900);
        await page.waitForTimeout(400);
      }
      const states = await page.$$eval('.edgelab-live', (els) =>
        els.map((e) => ({
          state: e.getAttribute('data-state'),
          kind: e.querySelector('.edgelab-figure')?.getAttribute('data-kind'),
          plot: !!e.querySelector('.main-svg'),
          img: !!e.querySelector(':scope > img.fig'),
        })),
      );
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        states.map((s) => s.state),
        FIGURE_KINDS.map(() => 'drawn'),
      );
      assert.deepEqual(
        states.map((s) => s.kind),
        [...FIGURE_KINDS],
      );
      for (const s of states) {
        assert.equal(s.img, false, `${s.kind}: the fallback image is replaced once drawn`);
        if (PLOTLY.has(s.kind)) assert.ok(s.plot, `${s.kind} drawn by plotly`);
      }
      assert.deepEqual(
        requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('blob:')),
        [],
        'nothing loaded from the network',
      );
      await page.evaluate('window.scrollTo(0, 0)');
      await page.setViewportSize({ width: 1200, height: 3000 });
      await page.waitForTimeout(500);
      mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(__dirname, 'artifacts', 'tour-report.png') });
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
