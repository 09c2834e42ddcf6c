/**
 * The report's figure script: extension/webviews/report/page.ts bundled with the renderer's drawing code and plotly
 * into one classic script (IIFE, no chunks), so out/tour/index.html draws figures offline, even from file://.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
export const FIGURE_SCRIPT_ENTRY = join(root, 'extension', 'webviews', 'report', 'page.ts');

/** Bundles the figure script to `outFile`; returns its size in bytes. Throws if esbuild is unavailable. */
export async function buildFigureScript(outFile: string): Promise<number> {
  const esbuild = await import('esbuild');
  mkdirSync(dirname(outFile), { recursive: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [FIGURE_SCRIPT_ENTRY],
    outfile: outFile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
    // as the renderer target in esbuild.mjs: plotly's registry requires maplibre CSS (unused), and reads node's `global`
    loader: { '.css': 'empty' },
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  });
  return statSync(outFile).size;
}
