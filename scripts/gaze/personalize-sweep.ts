/**
 * Personalization settings chosen on VALIDATION users (never the bench's test users): the shipped student,
 * unseen-users protocol, σ_κ = 2°, 5 calibration images per user; median per-user error before/after per setting.
 * Validation users = the test protocol (the only split with calibration targets) drawn from another world seed (7):
 * other hidden user parameters than the bench's seed-0 test users.
 *   npx tsx scripts/gaze/personalize-sweep.ts [--users 12]
 */
import { init } from '../../kernel/core/backend';
import { makeGazeDataset } from '../../kernel/gaze/world/synth';
import { loadGazeModel, type PersonalizeOptions } from '../../kernel/gaze/personalize';
import { personalizationStudy } from '../../kernel/gaze/evaluate';
import { generalizedSet } from '../../kernel/gaze/pipeline';

const arg = (k: string): string | undefined => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const SETTINGS: [string, PersonalizeOptions][] = [
  ['default (60 steps, lr 2e-3, stage-4 adapters)', {}],
  ['120 steps', { steps: 120 }],
  ['lr 5e-3', { lr: 5e-3 }],
  ['120 steps, lr 5e-3', { steps: 120, lr: 5e-3 }],
  ['stage-4 adapters + head', { group: 'stage4-adapters+head' }],
  ['adapters + head, 120 steps', { group: 'stage4-adapters+head', steps: 120 }],
  ['calibFraction 0.75', { calibFraction: 0.75 }],
  ['adapters + head, lr 5e-3, calibFraction 0.75', { group: 'stage4-adapters+head', lr: 5e-3, calibFraction: 0.75 }],
];

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const H = 32,
    W = 64,
    users = Number(arg('--users') ?? 12);
  const student = loadGazeModel({ which: 'student' });
  const replay = generalizedSet({ height: H, width: W, users: 20, perUser: 60 });
  const val = makeGazeDataset({
    split: 'test',
    protocol: 'unseenUsers',
    height: H,
    width: W,
    users,
    perUser: 100,
    seed: 7,
    sigmaKappaDeg: 2,
  });
  for (const [name, o] of SETTINGS) {
    const t0 = Date.now();
    const r = await personalizationStudy(student, val, { replay, seed: 0, progress: false, ...o });
    console.log(
      `${name.padEnd(48)} ${r.medianBefore.toFixed(2)}° → ${r.medianAfter.toFixed(2)}°  reduction ${(100 * r.reduction).toFixed(1)} %  (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
}

void main();
