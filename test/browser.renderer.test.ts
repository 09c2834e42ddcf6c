/**
 * The notebook renderer in headless Chromium: builds dist/renderer (node esbuild.mjs --only renderer), serves a
 * test page and the bundle from 127.0.0.1, renders every fixture in test/fixtures/figures through both entry
 * points (renderFigure and the VS Code activate() API) and checks what is drawn. Screenshots go to
 * test/artifacts/renderer-<kind>.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FIGURE_KINDS, mimeOf, type CrossbarMapFigure, type SparsityPatternFigure, type TableFigure } from '../kernel/viz/types';
import { unpack } from '../kernel/viz/codec';
import { crossbarMap } from '../kernel/viz/builders';
import { rng } from '../kernel/core/rng';

// The callbacks given to page.evaluate run in the page. This file is type-checked with the node config (no DOM lib,
// which must stay out of the kernel's program), so the page globals they touch are declared loosely, module-scoped.
declare const document: any, window: any, getComputedStyle: (e: unknown) => { color: string };
type HTMLElement = any;
type HTMLCanvasElement = any;

const root = join(import.meta.dirname, '..');
const artifacts = join(root, 'test', 'artifacts');
const fixture = <T = Record<string, unknown>>(kind: string): T =>
  JSON.parse(readFileSync(join(root, 'test/fixtures/figures', `${kind}.json`), 'utf8'));

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>renderer test</title>
<style>body { margin: 8px; width: 940px; background: #ffffff; } #host > div { margin-bottom: 16px; }</style></head>
<body><div id="host"></div>
<script type="module">
  import * as R from '/dist/renderer/index.js';
  window.R = R;
  window.mount = async (id, payload, style) => {
    let el = document.getElementById(id);
    if (!el) { el = document.createElement('div'); el.id = id; if (style) el.setAttribute('style', style); document.getElementById('host').append(el); }
    await R.renderFigure(el, payload);
    return el.id;
  };
  window.rendererReady = true;
</script></body></html>`;

let server: Server,
  browser: Browser,
  page: Page,
  base = '';
const requested: string[] = [];
const pageErrors: string[] = [];

before(async () => {
  execFileSync(process.execPath, ['esbuild.mjs', '--only', 'renderer'], { cwd: root, stdio: 'pipe' });
  mkdirSync(artifacts, { recursive: true });
  server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    requested.push(url);
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    const rel = normalize(url).replace(/^\/+/, '');
    const file = join(root, rel);
    if (!rel.startsWith('dist/renderer/') || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.map') ? 'application/json' : 'application/octet-stream',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 1000 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // tsx compiles the functions passed to page.evaluate with esbuild's keepNames helper; give the page a no-op one.
  await page.addInitScript('window.__name = (f) => f;');
  await page.goto(base + '/');
  await page.waitForFunction(() => (window as unknown as { rendererReady?: boolean }).rendererReady === true, undefined, {
    timeout: 30000,
  });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function mount(id: string, payload: unknown, style?: string): Promise<void> {
  await page.evaluate(
    async ([i, p, s]) => {
      await (window as unknown as { mount: (i: string, p: unknown, s?: string) => Promise<string> }).mount(i, p, s);
    },
    [id, payload, style] as const,
  );
}

async function shot(id: string, kind: string): Promise<void> {
  await page.locator(`#${id}`).screenshot({ path: join(artifacts, `renderer-${kind}.png`) });
}

/** RGBA of a canvas pixel at CSS coordinates (x, y) of the first canvas inside #id (deviceScaleFactor 1). */
async function pixel(id: string, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([i, px, py]) => {
      const c: HTMLCanvasElement = document.querySelector(`#${i} canvas`);
      const dpr = c.width / c.getBoundingClientRect().width;
      return Array.from<number>(c.getContext('2d').getImageData(Math.floor(px * dpr), Math.floor(py * dpr), 1, 1).data);
    },
    [id, x, y] as const,
  );
}

