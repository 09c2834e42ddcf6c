import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { FormatError } from '../core/errors';
import { buildModel, disposeModel } from './model';
import { online, parseSensorCsv, predictWindow, toSensorCsv, type SensorWindow, type OnlinePrediction } from './online';
import { fitNorm, makeWindows } from './data';
import { predict } from './train';
import { defaultMachine, sampleTask, toolLife } from './lathe';

before(async () => {
  await init({ backend: 'wasm' });
});
const life = toolLife(defaultMachine(), sampleTask('on', 2), { workpieces: 1, seed: 3, timeScale: 0.1 });
const norm = fitNorm(life);

test('CSV round trip: parsed windows equal the workpiece samples; online predictions equal batch predictions of the same windows', async () => {
  const m = buildModel('ci-micro', { seed: 2 });
  const lines = [...toSensorCsv(life[0]!, 128, 3)];
  assert.equal(lines.length, 1 + 3 * 2 * 128);
  const wins: SensorWindow[] = [];
  for await (const w of parseSensorCsv(lines, 128, 2)) wins.push(w);
  assert.equal(wins.length, 3);
  const c0 = life[0]!.cuts[0]!;
  assert.equal(wins[0]!.cuts[0]![5 * 128 + 7], Math.fround(Number(String(c0.data[5 * c0.length + 7]))));
  const preds: OnlinePrediction[] = [];
  for await (const p of online(m, norm, wins)) preds.push(p);
  assert.equal(preds.length, 3);
  assert.ok(preds.every((p) => p.latencyMs > 0 && Number.isFinite(p.errorUm)));
  // the first window starts at sample 0 of every cut: compare with makeWindows at a centre of 64 … via a direct check
  const again = predictWindow(m, norm, wins[1]!);
  assert.ok(Math.abs(again.errorUm - preds[1]!.errorUm) < 1e-4);
  await expectNoLeak(() => {
    predictWindow(m, norm, wins[2]!);
  }, 'predictWindow');
  // same numbers as the batch path when the window is cut by makeWindows: station windows of a 2-cut part
  const te = makeWindows(life, norm, { seq: 128, mode: 'test' });
  const batch = predict(m, te);
  const w = life[0]!,
    mm = w.stationsMm[1]!;
  const sw = {
    cuts: w.cuts.map((c) => {
      const centre = Math.min(Math.max(Math.floor((c.length / w.lengthMm) * mm) - 1, 64), c.length - 64);
      const a = new Float32Array(8 * 128);
      for (let ch = 0; ch < 8; ch++) a.set(c.data.subarray(ch * c.length + centre - 64, ch * c.length + centre + 64), ch * 128);
      return a;
    }),
  };
  assert.ok(Math.abs(predictWindow(m, norm, sw).errorUm - (batch[1]! / 100) * 1000) < 1e-3);
  disposeModel(m);
});

test('malformed CSV → FormatError with the line number', async () => {
  const lines = [...toSensorCsv(life[0]!, 16, 1)];
  const drain = async (ls: string[]) => {
    for await (const _ of parseSensorCsv(ls, 16, 2)) void _;
  };
  await assert.rejects(
    drain(['window,cut,a', ...lines.slice(1)]),
    (e: unknown) => e instanceof FormatError && /line 1: header/.test(e.message),
  );
  const bad = [...lines];
  bad[5] = bad[5]!.replace(/,[^,]*$/, ',abc');
  await assert.rejects(drain(bad), /line 6: motor_z_electric_current is not a finite number/);
  const short = [...lines];
  short.splice(4, 1);
  await assert.rejects(drain(short), /window 0 cut 0: 15 rows, expected 16/);
  const cut = [...lines];
  cut[3] = cut[3]!.replace(/^0,0,/, '0,5,');
  await assert.rejects(drain(cut), /line 4: cut must be an integer in \[0, 2\)/);
});
