/**
 * Compare training runs on SELECTION users (never the bench's): every finished stage model (float weights) in each run
 * folder, mean angular error on the unseen-users val split of world seed 7 (10 users × 150 frames, σ_κ = 0), the
 * bench's protocol on other hidden user parameters. Use it to pick a run or a setting (e.g. the KD mask ratio) before
 * exporting, so the bench's numbers stay untouched by the choice.
 *   npx tsx scripts/gaze/eval-runs.ts runs/gaze runs/gaze-mask03 [--seed 7] [--shipped]   (--shipped: the int8 weights in kernel/gaze/weights too)
 *   EVAL_USERS=40 EVAL_FRAMES=40 npx tsx scripts/gaze/eval-runs.ts …   (more users, fewer frames: per-user bias dominates the spread)
 * Each model is scored at the size and view it was trained at (gaze.modelFrame: its meta `size`, `view`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { readGazeModel } from '../../kernel/gaze/weights';
import { disposeGazeModel } from '../../kernel/gaze/model';
import { evaluateGaze, loadGazeModel, type ShippedModel } from '../../kernel/gaze/personalize';
import { generalizedTestSet } from '../../kernel/gaze/evaluate';
import { SHIPPED, STAGES, modelFrame, type EyeView } from '../../kernel/gaze/pipeline';

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const args = process.argv.slice(2);
  const si = args.indexOf('--seed');
  const seed = si >= 0 ? Number(args[si + 1]) : 7;
  const dirs = args.filter((a, i) => !a.startsWith('--') && (si < 0 || i !== si + 1));
  const sets = new Map<string, ReturnType<typeof generalizedTestSet>>();
  const setFor = ({ height, width, view }: { height: number; width: number; view: EyeView }) => {
    const key = `${height}x${width} ${view}`;
    let s = sets.get(key);
    if (!s) {
      s = generalizedTestSet('unseenUsers', {
        height,
        width,
        view,
        users: Number(process.env.EVAL_USERS ?? 10),
        perUser: Number(process.env.EVAL_FRAMES ?? 150),
        seed,
      });
      sets.set(key, s);
    }
    return s;
  };
  if (args.includes('--shipped')) {
    for (const [, which] of SHIPPED) {
      const m = loadGazeModel({ which: which as ShippedModel });
      console.log(`${'shipped (int8)'.padEnd(24)} ${which.padEnd(14)} ${evaluateGaze(m, setFor(modelFrame(m))).meanDeg.toFixed(3)}°`);
      disposeGazeModel(m);
    }
  }
  for (const dir of dirs) {
    for (const s of STAGES) {
      const f = join(dir, `${s}.safetensors`);
      if (!existsSync(f)) continue;
      if (s === 'tm') {
        console.log(`${dir.padEnd(24)} ${s.padEnd(14)} (label-free backbone, no trained gaze head: scored after T1M)`);
        continue;
      }
      const m = readGazeModel(f).model;
      const at = setFor(modelFrame(m));
      console.log(
        `${dir.padEnd(24)} ${s.padEnd(14)} ${evaluateGaze(m, at).meanDeg.toFixed(3)}°  (${m.meta?.steps ?? '?'} steps, ${m.meta?.size ?? '32x64'} ${m.meta?.view ?? 'crop'})`,
      );
      disposeGazeModel(m);
    }
  }
}

void main();
