import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '../core/backend';
import { InvalidInput } from '../core/errors';
import { rng } from '../core/rng';
import { PIPELINE_STAGES, exportShipped, renderStream, runPipeline } from './pipeline';
import { disposeGazeModel, modelParamCount } from './model';
import { loadGazeModel, predictGaze } from './personalize';
import { readGazeModel } from './weights';

test('pipeline at a tiny size: every stage writes weights, reruns skip finished stages, export round-trips to loadGazeModel', async (t) => {
  await init({ backend: 'wasm' });
  const out = mkdtempSync(join(tmpdir(), 'gaze-pipe-')),
    msgs: string[] = [];
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const steps = Object.fromEntries(PIPELINE_STAGES.map((s) => [s, 2]));
  await runPipeline({ out, height: 32, width: 32, batch: 2, steps, trainUsers: 2, perUser: 24, log: (m) => msgs.push(m) });
  for (const s of PIPELINE_STAGES) assert.ok(existsSync(join(out, `${s}.safetensors`)), `${s} missing`);
  for (const s of ['tm', 't1m']) assert.ok(!existsSync(join(out, `${s}.safetensors`)), `${s} runs only when asked`);
  const again: string[] = [];
  await runPipeline({ out, height: 32, width: 32, batch: 2, steps, trainUsers: 2, perUser: 24, log: (m) => again.push(m) });
  assert.deepEqual(again, [], 'finished stages must be skipped');
  const dest = join(out, 'ship');
  const files = exportShipped(out, dest);
  assert.equal(files.length, 5);
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(dest, 'logs.json'), 'utf8'))).sort(), [...PIPELINE_STAGES].sort());
  const m = loadGazeModel({ which: 'student', dir: dest });
  assert.equal(modelParamCount(m), 279_732);
  assert.deepEqual([m.meta.stage, m.meta.maskRatio, m.meta.view], ['s1', '0', 'rescale'], 'the student records its KD variant and frames');
  const paper = loadGazeModel({ which: 'student-paper', dir: dest });
  assert.deepEqual([paper.meta.stage, paper.meta.maskRatio, paper.meta.imageWeight], ['s1-paper', '0.6', '1'], "the paper's recipe");
  disposeGazeModel(paper);
  const src = renderStream({ idBase: 100, nUsers: 3, height: 32, width: 32 });
  const p = predictGaze(m, src(3, rng(1)).images);
  assert.ok(p.every(Number.isFinite));
  disposeGazeModel(m);
  await assert.rejects(runPipeline({ out, height: 48, width: 64 }), InvalidInput);
  assert.throws(() => loadGazeModel({ which: 'nope' as 'student', dir: dest }), InvalidInput);
});

test("view 'rescale' shows the camera's whole 3:4 view resampled to the frame; 'crop' stays the old frames", async () => {
  const { resampleRows, viewRows, renderStream } = await import('./pipeline');
  const { rng } = await import('../core/rng');
  assert.equal(viewRows('crop', 32, 64), 32);
  assert.equal(viewRows('rescale', 32, 64), 48);
  assert.equal(viewRows('rescale', 64, 96), 72);
  assert.throws(() => viewRows('stretch' as 'crop', 32, 64), /view must be/);
  // a vertical ramp stays a ramp with the same end-to-end span per row centre (linear interpolation, centres aligned)
  const ramp = Float32Array.from({ length: 48 * 2 }, (_, i) => Math.floor(i / 2));
  const r = resampleRows(ramp, 1, 48, 2, 32);
  for (let y = 0; y < 32; y++) assert.ok(Math.abs(r[2 * y]! - Math.min(47, Math.max(0, ((y + 0.5) * 48) / 32 - 0.5))) < 1e-5);
  const crop = renderStream({ idBase: 40000, nUsers: 5, height: 32, width: 64, view: 'crop' })(2, rng(3));
  const whole = renderStream({ idBase: 40000, nUsers: 5, height: 32, width: 64 })(2, rng(3)); // the default view
  assert.deepEqual([...whole.gaze], [...crop.gaze], 'same frames, same labels');
  assert.equal(whole.images.data.length, crop.images.data.length);
  let diff = 0;
  for (let i = 0; i < crop.images.data.length; i++) diff += Math.abs(whole.images.data[i]! - crop.images.data[i]!);
  assert.ok(diff / crop.images.data.length > 0.01, 'the rescaled view is a different picture of the same eye');
});

test('modelFrame reads the frame a model was trained on; renderFrame makes it', async () => {
  const { modelFrame, renderFrame, resampleRows } = await import('./pipeline');
  const { userOf, sampleFrame, renderEye } = await import('./world/synth');
  assert.deepEqual(modelFrame({ meta: { size: '32x64', view: 'rescale' } }), { height: 32, width: 64, view: 'rescale' });
  assert.deepEqual(modelFrame({ meta: { size: '64x96' } }), { height: 64, width: 96, view: 'crop' }, 'the first run had no view: crop');
  assert.deepEqual(modelFrame({ meta: {} }), { height: 32, width: 64, view: 'crop' });
  assert.throws(() => modelFrame({ meta: { size: 'big' } }), InvalidInput);
  assert.throws(() => modelFrame({ meta: { size: '32x64', view: 'fisheye' } }), InvalidInput);
  const u = userOf(0, 2000),
    fs = sampleFrame(u, 11);
  const whole = renderFrame(u, fs, { height: 32, width: 64, view: 'rescale' });
  assert.deepEqual([...whole], [...resampleRows(renderEye(u, fs, { height: 48, width: 64 }), 1, 48, 64, 32)]);
  assert.deepEqual([...renderFrame(u, fs, { height: 32, width: 64, view: 'crop' })], [...renderEye(u, fs, { height: 32, width: 64 })]);
});

test('label-free teacher stand-in: TM trains the backbone without labels, T1M then changes only adapters + LN + head', async (t) => {
  await init({ backend: 'wasm' });
  const out = mkdtempSync(join(tmpdir(), 'gaze-tm-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  await runPipeline({
    out,
    height: 32,
    width: 32,
    batch: 2,
    steps: { tm: 3, t1m: 3 },
    stages: ['tm', 't1m'],
    trainUsers: 2,
    perUser: 24,
    log: () => {},
  });
  assert.ok(!existsSync(join(out, 't0.safetensors')), 'the stand-in never needs the supervised T0');
  const tm = readGazeModel(join(out, 'tm.safetensors')).model,
    t1m = readGazeModel(join(out, 't1m.safetensors')).model;
  assert.equal(tm.meta.labelFree, 'true');
  let adaptersMoved = 0;
  for (const [k, v] of tm.params) {
    const a = v.dataSync(),
      b = t1m.params.get(k)!.dataSync();
    const same = a.every((x, i) => x === b[i]);
    if (/\.ad\./.test(k) || k.startsWith('head.')) adaptersMoved += same ? 0 : 1;
    else assert.ok(same, `${k}: T1M must keep TM's backbone bit-identical`);
  }
  assert.ok(adaptersMoved > 10, `T1M changed only ${adaptersMoved} adapter/head tensors`);
  const held = JSON.parse(readFileSync(join(out, 'tm.heldout.json'), 'utf8')) as { step: number; loss: number }[];
  assert.deepEqual(
    held.map((e) => e.step),
    [0, 3],
  );
  disposeGazeModel(tm);
  disposeGazeModel(t1m);
});
