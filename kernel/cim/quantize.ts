/**
 * Integer quantization of weight matrices and the conv unrolling that turns a conv kernel into a matrix.
 */
import { InvalidInput, checkInt, describe } from '../core/errors';
import type { MatrixLike } from '../core/matrix';
import { outInMatrix } from './crossbar';

export interface QuantizeOptions {
  /**
   * Float weights in the layout [out][in] (row o = output o's inputs; a Dense kernel W of x @ W is [in][out]: pass W.T,
   * or use transposeDense): a flat row-major array with nOut and nIn, or any MatrixLike of shape [nOut, nIn].
   */
  weights: ArrayLike<number> | MatrixLike;
  /** Rows of weights; taken from its shape when weights is a matrix. */
  nOut?: number;
  /** Columns of weights; taken from its shape when weights is a matrix. */
  nIn?: number;
  /** Total bits incl. sign, 2..8. Default 8 ⇒ symmetric q ∈ [−127, 127]. */
  bits?: number;
  /** 'per-tensor' (default, reference setting [INFERRED]) or 'per-channel' (one scale per output). */
  granularity?: 'per-tensor' | 'per-channel';
}

export interface Quantized {
  q: Int8Array;
  scale: Float32Array;
}

/** Symmetric max-scaled quantization: q = round(w / s), s = max|w| / (2^(bits−1) − 1). All-zero groups get s = 1. */
export function quantize(opts: QuantizeOptions): Quantized {
  const { data: weights, nOut, nIn } = outInMatrix('weights', opts.weights, opts.nOut, opts.nIn);
  const bits = checkInt('bits', opts.bits ?? 8, 2, 8);
  const gran = opts.granularity ?? 'per-tensor';
  if (gran !== 'per-tensor' && gran !== 'per-channel')
    throw new InvalidInput(`granularity must be 'per-tensor' or 'per-channel', got ${describe(gran)}`);
  const qmax = 2 ** (bits - 1) - 1;
  const groups = gran === 'per-tensor' ? 1 : nOut;
  const scale = new Float32Array(groups);
  const per = gran === 'per-tensor' ? nOut * nIn : nIn;
  for (let g = 0; g < groups; g++) {
    let m = 0;
    for (let i = g * per, e = i + per; i < e; i++) {
      const v = weights[i]!;
      if (!Number.isFinite(v)) throw new InvalidInput(`weights[${i}] is ${describe(v)}; expected a finite number`);
      const a = Math.abs(v);
      if (a > m) m = a;
    }
    scale[g] = m > 0 ? m / qmax : 1;
  }
  const q = new Int8Array(nOut * nIn);
  for (let g = 0; g < groups; g++) {
    const inv = 1 / scale[g]!;
    for (let i = g * per, e = i + per; i < e; i++) {
      const v = Math.round(weights[i]! * inv);
      q[i] = v > qmax ? qmax : v < -qmax ? -qmax : v;
    }
  }
  return { q, scale };
}

/**
 * Conv kernel [kh, kw, cin, cout] (tfjs layout) → matrix [cout][kh·kw·cin], column order (i, j, c) row-major —
 * the same order as `im2col` patches below, so y[o] = Σ_k W[o][k]·patch[k].
 */
export function unrollConv(kernel: ArrayLike<number>, shape: readonly [number, number, number, number]): Float32Array {
  const [kh, kw, cin, cout] = shape.map((v, i) => checkInt(`shape[${i}]`, v)) as [number, number, number, number];
  if (kernel.length !== kh * kw * cin * cout)
    throw new InvalidInput(`kernel has ${kernel.length} entries; expected ${kh * kw * cin * cout} for shape [${shape.join(', ')}]`);
  const k = kh * kw * cin;
  const out = new Float32Array(cout * k);
  for (let p = 0; p < k; p++) for (let o = 0; o < cout; o++) out[o * k + p] = kernel[p * cout + o]!;
  return out;
}

/** Dense kernel [in, out] (tfjs layout) → [out][in]. */
export function transposeDense(kernel: ArrayLike<number>, nIn: number, nOut: number): Float32Array {
  checkInt('nIn', nIn);
  checkInt('nOut', nOut);
  if (kernel.length !== nIn * nOut) throw new InvalidInput(`kernel has ${kernel.length} entries; expected ${nIn * nOut}`);
  const out = new Float32Array(nIn * nOut);
  for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) out[o * nIn + i] = kernel[i * nOut + o]!;
  return out;
}

/**
 * im2col for one NHWC image [h, w, c], 'valid' or 'same' padding, stride s: returns patches [hOut·wOut][kh·kw·c]
 * (order (i, j, c)) and the output size. Integer inputs stay integers.
 */
export function im2col(
  x: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
  kh: number,
  kw: number,
  opts: { stride?: number; padding?: 'valid' | 'same' } = {},
): { patches: Float64Array; hOut: number; wOut: number } {
  const s = checkInt('stride', opts.stride ?? 1);
  if (x.length !== h * w * c) throw new InvalidInput(`image has ${x.length} entries; expected h·w·c = ${h * w * c}`);
  const same = (opts.padding ?? 'valid') === 'same';
  const hOut = same ? Math.ceil(h / s) : Math.floor((h - kh) / s) + 1;
  const wOut = same ? Math.ceil(w / s) : Math.floor((w - kw) / s) + 1;
  if (hOut < 1 || wOut < 1) throw new InvalidInput(`kernel ${kh}×${kw} does not fit image ${h}×${w}`);
  const padT = same ? Math.floor(Math.max((hOut - 1) * s + kh - h, 0) / 2) : 0;
  const padL = same ? Math.floor(Math.max((wOut - 1) * s + kw - w, 0) / 2) : 0;
  const k = kh * kw * c;
  const patches = new Float64Array(hOut * wOut * k);
  for (let oy = 0; oy < hOut; oy++)
    for (let ox = 0; ox < wOut; ox++) {
      const base = (oy * wOut + ox) * k;
      for (let i = 0; i < kh; i++) {
        const y = oy * s + i - padT;
        if (y < 0 || y >= h) continue;
        for (let j = 0; j < kw; j++) {
          const xx = ox * s + j - padL;
          if (xx < 0 || xx >= w) continue;
          for (let ch = 0; ch < c; ch++) patches[base + (i * kw + j) * c + ch] = x[(y * w + xx) * c + ch]!;
        }
      }
    }
  return { patches, hOut, wOut };
}
