/**
 * Drives a real VS Code (code-server 4.100.3 = VS Code 1.100.3 OSS) in Debian Chromium with playwright-core, for
 * test/vscode.*.test.ts. Recipe: /work/shared/recipes/code-server/NOTES.md (fresh state dir, --config /dev/null,
 * auth off, 127.0.0.1 for a secure context, setsid + kill of the process group, wait for our command before opening
 * notebooks).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page, type ElementHandle } from 'playwright-core';

export const ROOT = join(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const T0 = Date.now();
export const log = (...a: unknown[]) => console.log(`[e2e ${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...a);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

/** The key (Playwright's spelling) the harness binds to `notebook.execute` (Notebook: Run All) in the test profile. */
export const RUN_ALL_KEY = 'Control+Shift+Alt+F5';
/** The same key in VS Code's keybindings.json spelling (ctrl+shift+alt+f5). */
const runAllKeyVscode = RUN_ALL_KEY.toLowerCase().replace('control', 'ctrl');

export interface Server {
  url: string;
  port: number;
  proc: ChildProcess;
  state: string;
  exts: string;
  home: string;
  logFile: string;
}

/** Fresh state dir; installs the .vsix; starts code-server in its own process group on 127.0.0.1. `userSettings` are
 *  added to the user's settings.json before the window loads. */
