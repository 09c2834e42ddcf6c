/**
 * Figures of the DFT Gaze models (payloads from kernel/viz; show with `show()`):
 *   paramTable()                    parameter counts, paper vs ours (3- and 1-channel input)
 *   trainingCurves(logs, title)     loss curves of training stages (KD parts img / f3 / f4 as separate traces)
 *   errorTable(rows)                generalized / personalized errors, teacher vs student, both protocols
 *   personalizationScatter(study)   per-user error before vs after personalization (points below the diagonal improved)
 *   gazeScatter(example)            predicted vs true gaze of one user before/after personalization
 *   latencyTable(lat)               batch-1 wasm latency and MACs
 *   paperVsOursTable(rows)          the closing table
 */
import { series, table } from '../viz';
import type { SeriesFigure, TableFigure } from '../viz/types';
import { InvalidInput } from '../core/errors';
import { countParams, macs, studentSpec, teacherSpec } from './model';
import type { TrainLogEntry } from './types';
import type { PersonalizationStudy } from './evaluate';

/** Integer with thousands separators (tables round plain numbers to a few significant digits). */
const fmtInt = (n: number) => n.toLocaleString('en-US');

/** Parameter counts of both nets (the paper's 3-channel numbers are reproduced exactly). */
export function paramTable(): TableFigure {
  const row = (name: string, paper: string, spec: ReturnType<typeof teacherSpec>) => ({
    model: name,
    paper,
    total: fmtInt(countParams(spec)),
    tunable: fmtInt(countParams(spec, 'tunable')),
    stage4: fmtInt(countParams(spec, 'stage4-adapters')),
    inCh: spec.inCh,
  });
  return table({
    title: 'Parameters: paper vs this implementation',
    caption:
      'Teacher = ConvNeXt V2-Atto (dims 40-80-160-320, depths 2-2-6-2) with an adapter in every block; student = same topology, stage 1 inherited, stages 2–4 at ¼ width (40-20-40-80). Tunable = adapters + final LayerNorm + 2-output head. The 3-channel counts match the paper to the digit; training here uses 1-channel (grayscale) input.',
    columns: [
      { key: 'model', label: 'model', format: 'text' },
      { key: 'inCh', label: 'input ch', format: 'int' },
      { key: 'paper', label: 'paper (total / tunable)', format: 'text' },
      { key: 'total', label: 'ours total', format: 'text' },
      { key: 'tunable', label: 'ours tunable', format: 'text' },
      { key: 'stage4', label: 'stage-4 adapters (personalized)', format: 'text' },
    ],
    rows: [
      row('teacher', '3.6M / 191.7K', teacherSpec(3)),
      row('student (DFT Gaze)', '281K / 14.43K', studentSpec(3)),
      row('teacher', '—', teacherSpec(1)),
      row('student (DFT Gaze)', '—', studentSpec(1)),
    ],
  });
}

/**
 * Loss curves against the training step: one trace per stage (or per named loss part when `parts` is set). `logs` maps
 * a stage name to its loss log (e.g. runPipeline's result or shippedJson('logs.json')).
 * @throws InvalidInput when every log is empty.
 */
export function trainingCurves(
  logs: Record<string, TrainLogEntry[]>,
  opts: {
    /** Figure title (default 'Training loss'). */
    title?: string;
    /** One trace per named loss part (e.g. distillation's img / f3 / f4) instead of the total (default false). */
    parts?: boolean;
    /** Logarithmic loss axis (default false). */
    logY?: boolean;
  } = {},
): SeriesFigure {
  const traces: { name: string; x: number[]; y: number[] }[] = [];
  for (const [name, log] of Object.entries(logs)) {
    if (!log.length) continue;
    if (opts.parts && log[0]!.parts) {
      for (const k of Object.keys(log[0]!.parts))
        traces.push({ name: `${name}: ${k}`, x: log.map((e) => e.step), y: log.map((e) => e.parts![k] ?? NaN) });
    } else traces.push({ name, x: log.map((e) => e.step), y: log.map((e) => e.loss) });
  }
  if (!traces.length) throw new InvalidInput('trainingCurves: no non-empty logs');
  return series({ title: opts.title ?? 'Training loss', series: traces, xLabel: 'step', yLabel: 'loss', logY: opts.logY });
}

export interface ErrorRow {
  model: string;
  protocol: string;
  setting: string;
  ours: number;
  paper?: number | null;
}

/**
 * Mean angular errors (degrees) as a table: one row per (model, protocol, setting), ours on the synthetic world beside
 * the paper's number on real data (arXiv 2411.04335, Tables 1–2) where given.
 */
