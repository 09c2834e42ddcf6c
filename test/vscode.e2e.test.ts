/**
 * End-to-end: the packaged .vsix in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven in Debian Chromium.
 *
 * One code-server per suite (fresh state dir, killed by process group at the end), one workspace folder OUTSIDE the
 * repo (a temp dir without node_modules), so `import * as el from 'edgelab'` must resolve through the link the
 * controller makes to the installed extension. Screenshots go to test/artifacts/vscode-*.png.
 *
 * Needs: code-server (installed on first use by test/vscode/setup.mjs, offline), /usr/bin/chromium, the Debian
 * dataset-fashion-mnist package (the welcome tutorial loads it). Builds the bundles and the .vsix first unless
 * EDGELAB_E2E_NO_BUILD=1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  writeFileSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  log,
  startCodeServer,
  stopCodeServer,
  launchBrowser,
  closeBrowser,
  findInFrames,
  allInFrames,
  runCommand,
  pickQuickItem,
  quickOpenNotebook,
  screenshot,
  saveAndRead,
  waitSaved,
  codeCells,
  rmrf,
  readNb,
  RUN_ALL_KEY,
  CELL_ROWS,
  visibility,
  webviewStates,
  assertNoRootWorker,
  type Server,
  type Browser,
  type SavedNotebook,
} from './vscode/harness';
import type { Dialog } from 'playwright-core';
import { rng } from '../kernel/core/rng';
import { OnnxWriter } from '../kernel/model/onnx-write';

const FIGURE_KINDS = ['heatmap', 'series', 'image-overlay', 'table', 'crossbar-map', 'sparsity-pattern', 'cka-matrix'];
const PLOTLY_KINDS = new Set(['heatmap', 'series', 'cka-matrix']);

let server: Server | undefined;
let browser: Browser | undefined;
let ws = '';
let assetsDir = '';
let failed = false;

/** Writes a TypeScript (tslab) notebook of code cells, outputs empty, into the workspace. */
function writeTsNotebook(file: string, sources: string[]): void {
  const cells = sources.map((source) => ({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source }));
  const metadata = { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } };
  writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells }, null, 1));
}

/** Opens a file of the workspace in its editor (Quick Open) and waits until the notebook editor shows its cells. */
async function openNotebook(name: string): Promise<void> {
  await quickOpen(name);
  await ensureCells(name);
}

const quickOpen = (name: string): Promise<void> => quickOpenNotebook(browser!.page, name);

/** Window reloads the suite needed to get past a stalled notebook editor (logged when the suite ends). */
const stalls: string[] = [];
/** Other last-resort recoveries the suite needed (logged when the suite ends; 0 is the expected count). */
const recoveries: string[] = [];

/**
 * Waits until the active notebook editor draws its cell list. VS Code attaches the list only after the notebook's
 * output webview has initialized (NotebookEditorWidget warm-up). In clean-clone CI that webview now and then never
 * initialized: the editor tab stayed open with an EMPTY cell list, `openEditor` never returned (the extension host
 * logged "Notebook Editor creation failure" when the editor was finally closed), Run All was unavailable, and every
 * notebook opened afterwards in the same page stalled the same way, while webview resource requests went to the
 * network unserved (ERR_NAME_NOT_RESOLVED for vscode-resource URLs: no service worker answered them). That is VS Code
 * web's webview plumbing in headless Chromium, not EdgeLab code, so the suite recovers like a user would, by reloading
 * the window, at most twice, and logs the webview/service-worker trace for the record.
 */
async function ensureCells(name: string): Promise<void> {
  const page = browser!.page;
  const cells = page.locator(CELL_ROWS);
  for (let attempt = 1; ; attempt++) {
    // attached, not visible: a markdown cell's row has zero height (the webview draws it)
    if (
      await cells
        .first()
        .waitFor({ state: 'attached', timeout: 30_000 })
        .then(
          () => true,
          () => false,
        )
    )
      return;
    const what = `${name}: the notebook editor drew no cells within 30 s (attempt ${attempt})`;
    log(`${what}; webview and service-worker trace (last 30 lines):\n${browser!.webviewLines.slice(-30).join('\n')}`);
    log(`webview host frames:\n${(await webviewStates(page).catch((e: Error) => [e.message])).join('\n')}`);
    await screenshot(page, `vscode-stalled-${attempt}.png`).catch(() => undefined);
    if (attempt === 3) throw new Error(`${what}; gave up after reloading the window twice`);
    stalls.push(what);
    const accept = (d: Dialog) => {
      void d.accept().catch(() => undefined);
    };
    page.on('dialog', accept); // a beforeunload prompt for the unsaved editor
    await page.reload({ waitUntil: 'domcontentloaded', timeout: 60_000 });
    page.off('dialog', accept);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await quickOpen(name);
  }
}

/**
 * EDGELAB_E2E_INJECT_STALL=1 checks the recovery above by hand: the next webview document VS Code loads is aborted, so
 * the template's notebook editor stalls the way it did in CI.
 */
async function injectStall(): Promise<void> {
  const page = browser!.page;
  let armed = true;
  await page.context().route('**/webview/browser/pre/index.html*', async (route) => {
    if (armed) {
      armed = false;
      log('injected stall: aborted', route.request().url().slice(0, 120));
      await route.abort();
    } else await route.continue();
  });
}

/**
 * Run All; if VS Code asks for a kernel, pick ours. First through the Run All keybinding the harness adds to the test
 * profile (it resolves the active notebook editor directly), then, if no cell starts, through the palette (Run All is
 * listed only while a notebook editor with its cells is active; see ensureCells for when it was not).
 */
