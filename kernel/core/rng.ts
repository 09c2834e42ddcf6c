/**
 * Seeded randomness. Every random choice in EdgeLab flows from an `Rng` made by `rng(seed)`:
 * same seed ⇒ same numbers, on every platform (pure integer arithmetic, no Math.random).
 *
 * Generator: xoshiro128** (Blackman & Vigna) seeded through splitmix32, 32-bit state words.
 */
import { InvalidInput, describe } from './errors';

export interface Rng {
  readonly seed: number;
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo?: number, hi?: number): number;
  /** Standard normal (Box–Muller), times `std`, plus `mean`. */
  normal(mean?: number, std?: number): number;
  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T>(a: T[]): T[];
  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array;
  /** k distinct indices from 0..n-1 (in random order). */
  sample(n: number, k: number): Int32Array;
  /** Independent child generator (for a sub-task), derived deterministically. */
  fork(tag?: number): Rng;
  /** An integer seed for APIs that take one (tfjs initializers, tf.randomNormal). */
  seedInt(): number;
  /** Fill a Float32Array with normals. */
  normals(n: number, mean?: number, std?: number): Float32Array;
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A seeded generator (xoshiro128**): the same integer seed gives the same numbers on every platform. Throws
 *  InvalidInput for a seed that is not a finite integer. */
export function rng(seed: number): Rng {
  if (typeof seed !== 'number' || !Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new InvalidInput(`seed must be a finite integer, got ${describe(seed)}`);
  }
  const sm = splitmix32((seed | 0) ^ (Math.floor(seed / 2 ** 32) | 0));
  let s0 = sm(),
    s1 = sm(),
    s2 = sm(),
    s3 = sm();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  let spare: number | null = null;
  const uint32 = (): number => {
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return r;
  };
  const next = (): number => uint32() / 4294967296;
  const int = (n: number): number => {
    if (!(n >= 1) || !Number.isInteger(n)) throw new InvalidInput(`rng.int(n) needs an integer n ≥ 1, got ${describe(n)}`);
    if (n <= 4294967296) {
      // rejection sampling keeps it unbiased
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const u = uint32();
        if (u < limit) return u % n;
      }
    }
    return Math.floor(next() * n);
  };
  const normal = (mean = 0, std = 1): number => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  };
  let forks = 0;
  const self: Rng = {
    seed,
    next,
    uint32,
    int,
    normal,
    uniform: (lo = 0, hi = 1) => lo + (hi - lo) * next(),
    shuffle<T>(a: T[]): T[] {
      for (let i = a.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
      }
      return a;
    },
    permutation(n: number): Int32Array {
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = int(i + 1);
        const t = p[i]!;
        p[i] = p[j]!;
        p[j] = t;
      }
      return p;
    },
    sample(n: number, k: number): Int32Array {
      if (k > n || k < 0) throw new InvalidInput(`cannot sample ${k} distinct items from ${n}`);
      if (k * 4 < n) {
        const seen = new Set<number>();
        const out = new Int32Array(k);
        let m = 0;
        while (m < k) {
          const v = int(n);
          if (!seen.has(v)) {
            seen.add(v);
            out[m++] = v;
          }
        }
        return out;
      }
      return self.permutation(n).subarray(0, k).slice();
    },
    fork(tag = 0): Rng {
      forks++;
      return rng(((seed * 1000003) ^ Math.imul(forks, 0x27d4eb2d) ^ Math.imul(tag + 1, 0x165667b1)) | 0);
    },
    seedInt: () => uint32() & 0x7fffffff,
    normals(n: number, mean = 0, std = 1): Float32Array {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = normal(mean, std);
      return out;
    },
  };
  return self;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
