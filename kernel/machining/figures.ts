/**
 * Figures of the DeepMachining tutorial, as typed payloads (kernel/viz): signals of one cut (time and spectrum), wear
 * and diameter error along a tool life, the pretraining curve, the arms table, predicted vs measured, and the
 * paper-vs-ours table (arXiv 2403.16451; its result tables were not retrievable, so only its stated model facts are
 * compared).
 */
import { series, table } from '../viz/builders';
import type { SeriesFigure, TableFigure } from '../viz/types';
import { InvalidInput } from '../core/errors';
import { rfftMag, LABEL_SCALE } from './data';
import { CHANNELS, type Cut, type Workpiece } from './types';
import type { Arm, StudyResult } from './experiment';

export const ARM_LABELS: Record<Arm, string> = {
  finetuned: 'pretrained + two-shot adapters (DeepMachining)',
  zeroshot: 'pretrained, zero-shot',
  finetune_all: 'pretrained + fine-tune all weights',
  scratch: 'same network from scratch',
  ridge: 'ridge on hand features',
  svr: 'ε-SVR (RBF) on hand features',
  cnn1d: '1D-CNN on raw windows',
  cnn2d: '2D-CNN on log-spectrograms',
  mean: 'mean of the fine-tuning labels',
};

/** Time signals of one cut: the chosen channels over the first `seconds` s. */
export function signalsFigure(
  cut: Cut,
  fs: number,
  o: {
    /** Channel indices into CHANNELS, each in [0, 9) (default [0, 1]). */
    channels?: number[];
    /** Length shown from the start of the cut, in seconds (default 0.25 s; capped at the cut's length). */
    seconds?: number;
    /** Figure title (default 'One cut: sensor signals'). */
    title?: string;
  } = {},
): SeriesFigure {
  const chans = o.channels ?? [0, 1];
  const n = Math.min(cut.length, Math.round((o.seconds ?? 0.25) * fs));
  for (const c of chans) if (!(c >= 0 && c < 9)) throw new InvalidInput(`channel ${c} out of range [0, 9)`);
  const x = Array.from({ length: n }, (_, i) => i / fs);
  return series({
    title: o.title ?? 'One cut: sensor signals',
    xLabel: 's',
    yLabel: 'signal',
    series: chans.map((c) => ({ name: CHANNELS[c]!, x, y: Array.from(cut.data.subarray(c * cut.length, c * cut.length + n)) })),
  });
}

/** Amplitude spectrum (|rfft|, norm = forward) of one channel of a cut, over its first power-of-two samples. */
export function spectrumFigure(
  cut: Cut,
  fs: number,
  o: {
    /** Channel index into CHANNELS (default 1). */
    channel?: number;
    /** Figure title (default 'Spectrum of <channel name>'). */
    title?: string;
    /** Labelled markers at frequencies in Hz (default none). */
    marks?: { hz: number; label: string }[];
  } = {},
): SeriesFigure {
  const c = o.channel ?? 1;
  let N = 1;
  while (N * 2 <= cut.length) N *= 2;
  const m = rfftMag(cut.data.subarray(c * cut.length, c * cut.length + N));
  const x = Array.from(m, (_, k) => (k * fs) / N);
  const y = Array.from(m);
  return series({
    title: o.title ?? `Spectrum of ${CHANNELS[c]}`,
    xLabel: 'Hz',
    yLabel: '|X(f)|',
    logY: true,
    series: [{ name: CHANNELS[c]!, x: x.slice(1), y: y.slice(1).map((v) => Math.max(v, 1e-9)) }],
    marks: o.marks?.map((mk) => ({ x: mk.hz, y: Math.max(...y.slice(1)), label: mk.label })),
  });
}

/** Flank wear and measured diameter error (mean over stations) along a tool life. */
export function wearFigure(life: readonly Workpiece[], title = 'Tool life: flank wear and diameter error'): SeriesFigure {
  const k = life.map((w) => w.index);
  return series({
    title,
    xLabel: 'workpiece along the tool life',
    yLabel: 'diameter error, µm',
    y2Label: 'VB, mm',
    series: [
      {
        name: 'measured error (mean of stations)',
        x: k,
        y: life.map((w) => (w.errorMeasuredMm.reduce((a, b) => a + b, 0) / w.errorMeasuredMm.length) * 1000),
        mode: 'lines+markers',
      },
      { name: 'flank wear VB', x: k, y: life.map((w) => w.vbMm), axis: 'y2', dash: 'dash' },
    ],
  });
}