async function runAll(): Promise<void> {
  const page = browser!.page;
  await page.bringToFront();
  const kernelPick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'EdgeLab (TypeScript)' });
  const started = page.locator('.notebook-editor:visible [class*="codicon-notebook-state-"]');
  const startSignal = (ms: number) =>
    Promise.race([
      kernelPick
        .first()
        .waitFor({ timeout: ms })
        .then(() => 'kernel picker'),
      started
        .first()
        .waitFor({ timeout: ms })
        .then(() => 'cell state'),
    ]).catch(() => null);
  await page.keyboard.press('Escape');
  await page.keyboard.press(RUN_ALL_KEY);
  let how = await startSignal(10_000);
  if (!how) {
    log('Run All keybinding started no cell within 10 s; trying the palette');
    await runCommand(page, 'Notebook: Run All');
    how = await startSignal(10_000);
  }
  log(`Run All: ${how ?? 'no start signal yet'}`);
  try {
    await kernelPick.first().waitFor({ timeout: 3000 });
    await kernelPick.first().click();
    log('picked EdgeLab (TypeScript) in the kernel picker');
  } catch {
    /* already selected */
  }
}

/** Marks the suite failed (keeps logs, takes a failure screenshot) when a test body throws. */
function guarded<T>(fn: (t: T) => Promise<void>): (t: T) => Promise<void> {
  return async (t) => {
    try {
      await fn(t);
    } catch (e) {
      failed = true;
      throw e;
    }
  };
}

/** A three-layer ONNX CNN (conv, strided conv, linear; 16×16×3 input) written with the project's ONNX writer. */
function tinyOnnx(): Uint8Array {
  const w = new OnnxWriter(),
    r = rng(3);
  let x = w.input('input', ['N', 3, 16, 16]);
  const conv = (name: string, cin: number, cout: number, stride: number) =>
    w.node('Relu', [
      w.node(
        'Conv',
        [
          x,
          w.weight(`${name}.weight`, [cout, cin, 3, 3], r.normals(cout * cin * 9, 0, 0.3)),
          w.weight(`${name}.bias`, [cout], new Float32Array(cout)),
        ],
        { kernel_shape: [3, 3], strides: [stride, stride], pads: [1, 1, 1, 1] },
        name,
      ),
    ]);
  x = conv('conv1', 3, 8, 1);
  x = conv('conv2', 8, 16, 2);
  x = w.node('Flatten', [w.node('GlobalAveragePool', [x])], { axis: 1 });
  w.output(
    w.node(
      'Gemm',
      [x, w.weight('fc.weight', [10, 16], r.normals(160, 0, 0.3)), w.weight('fc.bias', [10], new Float32Array(10))],
      { transB: 1 },
      'fc',
    ),
    ['N', 10],
  );
  return w.encode('tiny-cnn');
}

const allRan = (nb: SavedNotebook) => codeCells(nb).every((c) => typeof c.execution_count === 'number');
const mimes = (c: SavedNotebook['cells'][number]) => (c.outputs ?? []).flatMap((o) => Object.keys(o.data ?? {}));

