/**
 * Pack / unpack typed arrays for figure payloads (`Packed` in types.ts): little-endian bytes in base64,
 * 'bit' = one bit per element, MSB first. Pure TS (no Buffer, no DOM): runs in node and the browser.
 */
import type { Packed } from './types';
import { InvalidInput, FormatError, describe } from '../core/errors';

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const REV = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) REV[ALPHA.charCodeAt(i)] = i;

/** Standard base64 (with padding) of bytes. */
export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk += ALPHA[v >> 18]! + ALPHA[(v >> 12) & 63]! + ALPHA[(v >> 6) & 63]! + ALPHA[v & 63]!;
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  if (i < n) {
    const b0 = bytes[i]!,
      b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (b0 << 16) | (b1 << 8);
    chunk += ALPHA[v >> 18]! + ALPHA[(v >> 12) & 63]! + (i + 1 < n ? ALPHA[(v >> 6) & 63]! : '=') + '=';
  }
  parts.push(chunk);
  return parts.join('');
}

/** Decode standard base64 (padding optional, whitespace ignored). Throws FormatError on a bad character. */
export function fromBase64(s: string): Uint8Array {
  const clean = s.replace(/[\s=]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0,
    bits = 0,
    o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? REV[c]! : -1;
    if (v < 0) throw new FormatError(`base64: bad character ${describe(clean[i])} at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, o);
}

type Dtype = Packed['dtype'];
const CTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  float32: Float32Array,
} as const;
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type Unpacked = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Float32Array;

function count(shape: number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new InvalidInput(`shape ${describe(shape)} must hold non-negative integers`);
    n *= d;
  }
  return n;
}

/**
 * Pack values as `dtype` with `shape` (default [values.length]). For 'bit', any nonzero value is 1.
 * Integer dtypes round and reject out-of-range or non-finite values.
 */
export function pack(values: ArrayLike<number>, dtype: Dtype, shape: number[] = [values.length]): Packed {
  const n = count(shape);
  if (n !== values.length) throw new InvalidInput(`pack: shape ${describe(shape)} holds ${n} elements but got ${values.length} values`);
  if (dtype === 'bit') {
    const bytes = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < n; i++) if (values[i]) bytes[i >> 3]! |= 0x80 >> (i & 7);
    return { dtype, shape: [...shape], b64: toBase64(bytes) };
  }
  const Ctor = CTORS[dtype];
  if (!Ctor) throw new InvalidInput(`pack: unknown dtype ${describe(dtype)}; expected one of ${Object.keys(CTORS).join(', ')}, bit`);
  const arr = new Ctor(n);
  if (dtype !== 'float32') {
    const lo = dtype === 'uint8' || dtype === 'uint16' ? 0 : dtype === 'int8' ? -128 : dtype === 'int16' ? -32768 : -2147483648;
    const hi = dtype === 'uint8' ? 255 : dtype === 'int8' ? 127 : dtype === 'int16' ? 32767 : dtype === 'uint16' ? 65535 : 2147483647;
    for (let i = 0; i < n; i++) {
      const v = Math.round(values[i]!);
      if (!(v >= lo && v <= hi)) throw new InvalidInput(`pack: value[${i}] = ${describe(values[i])} does not fit ${dtype} [${lo}, ${hi}]`);
      arr[i] = v;
    }
  } else {
    for (let i = 0; i < n; i++) arr[i] = values[i]!;
  }
  let bytes: Uint8Array = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  if (!LE && arr.BYTES_PER_ELEMENT > 1) bytes = swap(bytes, arr.BYTES_PER_ELEMENT);
  return { dtype, shape: [...shape], b64: toBase64(bytes) };
}

function swap(b: Uint8Array, w: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += w) for (let j = 0; j < w; j++) out[i + j] = b[i + w - 1 - j]!;
  return out;
}

/** Unpack to a typed array ('bit' → Uint8Array of 0/1). Throws FormatError when bytes and shape disagree. */
export function unpack(p: Packed): Unpacked {
  const n = count(p.shape);
  const bytes = fromBase64(p.b64);
  if (p.dtype === 'bit') {
    if (bytes.length !== Math.ceil(n / 8))
      throw new FormatError(`unpack: bit array of ${n} elements needs ${Math.ceil(n / 8)} bytes, got ${bytes.length}`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
    return out;
  }
  const Ctor = CTORS[p.dtype];
  if (!Ctor) throw new FormatError(`unpack: unknown dtype ${describe(p.dtype)}`);
  const w = Ctor.BYTES_PER_ELEMENT;
  if (bytes.length !== n * w) throw new FormatError(`unpack: ${p.dtype} ${describe(p.shape)} needs ${n * w} bytes, got ${bytes.length}`);
  const own = LE || w === 1 ? bytes.slice() : swap(bytes, w);
  return new Ctor(own.buffer as ArrayBuffer, 0, n);
}

/** Round to `digits` significant digits (keeps JSON small). Non-finite values pass through. */
export function round(v: number, digits = 4): number {
  if (!Number.isFinite(v) || v === 0) return v;
  return Number(v.toPrecision(digits));
}
