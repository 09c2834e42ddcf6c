/**
 * DFT Gaze command line.
 *   npx tsx scripts/gaze/train.ts train --lanes 2 [--workers 2] [options below]   # the shipped run on both cores: T0 on 2
 *     data-parallel threads, then t1→kd→s1 and kd-paper→s1-paper→s1-random as two processes (resumable: rerun it)
 *   npx tsx scripts/gaze/train.ts train  [--out runs/gaze] [--size 32x64] [--steps t0=5500,t1=800,...] [--scale 1] [--batch 24] [--mask 0] [--image-weight 1] [--mask-mode zero|sparse] [--mask-patch 8] [--target-norm map|channel|position] [--pixel-stage 4|3] [--view rescale|crop] [--workers 2] [--stages t0,t1,kd,s1]
 *   npx tsx scripts/gaze/train.ts export [--out runs/gaze] [--dest kernel/gaze/weights]   # shipped int8 weights
 *   npx tsx scripts/gaze/train.ts t0-from-shipped --out runs/sel-x   # <out>/t0.safetensors = the shipped teacher
 *     (float copy of its int8 weights; its backbone is the shipped T0's, its adapters and head T1's), so KD variants can
 *     be compared from one fixed teacher without retraining T0 (--stages kd,s1 ...). Selection runs only: the pipeline's
 *     KD distils from T0, whose adapters differ.
 * Training is resumable: rerun the same command after an interruption.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { InvalidInput } from '../../kernel/core/errors';
import { DEFAULT_STEPS, PIPELINE_STAGES, STAGES, exportShipped, runPipeline, type StageName } from '../../kernel/gaze/pipeline';
import { weightsDir } from '../../kernel/gaze/personalize';
import { readGazeModel, saveGazeModel } from '../../kernel/gaze/weights';

/** After T0, the pipeline's two independent chains (each needs only T0): one process per core with --lanes 2. */
const LANES: StageName[][] = [
  ['t1', 'kd', 's1'],
  ['kd-paper', 's1-paper', 's1-random'],
];
// every default stage runs in exactly one part (a stage added to the pipeline must be placed in a lane)
if (['t0', ...LANES.flat()].sort().join() !== [...PIPELINE_STAGES].sort().join())
  throw new Error(`train.ts LANES do not cover PIPELINE_STAGES (${PIPELINE_STAGES.join(', ')})`);

function arg(args: string[], name: string, def?: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
}

async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  const out = arg(args, 'out', 'runs/gaze')!;
  await init({ backend: 'wasm' });
  if (cmd === 'train') {
    const [h, w] = arg(args, 'size', '32x64')!.split('x').map(Number);
    const scale = Number(arg(args, 'scale', '1'));
    const steps: Partial<Record<StageName, number>> = {};
    for (const s of STAGES) steps[s] = Math.max(1, Math.round(DEFAULT_STEPS[s] * scale));
    for (const kv of (arg(args, 'steps', '') ?? '').split(',').filter(Boolean)) {
      const [k, v] = kv.split('=');
      if (!STAGES.includes(k as StageName) || !(Number(v) > 0))
        throw new InvalidInput(`--steps expects stage=count with stages ${STAGES.join(', ')}, got ${kv}`);
      steps[k as StageName] = Number(v);
    }
    const stages = arg(args, 'stages')?.split(',') as StageName[] | undefined;
    const t0 = Date.now();
    if (arg(args, 'lanes', '1') === '2') {
      // both cores: T0 on `--workers` data-parallel threads, then the two independent chains as two processes
      if (stages) throw new InvalidInput('--lanes 2 runs the default stages; drop --stages');
      const rest = args.filter((a, i) => !['--lanes', '--workers'].includes(a) && !['--lanes', '--workers'].includes(args[i - 1]!));
      // one child process of this command per part; a lane's output lines get its number
      const child = (part: readonly StageName[], workers: string, label?: string) =>
        new Promise<number>((ok) => {
          const c = spawn(
            process.execPath,
            [...process.execArgv, __filename, 'train', ...rest, '--stages', part.join(','), '--workers', workers],
            {
              stdio: ['ignore', label ? 'pipe' : 'inherit', 'inherit'],
            },
          );
          if (label) c.stdout!.on('data', (b: Buffer) => process.stdout.write(b.toString().replace(/^(?=.)/gm, `${label} `)));
          c.on('exit', (code) => ok(code ?? 1));
        });
      const t0code = await child(['t0'], arg(args, 'workers', '2')!);
      if (t0code !== 0) throw new Error(`t0 exited with ${t0code}; rerun the same command to resume`);
      const codes = await Promise.all(LANES.map((lane, k) => child(lane, '1', `lane ${k + 1}`)));
      if (codes.some((c) => c !== 0)) throw new Error(`a lane failed (exit codes ${codes.join(', ')}); rerun the same command to resume`);
      console.log(
        `pipeline done in ${((Date.now() - t0) / 60000).toFixed(1)} min (T0 on ${arg(args, 'workers', '2')} threads, then 2 lanes)`,
      );
      return;
    }
    await runPipeline({
      out,
      height: h,
      width: w,
      steps,
      batch: Number(arg(args, 'batch', '24')),
      stages,
      seed: Number(arg(args, 'seed', '0')),
      kdMaskRatio: Number(arg(args, 'mask', '0')),
      kdImageWeight: Number(arg(args, 'image-weight', '1')),
      kdMaskMode: arg(args, 'mask-mode', 'zero') as 'zero' | 'sparse',
      kdMaskPatch: Number(arg(args, 'mask-patch', '8')),
      kdTargetNorm: arg(args, 'target-norm', 'map') as 'map' | 'channel' | 'position',
      kdPixelStage: Number(arg(args, 'pixel-stage', '4')) as 3 | 4,
      view: arg(args, 'view', 'rescale') as 'crop' | 'rescale',
      workers: Number(arg(args, 'workers', '1')),
      log: (m) => console.log(`${new Date().toISOString().slice(11, 19)} ${m}`),
    });
    console.log(`pipeline done in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  } else if (cmd === 't0-from-shipped') {
    const dest = join(out, 't0.safetensors');
    if (existsSync(dest)) throw new InvalidInput(`${dest} exists; remove it first`);
    mkdirSync(out, { recursive: true });
    const t = readGazeModel(join(weightsDir(), 'teacher.safetensors.gz')).model;
    t.meta = { ...t.meta, stage: 't0', source: 'shipped teacher (int8 → float; T0 backbone, T1 adapters and head)' };
    saveGazeModel(t, dest);
    console.log(`wrote ${dest} (${t.meta.size ?? '32x64'} ${t.meta.view ?? 'crop'})`);
  } else if (cmd === 'export') {
    const dest = arg(args, 'dest', join(__dirname, '..', '..', 'kernel', 'gaze', 'weights'))!;
    for (const f of exportShipped(out, dest)) console.log(`wrote ${f}`);
  } else {
    console.log(
      'usage: npx tsx scripts/gaze/train.ts train|export|t0-from-shipped [--out dir] [--size HxW] [--scale s] [--steps stage=n,...] [--stages a,b]',
    );
    process.exit(2);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