export function errorTable(rows: ErrorRow[], title = 'Mean angular error (°)'): TableFigure {
  return table({
    title,
    columns: [
      { key: 'model', label: 'model', format: 'text' },
      { key: 'protocol', label: 'protocol', format: 'text' },
      { key: 'setting', label: 'setting', format: 'text' },
      { key: 'ours', label: 'ours (synthetic)', unit: '°', format: 'fixed2' },
      { key: 'paper', label: 'paper (real data)', unit: '°', format: 'fixed2' },
    ],
    rows: rows.map((r) => ({ ...r, paper: r.paper ?? null })),
  });
}

/** Per-user mean error before (x) vs after (y) personalization; the diagonal marks "no change". */
export function personalizationScatter(
  study: PersonalizationStudy,
  title = 'Per-user error before vs after personalization',
): SeriesFigure {
  const b = study.users.map((u) => u.before),
    a = study.users.map((u) => u.after);
  const hi = Math.max(...b, ...a) * 1.05;
  const s: { name: string; x: number[]; y: number[]; mode: 'markers' | 'lines'; dash?: 'dash' }[] = [
    { name: 'users', x: b, y: a, mode: 'markers' },
    { name: 'no change', x: [0, hi], y: [0, hi], mode: 'lines', dash: 'dash' },
  ];
  if (study.users.every((u) => u.shuffled !== undefined))
    s.splice(1, 0, { name: 'shuffled calibration labels', x: b, y: study.users.map((u) => u.shuffled!), mode: 'markers' });
  return series({
    title,
    series: s,
    xLabel: 'error before (°)',
    yLabel: 'error after (°)',
    marks: [
      { x: study.medianBefore, y: study.medianAfter, label: `median ${study.medianBefore.toFixed(2)}° → ${study.medianAfter.toFixed(2)}°` },
    ],
  });
}

/** Predicted vs true gaze (degrees) of one user's held-out frames. */
export function gazeScatter(ex: NonNullable<PersonalizationStudy['example']>): SeriesFigure {
  const d = (a: Float32Array, k: number) => Array.from({ length: a.length / 2 }, (_, i) => (a[2 * i + k]! * 180) / Math.PI);
  return series({
    title: `User ${ex.userId}: gaze (yaw, pitch) true vs predicted`,
    series: [
      { name: 'true', x: d(ex.truth, 0), y: d(ex.truth, 1), mode: 'markers' },
      { name: 'before', x: d(ex.before, 0), y: d(ex.before, 1), mode: 'markers' },
      { name: 'after personalization', x: d(ex.after, 0), y: d(ex.after, 1), mode: 'markers' },
    ],
    xLabel: 'yaw (°)',
    yLabel: 'pitch (°)',
  });
}

/**
 * Batch-1 latency (ms, tfjs wasm, one thread) and multiply-adds (millions, 1-channel input) per model and input size.
 * Keys of `lat` are `<kind>_<H>x<W>` (e.g. 'student_32x64'), values median milliseconds (latencyMs).
 */
export function latencyTable(lat: Record<string, number>): TableFigure {
  const rows = Object.entries(lat).map(([k, ms]) => {
    const [kind, size] = k.split('_') as [string, string];
    const [h, w] = size.split('x').map(Number) as [number, number];
    return { model: kind, size, ms, mmacs: macs(kind === 'teacher' ? teacherSpec(1) : studentSpec(1), h, w) / 1e6 };
  });
  return table({
    title: 'Batch-1 latency, tfjs wasm (1 thread)',
    columns: [
      { key: 'model', label: 'model', format: 'text' },
      { key: 'size', label: 'H×W', format: 'text' },
      { key: 'ms', label: 'median latency', unit: 'ms', format: 'fixed1' },
      { key: 'mmacs', label: 'MACs', unit: 'M', format: 'fixed1' },
    ],
    rows,
  });
}

export interface PaperRow {
  metric: string;
  paper: string;
  ours: string;
  note?: string;
}

/** The closing paper-vs-ours table: one row per metric, the paper's value and ours as text, with an optional note. */
export function paperVsOursTable(rows: PaperRow[]): TableFigure {
  return table({
    title: 'DFT Gaze: paper vs ours',
    columns: [
      { key: 'metric', label: 'metric', format: 'text' },
      { key: 'paper', label: 'paper', format: 'text' },
      { key: 'ours', label: 'ours', format: 'text' },
      { key: 'note', label: 'note', format: 'text' },
    ],
    rows: rows.map((r) => ({ ...r, note: r.note ?? '' })),
  });
}
