// The tutorials load shipped artifacts (Rosko wasm, StitchNet zoo, SWS models, DFT Gaze weights + logs, SphereFed curves).
// In a user's workspace the kernel is the bundle inside the installed extension (dist/kernel, see extension/link.ts), with
// no kernel/ source tree beside it. This test copies dist/kernel alone into a temp folder, loads it there and checks that
// every loader finds its artifact next to that bundle. Needs `node esbuild.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ASSETS } from '../kernel/core/assets';

const root = join(__dirname, '..');

test("core/assets' table mirrors esbuild.mjs's ASSETS: every asset is copied to its bundle path", () => {
  for (const [name, spec] of Object.entries(ASSETS)) {
    const probe = 'probe' in spec ? `/${spec.probe}` : '';
    assert.ok(
      existsSync(join(root, 'dist', 'kernel', spec.bundle + probe)),
      `${name}: esbuild did not put ${spec.repo} at dist/kernel/${spec.bundle} (the two tables differ, or run node esbuild.mjs)`,
    );
  }
});

test('the bundled kernel finds every shipped artifact beside itself (as in an installed extension)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'edgelab-assets-'));
  try {
    cpSync(join(root, 'dist', 'kernel'), join(tmp, 'dist', 'kernel'), { recursive: true });
    const probe = `
      const el = require(${JSON.stringify(join(tmp, 'dist', 'kernel', 'index.js'))});
      const out = {
        rosko: el.sparse.wasmPath(), zoo: el.stitch.zooDir(), sws: el.sws.swsModelDir(), gaze: el.gaze.weightsDir(),
        gazeLogs: el.gaze.shippedJson('logs.json') !== null, fed: el.federated.shippedPath(),
        centernet: el.gazegen.centerNetDir(),
      };
      process.stdout.write(JSON.stringify(out));`;
    // runtime packages (tfjs, …) come from the repo's node_modules, as from the extension's dist/node_modules
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', probe], {
        cwd: tmp,
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
      }),
    ) as Record<string, string | boolean>;
    for (const k of ['rosko', 'zoo', 'sws', 'gaze', 'fed', 'centernet'] as const) {
      assert.ok(String(out[k]).startsWith(tmp), `${k} resolved beside the bundle, not in the source tree: ${out[k]}`);
    }
    assert.equal(out.gazeLogs, true, 'DFT Gaze training logs ship with the weights');
    // one EDGELAB_ASSETS folder (laid out like dist/kernel) beats the copy beside the bundle
    const envOut = JSON.parse(
      execFileSync(process.execPath, ['-e', probe], {
        cwd: tmp,
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: join(root, 'node_modules'), EDGELAB_ASSETS: join(root, 'dist', 'kernel') },
      }),
    ) as Record<string, string>;
    for (const k of ['rosko', 'zoo', 'sws', 'gaze', 'fed'] as const) {
      assert.ok(String(envOut[k]).startsWith(join(root, 'dist', 'kernel')), `${k} resolved from EDGELAB_ASSETS: ${envOut[k]}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('worker threads start from the copied bundle alone (core/workers entries): the Rosko pool and a federated worker host', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'edgelab-workers-'));
  try {
    cpSync(join(root, 'dist', 'kernel'), join(tmp, 'dist', 'kernel'), { recursive: true });
    const probe = `
      const el = require(${JSON.stringify(join(tmp, 'dist', 'kernel', 'index.js'))});
      (async () => {
        const A = { rows: 3, cols: 4, data: new Float32Array([1, 0, 0, 2, 0, 3, 0, 0, 0, 0, 4, 5]) };
        const B = { rows: 4, cols: 2, data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) };
        const pk = el.sparse.pack(A, { mr: 2, mc: 2, kc: 2, p: 2, nr: 16, nc: 16, N: 2 });
        const pool = await el.sparse.RoskoPool.create({ workers: 2 });
        const same = JSON.stringify(Array.from((await pool.spmm(pk, B)).data)) === JSON.stringify(Array.from(el.sparse.spmm(pk, B).data));
        await pool.close();
        const spec = { input: 4, hidden: [3], features: 2, classes: 2, head: 'learned', seed: 1 };
        const host = new el.federated.WorkerHost({ spec, clients: [{ id: 'c0', data: { kind: 'inline', x: new Float32Array(8), y: new Int32Array([0, 1]), input: 4 } }] });
        const hello = await host.start();
        await host.close();
        process.stdout.write(JSON.stringify({ same, entry: el.federated.hostEntry('worker').script, clients: hello.clientIds }));
      })().catch((e) => { process.stderr.write(String(e.stack)); process.exit(1); });`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', probe], {
        cwd: tmp,
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
      }),
    ) as { same: boolean; entry: string; clients: string[] };
    assert.equal(out.same, true, 'two bundled workers give the single-thread product');
    assert.equal(out.entry, join(tmp, 'dist', 'kernel', 'federated', 'worker-entry.js'));
    assert.deepEqual(out.clients, ['c0']);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('from the sources every loader finds its artifact in the repository (not in a dist/ copy)', () => {
  const probe = `
    const el = require(${JSON.stringify(join(root, 'kernel', 'index.ts'))});
    process.stdout.write(JSON.stringify({
      rosko: el.sparse.wasmPath(), zoo: el.stitch.zooDir(), sws: el.sws.swsModelDir(), gaze: el.gaze.weightsDir(), fed: el.federated.shippedPath(),
    }));`;
  const env = { ...process.env };
  delete env.EDGELAB_ASSETS;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, '-e', probe], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env,
    }),
  ) as Record<string, string>;
  const want = {
    rosko: 'kernel/sparse/rosko.wasm',
    zoo: 'kernel/stitch/zoo',
    sws: 'kernel/core/models/fashion-mnist',
    gaze: 'kernel/gaze/weights',
    fed: 'kernel/federated/shipped/bench.json',
  };
  for (const [k, rel] of Object.entries(want)) assert.equal(out[k], join(root, rel), k);
});
