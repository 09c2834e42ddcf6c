/**
 * ONNX weights: the graph initializers of a ModelProto, decoded with onnx-proto (protobufjs).
 *
 *   const w = readOnnxInitializers('model.onnx');
 *   w.get('fc.weight')   // { dtype: 'float32', shape: [10, 64], data: Float32Array }
 *
 * Every storage variant is read: raw_data (little-endian bytes), float_data, double_data, int32_data (which also carries
 * int8/uint8/int16/uint16/bool and the bit patterns of float16/bfloat16), int64_data and uint64_data. float16/bfloat16 are
 * widened to Float32Array; int64/uint64 come back as BigInt64Array/BigUint64Array. External data (data_location EXTERNAL)
 * is read from files next to the model when the model was given as a path.
 * Malformed or truncated protobuf, unsupported element types (string, complex) and element counts that do not match
 * the dims throw FormatError naming the initializer; missing model or external-data files throw NotFound.
 * Pure typed arrays: no tensors are created.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { onnx } from 'onnx-proto';
import { FormatError, NotFound, describe } from '../errors';
import {
  type DType,
  type NdArray,
  type TypedArray,
  ITEMSIZE,
  arrayClassFor,
  bf16ToF32,
  bytesOf,
  decodeElements,
  f16ToF32,
  product,
} from './dtypes';

const DT = onnx.TensorProto.DataType;
const ONNX_TO_DTYPE: Partial<Record<number, DType>> = {
  [DT.FLOAT]: 'float32',
  [DT.DOUBLE]: 'float64',
  [DT.FLOAT16]: 'float16',
  [DT.BFLOAT16]: 'bfloat16',
  [DT.INT64]: 'int64',
  [DT.INT32]: 'int32',
  [DT.INT16]: 'int16',
  [DT.INT8]: 'int8',
  [DT.UINT64]: 'uint64',
  [DT.UINT32]: 'uint32',
  [DT.UINT16]: 'uint16',
  [DT.UINT8]: 'uint8',
  [DT.BOOL]: 'bool',
};

type LongLike = number | { toString(): string };
const toBig = (v: LongLike): bigint => (typeof v === 'number' ? BigInt(v) : BigInt(v.toString()));

/** Decode one TensorProto into an NdArray. `baseDir` resolves external data files (undefined when reading from bytes). */
export function decodeOnnxTensor(t: onnx.ITensorProto, baseDir?: string): NdArray {
  const name = JSON.stringify(t.name ?? '');
  const dtype = ONNX_TO_DTYPE[t.dataType ?? 0];
  if (!dtype) {
    const tn = DT[t.dataType ?? 0] ?? String(t.dataType);
    throw new FormatError(
      `ONNX initializer ${name} has element type ${tn}; expected a numeric type (${Object.values(ONNX_TO_DTYPE).join(', ')})`,
    );
  }
  const shape = (t.dims ?? []).map((d) => Number(toBig(d as LongLike)));
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new FormatError(`ONNX initializer ${name} has dims ${describe(shape)}; expected non-negative integers`);
  const n = product(shape);
  if (t.segment) throw new FormatError(`ONNX initializer ${name} is segmented; segmented tensors are not supported`);
  let raw = t.rawData && t.rawData.length ? t.rawData : null;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) raw = readExternal(t, name, baseDir);
  if (raw) {
    const need = n * ITEMSIZE[dtype];
    if (raw.length !== need)
      throw new FormatError(
        `ONNX initializer ${name} has ${raw.length} bytes of raw_data but dims ${describe(shape)} of ${dtype} need ${need}`,
      );
    return { dtype, shape, data: decodeElements(raw, dtype, n) };
  }
  const field = (arr: ArrayLike<unknown> | null | undefined, fname: string) => {
    const len = arr?.length ?? 0;
    if (len !== n) throw new FormatError(`ONNX initializer ${name} has ${len} values in ${fname} but dims ${describe(shape)} need ${n}`);
    return arr as ArrayLike<unknown>;
  };
  const Cls = arrayClassFor(dtype);
  const out: TypedArray = new Cls(n);
  switch (dtype) {
    case 'float32': {
      const a = field(t.floatData, 'float_data') as ArrayLike<number>;
      (out as Float32Array).set(a);
      break;
    }
    case 'float64': {
      const a = field(t.doubleData, 'double_data') as ArrayLike<number>;
      (out as Float64Array).set(a);
      break;
    }
    case 'int64': {
      const a = field(t.int64Data, 'int64_data') as ArrayLike<LongLike>;
      for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = BigInt.asIntN(64, toBig(a[i]!));
      break;
    }
    case 'uint64': {
      const a = field(t.uint64Data, 'uint64_data') as ArrayLike<LongLike>;
      for (let i = 0; i < n; i++) (out as BigUint64Array)[i] = BigInt.asUintN(64, toBig(a[i]!));
      break;
    }
    case 'uint32': {
      const a = field(t.uint64Data, 'uint64_data') as ArrayLike<LongLike>;
      for (let i = 0; i < n; i++) (out as Uint32Array)[i] = Number(toBig(a[i]!));
      break;
    }
    default: {
      const a = field(t.int32Data, 'int32_data') as ArrayLike<number>;
      if (dtype === 'float16') for (let i = 0; i < n; i++) (out as Float32Array)[i] = f16ToF32(a[i]! & 0xffff);
      else if (dtype === 'bfloat16') for (let i = 0; i < n; i++) (out as Float32Array)[i] = bf16ToF32(a[i]! & 0xffff);
      else if (dtype === 'bool') for (let i = 0; i < n; i++) (out as Uint8Array)[i] = a[i] ? 1 : 0;
      else (out as Int32Array).set(a); // int32/int16/int8/uint16/uint8: typed-array set wraps like a C cast
    }
  }
  return { dtype, shape, data: out };
}

