import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { metrics, metricsBy } from './metrics';
import {
  cnnPredict,
  fitRidge,
  logSpectrograms,
  predictMean,
  predictRidge,
  rawInputs,
  svrPredict,
  windowFeatures,
  SPEC_FRAME,
} from './baselines';
import { fitNorm, makeWindows, selectWindows, type Windows } from './data';
import { defaultMachine, sampleTask, toolLife } from './lathe';

before(async () => {
  await init({ backend: 'wasm' });
});

test('metrics: MAE, RMSE, Pearson r on a hand-computed case; per-group split', () => {
  const m = metrics([1, 2, 3, 5], [1, 3, 2, 5]);
  assert.equal(m.mae, 0.5);
  assert.equal(m.rmse, Math.sqrt(0.5));
  // r of (1,2,3,5) and (1,3,2,5): means 2.75; sxy = 7.75, sxx = 8.75, syy = 8.75
  assert.ok(Math.abs(m.corr - 7.75 / 8.75) < 1e-12);
  assert.equal(metrics([2, 2], [1, 3]).corr, 0);
  const g = metricsBy([1, 2, 3, 4], [1, 1, 3, 3], [10, 10, 30, 30]);
  assert.deepEqual([...g.keys()], [10, 30]);
  assert.equal(g.get(10)!.mae, 0.5);
  assert.throws(() => metrics([1], []), /equal, non-empty/);
});

test('ridge on hand features recovers a target that is linear in the features; mean predictor predicts the mean', () => {
  const life = toolLife(defaultMachine(), sampleTask('r', 4), { workpieces: 3, seed: 5, timeScale: 0.1 });
  const w = makeWindows(life, fitNorm(life), { seq: 64, every: 3 });
  const { x, d } = windowFeatures(w);
  assert.equal(x.length, w.n * d);
  // synthetic target: 2·feature 3 − feature 10 (ridge with small λ must fit it almost exactly)
  const y = new Float32Array(w.n);
  for (let i = 0; i < w.n; i++) y[i] = 2 * x[i * d + 3]! - x[i * d + 10]!;
  const ww: Windows = { ...w, y };
  const p = predictRidge(fitRidge(ww, 1e-6), ww);
  assert.ok(metrics(p, y).rmse < 1e-3 * Math.sqrt(metrics(y, new Float32Array(w.n)).rmse ** 2), `rmse ${metrics(p, y).rmse}`);
  // heavy shrinkage predicts ≈ the mean
  const pm = predictRidge(fitRidge(ww, 1e9), ww),
    mm = predictMean(ww, ww);
  for (let i = 0; i < w.n; i += 7) assert.ok(Math.abs(pm[i]! - mm[i]!) < 1e-3 * (1 + Math.abs(mm[i]!)));
  assert.throws(() => fitRidge(ww, 0), /lambda must be > 0/);
});

const small = () => {
  const life = toolLife(defaultMachine(), sampleTask('b', 4), { workpieces: 3, seed: 5, timeScale: 0.1 });
  return makeWindows(life, fitNorm(life), { seq: 64, every: 3 });
};

