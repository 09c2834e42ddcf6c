// `npm start`: the tour. Provisions the dataset (Debian package), builds, runs every notebooks/*.ipynb with the
// headless runner (00-welcome first) and writes a static offline report to out/tour/index.html.
// Exit code: 0 when every notebook ran, 1 otherwise (the report is still written).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATASET = '/usr/share/datasets/fashion-mnist';
const APT = 'apt-get install -y dataset-fashion-mnist';
const t0 = Date.now();

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status === 0;
}

// (a) provisioning
if (!existsSync(DATASET)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`Fashion-MNIST is missing (${DATASET}). Install it as root, then run npm start again:\n  sudo ${APT}`);
    process.exit(1);
  }
  console.log(`[tour] installing Fashion-MNIST: ${APT}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['install', '-y', 'dataset-fashion-mnist'], { env })) {
    console.log('[tour] install failed; running apt-get update and retrying');
    run('apt-get', ['update'], { env });
    if (!run('apt-get', ['install', '-y', 'dataset-fashion-mnist'], { env }) || !existsSync(DATASET)) {
      console.error(`[tour] could not install the dataset; run this yourself and retry:\n  ${APT}`);
      process.exit(1);
    }
  }
}

// (b) build (the kernel bundle notebooks import as 'edgelab')
console.log('[tour] building (node esbuild.mjs)');
if (!run(process.execPath, [join(root, 'esbuild.mjs')])) {
  console.error('[tour] build failed');
  process.exit(1);
}
// the API reference the report links to (out/api/index.html); a failure here costs the link, not the tour
console.log('[tour] API reference (typedoc → out/api)');
if (!run(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')]))
  console.log('[tour] API reference not built (npm run docs)');

// (c)+(d) run notebooks and write the report (TypeScript, run through tsx)
const ok = run(process.execPath, ['--import', 'tsx', join(root, 'scripts/tour/tour.ts'), ...process.argv.slice(2)]);
const report = join(root, 'out', 'tour', 'index.html');
console.log(`[tour] total ${((Date.now() - t0) / 1000).toFixed(0)} s${ok ? '' : ' (some notebooks failed)'}`);
if (existsSync(report)) console.log(`[tour] report: ${report}`);
process.exit(ok ? 0 : 1);
