/**
 * What the Gaze Calibration panel reports, for several synthetic users in a row, without VS Code: the same kernel
 * bridge and the same error computation as the panel (session.ts), printed as one line per user plus the median.
 *
 *   npx tsx extension/gaze/panel-check.ts [--users 8] [--seed 0] [--kappa 2] [--steps 60]
 *
 * Uses the shipped student weights (kernel/gaze/weights); fails with NotFound if they are missing.
 */
import { createKernelGazeApi } from './kernel-bridge';
import { CalibrationSession } from './session';
import { median } from './ridge';
import type { HostMessage } from './messages';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

async function main() {
  const users = arg('users', 8),
    seed = arg('seed', 0),
    kappa = arg('kappa', 2),
    steps = arg('steps', 60);
  const api = createKernelGazeApi();
  const out: HostMessage[] = [];
  const s = new CalibrationSession(api, {
    post: (m) => {
      out.push(m);
    },
    pickFolder: async () => undefined,
    openCamera: async () => '',
  });
  const drops: number[] = [];
  for (let u = 0; u < users; u++) {
    await s.handle({ type: 'source', source: { kind: 'synthetic', seed, user: u, sigmaKappaDeg: kappa } });
    await s.handle({ type: 'personalize', steps });
    const err = out.filter((m) => m.type === 'error').at(-1);
    const r = s.last.result;
    if (!r || err) throw new Error(err && err.type === 'error' ? err.text : 'no result');
    const x = r.summary;
    drops.push(1 - x.afterMedianDeg / x.beforeMedianDeg);
    console.log(
      `user ${u}: median ${x.beforeMedianDeg.toFixed(2)}° → ${x.afterMedianDeg.toFixed(2)}°, mean ${x.beforeMeanDeg.toFixed(2)}° → ${x.afterMeanDeg.toFixed(2)}° (${x.heldOutFrames} held-out frames, ${(x.ms / 1000).toFixed(1)} s)`,
    );
    out.length = 0;
  }
  console.log(
    `median over users of the per-user median-error reduction: ${(median(drops) * 100).toFixed(1)}% (seed ${seed}, σκ ${kappa}°, ${steps} steps)`,
  );
}

main().catch((e: Error) => {
  console.error(`${e.name}: ${e.message}`);
  process.exit(1);
});