/** Move the mouse to CSS point (x, y) of the first canvas in #id. */
async function hoverCanvas(id: string, x: number, y: number): Promise<void> {
  await page.locator(`#${id} canvas`).first().scrollIntoViewIfNeeded();
  const box = (await page.locator(`#${id} canvas`).first().boundingBox())!;
  await page.mouse.move(box.x + x, box.y + y);
}

const plotlyChunkRequested = () => requested.some((u) => /\/dist\/renderer\/plotly-[^/]*\.js$/.test(u));

test('canvas and table figures draw without loading the plotly chunk', async () => {
  await mount('table', fixture('table'));
  await mount('image', fixture('image-overlay'));
  await mount('crossbar', fixture('crossbar-map'));
  await mount('sparsity', fixture('sparsity-pattern'));
  assert.equal(plotlyChunkRequested(), false, `requested: ${requested.join(', ')}`);
  // The entry stays small: plotly lives only in the lazily imported chunk.
  const entry = statSync(join(root, 'dist/renderer/index.js')).size;
  assert.ok(entry < 100 * 1024, `dist/renderer/index.js is ${entry} bytes`);
  const chunk = readdirSync(join(root, 'dist/renderer')).find((n) => /^plotly-.*\.js$/.test(n));
  assert.ok(chunk && readFileSync(join(root, 'dist/renderer/index.js'), 'utf8').includes(`./${chunk}`), `entry imports ${chunk}`);
  assert.equal(
    await page.locator('.edgelab-error').count(),
    0,
    await page
      .locator('.edgelab-error')
      .allTextContents()
      .then((t) => t.join('\n')),
  );
});

