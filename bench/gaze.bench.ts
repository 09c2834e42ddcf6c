/**
 * DFT Gaze benchmarks (issue 10). Run: npm run bench -- --only gaze [--quick]
 * Latency: wasm backend, batch 1, median of 100 forward passes (student at 64×96; teacher/student at 96×128).
 * Accuracy: the shipped weights (kernel/gaze/weights, trained at the size and view in their meta by `npx tsx scripts/gaze/train.ts train`) on the
 * synthetic protocols: unseen users (val split, σ_κ = 0), seen users (val split), personalization on unseen test users
 * with σ_κ = 2° and 5 calibration images (median per-user error on the same held-out frames), KD ablation.
 * Unseen users: ≥ 40 (both eyes balanced: the first 20 left and 20 right eyes of the val split), 95% bootstrap intervals
 * over users in every gaze key's notes. Also: the PCCR-style classical peer (pccr.ts, 9-point calibration) on the same
 * frames, int8 vs float32 error when float32 stage weights are at hand (runs/gaze or $GAZE_F32_DIR), and the 2-worker
 * training speedup (KD steps, same batch, same run; stale unless a two-core probe finds both cores free).
 * EDGELAB_GAZE_PARTS=latency,accuracy,speed (default all) runs a subset; eval.json keeps the other parts' last values.
 * Writes the detailed study to kernel/gaze/weights/eval.json (read by the notebook) and the shipped student's per-frame
 * errors on the unseen users to bench/artifacts/gaze-frame-errors.json (the GazeGen selection study samples its gaze
 * noise from it).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { init } from '../kernel/core/backend';
import { createModel, disposeGazeModel, macs, studentSpec, teacherSpec } from '../kernel/gaze/model';
import { evaluateGaze, loadGazeModel, weightsDir } from '../kernel/gaze/personalize';
import { generalizedTestSet, latencyMs, pccrStudy, personalTestSet, personalizationStudy } from '../kernel/gaze/evaluate';
import { generalizedSet, modelFrame } from '../kernel/gaze/pipeline';
import { subset } from '../kernel/gaze/train';
import { gazeModelFromBytes, gazeModelToBytes, readGazeModel } from '../kernel/gaze/weights';
import { userOf } from '../kernel/gaze/world/synth';
import { rng } from '../kernel/core/rng';
import type { GazeSet } from '../kernel/gaze/types';
import { coreProbe, machine, median, record, type BenchContext, type QuickCheck } from './lib';
import { kdStepMs } from '../scripts/gaze/speed-child';

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
    'gaze.pccr_error_deg_unseen': { tol: 0.01 },
    'gaze.student_personalized_error_deg_unseen': { tol: 0.01 },
    'gaze.train_2core_speedup': { range: [0.2, 4] },
    'gaze.student_latency_ms_64x96': { range: [0.5, 1000] },
    'gaze.teacher_student_latency_ratio_96x128': { range: [1, 8] },
  },
};

/** Users of the unseen-users val split with both eyes balanced: the first `perSide` left and right eyes (ids 1000+). */
export function balancedUnseenUsers(perSide: number, seed = 0): { users: number; keep: Set<number> } {
  const left: number[] = [],
    right: number[] = [];
  let k = 0;
  for (; left.length < perSide || right.length < perSide; k++) {
    const u = userOf(seed, 1000 + k);
    const l = u.side === 'left' ? left : right;
    if (l.length < perSide) l.push(u.id);
  }
  return { users: k, keep: new Set([...left, ...right]) };
}

/** 95% percentile bootstrap interval of a statistic over users (resampling users with replacement; 2000 draws, seeded). */
export function bootstrapUsers(
  perUser: Map<number, number[]>,
  stat: (rows: number[][]) => number,
  draws = 2000,
  seed = 0,
): [number, number] {
  const ids = [...perUser.keys()],
    r = rng(seed),
    out: number[] = [];
  for (let d = 0; d < draws; d++) out.push(stat(Array.from({ length: ids.length }, () => perUser.get(ids[r.int(ids.length)]!)!)));
  out.sort((a, b) => a - b);
  return [out[Math.floor(0.025 * draws)]!, out[Math.floor(0.975 * draws) - 1]!];
}

