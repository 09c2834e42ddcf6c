/**
 * Makes `import * as el from 'edgelab'` resolve in a user's own folder (vscode-free).
 *
 * tslab compiles and runs cells with Node/TypeScript module resolution from the kernel's working directory, so
 * before the controller starts a kernel it makes `<root>/node_modules/edgelab` a link to the kernel package the
 * extension ships (the extension folder itself: its package.json is named `edgelab` and points `main`/`types` at
 * dist/kernel/index.js / index.d.ts; the runtime packages sit in dist/node_modules beside the bundle). Node and
 * TypeScript follow the link to its real path, so tfjs, tslab and zeromq resolve inside the extension.
 *
 * Rules:
 *  - if `edgelab` already resolves from the notebook folder (a real install, this repo's self-link, a link made
 *    by another install of the extension that still exists), nothing is touched;
 *  - a dangling link, or a link into an older/other EdgeLab extension install, is replaced;
 *  - on Windows a junction is used (no admin rights needed); if linking fails, a two-file shim package is written.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface LinkResult {
  /** 'exists': left alone; 'linked': symlink/junction made; 'shim': small package written. */
  action: 'exists' | 'linked' | 'shim';
  /** The node_modules/edgelab path that resolves (made or found). */
  path: string;
  /** What it resolves to. */
  target: string;
}

function readJson(p: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Looks like an installed EdgeLab extension folder (`…/edgelab.edgelab-<version>`) or a package named edgelab. */
function isEdgelabPackage(dir: string): boolean {
  const pkg = readJson(join(dir, 'package.json'));
  return !!pkg && pkg.name === 'edgelab';
}

/** The first `node_modules/edgelab` on the Node resolution path of `from` (walking up), if any. */
export function findEdgelab(from: string): string | null {
  let d = resolve(from);
  for (;;) {
    const p = join(d, 'node_modules', 'edgelab');
    if (lstatSync(p, { throwIfNoEntry: false })) return p;
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/** True if the link points at an EdgeLab extension install (one we may replace), by its path shape. */
function isExtensionInstallTarget(target: string): boolean {
  return /[\\/][^\\/]*edgelab\.edgelab-[^\\/]+[\\/]?$/i.test(target);
}

/**
 * Ensures `edgelab` resolves from `from` (the notebook folder). The link is created in `root/node_modules/edgelab`
 * (`root` = the workspace folder containing the notebook, or the notebook folder itself).
 */
export function ensureEdgelabLink(opts: { from: string; root?: string; packageDir: string }): LinkResult {
  const pkgDir = resolve(opts.packageDir);
  if (!isEdgelabPackage(pkgDir))
    throw new Error(`ensureEdgelabLink: ${pkgDir} is not the edgelab package (expected a package.json with "name": "edgelab")`);
  const found = findEdgelab(opts.from);
  if (found) {
    const st = lstatSync(found);
    if (!st.isSymbolicLink()) return { action: 'exists', path: found, target: found };
    const raw = readlinkSync(found);
    const target = resolve(dirname(found), raw);
    const alive = existsSync(join(target, 'package.json'));
    if (alive && (!isExtensionInstallTarget(target) || realpathSync(target) === realpathSync(pkgDir)))
      return { action: 'exists', path: found, target: realpathSync(target) };
    // dangling, or another EdgeLab extension version: replace it (only when it is the one we would manage)
    if (resolve(found) === resolve(opts.root ?? opts.from, 'node_modules', 'edgelab') || !alive) unlinkSync(found);
    else return { action: 'exists', path: found, target };
  }
  const nm = join(resolve(opts.root ?? opts.from), 'node_modules');
  const link = join(nm, 'edgelab');
  mkdirSync(nm, { recursive: true });
  try {
    symlinkSync(pkgDir, link, process.platform === 'win32' ? 'junction' : 'dir');
    return { action: 'linked', path: link, target: pkgDir };
  } catch {
    writeShim(link, pkgDir);
    return { action: 'shim', path: link, target: pkgDir };
  }
}

/** A tiny package that re-exports the bundled kernel (used where links are not allowed). */
export function writeShim(dir: string, pkgDir: string): void {
  mkdirSync(dir, { recursive: true });
  const main = join(pkgDir, 'dist', 'kernel', 'index.js');
  const types = join(pkgDir, 'dist', 'kernel', 'index');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      { name: 'edgelab', private: true, main: 'index.js', types: 'index.d.ts', description: `shim for the EdgeLab kernel in ${pkgDir}` },
      null,
      1,
    ) + '\n',
  );
  writeFileSync(join(dir, 'index.js'), `module.exports = require(${JSON.stringify(main)});\n`);
  writeFileSync(join(dir, 'index.d.ts'), `export * from ${JSON.stringify(types.replace(/\\/g, '/'))};\n`);
}