test('SVR (LIBSVM) recovers a target linear in the features, at any label scale; bad settings are named', () => {
  const w = small();
  const { x, d } = windowFeatures(w);
  // labels far from 0 and large: a broken feature or label standardisation (or a forgotten un-scaling) shows at once
  const y = new Float32Array(w.n);
  for (let i = 0; i < w.n; i++) y[i] = 5000 + 300 * (2 * x[i * d + 3]! - x[i * d + 10]!);
  const even = selectWindows(
    { ...w, y },
    Array.from({ length: Math.ceil(w.n / 2) }, (_, i) => 2 * i),
  );
  const odd = selectWindows(
    { ...w, y },
    Array.from({ length: Math.floor(w.n / 2) }, (_, i) => 2 * i + 1),
  );
  const spread = metrics(predictMean(even, odd), odd.y).mae;
  const lin = svrPredict(even, [odd], { C: 100, epsilon: 0.001, gamma: 1, kernel: 'linear' }).preds[0]!;
  assert.ok(metrics(lin, odd.y).mae < 0.01 * spread, `linear SVR MAE ${metrics(lin, odd.y).mae} vs spread ${spread}`);
  // RBF kernel (few points in ~50 dimensions): on its own training windows it sits inside the ε-tube (ε·sd of the labels)
  const rbf = svrPredict(even, [even, odd], { C: 100, epsilon: 0.01, gamma: 0.3 }).preds;
  assert.ok(metrics(rbf[0]!, even.y).mae < 0.05 * spread, `RBF SVR train MAE ${metrics(rbf[0]!, even.y).mae} vs spread ${spread}`);
  assert.ok(metrics(rbf[1]!, odd.y).mae < spread, `RBF SVR beats the mean: ${metrics(rbf[1]!, odd.y).mae} vs ${spread}`);
  // deterministic
  assert.deepEqual(svrPredict(even, [even, odd], { C: 100, epsilon: 0.01, gamma: 0.3 }).preds, rbf);
  assert.throws(() => svrPredict(even, [odd], { C: 0, epsilon: 0.1, gamma: 1 }), /SVR C must be a finite number > 0, got 0/);
  assert.throws(() => svrPredict(even, [odd], { C: 1, epsilon: 0.1, gamma: 1, kernel: 'poly' as 'rbf' }), /kernel must be/);
});

test('CNN inputs: raw windows stack cuts as channels; log-spectrogram of a pure tone peaks at its bin', () => {
  const w = small();
  const r = rawInputs(w);
  assert.deepEqual(r.shape, [64, w.cuts * 8]);
  // window 1, cut 1, t 5, channel 6 lands at [1, 5, 8 + 6]
  assert.equal(r.x[(1 * 64 + 5) * r.shape[1] + 8 + 6], w.time[((1 * w.cuts + 1) * 64 + 5) * 8 + 6]);
  const s = logSpectrograms(w);
  assert.deepEqual(s.shape, [3, SPEC_FRAME / 2 + 1, w.cuts * 2]);
  // a tone at 4 cycles per frame in accelerometer 1 of cut 0 → the spectrogram of that channel peaks at bin 4
  const tone: Windows = { ...w, n: 1, time: new Float32Array(w.cuts * 64 * 8) };
  for (let t = 0; t < 64; t++) tone.time[t * 8 + 1] = Math.sin((2 * Math.PI * 4 * t) / SPEC_FRAME);
  const ts = logSpectrograms(tone);
  const col = Array.from({ length: SPEC_FRAME / 2 + 1 }, (_, h) => ts.x[(1 * (SPEC_FRAME / 2 + 1) + h) * ts.shape[2] + 1]!);
  assert.equal(col.indexOf(Math.max(...col)), 4);
});

test('1D- and 2D-CNN baselines: shape, determinism from a seed, training lowers the loss, no leaked tensors', async () => {
  const w = small();
  for (const kind of ['cnn1d', 'cnn2d'] as const) {
    await expectNoLeak(() => {
      const a = cnnPredict(kind, w, [w, selectWindows(w, [0, 1, 2])], { lr: 3e-3, steps: 12, seed: 3 });
      assert.equal(a.preds.length, 2);
      assert.equal(a.preds[0]!.length, w.n);
      assert.equal(a.preds[1]!.length, 3);
      assert.ok(a.preds[0]!.every(Number.isFinite));
      const b = cnnPredict(kind, w, [w], { lr: 3e-3, steps: 12, seed: 3 });
      assert.deepEqual(b.preds[0], a.preds[0], `${kind}: same seed, same predictions`);
      const c = cnnPredict(kind, w, [w], { lr: 3e-3, steps: 12, seed: 4 });
      assert.notDeepEqual(c.preds[0], a.preds[0], `${kind}: another seed, other predictions`);
      assert.ok(a.params > 100 && a.params < 20_000, `${kind} params ${a.params}`);
    });
  }
  assert.throws(() => cnnPredict('cnn3d' as 'cnn1d', w, [w], { lr: 1e-3, steps: 1 }), /kind must be/);
});
