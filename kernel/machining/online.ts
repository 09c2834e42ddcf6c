/**
 * Online prediction (arXiv 2403.16451: "online prediction of machining errors"): raw sensor windows stream in, each is
 * normalised with the frozen pretraining statistics, its accelerometer spectra are taken, and the model predicts the
 * diameter error at the window centre. One prediction per window, with its wall-clock latency.
 *
 *   for await (const p of machining.online(model, norm, windows)) console.log(p.errorUm, p.latencyMs)
 *
 * Sensor windows can come from `parseSensorCsv` (documented CSV columns, one row per sample).
 */
import * as tf from '@tensorflow/tfjs';
import { FormatError, InvalidInput, throwIfAborted } from '../core/errors';
import { forward, type DeepMachiningModel } from './model';
import { LABEL_SCALE, rfftMag, type NormStats } from './data';
import { ACCEL_CHANNELS, CHANNELS, RPM_CHANNELS, SIGNAL_CHANNELS, type Workpiece } from './types';

/** One raw sensor window: per cut a channel-major [8, seq] array (channel order of CHANNELS, without the label). */
export interface SensorWindow {
  id?: string | number;
  cuts: Float32Array[];
}

export interface OnlinePrediction {
  id?: string | number;
  /** Predicted diameter error, µm. */
  errorUm: number;
  /** Wall time from receiving the window to the prediction (normalise + FFT + forward), ms. */
  latencyMs: number;
}

/** Model inputs for one raw window (batch 1). The caller owns the tensors. */
export function sensorWindowInputs(w: SensorWindow, norm: NormStats, seq: number, cuts: number) {
  if (w.cuts.length !== cuts) throw new InvalidInput(`window ${w.id ?? ''} has ${w.cuts.length} cuts; the model expects ${cuts}`);
  const C = SIGNAL_CHANNELS,
    H = seq / 2 + 1;
  const time = new Float32Array(cuts * seq * C),
    freq = new Float32Array(cuts * H * 2),
    buf = new Float64Array(seq);
  w.cuts.forEach((raw, k) => {
    if (raw.length !== C * seq)
      throw new InvalidInput(`window ${w.id ?? ''} cut ${k}: expected ${C}×${seq} = ${C * seq} values, got ${raw.length}`);
    for (let c = 0; c < C; c++)
      for (let t = 0; t < seq; t++) {
        const v = raw[c * seq + t]!;
        time[(k * seq + t) * C + c] = RPM_CHANNELS.includes(c)
          ? ((v - norm.a[c]!) / (norm.b[c]! - norm.a[c]!)) * 4 - 2
          : (v - norm.a[c]!) / norm.b[c]!;
      }
    ACCEL_CHANNELS.forEach((c, j) => {
      for (let t = 0; t < seq; t++) buf[t] = time[(k * seq + t) * C + c]!;
      const m = rfftMag(buf);
      for (let h = 0; h < H; h++) freq[(k * H + h) * 2 + j] = m[h]!;
    });
  });
  return {
    time: tf.tensor4d(time, [1, cuts, seq, C]),
    freq: tf.tensor4d(freq, [1, cuts, H, 2]),
    cut: tf.tensor2d(
      Array.from({ length: cuts }, (_, i) => Math.min(i, 1)),
      [1, cuts],
      'int32',
    ),
  };
}

/** Predict one window (µm) and its latency. Leaves no tensors. */
export function predictWindow(model: DeepMachiningModel, norm: NormStats, w: SensorWindow): OnlinePrediction {
  const t0 = performance.now();
  const inp = sensorWindowInputs(w, norm, model.config.seq, model.config.cuts);
  const y = tf.tidy(() => forward(model, inp));
  const v = y.dataSync()[0]!;
  tf.dispose([y, inp.time, inp.freq, inp.cut]);
  return { id: w.id, errorUm: (v / LABEL_SCALE) * 1000, latencyMs: performance.now() - t0 };
}

