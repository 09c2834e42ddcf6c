/**
 * The matrix inputs a notebook user has, accepted by every verb that takes a matrix:
 *   - a typed array (or number[]) with its shape:     { shape: [rows, cols], data }   (also what `io.loadNpy` returns)
 *   - the same with rows/cols:                        { rows, cols, data }             (kernel/sparse's Matrix)
 *   - nested arrays:                                  [[1, 2], [3, 4]]
 *   - a tfjs tensor (read, not disposed: the caller keeps ownership)
 * int64/uint64 data (numpy's default integer dtype, BigInt64Array from `loadNpy`) is converted to numbers when every value
 * satisfies |v| ≤ 2^53 (exactly representable) and refused with InvalidInput naming the dtype otherwise.
 * Values are row-major: element (i, j) of an r×c matrix is data[i·c + j].
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe } from './errors';

type Numeric = ArrayLike<number> | BigInt64Array | BigUint64Array | readonly bigint[];
/** A typed array or plain array with its shape (row-major), e.g. the `{ shape, data }` that `io.loadNpy` returns. */
export interface ShapedArray {
  readonly shape: readonly number[];
  readonly data: Numeric;
  readonly dtype?: string;
}
/** Any matrix a notebook user has: shaped array / npy object, `{ rows, cols, data }`, nested arrays, tfjs tensor. */
export type MatrixLike =
  | ShapedArray
  | { readonly rows: number; readonly cols: number; readonly data: Numeric }
  | readonly (readonly (number | bigint)[])[]
  | tf.Tensor;
/** A vector: a typed or plain array (int64 included), a rank-1 shaped array, or a rank-1 tensor. */
export type VectorLike = Numeric | ShapedArray | tf.Tensor;

const MAX_EXACT = 2 ** 53;

function dtypeOf(d: unknown): string {
  if (d instanceof BigInt64Array) return 'int64';
  if (d instanceof BigUint64Array) return 'uint64';
  if (Array.isArray(d)) return 'bigint[]';
  return (d as object)?.constructor?.name ?? typeof d;
}

/** int64/uint64/bigint[] → Float64Array with the |v| ≤ 2^53 check; other data passes through unchanged. */
export function fromBigInt(name: string, data: Numeric): ArrayLike<number> {
  const big =
    data instanceof BigInt64Array || data instanceof BigUint64Array || (Array.isArray(data) && data.some((v) => typeof v === 'bigint'));
  if (!big) return data as ArrayLike<number>;
  const src = data as ArrayLike<bigint | number>;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    const n = Number(v);
    if (!(Math.abs(n) <= MAX_EXACT) || (typeof v === 'bigint' && BigInt(n) !== v)) {
      throw new InvalidInput(
        `${name}: ${dtypeOf(data)} value ${String(v)} at flat index ${i} is outside ±2^53, so it has no exact float value; ` +
          `convert it on your side (e.g. numpy .astype('float64') after checking the range)`,
      );
    }
    out[i] = n;
  }
  return out;
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/**
 * Any array input → `{ shape, data }` without copying when the data already is a Float32Array/Float64Array.
 * `ranks`: accepted ranks (error names them). `layout`: what the axes mean, quoted in errors (e.g. '[out][in]').
 */
