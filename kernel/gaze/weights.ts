/**
 * Gaze model weights on disk: safetensors (gzip-compressed when the name ends in .gz).
 *   - 'f32': every tensor float32 (checkpoints; exact round trip);
 *   - 'int8': weight matrices/kernels with ≥ 1024 values as int8, symmetric, with one float32 scale per output channel
 *     (`<name>` int8 + `<name>.__scale` float32), small vectors float32 — the shipped format (teacher ≈ 3.6 MB).
 *     The output channel is the last axis, except for depthwise kernels [kh, kw, C, 1], whose channel axis is C
 *     (axis 2): each channel's 7×7 filter gets its own scale (a whole-tensor scale crushed small-range channels).
 *     Dequantized values lie within half a quantization step (scale/2) of the originals, per channel.
 * Metadata carries kind, spec and the model's meta (training provenance).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { FormatError, InvalidInput, NotFound, describe } from '../core/errors';
import { readSafetensors, writeSafetensors } from '../core/io/safetensors';
import type { NdArray } from '../core/io/dtypes';
import { buildGazeModel } from './model';
import type { GazeModel, ModelKind, NetSpec } from './types';

export type WeightFormat = 'f32' | 'int8';

type TensorIn = { dtype: 'float32' | 'int8'; shape: number[]; data: Float32Array | Int8Array };

/**
 * The channel of element i of a kernel of this shape, and the channel count: the last axis, or axis 2 for a depthwise
 * kernel [kh, kw, C, 1] (channel multiplier 1).
 */
export function channelLayout(shape: number[]): { channels: number; of: (i: number) => number } {
  if (shape.length === 4 && shape[3] === 1) {
    const c = shape[2]!;
    return { channels: c, of: (i) => i % c };
  }
  const c = shape[shape.length - 1]!;
  return { channels: c, of: (i) => i % c };
}

/** Symmetric per-channel int8: scale_c = max|w_c| / 127 (1 for an all-zero channel), q = round(w / scale_c). */
export function quantizeInt8(data: Float32Array, shape: number[]): { scale: Float32Array; q: Int8Array } {
  const { channels, of } = channelLayout(shape);
  const scale = new Float32Array(channels),
    q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) scale[of(i)] = Math.max(scale[of(i)]!, Math.abs(data[i]!));
  for (let c = 0; c < channels; c++) scale[c] = scale[c]! / 127 || 1;
  for (let i = 0; i < data.length; i++) q[i] = Math.round(data[i]! / scale[of(i)]!);
  return { scale, q };
}

export function dequantizeInt8(q: Int8Array, shape: number[], scale: Float32Array, name = 'tensor'): Float32Array {
  const { channels, of } = channelLayout(shape);
  // files written before depthwise kernels had per-channel scales carry one scale per LAST axis (length 1 for [kh,kw,C,1])
  const legacy = scale.length !== channels && scale.length === shape[shape.length - 1];
  if (scale.length !== channels && !legacy)
    throw new FormatError(`gaze weights: ${name}.__scale has ${scale.length} scales; shape ${describe(shape)} needs ${channels}`);
  const data = new Float32Array(q.length),
    co = scale.length;
  for (let i = 0; i < q.length; i++) data[i] = q[i]! * scale[legacy ? i % co : of(i)]!;
  return data;
}

/**
 * Serialize a model (and optional extra float32 tensors such as optimizer slots) to safetensors bytes; metadata carries
 * kind, spec, the model's meta and the format. Reads the variables; the model is unchanged.
 */