test('table: formats per column, units in headers, highlighted row', async () => {
  const f = fixture<TableFigure>('table');
  const heads = await page.locator('#table th').allTextContents();
  assert.deepEqual(heads, ['method', 'params', 'top-1', 'latency (ms)', 'energy (J)', 'ratio']);
  const rows = await page
    .locator('#table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => (td as { textContent: string }).textContent)));
  assert.equal(rows.length, f.rows.length);
  assert.deepEqual(rows[0], ['paper', '123456', '71.2%', '12.35', '1.23e-4', '1']);
  assert.deepEqual(rows[2], ['ours (int8)', '123456', '70.1%', '4.05', '–', '0.3293']);
  assert.deepEqual(await page.locator('#table tbody tr.edgelab-hl').count(), 1);
  assert.equal(await page.locator('#table tbody tr').nth(2).getAttribute('class'), 'edgelab-hl');
  assert.equal(await page.locator('#table .edgelab-title').textContent(), 'Paper vs ours');
  await shot('table', 'table');
});

test('image-overlay: pixels come from the packed image; markers are drawn on top', async () => {
  const s = Number(await page.locator('#image canvas').getAttribute('data-scale'));
  assert.ok(s >= 1, `scale ${s}`);
  // Image pixel (60, 2): r = 240, g = 10, b = 128, away from every marker.
  const [r, g, b] = await pixel('image', 60.5 * s, 2.5 * s);
  assert.ok(Math.abs(r! - 240) <= 2 && Math.abs(g! - 10) <= 2 && Math.abs(b! - 128) <= 2, `image pixel ${r},${g},${b}`);
  // Point "fix 1" at (16, 12) is #ff1744.
  const [pr, pg, pb] = await pixel('image', 16 * s, 12 * s);
  assert.ok(pr! > 230 && pg! < 60 && pb! < 100, `point pixel ${pr},${pg},${pb}`);
  // Box "face" left edge at x = 30 is #00e676.
  const [br, bg] = await pixel('image', 30 * s, 14 * s);
  assert.ok(br! < 60 && bg! > 180, `box pixel ${br},${bg}`);
  await hoverCanvas('image', 60.5 * s, 2.5 * s);
  assert.equal(await page.locator('#image .edgelab-tooltip').textContent(), 'x 60, y 2: (240, 10, 128)');
  await shot('image', 'image-overlay');
});

test('crossbar-map: cells drawn where the bits are, hover shows row, column, bit and weight', async () => {
  const f = fixture<CrossbarMapFigure>('crossbar-map');
  const cells = unpack(f.cells),
    weights = unpack(f.weights!);
  const canvas = page.locator('#crossbar canvas');
  const cell = Number(await canvas.getAttribute('data-cell')),
    left = Number(await canvas.getAttribute('data-left')),
    top = Number(await canvas.getAttribute('data-top'));
  const colGap = Number(await canvas.getAttribute('data-col-gap')),
    rowGap = Number(await canvas.getAttribute('data-row-gap'));
  assert.ok(cell >= 4 && colGap > 0 && rowGap > 0, `cell ${cell}, gaps ${colGap}/${rowGap}`);
  const starts = f.sectionStarts!;
  const group = (c: number) => {
    let g = 0;
    for (let j = 1; j <= c; j++) if (f.columnOutput[j] !== f.columnOutput[j - 1] || f.columnSign![j] !== f.columnSign![j - 1]) g++;
    return g;
  };
  const center = (r: number, c: number) => ({
    x: left + c * cell + group(c) * colGap + cell / 2,
    y: top + r * cell + starts.filter((s) => s > 0 && s <= r).length * rowGap + cell / 2,
  });
  // Programmed cells differ from empty ones: sample a 1-cell and a 0-cell of the same column type, off the changed/stuck marks.
  const changed = unpack(f.changed!),
    stuck = unpack(f.stuck!);
  const clean = (k: number) => !changed[k] && !stuck[k] && f.columnOutput[k % f.cols]! >= 0;
  const one = [...cells.keys()].find((k) => cells[k] === 1 && clean(k))!,
    zero = [...cells.keys()].find((k) => cells[k] === 0 && clean(k))!;
  const p1 = center(Math.floor(one / f.cols), one % f.cols),
    p0 = center(Math.floor(zero / f.cols), zero % f.cols);
  const px1 = await pixel('crossbar', p1.x, p1.y),
    px0 = await pixel('crossbar', p0.x, p0.y);
  assert.ok(px1[3]! > 0 && px0[3]! > 0, 'opaque cells');
  const diff = Math.abs(px1[0]! - px0[0]!) + Math.abs(px1[1]! - px0[1]!) + Math.abs(px1[2]! - px0[2]!);
  assert.ok(diff > 60, `set cell ${px1} vs empty cell ${px0}`);
  // Hover a cell in section 1, output 1, '-' plane.
  const col = f.columnOutput.findIndex((o, c) => o === 1 && f.columnSign![c] === '-' && f.columnBit[c] === 2),
    row = 10;
  const p = center(row, col);
  await hoverCanvas('crossbar', p.x, p.y);
  const tip = page.locator('#crossbar .edgelab-tooltip');
  await tip.waitFor({ state: 'visible', timeout: 5000 });
  const text = (await tip.textContent())!;
  assert.match(text, new RegExp(`^row ${row} \\(input ${f.rowSource![row]}\\), column ${col}$`, 'm'));
  assert.match(text, /^output 1 \(-\), bit 2 of 7$/m);
  assert.match(text, new RegExp(`^weight ${weights[row * 2 + 1]}$`, 'm'));
  assert.match(text, new RegExp(`^cell state ${cells[row * f.cols + col]}$`, 'm'));
  assert.match(text, /^section 1 \(rows 8–15\)$/m);
  // Unused last column.
  const pu = center(0, f.cols - 1);
  await hoverCanvas('crossbar', pu.x, pu.y);
  assert.match((await tip.textContent())!, /unused column/);
  await page.mouse.move(0, 0);
  assert.equal(await tip.isVisible(), false);
  await shot('crossbar', 'crossbar-map');
  // Group by bit significance: the first display column is out 0's '+' bit 6, the second out 1's '+' bit 6.
  await page.locator('#crossbar select.edgelab-grouping').selectOption('bit');
  const c2 = page.locator('#crossbar canvas');
  assert.equal(await c2.getAttribute('data-grouping'), 'bit');
  assert.equal(await page.locator('#crossbar canvas').count(), 1);
  const cell2 = Number(await c2.getAttribute('data-cell')),
    left2 = Number(await c2.getAttribute('data-left')),
    top2 = Number(await c2.getAttribute('data-top'));
  await hoverCanvas('crossbar', left2 + cell2 * 1.5, top2 + cell2 / 2);
  const t2 = (await page.locator('#crossbar .edgelab-tooltip').textContent())!;
  const col2 = f.columnOutput.findIndex((o, c) => o === 1 && f.columnSign![c] === '+' && f.columnBit[c] === 6);
  assert.match(t2, new RegExp(`^row 0 \\(input ${f.rowSource![0]}\\), column ${col2}$`, 'm'));
  assert.match(t2, /^output 1 \(\+\), bit 6 of 7$/m);
  await page.mouse.move(0, 0);
  await shot('crossbar', 'crossbar-map-by-bit');
  await page.locator('#crossbar select.edgelab-grouping').selectOption('output');
});

test('crossbar-map at 1024×1024: sub-pixel cells without gaps, hover still finds the cell', async () => {
  const r = rng(11),
    R = 1024,
    C = 1024;
  const cells = Array.from({ length: R * C }, () => (r.uniform() < 0.3 ? 1 : 0));
  const fig = crossbarMap({
    rows: R,
    cols: C,
    weightBits: 8,
    cells,
    columnBit: Array.from({ length: C }, (_, c) => 7 - (c % 8)),
    columnOutput: Array.from({ length: C }, (_, c) => c >> 3),
    sectionStarts: [0, 512],
    adcActive: [{ rowStart: 0, rowEnd: 512, columns: [0, 1, 2] }],
  });
  const t0 = Date.now();
  await mount('crossbar-big', fig);
  const ms = Date.now() - t0;
  assert.ok(ms < 5000, `rendered in ${ms} ms`);
  const canvas = page.locator('#crossbar-big canvas');
  const cell = Number(await canvas.getAttribute('data-cell')),
    left = Number(await canvas.getAttribute('data-left')),
    top = Number(await canvas.getAttribute('data-top'));
  assert.ok(cell < 1 && Number(await canvas.getAttribute('data-col-gap')) === 0, `cell ${cell}`);
  const [row, col] = [700, 333];
  await hoverCanvas('crossbar-big', left + (col + 0.5) * cell, top + (row + 0.5) * cell);
  const text = (await page.locator('#crossbar-big .edgelab-tooltip').textContent())!;
  // Mouse events land on whole pixels, so with ~0.9 px cells the hit may be a neighbour; the rest must match the hit.
  const m = /^row (\d+), column (\d+)$/m.exec(text);
  assert.ok(m, text);
  const [hr, hc] = [Number(m[1]), Number(m[2])];
  assert.ok(Math.abs(hr - row) <= 1 && Math.abs(hc - col) <= 1, `hit ${hr},${hc} for ${row},${col}`);
  assert.match(text, new RegExp(`^output ${hc >> 3}, bit ${7 - (hc % 8)} of 8$`, 'm'));
  assert.match(text, new RegExp(`^cell state ${cells[hr * C + hc]}$`, 'm'));
  await page.mouse.move(0, 0);
  await shot('crossbar-big', 'crossbar-map-1024');
});

test('sparsity-pattern: density where nonzeros are, exact bits when zoomed, tile toggle, skipped rows', async () => {
  const f = fixture<SparsityPatternFigure>('sparsity-pattern');
  const canvas = page.locator('#sparsity canvas');
  const L = Number(await canvas.getAttribute('data-plot-left')),
    T = Number(await canvas.getAttribute('data-plot-top'));
  const view = async () => (await canvas.getAttribute('data-view'))!.split(',').map(Number) as [number, number, number];
  const at = async (row: number, col: number) => {
    const [r0, c0, k] = await view();
    return { x: L + (col + 0.5 - c0) / k, y: T + (row + 0.5 - r0) / k };
  };
  const isBg = (p: number[]) => p[0]! > 245 && p[1]! > 245 && p[2]! > 245;
  assert.equal(await canvas.getAttribute('data-mode'), 'density');
  // The 30 %-dense block (rows 1024–1535, cols 5000–5511) is colored; an empty grid cell is background.
  const dense = await at(1280, 5256);
  assert.ok(!isBg(await pixel('sparsity', dense.x, dense.y)), 'dense block drawn');
  const density = unpack(f.density),
    gC = f.density.shape[1]!;
  const emptyG = [...density.keys()].find(
    (g) => density[g] === 0 && !f.skippedRows!.includes(Math.floor(g / gC) * 64) && !f.skippedCols!.includes((g % gC) * 64),
  )!;
  const e = await at(Math.floor(emptyG / gC) * 64 + 32, (emptyG % gC) * 64 + 32);
  assert.ok(isBg(await pixel('sparsity', e.x, e.y)), `empty grid cell ${emptyG} is background`);
  // Skipped rows 4096–4159: marked in red in the left margin.
  const sk = await at(4128, 0);
  const [mr, mg, mb] = await pixel('sparsity', 4, sk.y);
  assert.ok(mr! > 200 && mg! < 80 && mb! < 80, `skipped-row mark ${mr},${mg},${mb}`);
  // Zoom with the wheel at the top-left corner until exact cells show (≤ 1 cell per pixel).
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + L + 1, box.y + T + 1);
  for (let i = 0; i < 12 && (await view())[2] > 0.5; i++) {
    await page.mouse.wheel(0, -100);
    await page.waitForTimeout(40);
  }
  await page.waitForFunction(() => document.querySelector('#sparsity canvas')?.getAttribute('data-mode') === 'exact', undefined, {
    timeout: 5000,
  });
  const [r0, c0, k] = await view();
  assert.ok(k <= 1 && r0 < 256 && c0 < 256, `view ${r0},${c0},${k}`);
  // Block 0 covers (0..255)²: the diagonal band is nonzero, (row, row+10) is zero unless a random nonzero landed there.
  const bits = unpack(f.exactBlocks![0]!.bits);
  const rr = Math.ceil(r0) + 3;
  const on = await at(rr, rr),
    offCol = [rr + 10, rr + 11, rr + 12].find((c) => !bits[rr * 256 + c])!;
  const off = await at(rr, offCol);
  const pOn = await pixel('sparsity', on.x, on.y),
    pOff = await pixel('sparsity', off.x, off.y);
  assert.ok(pOn[2]! > 100 && pOn[0]! < 60, `exact nonzero ${pOn}`);
  assert.ok(pOff[0]! > 200, `exact zero ${pOff}`);
  await hoverCanvas('sparsity', on.x, on.y);
  assert.match((await page.locator('#sparsity .edgelab-tooltip').textContent())!, new RegExp(`row ${rr}, col ${rr}: nonzero \\(exact\\)`));
  await shot('sparsity', 'sparsity-pattern-zoomed');
  // Reset, then per-tile density.
  await page.locator('#sparsity button', { hasText: 'reset' }).click();
  await page.waitForFunction(() => document.querySelector('#sparsity canvas')?.getAttribute('data-mode') === 'density');
  await page.locator('#sparsity .edgelab-tiles-toggle').check();
  await page.waitForFunction(() => document.querySelector('#sparsity canvas')?.getAttribute('data-mode') === 'tiles');
  assert.match((await page.locator('#sparsity .edgelab-status').textContent())!, /tile density 512×1024/);
  await shot('sparsity', 'sparsity-pattern');
});

