/**
 * Run the StitchNet sub-task study grid and ship its records (kernel/stitch/zoo/study-records.json), resumably:
 * finished cells are kept, so an interrupted run continues where it stopped.
 *   nice -n 10 npx tsx scripts/stitch/run-study.ts [--grid main|gate64|sweep|variants|all] [--targets tops3,digits358]
 *     [--seeds 0,1,2] [--sizes 32,128] [--variants refine] [--out records.json]
 * main: the declared gate cells (256 images, seeds 0-2, every target, all baselines); gate64: the same at 64 images;
 * sweep: 32, 128, 512, 1024 images, seeds 0-2; variants: the authors' every-third cuts and SGD refinement at 256, seed 0.
 * --seeds / --sizes / --variants keep only those cells of the grid. Cells run seed by seed, smallest stitching set first, so a run
 * stopped early has whole curves for the seeds it finished. --out writes elsewhere (e.g. one file per parallel run;
 * merge them with scripts/stitch/merge-records.ts).
 */
import { init } from '../../kernel/core/backend';
import { loadZoo } from '../../kernel/stitch/zoo';
import { TARGETS, targetSplit, maxStitchImages } from '../../kernel/stitch/targets';
import { runGrid, recordsPath, type GridCell } from '../../kernel/stitch/records';

const arg = (k: string): string | undefined => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

export function grid(name: string, targets: string[], only: { seeds?: number[]; sizes?: number[] } = {}): GridCell[] {
  const cells: GridCell[] = [];
  const add = (sizes: number[], seeds: number[], variant: GridCell['variant'], baselines = true) => {
    for (const target of targets) {
      const max = maxStitchImages(targetSplit(target));
      for (const stitchImages of sizes.filter((n) => !only.sizes || only.sizes.includes(n)))
        for (const seed of seeds.filter((k) => !only.seeds || only.seeds.includes(k)))
          cells.push({ target, stitchImages: Math.min(stitchImages, max), seed, variant, baselines });
    }
  };
  if (name === 'main' || name === 'all') add([256], [0, 1, 2], 'every');
  if (name === 'gate64' || name === 'all') add([64], [0, 1, 2], 'every');
  if (name === 'sweep' || name === 'all') add([32, 128, 512, 1024], [0, 1, 2], 'every');
  if (name === 'variants' || name === 'all') {
    add([256], [0], 'authors-cuts', false);
    add([256], [0], 'refine', false);
  }
  return cells;
}

async function main(): Promise<void> {
  await init({ backend: 'wasm', verbose: false });
  const targets = arg('--targets')?.split(',') ?? TARGETS.map((t) => t.name);
  const seeds = arg('--seeds')?.split(',').map(Number),
    sizes = arg('--sizes')?.split(',').map(Number);
  const variants = arg('--variants')?.split(',');
  const cells = grid(arg('--grid') ?? 'main', targets, { seeds, sizes })
    .filter((c) => !variants || variants.includes(c.variant))
    .sort((a, b) => a.seed - b.seed || a.stitchImages - b.stitchImages);
  const nets = await loadZoo();
  try {
    await runGrid(cells, { path: arg('--out') ?? recordsPath(), nets, log: (s) => console.log(new Date().toISOString().slice(11, 19), s) });
  } finally {
    nets.forEach((n) => n.model.dispose());
  }
}
if (require.main === module) void main();
