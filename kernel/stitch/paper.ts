/**
 * The paper's headline numbers (from the authors' saved notebook outputs in their code release for arXiv 2301.01947) and the
 * paper-vs-ours table figure.
 */
import { table } from '../viz';
import type { TableFigure } from '../viz/types';

export const PAPER = {
  catsVsDogs: { bestStitched: 0.952, bestOriginal: 0.849, originals: [0.849, 0.846, 0.812, 0.779, 0.7], stitchingImages: 32 },
  beans: { bestStitched: 0.844, bestOriginal: 0.789 },
  food5: { bestStitched: 0.846, bestOriginal: 0.808 },
};

export interface OursSummary {
  bestStitched: number;
  bestStitchedSources: number;
  bestOriginal: number;
  meanOriginal: number;
  spearman: number;
  scratch?: number;
  generated: number;
  stitchingImages: number;
  testImages: number;
}

export function paperVsOurs(o: OursSummary): TableFigure {
  const p = PAPER.catsVsDogs;
  const mean = p.originals.reduce((a, b) => a + b, 0) / p.originals.length;
  const f = (x: number) => Number(x.toFixed(3));
  return table({
    title: 'StitchNet: paper vs ours',
    caption:
      `Paper: ImageNet torchvision zoo → cats vs dogs (label-mapping head), ${p.stitchingImages} stitching images. Ours: 5 small CNNs trained on Fashion-MNIST → MNIST, ` +
      `${o.stitchingImages} labelled stitching images, same k-NN (k = 5) head for every network, ${o.testImages} MNIST test images; ${o.generated} generated networks. No gradient step in either.`,
    columns: [
      { key: 'what', label: 'quantity' },
      { key: 'paper', label: 'paper (cats vs dogs)' },
      { key: 'ours', label: 'ours (F-MNIST → MNIST)' },
    ],
    rows: [
      { what: 'best stitched network', paper: p.bestStitched, ours: f(o.bestStitched) },
      { what: 'sources in best stitched', paper: 2, ours: o.bestStitchedSources },
      { what: 'best original network', paper: p.bestOriginal, ours: f(o.bestOriginal) },
      { what: 'mean of originals', paper: f(mean), ours: f(o.meanOriginal) },
      {
        what: 'best stitched − best original (points)',
        paper: f((p.bestStitched - p.bestOriginal) * 100),
        ours: f((o.bestStitched - o.bestOriginal) * 100),
      },
      { what: 'Spearman(CKA score, accuracy)', paper: 'plotted, not quantified', ours: f(o.spearman) },
      ...(o.scratch !== undefined ? [{ what: 'trained from scratch on the stitching set', paper: '—', ours: f(o.scratch) }] : []),
    ],
  });
}