test('heatmap: plotly heatmap with every cell annotated as the static fallback does (null cells as –), hover shows labels and value', async () => {
  const f = fixture<{ values: (number | null)[]; rows: number; cols: number }>('heatmap');
  await mount('heatmap', f);
  assert.ok(plotlyChunkRequested(), 'plotly chunk loaded for the first plotly figure');
  const info = await page.evaluate(() => {
    const gd = document.querySelector('#heatmap .js-plotly-plot') as unknown as { data: { type: string; z: unknown[][] }[] };
    return {
      types: gd.data.map((d) => d.type),
      rows: gd.data[0]!.z.length,
      cols: gd.data[0]!.z[0]!.length,
      texts: [...document.querySelectorAll('#heatmap .heatmaplayer text')].map((t) => t.textContent ?? ''),
    };
  });
  assert.deepEqual(info.types, ['heatmap']);
  assert.equal(info.rows, f.rows);
  assert.equal(info.cols, f.cols);
  // cell texts come from kernel/viz's fmt, as in the static fallback: a null cell reads '–' in both
  assert.equal(info.texts.length, f.values.length);
  assert.equal(info.texts.filter((t) => t === '–').length, f.values.filter((v) => v === null).length, JSON.stringify(info.texts));
  assert.equal(await page.locator('#heatmap .heatmaplayer image').count(), 1);
  // Hover cell (row 4 = fc1, col 2 = "4" bits).
  await page.locator('#heatmap').scrollIntoViewIfNeeded();
  const pt = await page.evaluate(() => {
    const gd = document.querySelector('#heatmap .js-plotly-plot') as unknown as {
      _fullLayout: { xaxis: { l2p(v: number): number; _offset: number }; yaxis: { l2p(v: number): number; _offset: number } };
    };
    const { xaxis, yaxis } = gd._fullLayout;
    const box = (document.querySelector('#heatmap .js-plotly-plot') as HTMLElement).getBoundingClientRect();
    return { x: box.x + xaxis._offset + xaxis.l2p(2), y: box.y + yaxis._offset + yaxis.l2p(4) };
  });
  await page.mouse.move(pt.x, pt.y);
  await page.waitForSelector('#heatmap .hoverlayer .hovertext', { timeout: 5000 });
  const hover = (await page.locator('#heatmap .hoverlayer .hovertext').textContent())!;
  assert.ok(hover.includes('layer fc1') && hover.includes('bits 4') && hover.includes(`accuracy: ${f.values[4 * 8 + 2]}`), hover);
  await page.mouse.move(0, 0);
  await shot('heatmap', 'heatmap');
});