/** Per-user columns of per-frame errors: user → [errA_mean, errB_mean, …] over that user's frames. */
function perUserMeans(user: Int32Array, cols: ArrayLike<number>[]): Map<number, number[]> {
  const acc = new Map<number, { s: number[]; n: number }>();
  user.forEach((u, i) => {
    let a = acc.get(u);
    if (!a) acc.set(u, (a = { s: cols.map(() => 0), n: 0 }));
    cols.forEach((c, j) => (a!.s[j] = a!.s[j]! + c[i]!));
    a.n++;
  });
  return new Map([...acc].map(([u, a]) => [u, a.s.map((v) => v / a.n)]));
}

const meanCol = (j: number) => (rows: number[][]) => rows.reduce((a, r) => a + r[j]!, 0) / rows.length;
const ratioCol = (a: number, b: number) => (rows: number[][]) => meanCol(a)(rows) / meanCol(b)(rows);
const ci = (x: [number, number], d = 2) => `95% bootstrap interval over users [${x[0].toFixed(d)}, ${x[1].toFixed(d)}]`;

/** Samples per second of KD steps (student, 32×64, batch 24) in one thread and on `workers` worker threads. */
async function trainSpeed(
  ctx: BenchContext,
): Promise<{ one: number; two: number; ceiling: number; halfMs: number[]; steps: number; rounds: number } | null> {
  let dir: string;
  try {
    dir = weightsDir();
  } catch {
    return null;
  }
  const steps = ctx.quick ? 3 : 8,
    rounds = ctx.quick ? 1 : 3,
    batch = 24;
  const teacher = readGazeModel(join(dir, 'teacher.safetensors.gz')).model;
  const stepMs = (workers: number) => kdStepMs(teacher, batch, steps, workers);
  // rounds alternate which setting goes first, so neither always runs on a warmer (or busier) machine
  const ms: Record<1 | 2, number[]> = { 1: [], 2: [] };
  for (let r = 0; r < rounds; r++) for (const w of r % 2 ? ([2, 1] as const) : ([1, 2] as const)) ms[w].push(...(await stepMs(w)));
  disposeGazeModel(teacher);
  const rate = (xs: number[]) => batch / (median(xs) / 1000);
  // the ceiling: two unsynchronised processes at half the batch each, started together (scripts/gaze/speed-child.ts)
  const half = await Promise.all([0, 1].map(() => speedChild(batch / 2, 2 * steps)));
  const ceiling = half.reduce((a, ms) => a + batch / 2 / (ms / 1000), 0);
  return { one: rate(ms[1]), two: rate(ms[2]), ceiling, halfMs: half, steps, rounds };
}

/** Median KD step (ms) of a child process training alone at `batch` (scripts/gaze/speed-child.ts). */
function speedChild(batch: number, steps: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', 'scripts', 'gaze', 'speed-child.ts'), String(batch), String(steps)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`scripts/gaze/speed-child.ts exited with ${code}: ${last}`));
      resolve((JSON.parse(last) as { medianMs: number }).medianMs);
    });
  });
}

export async function run(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm' });
  const parts = new Set((process.env.EDGELAB_GAZE_PARTS ?? 'latency,accuracy,speed').split(','));
  const command = process.env.EDGELAB_GAZE_PARTS ? `EDGELAB_GAZE_PARTS=${[...parts].join(',')} ${ctx.command}` : ctx.command;
  const lat = parts.has('latency') ? latencyKeys(ctx, command) : undefined;
  const acc = parts.has('accuracy') ? await accuracyKeys(ctx, command) : undefined;
  const sp = parts.has('speed') ? await speedKeys(ctx, command) : undefined;
  if (ctx.artifacts && (acc || lat || sp)) writeEvalJson(ctx, command, { ...acc, latencyMs: lat, trainSpeed: sp });
}

