import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { DEFAULT_GRID, heldOutSplit, runStudy, studyTasks, RUN_B_MAX_VB_MM } from './experiment';
import { disposeModel } from './model';

before(async () => {
  await init({ backend: 'wasm' });
});

test('runStudy (tiny budget): Run B is the stations of held-out workpieces 2–11, every arm reports, given settings skip selection', () => {
  const selected = {
    ftLr: 1e-3,
    ftSteps: 2,
    scratchLr: 1e-3,
    scratchSteps: 2,
    ridgeLambda: 1,
    svr: { C: 1, epsilon: 0.1, gamma: 1 },
    cnn1d: { lr: 1e-3, steps: 2 },
    cnn2d: { lr: 1e-3, steps: 2 },
  };
  const r = runStudy({ seed: 3, pretrainSteps: 2, sourceTasks: 2, sourcePieces: 3, selected, timeScale: 0.05 });
  assert.deepEqual(r.selection, []);
  assert.deepEqual(r.selected, selected);
  const h = heldOutSplit(3, 0.05);
  const want = h.runB.flatMap((w) => w.errorMeasuredMm.map((e) => Math.fround(e * 100)));
  assert.deepEqual(r.runB.y, want, 'Run B targets are the measured station errors of workpieces 2–11');
  assert.deepEqual(
    r.runA.y,
    h.runA.flatMap((w) => w.errorMeasuredMm.map((e) => Math.fround(e * 100))),
  );
  assert.deepEqual(
    h.runB.map((w) => w.index),
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
  assert.deepEqual(
    h.shots.map((w) => w.index),
    [0, 1],
  );
  assert.deepEqual(Object.keys(r.runB.metrics).sort(), [
    'cnn1d',
    'cnn2d',
    'finetune_all',
    'finetuned',
    'mean',
    'ridge',
    'scratch',
    'svr',
    'zeroshot',
  ]);
  for (const m of Object.values(r.runB.metrics)) assert.ok(Number.isFinite(m!.mae) && m!.n === 30);
  // the mean arm predicts the mean of the two shots' (interpolated) labels: its MAE is the mean |y − c|
  const c = r.runB.pred.mean![0]!;
  const mae = (r.runB.y.reduce((a, y) => a + Math.abs(y - c), 0) / 30 / 100) * 1000;
  assert.ok(Math.abs(r.runB.metrics.mean!.mae - mae) < 1e-3);
  assert.ok(r.shotsVbMm[1] <= r.runB.vbRangeMm[0], 'the test pieces come after the shots in tool life');
  disposeModel(r.pretrained.model!);
});

test('selection of the two-shot baselines reads only the validation task: scrambling the held-out labels changes the test numbers, not the choice', () => {
  const o = {
    seed: 4,
    sourceTasks: 1,
    sourcePieces: 2,
    timeScale: 0.05,
    arms: ['ridge', 'svr', 'cnn1d', 'cnn2d', 'mean'] as const,
    grid: { ...DEFAULT_GRID, svrC: [1, 100], svrEpsilon: [0.1], svrGamma: [0.3, 3], cnnLr: [1e-3, 1e-2], cnnSteps: [3] },
  };
  const a = runStudy(o);
  assert.equal(a.pretrained.model, null, 'no pretrained arm asked for: no pretraining');
  const b = runStudy({
    ...o,
    transformHeldOut: (h) => {
      for (const w of [...h.shots, ...h.runB, ...h.runA]) w.errorMeasuredMm = w.errorMeasuredMm.map((e, i) => -3 * e + 0.01 * i);
    },
  });
  assert.deepEqual(b.selection, a.selection, 'validation MAEs of every setting unchanged');
  assert.deepEqual(b.selected, a.selected);
  assert.equal(a.selection.filter((s) => s.setting.startsWith('svr')).length, 4);
  assert.equal(a.selection.filter((s) => s.setting.startsWith('cnn2d')).length, 2);
  assert.ok(a.selected.svr && a.selected.cnn1d && a.selected.cnn2d);
  for (const arm of o.arms) assert.notEqual(b.runB.metrics[arm]!.mae, a.runB.metrics[arm]!.mae, `${arm}: the scramble reached the test`);
  // same seed → same numbers for every baseline
  const c = runStudy({ ...o, selected: a.selected });
  for (const arm of o.arms) assert.equal(c.runB.metrics[arm]!.mae, a.runB.metrics[arm]!.mae, `${arm} deterministic`);
});

test('Run B draw rule: every seed tests a tool at VB ≤ 0.15 mm; a fast-wearing first draw (seed 1) is redrawn, the others keep theirs', () => {
  for (const seed of [0, 1, 2]) {
    const h = heldOutSplit(seed, 0.02);
    const vbMax = Math.max(...h.runB.map((w) => w.vbMm));
    assert.ok(vbMax <= RUN_B_MAX_VB_MM, `seed ${seed}: Run B reaches VB ${vbMax} mm`);
    // wear keeps growing into Run A (the rule bounds Run B only)
    assert.ok(Math.min(...h.runA.map((w) => w.vbMm)) > vbMax, `seed ${seed}: Run A is later in tool life`);
  }
  // the draws the stored runs of bench/declared/machining.json "runBDrawRule" rest on
  assert.deepEqual(
    [0, 1, 2].map((s) => studyTasks(s, 1).draws.heldOut.draw),
    [0, 1, 0],
  );
  // VB does not depend on the recording's length: the rule evaluated on short recordings holds on the study's
  const long = heldOutSplit(1, 0.1);
  assert.deepEqual(
    long.runB.map((w) => w.vbMm),
    heldOutSplit(1, 0.02).runB.map((w) => w.vbMm),
  );
});
