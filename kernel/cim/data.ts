/** Synthetic bell-shaped weights (the distribution the papers' argument rests on). */
import { InvalidInput, checkInt, describe } from '../core/errors';
import { rng } from '../core/rng';

export interface SynthOptions {
  nOut: number;
  nIn: number;
  /** 'laplace' (default, heavier tails like trained weights) or 'gaussian'. */
  dist?: 'laplace' | 'gaussian';
  /** Scale b (Laplace) or σ (Gaussian). Default 0.02. */
  scale?: number;
  /** Seed of the draws (default 0). */
  seed?: number;
}

/** Row-major [nOut][nIn] float weights drawn i.i.d. from `dist` (zero mean, `scale`). */
export function synthWeights(opts: SynthOptions): Float32Array {
  const nOut = checkInt('nOut', opts.nOut),
    nIn = checkInt('nIn', opts.nIn);
  const dist = opts.dist ?? 'laplace';
  if (dist !== 'laplace' && dist !== 'gaussian') throw new InvalidInput(`dist must be 'laplace' or 'gaussian', got ${describe(dist)}`);
  const b = opts.scale ?? 0.02;
  const r = rng(opts.seed ?? 0);
  const out = new Float32Array(nOut * nIn);
  if (dist === 'gaussian') {
    for (let i = 0; i < out.length; i++) out[i] = r.normal(0, b);
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    const u = r.next() - 0.5;
    out[i] = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return out;
}

/** Weight-matrix shapes [nOut, nIn] of ViT-Base/16 (patch embedding, 12 × (qkv, proj, fc1, fc2), head): 86.4M weights. */
export function vitBaseShapes(): [number, number][] {
  const s: [number, number][] = [[768, 768]];
  for (let b = 0; b < 12; b++) s.push([2304, 768], [768, 768], [3072, 768], [768, 3072]);
  s.push([1000, 768]);
  return s;
}

/**
 * Synthetic int8 weights directly (Laplace, per-tensor max scale), without keeping float copies: for scale runs.
 * Equivalent to quantize({ weights: synthWeights(...) }) but one pass and 1 byte per weight. Always Laplace: `dist`
 * and `scale` are ignored (the max scaling removes the scale).
 */
export function synthQuantized(
  opts: SynthOptions & {
    /** Weight bits including sign, 2..8: values in [−(2^(bits−1)−1), 2^(bits−1)−1] (default 8). */
    bits?: number;
  },
): Int8Array {
  const nOut = checkInt('nOut', opts.nOut),
    nIn = checkInt('nIn', opts.nIn);
  const bits = checkInt('bits', opts.bits ?? 8, 2, 8);
  const r = rng(opts.seed ?? 0);
  const n = nOut * nIn,
    qmax = 2 ** (bits - 1) - 1;
  // Laplace(0, 1) samples; the per-tensor scale is max|w| / qmax, found in a first pass over a float buffer chunk-free:
  // we draw uniforms twice from the same seed (cheaper than storing 4 bytes per weight).
  let m = 0;
  for (let i = 0; i < n; i++) {
    const u = r.next() - 0.5;
    const a = -Math.log(1 - 2 * Math.abs(u));
    if (a > m) m = a;
  }
  const r2 = rng(opts.seed ?? 0);
  const q = new Int8Array(n);
  const inv = m > 0 ? qmax / m : 0;
  for (let i = 0; i < n; i++) {
    const u = r2.next() - 0.5;
    const v = Math.round(Math.sign(u) * -Math.log(1 - 2 * Math.abs(u)) * inv);
    q[i] = v > qmax ? qmax : v < -qmax ? -qmax : v;
  }
  return q;
}