test('series: one scatter trace per series, hline and marks; legend names; log y and y2 axes', async () => {
  await mount('series', fixture('series'));
  assert.equal(await page.locator('#series .scatterlayer .trace').count(), 5);
  assert.deepEqual(await page.locator('#series .legendtext').allTextContents(), [
    'train loss',
    'val loss',
    'val accuracy',
    'paper loss 0.1',
  ]);
  const axes = await page.evaluate(() => {
    const gd = document.querySelector('#series .js-plotly-plot') as unknown as {
      _fullLayout: { yaxis: { type: string }; yaxis2?: { type: string; side: string } };
    };
    return { y: gd._fullLayout.yaxis.type, y2: gd._fullLayout.yaxis2?.side };
  });
  assert.deepEqual(axes, { y: 'log', y2: 'right' });
  assert.ok((await page.locator('#series .textpoint').allTextContents()).includes('early stop'));
  await shot('series', 'series');
});

test('cka-matrix: labelled heatmap, highlighted cells outlined, value on hover', async () => {
  const f = fixture<{ rowLabels: string[]; colLabels: string[]; values: number[]; highlight: [number, number][] }>('cka-matrix');
  await mount('cka', f);
  assert.equal(await page.locator('#cka .shapelayer path').count(), f.highlight.length);
  const ticks = await page.locator('#cka .ytick text').allTextContents();
  assert.deepEqual(ticks, f.rowLabels);
  await page.locator('#cka').scrollIntoViewIfNeeded();
  const pt = await page.evaluate(() => {
    const gd = document.querySelector('#cka .js-plotly-plot') as unknown as {
      _fullLayout: { xaxis: { l2p(v: number): number; _offset: number }; yaxis: { l2p(v: number): number; _offset: number } };
    };
    const box = (document.querySelector('#cka .js-plotly-plot') as HTMLElement).getBoundingClientRect();
    return {
      x: box.x + gd._fullLayout.xaxis._offset + gd._fullLayout.xaxis.l2p(3),
      y: box.y + gd._fullLayout.yaxis._offset + gd._fullLayout.yaxis.l2p(4),
    };
  });
  await page.mouse.move(pt.x, pt.y);
  await page.waitForSelector('#cka .hoverlayer .hovertext', { timeout: 5000 });
  const hover = (await page.locator('#cka .hoverlayer .hovertext').textContent())!;
  assert.ok(
    hover.includes('ResNet-18 block5') && hover.includes('MobileNet l4') && hover.includes(`CKA (linear): ${f.values[4 * 5 + 3]}`),
    hover,
  );
  await page.mouse.move(0, 0);
  await shot('cka', 'cka-matrix');
});