/** Forward latency of both models at 64×96 and 96×128 (wasm, batch 1). */
function latencyKeys(ctx: BenchContext, command: string): Record<string, number> {
  const runs = 100,
    la0 = loadavg()[0]!;
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
  const env = `1-min load ${la0.toFixed(1)}→${loadavg()[0]!.toFixed(1)} on ${machine()} (latency needs an idle box)`;
  record(
    {
      'gaze.student_latency_ms_64x96': {
        value: +lat.student_64x96!.toFixed(2),
        unit: 'ms',
        baseline: { name: 'teacher 64×96', value: +lat.teacher_64x96!.toFixed(2), unit: 'ms' },
        notes: `wasm (1 thread, SIMD), batch 1, median of ${runs}, 1-channel input, eval mode; ${gm(64, 96)}; ${env}`,
      },
      'gaze.teacher_student_latency_ratio_96x128': {
        value: +(lat.teacher_96x128! / lat.student_96x128!).toFixed(3),
        unit: 'ratio',
        baseline: { name: 'paper (Raspberry Pi 4, 928.84 / 426.66 ms)', value: 2.177, unit: 'ratio' },
        notes: `teacher ${lat.teacher_96x128!.toFixed(1)} ms / student ${lat.student_96x128!.toFixed(1)} ms at 96×128, wasm batch 1, median of ${runs}; ${gm(96, 128)}; ${env}`,
      },
    },
    { command },
  );
  return lat;
}

