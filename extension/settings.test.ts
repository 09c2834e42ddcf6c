// Settings: package.json's contributes.configuration is exactly the SETTINGS table, and the values reach a kernel as
// the environment variables a notebook run elsewhere reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, kernelEnv, cameraBindAddress, configurationContribution, classifyChange, restartPrompt } from './settings';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: unknown };
};

test('package.json contributes exactly the settings of settings.ts (regenerate it from configurationContribution())', () => {
  assert.deepEqual(pkg.contributes.configuration, configurationContribution());
});

test('kernel settings become environment variables; defaults, empty values and extension-only settings do not', () => {
  const values: Record<string, unknown> = {
    assetsFolder: '/data/edgelab',
    backend: 'wasm',
    'jobs.redisUrl': 'rediss://user:pw@host:6380',
    'gazegen.diffusionUrl': '',
    'camera.bindAddress': '0.0.0.0',
    'tour.outputFolder': undefined,
  };
  assert.deepEqual(
    kernelEnv((k) => values[k]),
    {
      EDGELAB_ASSETS: '/data/edgelab',
      EDGELAB_BACKEND: 'wasm',
      EDGELAB_REDIS_URL: 'rediss://user:pw@host:6380',
    },
  );
  assert.deepEqual(
    kernelEnv((k) => SETTINGS.find((s) => s.key === k)?.default),
    {},
    'all defaults: nothing is set',
  );
  const envs = SETTINGS.flatMap((s) => (s.env ? [s.env] : []));
  assert.deepEqual(new Set(envs).size, envs.length, 'one variable per setting');
});

test('the camera page stays on loopback unless the user opted in, and says so', () => {
  const cfg = (bind: unknown, allow: unknown) => (k: string) => ({ 'camera.bindAddress': bind, 'camera.allowRemote': allow })[k];
  assert.deepEqual(cameraBindAddress(cfg(undefined, undefined)), { address: '127.0.0.1' });
  assert.deepEqual(cameraBindAddress(cfg('127.0.0.2', false)), { address: '127.0.0.2' });
  assert.deepEqual(cameraBindAddress(cfg('::1', false)), { address: '::1' });
  const refused = cameraBindAddress(cfg('0.0.0.0', false));
  assert.equal(refused.address, '127.0.0.1');
  assert.match(refused.warning ?? '', /allowRemote/);
  const allowed = cameraBindAddress(cfg('192.168.1.5', true));
  assert.equal(allowed.address, '192.168.1.5');
  assert.match(allowed.warning ?? '', /other machines/);
  assert.equal(cameraBindAddress(cfg('127.0.0.1.evil.example', true)).address, '127.0.0.1.evil.example');
  assert.equal(cameraBindAddress(cfg('127.0.0.1.evil.example', false)).address, '127.0.0.1', 'a look-alike name is not loopback');
});

test('a settings change: kernel settings need a restart (asked only while kernels run), camera settings apply on their next use', () => {
  const touched = new Set(['backend', 'camera.allowRemote']);
  const c = classifyChange((k) => touched.has(k));
  assert.deepEqual(
    c.kernel.map((s) => s.key),
    ['backend'],
  );
  assert.deepEqual(
    c.extension.map((s) => s.key),
    ['camera.allowRemote'],
  );
  assert.equal(restartPrompt(c.kernel, []), null, 'no running kernel: nothing to ask, the next kernel reads it');
  assert.equal(restartPrompt([], ['a.ipynb']), null, 'only camera settings: no restart');
  assert.match(restartPrompt(c.kernel, ['status.ipynb']) ?? '', /edgelab\.backend changed.*restart the kernel of status\.ipynb/);
  assert.match(restartPrompt(c.kernel, ['a.ipynb', 'b.ipynb']) ?? '', /restart the 2 running EdgeLab kernels/);
});
