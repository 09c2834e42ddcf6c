/**
 * Activations as plain typed arrays: `{ shape, data }` with shape [N, d] (features) or [N, H, W, C] (conv maps, NHWC).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe } from '../core/errors';
import { isMatrixLike, toShaped, type MatrixLike } from '../core/matrix';

export interface Acts {
  shape: number[];
  data: Float32Array | Float64Array;
}
/**
 * What CKA and stitch fitting accept: any MatrixLike of rank 2 [N, d] or 4 [N, H, W, C] (a tensor the caller keeps, a
 * typed array with its shape, an npy `{ shape, data }` (int64 within ±2^53 converted), nested arrays [N][d]).
 */
export type ActsLike = MatrixLike;

/** Validate and copy-free view of activations (rank 2 or 4, finite, size matching the shape). */
export function asActs(x: ActsLike, name: string): Acts {
  if (!isMatrixLike(x)) throw new InvalidInput(`${name} must be a tf.Tensor, { shape, data } or nested arrays [N][d], got ${describe(x)}`);
  const t = toShaped(x, name, { layout: '[N, d] or [N, H, W, C]' });
  const shape = t.shape;
  const data = t.data instanceof Float32Array || t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
  if (shape.length !== 2 && shape.length !== 4)
    throw new InvalidInput(`${name} must have rank 2 [N, d] or 4 [N, H, W, C], got shape [${shape.join(', ')}]`);
  if (shape.some((s) => !Number.isInteger(s) || s < 1))
    throw new InvalidInput(`${name} shape [${shape.join(', ')}] must hold positive integers`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new InvalidInput(`${name} has ${data.length} values but shape [${shape.join(', ')}] needs ${size}`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!))
      throw new InvalidInput(
        `${name} holds ${describe(data[i])} at flat index ${i} (sample ${Math.floor(i / (size / shape[0]!))}); activations must be finite`,
      );
  }
  return { shape, data };
}

export function sameN(a: Acts, b: Acts, what: string): void {
  if (a.shape[0] !== b.shape[0])
    throw new InvalidInput(`${what}: X has ${a.shape[0]} samples but Y has ${b.shape[0]}; both must come from the same inputs`);
}

/** Global average pool of [N, H, W, C] → [N, C] (float64). */
export function gap(a: Acts): Acts {
  const [n, h, w, c] = a.shape as [number, number, number, number];
  const out = new Float64Array(n * c);
  const hw = h * w;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < hw; p++) {
      const o = (i * hw + p) * c;
      for (let j = 0; j < c; j++) out[i * c + j]! += a.data[o + j]!;
    }
    for (let j = 0; j < c; j++) out[i * c + j]! /= hw;
  }
  return { shape: [n, c], data: out };
}

/** Bilinear resize of [N, H, W, C] to [N, h, w, C] with align_corners = true (PyTorch UpsamplingBilinear2d). */
export function resize(a: Acts, h: number, w: number): Acts {
  if (a.shape[1] === h && a.shape[2] === w) return a;
  const out = tf.tidy(
    () =>
      tf.image
        .resizeBilinear(tf.tensor4d(Float32Array.from(a.data), a.shape as [number, number, number, number]), [h, w], true)
        .dataSync() as Float32Array,
  );
  return { shape: [a.shape[0]!, h, w, a.shape[3]!], data: out };
}

/** Rows × columns view in float64: 2-D as is, 4-D with positions as rows (N·H·W × C). */
export function rows(a: Acts): { X: Float64Array; n: number; d: number } {
  const d = a.shape[a.shape.length - 1]!;
  return { X: a.data instanceof Float64Array ? a.data : Float64Array.from(a.data), n: a.data.length / d, d };
}

/** Take the given rows of a row-major [n×d] matrix. */
export function takeRows(X: Float64Array, d: number, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) out.set(X.subarray(idx[i]! * d, (idx[i]! + 1) * d), i * d);
  return out;
}