/** The accuracy study on the shipped weights (the eval.json fields it measured; undefined without weights). */
async function accuracyKeys(ctx: BenchContext, command: string): Promise<Record<string, unknown> | undefined> {
  let dir: string;
  try {
    dir = weightsDir();
  } catch {
    ctx.log('no shipped weights: accuracy keys skipped (train with npx tsx scripts/gaze/train.ts train, then export)');
    return undefined;
  }
  if (!existsSync(join(dir, 'teacher.safetensors.gz'))) {
    ctx.log('teacher weights missing: accuracy keys skipped');
    return undefined;
  }
  const q = ctx.quick;
  const teacher = loadGazeModel({ which: 'teacher' }),
    student = loadGazeModel({ which: 'student' });
  // every shipped model is scored on the frames it was trained at (one pipeline run: the same for all)
  const { height: H, width: W, view } = modelFrame(teacher);
  const sf = modelFrame(student);
  if (sf.height !== H || sf.width !== W || sf.view !== view)
    throw new Error(`shipped teacher (${H}x${W} ${view}) and student (${sf.height}x${sf.width} ${sf.view}) read different frames`);
  // ≥ 40 unseen users, both eyes balanced (val split, σ_κ = 0, blinks dropped)
  const perSide = q ? 3 : 20,
    bal = balancedUnseenUsers(perSide);
  const all = generalizedTestSet('unseenUsers', { height: H, width: W, view, users: bal.users, perUser: q ? 40 : 100 });
  const unseen: GazeSet = subset(
    all,
    [...all.user!.keys()].filter((i) => bal.keep.has(all.user![i]!)),
  );
  const nUnseen = new Set(unseen.user).size;
  const seen = generalizedTestSet('seenUsers', { height: H, width: W, view, users: q ? 20 : 60 });
  const ev = {
    teacherUnseen: evaluateGaze(teacher, unseen),
    studentUnseen: evaluateGaze(student, unseen),
    teacherSeen: evaluateGaze(teacher, seen),
    studentSeen: evaluateGaze(student, seen),
  };
  const e = Object.fromEntries(Object.entries(ev).map(([k, v]) => [k, v.meanDeg])) as Record<string, number>;
  const cols: ArrayLike<number>[] = [ev.teacherUnseen.errors, ev.studentUnseen.errors];
  for (const which of ['student-random', 'student-paper'] as const) {
    if (!existsSync(join(dir, `${which}.safetensors.gz`))) continue;
    const m = loadGazeModel({ which });
    const r = evaluateGaze(m, unseen);
    e[which] = r.meanDeg;
    cols.push(r.errors);
    disposeGazeModel(m);
  }
  // the classical peer on the same frames (declared in bench/declared/gaze-pccr.json)
  const pccr = pccrStudy(unseen, { reference: 'pupil', view }),
    pccrGlints = pccrStudy(unseen, { reference: 'glints', view });
  const pccrCol = cols.push(pccr.errors) - 1;
  const byUser = perUserMeans(unseen.user!, cols);
  const seenByUser = perUserMeans(seen.user!, [ev.teacherSeen.errors, ev.studentSeen.errors]);
  ctx.log(
    `generalized (${nUnseen} unseen users): ${JSON.stringify(e)}; PCCR ${pccr.meanDeg.toFixed(2)}° (glint reference ${pccrGlints.meanDeg.toFixed(2)}°)`,
  );
  // int8 (shipped) vs float32, when float32 stage weights are at hand
  const f32Dir = process.env.GAZE_F32_DIR ?? join(__dirname, '..', 'runs', 'gaze');
  let int8Delta: { f32: number; int8: number } | null = null;
  if (existsSync(join(f32Dir, 's1.safetensors'))) {
    const f = readGazeModel(join(f32Dir, 's1.safetensors')).model;
    const qm = gazeModelFromBytes(gazeModelToBytes(f, { format: 'int8' })).model;
    int8Delta = { f32: evaluateGaze(f, unseen).meanDeg, int8: evaluateGaze(qm, unseen).meanDeg };
    disposeGazeModel(f);
    disposeGazeModel(qm);
  } else ctx.log(`no float32 student at ${f32Dir}/s1.safetensors: gaze.int8_vs_f32_error_delta_deg not measured`);
  // personalization (σ_κ = 2°) on unseen test users; replay = a slice of D_G
  const replay = generalizedSet({ height: H, width: W, view, users: 20, perUser: 60 });
  // 60 unseen test users: on 20 the median reduction swings by ~10 points between user draws (22 % here vs 32–35 % on
  // other world seeds at 60 users: scripts/gaze/personalize-sweep.ts picks settings on such users, never on these)
  const testU = personalTestSet('unseenUsers', { height: H, width: W, view, users: q ? 6 : 60, perUser: q ? 40 : 100, sigmaKappaDeg: 2 });
  const pu = await personalizationStudy(student, testU, { replay, shuffledControl: true, seed: 0 });
  const testS = personalTestSet('seenUsers', { height: H, width: W, view, users: q ? 6 : 20, sigmaKappaDeg: 2 });
  const ps = await personalizationStudy(student, testS, { replay, seed: 0 });
  const pt = await personalizationStudy(teacher, testU, { replay, seed: 0, maxUsers: q ? 3 : 8 });
  ctx.log(
    `personalization unseen: ${pu.medianBefore.toFixed(2)}° → ${pu.medianAfter.toFixed(2)}° (shuffled ${pu.medianShuffled?.toFixed(2)}°); seen ${ps.medianBefore.toFixed(2)}° → ${ps.medianAfter.toFixed(2)}°`,
  );
  const medianOf = (xs: number[]) => {
    const s2 = [...xs].sort((a, b) => a - b),
      m = s2.length >> 1;
    return s2.length % 2 ? s2[m]! : (s2[m - 1]! + s2[m]!) / 2;
  };
  const puRows = new Map(pu.users.map((u) => [u.userId, [u.before, u.after, u.shuffled ?? NaN]]));
  const psRows = new Map(ps.users.map((u) => [u.userId, [u.before, u.after]]));
  const redCi = bootstrapUsers(puRows, (rows) => 1 - medianOf(rows.map((r) => r[1]!)) / medianOf(rows.map((r) => r[0]!)));
  const seenChange = ps.medianAfter / ps.medianBefore - 1;
  const seenCi = bootstrapUsers(psRows, (rows) => medianOf(rows.map((r) => r[1]!)) / medianOf(rows.map((r) => r[0]!)) - 1);
  const afterCi = bootstrapUsers(puRows, meanCol(1));
  const setup = `synthetic near-eye world (kernel/gaze/world/synth.ts defaults), ${H}×${W} grayscale (${view === 'crop' ? 'vertical crop of the camera view' : "the camera's whole view resampled"}, the shipped run's frames), shipped int8 weights`;
  const unseenDesc = `unseen-users val split, ${nUnseen} users (${perSide} left + ${perSide} right eyes) × ${q ? 40 : 100} frames, σ_κ = 0, blinks dropped`;
  const entries: Parameters<typeof record>[0] = {
    'gaze.teacher_error_deg_unseen': {
      value: +e.teacherUnseen!.toFixed(3),
      unit: 'deg',
      baseline: { name: 'paper teacher, OpenEDS2020', value: 6.9, unit: 'deg' },
      notes: `mean angular error, ${unseenDesc}; ${ci(bootstrapUsers(byUser, meanCol(0)))}; ${setup}`,
    },
    'gaze.student_error_deg_unseen': {
      value: +e.studentUnseen!.toFixed(3),
      unit: 'deg',
      baseline: { name: 'paper student, OpenEDS2020', value: 7.82, unit: 'deg' },
      notes: `same frames as gaze.teacher_error_deg_unseen; ${ci(bootstrapUsers(byUser, meanCol(1)))}; ${setup}`,
    },
    'gaze.student_teacher_ratio_unseen': {
      value: +(e.studentUnseen! / e.teacherUnseen!).toFixed(3),
      unit: 'ratio',
      baseline: { name: 'paper OpenEDS2020 7.82/6.90', value: 1.133, unit: 'ratio' },
      notes: `student ${e.studentUnseen!.toFixed(2)}° / teacher ${e.teacherUnseen!.toFixed(2)}° (${nUnseen} unseen users); ${ci(bootstrapUsers(byUser, ratioCol(1, 0)), 3)}`,
    },
    'gaze.student_teacher_ratio_seen': {
      value: +(e.studentSeen! / e.teacherSeen!).toFixed(3),
      unit: 'ratio',
      baseline: { name: 'paper AEA 2.14/1.94', value: 1.103, unit: 'ratio' },
      notes: `seen-users val split (${seenByUser.size} users): student ${e.studentSeen!.toFixed(2)}° / teacher ${e.teacherSeen!.toFixed(2)}°; ${ci(bootstrapUsers(seenByUser, ratioCol(1, 0)), 3)}`,
    },
    'gaze.eval_users_unseen': {
      value: nUnseen,
      unit: 'count',
      notes: `unseen users behind every generalized unseen-users gaze key (${perSide} left + ${perSide} right eyes, the first of each side among val-split ids 1000+)`,
    },
    'gaze.pccr_error_deg_unseen': {
      value: +pccr.meanDeg.toFixed(3),
      unit: 'deg',
      baseline: { name: 'DFT Gaze student, generalized, same frames', value: +e.studentUnseen!.toFixed(3), unit: 'deg' },
      notes: `classical peer on the same ${nUnseen} unseen users' frames (kernel/gaze/pccr.ts): pupil centre by thresholding + region growing + moment-ellipse centre, second-order polynomial per user fitted to 9 calibration frames (3×3 grid, rendered for each user, not part of the scored frames); ${ci(bootstrapUsers(byUser, meanCol(pccrCol)))}; the corneal-reflection reference (pupil − mean of detected glints) gives ${pccrGlints.meanDeg.toFixed(2)}° (no glint on ${(100 * pccrGlints.noGlint).toFixed(1)}% of frames; the glint mean jumps as the lids hide LEDs); reference chosen on selection users, declared in bench/declared/gaze-pccr.json. Calibrated per user with 9 labeled frames: compare with gaze.student_personalized_error_deg_unseen (5 frames, σ_κ = 2° users), not only with the generalized student`,
    },
    'gaze.personalization_reduction_unseen': {
      value: +pu.reduction.toFixed(3),
      unit: 'fraction',
      baseline: { name: 'median per-user error before (°)', value: +pu.medianBefore.toFixed(3), unit: 'deg' },
      notes: `unseen test users (${pu.users.length}), σ_κ = 2°, 5 calibration images, stage-4 adapters + replay (4/cluster of K=15); median per-user error ${pu.medianBefore.toFixed(2)}° → ${pu.medianAfter.toFixed(2)}° on the same held-out frames; ${ci(redCi, 3)}; shuffled-label control ${pu.medianShuffled!.toFixed(2)}°; seen-users D_P ${ps.medianBefore.toFixed(2)}° → ${ps.medianAfter.toFixed(2)}° (${(100 * seenChange).toFixed(1)}%); teacher (${pt.users.length} users) ${pt.medianBefore.toFixed(2)}° → ${pt.medianAfter.toFixed(2)}°`,
    },
    'gaze.personalization_users_unseen': {
      value: pu.users.length,
      unit: 'count',
      notes: `unseen test users in gaze.personalization_reduction_unseen, each also run with shuffled calibration labels (median ${pu.medianShuffled!.toFixed(2)}° vs ${pu.medianBefore.toFixed(2)}° before)`,
    },
    'gaze.personalization_change_seen': {
      value: +seenChange.toFixed(3),
      unit: 'fraction',
      notes: `seen users' D_P (${ps.users.length} users, σ_κ = 2°): median per-user error ${ps.medianBefore.toFixed(2)}° → ${ps.medianAfter.toFixed(2)}° (after/before − 1; the paper's AEA observation expects little change); ${ci(seenCi, 3)}`,
    },
    'gaze.student_personalized_error_deg_unseen': {
      value: +pu.meanAfter.toFixed(3),
      unit: 'deg',
      baseline: { name: 'same users before personalization (mean)', value: +pu.meanBefore.toFixed(3), unit: 'deg' },
      notes: `mean over ${pu.users.length} unseen test users (σ_κ = 2°) of the per-user error on held-out frames after 5-image personalization; ${ci(afterCi)}`,
    },
  };
  if (int8Delta) {
    entries['gaze.int8_vs_f32_error_delta_deg'] = {
      value: +(int8Delta.int8 - int8Delta.f32).toFixed(4),
      unit: 'deg',
      baseline: { name: 'float32 student (°)', value: +int8Delta.f32.toFixed(3), unit: 'deg' },
      notes: `student, int8 (per-channel scales, depthwise per channel) minus float32 mean error on the ${nUnseen} unseen users' frames; float32 from ${f32Dir}/s1.safetensors`,
    };
  }
  if (e['student-random'] !== undefined) {
    entries['gaze.kd_vs_random_reduction'] = {
      value: +(1 - e.studentUnseen! / e['student-random']).toFixed(3),
      unit: 'fraction',
      baseline: { name: 'random frozen stages 2–4 + adapters (°)', value: +e['student-random'].toFixed(3), unit: 'deg' },
      notes: `1 − distilled/random error on ${nUnseen} unseen users (distilled ${e.studentUnseen!.toFixed(2)}°, random ${e['student-random'].toFixed(2)}°${e['student-paper'] !== undefined ? `, the paper's masked KD recipe ${e['student-paper'].toFixed(2)}°` : ''}); ${ci(
        bootstrapUsers(byUser, (rows) => 1 - meanCol(1)(rows) / meanCol(2)(rows)),
        3,
      )}; stage 1 inherited from the teacher in all variants`,
    };
  }
  if (e['student-paper'] !== undefined) {
    const col = 2 + (e['student-random'] !== undefined ? 1 : 0);
    entries['gaze.student_paper_recipe_error_deg_unseen'] = {
      value: +e['student-paper'].toFixed(3),
      unit: 'deg',
      baseline: { name: 'shipped student (unmasked feature KD, °)', value: +e.studentUnseen!.toFixed(3), unit: 'deg' },
      notes: `the paper's KD recipe (arXiv 2411.04335 §3.1: 60 % of 8×8 patches masked + masked-pixel term; PAPER_KD in kernel/gaze/pipeline.ts) at the shipped student's budget, same teacher and adapters stage; student/teacher ${(e['student-paper'] / e.teacherUnseen!).toFixed(3)}; ${ci(bootstrapUsers(byUser, meanCol(col)))}; same frames as gaze.student_error_deg_unseen`,
    };
  }
  record(entries, { command });
  if (ctx.artifacts) {
    const art = join(__dirname, 'artifacts');
    mkdirSync(art, { recursive: true });
    writeFileSync(
      join(art, 'gaze-frame-errors.json'),
      JSON.stringify({
        units: 'deg',
        model:
          `student (kernel/gaze/weights/student.safetensors.gz, ${student.meta.stage ?? 's1'} ${student.meta.size ?? ''}, int8)`.replace(
            ' )',
            ')',
          ),
        users: nUnseen,
        frame: `${H}x${W} ${view}`,
        meanDeg: +ev.studentUnseen.meanDeg.toFixed(4),
        medianDeg: +medianOf(Array.from(ev.studentUnseen.errors)).toFixed(4),
        errors: Array.from(ev.studentUnseen.errors, (v) => +v.toFixed(4)),
        source: ctx.command,
      }) + '\n',
    );
  }
  disposeGazeModel(teacher);
  disposeGazeModel(student);
  return {
    errors: e,
    unseenUsers: nUnseen,
    pccr: { pupil: pccr.meanDeg, glints: pccrGlints.meanDeg, users: pccr.users },
    int8VsF32: int8Delta,
    personalizationUnseen: { ...pu, example: undefined },
    personalizationSeen: { ...ps, example: undefined },
    personalizationTeacher: { ...pt, example: undefined },
  };
}

/** The 2-worker training speedup; marked stale unless the box was idle (two-core probe before and after, load average). */
async function speedKeys(ctx: BenchContext, command: string): Promise<Record<string, unknown> | undefined> {
  const la0 = loadavg()[0]!,
    probe0 = await coreProbe();
  const sp = await trainSpeed(ctx);
  if (!sp) return undefined;
  const la1 = loadavg()[0]!,
    probe1 = await coreProbe();
  // the probe alone misses niced background jobs (a nice-0 probe preempts them: 1.80 free beside two nice-10 trainers),
  // so the load average before the timing must also say no other job was running (this bench adds ≤ 1 itself)
  const idle = Math.min(probe0, probe1) >= 1.9 && la0 < 1.5;
  const env = `load ${la0.toFixed(1)}→${la1.toFixed(1)}, two-core probe ${probe0.toFixed(2)}→${probe1.toFixed(2)} cores free, on ${machine()}`;
  record(
    {
      'gaze.train_2core_speedup': {
        value: +(sp.two / sp.one).toFixed(3),
        unit: 'ratio',
        baseline: { name: 'one thread, samples/s', value: +sp.one.toFixed(2), unit: 'img/s' },
        notes: `KD steps (student from the shipped teacher, 32×64, batch 24, same batches; ${sp.rounds} alternating rounds of ${sp.steps} timed steps after one warm-up, median step): 2 worker threads ${sp.two.toFixed(2)} img/s vs this thread alone ${sp.one.toFixed(2)} img/s. Ceiling on this machine: two unsynchronised processes at batch 12, started together, ${sp.ceiling.toFixed(2)} img/s together (median steps ${sp.halfMs.map((m) => m.toFixed(0)).join(' and ')} ms) = ${(sp.ceiling / sp.one).toFixed(2)}× the one thread at batch 24 — the fixed per-step cost (op dispatch, optimizer update) does not halve with the batch, and two busy cores each run slower than one; the data-parallel trainer reaches ${((100 * sp.two) / sp.ceiling).toFixed(0)} % of that ceiling; ${env}`,
        ...(idle
          ? {}
          : {
              stale: `timed on a busy box (fewer than 1.9 of 2 cores free or 1-min load ≥ 1.5 before: ${env}): plausibility only, the ≥ 1.7 target needs an idle box (rerun: EDGELAB_GAZE_PARTS=speed npm run bench -- --only gaze)`,
            }),
      },
    },
    { command },
  );
  return { ...sp, probe0, probe1 };
}

/** kernel/gaze/weights/eval.json (read by the notebook): the fields this run measured replace those of the last run. */
function writeEvalJson(ctx: BenchContext, command: string, fields: Record<string, unknown>): void {
  let dir: string;
  try {
    dir = weightsDir();
  } catch {
    return;
  }
  const path = join(dir, 'eval.json');
  const old = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
  const now = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  writeFileSync(path, JSON.stringify({ ...old, ...now, measuredAt: new Date().toISOString(), command }, null, 1));
  ctx.log(`wrote ${path} (${Object.keys(now).join(', ')})`);
}
