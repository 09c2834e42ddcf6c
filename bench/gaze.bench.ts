/**
 * DFT Gaze benchmarks (issue 10). Run: npm run bench -- --only gaze [--quick]
 * Latency: wasm backend, batch 1, median of 100 forward passes (student at 64×96; teacher/student at 96×128).
 * Accuracy: the shipped weights (kernel/gaze/weights, trained at 32×64 by `npx tsx scripts/gaze/train.ts train`) on the
 * synthetic protocols: unseen users (val split, σ_κ = 0), seen users (val split), personalization on unseen test users
 * with σ_κ = 2° and 5 calibration images (median per-user error on the same held-out frames), KD ablation.
 * Writes the detailed study to kernel/gaze/weights/eval.json (read by the notebook).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../kernel/core/backend';
import { createModel, disposeGazeModel, macs, studentSpec, teacherSpec } from '../kernel/gaze/model';
import { evaluateGaze, loadGazeModel, weightsDir } from '../kernel/gaze/personalize';
import { generalizedTestSet, latencyMs, personalTestSet, personalizationStudy } from '../kernel/gaze/evaluate';
import { generalizedSet } from '../kernel/gaze/pipeline';
import { record, type BenchContext, type QuickCheck } from './lib';

export const prefix = 'gaze';

/**
 * bench-quick: the errors are the shipped int8 weights on seeded synthetic frames, personalization trains from fixed
 * seeds, so they are deterministic (tolerances cover the 3-decimal rounding and float differences between CPUs);
 * --quick uses fewer frames and users, so they are compared with their quick-mode values. Latencies: plausibility only.
 * ≈ 80 CPU-s.
 */
export const quickCheck: QuickCheck = {
  keys: {
    'gaze.teacher_error_deg_unseen': { tol: 0.01 },
    'gaze.student_error_deg_unseen': { tol: 0.01 },
    'gaze.student_teacher_ratio_unseen': { tol: 0.005 },
    'gaze.student_teacher_ratio_seen': { tol: 0.005 },
    'gaze.kd_vs_random_reduction': { tol: 0.005 },
    'gaze.personalization_reduction_unseen': { tol: 0.01 },
    'gaze.student_latency_ms_64x96': { range: [0.5, 1000] },
    'gaze.teacher_student_latency_ratio_96x128': { range: [1, 8] },
  },
};