describe('EdgeLab extension in code-server', { timeout: 900_000 }, () => {
  before(async () => {
    const t = Date.now();
    if (!process.env.EDGELAB_E2E_NO_BUILD) execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
    const vsix = execFileSync(process.execPath, [join(ROOT, 'extension', 'build', 'package-vsix.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .pop()!;
    const { setupCodeServer } = (await import('./vscode/setup.mjs' as string)) as { setupCodeServer: () => string };
    const cs = setupCodeServer();
    ws = mkdtempSync(join(tmpdir(), 'edgelab-ws-'));
    for (const f of ['figures-all-kinds.ipynb', 'interrupt.ipynb'])
      copyFileSync(join(ROOT, 'test', 'fixtures', 'notebooks', f), join(ws, f));
    // an EdgeLab setting the status test reads back from a kernel (an empty folder: every asset lookup falls through to the bundle)
    assetsDir = mkdtempSync(join(tmpdir(), 'edgelab-assets-'));
    server = await startCodeServer(cs, vsix, ws, { 'edgelab.assetsFolder': assetsDir });
    browser = await launchBrowser();
    await browser.page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await browser.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    log(await assertNoRootWorker(browser));
    log(`setup (build, package, install, start, load) ${((Date.now() - t) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    if (failed && browser) await screenshot(browser.page, 'vscode-failure.png').catch(() => undefined);
    if (browser?.errors.length) log('page errors:', browser.errors.slice(0, 5));
    if (failed && browser?.consoleLines.length) log('workbench console (errors, warnings):\n' + browser.consoleLines.join('\n'));
    if (browser?.webviewLines.length)
      writeFileSync(join(ROOT, 'test', 'artifacts', 'vscode-webviews.log'), browser.webviewLines.join('\n') + '\n');
    if (failed && browser?.webviewLines.length) log('webviews and service workers:\n' + browser.webviewLines.join('\n'));
    // the last-resort recovery, counted on every run (0 is the expected count)
    log(`stalled notebook editors recovered by reloading the window: ${stalls.length}${stalls.length ? ` — ${stalls.join('; ')}` : ''}`);
    log(`other recoveries: ${recoveries.length}${recoveries.length ? ` — ${recoveries.join('; ')}` : ''}`);
    await closeBrowser(browser);
    stopCodeServer(server);
    if (failed && server) log('kept for inspection:', server.logFile, ws);
    else {
      rmrf(server?.state);
      rmrf(ws);
      rmrf(assetsDir);
    }
  });

  test(
    'the extension activates and its commands are in the palette',
    guarded(async (_t: unknown) => {
      // runCommand retries until the contribution is listed; the calibration command is harmless to run first.
      await runCommand(browser!.page, 'EdgeLab: Open Gaze Calibration', 90_000);
      const panel = await findInFrames(browser!.page, '#edgelab-calibration[data-script="ok"][data-host="ok"]', 30_000);
      assert.ok(panel, 'calibration webview loaded its script (nonce CSP) and got the extension host reply');
      const status = await panel.frame.$eval('#status', (e) => e.textContent ?? '');
      assert.match(status, /Ready/);
      const csp = await panel.frame.$eval('meta[http-equiv="Content-Security-Policy"]', (e) => e.getAttribute('content') ?? '');
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9]+'/);
      // DFT Gaze: a synthetic user rendered in the extension host (kernel/gaze) shows its 5 calibration frames, and the
      // camera page opens through env.asExternalUri + env.openExternal: in code-server that is its /proxy/<port>/ path.
      await panel.frame.click('#synthetic');
      await panel.frame.waitForSelector('#edgelab-calibration[data-user="loaded"]', { timeout: 60_000 });
      assert.equal(await panel.frame.locator('#thumbs img').count(), 5);
      // personalization runs in the extension host (tfjs wasm + the shipped student from the .vsix); 10 steps keep it short
      await panel.frame.fill('#steps', '10');
      await panel.frame.click('#personalize');
      await panel.frame.waitForSelector('#edgelab-calibration[data-result="personalized"]', { timeout: 90_000 });
      assert.match(await panel.frame.$eval('#status', (e) => e.textContent ?? ''), /^Done: mean error \d/);
      assert.equal(await panel.frame.locator('#figures img').count(), 2);
      const popup = browser!.ctx.waitForEvent('page', { timeout: 30_000 });
      await panel.frame.click('#camera');
      const cam = await popup;
      await cam.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
      assert.match(
        cam.url(),
        /\/proxy\/\d+\/[0-9a-f]{32}\/calibrate$/,
        "the page is reached through code-server's proxy, token in the path",
      );
      await cam.close();
      // The camera page opened as a new tab over the workbench: make the workbench the active tab again (a background tab
      // gets no animation frames). Suspected once as the cause of the stalled notebook editor; ruled out (see ensureCells).
      log('workbench after the camera tab closed:', await visibility(browser!.page));
      await browser!.page.bringToFront();
      log('after bringToFront:', await visibility(browser!.page));
      await screenshot(browser!.page, 'vscode-calibration.png');
      await runCommand(browser!.page, 'View: Close All Editors');
    }),
  );

  test(
    'New Notebook from Template copies the welcome tutorial into the folder; cleared and re-run with our controller',
    { timeout: 300_000 },
    guarded(async (t: { diagnostic(m: string): void }) => {
      const page = browser!.page;
      if (process.env.EDGELAB_E2E_INJECT_STALL) await injectStall();
      await runCommand(page, 'EdgeLab: Open Welcome Notebook');
      await page.locator('.notebook-editor:visible').first().waitFor({ timeout: 60_000 });
      const file = join(ws, '00-welcome.ipynb');
      for (let i = 0; i < 40 && !existsSync(file); i++) await page.waitForTimeout(250);
      assert.ok(existsSync(file), 'the template was copied into the workspace folder');
      await ensureCells('00-welcome.ipynb');
      const shipped = JSON.parse(readFileSync(file, 'utf8')) as SavedNotebook;
      assert.equal(
        codeCells(shipped).length,
        codeCells(JSON.parse(readFileSync(join(ROOT, 'notebooks', '00-welcome.ipynb'), 'utf8'))).length,
      );
      await page.waitForTimeout(1500);

      // the toolbar button (the palette does not list this command in code-server 4.100.3)
      await page
        .locator('.notebook-editor:visible .notebook-toolbar-container .action-item', { hasText: 'Clear All Outputs' })
        .first()
        .click();
      const cleared = await saveAndRead(page, file);
      assert.ok(
        codeCells(cleared).every((c) => (c.outputs ?? []).length === 0 && c.execution_count == null),
        'outputs and counts cleared',
      );

      const t0 = Date.now();
      await runAll();
      const nb = await waitSaved(
        page,
        file,
        (n) => allRan(n) || codeCells(n).some((c) => (c.outputs ?? []).some((o) => o.output_type === 'error')),
        240_000,
        'the welcome notebook to run',
      );
      log(`welcome notebook ran in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const cells = codeCells(nb);
      const errors = cells.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === 'error'));
      assert.deepEqual(errors, [], 'no cell failed');
      assert.deepEqual(
        cells.map((c) => c.execution_count),
        cells.map((_, i) => i + 1),
        'fresh execution counts 1..N from a new kernel',
      );
      assert.ok(
        cells.some((c) => mimes(c).includes('application/vnd.edgelab.table.v1+json')),
        'the results table was displayed',
      );

      // 'edgelab' resolved in a folder outside the repo through the link the controller made
      const link = join(ws, 'node_modules', 'edgelab');
      assert.ok(lstatSync(link).isSymbolicLink(), 'node_modules/edgelab is a link');
      const target = realpathSync(link);
      assert.equal(
        target,
        realpathSync(
          join(
            server!.exts,
            readdirSync(server!.exts).find((d) => d.startsWith('edgelab.edgelab-'))!,
          ),
        ),
        `links to the installed extension (${readlinkSync(link)})`,
      );
      assert.ok(existsSync(join(target, 'dist', 'node_modules', 'tslab')) && existsSync(join(target, 'dist', 'kernel', 'index.d.ts')));
      await page.keyboard.press('Control+Home').catch(() => undefined);
      await screenshot(page, 'vscode-welcome.png');
      t.diagnostic(`welcome: ${cells.length} cells`);
    }),
  );

  test(
    'every figure kind is drawn by the EdgeLab renderer; display updates replace the progress output',
    { timeout: 150_000 },
    guarded(async (_t: unknown) => {
      const page = browser!.page;
      await runCommand(page, 'View: Close All Editors');
      await openNotebook('figures-all-kinds.ipynb');
      const file = join(ws, 'figures-all-kinds.ipynb');
      await runAll();
      const nb = await waitSaved(page, file, allRan, 100_000, 'the figures notebook to run');
      const cells = codeCells(nb);
      assert.deepEqual(
        cells.map((c) => c.execution_count),
        cells.map((_, i) => i + 1),
      );
      for (const k of FIGURE_KINDS) {
        const c = cells.find((x) => mimes(x).includes(`application/vnd.edgelab.${k}.v1+json`));
        assert.ok(c, `a saved display_data carries ${k}`);
        const o = c.outputs!.find((x) => x.data?.[`application/vnd.edgelab.${k}.v1+json`]);
        assert.equal(o!.output_type, 'display_data');
        assert.equal(typeof o!.data[`application/vnd.edgelab.${k}.v1+json`], 'object', 'vendor JSON is saved as JSON, not as a string');
        assert.ok(o!.data['image/svg+xml'] && o!.data['text/plain'], 'fallbacks saved next to it');
      }
      const progress = cells.at(-1)!;
      assert.equal(progress.outputs!.length, 1, 'one progress output, updated in place');
      assert.match(String([progress.outputs![0]?.data['text/plain']].flat().join('')), /100%/);

      // the renderer's DOM inside the output iframe, for each kind (scroll so every output gets rendered)
      const seen = new Map<string, boolean>();
      const list = page.locator('.notebook-editor:visible .monaco-list').first();
      await list.hover();
      for (let step = 0; step < 30 && seen.size < FIGURE_KINDS.length; step++) {
        for (const el of await allInFrames(page, '.edgelab-figure[data-kind]')) {
          const kind = await el.getAttribute('data-kind');
          if (!kind || seen.get(kind)) continue;
          const drawn = PLOTLY_KINDS.has(kind) ? !!(await el.$('.edgelab-plot .main-svg')) : !!(await el.$('canvas, table, svg'));
          if (drawn) seen.set(kind, true);
        }
        await page.mouse.wheel(0, 450);
        await page.waitForTimeout(700);
      }
      // one tall viewport: every cell rendered at once, for the screenshot and the hover
      await page.setViewportSize({ width: 1400, height: 4800 });
      await page.keyboard.press('Escape');
      await list.hover();
      await page.mouse.wheel(0, -20_000);
      await page.waitForTimeout(2500);
      await screenshot(page, 'vscode-figures.png');
      assert.deepEqual(
        FIGURE_KINDS.filter((k) => !seen.get(k)),
        [],
        'every kind drawn by our renderer',
      );
      assert.equal((await allInFrames(page, '.edgelab-error')).length, 0, 'no renderer error boxes');

      // hover in a cell is answered by the running kernel (inspect_request), marked "EdgeLab kernel"
      const token = page.locator('.notebook-editor:visible .view-line span[class^="mtk"]', { hasText: /^progress$/ }).first();
      await token.waitFor({ timeout: 10_000 });
      let hovered = false;
      for (let i = 0; i < 4 && !hovered; i++) {
        await page.mouse.move(0, 0);
        await token.hover();
        hovered = await page
          .locator('.monaco-hover:visible', { hasText: 'EdgeLab kernel' })
          .first()
          .waitFor({ timeout: 6000 })
          .then(
            () => true,
            () => false,
          );
      }
      const hover = page.locator('.monaco-hover:visible', { hasText: 'EdgeLab kernel' }).first();
      const hoverText = hovered ? await hover.textContent() : '';
      const box = hovered ? await hover.boundingBox() : null;
      if (box) await screenshot(page, 'vscode-hover.png', { x: 0, y: Math.max(0, box.y - 350), width: 1400, height: 800 });
      assert.ok(hovered, 'hover from the kernel shown');
      assert.match(hoverText ?? '', /progress\(total: number/);
      await page.mouse.move(0, 0);

      // completion in a later cell: only the kernel knows `el` there (VS Code's TypeScript service sees each cell alone)
      await page.locator('.notebook-editor:visible .view-line', { hasText: 'p.done();' }).first().click();
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('el.vi', { delay: 60 });
      let suggested = false;
      for (let i = 0; i < 4 && !suggested; i++) {
        await page.keyboard.press('Control+Space');
        suggested = await page
          .locator('.suggest-widget .monaco-list-row', { hasText: 'viz' })
          .first()
          .waitFor({ timeout: 5000 })
          .then(
            () => true,
            () => false,
          );
      }
      const sbox = suggested ? await page.locator('.suggest-widget').first().boundingBox() : null;
      if (sbox) await screenshot(page, 'vscode-completion.png', { x: 0, y: Math.max(0, sbox.y - 400), width: 1400, height: 800 });
      await page.keyboard.press('Escape');
      for (let i = 0; i < 6; i++) await page.keyboard.press('Backspace'); // 'el.vi' and the newline
      await runCommand(page, 'File: Save');
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.waitForTimeout(500);
      assert.ok(suggested, 'completion item "viz" from the kernel');
      const after = readNb(file);
      assert.equal(codeCells(after).at(-1)!.source.toString().includes('el.vi'), false, 'the probe text was removed again');
    }),
  );

  test(
    'interrupting a long-running cell stops it and the cells queued after it; restart gives a fresh kernel',
    { timeout: 120_000 },
    guarded(async (_t: unknown) => {
      const page = browser!.page;
      await runCommand(page, 'View: Close All Editors');
      await openNotebook('interrupt.ipynb');
      const file = join(ws, 'interrupt.ipynb');
      await runAll();
      const tick = await findInFrames(page, 'text=/tick 10/', 60_000);
      assert.ok(tick, 'the long cell is running and streaming');
      await runCommand(page, 'EdgeLab: Interrupt Kernel');
      const nb = await waitSaved(page, file, (n) => codeCells(n)[1]?.execution_count != null, 30_000, 'the interrupted cell to end');
      const [first, long, third] = codeCells(nb);
      assert.ok(first && long && third, 'the notebook has its three code cells');
      assert.equal(first.execution_count, 1);
      const err = long.outputs!.find((o) => o.output_type === 'error');
      assert.ok(err, 'the interrupted cell ends with an error output');
      assert.match(`${err.ename}: ${err.evalue}`, /interrupt/i);
      assert.ok(
        long.outputs!.some((o) => o.output_type === 'stream' && /tick 10/.test([o.text].flat().join(''))),
        'its earlier output is kept',
      );
      assert.ok(
        !long.outputs!.some((o) => o.output_type === 'stream' && o.name === 'stderr'),
        `tslab's stderr report became the error output: ${JSON.stringify(long.outputs)}`,
      );
      assert.doesNotMatch(err.traceback.join('\n'), /tslab[\\/]dist|commander/, 'kernel internals are not shown');
      // what the user sees: one error block, no leftover raw stderr (VS Code merges adjacent stream outputs)
      const shownErrors = await allInFrames(page, 'text=/Interrupted asynchronously/');
      assert.ok(shownErrors.length >= 1);
      assert.equal((await allInFrames(page, 'text=/at createExecutor/')).length, 0, 'the raw stderr block is gone from the output view');
      assert.equal(third.execution_count ?? null, null, 'the queued cell did not run');
      assert.deepEqual(third.outputs ?? [], []);
      await screenshot(page, 'vscode-interrupt.png');

      // restart: a fresh kernel counts from 1 again (without it, the next count would be 3)
      await page
        .locator('.notebook-editor:visible .notebook-toolbar-container .action-item', { hasText: 'Clear All Outputs' })
        .first()
        .click();
      await runCommand(page, 'EdgeLab: Restart Kernel');
      await page.locator('.notification-toast', { hasText: 'kernel restarted' }).first().waitFor({ timeout: 30_000 });
      await page.locator('.notebook-editor:visible .view-line', { hasText: "console.log('ready');" }).first().click();
      // the focused cell's run button (left gutter)
      const runButton = page.locator('.notebook-editor:visible .monaco-list-row.focused .run-button-container .action-label').first();
      await runButton.hover();
      await runButton.click();
      const again = await waitSaved(
        page,
        file,
        (n) => codeCells(n)[0]?.execution_count != null,
        30_000,
        'the first cell to run after the restart',
      );
      assert.match(JSON.stringify(codeCells(again)[0]?.outputs), /ready/);
      assert.equal(codeCells(again)[0]?.execution_count, 1, 'execution count restarts at 1 on a fresh kernel');
    }),
  );

  test(
    'Install Jupyter Kernel writes a tslab kernelspec that points into the extension',
    guarded(async (_t: unknown) => {
      await runCommand(browser!.page, 'EdgeLab: Install Jupyter Kernel');
      const spec = join(server!.home, '.local', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
      for (let i = 0; i < 40 && !existsSync(spec); i++) await browser!.page.waitForTimeout(250);
      const k = JSON.parse(readFileSync(spec, 'utf8')) as { argv: string[]; language: string };
      assert.equal(k.language, 'typescript');
      assert.match(
        k.argv[1] ?? '',
        /edgelab\.edgelab-[^/]+\/dist\/extension\/runner\/tslab-kernel\.js$/,
        "EdgeLab's kernel entry (tslab 1.0.22 wrapped)",
      );
      assert.ok(existsSync(k.argv[1] ?? ''));
    }),
  );

  test(
    'EdgeLab: Analyze Model… on an .onnx file writes the analysis notebook beside it, runs it, and the report draws',
    { timeout: 150_000 },
    guarded(async (_t: unknown) => {
      const page = browser!.page;
      const t0 = Date.now();
      const step = (s: string) => log(`analyze model: ${s} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await runCommand(page, 'View: Close All Editors');
      const model = join(ws, 'tiny-cnn.onnx');
      writeFileSync(model, tinyOnnx());
      await runCommand(page, 'EdgeLab: Analyze Model…');
      // code-server's open dialog is a quick input holding a path: type the model's path and accept it
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ timeout: 20_000 });
      step('open dialog shown');
      // code-server's simple file dialog shows its input first, then fills in its starting folder ("<folder>/"), lists
      // that folder and moves the input's selection, all asynchronously; a path typed before that is overwritten or
      // spliced in (seen in loaded runs on 2026-12-07: "<folder>/" and "<folder>/<folder>/tiny-cnn.onnx"), and Enter on
      // a folder only navigates into it: the dialog stays open and no notebook is written. So: wait until the folder's
      // listing shows the model, set the whole path in one input event, and accept once the typed file is the focused
      // row and the input still holds the path; a path the dialog still mangled is set again, each time a counted
      // recovery printed at the end beside the window reloads.
      await page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'tiny-cnn.onnx' })
        .first()
        .waitFor({ timeout: 20_000 })
        .catch(() => log('analyze model: the dialog never listed tiny-cnn.onnx; typing anyway'));
      const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused', { hasText: 'tiny-cnn.onnx' });
      for (let attempt = 1; ; attempt++) {
        await input.evaluate((el, path) => {
          const box = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
          box.value = path;
          box.dispatchEvent(
            new (globalThis as unknown as { Event: new (t: string, o: object) => unknown }).Event('input', { bubbles: true }),
          );
        }, model);
        const focused = await row.waitFor({ timeout: 5000 }).then(
          () => true,
          () => false,
        );
        if (focused && (await input.inputValue()) === model) break;
        const value = await input.inputValue().catch(() => '?');
        if (attempt === 3) throw new Error(`the open dialog did not take the model's path after 3 tries (input "${value}")`);
        recoveries.push(`Analyze Model dialog showed "${value}" after the path was typed: typed it again`);
      }
      step('path accepted by the dialog');
      await screenshot(page, 'vscode-analyze-model-dialog.png');
      await page.keyboard.press('Enter');
      const file = join(ws, 'tiny-cnn-analysis.ipynb');
      for (let i = 0; i < 80 && !existsSync(file); i++) await page.waitForTimeout(250);
      assert.ok(existsSync(file), 'the analysis notebook is written beside the model');
      step('notebook written');
      await ensureCells('tiny-cnn-analysis.ipynb');
      step('notebook open');
      const kernelPick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'EdgeLab (TypeScript)' });
      await kernelPick
        .first()
        .click({ timeout: 3000 })
        .then(() => log('picked EdgeLab (TypeScript) for the analysis notebook'))
        .catch(() => undefined); // the command selected the controller itself
      const nb = await waitSaved(page, file, allRan, 110_000, 'the analysis notebook to run');
      step('all cells ran');
      const cells = codeCells(nb);
      const text = (c: SavedNotebook['cells'][number]) =>
        (c.outputs ?? []).map((o) => [o.text ?? o.data?.['text/plain'] ?? ''].flat().join('')).join('\n');
      assert.match(text(cells[1]!), /3 layers, 0\.00 M parameters/, 'the analyze cell reports the imported table');
      assert.doesNotMatch(text(cells[1]!), /INCOMPLETE/);
      const kinds = mimes(cells[2]!).filter((m) => m.startsWith('application/vnd.edgelab.'));
      assert.deepEqual(
        kinds,
        ['table', 'heatmap', 'table', 'crossbar-map', 'sparsity-pattern'].map((k) => `application/vnd.edgelab.${k}.v1+json`),
      );
      // the report drawn by the EdgeLab renderer inside the notebook: the layers × papers table names the three layers
      const list = page.locator('.notebook-editor:visible .monaco-list').first();
      await page.setViewportSize({ width: 1400, height: 2400 });
      await list.hover();
      await page.mouse.wheel(0, 1200);
      const fig = await findInFrames(page, '.edgelab-figure[data-kind="table"] table', 30_000);
      assert.ok(fig, 'the summary table is drawn');
      const rows = await fig.frame.$$eval('.edgelab-figure[data-kind="table"] table', (ts) => ts[0]!.textContent ?? '');
      for (const l of ['conv1', 'conv2', 'fc']) assert.ok(rows.includes(l), `summary table lists ${l}`);
      assert.ok(
        await findInFrames(page, '.edgelab-figure[data-kind="crossbar-map"] canvas, .edgelab-figure[data-kind="crossbar-map"] svg', 30_000),
      );
      await page.mouse.wheel(0, -20_000);
      await page.waitForTimeout(1500);
      await screenshot(page, 'vscode-analyze-model.png');
      step('report drawn');
      await page.setViewportSize({ width: 1400, height: 1000 }); // the harness's default, for the tests after this one
    }),
  );

  test(
    'a broken cell shows its error name, message and cell line (compile error and runtime error)',
    { timeout: 120_000 },
    guarded(async (_t: unknown) => {
      const page = browser!.page;
      const file = join(ws, 'broken.ipynb');
      writeTsNotebook(file, [
        "const ok = 1;\nconsole.log('before');",
        "const fine = ok;\n\nconst bad: number = 'text';",
        'function explode(x: number) {\n  if (x > 1) throw new RangeError(`too big: ${x}`);\n  return x;\n}\nexplode(5);',
      ]);
      await runCommand(page, 'View: Close All Editors');
      await openNotebook('broken.ipynb');
      const errorIn = (n: SavedNotebook, i: number) => (codeCells(n)[i]?.outputs ?? []).find((o) => o.output_type === 'error');
      // Run All stops at the compile error (Jupyter semantics); the runtime-error cell is then run on its own
      await runAll();
      await waitSaved(page, file, (n) => !!errorIn(n, 1), 60_000, 'the compile error');
      await page.locator('.notebook-editor:visible .view-line', { hasText: 'explode(5);' }).first().click();
      const runButton = page.locator('.notebook-editor:visible .monaco-list-row.focused .run-button-container .action-label').first();
      await runButton.hover();
      await runButton.click();
      const nb = await waitSaved(page, file, (n) => !!errorIn(n, 2), 60_000, 'the runtime error');
      const [compile, runtime] = [errorIn(nb, 1), errorIn(nb, 2)];
      assert.ok(compile && runtime, `both broken cells end with an error output: ${JSON.stringify(codeCells(nb).map((c) => c.outputs))}`);
      assert.equal(compile.ename, 'CompileError');
      assert.equal(compile.evalue, "line 3:7 - Type 'string' is not assignable to type 'number'.");
      assert.equal(runtime.ename, 'RangeError');
      assert.equal(runtime.evalue, 'too big: 5');
      assert.match(runtime.traceback.join('\n'), /at explode \(Cell In\[3\]:2:20\)/);
      // what the user sees in the output view
      const shown = {
        compile: await findInFrames(page, 'text=/is not assignable to type/', 20_000),
        line: await findInFrames(page, 'text=/line 3:7 - Type/', 5_000),
        runtime: await findInFrames(page, 'text=/too big: 5/', 5_000),
      };
      await screenshot(page, 'vscode-broken-cell.png');
      assert.ok(shown.compile, 'the compile error is shown');
      assert.ok(shown.line, 'with its cell line');
      assert.ok(shown.runtime, 'the runtime error is shown');
    }),
  );

  test(
    'GazeGen Canvas: a dwell selects an object, delete and (after undo) a two-step move are saved as new files',
    { timeout: 240_000 },
    guarded(async (_t: unknown) => {
      const page = browser!.page;
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'EdgeLab: Open GazeGen Canvas');
      // the photo is shown once the detector (CenterNet from the .vsix, tfjs wasm in the extension host) has run on it
      const panel = await findInFrames(page, '#gazegen-canvas[data-script="ok"][data-image="loaded"][data-boxes]', 120_000);
      assert.ok(panel, 'the canvas loaded its script (nonce CSP), the photo and the detected boxes');
      const f = panel.frame;
      const root = f.locator('#gazegen-canvas');
      const attr = (k: string) => root.getAttribute(k);
      const boxes = JSON.parse((await attr('data-boxes')) ?? '[]') as [number, number, number, number][];
      assert.ok(boxes.length >= 1, `objects detected: ${JSON.stringify(boxes)}`);
      const [bx, by, bw, bh] = [...boxes].sort((a, b) => b[2] * b[3] - a[2] * a[3])[0]!; // [x, y, w, h]
      const canvas = f.locator('#view');
      const size = await canvas.evaluate((c) => ({
        w: (c as unknown as { width: number }).width,
        h: (c as unknown as { height: number }).height,
      }));
      /** Rest the mouse (the gaze stand-in) on image point (x, y) until the dwell fires (0.8 s; 1.6 s given). */
      const look = async (x: number, y: number) => {
        const r = (await canvas.boundingBox())!;
        const px = r.x + (x / size.w) * r.width,
          py = r.y + (y / size.h) * r.height;
        await page.mouse.move(px - 30, py - 30);
        await page.mouse.move(px, py, { steps: 5 });
        await page.waitForTimeout(1600);
      };
      const select = async () => {
        await look(bx + bw / 2, by + bh / 2);
        await f.locator('#gazegen-canvas:not([data-selected=""])').waitFor({ timeout: 30_000 });
        await f.locator('#op-delete:not([disabled])').waitFor({ timeout: 10_000 });
      };
      await select();
      const label = await attr('data-selected');
      log(`GazeGen Canvas: selected ${label} (restricted decode touched ${await attr('data-cell-fraction')} of the cells)`);
      await screenshot(page, 'vscode-gazegen-selected.png'); // selection box, restricted cells, dwell ring, menu
      await f.click('#op-delete');
      await f.locator('#gazegen-canvas[data-last-edit="delete"][data-undo="1"]').waitFor({ timeout: 120_000 });
      await page.mouse.move(0, 0);
      await screenshot(page, 'vscode-gazegen-delete.png');
      const deleted = (await attr('data-last-file'))!;
      assert.match(deleted, /\.gazegen-delete\.png$/, 'the name says which edit');
      assert.equal(realpathSync(join(deleted, '..')), realpathSync(ws), 'a sample photo is edited into the workspace folder');
      assert.ok(existsSync(deleted));
      // undo: back to the original photo and its boxes; the saved file stays
      await f.click('#undo');
      await f.locator('#gazegen-canvas[data-undo="0"]').waitFor({ timeout: 30_000 });
      assert.ok(existsSync(deleted), 'undo does not delete the saved file');
      // move: select the same object, then a second dwell at the destination (the mirrored position)
      await select();
      await f.click('#op-move');
      await f.locator('#gazegen-canvas[data-pending="move"]').waitFor({ timeout: 10_000 });
      // the destination: the other side of the photo, as far as the object still fits
      const cx = bx + bw / 2;
      const dest = { x: cx < size.w / 2 ? size.w - bw / 2 - 5 : bw / 2 + 5, y: by + bh / 2 };
      await look(dest.x, dest.y);
      await f.locator('#gazegen-canvas[data-last-edit="move"][data-undo="1"]').waitFor({ timeout: 120_000 });
      await page.mouse.move(0, 0);
      await screenshot(page, 'vscode-gazegen-move.png');
      const moved = (await attr('data-last-file'))!;
      assert.match(moved, /\.gazegen-move\.png$/);
      assert.ok(existsSync(moved) && existsSync(deleted) && moved !== deleted, 'two new files, nothing overwritten');
      assert.equal(await attr('data-error'), null, 'no error shown');
    }),
  );

  test(
    'a setting reaches the kernel, and a settings.json edit offers a restart that applies it; the status bar shows backend and busy/idle; a display updated after its cell ended updates; the walkthrough ticks real actions',
    { timeout: 300_000 },
    guarded(async (_t: unknown) => {
      const page = browser!.page;
      // edgelab.assetsFolder was set in the user settings when code-server started: a kernel started by our controller
      // gets it as EDGELAB_ASSETS. Later in this test settings.json is edited while the window runs.
      const file = join(ws, 'status.ipynb');
      writeTsNotebook(file, [
        "import * as el from 'edgelab';\nconst r = await el.init();\nconsole.log(`backend=${r.backend} assets=${process.env.EDGELAB_ASSETS}`);",
        "await new Promise((r) => setTimeout(r, 6000));\nconsole.log('slept');",
        // the texts are joined at run time so the cell's source never matches what the test looks for
        "const tag = (v: number) => ['late', 'v' + v, 'shown'].join(' ');\nel.showText(tag(1), { displayId: 'late-fig' });\nconst timer = setTimeout(() => el.showText(tag(2), { displayId: 'late-fig', update: true }), 2000);",
      ]);
      // the walkthrough's steps tick on real actions, whenever they happened: "Open Welcome Notebook" ran from the
      // palette in the second test, before VS Code had created its walkthrough service (it does so lazily, when a
      // walkthrough first opens; an action before that used to be lost). Here a paper tutorial (not the welcome one) is
      // opened, so only that earlier action can tick the first step.
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'EdgeLab: Install Jupyter Kernel');
      await runCommand(page, 'EdgeLab: New Notebook from Template…');
      await pickQuickItem(page, 'StitchNet: composing networks');
      await page.locator('.notebook-editor:visible').first().waitFor({ timeout: 60_000 });
      await runCommand(page, 'View: Close All Editors');
      await openNotebook('status.ipynb');
      await runAll();
      // while the 6-s cell runs: busy, with the backend the first cell chose
      const item = page.locator('.statusbar-item', { hasText: 'EdgeLab:' }).first();
      // (the backend shows once the first cell's init has chosen it; under heavy CPU load that took > 20 s once, so
      // wait for busy-with-wasm as one state rather than giving the second half its own short clock)
      await item.filter({ hasText: 'busy' }).filter({ hasText: 'wasm' }).waitFor({ timeout: 90_000 });
      await screenshot(page, 'vscode-status-busy.png');
      const busyText = await item.textContent();
      await item.filter({ hasText: 'idle' }).waitFor({ timeout: 60_000 });
      const idleText = await item.textContent();
      log(`status bar: "${busyText?.trim()}" then "${idleText?.trim()}"`);
      assert.match(idleText ?? '', /EdgeLab: idle · wasm · \d+ MB/);
      // the third cell ended before its timer fired: the update must still replace its output
      const late = await findInFrames(page, 'text=/late v2 shown/', 30_000);
      assert.ok(late, 'the display updated 2 s after its cell ended shows the update');
      assert.equal((await allInFrames(page, 'text=/late v1 shown/')).length, 0, 'in place: the old text is gone');
      const nb = await waitSaved(
        page,
        file,
        (n) =>
          (codeCells(n)[2]?.outputs ?? []).some((o) => o.output_type === 'display_data' && /late v2 shown/.test(JSON.stringify(o.data))),
        30_000,
        'the late update',
      );
      const [first, , third] = codeCells(nb);
      assert.match(JSON.stringify(first?.outputs), /backend=wasm/, 'the backend the status bar showed is the one el.init() chose');
      assert.ok(JSON.stringify(first?.outputs).includes(`assets=${assetsDir}`), 'the setting reached the kernel as EDGELAB_ASSETS');
      assert.equal(third?.outputs?.length, 1, 'one output, updated');
      // (that the short execution keeps the cell's count, timing and result is checked in extension/controller.test.ts)
      await screenshot(page, 'vscode-late-update.png');

      // settings.json edited while the window runs: the extension sees the change (onDidChangeConfiguration), says the
      // running kernel keeps the value it started with and offers a restart; the restarted kernel has the new value
      const settingsFile = join(server!.state, 'user', 'User', 'settings.json');
      // edgelab.backend (scope window). A machine-scoped setting (edgelab.assetsFolder) changed this way reached the
      // change event but then read as unset in code-server's extension host (seen twice; README)
      const prompt = page.locator('.notification-toast', { hasText: 'edgelab.backend changed' }).first();
      const edited = { ...(JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>), 'edgelab.backend': 'cpu' };
      writeFileSync(settingsFile, JSON.stringify(edited, null, 1));
      let how = 'settings.json written on disk';
      if (
        !(await prompt.waitFor({ timeout: 20_000 }).then(
          () => true,
          () => false,
        ))
      ) {
        // the same edit made in VS Code's settings.json editor: it opens the file as written above (the new value is
        // there), a space after the closing brace makes it dirty, and saving it from VS Code reloads the settings
        log('the settings.json written on disk was not picked up within 20 s; saving it from the settings.json editor');
        how = 'settings.json saved from its editor';
        await runCommand(page, 'Preferences: Open User Settings (JSON)');
        const editor = page.locator('.editor-instance .monaco-editor').first();
        await editor.waitFor({ timeout: 20_000 });
        await editor.locator('.view-lines', { hasText: '"edgelab.backend": "cpu"' }).first().waitFor({ timeout: 20_000 });
        await editor.click();
        await page.keyboard.press('Control+End');
        await page.keyboard.type(' ');
        await page.keyboard.press('Control+S');
        await prompt.waitFor({ timeout: 30_000 });
      }
      log(`settings change seen (${how})`);
      await screenshot(page, 'vscode-settings-restart.png');
      // the toast's button while it shows, else the same notification in the notification center (toasts hide)
      const restartButton = prompt.locator('.monaco-button', { hasText: 'Restart Kernel' }).first();
      if (
        !(await restartButton.click({ timeout: 5000 }).then(
          () => true,
          () => false,
        ))
      ) {
        log('the restart prompt toast was hidden; answering it in the notification center');
        await runCommand(page, 'Notifications: Show Notifications');
        await page
          .locator('.notifications-center .monaco-list-row', { hasText: 'edgelab.backend changed' })
          .first()
          .locator('.monaco-button', { hasText: 'Restart Kernel' })
          .first()
          .click({ timeout: 15_000 });
      }
      if (how !== 'settings.json written on disk') await runCommand(page, 'View: Close Editor');
      await page.locator('.notification-toast', { hasText: 'kernel restarted with the new settings' }).first().waitFor({ timeout: 90_000 });
      await quickOpen('status.ipynb');
      await page.locator('.notebook-editor:visible .view-line', { hasText: 'const r = await el.init();' }).first().click();
      const runFirst = page.locator('.notebook-editor:visible .monaco-list-row.focused .run-button-container .action-label').first();
      await runFirst.hover();
      await runFirst.click();
      // what the user sees: the status bar names the new backend, the cell's output says it (the saved file lagged
      // behind the editor here in two runs, so the check reads the window)
      await page.locator('.statusbar-item', { hasText: 'EdgeLab:' }).filter({ hasText: 'cpu' }).first().waitFor({ timeout: 90_000 });
      assert.ok(await findInFrames(page, 'text=/backend=cpu/', 60_000), 'the restarted kernel ran the cell with the new backend');

      // back to the walkthrough: the steps whose actions happened above are ticked, the others are not
      await runCommand(page, 'Welcome: Open Walkthrough...');
      await pickQuickItem(page, 'Get Started with EdgeLab');
      const done = (id: string) => page.locator(`[data-done-step-id$="#${id}"][aria-checked="true"]`).first();
      // ticked by the actions of this suite: Open Welcome Notebook (second test, before any walkthrough was open), Run
      // All (runWelcome), New Notebook from Template (openTutorial), Install Jupyter Kernel, the calibration panel (first
      // test), the settings edit
      await done('openWelcome').waitFor({ state: 'attached', timeout: 30_000 });
      for (const id of ['runWelcome', 'openTutorial', 'installKernel', 'calibrate', 'settings'])
        await done(id).waitFor({ state: 'attached', timeout: 10_000 });
      await screenshot(page, 'vscode-walkthrough.png');
    }),
  );
});
