/**
 * Run the StitchNet sub-task study grid and ship its records (kernel/stitch/zoo/study-records.json), resumably:
 * finished cells are kept, so an interrupted run continues where it stopped.
 *   nice -n 10 npx tsx scripts/stitch/run-study.ts [--grid main|gate64|sweep|variants|all] [--targets tops3,digits358]
 * main: the declared gate cells (256 images, seeds 0-2, every target, all baselines); gate64: the same at 64 images;
 * sweep: 32, 128, 512, 1024 images, seed 0; variants: the authors' every-third cuts and SGD refinement at 256, seed 0.
 */
import { init } from '../../kernel/core/backend';
import { loadZoo } from '../../kernel/stitch/zoo';
import { TARGETS, targetSplit, maxStitchImages } from '../../kernel/stitch/targets';
import { runGrid, recordsPath, type GridCell } from '../../kernel/stitch/records';

const arg = (k: string): string | undefined => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

export function grid(name: string, targets: string[]): GridCell[] {
  const cells: GridCell[] = [];
  const add = (sizes: number[], seeds: number[], variant: GridCell['variant'], baselines = true) => {
    for (const target of targets) {
      const max = maxStitchImages(targetSplit(target));
      for (const stitchImages of sizes)
        for (const seed of seeds) cells.push({ target, stitchImages: Math.min(stitchImages, max), seed, variant, baselines });
    }
  };
  if (name === 'main' || name === 'all') add([256], [0, 1, 2], 'every');
  if (name === 'gate64' || name === 'all') add([64], [0, 1, 2], 'every');
  if (name === 'sweep' || name === 'all') add([32, 128, 512, 1024], [0], 'every');
  if (name === 'variants' || name === 'all') {
    add([256], [0], 'authors-cuts', false);
    add([256], [0], 'refine', false);
  }
  return cells;
}

async function main(): Promise<void> {
  await init({ backend: 'wasm', verbose: false });
  const targets = arg('--targets')?.split(',') ?? TARGETS.map((t) => t.name);
  const cells = grid(arg('--grid') ?? 'main', targets);
  const nets = await loadZoo();
  try {
    await runGrid(cells, { path: arg('--out') ?? recordsPath(), nets, log: (s) => console.log(new Date().toISOString().slice(11, 19), s) });
  } finally {
    nets.forEach((n) => n.model.dispose());
  }
}
if (require.main === module) void main();