export async function startCodeServer(
  csBin: string,
  vsix: string,
  folder: string,
  userSettings: Record<string, unknown> = {},
): Promise<Server> {
  const state = mkdtempSync(join(tmpdir(), 'edgelab-cs-'));
  const user = join(state, 'user'),
    exts = join(state, 'exts'),
    home = join(state, 'home'),
    tmp = join(state, 'tmp');
  for (const d of [join(user, 'User'), exts, home, tmp]) mkdirSync(d, { recursive: true });
  writeFileSync(
    join(user, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'update.mode': 'none',
        'workbench.enableExperiments': false,
        'git.enabled': false,
        'chat.disableAIFeatures': true,
        'chat.commandCenter.enabled': false,
        'notebook.confirmDeleteRunningCell': false,
        'files.autoSave': 'off',
        'notebook.output.scrolling': false,
        'workbench.editor.enablePreview': false,
        ...userSettings,
      },
      null,
      1,
    ),
  );
  // A user keybinding for Run All (VS Code ships none): the e2e suite runs notebooks with it, the palette is the fallback.
  writeFileSync(join(user, 'User', 'keybindings.json'), JSON.stringify([{ key: runAllKeyVscode, command: 'notebook.execute' }], null, 1));
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    TMPDIR: tmp,
  };
  const common = ['--config', '/dev/null', '--user-data-dir', user, '--extensions-dir', exts];
  execFileSync(csBin, [...common, '--force', '--install-extension', vsix], { env, stdio: 'pipe' });
  const listed = execFileSync(csBin, [...common, '--list-extensions', '--show-versions'], { env, encoding: 'utf8' });
  if (!/edgelab\.edgelab@/.test(listed)) throw new Error(`the .vsix did not install: ${listed}`);
  const port = await freePort();
  const logFile = join(state, 'code-server.log');
  const out = (await import('node:fs')).openSync(logFile, 'a');
  const proc = spawn(
    csBin,
    [
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      folder,
    ],
    { env, detached: true, stdio: ['ignore', out, out] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) {
        log('code-server up', url, 'pid', proc.pid);
        return { url, port, proc, state, exts, home, logFile };
      }
    } catch {
      /* not yet */
    }
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  stopCodeServer({ proc, state });
  throw new Error(`code-server did not come up; log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
}

/**
 * Kills the whole process group (server, extension hosts, file watcher), then whatever still runs from the state dir:
 * the extension starts kernels detached (their own process group, for SIGINT interrupts). Their watchdog
 * (extension/runner/kernel.ts) would end them about a second after the extension host dies; this ends them now.
 */
export function stopCodeServer(s: (Pick<Server, 'proc'> & Partial<Pick<Server, 'state'>>) | undefined): void {
  const pid = s?.proc.pid;
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  if (s.state) killByCommandLine(s.state);
}

/** SIGKILLs every process whose command line contains `needle` (Linux /proc). */
function killByCommandLine(needle: string): void {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) process.kill(Number(d), 'SIGKILL');
    } catch {
      /* gone or not ours */
    }
  }
}

export interface Browser {
  ctx: BrowserContext;
  page: Page;
  profile: string;
  errors: string[];
  consoleLines: string[];
  webviewLines: string[];
}

/** Appends timestamped lines to `lines`, keeping the last `max`. */
function keepLast(lines: string[], max: number): (line: string) => void {
  return (line) => {
    lines.push(`${((Date.now() - T0) / 1000).toFixed(1)}s ${line}`);
    if (lines.length > max) lines.shift();
  };
}

/**
 * The root cause of the stalled notebook editor (#28), seen in a failing run's trace: the webview host page logged
 * "Found unexpected service worker controller. Found: …/_static/out/browser/serviceWorker.js. Expected:
 * service-worker.js?v=4…". code-server registers a PWA service worker at the root scope (its fetch handler only passes
 * requests on to the network); the scope covers VS Code's webview host pages (…/webview/browser/pre/), and when that
 * worker activates and claims clients after a webview host page has started, it, not the webview's own worker, controls
 * the page, so the *.vscode-resource requests go unanswered and the notebook's output webview never initializes.
 * The suite needs no PWA, so this init script (run in every frame before its own scripts) refuses exactly that one
 * registration; the webview's own `service-worker.js` registers as usual. Refused URLs are recorded on the frame's
 * window for `assertNoRootWorker` to report.
 */
export const BLOCK_PWA_WORKER = `(() => {
  if (typeof ServiceWorkerContainer === 'undefined') return;
  const register = ServiceWorkerContainer.prototype.register;
  ServiceWorkerContainer.prototype.register = function (url, options) {
    if (String(url).includes('/out/browser/serviceWorker.js')) {
      (window.__edgelabRefusedWorkers = window.__edgelabRefusedWorkers || []).push(String(url));
      return Promise.reject(new DOMException('the e2e harness refuses the PWA service worker of code-server', 'SecurityError'));
    }
    return register.call(this, url, options);
  };
})();`;

/** `blockPwaWorker: false` reproduces the raw code-server behaviour (the stress probe's --no-fix). */
export async function launchBrowser(opts: { blockPwaWorker?: boolean } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'edgelab-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.EDGELAB_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  if (opts.blockPwaWorker ?? true) await ctx.addInitScript(BLOCK_PWA_WORKER);
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // the workbench's own errors and warnings, last 40, for the diagnostics a failed palette lookup prints
  const consoleLines: string[] = [];
  const warn = keepLast(consoleLines, 40);
  // webview frames and service workers, for the stalled-notebook-editor diagnostics (all levels, last 200)
  const webviewLines: string[] = [];
  const note = keepLast(webviewLines, 200);
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') warn(`${m.type()}: ${m.text().slice(0, 300)}`);
    const url = m.location().url ?? '';
    if (url.includes('/webview/browser/pre/') || /service worker/i.test(m.text()))
      note(`console ${m.type()} ${url.replace(/^.*\/pre\//, 'pre/').slice(0, 60)}: ${m.text().slice(0, 300)}`);
  });
  try {
    const cdp = await ctx.newCDPSession(page);
    cdp.on(
      'ServiceWorker.workerVersionUpdated',
      (e: {
        versions: { versionId: string; scriptURL: string; runningStatus: string; status: string; controlledClients?: string[] }[];
      }) => {
        for (const v of e.versions)
          note(
            `sw v${v.versionId} ${v.status}/${v.runningStatus} clients ${v.controlledClients?.length ?? 0} id=${/[?&]id=([^&]+)/.exec(v.scriptURL)?.[1] ?? '?'}`,
          );
      },
    );
    cdp.on('ServiceWorker.workerErrorReported', (e: { errorMessage: { errorMessage: string } }) =>
      note(`sw error ${e.errorMessage.errorMessage}`),
    );
    await cdp.send('ServiceWorker.enable');
  } catch (e) {
    note(`no CDP service-worker events: ${(e as Error).message}`);
  }
  return { ctx, page, profile, errors, consoleLines, webviewLines };
}

export async function closeBrowser(b: Browser | undefined): Promise<void> {
  if (!b) return;
  await b.ctx.close().catch(() => undefined);
  rmSync(b.profile, { recursive: true, force: true });
}

/** Searches every frame (workbench, webview outer iframes, nested #active-frame) for a selector. */
export async function findInFrames(page: Page, selector: string, timeoutMs: number): Promise<{ frame: Frame; el: ElementHandle } | null> {
  const deadline = Date.now() + timeoutMs;
  do {
    for (const f of page.frames()) {
      try {
        const el = await f.$(selector);
        if (el) return { frame: f, el };
      } catch {
        /* detached */
      }
    }
    await page.waitForTimeout(250);
  } while (Date.now() < deadline);
  return null;
}

/** All matches of a selector across frames. */
export async function allInFrames(page: Page, selector: string): Promise<ElementHandle[]> {
  const out: ElementHandle[] = [];
  for (const f of page.frames()) {
    try {
      out.push(...(await f.$$(selector)));
    } catch {
      /* detached */
    }
  }
  return out;
}

