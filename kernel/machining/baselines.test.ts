import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics, metricsBy } from './metrics';
import { fitRidge, predictMean, predictRidge, windowFeatures } from './baselines';
import { fitNorm, makeWindows, type Windows } from './data';
import { defaultMachine, sampleTask, toolLife } from './lathe';

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
