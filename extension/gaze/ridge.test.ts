import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng, type Rng } from '../../kernel/core/rng';
import { InvalidInput } from '../../kernel/core/errors';
import {
  angleDeg,
  equalizeHistogram,
  eyeBox,
  eyePatch,
  fitRidge,
  frameFeatures,
  predictRidge,
  screenErrors,
  FEATURES,
  PATCH_H,
  PATCH_W,
  type Raster,
} from './ridge';
import { targetLayout } from './page';

test('fitRidge recovers a linear map from features to screen points (held-out error near the noise)', () => {
  const r = rng(1);
  const d = 20,
    n = 80;
  const Ax = Array.from({ length: d }, () => r.normal()),
    Ay = Array.from({ length: d }, () => r.normal());
  const make = () => {
    const f = Array.from({ length: d }, () => r.normal());
    return {
      f,
      x: 500 + 40 * f.reduce((s, v, j) => s + v * Ax[j]!, 0) + r.normal(0, 2),
      y: 300 + 40 * f.reduce((s, v, j) => s + v * Ay[j]!, 0) + r.normal(0, 2),
    };
  };
  const train = Array.from({ length: n }, make),
    held = Array.from({ length: 40 }, make);
  const m = fitRidge(
    train.map((s) => s.f),
    train,
  );
  const err = held.map((s) => {
    const p = predictRidge(m, s.f);
    return Math.hypot(p.x - s.x, p.y - s.y);
  });
  const meanErr = err.reduce((a, b) => a + b, 0) / err.length;
  // noise alone gives ~2.5 px; the spread of the targets is ~250 px
  assert.ok(meanErr < 8, `held-out error ${meanErr.toFixed(2)} px`);
  assert.ok(m.looPx < 8, `LOO ${m.looPx}`);
  // a pure-noise target is not "learned": LOO picks a large λ and the fit predicts ≈ the mean
  const noise = train.map(() => ({ x: r.normal(0, 100), y: r.normal(0, 100) }));
  const mn = fitRidge(
    train.map((s) => s.f),
    noise,
  );
  const spread = held.map((s) => {
    const p = predictRidge(mn, s.f);
    return Math.hypot(p.x - mn.bx, p.y - mn.by);
  });
  assert.ok(Math.max(...spread) < 40, `noise fit spreads predictions by ${Math.max(...spread).toFixed(1)} px`);
});

/** A synthetic 200×100 face strip: two eyes (bright sclera ellipse, dark iris disc displaced toward the target). */
function eyeImage(r: Rng, fx: number, fy: number): { img: Raster; left: { x: number; y: number }[]; right: { x: number; y: number }[] } {
  const W = 200,
    H = 100,
    data = new Uint8Array(W * H);
  const eyes = [
    { cx: 50, cy: 50 },
    { cx: 150, cy: 50 },
  ];
  const ix = 12 * (fx - 0.5) * 2,
    iy = 5 * (fy - 0.5) * 2;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let v = 140; // skin
      for (const e of eyes) {
        const u = (x - e.cx) / 30,
          w = (y - e.cy) / 13;
        if (u * u + w * w < 1) v = Math.hypot(x - e.cx - ix, y - e.cy - iy) < 8 ? 40 : 225;
      }
      data[y * W + x] = Math.max(0, Math.min(255, Math.round(v + r.normal(0, 8))));
    }
  const lm = (e: { cx: number; cy: number }) =>
    [
      [-30, 0],
      [-12, -12],
      [12, -12],
      [30, 0],
      [12, 12],
      [-12, 12],
    ].map(([dx, dy]) => ({ x: e.cx + dx! + r.normal(0, 0.5), y: e.cy + dy! + r.normal(0, 0.5) }));
  return { img: { width: W, height: H, data, channels: 1 }, left: lm(eyes[0]!), right: lm(eyes[1]!) };
}

test('eye crops → WebGazer features → ridge: held-out targets predicted far better than the mean (given eye crops)', () => {
  // Synthetic crops whose iris follows the target (a real webcam cannot be replayed here). Measured over seeds 1,2,3,7:
  // error / mean-predictor error = 0.42–0.47 with histogram equalisation (WebGazer's default), 0.20–0.30 without.
  const SW = 1000,
    SH = 600;
  const { calibration, validation } = targetLayout();
  for (const [equalize, bound] of [
    [true, 0.6],
    [false, 0.4],
  ] as const) {
    const r = rng(7);
    const samples = (targets: { fx: number; fy: number }[], frames: number) =>
      targets.flatMap((t, g) =>
        Array.from({ length: frames }, () => {
          const e = eyeImage(r, t.fx, t.fy);
          return { f: frameFeatures(e.img, eyeBox(e.left), eyeBox(e.right), equalize), x: t.fx * SW, y: t.fy * SH, group: g };
        }),
      );
    const cal = samples(calibration, 5),
      val = samples(validation, 5);
    assert.equal(cal[0]!.f.length, FEATURES);
    const m = fitRidge(
      cal.map((s) => s.f),
      cal,
      { groups: cal.map((s) => s.group) },
    );
    const geom = { distanceCm: 60, cmPerPx: 2.54 / 96, cx: SW / 2, cy: SH / 2 };
    const fit = screenErrors(
      geom,
      val.map((s) => {
        const p = predictRidge(m, s.f);
        return { tx: s.x, ty: s.y, px: p.x, py: p.y };
      }),
    );
    const base = screenErrors(
      geom,
      val.map((s) => ({ tx: s.x, ty: s.y, px: m.bx, py: m.by })),
    );
    assert.ok(
      fit.meanPx < bound * base.meanPx,
      `equalize ${equalize}: ridge ${fit.meanPx.toFixed(1)} px vs mean predictor ${base.meanPx.toFixed(1)} px`,
    );
    assert.ok(fit.meanDeg < base.meanDeg && fit.meanDeg > 0);
  }
});

