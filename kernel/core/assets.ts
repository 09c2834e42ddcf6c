/**
 * One lookup for every file the kernel ships beside its code (wasm kernels, trained weights, model zoos, recorded curves).
 *
 * Each asset is named once in ASSETS with its path in the repository and its path inside the kernel bundle (dist/kernel):
 * the same pairs as the `ASSETS` table in esbuild.mjs, which copies them there (test/notebooks.assets.test.ts checks
 * that every asset here is found beside a copied bundle, so the two tables cannot drift apart unnoticed).
 *
 * Candidate order, first hit wins:
 *   1. an explicit path the caller passes (`{ path }`, e.g. `loadZoo({ dir })`): if given it must exist, nothing else is tried;
 *   2. `$EDGELAB_ASSETS/<bundle path>`: one environment variable, a folder laid out like dist/kernel (copy or point at one);
 *   3. next to the running bundle (`<dist/kernel>/<bundle path>`: an installed extension, `node dist/kernel/index.js`);
 *   4. the repository (`<repo>/<repo path>`; the repo is the edgelab package root above this file or above the working
 *      directory, or node_modules/edgelab).
 * When nothing matches, `NotFound` names every place looked and how to regenerate the asset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInput, NotFound, describe } from './errors';

export interface AssetSpec {
  /** Path in the repository (relative to its root). */
  repo: string;
  /** Path inside the kernel bundle folder dist/kernel (what esbuild.mjs copies it to). */
  bundle: string;
  /** For a folder: a file inside it that must exist for the folder to count (an empty or partial copy is skipped). */
  probe?: string;
  /**
   * For a file that ships inside an installed npm package rather than with EdgeLab: the package name. Besides the usual
   * places (EDGELAB_ASSETS, beside the bundle when esbuild.mjs copies it there, the repository's node_modules: `repo`
   * is that path) it is looked up by Node's module resolution from the working directory.
   */
  npm?: string;
  /** What it is and how to regenerate it (shown in NotFound). */
  what: string;
  regenerate: string;
}

export const ASSETS = {
  'rosko-wasm': {
    repo: 'kernel/sparse/rosko.wasm',
    bundle: 'rosko.wasm',
    what: 'Rosko sparse kernels (rosko.wasm)',
    regenerate: 'node scripts/build-wasm.mjs',
  },
  'stitch-zoo': {
    repo: 'kernel/stitch/zoo',
    bundle: 'stitch/zoo',
    probe: 'vgg-s1/model.json',
    what: 'StitchNet model zoo',
    regenerate: 'npx tsx scripts/stitch/train-zoo.ts',
  },
  'fashion-mnist-models': {
    repo: 'kernel/core/models/fashion-mnist',
    bundle: 'core/models/fashion-mnist',
    probe: 'mixer/model.json',
    what: 'shipped Fashion-MNIST models (SWS study, CIM CNN)',
    regenerate: 'npx tsx scripts/sws/train-models.ts',
  },
  'gaze-weights': {
    repo: 'kernel/gaze/weights',
    bundle: 'gaze/weights',
    probe: 'student.safetensors.gz',
    what: 'shipped DFT Gaze weights',
    regenerate: 'npx tsx scripts/gaze/train.ts train',
  },
  'fed-shipped': {
    repo: 'kernel/federated/shipped/bench.json',
    bundle: 'federated/shipped/bench.json',
    what: 'shipped SphereFed results',
    regenerate: 'npm run bench -- --only fed',
  },
  'fed-study': {
    repo: 'kernel/federated/shipped/study',
    bundle: 'federated/shipped/study',
    probe: 'config.json',
    what: 'shipped SphereFed cross-device study cells',
    regenerate: 'nice -n 10 npx tsx scripts/fed/study.ts (resumable; or npm run bench -- --only fed)',
  },
  'fed-study-mnist': {
    repo: 'kernel/federated/shipped/study-mnist',
    bundle: 'federated/shipped/study-mnist',
    probe: 'config.json',
    what: 'shipped SphereFed study cells on MNIST (reported only, bench/declared/fed-reported.json)',
    regenerate:
      'nice -n 10 npx tsx scripts/fed/study.ts --dataset mnist --dir kernel/federated/shipped/study-mnist --alphas 0.05 --seeds 0,1 --clients 50 --per-round 5',
  },
  'human-models': {
    repo: 'node_modules/@vladmandic/human/models',
    bundle: 'human-models',
    probe: 'centernet.json',
    npm: '@vladmandic/human',
    what: 'pretrained models of npm @vladmandic/human (MIT; the COCO CenterNet detector)',
    regenerate: 'npm install @vladmandic/human (a dependency of edgelab; in your own folder: npm install @vladmandic/human@3.3.6)',
  },
} as const satisfies Record<string, AssetSpec>;

export type AssetName = keyof typeof ASSETS;
export const ASSET_NAMES = Object.keys(ASSETS) as AssetName[];

