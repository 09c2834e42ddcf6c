/**
 * safetensors files (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { str: str } }`, then the data section.
 *
 *   const { tensors, metadata } = readSafetensors('model.safetensors');
 *   tensors.get('fc.weight')  // { dtype: 'float32', shape: [10, 64], data: Float32Array }
 *
 * dtypes F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL (also U16 U32 U64). F16 and BF16 are widened to Float32Array on read
 * (dtype still names the stored type); I64/U64 come back as BigInt64Array/BigUint64Array.
 * The reader validates the header length, the JSON, every tensor's dtype, shape and data_offsets (in range, non-overlapping,
 * covering the data section contiguously, length = product(shape) × itemsize) and throws FormatError naming the tensor.
 * Pure typed arrays: no tensors are created.
 */
import { writeFileSync } from 'node:fs';
import { FormatError, InvalidInput, NotFound, describe } from '../errors';
import { type DType, type NdArray, ITEMSIZE, bytesOf, decodeElements, encodeElements, isValidShape, product } from './dtypes';

export const ST_TO_DTYPE: Record<string, DType> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
};
const DTYPE_TO_ST = Object.fromEntries(Object.entries(ST_TO_DTYPE).map(([k, v]) => [v, k])) as Record<DType, string>;

/** Headers larger than this are refused (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface Safetensors {
  /** Tensors in file order (the order of their data offsets). */
  tensors: Map<string, NdArray>;
  /** The optional `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
}

/**
 * Read a .safetensors file (path) or its bytes.
 * @throws NotFound when the path cannot be read; FormatError for a bad header length, bad JSON, an unknown dtype,
 *   a bad shape, out-of-range / overlapping / gapped data_offsets or a byte length that does not match the shape.
 */
export function readSafetensors(src: Uint8Array | ArrayBuffer | string): Safetensors {
  const b = bytesOf(src, 'safetensors');
  const where = typeof src === 'string' ? ` in ${src}` : '';
  if (b.length < 8) throw new FormatError(`safetensors buffer${where} is ${b.length} bytes; expected at least 8 (the header length)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES) || n64 + 8n > BigInt(b.length)) {
    throw new FormatError(
      `safetensors header length ${n64}${where} is not sane: the buffer has ${b.length} bytes and headers are at most ${MAX_HEADER_BYTES}`,
    );
  }
  const n = Number(n64);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, 8 + n)));
  } catch (e) {
    throw new FormatError(`safetensors header${where} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FormatError(`safetensors header${where} must be a JSON object, got ${describe(header)}`);
  }
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw new FormatError(`safetensors __metadata__${where} must be an object of strings`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw new FormatError(`safetensors __metadata__[${JSON.stringify(k)}]${where} is ${describe(v)}; expected a string`);
        metadata[k] = v;
      }
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (t === null || typeof t !== 'object')
      throw new FormatError(`safetensors tensor ${JSON.stringify(name)}${where} is ${describe(t)}; expected {dtype, shape, data_offsets}`);
    const dtype = typeof t.dtype === 'string' ? ST_TO_DTYPE[t.dtype] : undefined;
    if (!dtype) {
      throw new FormatError(
        `safetensors tensor ${JSON.stringify(name)}${where} has dtype ${describe(t.dtype)}; expected one of ${Object.keys(ST_TO_DTYPE).join(' ')}`,
      );
    }
    if (!isValidShape(t.shape))
      throw new FormatError(
        `safetensors tensor ${JSON.stringify(name)}${where} has shape ${describe(t.shape)}; expected an array of non-negative integers`,
      );
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0) || off[0] > off[1]) {
      throw new FormatError(
        `safetensors tensor ${JSON.stringify(name)}${where} has data_offsets ${describe(off)}; expected [begin, end] with 0 ≤ begin ≤ end`,
      );
    }
    entries.push({ name, dtype, shape: t.shape, begin: off[0], end: off[1] });
  }
  const dataStart = 8 + n,
    dataLen = b.length - dataStart;
  entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
  let pos = 0;
  for (const e of entries) {
    const q = JSON.stringify(e.name);
    if (e.end > dataLen) {
      throw new FormatError(
        `safetensors tensor ${q}${where} has data_offsets [${e.begin}, ${e.end}] beyond the data section of ${dataLen} bytes (truncated file?)`,
      );
    }
    if (e.begin < pos)
      throw new FormatError(
        `safetensors tensor ${q}${where} data_offsets [${e.begin}, ${e.end}] overlap the previous tensor, which ends at ${pos}`,
      );
    if (e.begin > pos)
      throw new FormatError(
        `safetensors tensor ${q}${where} starts at ${e.begin} but the previous tensor ends at ${pos}: the data section must be covered contiguously`,
      );
    const need = product(e.shape) * ITEMSIZE[e.dtype];
    if (e.end - e.begin !== need) {
      throw new FormatError(
        `safetensors tensor ${q}${where} has ${e.end - e.begin} bytes but shape ${describe(e.shape)} of ${DTYPE_TO_ST[e.dtype]} needs ${need}`,
      );
    }
    pos = e.end;
  }
  if (pos !== dataLen)
    throw new FormatError(
      `safetensors data section${where} has ${dataLen} bytes but the tensors cover only ${pos}: trailing bytes not covered by any tensor`,
    );
  const tensors = new Map<string, NdArray>();
  for (const e of entries) {
    const data = decodeElements(b.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, product(e.shape));
    tensors.set(e.name, { dtype: e.dtype, shape: [...e.shape], data });
  }
  return { tensors, metadata };
}

