// The panel's real kernel bridge on a small scale: a synthetic unseen user rendered by kernel/gaze, OpenEDS and Aria
// folders written by the generator and read back through the real loaders, and personalization run through gaze.personalize
// (a random-weight student here, so the test does not depend on the shipped weights; mechanics, not accuracy).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as gaze from '../../kernel/gaze';
import { tf } from '../../kernel/core/backend';
import { NotFound } from '../../kernel/core/errors';
import { createKernelGazeApi } from './kernel-bridge';
import { gazeErrorsDeg } from './kernel-api';

const dir = mkdtempSync(join(tmpdir(), 'edgelab-gaze-bridge-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('kernel bridge: synthetic user, OpenEDS and Aria folder round trips, personalization changes predictions without leaking tensors', async () => {
  const api = createKernelGazeApi({
    framesPerUser: 20,
    loadModel: () => gaze.createModel('student', { seed: 0 }),
    replay: () => gaze.generalizedSet({ height: 32, width: 64, users: 2, perUser: 10 }),
  });
  const u = await api.syntheticUser({ seed: 1, user: 1, sigmaKappaDeg: 2 });
  assert.equal(u.calib.n, 5);
  assert.ok(u.heldOut.n >= 12 && u.heldOut.n <= 15, String(u.heldOut.n));
  assert.deepEqual([u.calib.h, u.calib.w], [32, 64]);
  // the calibration frames look at the generator's 5 calibration targets (centre and ±15°/±10°, plus kappa)
  const yawsDeg = Array.from({ length: 5 }, (_, i) => (u.calib.gaze[2 * i]! * 180) / Math.PI);
  assert.ok(Math.max(...yawsDeg) - Math.min(...yawsDeg) > 20, JSON.stringify(yawsDeg));
  await assert.rejects(api.syntheticUser({ seed: 1, user: 50, sigmaKappaDeg: 2 }), /\[0, 49\]/);

  const ds = gaze.world.makeGazeDataset({ split: 'test', users: 2, perUser: 12, height: 40, width: 64, seed: 3 });
  const root = join(dir, 'openeds');
  const seqs = gaze.world.writeOpenEds(root, ds);
  const info = await api.scanFolder(root);
  assert.equal(info.format, 'OpenEDS2020');
  assert.deepEqual(info.users, seqs);
  const f = await api.folderUser(root, seqs[1]!);
  assert.deepEqual([f.calib.n, f.heldOut.n, f.calib.h, f.calib.w], [5, 7, 32, 64]);
  // Aria MPS recordings (frames/<t>.png with both eyes side by side + mps/eye_gaze/general_eye_gaze.csv), vergence schema
  const recs = gaze.world.writeAriaRecording(join(dir, 'aria'), ds, { schema: 'vergence' }).map((r) => r.split(/[\\/]/).pop()!);
  const aria = await api.scanFolder(join(dir, 'aria'));
  assert.deepEqual([aria.format, aria.users], ['Aria MPS', recs]);
  const a = await api.folderUser(join(dir, 'aria'), recs[0]!);
  assert.deepEqual([a.calib.n, a.heldOut.n, a.calib.h, a.calib.w], [5, 7, 32, 64]);
  assert.deepEqual((await api.scanFolder(join(dir, 'aria', recs[0]!))).users, [recs[0]]);
  mkdirSync(join(dir, 'empty'));
  await assert.rejects(api.scanFolder(join(dir, 'empty')), NotFound);
  await assert.rejects(api.folderUser(root, 'nope'), NotFound);

  const tensors = tf.memory().numTensors;
  const progress: number[] = [];
  const run = await api.personalize(u, { steps: 4, onProgress: (p) => progress.push(p) });
  assert.equal(run.before.length, 2 * u.heldOut.n);
  assert.ok(run.after.every(Number.isFinite) && run.before.every(Number.isFinite));
  assert.ok(
    run.after.some((v, i) => v !== run.before[i]),
    'adapters moved the predictions',
  );
  assert.ok(gazeErrorsDeg(run.before, u.heldOut.gaze).every((e) => e >= 0 && e < 180));
  assert.equal(progress.at(-1), 1);
  // the generic model and the replay features stay cached (a few tensors); the personalized copy is disposed
  const again = await api.personalize(u, { steps: 2 });
  assert.deepEqual(Array.from(again.before), Array.from(run.before), 'the generic model is unchanged by personalization');
  const grown = tf.memory().numTensors - tensors;
  const second = tf.memory().numTensors;
  await api.personalize(u, { steps: 2 });
  assert.equal(tf.memory().numTensors, second, `personalize leaks tensors (model load added ${grown})`);
});
