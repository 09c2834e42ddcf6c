/**
 * Gaze model weights on disk: safetensors (gzip-compressed when the name ends in .gz).
 *   - 'f32': every tensor float32 (checkpoints; exact round trip);
 *   - 'int8': weight matrices/kernels with ≥ 1024 values as int8 with one float32 scale per output channel
 *     (`<name>` int8 + `<name>.__scale` float32), small vectors float32 — the shipped format (teacher ≈ 3.6 MB).
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

/** Serialize a model (and optional extra float32 tensors such as optimizer slots) to bytes. */
export function gazeModelToBytes(
  m: GazeModel,
  opts: { format?: WeightFormat; extra?: Map<string, { shape: number[]; data: Float32Array }>; gzip?: boolean } = {},
): Uint8Array {
  const format = opts.format ?? 'f32';
  if (format !== 'f32' && format !== 'int8') throw new InvalidInput(`weight format must be 'f32' or 'int8', got ${describe(format)}`);
  const out = new Map<string, TensorIn>();
  const put = (name: string, v: tf.Variable) => {
    const data = v.dataSync() as Float32Array,
      shape = [...v.shape];
    if (format === 'int8' && data.length >= 1024 && shape.length >= 2) {
      const co = shape[shape.length - 1]!,
        scale = new Float32Array(co),
        q = new Int8Array(data.length);
      for (let i = 0; i < data.length; i++) scale[i % co] = Math.max(scale[i % co]!, Math.abs(data[i]!));
      for (let c = 0; c < co; c++) scale[c] = scale[c]! / 127 || 1;
      for (let i = 0; i < data.length; i++) q[i] = Math.round(data[i]! / scale[i % co]!);
      out.set(name, { dtype: 'int8', shape, data: q });
      out.set(`${name}.__scale`, { dtype: 'float32', shape: [co], data: scale });
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
      const s = sc.data as Float32Array,
        q = t.data as Int8Array,
        co = s.length;
      data = new Float32Array(q.length);
      for (let i = 0; i < q.length; i++) data[i] = q[i]! * s[i % co]!;
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

export function saveGazeModel(
  m: GazeModel,
  path: string,
  opts: { format?: WeightFormat; extra?: Map<string, { shape: number[]; data: Float32Array }> } = {},
): void {
  writeFileSync(path, gazeModelToBytes(m, { ...opts, gzip: path.endsWith('.gz') }));
}

export function readGazeModel(path: string): { model: GazeModel; extra: Map<string, NdArray> } {
  if (!existsSync(path)) throw new NotFound(`gaze weights file not found: ${path}`);
  return gazeModelFromBytes(new Uint8Array(readFileSync(path)));
}
