import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { DwellTracker, detectFixations, smoothTrace } from './fixation';
import { syntheticTrace } from './sources';
import type { GazeSample } from './types';
import { makeView, offsetByAngle } from './view';

const view = makeView(640, 480, 90);

test('I-DT finds the fixations of a constructed trace, drops one shorter than 300 ms, and places them right', () => {
  const pts = [
    { x: 200, y: 150, durationMs: 500 },
    { x: 450, y: 300, durationMs: 400 },
    { x: 100, y: 400, durationMs: 200 }, // too short
  ];
  const tr = syntheticTrace(view, pts, { hz: 60, jitterDeg: 0.1, seed: 3 });
  const fx = detectFixations(view, tr);
  assert.equal(fx.length, 2, JSON.stringify(fx));
  for (const [i, f] of fx.entries()) {
    assert.ok(Math.hypot(f.x - pts[i]!.x, f.y - pts[i]!.y) < 8, `fixation ${i} at (${f.x}, ${f.y})`);
    assert.ok(Math.abs(f.durationMs - pts[i]!.durationMs) <= 40, `duration ${f.durationMs}`);
  }
  assert.equal(detectFixations(view, tr, { minDurationMs: 150 }).length, 3, 'a 150 ms threshold keeps the short one');
});

test('the dispersion threshold is in degrees: a 2°-wide cloud is one fixation at 3° and none at 1.5°', () => {
  const s: GazeSample[] = [];
  for (let i = 0; i < 40; i++) {
    const [x, y] = offsetByAngle(view, 320, 240, i % 2 ? 1 : 0, 0); // alternating 0° and 1° right: dispersion 1°…
    const [x2, y2] = i % 4 >= 2 ? offsetByAngle(view, x, y, 1, Math.PI / 2) : [x, y]; // …plus 1° up: 2° total
    s.push({ t: i * 20, x: x2, y: y2, errPx: 10 });
  }
  assert.equal(detectFixations(view, s, { dispersionDeg: 1.5 }).length, 0);
  assert.equal(detectFixations(view, s, { dispersionDeg: 3 }).length, 1);
});

test('NaN or unordered samples are InvalidInput naming the sample', () => {
  const tr = syntheticTrace(view, [{ x: 300, y: 200, durationMs: 400 }]);
  const bad = tr.map((s, i) => (i === 5 ? { ...s, x: NaN } : s));
  assert.throws(
    () => detectFixations(view, bad),
    (e: Error) => e instanceof InvalidInput && /sample 5/.test(e.message) && /NaN/.test(e.message),
  );
  const swapped = [...tr];
  [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
  assert.throws(() => detectFixations(view, swapped), /time order/);
  assert.throws(() => new DwellTracker(view).push({ t: 0, x: 1, y: NaN, errPx: 1 }), InvalidInput);
});

test('dwell: no progress before 300 ms, selection exactly once at 800 ms, a saccade resets', () => {
  const d = new DwellTracker(view);
  const states = [];
  for (let i = 0; i <= 60; i++) states.push(d.push({ t: i * 16.7, x: 300, y: 200, errPx: 20 }));
  assert.equal(states.find((s) => s.fixation)?.fixation?.start, 0);
  assert.ok(states.filter((s) => s.fixation === null).every((s) => s.progress === 0));
  const firstFix = states.findIndex((s) => s.fixation);
  assert.ok(firstFix * 16.7 >= 300 && (firstFix - 1) * 16.7 < 300, `fixation recognised at sample ${firstFix}`);
  const sel = states.filter((s) => s.selected);
  assert.equal(sel.length, 1, 'selected once, not on every later sample');
  const k = states.findIndex((s) => s.selected);
  assert.ok(k * 16.7 >= 800 && (k - 1) * 16.7 < 800);
  const after = d.push({ t: 61 * 16.7, x: 600, y: 50, errPx: 20 }); // saccade
  assert.equal(after.progress, 0);
  assert.equal(after.fixation, null);
});

test('smoothTrace: a running median removes a one-frame outlier', () => {
  const s: GazeSample[] = Array.from({ length: 10 }, (_, i) => ({ t: i * 33, x: 100, y: 100, errPx: 5 }));
  s[5] = { ...s[5]!, x: 400 };
  const m = smoothTrace(s, 100);
  assert.ok(m.every((q) => q.x === 100));
  assert.equal(smoothTrace(s, 0)[5]!.x, 400);
});