/** Opens the command palette (F1) and types `>text`. */
async function openPalette(page: Page, text: string, timeoutMs: number): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(`>${text}`);
}

/** Runs a command from the palette by its full title. Retries until it is listed (extension contributions loaded). */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await page.bringToFront(); // a background tab (e.g. behind the camera page) gets no animation frames
  while (Date.now() < deadline) {
    // F1 can go unanswered while a fresh workbench is still wiring its keybindings: retry until the deadline
    if (
      !(await openPalette(page, title, 20_000).then(
        () => true,
        () => false,
      ))
    ) {
      await page.waitForTimeout(1000);
      continue;
    }
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title });
    try {
      await row.first().waitFor({ timeout: 2000 });
      // prefer the row whose label is exactly the title
      const n = await row.count();
      let pick = row.first();
      for (let i = 0; i < n; i++) {
        const label = (
          await row
            .nth(i)
            .locator('.label-name')
            .first()
            .textContent()
            .catch(() => '')
        )?.trim();
        if (label === title) {
          pick = row.nth(i);
          break;
        }
      }
      await pick.click();
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }
  await paletteDiagnostics(page, title);
  throw new Error(`command "${title}" never appeared in the palette`);
}

/** The active notebook editor's cell rows (attached once its output webview initialized; markdown rows have zero height). */
export const CELL_ROWS = '.notebook-editor:visible .monaco-list-row';

/** document.visibilityState and hasFocus() of a page, e.g. 'visible/focused'. */
export const visibility = (page: Page): Promise<string> =>
  page.evaluate('`${document.visibilityState}/${document.hasFocus() ? "focused" : "unfocused"}`') as Promise<string>;

/** What the workbench showed when a command was missing from the palette: rows, tabs, focus, a screenshot. */
export async function paletteDiagnostics(page: Page, title: string): Promise<void> {
  try {
    await openPalette(page, title.split(':')[0]!, 10_000);
    await page.waitForTimeout(1500);
    const rows = await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
    log(`palette rows for ">${title.split(':')[0]}":`, rows.slice(0, 25));
    await page.keyboard.press('Escape');
    const tabs = await page
      .locator('.tabs-container .tab')
      .evaluateAll((ts) => ts.map((t) => `${t.classList.contains('active') ? '*' : ''}${t.getAttribute('aria-label')}`));
    const active = await page.evaluate(
      '(() => { const a = document.activeElement; return a ? `${a.tagName}.${a.className}`.slice(0, 160) : "none"; })()',
    );
    const focus = `${await visibility(page)} page, active element ${String(active)}`;
    const nbs = await page.locator('.notebook-editor:visible').count();
    const rowsInNb = await page.locator(CELL_ROWS).count();
    log('tabs', tabs, 'focus', focus, 'visible notebook editors', nbs, 'cell rows', rowsInNb);
    await screenshot(page, `vscode-palette-miss-${title.replace(/[^A-Za-z]+/g, '-')}.png`);
  } catch (e) {
    log('palette diagnostics failed:', (e as Error).message);
  }
}

/** Opens a workspace file with Quick Open (Ctrl+P) and waits until a notebook editor is visible (cells may still be missing). */
export async function quickOpenNotebook(page: Page, name: string): Promise<void> {
  await page.bringToFront();
  // The quick pick can close under us (focus moving after an editor or panel closes): then its row is listed but hidden.
  // Reopen it, up to 3 times.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 20_000 });
      await input.fill(name);
      await pickQuickItem(page, name, 10_000);
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      log(`Quick Open of ${name} failed (attempt ${attempt}): ${(e as Error).message.split('\n')[0]}; retrying`);
      await page.waitForTimeout(1000);
    }
  }
  await page.locator('.notebook-editor:visible').first().waitFor({ timeout: 60_000 });
}

/** Picks an item of an open quick pick by its visible text. */
export async function pickQuickItem(page: Page, text: string, timeoutMs = 20_000): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text });
  await row.first().waitFor({ timeout: timeoutMs });
  await row.first().click({ timeout: timeoutMs });
}

export async function screenshot(
  page: Page,
  name: string,
  clip?: { x: number; y: number; width: number; height: number },
): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const p = join(ARTIFACTS, name);
  await page.screenshot({ path: p, clip });
  log('screenshot', p);
  return p;
}

export interface SavedNotebook {
  cells: { cell_type: string; execution_count?: number | null; outputs?: Record<string, any>[]; source: string | string[] }[];
}
export const readNb = (p: string): SavedNotebook => JSON.parse(readFileSync(p, 'utf8')) as SavedNotebook;
export const codeCells = (nb: SavedNotebook) => nb.cells.filter((c) => c.cell_type === 'code');

