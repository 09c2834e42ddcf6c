/**
 * DFT Gaze data side: throughput of the procedural near-eye generator (kernel/gaze/synth.ts), one process, one core.
 * Reported per CPU-second (process.cpuUsage) because the box is shared; wall-clock rate in the notes.
 * Target from the issue brief: ≥ 2000 images/s at 48×64 on one core.
 */
import { makeGazeDataset } from '../kernel/gaze/synth';
import { record, type BenchContext } from './lib';

export const prefix = 'gazedata';

function rate(h: number, w: number, n: number): { cpu: number; wall: number } {
  makeGazeDataset({ split: 'train', users: 2, perUser: 40, height: h, width: w, seed: 99 }); // warm-up (JIT, ray tables)
  const users = 20, perUser = Math.max(1, Math.round(n / users));
  const c0 = process.cpuUsage(), t0 = performance.now();
  const ds = makeGazeDataset({ split: 'train', users, perUser, height: h, width: w, seed: 1 });
  const c = process.cpuUsage(c0), wall = (performance.now() - t0) / 1000, cpu = (c.user + c.system) / 1e6;
  return { cpu: ds.n / cpu, wall: ds.n / wall };
}

export async function run(ctx: BenchContext): Promise<void> {
  const sizes: [number, number, number][] = [[48, 64, ctx.quick ? 2000 : 8000], [64, 96, ctx.quick ? 1000 : 4000], [96, 128, ctx.quick ? 500 : 2000]];
  const out: Parameters<typeof record>[0] = {};
  for (const [h, w, n] of sizes) {
    const r = rate(h, w, n);
    ctx.log(`${h}×${w}: ${r.cpu.toFixed(0)} images per CPU-second (wall ${r.wall.toFixed(0)} images/s), ${n} images`);
    out[`gazedata.synth_images_per_cpu_s_${h}x${w}`] = {
      value: r.cpu, unit: 'images per CPU-second',
      notes: `makeGazeDataset defaults (noise, glints, lids/lashes, blinks, slippage), ${n} images of 20 users; wall-clock ${r.wall.toFixed(0)} images/s on the shared box${h === 48 ? '; brief target ≥ 2000/s' : ''}`,
    };
  }
  record(out, { command: ctx.command });
}