export function gazeModelToBytes(
  m: GazeModel,
  opts: {
    /** 'f32' (default: exact round trip) or 'int8' (per-channel symmetric int8 kernels, the shipped format; see the module comment). */
    format?: WeightFormat;
    /** Extra float32 tensors stored as `__extra/<name>` (default: none); gazeModelFromBytes returns them. */
    extra?: Map<string, { shape: number[]; data: Float32Array }>;
    /** Gzip the bytes, level 9 (default false). */
    gzip?: boolean;
  } = {},
): Uint8Array {
  const format = opts.format ?? 'f32';
  if (format !== 'f32' && format !== 'int8') throw new InvalidInput(`weight format must be 'f32' or 'int8', got ${describe(format)}`);
  const out = new Map<string, TensorIn>();
  const put = (name: string, v: tf.Variable) => {
    const data = v.dataSync() as Float32Array,
      shape = [...v.shape];
    if (format === 'int8' && data.length >= 1024 && shape.length >= 2) {
      const { scale, q } = quantizeInt8(data, shape);
      out.set(name, { dtype: 'int8', shape, data: q });
      out.set(`${name}.__scale`, { dtype: 'float32', shape: [scale.length], data: scale });
    } else out.set(name, { dtype: 'float32', shape, data: Float32Array.from(data) });
  };
  for (const [k, v] of m.params) put(k, v);
  for (const [k, v] of m.buffers)
    out.set(k, { dtype: 'float32', shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
  for (const [k, v] of opts.extra ?? []) out.set(`__extra/${k}`, { dtype: 'float32', shape: v.shape, data: v.data });
  const bytes = writeSafetensors(out, { kind: m.kind, spec: JSON.stringify(m.spec), meta: JSON.stringify(m.meta), format });
  return opts.gzip ? gzipSync(bytes, { level: 9 }) : bytes;
}

/** Rebuild a model from bytes (gzip detected by magic). Returns the model and any extra tensors. Caller owns the model. */
export function gazeModelFromBytes(bytes: Uint8Array): { model: GazeModel; extra: Map<string, NdArray> } {
  const raw = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  const { tensors, metadata } = readSafetensors(raw);
  let spec: NetSpec;
  try {
    spec = JSON.parse(metadata.spec ?? '') as NetSpec;
  } catch (e) {
    throw new FormatError(`gaze weights: metadata.spec is missing or not JSON (${(e as Error).message})`, { cause: e });
  }
  const kind = metadata.kind as ModelKind;
  if (kind !== 'teacher' && kind !== 'student')
    throw new FormatError(`gaze weights: metadata.kind must be teacher or student, got ${describe(kind)}`);
  const model = buildGazeModel(spec, { kind });
  model.meta = metadata.meta ? (JSON.parse(metadata.meta) as Record<string, string>) : {};
  const load = (name: string, v: tf.Variable) => {
    const t = tensors.get(name);
    if (!t) throw new FormatError(`gaze weights: tensor ${JSON.stringify(name)} is missing`);
    if (t.shape.join() !== v.shape.join())
      throw new FormatError(`gaze weights: ${name} has shape ${describe(t.shape)}, model needs ${describe(v.shape)}`);
    let data: Float32Array;
    if (t.dtype === 'int8') {
      const sc = tensors.get(`${name}.__scale`);
      if (!sc) throw new FormatError(`gaze weights: int8 tensor ${name} has no ${name}.__scale`);
      data = dequantizeInt8(t.data as Int8Array, t.shape, sc.data as Float32Array, name);
    } else if (t.dtype === 'float32') data = t.data as Float32Array;
    else throw new FormatError(`gaze weights: ${name} has dtype ${t.dtype}; expected float32 or int8`);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  };
  for (const [k, v] of model.params) load(k, v);
  for (const [k, v] of model.buffers) load(k, v);
  const extra = new Map<string, NdArray>();
  for (const [k, v] of tensors) if (k.startsWith('__extra/')) extra.set(k.slice(8), v);
  return { model, extra };
}

/**
 * Write a model to `path` as safetensors (gzip-compressed when the name ends in .gz), synchronously; overwrites the file.
 * Read it back with readGazeModel.
 */
export function saveGazeModel(
  m: GazeModel,
  path: string,
  opts: {
    /** 'f32' (default: exact round trip) or 'int8' (per-channel symmetric int8 kernels, the shipped format). */
    format?: WeightFormat;
    /** Extra float32 tensors stored as `__extra/<name>` (default: none). */
    extra?: Map<string, { shape: number[]; data: Float32Array }>;
  } = {},
): void {
  writeFileSync(path, gazeModelToBytes(m, { ...opts, gzip: path.endsWith('.gz') }));
}

/**
 * Read a model written by saveGazeModel (f32 or int8, gzip detected by magic bytes); int8 kernels are dequantized to
 * float32. Returns the model (the caller owns it: disposeGazeModel) and any extra tensors.
 * @throws NotFound when the file is missing, FormatError when its tensors or metadata do not match a gaze model.
 */
export function readGazeModel(path: string): { model: GazeModel; extra: Map<string, NdArray> } {
  if (!existsSync(path)) throw new NotFound(`gaze weights file not found: ${path}`);
  return gazeModelFromBytes(new Uint8Array(readFileSync(path)));
}
