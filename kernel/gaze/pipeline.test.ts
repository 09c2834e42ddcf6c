import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '../core/backend';
import { InvalidInput } from '../core/errors';
import { rng } from '../core/rng';
import { STAGES, exportShipped, renderStream, runPipeline } from './pipeline';
import { disposeGazeModel, modelParamCount } from './model';
import { loadGazeModel, predictGaze } from './personalize';

test('pipeline at a tiny size: every stage writes weights, reruns skip finished stages, export round-trips to loadGazeModel', async (t) => {
  await init({ backend: 'wasm' });
  const out = mkdtempSync(join(tmpdir(), 'gaze-pipe-')),
    msgs: string[] = [];
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const steps = Object.fromEntries(STAGES.map((s) => [s, 2]));
  await runPipeline({ out, height: 32, width: 32, batch: 2, steps, trainUsers: 2, perUser: 24, log: (m) => msgs.push(m) });
  for (const s of STAGES) assert.ok(existsSync(join(out, `${s}.safetensors`)), `${s} missing`);
  const again: string[] = [];
  await runPipeline({ out, height: 32, width: 32, batch: 2, steps, trainUsers: 2, perUser: 24, log: (m) => again.push(m) });
  assert.deepEqual(again, [], 'finished stages must be skipped');
  const dest = join(out, 'ship');
  const files = exportShipped(out, dest);
  assert.equal(files.length, 5);
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(dest, 'logs.json'), 'utf8'))).sort(), [...STAGES].sort());
  const m = loadGazeModel({ which: 'student', dir: dest });
  assert.equal(modelParamCount(m), 279_732);
  assert.deepEqual([m.meta.stage, m.meta.maskRatio, m.meta.imageWeight], ['s1', '0.6', '1'], 'the student records its KD variant');
  const src = renderStream({ idBase: 100, nUsers: 3, height: 32, width: 32 });
  const p = predictGaze(m, src(3, rng(1)).images);
  assert.ok(p.every(Number.isFinite));
  disposeGazeModel(m);
  await assert.rejects(runPipeline({ out, height: 48, width: 64 }), InvalidInput);
  assert.throws(() => loadGazeModel({ which: 'nope' as 'student', dir: dest }), InvalidInput);
});
