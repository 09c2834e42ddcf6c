/**
 * Shared element types for the kernel I/O readers (npy, safetensors, onnx).
 *
 * Half-precision inputs (float16, bfloat16) are widened to Float32Array on read; the `dtype` field still
 * names the type stored in the file. int64/uint64 come back as BigInt64Array/BigUint64Array (exact).
 */
import { readFileSync } from 'node:fs';
import { InvalidInput, NotFound, describe } from '../errors';

export type DType =
  'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint64' | 'uint32' | 'uint16' | 'uint8' | 'bool';

export type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

/** An n-d array in C (row-major) order. `data.length === product(shape)`. */
export interface NdArray {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** Bytes per element as stored in a file. */
export const ITEMSIZE: Record<DType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint64: 8,
  uint32: 4,
  uint16: 2,
  uint8: 1,
  bool: 1,
};

/** The typed array class that holds each dtype in memory (half types are widened to float32; bool is 0/1 bytes). */
export function arrayClassFor(dtype: DType) {
  switch (dtype) {
    case 'float64':
      return Float64Array;
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return Float32Array;
    case 'int64':
      return BigInt64Array;
    case 'uint64':
      return BigUint64Array;
    case 'int32':
      return Int32Array;
    case 'int16':
      return Int16Array;
    case 'int8':
      return Int8Array;
    case 'uint32':
      return Uint32Array;
    case 'uint16':
      return Uint16Array;
    case 'uint8':
    case 'bool':
      return Uint8Array;
  }
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Check that a shape is a list of non-negative safe integers. `what` names the array in the message. */
export function isValidShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

/** IEEE half → float. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32buf = new Float32Array(1),
  u32buf = new Uint32Array(f32buf.buffer);

/** float → IEEE half bits, round to nearest even. */
export function f32ToF16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000,
    exp = (x >>> 23) & 0xff,
    man = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = man | 0x800000,
      shift = 14 - e;
    let h = m >> shift;
    const rem = m & ((1 << shift) - 1),
      half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (man >> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** bfloat16 bits (the high 16 bits of a float32) → float; exact. */
export function bf16ToF32(b: number): number {
  u32buf[0] = b << 16;
  return f32buf[0]!;
}

/** float → bfloat16 bits, round to nearest even (NaN stays NaN). */
export function f32ToBf16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  if (Number.isNaN(v)) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Decode `n` elements of `dtype` from `bytes` (starting at byteOffset 0 of the view) into a fresh typed array.
 * Always copies, so the result never aliases the file buffer and needs no alignment.
 */
export function decodeElements(bytes: Uint8Array, dtype: DType, n: number, littleEndian = true): TypedArray {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const Cls = arrayClassFor(dtype);
  const out = new Cls(n);
  const size = ITEMSIZE[dtype];
  if (size === 1) {
    const src = dtype === 'int8' ? new Int8Array(bytes.buffer, bytes.byteOffset, n) : bytes.subarray(0, n);
    (out as Uint8Array | Int8Array).set(src);
    if (dtype === 'bool') for (let i = 0; i < n; i++) (out as Uint8Array)[i] = (out as Uint8Array)[i] ? 1 : 0;
    return out;
  }
  const le = littleEndian;
  switch (dtype) {
    case 'float64':
      for (let i = 0; i < n; i++) (out as Float64Array)[i] = dv.getFloat64(i * 8, le);
      break;
    case 'float32':
      for (let i = 0; i < n; i++) (out as Float32Array)[i] = dv.getFloat32(i * 4, le);
      break;
    case 'float16':
      for (let i = 0; i < n; i++) (out as Float32Array)[i] = f16ToF32(dv.getUint16(i * 2, le));
      break;
    case 'bfloat16':
      for (let i = 0; i < n; i++) (out as Float32Array)[i] = bf16ToF32(dv.getUint16(i * 2, le));
      break;
    case 'int64':
      for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = dv.getBigInt64(i * 8, le);
      break;
    case 'uint64':
      for (let i = 0; i < n; i++) (out as BigUint64Array)[i] = dv.getBigUint64(i * 8, le);
      break;
    case 'int32':
      for (let i = 0; i < n; i++) (out as Int32Array)[i] = dv.getInt32(i * 4, le);
      break;
    case 'uint32':
      for (let i = 0; i < n; i++) (out as Uint32Array)[i] = dv.getUint32(i * 4, le);
      break;
    case 'int16':
      for (let i = 0; i < n; i++) (out as Int16Array)[i] = dv.getInt16(i * 2, le);
      break;
    case 'uint16':
      for (let i = 0; i < n; i++) (out as Uint16Array)[i] = dv.getUint16(i * 2, le);
      break;
  }
  return out;
}

/**
 * Encode an array's elements as little-endian bytes of `dtype`. Accepts any typed array or number[] whose
 * values fit the dtype (half types are rounded to nearest even; bool writes 0/1). int64/uint64 need bigint
 * arrays. Throws InvalidInput (naming `what`) when the data cannot be represented.
 */
export function encodeElements(data: ArrayLike<number | bigint>, dtype: DType, what: string): Uint8Array {
  const n = data.length,
    size = ITEMSIZE[dtype];
  const out = new Uint8Array(n * size);
  const dv = new DataView(out.buffer);
  const is64 = dtype === 'int64' || dtype === 'uint64';
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (is64) {
      const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : null;
      if (b === null) throw new InvalidInput(`${what}[${i}] is ${describe(v)}; a ${dtype} array needs integers (bigint or safe integers)`);
      if (dtype === 'int64') dv.setBigInt64(i * 8, b, true);
      else dv.setBigUint64(i * 8, b, true);
      continue;
    }
    const x = Number(v);
    switch (dtype) {
      case 'float64':
        dv.setFloat64(i * 8, x, true);
        break;
      case 'float32':
        dv.setFloat32(i * 4, x, true);
        break;
      case 'float16':
        dv.setUint16(i * 2, f32ToF16(x), true);
        break;
      case 'bfloat16':
        dv.setUint16(i * 2, f32ToBf16(x), true);
        break;
      case 'bool':
        out[i] = x ? 1 : 0;
        break;
      default: {
        const [lo, hi] = INT_RANGE[dtype as keyof typeof INT_RANGE];
        if (!Number.isInteger(x) || x < lo || x > hi) {
          throw new InvalidInput(`${what}[${i}] is ${describe(v)}; expected an integer in [${lo}, ${hi}] for ${dtype}`);
        }
        if (dtype === 'int32') dv.setInt32(i * 4, x, true);
        else if (dtype === 'uint32') dv.setUint32(i * 4, x, true);
        else if (dtype === 'int16') dv.setInt16(i * 2, x, true);
        else if (dtype === 'uint16') dv.setUint16(i * 2, x, true);
        else if (dtype === 'int8') dv.setInt8(i, x);
        else out[i] = x;
      }
    }
  }
  return out;
}

const INT_RANGE = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int8: [-128, 127],
  uint8: [0, 255],
} as const;

/** Read a file into bytes (synchronously), or pass bytes through. Throws NotFound naming the path. */
export function bytesOf(src: Uint8Array | ArrayBuffer | string, what: string): Uint8Array {
  if (typeof src === 'string') {
    try {
      return new Uint8Array(readFileSync(src));
    } catch (e) {
      throw new NotFound(`${what} file ${describe(src)} could not be read: ${(e as Error).message}`, { cause: e });
    }
  }
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  throw new InvalidInput(`${what} source must be a Uint8Array, ArrayBuffer or file path, got ${describe(src)}`);
}
