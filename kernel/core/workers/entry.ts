/**
 * Where a worker thread (or a forked client process) starts. Worker entry files are named by their path under kernel/
 * without extension, e.g. 'federated/worker-entry':
 *   - from the kernel bundle (dist/kernel, also inside an installed extension): the bundled `<dist/kernel>/<name>.js`
 *     (esbuild.mjs bundles each entry beside index.js), which needs neither tsx nor the TypeScript sources;
 *   - from the sources (tsx): bootstrap.mjs beside this file, which registers tsx and requires `<repo>/kernel/<name>.ts`
 *     (workerData.__entry for a thread, argv[2] for a process).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleDir, repoRoots } from '../assets';
import { NotFound } from '../errors';

export interface WorkerEntry {
  /** The file Worker / fork starts. */
  script: string;
  /** The TypeScript entry the bootstrap loads (null when `script` is the bundled entry itself). */
  entry: string | null;
}

export function workerEntry(name: string): WorkerEntry {
  const tried: string[] = [];
  const bundle = bundleDir();
  if (bundle) {
    const js = join(bundle, `${name}.js`);
    if (existsSync(js)) return { script: js, entry: null };
    tried.push(js);
  }
  for (const repo of repoRoots()) {
    const boot = join(repo, 'kernel', 'core', 'workers', 'bootstrap.mjs'),
      ts = join(repo, 'kernel', `${name}.ts`);
    if (existsSync(boot) && existsSync(ts)) return { script: boot, entry: ts };
    tried.push(`${boot} + ${ts}`);
  }
  throw new NotFound(
    `worker entry ${name} not found; looked for ${tried.join(', ') || '(no bundle and no edgelab repository found)'}; rebuild with: node esbuild.mjs`,
  );
}
