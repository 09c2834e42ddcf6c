/**
 * Runs every notebooks/*.ipynb (sorted, 00-welcome first) with the headless runner, saves executed copies to
 * out/tour/notebooks/ and writes out/tour/index.html. Usage: node --import tsx scripts/tour/tour.ts [--only <substring>]
 * Exit code 1 if any notebook failed (the report is written either way).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, basename, resolve } from 'node:path';
import { runNotebook, readNotebook, sourceOf, type RunResult } from '../../extension/runner/notebook';
import { renderReport, type TourEntry } from './report';
import { buildFigureScript } from './assets';

const root = join(__dirname, '..', '..');
// EDGELAB_TOUR_OUT (VS Code setting `edgelab.tour.outputFolder`) moves the report; default out/tour in this folder
const outDir = process.env.EDGELAB_TOUR_OUT ? resolve(process.env.EDGELAB_TOUR_OUT) : join(root, 'out', 'tour');

export function notebookOrder(names: string[]): string[] {
  return names
    .filter((n) => n.endsWith('.ipynb'))
    .sort((a, b) => (a.startsWith('00-welcome') ? -1 : b.startsWith('00-welcome') ? 1 : a.localeCompare(b)));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const nbDir = join(root, 'notebooks');
  const names = notebookOrder(readdirSync(nbDir)).filter((n) => !only || n.includes(only));
  mkdirSync(join(outDir, 'notebooks'), { recursive: true });
  const entries: TourEntry[] = [];
  for (const name of names) {
    const path = join(nbDir, name);
    console.log(`[tour] ${name}`);
    let result: RunResult;
    try {
      result = await runNotebook(path, {
        kernel: 'tslab',
        cwd: nbDir,
        timeoutPerCellMs: 300_000,
        onCell: (e) => {
          if (e.phase === 'end') console.log(`[tour]   cell ${e.index} ${e.result?.status}`);
        },
      });
    } catch (e) {
      // The kernel could not start or the file is unreadable: report it as a failed notebook.
      const err = e as Error;
      let nb;
      try {
        nb = readNotebook(path);
      } catch {
        nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
      }
      result = { ok: false, notebook: nb, error: { ename: err.name, evalue: err.message, traceback: [] }, cellMs: {}, totalMs: 0 };
    }
    writeFileSync(join(outDir, 'notebooks', name), JSON.stringify(result.notebook, null, 1) + '\n');
    const status = result.ok
      ? 'ok'
      : `failed${result.failedCell !== undefined ? ` at cell ${result.failedCell}` : ''}: ${result.error?.ename}: ${result.error?.evalue}`;
    console.log(`[tour]   ${status} (${(result.totalMs / 1000).toFixed(1)} s)`);
    if (!result.ok && result.failedCell !== undefined)
      console.log(`[tour]   failing code: ${sourceOf(result.notebook.cells[result.failedCell]!).split('\n')[0]}`);
    entries.push({ name: basename(name, '.ipynb'), file: `notebooks/${name}`, result });
  }
  // figures drawn by the renderer's code (plotly bundled offline); if the bundle cannot be built, the static fallbacks remain
  let figureScript: string | undefined;
  try {
    const bytes = await buildFigureScript(join(outDir, 'assets', 'report.js'));
    figureScript = 'assets/report.js';
    console.log(`[tour] figure script ${(bytes / 1024).toFixed(0)} KiB (renderer drawing code + plotly)`);
  } catch (e) {
    console.log(`[tour] figure script not built (${(e as Error).message.split('\n')[0]}); the report shows static figures`);
  }
  const html = renderReport(entries, { generatedAt: new Date().toISOString(), figureScript });
  const report = join(outDir, 'index.html');
  writeFileSync(report, html);
  const failed = entries.filter((e) => !e.result.ok).length;
  console.log(`[tour] ${entries.length - failed}/${entries.length} notebooks ran; report: ${report}`);
  return failed || entries.length === 0 ? 1 : 0;
}

if (require.main === module)
  main().then(
    (c) => {
      process.exitCode = c;
    },
    (e: Error) => {
      console.error(e.stack ?? e.message);
      process.exitCode = 1;
    },
  );