/** A training-loss curve (Huber, label units). */
export function curveFigure(losses: readonly number[], title = 'Pretraining loss'): SeriesFigure {
  if (!losses.length) throw new InvalidInput('curveFigure needs at least one loss value');
  const w = Math.max(1, Math.round(losses.length / 30));
  const smooth = losses.map((_, i) => {
    const s = losses.slice(Math.max(0, i - w + 1), i + 1);
    return s.reduce((a, b) => a + b, 0) / s.length;
  });
  return series({
    title,
    xLabel: 'step',
    yLabel: 'Huber loss (10 µm units)',
    series: [
      { name: 'per step', y: [...losses] },
      { name: `moving mean (${w})`, y: smooth },
    ],
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};

/** Every arm over seeds: Run B MAE (mean ± sd), RMSE, CORR, Run A MAE. */
export function armsTable(
  runs: readonly Pick<StudyResult, 'runA' | 'runB'>[],
  title = 'Two-shot transfer to a held-out task (µm)',
): TableFigure {
  if (!runs.length) throw new InvalidInput('armsTable needs at least one run');
  const arms = Object.keys(runs[0]!.runB.metrics) as Arm[];
  return table({
    title,
    caption: `${runs.length} seed(s); Run B = workpieces 2–11 after the two shots, Run A = workpieces 30–39 (far later in tool life)`,
    columns: [
      { key: 'arm', label: 'method' },
      { key: 'mae', label: 'MAE B', unit: 'µm', format: 'fixed2' },
      { key: 'sd', label: '± sd', format: 'fixed2' },
      { key: 'rmse', label: 'RMSE B', unit: 'µm', format: 'fixed2' },
      { key: 'corr', label: 'CORR B', format: 'fixed2' },
      { key: 'maeA', label: 'MAE A', unit: 'µm', format: 'fixed2' },
    ],
    rows: arms.map((a) => {
      const b = runs.map((r) => r.runB.metrics[a]!);
      return {
        arm: ARM_LABELS[a],
        mae: mean(b.map((m) => m.mae)),
        sd: sd(b.map((m) => m.mae)),
        rmse: mean(b.map((m) => m.rmse)),
        corr: mean(b.map((m) => m.corr)),
        maeA: mean(runs.map((r) => r.runA.metrics[a]!.mae)),
      };
    }),
    highlightRows: [arms.indexOf('finetuned')].filter((i) => i >= 0),
  });
}

/** Predicted vs measured diameter error (µm) at the test stations, per arm. */
export function scatterFigure(
  run: Pick<StudyResult['runB'], 'y' | 'pred'>,
  arms: Arm[] = ['finetuned', 'zeroshot', 'ridge'],
  title = 'Predicted vs measured error at the stations',
): SeriesFigure {
  const um = (v: number) => (v / LABEL_SCALE) * 1000;
  const y = run.y.map(um);
  const lo = Math.min(...y),
    hi = Math.max(...y);
  return series({
    title,
    xLabel: 'measured, µm',
    yLabel: 'predicted, µm',
    series: [
      ...arms.filter((a) => run.pred[a]).map((a) => ({ name: ARM_LABELS[a], x: y, y: run.pred[a]!.map(um), mode: 'markers' as const })),
      { name: 'ideal', x: [lo, hi], y: [lo, hi], dash: 'dash' as const },
    ],
  });
}

/** The paper's stated facts next to ours. `params` / `paperParams`: countParams of the adapter models (totals include the adapters). */
export function paperVsOurs(o: {
  params: { total: number; adapters: number; fineTuned: number };
  paperParams: { total: number; adapters: number; fineTuned: number };
  /** Our two-shot fine-tuned MAE in µm (default none: shown as —). */
  maeFinetunedUm?: number;
  /** Our relative MAE gain of two-shot fine-tuning over scratch, as a fraction (0.25 = 25 %; default none: shown as —). */
  gainVsScratch?: number;
  /** Our relative MAE gain of two-shot fine-tuning over zero-shot, as a fraction (default none: shown as —). */
  gainVsZeroshot?: number;
  /** Label of our best arm (default none: shown as —). */
  bestArm?: string;
  /** The config our numbers come from (default 'ci-micro'). */
  config?: string;
}): TableFigure {
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
  return table({
    title: 'DeepMachining (arXiv 2403.16451): paper vs ours',
    caption: `The paper's result tables (RMSE/MAE/CORR per dataset and baseline) could not be retrieved; its factory data are not public. Ours: synthetic lathe, ${o.config ?? 'ci-micro'} config.`,
    columns: [
      { key: 'what', label: '' },
      { key: 'paper', label: 'paper / official code' },
      { key: 'ours', label: 'ours' },
    ],
    rows: [
      {
        what: 'parameters (f = 24)',
        paper: '≈260k (code: 256,960)',
        ours: `${(o.paperParams.total - o.paperParams.adapters).toLocaleString('en')} + ${o.paperParams.adapters.toLocaleString('en')} adapters (built, counted)`,
      },
      {
        what: 'trainable in two-shot mode',
        paper: '≈6.5 %',
        ours: `${o.paperParams.fineTuned.toLocaleString('en')} = ${pct(o.paperParams.fineTuned, o.paperParams.total)} (adapters ${pct(o.paperParams.adapters, o.paperParams.total)})`,
      },
      {
        what: 'trained config here',
        paper: 'f = 24, 1-s windows at 10,240 Hz',
        ours: `f = 4, 128 samples at 2,048 Hz (${o.params.total.toLocaleString('en')} params with adapters)`,
      },
      { what: 'data', paper: 'factory lathe, 2 tasks, 2 shots each', ours: 'physics-based synthetic lathe, held-out task, 2 shots' },
      { what: 'two-shot MAE', paper: 'not retrieved', ours: o.maeFinetunedUm === undefined ? '—' : `${o.maeFinetunedUm.toFixed(2)} µm` },
      { what: 'gain vs scratch (MAE)', paper: 'not retrieved', ours: o.gainVsScratch === undefined ? '—' : pct(o.gainVsScratch, 1) },
      { what: 'gain vs zero-shot (MAE)', paper: 'not retrieved', ours: o.gainVsZeroshot === undefined ? '—' : pct(o.gainVsZeroshot, 1) },
      { what: 'best method here', paper: 'DeepMachining (vs SVR, 1D-CNN, 2D-CNN)', ours: o.bestArm ?? '—' },
    ],
  });
}