function readExternal(t: onnx.ITensorProto, name: string, baseDir: string | undefined): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new FormatError(`ONNX initializer ${name} has external data without a 'location' entry`);
  if (baseDir === undefined)
    throw new FormatError(
      `ONNX initializer ${name} keeps its data in external file ${describe(location)}; pass the model as a file path so it can be found`,
    );
  const file = resolve(baseDir, location);
  const offset = Number(kv.get('offset') ?? 0);
  const length = kv.has('length') ? Number(kv.get('length')) : NaN;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new NotFound(`ONNX initializer ${name}: external data file ${describe(file)} could not be opened: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const len = Number.isFinite(length)
      ? length
      : ITEMSIZE[ONNX_TO_DTYPE[t.dataType ?? 0]!] * product((t.dims ?? []).map((d) => Number(toBig(d as LongLike))));
    const buf = new Uint8Array(len);
    const got = readSync(fd, buf, 0, len, offset);
    if (got !== len)
      throw new FormatError(
        `ONNX initializer ${name}: external data file ${describe(file)} has only ${got} of ${len} bytes at offset ${offset}`,
      );
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Decode an ONNX ModelProto from bytes. @throws FormatError for malformed or truncated protobuf. */
export function decodeOnnxModel(bytes: Uint8Array, where = ''): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new FormatError(`not a valid ONNX model${where} (protobuf decode failed: ${(e as Error).message}); is the file truncated?`, {
      cause: e,
    });
  }
  if (!model.graph) throw new FormatError(`ONNX model${where} has no graph (${bytes.length} bytes decoded to an empty ModelProto)`);
  return model;
}

/**
 * Read the initializers (weights) of an ONNX model file (path) or its bytes, in graph order.
 * @throws NotFound (missing file or external data file), FormatError (malformed/truncated protobuf, no graph,
 *   unsupported element type, element count that does not match dims, duplicate initializer names).
 */
export function readOnnxInitializers(src: Uint8Array | ArrayBuffer | string): Map<string, NdArray> {
  const bytes = bytesOf(src, 'ONNX model');
  const where = typeof src === 'string' ? ` (${src})` : '';
  const model = decodeOnnxModel(bytes, where);
  const baseDir = typeof src === 'string' ? dirname(resolve(src)) : undefined;
  const out = new Map<string, NdArray>();
  for (const t of model.graph!.initializer ?? []) {
    const name = t.name ?? '';
    if (out.has(name)) throw new FormatError(`ONNX model${where} has two initializers named ${JSON.stringify(name)}`);
    out.set(name, decodeOnnxTensor(t, baseDir));
  }
  return out;
}
