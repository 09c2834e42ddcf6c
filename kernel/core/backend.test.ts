import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init, backendInfo } from './backend';
import { InvalidInput } from './errors';

test('auto picks the fastest backend that loads and says why faster ones were skipped', async () => {
  const r = await init();
  let hasTfjsNode = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    hasTfjsNode = false;
  }
  if (hasTfjsNode) assert.equal(r.backend, 'tensorflow');
  else {
    assert.equal(r.backend, 'wasm');
    assert.match(r.skipped[0]!.reason, /tfjs-node is not installed/);
    assert.equal(r.simd, true);
  }
  assert.equal(tf.getBackend(), r.backend);
  assert.equal(backendInfo(), r);
  assert.match(r.summary, new RegExp(`backend: ${r.backend}`));
});

test('wasm gets the three training kernels registered', async () => {
  await init({ backend: 'wasm' });
  for (const k of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
    assert.ok(tf.getKernel(k, 'wasm'), `${k} missing on wasm`);
  }
});

test('a named backend is honoured and a bad name is a named error', async () => {
  assert.equal((await init({ backend: 'cpu' })).backend, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  await assert.rejects(init({ backend: 'gpu' as never }), InvalidInput);
  await init({ backend: 'wasm' });
});

test('importing the kernel silences tfjs\'s "install tfjs-node" banner, also for a tensor made before init()', async () => {
  const { spawnSync } = await import('node:child_process');
  const run = (args: string[], cwd?: string): string => {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd });
    return r.stdout + r.stderr;
  };
  const { join } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const src = `const el = require(${JSON.stringify(join(__dirname, '..', 'index.ts'))});
    el.tf.tensor([1, 2]).dispose();
    el.init({ backend: 'cpu', verbose: true }).then(() => el.tf.tensor([3]).dispose());`;
  const out = run(['--import', pathToFileURL(require.resolve('tsx')).href, '-e', src]);
  assert.doesNotMatch(out, /tfjs-node|looks like you are running/);
  assert.match(out, /EdgeLab backend: cpu/, 'the report names the backend instead');
  // without the kernel the banner is there (so this test sees it when it is printed)
  const bare = run(['-e', `const tf = require('@tensorflow/tfjs'); tf.tensor([1]);`], join(__dirname, '..', '..'));
  assert.match(bare, /tfjs-node/);
});

test('EDGELAB_BACKEND picks the backend when no option is given, is named in the error when bad, and the choice is published', async () => {
  const prev = process.env.EDGELAB_BACKEND;
  try {
    process.env.EDGELAB_BACKEND = 'cpu';
    assert.equal((await init()).backend, 'cpu');
    assert.equal((globalThis as Record<symbol, unknown>)[Symbol.for('edgelab.activeBackend')], 'cpu');
    process.env.EDGELAB_BACKEND = 'tpu';
    await assert.rejects(init(), (e: Error) => e instanceof InvalidInput && /"?tpu"? \(from EDGELAB_BACKEND\)/.test(e.message));
    assert.equal((await init({ backend: 'wasm' })).backend, 'wasm', 'an explicit option wins over the variable');
    assert.equal((globalThis as Record<symbol, unknown>)[Symbol.for('edgelab.activeBackend')], 'wasm');
  } finally {
    if (prev === undefined) delete process.env.EDGELAB_BACKEND;
    else process.env.EDGELAB_BACKEND = prev;
  }
});