test('grouped leave-one-out error from the closed form equals refitting without each target', () => {
  const r = rng(3);
  const groups = Array.from({ length: 30 }, (_, i) => i % 6);
  const F = groups.map((g) => Array.from({ length: 8 }, (_, j) => Math.sin(g + j) + r.normal(0, 0.3)));
  const T = groups.map((g) => ({ x: 100 * g + r.normal(0, 5), y: 50 * (g % 3) + r.normal(0, 5) }));
  const m = fitRidge(F, T, { groups, lambdas: [0.5], relativeLambda: false });
  let sum = 0;
  for (let g = 0; g < 6; g++) {
    const tr = groups.map((v, i) => (v === g ? -1 : i)).filter((i) => i >= 0);
    const mm = fitRidge(
      tr.map((i) => F[i]!),
      tr.map((i) => T[i]!),
      { lambdas: [0.5], relativeLambda: false },
    );
    groups.forEach((v, i) => {
      if (v === g) {
        const p = predictRidge(mm, F[i]!);
        sum += Math.hypot(p.x - T[i]!.x, p.y - T[i]!.y);
      }
    });
  }
  assert.ok(Math.abs(m.looPx - sum / 30) < 1e-6 * (1 + sum), `closed form ${m.looPx} vs refits ${sum / 30}`);
});

test('eyeBox pads to the 10:6 patch aspect; eyePatch area-averages; equalisation spans 0–255', () => {
  const b = eyeBox(
    [
      { x: 10, y: 20 },
      { x: 30, y: 22 },
    ],
    0,
  );
  assert.ok(Math.abs(b.w / b.h - PATCH_W / PATCH_H) < 1e-9);
  assert.equal(b.x + b.w / 2, 20);
  // left half black, right half white → patch columns 0–4 dark, 5–9 bright (no equalisation)
  const img: Raster = { width: 20, height: 12, channels: 1, data: Uint8Array.from({ length: 240 }, (_, i) => (i % 20 < 10 ? 0 : 255)) };
  const p = eyePatch(img, { x: 0, y: 0, w: 20, h: 12 }, false);
  for (let j = 0; j < PATCH_H; j++) for (let i = 0; i < PATCH_W; i++) assert.equal(p[j * PATCH_W + i], i < 5 ? 0 : 255);
  const eq = equalizeHistogram([10, 10, 20, 30, 40, 40]);
  assert.equal(Math.min(...eq), 0);
  assert.equal(Math.max(...eq), 255);
  // RGBA input uses luma
  const rgba: Raster = { width: 1, height: 1, channels: 4, data: [255, 0, 0, 255] };
  assert.ok(Math.abs(eyePatch(rgba, { x: 0, y: 0, w: 1, h: 1 }, false)[0]! - 0.299 * 255) < 1e-9);
});

test('angleDeg: a point D·tan(10°) from the fixation point is 10° away; bad input → InvalidInput', () => {
  const g = { distanceCm: 60, cmPerPx: 0.05, cx: 500, cy: 300 };
  const px = (60 * Math.tan((10 * Math.PI) / 180)) / 0.05;
  assert.ok(Math.abs(angleDeg(g, { x: 500, y: 300 }, { x: 500 + px, y: 300 }) - 10) < 1e-9);
  assert.throws(
    () =>
      fitRidge(
        [[1], [2]],
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
      ),
    InvalidInput,
  );
  assert.throws(
    () =>
      fitRidge(
        [[1, 2], [2], [3, 4]],
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
          { x: 2, y: 2 },
        ],
      ),
    InvalidInput,
  );
  assert.throws(
    () =>
      fitRidge(
        [[1], [2], [NaN]],
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
          { x: 2, y: 2 },
        ],
      ),
    InvalidInput,
  );
  assert.throws(() => predictRidge({ mean: [0, 0], wx: [0, 0], wy: [0, 0], bx: 0, by: 0 }, [1]), InvalidInput);
});
