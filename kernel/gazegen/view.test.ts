import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { angleBetweenDeg, yawPitchToVector } from '../gaze';
import { angleBetweenPointsDeg, boxAngularRadiusDeg, errorPx, focalPx, makeView, offsetByAngle, projectGaze, unprojectPoint } from './view';

const DEG = Math.PI / 180;
const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('pinhole convention: yaw right → u grows, pitch up → v shrinks, the FOV edge maps to the image border', () => {
  const v = makeView(640, 480, 90);
  close(focalPx(v), 320, 1e-9, 'f = (W/2)/tan(45°)');
  assert.deepEqual(projectGaze(v, 0, 0), [320, 240]);
  const [ur, vr] = projectGaze(v, 10 * DEG, 0);
  assert.ok(ur > 320 && vr === 240, 'positive yaw looks right');
  const [uu, vu] = projectGaze(v, 0, 10 * DEG);
  assert.ok(vu < 240 && uu === 320, 'positive pitch looks up: image v decreases');
  close(projectGaze(v, 45 * DEG, 0)[0], 640, 1e-9, 'yaw = FOV/2 is the right border');
  close(projectGaze(v, 0, -30 * DEG)[1], 240 + 320 * Math.tan(30 * DEG), 1e-9, 'v = cy − f·tan(pitch)');
  const [y, p] = unprojectPoint(v, 100, 400);
  const [u2, v2] = projectGaze(v, y, p);
  close(u2, 100, 1e-9);
  close(v2, 400, 1e-9);
});

test("the view is el.gaze's direction convention: angles between projected points equal angles between gaze vectors", () => {
  const v = makeView(800, 500, 75);
  const pairs: [number, number, number, number][] = [
    [0.1, -0.2, -0.3, 0.25],
    [0.4, 0.3, 0.4, -0.3],
    [-0.5, 0.1, 0.2, 0.2],
  ];
  for (const [a, b, c, d] of pairs) {
    const want = angleBetweenDeg(yawPitchToVector(a, b), yawPitchToVector(c, d));
    close(angleBetweenPointsDeg(v, projectGaze(v, a, b), projectGaze(v, c, d)), want, 1e-9, 'angle');
  }
});

test('offsetByAngle moves by exactly the angle, direction 0 = right and π/2 = up; errorPx grows towards the border', () => {
  const v = makeView(640, 480, 90);
  for (const [u, w] of [
    [320, 240],
    [50, 60],
    [600, 450],
  ] as const) {
    for (const dir of [0, 1, 2.5, 4])
      close(angleBetweenPointsDeg(v, [u, w], offsetByAngle(v, u, w, 5, dir)), 5, 1e-9, `at (${u},${w}) dir ${dir}`);
  }
  const r = offsetByAngle(v, 320, 240, 5, 0),
    up = offsetByAngle(v, 320, 240, 5, Math.PI / 2);
  close(r[0], 320 + 320 * Math.tan(5 * DEG), 1e-9);
  close(r[1], 240, 1e-9);
  assert.ok(up[1] < 240 && Math.abs(up[0] - 320) < 1e-9);
  close(errorPx(v, 5), 320 * Math.tan(5 * DEG), 1e-9, 'centre');
  assert.ok(errorPx(v, 5, 620, 240) > errorPx(v, 5) * 1.5, 'near the border a degree covers more pixels');
  close(boxAngularRadiusDeg(v, [320 - 50, 240 - 100, 100, 200]), Math.atan(50 / 320) / DEG, 1e-9, 'half the smaller side');
});

test('bad views and gazes are InvalidInput', () => {
  assert.throws(() => makeView(640, 480, 180), InvalidInput);
  assert.throws(() => makeView(0, 480), InvalidInput);
  const v = makeView(640, 480);
  assert.throws(() => projectGaze(v, NaN, 0), /finite/);
  assert.throws(() => projectGaze(v, Math.PI / 2, 0), InvalidInput);
  assert.throws(() => unprojectPoint(v, 1, Infinity), InvalidInput);
  assert.throws(() => offsetByAngle(v, 1, 1, -1, 0), InvalidInput);
});
