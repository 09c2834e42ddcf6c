/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
 *
 *   const a = readNpy('weights.npy');          // { dtype: 'float32', shape: [64, 10], data: Float32Array, fortranOrder: false }
 *   const bytes = writeNpy({ dtype: 'int16', shape: [2, 3], data: new Int16Array(6) });
 *
 * Read: dtypes <f8 <f4 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1 and their big-endian `>` forms. `<f2` is widened to
 * Float32Array (dtype stays 'float16'); int64/uint64 come back exact as BigInt64Array/BigUint64Array. Files written with
 * fortran_order True are transposed to C order on read (`fortranOrder` reports what the file said; `data` is always C order).
 * Structured and object dtypes are refused. Malformed files throw FormatError naming what is wrong; a missing file throws NotFound.
 * Pure typed arrays: no tensors are created.
 */
import { writeFileSync } from 'node:fs';
import { FormatError, InvalidInput, NotFound, describe } from '../errors';
import {
  type DType,
  type NdArray,
  type TypedArray,
  ITEMSIZE,
  bytesOf,
  decodeElements,
  encodeElements,
  isValidShape,
  product,
} from './dtypes';

export interface NpyArray extends NdArray {
  /** What the file's header said; `data` is always in C (row-major) order. */
  fortranOrder: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const CODE_TO_DTYPE: Record<string, DType> = {
  f8: 'float64',
  f4: 'float32',
  f2: 'float16',
  i8: 'int64',
  i4: 'int32',
  i2: 'int16',
  i1: 'int8',
  u8: 'uint64',
  u4: 'uint32',
  u2: 'uint16',
  u1: 'uint8',
  b1: 'bool',
};
const DTYPE_TO_DESCR: Partial<Record<DType, string>> = {
  float64: '<f8',
  float32: '<f4',
  float16: '<f2',
  int64: '<i8',
  int32: '<i4',
  int16: '<i2',
  int8: '|i1',
  uint64: '<u8',
  uint32: '<u4',
  uint16: '<u2',
  uint8: '|u1',
  bool: '|b1',
};

/** Parse a numpy `descr` string. Returns the dtype and whether the data is little-endian. */
function parseDescr(descr: unknown): { dtype: DType; littleEndian: boolean } {
  if (typeof descr !== 'string') {
    throw new FormatError(`npy descr ${describe(descr)} is not a simple dtype string; structured dtypes are not supported`);
  }
  const m = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m ? CODE_TO_DTYPE[m[2]!] : undefined;
  if (!m || !dtype) {
    throw new FormatError(
      `npy dtype ${describe(descr)} is not supported; expected one of ${Object.keys(CODE_TO_DTYPE)
        .map((c) => '<' + c)
        .join(' ')} (or the > / | forms)`,
    );
  }
  if (m[1] === '>' && ITEMSIZE[dtype] > 1) return { dtype, littleEndian: false };
  return { dtype, littleEndian: true };
}

// ---- header dict: a Python literal like {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } ----
type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

const ATOM = /True|False|None|-?\d+L?/y;

function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new FormatError(`npy header is not a valid Python dict literal: ${what} at character ${i} of ${describe(src)}`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = src[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const obj: Record<string, PyValue> = {},
        arr: PyValue[] = [];
      for (;;) {
        ws();
        if (src[i] === close) {
          i++;
          break;
        }
        const k = value();
        if (c === '{') {
          ws();
          if (src[i] !== ':') fail(`expected ':'`);
          i++;
          if (typeof k !== 'string') fail('dict key is not a string');
          obj[k as string] = value();
        } else arr.push(k);
        ws();
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === close) {
          i++;
          break;
        }
        fail(`expected ',' or '${close}'`);
      }
      return c === '{' ? obj : arr;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = src.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    ATOM.lastIndex = i;
    const m = ATOM.exec(src);
    if (!m) return fail('unexpected token');
    i += m[0].length;
    return m[0] === 'True' ? true : m[0] === 'False' ? false : m[0] === 'None' ? null : Number(m[0].replace('L', ''));
  };
  const v = value();
  ws();
  if (i !== src.length) fail('trailing characters');
  return v;
}