export async function run(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm' });
  const runs = 100;
  const lat: Record<string, number> = {};
  for (const [kind, h, w] of [
    ['student', 64, 96],
    ['teacher', 64, 96],
    ['student', 96, 128],
    ['teacher', 96, 128],
  ] as const) {
    const m = createModel(kind, { seed: 1 });
    lat[`${kind}_${h}x${w}`] = latencyMs(m, h, w, runs);
    disposeGazeModel(m);
    ctx.log(`${kind} ${h}×${w}: ${lat[`${kind}_${h}x${w}`]!.toFixed(1)} ms`);
  }
  const gm = (h: number, w: number) =>
    `teacher ${(macs(teacherSpec(1), h, w) / 1e6).toFixed(1)} MMACs, student ${(macs(studentSpec(1), h, w) / 1e6).toFixed(1)} MMACs`;
  record(
    {
      'gaze.student_latency_ms_64x96': {
        value: +lat.student_64x96!.toFixed(2),
        unit: 'ms',
        baseline: { name: 'teacher 64×96', value: +lat.teacher_64x96!.toFixed(2), unit: 'ms' },
        notes: `wasm (1 thread, SIMD), batch 1, median of ${runs}, 1-channel input, eval mode; ${gm(64, 96)}; box shared with other jobs`,
      },
      'gaze.teacher_student_latency_ratio_96x128': {
        value: +(lat.teacher_96x128! / lat.student_96x128!).toFixed(3),
        unit: 'ratio',
        baseline: { name: 'paper (Raspberry Pi 4, 928.84 / 426.66 ms)', value: 2.177, unit: 'ratio' },
        notes: `teacher ${lat.teacher_96x128!.toFixed(1)} ms / student ${lat.student_96x128!.toFixed(1)} ms at 96×128, wasm batch 1, median of ${runs}; ${gm(96, 128)}`,
      },
    },
    { command: ctx.command },
  );

  let dir: string;
  try {
    dir = weightsDir();
  } catch {
    ctx.log('no shipped weights: accuracy keys skipped (train with npx tsx scripts/gaze/train.ts train, then export)');
    return;
  }
  if (!existsSync(join(dir, 'teacher.safetensors.gz'))) {
    ctx.log('teacher weights missing: accuracy keys skipped');
    return;
  }
  const H = 32,
    W = 64,
    q = ctx.quick;
  const teacher = loadGazeModel({ which: 'teacher' }),
    student = loadGazeModel({ which: 'student' });
  const unseen = generalizedTestSet('unseenUsers', { height: H, width: W, users: 10, perUser: q ? 40 : 150 });
  const seen = generalizedTestSet('seenUsers', { height: H, width: W, users: q ? 20 : 60 });
  const e = {
    teacherUnseen: evaluateGaze(teacher, unseen).meanDeg,
    studentUnseen: evaluateGaze(student, unseen).meanDeg,
    teacherSeen: evaluateGaze(teacher, seen).meanDeg,
    studentSeen: evaluateGaze(student, seen).meanDeg,
  } as Record<string, number>;
  for (const which of ['student-random', 'student-nomask'] as const) {
    if (!existsSync(join(dir, `${which}.safetensors.gz`))) continue;
    const m = loadGazeModel({ which });
    e[which] = evaluateGaze(m, unseen).meanDeg;
    disposeGazeModel(m);
  }
  ctx.log(`generalized: ${JSON.stringify(e)}`);
  // personalization (σ_κ = 2°) on unseen test users; replay = a slice of D_G
  const replay = generalizedSet({ height: H, width: W, users: 20, perUser: 60 });
  // 60 unseen test users: on 20 the median reduction swings by ~10 points between user draws (22 % here vs 32–35 % on
  // other world seeds at 60 users: scripts/gaze/personalize-sweep.ts picks settings on such users, never on these)
  const testU = personalTestSet('unseenUsers', { height: H, width: W, users: q ? 6 : 60, perUser: q ? 40 : 100, sigmaKappaDeg: 2 });
  const pu = await personalizationStudy(student, testU, { replay, shuffledControl: true, seed: 0 });
  const testS = personalTestSet('seenUsers', { height: H, width: W, users: q ? 6 : 20, sigmaKappaDeg: 2 });
  const ps = await personalizationStudy(student, testS, { replay, seed: 0 });
  const pt = await personalizationStudy(teacher, testU, { replay, seed: 0, maxUsers: q ? 3 : 8 });
  ctx.log(
    `personalization unseen: ${pu.medianBefore.toFixed(2)}° → ${pu.medianAfter.toFixed(2)}° (shuffled ${pu.medianShuffled?.toFixed(2)}°); seen ${ps.medianBefore.toFixed(2)}° → ${ps.medianAfter.toFixed(2)}°`,
  );
  const setup = `synthetic near-eye world (kernel/gaze/world/synth.ts defaults), ${H}×${W} grayscale, shipped int8 weights`;
  const entries: Parameters<typeof record>[0] = {
    'gaze.teacher_error_deg_unseen': {
      value: +e.teacherUnseen!.toFixed(3),
      unit: 'deg',
      baseline: { name: 'paper teacher, OpenEDS2020', value: 6.9, unit: 'deg' },
      notes: `mean angular error, unseen-users val split (10 users × ${q ? 40 : 150} frames, σ_κ = 0, blinks dropped); ${setup}`,
    },
    'gaze.student_error_deg_unseen': {
      value: +e.studentUnseen!.toFixed(3),
      unit: 'deg',
      baseline: { name: 'paper student, OpenEDS2020', value: 7.82, unit: 'deg' },
      notes: `same frames as gaze.teacher_error_deg_unseen; ${setup}`,
    },
    'gaze.student_teacher_ratio_unseen': {
      value: +(e.studentUnseen! / e.teacherUnseen!).toFixed(3),
      unit: 'ratio',
      baseline: { name: 'paper OpenEDS2020 7.82/6.90', value: 1.133, unit: 'ratio' },
      notes: `student ${e.studentUnseen!.toFixed(2)}° / teacher ${e.teacherUnseen!.toFixed(2)}°`,
    },
    'gaze.student_teacher_ratio_seen': {
      value: +(e.studentSeen! / e.teacherSeen!).toFixed(3),
      unit: 'ratio',
      baseline: { name: 'paper AEA 2.14/1.94', value: 1.103, unit: 'ratio' },
      notes: `seen-users val split: student ${e.studentSeen!.toFixed(2)}° / teacher ${e.teacherSeen!.toFixed(2)}°`,
    },
    'gaze.personalization_reduction_unseen': {
      value: +pu.reduction.toFixed(3),
      unit: 'fraction',
      baseline: { name: 'median per-user error before (°)', value: +pu.medianBefore.toFixed(3), unit: 'deg' },
      notes: `unseen test users (${pu.users.length}), σ_κ = 2°, 5 calibration images, stage-4 adapters + replay (4/cluster of K=15); median per-user error ${pu.medianBefore.toFixed(2)}° → ${pu.medianAfter.toFixed(2)}° on the same held-out frames; shuffled-label control ${pu.medianShuffled!.toFixed(2)}°; seen-users D_P ${ps.medianBefore.toFixed(2)}° → ${ps.medianAfter.toFixed(2)}° (${(100 * (ps.medianAfter / ps.medianBefore - 1)).toFixed(1)}%); teacher (${pt.users.length} users) ${pt.medianBefore.toFixed(2)}° → ${pt.medianAfter.toFixed(2)}°`,
    },
  };
  if (e['student-random'] !== undefined) {
    entries['gaze.kd_vs_random_reduction'] = {
      value: +(1 - e.studentUnseen! / e['student-random']).toFixed(3),
      unit: 'fraction',
      baseline: { name: 'random frozen stages 2–4 + adapters (°)', value: +e['student-random'].toFixed(3), unit: 'deg' },
      notes: `1 − distilled/random error on unseen users (distilled ${e.studentUnseen!.toFixed(2)}°, random ${e['student-random'].toFixed(2)}°${e['student-nomask'] !== undefined ? `, no-mask KD ${e['student-nomask'].toFixed(2)}°` : ''}); stage 1 inherited from the teacher in all variants`,
    };
  }
  record(entries, { command: ctx.command });
  if (ctx.artifacts)
    writeFileSync(
      join(dir, 'eval.json'),
      JSON.stringify(
        {
          errors: e,
          personalizationUnseen: { ...pu, example: undefined },
          personalizationSeen: { ...ps, example: undefined },
          personalizationTeacher: { ...pt, example: undefined },
          latencyMs: lat,
          measuredAt: new Date().toISOString(),
          command: ctx.command,
        },
        null,
        1,
      ),
    );
  disposeGazeModel(teacher);
  disposeGazeModel(student);
}
