import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  angleBetweenDeg,
  angularErrorDeg,
  applyKappa,
  ariaVergenceYaw,
  meanAngularErrorDeg,
  median,
  rotationFromYawPitch,
  mulMat3,
  vectorToYawPitch,
  yawPitchToVector,
  DEG,
} from './geometry';
import { InvalidInput } from '../core/errors';
import { rng } from '../core/rng';

test('yaw/pitch ↔ vector round trip within 1e-6 rad and the Aria convention', () => {
  const r = rng(1);
  for (let k = 0; k < 200; k++) {
    const y = r.uniform(-1.4, 1.4),
      p = r.uniform(-1.4, 1.4);
    const v = yawPitchToVector(y, p);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-12);
    const [y2, p2] = vectorToYawPitch(v);
    assert.ok(Math.abs(y2 - y) < 1e-6 && Math.abs(p2 - p) < 1e-6);
    // normalize(tan yaw, tan pitch, 1)
    assert.ok(Math.abs(v[0] / v[2] - Math.tan(y)) < 1e-9 && Math.abs(v[1] / v[2] - Math.tan(p)) < 1e-9);
  }
  // +yaw toward +x, +pitch toward +y
  const a = yawPitchToVector(0.2, 0),
    b = yawPitchToVector(0, 0.2);
  assert.ok(a[0] > 0 && Math.abs(a[1]) < 1e-15 && b[1] > 0 && Math.abs(b[0]) < 1e-15);
  assert.throws(() => vectorToYawPitch([0, 0, -1]), InvalidInput);
  assert.throws(() => yawPitchToVector(2, 0), InvalidInput);
});

test('angular error: 0 for equal gazes, 90 for orthogonal vectors, matches the dot-product formula', () => {
  assert.equal(angleBetweenDeg([1, 2, 3], [2, 4, 6]), 0);
  assert.ok(Math.abs(angleBetweenDeg([1, 0, 0], [0, 0, 1]) - 90) < 1e-12);
  assert.equal(angularErrorDeg(0.1, -0.2, 0.1, -0.2), 0);
  const r = rng(2);
  for (let k = 0; k < 50; k++) {
    const a = [r.uniform(-0.5, 0.5), r.uniform(-0.5, 0.5)],
      b = [r.uniform(-0.5, 0.5), r.uniform(-0.5, 0.5)];
    const va = yawPitchToVector(a[0]!, a[1]!),
      vb = yawPitchToVector(b[0]!, b[1]!);
    const ref = Math.acos(Math.min(1, va[0] * vb[0] + va[1] * vb[1] + va[2] * vb[2])) / DEG;
    assert.ok(Math.abs(angularErrorDeg(a[0]!, a[1]!, b[0]!, b[1]!) - ref) < 1e-6);
  }
  // pure yaw difference of 5° is 5°
  assert.ok(Math.abs(angularErrorDeg(0, 0, 5 * DEG, 0) - 5) < 1e-9);
  assert.ok(Math.abs(meanAngularErrorDeg([0, 0, 0, 0], [3 * DEG, 0, 0, 1 * DEG]) - 2) < 1e-9);
  assert.ok(Math.abs(meanAngularErrorDeg([0, 0, 0, 0], [3 * DEG, 0, 0, 1 * DEG], [0, 1]) - 1) < 1e-9);
  assert.equal(median([3, 1, 2, 10]), 2.5);
  assert.throws(() => meanAngularErrorDeg([0, 0], [0]), InvalidInput);
});

test('rotationFromYawPitch maps z to the gaze; kappa shifts the straight-ahead gaze by kappa', () => {
  const R = rotationFromYawPitch(0.3, -0.2);
  const [y, p] = vectorToYawPitch(mulMat3(R, [0, 0, 1]));
  assert.ok(Math.abs(y - 0.3) < 1e-12 && Math.abs(p + 0.2) < 1e-12);
  // orthonormal
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      const d = R[i]! * R[j]! + R[3 + i]! * R[3 + j]! + R[6 + i]! * R[6 + j]!;
      assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-12);
    }
  const [ky, kp] = applyKappa(0, 0, 5 * DEG, 1.5 * DEG);
  assert.ok(Math.abs(ky - 5 * DEG) < 1e-12 && Math.abs(kp - 1.5 * DEG) < 1e-12);
  // kappa is a rotation: the angle between optical and visual axis is the same for every gaze
  const k0 = angularErrorDeg(0, 0, ky, kp);
  const [vy, vp] = applyKappa(0.3, 0.2, 5 * DEG, 1.5 * DEG);
  assert.ok(Math.abs(angularErrorDeg(0.3, 0.2, vy, vp) - k0) < 1e-9);
});

test('Aria vergence → combined yaw matches the hand formula', () => {
  const ipd = 0.063,
    yl = -0.05,
    yr = 0.02;
  const Z = ipd / (Math.tan(yr) - Math.tan(yl)),
    X = ((ipd / 2) * (Math.tan(yl) + Math.tan(yr))) / (Math.tan(yr) - Math.tan(yl));
  const got = ariaVergenceYaw(yl, yr);
  assert.ok(Math.abs(got.yaw - Math.atan(X / Z)) < 1e-12);
  assert.ok(Math.abs(got.depth - Z) < 1e-12);
  // a fixation point at 0.5 m, 0.1 m to the left (+x): both rays meet there
  const px = 0.1,
    pz = 0.5;
  const l = Math.atan((px - ipd / 2) / pz),
    r = Math.atan((px + ipd / 2) / pz);
  const v = ariaVergenceYaw(l, r);
  assert.ok(Math.abs(v.depth - pz) < 1e-9 && Math.abs(v.yaw - Math.atan(px / pz)) < 1e-9);
  assert.equal(ariaVergenceYaw(0.1, 0.1).depth, Infinity);
});