/** Copy Fortran-ordered elements into C order. */
function fortranToC<T extends TypedArray>(src: T, shape: number[]): T {
  const n = src.length,
    nd = shape.length;
  if (nd < 2) return src;
  const out = new (src.constructor as new (n: number) => T)(n);
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d]!;
  }
  const idx = new Array<number>(nd).fill(0);
  let f = 0;
  for (let c = 0; c < n; c++) {
    (out as unknown as unknown[])[c] = (src as unknown as unknown[])[f];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      f += fStride[d]!;
      if (idx[d]! < shape[d]!) break;
      f -= fStride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Read an .npy file (path) or its bytes. Returns typed arrays in C order (see the module comment).
 * @throws NotFound when the path cannot be read; FormatError for a bad magic string, an unsupported version,
 *   a malformed header dict, an unsupported dtype, a byte count that does not match the shape, or truncated data.
 */
export function readNpy(src: Uint8Array | ArrayBuffer | string): NpyArray {
  const b = bytesOf(src, 'npy');
  const where = typeof src === 'string' ? ` (${src})` : '';
  if (b.length < 10 || MAGIC.some((m, k) => b[k] !== m)) {
    throw new FormatError(`not an npy file${where}: expected magic bytes \\x93NUMPY, got ${describe(Array.from(b.subarray(0, 6)))}`);
  }
  const major = b[6]!,
    minor = b[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new FormatError(`npy format version ${major}.${minor}${where} is not supported; expected 1.0, 2.0 or 3.0`);
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lenBytes) throw new FormatError(`npy file${where} is truncated inside the header length field`);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > b.length) {
    throw new FormatError(`npy header${where} is truncated: it declares ${headerLen} bytes but only ${b.length - start} follow`);
  }
  const headerBytes = b.subarray(start, start + headerLen);
  const headerText = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : new TextDecoder('latin1').decode(headerBytes);
  const header = parsePyLiteral(headerText.trim());
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FormatError(`npy header${where} is not a dict: ${describe(headerText.trim())}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in header)) throw new FormatError(`npy header${where} has no '${key}' key: ${describe(headerText.trim())}`);
  }
  const { dtype, littleEndian } = parseDescr(header.descr);
  if (typeof header.fortran_order !== 'boolean') {
    throw new FormatError(`npy header fortran_order is ${describe(header.fortran_order)}${where}; expected True or False`);
  }
  const shape = header.shape;
  if (!isValidShape(shape))
    throw new FormatError(`npy header shape is ${describe(shape)}${where}; expected a tuple of non-negative integers`);
  const n = product(shape);
  const need = n * ITEMSIZE[dtype];
  const dataStart = start + headerLen;
  const have = b.length - dataStart;
  if (have < need) {
    throw new FormatError(`npy data${where} is truncated: shape ${describe(shape)} of ${dtype} needs ${need} bytes, only ${have} present`);
  }
  if (have > need) {
    throw new FormatError(
      `npy data${where} has ${have} bytes but shape ${describe(shape)} of ${dtype} needs exactly ${need} (shape/byte-count mismatch)`,
    );
  }
  let data = decodeElements(b.subarray(dataStart), dtype, n, littleEndian);
  if (header.fortran_order) data = fortranToC(data, shape);
  return { dtype, shape: [...shape], data, fortranOrder: header.fortran_order };
}

/**
 * Encode an array as .npy bytes (C order, little-endian; version 1.0, or 2.0 when the header needs > 65535 bytes).
 * `data` may be any typed array or number[] whose values fit `dtype` (bigint arrays for int64/uint64).
 * @throws InvalidInput for an unknown dtype, a bad shape, a length that does not match the shape, or values the dtype cannot hold.
 */
export function writeNpy(arr: { dtype: DType; shape: readonly number[]; data: ArrayLike<number | bigint> }): Uint8Array {
  const descr = DTYPE_TO_DESCR[arr.dtype];
  if (!descr)
    throw new InvalidInput(
      `writeNpy dtype ${describe(arr.dtype)} is not supported; expected one of ${Object.keys(DTYPE_TO_DESCR).join(', ')}`,
    );
  if (!isValidShape(arr.shape)) throw new InvalidInput(`writeNpy shape ${describe(arr.shape)} must be an array of non-negative integers`);
  const n = product(arr.shape);
  if (arr.data.length !== n) {
    throw new InvalidInput(`writeNpy data has ${arr.data.length} elements but shape ${describe(arr.shape)} needs ${n}`);
  }
  const shapeStr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  let major = 1;
  let pre = 10;
  if (dict.length + 1 + pre > 65535) {
    major = 2;
    pre = 12;
  }
  const pad = (64 - ((pre + dict.length + 1) % 64)) % 64;
  dict = dict + ' '.repeat(pad) + '\n';
  const body = encodeElements(arr.data, arr.dtype, 'writeNpy data');
  const out = new Uint8Array(pre + dict.length + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, dict.length, true);
  else dv.setUint32(8, dict.length, true);
  for (let k = 0; k < dict.length; k++) out[pre + k] = dict.charCodeAt(k);
  out.set(body, pre + dict.length);
  return out;
}

/** Read an .npy file from disk (same as readNpy(path)). */
export function readNpyFile(path: string): NpyArray {
  if (typeof path !== 'string') throw new InvalidInput(`readNpyFile path must be a string, got ${describe(path)}`);
  return readNpy(path);
}

/** Write an .npy file. @throws NotFound when the folder does not exist, InvalidInput as writeNpy. */
export function writeNpyFile(path: string, arr: Parameters<typeof writeNpy>[0]): void {
  const bytes = writeNpy(arr);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new NotFound(`could not write npy file ${describe(path)}: ${(e as Error).message}`, { cause: e });
  }
}