export function toShaped(
  x: unknown,
  name: string,
  o: {
    /** Accepted ranks, named in the error (default: any rank). */
    ranks?: number[];
    /** What the axes mean, quoted in errors, e.g. '[out][in]' (default: none). */
    layout?: string;
  } = {},
): { shape: number[]; data: ArrayLike<number> } {
  const lay = o.layout ? ` (layout ${o.layout})` : '';
  let shape: number[], data: ArrayLike<number>;
  if (isTensor(x)) {
    if (x.isDisposed) throw new InvalidInput(`${name} is a disposed tensor`);
    shape = x.shape.slice();
    data =
      x.dtype === 'string' || x.dtype === 'complex64'
        ? (() => {
            throw new InvalidInput(`${name}: a ${x.dtype} tensor is not a numeric matrix`);
          })()
        : (x.dataSync() as ArrayLike<number>);
  } else if (Array.isArray(x)) {
    if (x.length > 0 && Array.isArray(x[0])) {
      const rows = x.length,
        cols = (x[0] as unknown[]).length;
      const flat: (number | bigint)[] = new Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        const r = x[i] as unknown;
        if (!Array.isArray(r) || r.length !== cols)
          throw new InvalidInput(
            `${name}[${i}] has ${Array.isArray(r) ? `length ${r.length}` : describe(r)}; every row must have ${cols} entries${lay}`,
          );
        for (let j = 0; j < cols; j++) {
          const v = r[j] as unknown;
          if (typeof v !== 'number' && typeof v !== 'bigint')
            throw new InvalidInput(`${name}[${i}][${j}] is ${describe(v)}; expected a number`);
          flat[i * cols + j] = v;
        }
      }
      shape = [rows, cols];
      data = fromBigInt(name, flat as Numeric);
    } else {
      for (let i = 0; i < x.length; i++)
        if (typeof x[i] !== 'number' && typeof x[i] !== 'bigint')
          throw new InvalidInput(`${name}[${i}] is ${describe(x[i])}; expected a number`);
      shape = [x.length];
      data = fromBigInt(name, x as Numeric);
    }
  } else if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const d = x as unknown as Numeric;
    shape = [d.length];
    data = fromBigInt(name, d);
  } else if (x !== null && typeof x === 'object' && 'data' in x && ('shape' in x || ('rows' in x && 'cols' in x))) {
    const o2 = x as { shape?: unknown; rows?: unknown; cols?: unknown; data: unknown };
    const d = o2.data as Numeric;
    if (d === null || typeof d !== 'object' || typeof (d as ArrayLike<unknown>).length !== 'number')
      throw new InvalidInput(`${name}.data must be a typed array or an array of numbers, got ${describe(d)}`);
    if (o2.shape !== undefined) {
      if (!Array.isArray(o2.shape)) throw new InvalidInput(`${name}.shape must be an array of sizes, got ${describe(o2.shape)}`);
      shape = (o2.shape as unknown[]).map(Number);
    } else shape = [Number(o2.rows), Number(o2.cols)];
    data = fromBigInt(name, d);
  } else {
    throw new InvalidInput(
      `${name} must be a matrix: { shape, data } (e.g. from io.loadNpy), { rows, cols, data }, nested arrays or a tf.Tensor; got ${describe(x)}`,
    );
  }
  if (shape.some((s) => !Number.isInteger(s) || s < 0))
    throw new InvalidInput(`${name} shape [${shape.join(', ')}] must hold non-negative integers`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new InvalidInput(`${name} has ${data.length} values but shape [${shape.join(', ')}]${lay} needs ${size}`);
  if (o.ranks && !o.ranks.includes(shape.length))
    throw new InvalidInput(`${name} must have rank ${o.ranks.join(' or ')}${lay}, got shape [${shape.join(', ')}]`);
  return { shape, data };
}

/** True for anything toShaped accepts as a matrix (used to tell a MatrixLike from an options object). */
export function isMatrixLike(x: unknown): x is MatrixLike {
  return (
    isTensor(x) ||
    (Array.isArray(x) && Array.isArray(x[0])) ||
    (x !== null && typeof x === 'object' && 'data' in x && ('shape' in x || ('rows' in x && 'cols' in x)))
  );
}

/**
 * A rank-2 MatrixLike as a row-major Float32Array (copied only when the data is not already one).
 * `layout` names what rows and columns mean, quoted in errors (e.g. '[out][in]').
 */
export function toMatrixF32(x: MatrixLike, name: string, layout?: string): { rows: number; cols: number; data: Float32Array } {
  const { shape, data } = toShaped(x, name, { ranks: [2], layout });
  return { rows: shape[0]!, cols: shape[1]!, data: data instanceof Float32Array ? data : Float32Array.from(data) };
}

/** A VectorLike as numbers (int64 converted with the range check; copied only when needed). */
export function toVector(x: VectorLike, name: string): ArrayLike<number> {
  if (ArrayBuffer.isView(x) || Array.isArray(x)) {
    if (Array.isArray(x) && x.some((v) => Array.isArray(v))) throw new InvalidInput(`${name} must be a vector, got nested arrays`);
    return fromBigInt(name, x as Numeric);
  }
  return toShaped(x, name, { ranks: [1] }).data;
}
