import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { fitPccr, pccrFeature, predictPccr, PCCR_TARGETS_DEG, type PccrFeature } from './pccr';
import { mixSeed, pupilImagePosition, renderEye, sampleFrame, userOf } from './world/synth';

test('PCCR pupil detector: within 2.5 px of the true pupil centre on rendered eyes (both sides), with no labels', () => {
  const H = 64,
    W = 96;
  let ok = 0,
    n = 0;
  for (let k = 0; k < 16; k++) {
    const u = userOf(0, 1000 + k);
    const fs = sampleFrame(u, mixSeed(0, 1000 + k, 9));
    if (fs.blink) continue;
    const g = pupilImagePosition(u, fs, { height: H, width: W });
    if (!g.inFrame) continue;
    const f = pccrFeature(renderEye(u, fs, { height: H, width: W }), H, W);
    n++;
    if (Math.hypot(f.pupil[0] - g.x, f.pupil[1] - g.y) < 2.5) ok++;
  }
  assert.ok(n >= 12 && ok >= n - 1, `pupil found within 2.5 px on ${ok} of ${n} frames`);
});

test('PCCR mapping: a second-order polynomial is recovered exactly from 9 calibration points; < 6 points is a named error', () => {
  const truth = (v: [number, number]): [number, number] => [
    0.1 + 0.02 * v[0] - 0.003 * v[1] + 0.0004 * v[0] * v[1] + 0.001 * v[0] ** 2,
    -0.05 + 0.015 * v[1] + 0.0008 * v[1] ** 2,
  ];
  const feat = (v: [number, number]): PccrFeature => ({ pupil: v, glint: null, glints: 0, v });
  const cal = PCCR_TARGETS_DEG.map(([a, b]) => feat([a / 2 + 0.3 * b, b / 2]));
  assert.equal(cal.length, 9);
  const g = new Float32Array(cal.flatMap((f) => truth(f.v)));
  const c = fitPccr(cal, g, 0);
  const test_ = [feat([3, -2]), feat([-6, 4])];
  const p = predictPccr(c, test_);
  test_.forEach((f, i) => {
    const t = truth(f.v);
    assert.ok(Math.abs(p[2 * i]! - t[0]) < 1e-5 && Math.abs(p[2 * i + 1]! - t[1]) < 1e-5, `${p[2 * i]},${p[2 * i + 1]} vs ${t}`);
  });
  assert.throws(() => fitPccr(cal.slice(0, 5), g.slice(0, 10)), InvalidInput);
});