type TensorIn = { dtype: DType; shape: readonly number[]; data: ArrayLike<number | bigint> };

/**
 * Encode tensors (a Map or a plain object of name → {dtype, shape, data}) as safetensors bytes, in insertion order,
 * with the header padded with spaces to a multiple of 8 bytes.
 * @throws InvalidInput for an unknown dtype, a bad shape, a data length that does not match the shape, a reserved
 *   name, non-string metadata, or values the dtype cannot hold.
 */
export function writeSafetensors(tensors: Map<string, TensorIn> | Record<string, TensorIn>, metadata?: Record<string, string>): Uint8Array {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new InvalidInput(`writeSafetensors metadata[${JSON.stringify(k)}] is ${describe(v)}; expected a string`);
    }
    header.__metadata__ = metadata;
  }
  const bodies: Uint8Array[] = [];
  let pos = 0;
  for (const [name, t] of list) {
    const q = JSON.stringify(name);
    if (name === '__metadata__') throw new InvalidInput(`writeSafetensors: tensor name "__metadata__" is reserved`);
    const st = DTYPE_TO_ST[t.dtype];
    if (!st)
      throw new InvalidInput(
        `writeSafetensors tensor ${q} has dtype ${describe(t.dtype)}; expected one of ${Object.keys(DTYPE_TO_ST).join(', ')}`,
      );
    if (!isValidShape(t.shape))
      throw new InvalidInput(`writeSafetensors tensor ${q} has shape ${describe(t.shape)}; expected non-negative integers`);
    const n = product(t.shape);
    if (t.data.length !== n)
      throw new InvalidInput(`writeSafetensors tensor ${q} has ${t.data.length} elements but shape ${describe(t.shape)} needs ${n}`);
    const body = encodeElements(t.data, t.dtype, `writeSafetensors tensor ${q} data`);
    header[name] = { dtype: st, shape: [...t.shape], data_offsets: [pos, pos + body.length] };
    bodies.push(body);
    pos += body.length;
  }
  let json = JSON.stringify(header);
  const hb0 = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (hb0 % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + pos);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const body of bodies) {
    out.set(body, p);
    p += body.length;
  }
  return out;
}

/** Write a .safetensors file. @throws NotFound when the folder does not exist, InvalidInput as writeSafetensors. */
export function writeSafetensorsFile(
  path: string,
  tensors: Parameters<typeof writeSafetensors>[0],
  metadata?: Record<string, string>,
): void {
  const bytes = writeSafetensors(tensors, metadata);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new NotFound(`could not write safetensors file ${describe(path)}: ${(e as Error).message}`, { cause: e });
  }
}
