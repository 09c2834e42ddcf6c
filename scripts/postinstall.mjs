// After npm install/ci: make `import … from 'edgelab'` resolve inside this repo, then build.
// tslab compiles cells with classic node module resolution, which ignores package self-references,
// so node_modules/edgelab is a symlink to the repo root (its package.json points at dist/kernel).
import { existsSync, lstatSync, symlinkSync, unlinkSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const link = join(root, 'node_modules', 'edgelab');
try {
  if (existsSync(link) || lstatSync(link, { throwIfNoEntry: false })) {
    if (!lstatSync(link).isSymbolicLink() || readlinkSync(link) !== '..') unlinkSync(link);
  }
} catch {
  /* not there */
}
if (!lstatSync(link, { throwIfNoEntry: false })) symlinkSync('..', link, 'dir');
if (!process.env.EDGELAB_SKIP_BUILD) execFileSync(process.execPath, [join(root, 'esbuild.mjs')], { stdio: 'inherit', cwd: root });
