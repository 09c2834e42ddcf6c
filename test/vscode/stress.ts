/**
 * Stress probe for the stalled notebook editor (the output webview never initializes): opens notebooks in code-server
 * over and over and records, per open, whether the editor drew its cells within 30 s and what the webview bootstrap did
 * (service-worker versions, controller changes, the webview host's console). Not part of `npm test`; run by hand:
 *
 *   npx tsx test/vscode/stress.ts [--opens 30] [--mode reuse|fresh-browser|webview-first] [--hogs 2] [--no-fix]
 *
 *   reuse          one page; close all editors, open the next notebook (alternating two)
 *   fresh-browser  a new Chromium profile per open (cold service worker, as in a clean CI run)
 *   webview-first  fresh profile; open the EdgeLab calibration webview panel, close it, then the notebook
 *                  (what the e2e suite does: the sequence that stalled in CI)
 *   --hogs N       N busy-looping `nice -n 10` processes for the whole run (CPU pressure on a 2-core box)
 *   --no-fix       let code-server register its PWA service worker (harness.ts BLOCK_PWA_WORKER) to reproduce the raw behaviour
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  log,
  startCodeServer,
  stopCodeServer,
  launchBrowser,
  closeBrowser,
  runCommand,
  quickOpenNotebook,
  CELL_ROWS,
  rmrf,
  assertNoRootWorker,
  webviewStates,
  type Browser,
  type Server,
} from './harness';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const OPENS = Number(opt('opens', '30'));
const MODE = opt('mode', 'reuse') as 'reuse' | 'fresh-browser' | 'webview-first';
const HOGS = Number(opt('hogs', '0'));
const FIX = !args.includes('--no-fix');

async function openAndWait(b: Browser, name: string): Promise<{ ok: boolean; ms: number }> {
  const page = b.page;
  const t0 = Date.now();
  await quickOpenNotebook(page, name);
  const ok = await page
    .locator(CELL_ROWS)
    .first()
    .waitFor({ state: 'attached', timeout: 30_000 })
    .then(
      () => true,
      () => false,
    );
  return { ok, ms: Date.now() - t0 };
}

async function workbench(server: Server, ws: string): Promise<Browser> {
  const b = await launchBrowser({ blockPwaWorker: FIX });
  await b.page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await b.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  if (FIX) await assertNoRootWorker(b);
  return b;
}

async function main(): Promise<void> {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < HOGS; i++) hogs.push(spawn('nice', ['-n', '10', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
  if (!process.env.EDGELAB_E2E_NO_BUILD) execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  const vsix = execFileSync(process.execPath, [join(ROOT, 'extension', 'build', 'package-vsix.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!;
  const { setupCodeServer } = (await import('./setup.mjs' as string)) as { setupCodeServer: () => string };
  const ws = mkdtempSync(join(tmpdir(), 'edgelab-stress-ws-'));
  const nbs = ['figures-all-kinds.ipynb', 'interrupt.ipynb'];
  for (const f of nbs) copyFileSync(join(ROOT, 'test', 'fixtures', 'notebooks', f), join(ws, f));
  let server: Server | undefined, b: Browser | undefined;
  const rows: { i: number; ok: boolean; ms: number; trace?: string[] }[] = [];
  const t00 = Date.now();
  try {
    server = await startCodeServer(setupCodeServer(), vsix, ws);
    if (MODE === 'reuse') b = await workbench(server, ws);
    for (let i = 1; i <= OPENS; i++) {
      if (MODE !== 'reuse') {
        await closeBrowser(b);
        b = await workbench(server, ws);
      }
      if (MODE === 'webview-first') {
        await runCommand(b!.page, 'EdgeLab: Open Gaze Calibration', 90_000);
        await b!.page.waitForTimeout(1500);
        await runCommand(b!.page, 'View: Close All Editors');
      }
      const mark = b!.webviewLines.length;
      const r = await openAndWait(b!, nbs[i % 2]!);
      rows.push({
        i,
        ...r,
        ...(r.ok ? {} : { trace: [...b!.webviewLines.slice(Math.max(0, mark - 5)), ...(await webviewStates(b!.page))] }),
      });
      log(
        `open ${i}/${OPENS} (${MODE}${FIX ? '' : ', no fix'}, ${HOGS} hogs): ${r.ok ? 'cells drawn' : 'STALLED'} in ${(r.ms / 1000).toFixed(1)} s`,
      );
      if (!r.ok) log(`trace:\n${rows.at(-1)!.trace!.join('\n')}`);
      if (i === 1 || !r.ok) log((await webviewStates(b!.page)).join('\n'));
      if (MODE === 'reuse') await runCommand(b!.page, 'View: Close All Editors');
    }
  } finally {
    await closeBrowser(b);
    stopCodeServer(server);
    rmrf(server?.state);
    rmrf(ws);
    for (const h of hogs) h.kill('SIGKILL');
  }
  const stalls = rows.filter((r) => !r.ok).length;
  const summary = `${MODE}${FIX ? '' : ' (no fix)'}, ${HOGS} hogs: ${stalls} stalled of ${rows.length} opens in ${((Date.now() - t00) / 1000).toFixed(0)} s; median open ${(rows.map((r) => r.ms).sort((a, c) => a - c)[rows.length >> 1]! / 1000).toFixed(1)} s`;
  console.log(summary);
  writeFileSync(
    join(ROOT, 'test', 'artifacts', `vscode-stress-${MODE}${FIX ? '' : '-nofix'}.json`),
    JSON.stringify({ summary, rows }, null, 1),
  );
  process.exit(stalls ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