test('re-rendering the same element updates in place without duplicating content', async () => {
  const hm = fixture<{ values: (number | null)[] }>('heatmap');
  const changed = { ...hm, title: 'Updated', values: hm.values.map((v) => (v === null ? null : Math.round((1 - v) * 1000) / 1000)) };
  await page.evaluate(() => {
    (document.querySelector('#heatmap .js-plotly-plot') as HTMLElement).dataset.marker = 'first';
  });
  await mount('heatmap', changed);
  assert.equal(await page.locator('#heatmap .edgelab-figure').count(), 1);
  assert.equal(await page.locator('#heatmap .js-plotly-plot').count(), 1);
  assert.equal(await page.locator('#heatmap .js-plotly-plot').getAttribute('data-marker'), 'first', 'Plotly.react reused the plot');
  assert.equal(await page.locator('#heatmap .main-svg .heatmaplayer').count(), 1);
  assert.equal(await page.locator('#heatmap .edgelab-title').textContent(), 'Updated');
  const z00 = await page.evaluate(
    () => (document.querySelector('#heatmap .js-plotly-plot') as unknown as { data: { z: number[][] }[] }).data[0]!.z[0]![0],
  );
  assert.equal(z00, changed.values[0]);
  // Canvas and table views are replaced, not appended.
  await mount('crossbar', fixture('crossbar-map'));
  await mount('crossbar', fixture('crossbar-map'));
  assert.equal(await page.locator('#crossbar canvas').count(), 1);
  assert.equal(await page.locator('#crossbar .edgelab-tooltip').count(), 1);
  await mount('table', fixture('table'));
  assert.equal(await page.locator('#table table').count(), 1);
  // A different kind in the same element replaces the plot.
  await mount('heatmap', fixture('table'));
  assert.equal(await page.locator('#heatmap .js-plotly-plot').count(), 0);
  assert.equal(await page.locator('#heatmap table').count(), 1);
});