/** Saves the active editor and reads the notebook file back (again while VS Code is still writing it). */
export async function saveAndRead(page: Page, file: string): Promise<SavedNotebook> {
  await runCommand(page, 'File: Save');
  await page.waitForTimeout(600);
  for (let i = 0; ; i++) {
    try {
      return readNb(file);
    } catch (e) {
      if (!(e instanceof SyntaxError) || i >= 20) throw e; // a truncated read: the save is mid-write
      await page.waitForTimeout(250);
    }
  }
}

/** Saves repeatedly until `done(nb)` holds (cells finished), or fails after timeoutMs. */
export async function waitSaved(
  page: Page,
  file: string,
  done: (nb: SavedNotebook) => boolean,
  timeoutMs: number,
  what: string,
): Promise<SavedNotebook> {
  const deadline = Date.now() + timeoutMs;
  let nb: SavedNotebook | null = null;
  while (Date.now() < deadline) {
    await page.waitForTimeout(2500);
    try {
      nb = await saveAndRead(page, file);
      if (done(nb)) return nb;
    } catch {
      /* save or read failed: retried until the deadline */
    }
  }
  throw new Error(
    `timed out waiting for ${what}; last saved state: ${JSON.stringify(nb?.cells.map((c) => [c.execution_count, (c.outputs ?? []).map((o) => o.output_type)]))}`,
  );
}

export function rmrf(p: string | undefined): void {
  if (p) rmSync(p, { recursive: true, force: true });
}

/**
 * The webview bootstrap's state, read from every webview host frame (VS Code web's pre/index.html, one per webview):
 * its id, whether a service worker controls it (and which registration's script), and whether it drew its content frame.
 * For the stalled-notebook diagnostics: an output webview whose host frame has no controller never gets its resources.
 */
export async function webviewStates(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const f of page.frames()) {
    if (!f.url().includes('/webview/browser/pre/')) continue;
    try {
      out.push(
        (await f.evaluate(`(async () => {
        const id = new URL(location.href).searchParams.get('id');
        const who = (u) => (/[?&]id=([^&]+)/.exec(u) || [])[1] || new URL(u).pathname.split('/').pop();
        const c = navigator.serviceWorker && navigator.serviceWorker.controller;
        const regs = navigator.serviceWorker ? await navigator.serviceWorker.getRegistrations() : [];
        const r = regs.map((g) => new URL(g.scope).pathname.split('/').slice(-3).join('/') + '=' + (g.active ? 'active:' + who(g.active.scriptURL) : '') + (g.installing ? ' installing' : '') + (g.waiting ? ' waiting' : '')).join(', ');
        return 'webview ' + id + ': controller ' + (c ? c.state + ':' + who(c.scriptURL) : 'NONE') + '; registrations [' + r + ']; content frame ' + (document.getElementById('active-frame') ? 'yes' : 'no');
      })()`)) as string,
      );
    } catch (e) {
      out.push(`webview frame ${f.url().slice(-60)}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

/**
 * After the workbench loads and before any webview exists: checks that code-server's root-scope PWA worker was refused
 * (see BLOCK_PWA_WORKER) and that no root-scope registration exists, so every webview host frame is controlled by
 * VS Code's webview worker. Throws if a root-scope worker is registered anyway (the fix would not be in force); returns
 * what it saw, for the log. The workbench registers its worker a moment after load, so this waits up to `timeoutMs`
 * for the refusal to be recorded.
 */
export async function assertNoRootWorker(b: Browser, timeoutMs = 15_000): Promise<string> {
  const seen = (await b.page.evaluate(`(async () => {
    if (!navigator.serviceWorker) return 'no service worker API';
    const t0 = performance.now();
    while (!(window.__edgelabRefusedWorkers || []).length && performance.now() - t0 < ${timeoutMs}) await new Promise((r) => setTimeout(r, 100));
    const refused = window.__edgelabRefusedWorkers || [];
    const regs = await navigator.serviceWorker.getRegistrations();
    const root = regs.filter((g) => !new URL(g.scope).pathname.includes('/webview/'));
    return (root.length ? 'ROOT WORKER REGISTERED: ' + root.map((g) => g.scope).join(', ') + '; ' : '') +
      'refused ' + (refused.length ? refused.map((u) => new URL(u, location.href).pathname).join(', ') : 'nothing') +
      ' after ' + Math.round(performance.now() - t0) + ' ms; registrations: ' + regs.length;
  })()`)) as string;
  if (seen.startsWith('ROOT WORKER REGISTERED')) throw new Error(`code-server's PWA worker is registered despite the harness: ${seen}`);
  return seen;
}
