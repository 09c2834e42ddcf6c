/**
 * DFT Gaze command line.
 *   npx tsx kernel/gaze/cli.ts train  [--out runs/gaze] [--size 32x64] [--steps t0=1500,t1=300,...] [--scale 1] [--batch 24] [--stages t0,t1,kd,s1]
 *   npx tsx kernel/gaze/cli.ts export [--out runs/gaze] [--dest kernel/gaze/weights]   # shipped int8 weights
 * Training is resumable: rerun the same command after an interruption.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../core/backend';
import { InvalidInput } from '../core/errors';
import { DEFAULT_STEPS, STAGES, runPipeline, type StageName } from './pipeline';
import { readGazeModel, saveGazeModel } from './weights';
import { disposeGazeModel } from './model';

function arg(args: string[], name: string, def?: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
}

async function main(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  const out = arg(args, 'out', 'runs/gaze')!;
  await init({ backend: 'wasm' });
  if (cmd === 'train') {
    const [h, w] = (arg(args, 'size', '32x64')!).split('x').map(Number);
    const scale = Number(arg(args, 'scale', '1'));
    const steps: Partial<Record<StageName, number>> = {};
    for (const s of STAGES) steps[s] = Math.max(1, Math.round(DEFAULT_STEPS[s] * scale));
    for (const kv of (arg(args, 'steps', '') ?? '').split(',').filter(Boolean)) {
      const [k, v] = kv.split('=');
      if (!STAGES.includes(k as StageName) || !(Number(v) > 0)) throw new InvalidInput(`--steps expects stage=count with stages ${STAGES.join(', ')}, got ${kv}`);
      steps[k as StageName] = Number(v);
    }
    const stages = arg(args, 'stages')?.split(',') as StageName[] | undefined;
    const t0 = Date.now();
    await runPipeline({ out, height: h, width: w, steps, batch: Number(arg(args, 'batch', '24')), stages, seed: Number(arg(args, 'seed', '0')),
      log: (m) => console.log(`${new Date().toISOString().slice(11, 19)} ${m}`) });
    console.log(`pipeline done in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
  } else if (cmd === 'export') {
    const dest = arg(args, 'dest', join(__dirname, 'weights'))!;
    mkdirSync(dest, { recursive: true });
    const map: [string, string, 'int8' | 'f32'][] = [['t1', 'teacher', 'int8'], ['s1', 'student', 'int8'], ['s1-random', 'student-random', 'int8'], ['s1-nomask', 'student-nomask', 'int8']];
    for (const [stage, name] of map) {
      const src = join(out, `${stage}.safetensors`);
      if (!existsSync(src)) { console.log(`skip ${name}: ${src} missing`); continue; }
      const { model } = readGazeModel(src);
      saveGazeModel(model, join(dest, `${name}.safetensors.gz`), { format: 'int8' });
      disposeGazeModel(model);
      console.log(`wrote ${join(dest, `${name}.safetensors.gz`)}`);
    }
    // every stage's loss log in one file (training curves in the notebook)
    const logs: Record<string, unknown> = {};
    for (const s of STAGES) if (existsSync(join(out, `${s}.log.json`))) logs[s] = JSON.parse(readFileSync(join(out, `${s}.log.json`), 'utf8'));
    writeFileSync(join(dest, 'logs.json'), JSON.stringify(logs));
  } else {
    console.log('usage: npx tsx kernel/gaze/cli.ts train|export [--out dir] [--size HxW] [--scale s] [--steps stage=n,...] [--stages a,b]');
    process.exit(2);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
