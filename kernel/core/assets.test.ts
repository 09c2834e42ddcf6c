import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASSETS, ASSET_NAMES, bundleDir, resolveAsset, assetCandidates, findAsset } from './assets';
import { NotFound } from './errors';

const root = join(__dirname, '..', '..');

/** A temp tree with four places (option, env, bundle, repo), each holding the asset in its own layout. */
function places(
  name: keyof typeof ASSETS,
  where: ('option' | 'env' | 'bundle' | 'repo')[],
): { tmp: string; opt: string; env: string; bundle: string; repo: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'edgelab-assets-'));
  const spec = ASSETS[name];
  const p = { tmp, opt: join(tmp, 'opt', 'x'), env: join(tmp, 'env'), bundle: join(tmp, 'dist', 'kernel'), repo: join(tmp, 'repo') };
  const put = (path: string): void => {
    const probe = 'probe' in spec ? join(path, spec.probe) : path;
    mkdirSync(join(probe, '..'), { recursive: true });
    writeFileSync(probe, 'x');
  };
  if (where.includes('option')) put(p.opt);
  if (where.includes('env')) put(join(p.env, spec.bundle));
  if (where.includes('bundle')) put(join(p.bundle, spec.bundle));
  if (where.includes('repo')) put(join(p.repo, spec.repo));
  return p;
}

test('candidate order: explicit option, then EDGELAB_ASSETS, then beside the bundle, then the repo', () => {
  for (const name of ['stitch-zoo', 'rosko-wasm'] as const) {
    const p = places(name, ['option', 'env', 'bundle', 'repo']);
    try {
      const roots = { env: p.env, bundle: p.bundle, repos: [p.repo] };
      assert.equal(resolveAsset(name, { path: p.opt, roots }), p.opt);
      assert.equal(resolveAsset(name, { roots }), join(p.env, ASSETS[name].bundle));
      assert.equal(resolveAsset(name, { roots: { ...roots, env: undefined } }), join(p.bundle, ASSETS[name].bundle));
      assert.equal(resolveAsset(name, { roots: { ...roots, env: undefined, bundle: null } }), join(p.repo, ASSETS[name].repo));
      // a place without the asset is skipped: env set but empty → bundle
      assert.equal(resolveAsset(name, { roots: { ...roots, env: join(p.tmp, 'nothing') } }), join(p.bundle, ASSETS[name].bundle));
    } finally {
      rmSync(p.tmp, { recursive: true, force: true });
    }
  }
});

test('a folder without its probe file does not count (a partial copy is skipped)', () => {
  const p = places('stitch-zoo', ['repo']);
  try {
    mkdirSync(join(p.bundle, 'stitch', 'zoo'), { recursive: true }); // empty folder beside the bundle
    assert.equal(resolveAsset('stitch-zoo', { roots: { bundle: p.bundle, repos: [p.repo] } }), join(p.repo, 'kernel/stitch/zoo'));
  } finally {
    rmSync(p.tmp, { recursive: true, force: true });
  }
});

test('a missing asset is NotFound naming every place looked and how to regenerate it', () => {
  const p = places('fashion-mnist-models', []);
  try {
    const roots = { env: p.env, bundle: p.bundle, repos: [p.repo, join(p.tmp, 'repo2')] };
    assert.equal(assetCandidates('fashion-mnist-models', { roots }).length, 4);
    assert.throws(
      () => resolveAsset('fashion-mnist-models', { roots }),
      (e: Error) => {
        assert.ok(e instanceof NotFound, e.name);
        for (const c of assetCandidates('fashion-mnist-models', { roots }))
          assert.ok(e.message.includes(c.path), `${c.path} missing from: ${e.message}`);
        for (const from of ['EDGELAB_ASSETS', 'bundle', 'repo']) assert.ok(e.message.includes(`(${from})`), from);
        assert.match(e.message, /sws\/train-models/);
        return true;
      },
    );
    // an explicit path that does not exist is not silently replaced by a shipped copy
    assert.throws(() => resolveAsset('rosko-wasm', { path: join(p.tmp, 'no.wasm') }), /no\.wasm \(option\)/);
    assert.equal(findAsset('fashion-mnist-models', { roots }), null);
  } finally {
    rmSync(p.tmp, { recursive: true, force: true });
  }
});

test('EDGELAB_ASSETS is read from the environment', () => {
  const p = places('fed-shipped', ['env', 'repo']);
  const old = process.env.EDGELAB_ASSETS;
  try {
    process.env.EDGELAB_ASSETS = p.env;
    assert.equal(resolveAsset('fed-shipped'), join(p.env, 'federated/shipped/bench.json'));
  } finally {
    if (old === undefined) delete process.env.EDGELAB_ASSETS;
    else process.env.EDGELAB_ASSETS = old;
    rmSync(p.tmp, { recursive: true, force: true });
  }
});

test('from the sources every shipped asset resolves into the repository', () => {
  assert.equal(bundleDir(), null, 'running from kernel/*.ts is not a bundle');
  assert.equal(bundleDir('/x/dist/kernel/federated', '/x/dist/kernel/federated/worker-entry.js'), '/x/dist/kernel');
  for (const n of ASSET_NAMES) {
    if (process.env.EDGELAB_ASSETS) break;
    assert.equal(resolveAsset(n), join(root, ASSETS[n].repo), n);
  }
});
