/**
 * Packed arrays (kernel/viz/types.ts) in the renderer: decoding reuses kernel/viz/codec (pure TS, no node APIs);
 * this module adds what validation needs without decoding (byte counts) and turns codec errors into
 * PayloadErrors that name the payload field.
 */
import type { Packed } from '../../kernel/viz/types';
import { unpack, type Unpacked } from '../../kernel/viz/codec';

export type Decoded = Unpacked;

/** A payload that does not match the figure contract; the message is shown to the user. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

export const DTYPE_BYTES: Record<Packed['dtype'], number> = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, float32: 4, bit: 0 };

/** Element count of a row-major shape; throws PayloadError for a bad shape. */
export function elementCount(shape: unknown, name = 'array'): number {
  if (!Array.isArray(shape) || shape.length === 0)
    throw new PayloadError(`${name}.shape must be a non-empty array of integers, got ${short(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
      throw new PayloadError(`${name}.shape must hold non-negative integers, got ${short(shape)}`);
    n *= d;
  }
  return n;
}

/** Bytes a Packed array of `n` elements needs ('bit': one bit each, rounded up to whole bytes). */
export function byteLength(dtype: Packed['dtype'], n: number): number {
  return dtype === 'bit' ? Math.ceil(n / 8) : n * DTYPE_BYTES[dtype];
}

/** Bytes a base64 string encodes (padding and whitespace ignored), without decoding it. */
export function base64ByteLength(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 61 && c > 32) len++;
  }
  return Math.floor((len * 3) / 4);
}

/** Decode a Packed array ('bit' → Uint8Array of 0/1, MSB first). Throws PayloadError naming `name`. */
export function decodePacked(p: Packed, name = 'array'): Decoded {
  try {
    return unpack(p);
  } catch (e) {
    throw new PayloadError(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Short printable form of a value for messages. */
export function short(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `[${v.slice(0, 5).map(short).join(', ')}${v.length > 5 ? ', …' : ''}]`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}
