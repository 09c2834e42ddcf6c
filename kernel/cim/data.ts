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
  seed?: number;
}

/** Row-major [nOut][nIn] float weights. */
export function synthWeights(opts: SynthOptions): Float32Array {
  const nOut = checkInt('nOut', opts.nOut), nIn = checkInt('nIn', opts.nIn);
  const dist = opts.dist ?? 'laplace';
  if (dist !== 'laplace' && dist !== 'gaussian') throw new InvalidInput(`dist must be 'laplace' or 'gaussian', got ${describe(dist)}`);
  const b = opts.scale ?? 0.02;
  const r = rng(opts.seed ?? 0);
  const out = new Float32Array(nOut * nIn);
  if (dist === 'gaussian') { for (let i = 0; i < out.length; i++) out[i] = r.normal(0, b); return out; }
  for (let i = 0; i < out.length; i++) {
    const u = r.next() - 0.5;
    out[i] = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return out;
}
