import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init, backendInfo } from './backend';
import { InvalidInput } from './errors';

test('auto picks the fastest backend that loads and says why faster ones were skipped', async () => {
  const r = await init();
  let hasTfjsNode = true;
  try { require.resolve('@tensorflow/tfjs-node'); } catch { hasTfjsNode = false; }
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
