/**
 * Child process of the gaze bench's 2-core speedup (bench/gaze.bench.ts, trainSpeed): one thread running KD steps at a given
 * batch with no synchronisation, printing its median step time as JSON on the last line. Two of these at half the batch,
 * started together, are the most two cores can give the data-parallel trainer here (no gradient exchange, no straggler
 * wait, each with its own optimizer): the ceiling the measured speedup is compared with.
 *   node --import tsx scripts/gaze/speed-child.ts <batch> <steps>
 */
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { createModel, disposeGazeModel } from '../../kernel/gaze/model';
import { renderStream } from '../../kernel/gaze/pipeline';
import { distill } from '../../kernel/gaze/distill';
import { readGazeModel } from '../../kernel/gaze/weights';
import { weightsDir } from '../../kernel/gaze/personalize';
import { median } from '../../bench/lib';
import type { GazeModel } from '../../kernel/gaze/types';

/**
 * Wall-clock (ms) of each of `steps` KD steps at `batch`, after one warm-up step (worker start-up, wasm compile): a fresh
 * student (seed 1) distilled from `teacher` on the bench's pool of rendered eyes, on `workers` threads. Shared by this
 * child and the in-process timings of bench/gaze.bench.ts, so both time the same steps.
 */
export async function kdStepMs(teacher: GazeModel, batch: number, steps: number, workers: number): Promise<number[]> {
  const pool = renderStream({ idBase: 40000, nUsers: 200, height: 32, width: 64 });
  const st = createModel('student', { seed: 1 });
  const res = await distill(teacher, st, (n, r) => pool(n, r).images, {
    steps: steps + 1,
    batch,
    progress: false,
    logEvery: 1,
    workers,
    statsImages: 64,
    heldOutImages: 8,
    fveEvery: 1000,
  });
  disposeGazeModel(res.decoders);
  disposeGazeModel(st);
  return res.log.slice(1).map((e) => e.ms);
}

async function main(): Promise<void> {
  const [batch, steps] = process.argv.slice(2).map(Number) as [number, number];
  await init({ backend: 'wasm', verbose: false });
  const teacher = readGazeModel(join(weightsDir(), 'teacher.safetensors.gz')).model;
  const ms = await kdStepMs(teacher, batch, steps, 1);
  disposeGazeModel(teacher);
  console.log(JSON.stringify({ batch, medianMs: median(ms) }));
}
if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
