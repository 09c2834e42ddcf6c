/**
 * The paper's headline numbers (from the authors' saved notebook outputs in their code release for arXiv 2301.01947) and the
 * paper-vs-ours table figure.
 */
import { table } from '../viz';
import type { TableFigure } from '../viz/types';
import type { TargetSummary } from './records';

export const PAPER = {
  catsVsDogs: { bestStitched: 0.952, bestOriginal: 0.849, originals: [0.849, 0.846, 0.812, 0.779, 0.7], stitchingImages: 32 },
  beans: { bestStitched: 0.844, bestOriginal: 0.789 },
  food5: { bestStitched: 0.846, bestOriginal: 0.808 },
};

/** Paper vs ours: the paper's cats-vs-dogs headline beside our per-target means (summarise() at 256 stitching images). */
export function paperVsOurs(rows: TargetSummary[]): TableFigure {
  const p = PAPER.catsVsDogs;
  const f = (x: number) => Number(x.toFixed(3));
  const cols = [
    { key: 'what', label: 'quantity' },
    { key: 'paper', label: 'paper (cats vs dogs)' },
    { key: 'ours', label: 'ours (mean over targets)' },
    ...rows.map((r) => ({ key: r.target, label: `ours: ${r.target} (${r.stitchImages} images, ${r.seeds.length} seeds)` })),
  ];
  const line = (what: string, paper: string | number, get: (r: TargetSummary) => string | number) => {
    const vals = rows.map(get);
    const ours = vals.every((v) => typeof v === 'number')
      ? f((vals as number[]).reduce((a, b) => a + b, 0) / vals.length)
      : `${vals.filter((v) => String(v).startsWith('pass')).length}/${vals.length} pass`;
    return { what, paper, ours, ...Object.fromEntries(rows.map((r, i) => [r.target, vals[i]!])) };
  };
  return table({
    title: 'StitchNet: paper vs ours',
    caption:
      `Paper (arXiv 2301.01947, authors' saved outputs): ImageNet torchvision zoo → cats vs dogs, ${p.stitchingImages} stitching images, label-mapping head; ` +
      'its fine-tuning baseline trains the last layer of each original (0.97 for resnet50 after 320 samples). Ours: 12-network zoo → declared sub-task targets, ' +
      'k-NN (k = 5) head for stitched and original networks, every choice on validation images, test accuracy means over seeds. MACs count everything each method computes.',
    columns: cols,
    rows: [
      line('stitched network (chosen on validation)', p.bestStitched, (r) => f(r.stitched)),
      line('best original, refit head (chosen on validation)', p.bestOriginal, (r) => f(r.bestOriginal)),
      line('stitched − best original (points)', f((p.bestStitched - p.bestOriginal) * 100), (r) => f((r.stitched - r.bestOriginal) * 100)),
      line("search's own top-CKA network", '—', (r) => f(r.ckaTop)),
      line('fine-tuned best original', '0.97 (320 samples, last layer)', (r) => f(r.finetune)),
      line('trained from scratch', '—', (r) => f(r.scratch)),
      line('raw-pixel k-NN', '—', (r) => f(r.pixelKnn)),
      line('compute: cheaper of fine-tune/scratch ÷ stitching', 'claimed ≫ 1 (no gradient steps)', (r) => f(r.computeRatio)),
      line('Spearman(CKA score, validation accuracy)', 'plotted, not quantified', (r) => f(r.spearman)),
      line('declared gate (±2 points of best trained, ≤ 1/10 compute, > pixel k-NN)', '—', (r) =>
        r.gate.pass
          ? 'pass: effect appears'
          : `fail (${[!r.gate.withinTwoPoints && 'accuracy', !r.gate.tenthCompute && 'compute', !r.gate.beatsPixelKnn && 'pixel k-NN'].filter(Boolean).join(', ')})`,
      ),
    ],
  });
}