test('malformed payloads show a readable error box and never throw', async () => {
  const hm = fixture<Record<string, unknown>>('heatmap');
  const cb = fixture<CrossbarMapFigure>('crossbar-map');
  const cases: [string, unknown, RegExp][] = [
    ['bad-version', { ...hm, version: 2 }, /version 2 is not supported/],
    ['bad-kind', { kind: 'pie', version: 1 }, /unknown figure kind "pie"/],
    ['bad-values', { ...hm, values: [1, 2, 3] }, /heatmap\.values must have 48 entries, got 3/],
    ['bad-packed', { ...cb, cells: { dtype: 'uint8', shape: [24, 29], b64: 'AAAA' } }, /cells: uint8 of shape \[24, 29\] needs 696 bytes/],
    ['not-object', 'hello', /expected a figure object/],
  ];
  for (const [id, payload, re] of cases) {
    await mount(`err-${id}`, payload);
    const box = page.locator(`#err-${id} .edgelab-error`);
    assert.equal(await box.count(), 1, id);
    assert.equal(await box.getAttribute('role'), 'alert');
    assert.match((await box.textContent())!, re);
  }
  // An error replaces a drawn figure, and a valid payload replaces the error.
  await mount('err-bad-version', fixture('table'));
  assert.equal(await page.locator('#err-bad-version .edgelab-error').count(), 0);
  assert.equal(await page.locator('#err-bad-version table').count(), 1);
  await page.locator('#err-bad-kind').screenshot({ path: join(artifacts, 'renderer-error.png') });
});