/** Stream predictions: one per incoming window, in order. */
export async function* online(
  model: DeepMachiningModel,
  norm: NormStats,
  windows: AsyncIterable<SensorWindow> | Iterable<SensorWindow>,
  options: {
    /** Stops the stream before the next window (default none). */
    signal?: AbortSignal;
  } = {},
): AsyncGenerator<OnlinePrediction> {
  for await (const w of windows) {
    throwIfAborted(options.signal);
    yield predictWindow(model, norm, w);
  }
}

/** CSV header of a sensor stream: one row per sample; windows are complete when they hold `cuts × seq` rows. */
export const SENSOR_CSV_COLUMNS = ['window', 'cut', ...CHANNELS.slice(0, SIGNAL_CHANNELS)] as const;

/**
 * Parse a sensor CSV stream (header SENSOR_CSV_COLUMNS; rows ordered by window, then cut, then time) into windows.
 * Lines are read lazily, so a file or stdin can be streamed. Malformed lines → FormatError naming the line number.
 */
export async function* parseSensorCsv(
  lines: AsyncIterable<string> | Iterable<string>,
  seq: number,
  cuts: number,
): AsyncGenerator<SensorWindow> {
  let lineNo = 0,
    header = false;
  let cur: { id: string; rows: number[][][] } | null = null;
  const flush = (): SensorWindow => {
    const c = cur!;
    const out = c.rows.map((rows, k) => {
      if (rows.length !== seq) throw new FormatError(`window ${c.id} cut ${k}: ${rows.length} rows, expected ${seq} (line ${lineNo})`);
      const a = new Float32Array(SIGNAL_CHANNELS * seq);
      rows.forEach((r, t) =>
        r.forEach((v, ch) => {
          a[ch * seq + t] = v;
        }),
      );
      return a;
    });
    return { id: c.id, cuts: out };
  };
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (!line) continue;
    const f = line.split(',').map((s) => s.trim());
    if (!header) {
      if (f.join(',') !== SENSOR_CSV_COLUMNS.join(','))
        throw new FormatError(`line ${lineNo}: header must be ${SENSOR_CSV_COLUMNS.join(',')}, got ${line.slice(0, 120)}`);
      header = true;
      continue;
    }
    if (f.length !== SENSOR_CSV_COLUMNS.length)
      throw new FormatError(`line ${lineNo}: expected ${SENSOR_CSV_COLUMNS.length} fields, got ${f.length}`);
    const cut = Number(f[1]);
    if (!Number.isInteger(cut) || cut < 0 || cut >= cuts)
      throw new FormatError(`line ${lineNo}: cut must be an integer in [0, ${cuts}), got ${f[1]}`);
    const vals = f.slice(2).map(Number);
    const bad = vals.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new FormatError(`line ${lineNo}: ${SENSOR_CSV_COLUMNS[bad + 2]} is not a finite number (${f[bad + 2]})`);
    if (cur && cur.id !== f[0]) {
      yield flush();
      cur = null;
    }
    if (!cur) cur = { id: f[0]!, rows: Array.from({ length: cuts }, () => []) };
    cur.rows[cut]!.push(vals);
  }
  if (cur) yield flush();
}

/** CSV lines (header first) of `windows` evenly spaced windows of one workpiece: the format parseSensorCsv reads. */
export function* toSensorCsv(w: Workpiece, seq: number, windows: number): Generator<string> {
  yield SENSOR_CSV_COLUMNS.join(',');
  const L = Math.min(...w.cuts.map((c) => c.length));
  if (L < seq) throw new InvalidInput(`cuts of ${L} samples are shorter than the window (${seq})`);
  for (let n = 0; n < windows; n++) {
    const start = Math.floor(((L - seq) * n) / Math.max(1, windows - 1));
    for (let k = 0; k < w.cuts.length; k++) {
      const c = w.cuts[k]!;
      for (let t = 0; t < seq; t++) {
        const row = [n, k];
        for (let ch = 0; ch < SIGNAL_CHANNELS; ch++) row.push(c.data[ch * c.length + start + t]!);
        yield row.join(',');
      }
    }
  }
}