export interface AssetRoots {
  /** Folder laid out like dist/kernel given by $EDGELAB_ASSETS (undefined: not set). */
  env?: string;
  /** The running kernel bundle's folder (dist/kernel), or null when running from the TypeScript sources. */
  bundle?: string | null;
  /** Repository roots to try, in order. */
  repos?: string[];
}

export interface ResolveAssetOptions {
  /** An explicit path (file or folder) to use instead of the shipped one. */
  path?: string;
  /** A file inside the asset folder that must exist (default: the asset's own probe). */
  probe?: string;
  /** Override where to look (tests). */
  roots?: AssetRoots;
}

/** The folder of the running kernel bundle (…/dist/kernel), or null when this code runs from kernel/*.ts. */
export function bundleDir(from = __dirname, file = __filename): string | null {
  if (file.endsWith('.ts')) return null;
  let d = from;
  for (let i = 0; i < 4; i++) {
    if (basename(d) === 'kernel' && basename(dirname(d)) === 'dist') return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return null;
}

function edgelabRootAbove(start: string): string | null {
  let d = resolve(start);
  for (;;) {
    const pj = join(d, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'edgelab') return d;
      } catch {
        /* not ours */
      }
    }
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/** Candidate repository roots: the edgelab package above this file, above the working directory, node_modules/edgelab. */
export function repoRoots(): string[] {
  const out: string[] = [];
  const add = (d: string | null): void => {
    if (d && !out.includes(d)) out.push(d);
  };
  add(edgelabRootAbove(__dirname));
  add(edgelabRootAbove(process.cwd()));
  try {
    add(dirname(require.resolve('edgelab/package.json', { paths: [process.cwd()] })));
  } catch {
    /* not linked */
  }
  return out;
}

function defaultRoots(): AssetRoots {
  return { env: process.env.EDGELAB_ASSETS || undefined, bundle: bundleDir(), repos: repoRoots() };
}

/** Every place `name` would be looked for, in order, with where each came from. */
export function assetCandidates(
  name: AssetName,
  o: ResolveAssetOptions = {},
): { from: 'option' | 'EDGELAB_ASSETS' | 'bundle' | 'repo' | 'package'; path: string }[] {
  const spec: AssetSpec | undefined = ASSETS[name];
  if (!spec) throw new InvalidInput(`unknown asset ${describe(name)}; known: ${ASSET_NAMES.join(', ')}`);
  if (o.path !== undefined) return [{ from: 'option', path: resolve(o.path) }];
  const r = { ...defaultRoots(), ...o.roots };
  const out: { from: 'option' | 'EDGELAB_ASSETS' | 'bundle' | 'repo' | 'package'; path: string }[] = [];
  if (r.env) out.push({ from: 'EDGELAB_ASSETS', path: join(r.env, spec.bundle) });
  if (r.bundle) out.push({ from: 'bundle', path: join(r.bundle, spec.bundle) });
  for (const repo of r.repos ?? []) out.push({ from: 'repo', path: join(repo, spec.repo) });
  if (spec.npm && !o.roots) {
    const inPkg = spec.repo.split(`node_modules/${spec.npm}/`)[1] ?? '';
    try {
      const pkg = dirname(createRequire(join(process.cwd(), 'package.json')).resolve(`${spec.npm}/package.json`));
      const p = join(pkg, inPkg);
      if (!out.some((c) => c.path === p)) out.push({ from: 'package', path: p });
    } catch {
      /* not installed where the working directory can see it */
    }
  }
  return out;
}

/**
 * Absolute path of a shipped file or folder. Throws NotFound naming every place looked (and how to regenerate it).
 * `probe` (default: the asset's) is a file that must exist inside a folder for it to count.
 */
export function resolveAsset(name: AssetName, o: ResolveAssetOptions = {}): string {
  const cands = assetCandidates(name, o);
  const spec: AssetSpec = ASSETS[name];
  const probe = o.probe ?? spec.probe;
  for (const c of cands) if (existsSync(probe ? join(c.path, probe) : c.path)) return c.path;
  const looked = cands.map((c) => `${probe ? join(c.path, probe) : c.path} (${c.from})`).join(', ');
  throw new NotFound(
    `${spec.what} not found; looked in: ${looked || '(no candidate: no bundle, no repository, EDGELAB_ASSETS unset)'}. ` +
      `Point EDGELAB_ASSETS at a folder laid out like dist/kernel, or regenerate with: ${spec.regenerate}`,
  );
}

/** Where a generator (a bench, a training script) writes the asset: its path in the first repository root. */
export function repoAssetPath(name: AssetName): string {
  const root = repoRoots()[0];
  if (!root)
    throw new NotFound(
      `no edgelab repository above ${__dirname} or ${process.cwd()}: ${ASSETS[name].what} can only be regenerated from a checkout`,
    );
  return join(root, ASSETS[name].repo);
}

/** Like resolveAsset, but null instead of NotFound (optional files). */
export function findAsset(name: AssetName, o: ResolveAssetOptions = {}): string | null {
  try {
    return resolveAsset(name, o);
  } catch (e) {
    if (e instanceof NotFound) return null;
    throw e;
  }
}
