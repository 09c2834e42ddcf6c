/**
 * Per-frame angular errors of the shipped DFT Gaze student on unseen users → bench/artifacts/gaze-frame-errors.json,
 * the gaze-noise model of GazeGen's selection benchmark (bench/gazegen.bench.ts samples angular errors from it).
 *
 *   npx tsx scripts/gazegen/frame-errors.ts [--out bench/artifacts/gaze-frame-errors.json]
 *
 * Frames: exactly the gaze bench's unseen-users evaluation (generalizedTestSet('unseenUsers'), 10 users × 150 frames,
 * σ_κ = 0, blinks dropped; 32×64 eyes), so the mean of `errors` is the bench key gaze.student_error_deg_unseen.
 * Until the gaze bench writes this file itself, this script does; rerun it whenever the shipped student changes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { init } from '../../kernel/core/backend';
import * as gaze from '../../kernel/gaze';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const out = i >= 0 ? args[i + 1]! : 'bench/artifacts/gaze-frame-errors.json';
  await init({ backend: 'wasm' });
  const file = join(gaze.weightsDir(), 'student.safetensors.gz');
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  const model = gaze.loadGazeModel({ which: 'student' });
  const users = 10,
    perUser = 150;
  const set = gaze.generalizedTestSet('unseenUsers', { height: 32, width: 64, users, perUser });
  const { errors, meanDeg } = gaze.evaluateGaze(model, set);
  gaze.disposeGazeModel(model);
  const sorted = Array.from(errors).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify({
      units: 'deg',
      model: `kernel/gaze/weights/student.safetensors.gz sha256:${sha.slice(0, 16)}`,
      users,
      frames: errors.length,
      protocol:
        "gaze.generalizedTestSet('unseenUsers', { height: 32, width: 64, users: 10, perUser: 150 }) (val users, σ_κ = 0, blinks dropped)",
      meanDeg: +meanDeg.toFixed(4),
      medianDeg: +median.toFixed(4),
      errors: Array.from(errors, (e) => +e.toFixed(4)),
      source: 'npx tsx scripts/gazegen/frame-errors.ts',
    }) + '\n',
  );
  console.log(`${errors.length} frames of ${users} unseen users: mean ${meanDeg.toFixed(3)}°, median ${median.toFixed(3)}° → ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
