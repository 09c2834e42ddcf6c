import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitNorm, makeWindows, rfftMag, selectWindows, trainingCentresMm, windowCentre, LABEL_SCALE } from './data';
import { defaultMachine, sampleTask, toolLife } from './lathe';

test('training centres: np.arange counts (10→50 mm: 400; 3.4→13.6 mm: 102, the float artefact)', () => {
  assert.equal(trainingCentresMm(10, 50).length, 400);
  assert.equal(trainingCentresMm(3.4, 13.6).length, 102);
  assert.ok(Math.abs(trainingCentresMm(10, 50)[399]! - 49.9) < 1e-9);
  assert.throws(() => trainingCentresMm(5, 5), /first < last/);
});

test('window centres are clipped to [seq/2, L − seq/2]', () => {
  assert.equal(windowCentre(30, 512_000, 50, 10_240), 307_199);
  assert.equal(windowCentre(0.1, 1000, 50, 128), 64);
  assert.equal(windowCentre(50, 1000, 50, 128), 1000 - 64);
  assert.throws(() => windowCentre(10, 100, 50, 128), /shorter than the window/);
});

test('rfftMag (norm=forward) equals a direct DFT, power-of-two and not', () => {
  for (const N of [64, 60]) {
    const x = Array.from({ length: N }, (_, i) => Math.sin(0.3 * i) + 0.1 * ((i * 7919) % 13));
    const m = rfftMag(x);
    assert.equal(m.length, N / 2 + 1);
    for (let k = 0; k <= N / 2; k++) {
      let re = 0,
        im = 0;
      for (let n = 0; n < N; n++) {
        re += x[n]! * Math.cos((-2 * Math.PI * k * n) / N);
        im += x[n]! * Math.sin((-2 * Math.PI * k * n) / N);
      }
      assert.ok(Math.abs(m[k]! - Math.hypot(re, im) / N) < 1e-5, `N=${N} k=${k}`);
    }
  }
});

test('makeWindows: shapes, station targets ×100 from the measured diameters, normalised channels', () => {
  const task = sampleTask('w', 5);
  const life = toolLife(defaultMachine(), task, { workpieces: 2, seed: 1, timeScale: 0.1 });
  const st = fitNorm(life);
  const te = makeWindows(life, st, { seq: 64, mode: 'test' });
  assert.equal(te.n, 2 * task.stationsMm.length);
  assert.equal(te.time.length, te.n * 2 * 64 * 8);
  assert.equal(te.freq.length, te.n * 2 * 33 * 2);
  assert.deepEqual([...te.cut.subarray(0, 2)], [0, 1]);
  for (let s = 0; s < 3; s++) assert.equal(te.y[3 + s], Math.fround(life[1]!.errorMeasuredMm[s]! * LABEL_SCALE));
  const tr = makeWindows(life, st, { seq: 64, every: 4 });
  assert.equal(tr.n, 2 * Math.ceil(trainingCentresMm(task.stationsMm[0]!, task.stationsMm[2]!).length / 4));
  // rpm channels land in [−2, 2]
  for (let i = 2; i < tr.time.length; i += 8) assert.ok(tr.time[i]! >= -2 - 1e-5 && tr.time[i]! <= 2 + 1e-5);
  const sub = selectWindows(tr, [3, 0]);
  assert.equal(sub.y[0], tr.y[3]);
  assert.deepEqual(sub.time.subarray(0, 10), tr.time.subarray(3 * 2 * 64 * 8, 3 * 2 * 64 * 8 + 10));
});
