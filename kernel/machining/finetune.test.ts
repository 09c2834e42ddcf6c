import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { buildModel, disposeModel, isFineTuned, countParams } from './model';
import { twoShotFineTune, withAdapters } from './finetune';
import { cosineLr, fit, huber, predict } from './train';
import { defaultMachine, sampleTask, toolLife } from './lathe';
import { fitNorm, makeWindows } from './data';

before(async () => {
  await init({ backend: 'wasm' });
});

const life = toolLife(defaultMachine(), sampleTask('ft', 11), { workpieces: 2, seed: 2, timeScale: 0.1 });
const shots = makeWindows(life, fitNorm(life), { seq: 128, every: 20 });

test('after 5 adapter steps every non-selected weight is bit-identical and every selected one changed', async () => {
  const pre = buildModel('ci-micro', { seed: 1 });
  const before = new Map([...pre.vars].map(([k, v]) => [k, v.dataSync().slice()]));
  const { model } = twoShotFineTune(pre, shots, { steps: 5, lr: 1e-3, seed: 3, batch: 8, progress: false });
  const c = countParams(model);
  assert.ok(c.adapters > 0 && c.fineTuned > c.adapters);
  let selected = 0,
    frozen = 0;
  for (const [name, v] of model.vars) {
    const now = v.dataSync();
    if (isFineTuned(name)) {
      selected++;
      const old = before.get(name);
      if (old)
        assert.ok(
          now.some((x, i) => x !== old[i]),
          `${name} (selected) did not change`,
        );
      else assert.ok(name.includes('LoRA'), `${name} is new but not an adapter`);
    } else {
      frozen++;
      assert.deepEqual(now, before.get(name), `${name} (frozen) changed`);
    }
  }
  assert.ok(selected > 10 && frozen > 10);
  // the pretrained model itself is untouched
  for (const [name, v] of pre.vars) assert.deepEqual(v.dataSync(), before.get(name));
  disposeModel(model);
  disposeModel(pre);
});

test('adapterInit zeros reproduces the pretrained function at step 0; glorot does not', () => {
  const pre = buildModel('ci-micro', { seed: 4 });
  const p0 = predict(pre, shots);
  const z = withAdapters(pre, 'zeros'),
    g = withAdapters(pre, 'glorot');
  const pz = predict(z, shots),
    pg = predict(g, shots);
  for (let i = 0; i < p0.length; i++) assert.ok(Math.abs(pz[i]! - p0[i]!) < 1e-5);
  assert.ok(pg.some((v, i) => Math.abs(v - p0[i]!) > 1e-3));
  disposeModel(z);
  disposeModel(g);
  disposeModel(pre);
});

test('cosine decay and Huber: schedule endpoints, quadratic/linear regions; lr = 0 leaves weights unchanged', async () => {
  assert.equal(cosineLr(1e-3, 0, 10), 1e-3);
  assert.ok(Math.abs(cosineLr(1e-3, 5, 10) - 5e-4) < 1e-12);
  assert.equal(cosineLr(1e-3, 10, 10), 0);
  const h = huber(tf.tensor1d([0, 0.5, 3]), tf.tensor1d([0, 0, 0]));
  assert.ok(Math.abs(h.dataSync()[0]! - (0 + 0.125 + 2.5) / 3) < 1e-6);
  h.dispose();
  const m = buildModel('ci-micro', { seed: 5 });
  const w0 = m.vars.get('regressor_ffn_2/kernel')!.dataSync().slice();
  await expectNoLeak(() => {
    fit(m, shots, { steps: 2, lr: 0, batch: 4, progress: false });
  }, 'fit');
  assert.deepEqual(m.vars.get('regressor_ffn_2/kernel')!.dataSync(), w0);
  const r = fit(m, shots, { steps: 2, lr: 1e-2, batch: 4, progress: false });
  assert.notDeepEqual(m.vars.get('regressor_ffn_2/kernel')!.dataSync(), w0);
  assert.equal(r.losses.length, 2);
  disposeModel(m);
});
