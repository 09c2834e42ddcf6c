/**
 * Write a synthetic near-eye dataset to disk in a real dataset's layout (so the loaders, the notebook and the
 * calibration panel can open it like real data):
 *
 *   npx tsx scripts/gaze/synth.ts --format openeds --out /tmp/openeds-synth [--split test] [--protocol unseenUsers]
 *       [--users 2] [--per-user 30] [--height 48] [--width 64] [--seed 0] [--sigma-kappa 2]
 *   npx tsx scripts/gaze/synth.ts --format aria --out /tmp/aria-synth [--schema legacy|vergence] …
 *
 * OpenEDS: <out>/sequences/<seq>/<NNN>.png + <out>/labels/<seq>.txt + users.json.
 * Aria: <out>/rec_u<id>/frames/<timestamp_us>.png + mps/eye_gaze/general_eye_gaze.csv (one recording per user).
 */
import { InvalidInput } from '../../kernel/core/errors';
import { makeGazeDataset } from '../../kernel/gaze/world/synth';
import { writeAriaRecording, writeOpenEds } from '../../kernel/gaze/world/loaders';
import type { GazeProtocol, GazeSplit } from '../../kernel/gaze/world/types';

export interface SynthCliResult {
  format: 'openeds' | 'aria';
  out: string;
  images: number;
  folders: string[];
}

/** Parse argv (without node/script) and write the dataset. */
export function runSynthCli(argv: string[]): SynthCliResult {
  const a = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (!k.startsWith('--')) throw new InvalidInput(`synth: unexpected argument ${k}; options look like --name value`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new InvalidInput(`synth: option ${k} needs a value`);
    a.set(k.slice(2), v);
    i++;
  }
  const known = ['format', 'out', 'split', 'protocol', 'users', 'per-user', 'height', 'width', 'seed', 'sigma-kappa', 'schema'];
  for (const k of a.keys())
    if (!known.includes(k)) throw new InvalidInput(`synth: unknown option --${k}; known: ${known.map((x) => `--${x}`).join(' ')}`);
  const format = a.get('format');
  if (format !== 'openeds' && format !== 'aria') throw new InvalidInput(`synth: --format must be openeds or aria, got ${format}`);
  const out = a.get('out');
  if (!out) throw new InvalidInput('synth: --out <folder> is required');
  const num = (k: string, d: number) => {
    const v = a.get(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidInput(`synth: --${k} must be a number, got ${v}`);
    return n;
  };
  const ds = makeGazeDataset({
    split: (a.get('split') ?? 'test') as GazeSplit,
    protocol: (a.get('protocol') ?? 'unseenUsers') as GazeProtocol,
    users: num('users', 2),
    perUser: num('per-user', 30),
    height: num('height', 48),
    width: num('width', 64),
    seed: num('seed', 0),
    sigmaKappaDeg: num('sigma-kappa', 0),
  });
  const schema = a.get('schema') ?? 'legacy';
  if (schema !== 'legacy' && schema !== 'vergence') throw new InvalidInput(`synth: --schema must be legacy or vergence, got ${schema}`);
  const folders = format === 'openeds' ? writeOpenEds(out, ds) : writeAriaRecording(out, ds, { schema });
  return { format, out, images: ds.n, folders };
}

if (require.main === module) {
  try {
    const r = runSynthCli(process.argv.slice(2));
    console.log(
      `wrote ${r.images} images as ${r.format} under ${r.out} (${r.folders.length} ${r.format === 'openeds' ? 'sequences' : 'recordings'})`,
    );
  } catch (e) {
    console.error(String((e as Error).message ?? e));
    process.exit(2);
  }
}