test('VS Code entry: activate() renders output items by MIME type, reports bad JSON and kind mismatches, disposes', async () => {
  const r = await page.evaluate(
    async ([mimes, table, heatmapMime]) => {
      const R = (
        window as unknown as {
          R: {
            activate: (ctx: unknown) => {
              renderOutputItem(i: unknown, el: HTMLElement, s?: AbortSignal): Promise<void>;
              disposeOutputItem(id?: string): void;
            };
          };
        }
      ).R;
      const api = R.activate({
        workspace: { isTrusted: true },
        getState: () => undefined,
        setState: () => undefined,
        getRenderer: async () => undefined,
      });
      const host = document.getElementById('host')!;
      const item = (id: string, mime: string, text: string) => ({
        id,
        mime,
        metadata: {},
        text: () => text,
        json: () => JSON.parse(text),
        data: () => new TextEncoder().encode(text),
        blob: () => new Blob([text]),
      });
      const els = [0, 1, 2, 3].map((i) => {
        const el = document.createElement('div');
        el.id = `vs-${i}`;
        host.append(el);
        return el;
      });
      await api.renderOutputItem(item('a', mimes[3]!, JSON.stringify(table)), els[0], new AbortController().signal);
      await api.renderOutputItem(item('b', heatmapMime, JSON.stringify(table)), els[1], new AbortController().signal);
      await api.renderOutputItem(item('c', mimes[3]!, '{"kind": "table", '), els[2], new AbortController().signal);
      await api.renderOutputItem(
        item('d', 'application/vnd.edgelab.table.v1+json', JSON.stringify(table)),
        els[3],
        new AbortController().signal,
      );
      const drawn = [els[0]!.querySelectorAll('table').length, els[3]!.querySelectorAll('table').length];
      const errors = els.map((e) => e.querySelector('.edgelab-error')?.textContent ?? '');
      api.disposeOutputItem('a');
      const afterOne = [els[0]!.childElementCount, els[3]!.childElementCount];
      api.disposeOutputItem();
      return { drawn, errors, afterOne, afterAll: els[3]!.childElementCount };
    },
    [FIGURE_KINDS.map(mimeOf), fixture('table'), mimeOf('heatmap')] as const,
  );
  assert.deepEqual(r.drawn, [1, 1]);
  assert.equal(r.errors[0], '');
  assert.match(r.errors[1], /announces a heatmap figure but the payload is a table/);
  assert.match(r.errors[2], /not valid JSON/);
  assert.deepEqual(r.afterOne, [0, 1]);
  assert.equal(r.afterAll, 0);
});

test('theme: plotly and canvas colors follow VS Code CSS variables', async () => {
  const vars = '--vscode-editor-background:#1e1e1e;--vscode-editor-foreground:#d4d4d4;--vscode-font-family:monospace;background:#1e1e1e;';
  await mount('dark-cka', fixture('cka-matrix'), vars);
  await mount('dark-crossbar', fixture('crossbar-map'), vars);
  const font = await page.evaluate(
    () =>
      (document.querySelector('#dark-cka .js-plotly-plot') as unknown as { _fullLayout: { font: { color: string } } })._fullLayout.font
        .color,
  );
  assert.equal(font, '#d4d4d4');
  assert.equal(await page.locator('#dark-cka .edgelab-figure').evaluate((e) => getComputedStyle(e).color), 'rgb(212, 212, 212)');
  // An empty crossbar cell is dark on the dark theme.
  const canvas = page.locator('#dark-crossbar canvas');
  const cell = Number(await canvas.getAttribute('data-cell')),
    left = Number(await canvas.getAttribute('data-left')),
    top = Number(await canvas.getAttribute('data-top'));
  const f = fixture<CrossbarMapFigure>('crossbar-map');
  const cells = unpack(f.cells),
    changed = unpack(f.changed!),
    stuck = unpack(f.stuck!);
  const c = [...Array(7).keys()].find((j) => !cells[j] && !changed[j] && !stuck[j])!; // first group, row 0
  const [r, g, b] = await pixel('dark-crossbar', left + c * cell + cell / 2, top + cell / 2);
  assert.ok(r! < 80 && g! < 80 && b! < 80, `dark empty cell ${r},${g},${b} (col ${c})`);
  await page.locator('#dark-cka').screenshot({ path: join(artifacts, 'renderer-cka-matrix-dark.png') });
});

test('no uncaught page errors', () => {
  assert.deepEqual(pageErrors, []);
});
