/**
 * Train the StitchNet model zoo (kernel/stitch/zoo.ts: ZOO) and write it to kernel/stitch/zoo/<name>/ (model.json +
 * weights) plus the manifest kernel/stitch/zoo/zoo.json (training data, epochs, test accuracy, seconds).
 *   nice -n 10 npx tsx scripts/stitch/train-zoo.ts [--only mnist-vgg,both-res] [--force] [--out kernel/stitch/zoo]
 * Resumable: a network whose folder and manifest entry exist is skipped unless --force (or named in --only).
 * Seeded end to end (init, data shard, per-epoch order and augmentation); tfjs-wasm on CPU.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init } from '../../kernel/core/backend';
import { loadFashionMnist, loadMnist, type ImageDataset } from '../../kernel/core/data';
import { saveLayersModel } from '../../kernel/core/io';
import { rng as makeRng, type Rng } from '../../kernel/core/rng';
import { ZOO, mnistZooIds, type ZooSpec } from '../../kernel/stitch/zoo';

const arg = (k: string): string | undefined => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

interface Set {
  images: Float32Array;
  labels: Int32Array;
  n: number;
  /** Which rows are Fashion-MNIST (flip augmentation applies to them only). */
  fashion: Uint8Array;
}

function pick(ds: ImageDataset, ids: ArrayLike<number>, labelOffset: number, fashion: boolean): Set {
  const n = ids.length,
    px = 784;
  const images = new Float32Array(n * px),
    labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    images.set(ds.images.subarray(ids[i]! * px, (ids[i]! + 1) * px), i * px);
    labels[i] = ds.labels[ids[i]!]! + labelOffset;
  }
  return { images, labels, n, fashion: new Uint8Array(n).fill(fashion ? 1 : 0) };
}
function concat(a: Set, b: Set): Set {
  const images = new Float32Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Int32Array(a.n + b.n);
  labels.set(a.labels);
  labels.set(b.labels, a.n);
  const fashion = new Uint8Array(a.n + b.n);
  fashion.set(a.fashion);
  fashion.set(b.fashion, a.n);
  return { images, labels, n: a.n + b.n, fashion };
}

/** Training images of a zoo network (see ZooTrain); Fashion-MNIST train split, MNIST only inside mnistZooIds(). */
function trainSet(spec: ZooSpec): Set {
  const t = spec.train;
  const fmIds = (): number[] => {
    const fm = loadFashionMnist({ split: 'train' });
    const order = makeRng(100 + spec.seed).permutation(fm.n);
    const out: number[] = [];
    for (const j of order) if (!t.classes || t.classes.includes(fm.labels[j]!)) if (out.push(j) >= t.n) break;
    return out;
  };
  const mnIds = (): number[] => {
    const ids = mnistZooIds();
    const order = makeRng(200 + spec.seed).permutation(ids.length);
    return Array.from(order.subarray(0, Math.min(t.n, ids.length)), (j) => ids[j]!);
  };
  if (t.source === 'fashion-mnist') return pick(loadFashionMnist({ split: 'train' }), fmIds(), 0, true);
  if (t.source === 'mnist') return pick(loadMnist({ split: 'train' }), mnIds(), 0, false);
  return concat(pick(loadFashionMnist({ split: 'train' }), fmIds(), 0, true), pick(loadMnist({ split: 'train' }), mnIds(), 10, false));
}

/** Test images of the network's own task (class subset applied; 'both' = 2,000 F-MNIST + the MNIST test split). */
function testSet(spec: ZooSpec): Set {
  const t = spec.train;
  const fm = () => {
    const d = loadFashionMnist({ split: 'test', limit: 2000 });
    const ids = Array.from({ length: d.n }, (_, i) => i).filter((i) => !t.classes || t.classes.includes(d.labels[i]!));
    return pick(d, ids, 0, true);
  };
  const mn = (off: number) => {
    const d = loadMnist({ split: 'test' });
    return pick(
      d,
      Array.from({ length: d.n }, (_, i) => i),
      off,
      false,
    );
  };
  if (t.source === 'fashion-mnist') return fm();
  if (t.source === 'mnist') return mn(0);
  return concat(fm(), mn(10));
}

/** ±2-pixel shift (zero fill) and, for Fashion-MNIST rows, a horizontal flip with probability 1/2. */
function augment(s: Set, r: Rng): Float32Array {
  const out = new Float32Array(s.images.length);
  for (let i = 0; i < s.n; i++) {
    const dx = r.int(5) - 2,
      dy = r.int(5) - 2;
    const flip = s.fashion[i] === 1 && r.next() < 0.5;
    const src = s.images.subarray(i * 784, (i + 1) * 784);
    for (let y = 0; y < 28; y++) {
      const sy = y - dy;
      if (sy < 0 || sy > 27) continue;
      for (let x = 0; x < 28; x++) {
        let sx = x - dx;
        if (sx < 0 || sx > 27) continue;
        if (flip) sx = 27 - sx;
        out[i * 784 + y * 28 + x] = src[sy * 28 + sx]!;
      }
    }
  }
  return out;
}

async function trainOne(spec: ZooSpec, dir: string): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const t = spec.train;
  const set = trainSet(spec);
  const classes = t.source === 'both' ? 20 : 10;
  const model = spec.build(spec.seed);
  model.compile({ optimizer: tf.train.adam(2e-3), loss: tf.losses.softmaxCrossEntropy });
  const r = makeRng(300 + spec.seed);
  for (let e = 0; e < t.epochs; e++) {
    const order = r.permutation(set.n);
    const imgs = t.aug ? augment(set, r) : set.images;
    const xs = new Float32Array(set.n * 784),
      ys = new Int32Array(set.n);
    for (let i = 0; i < set.n; i++) {
      xs.set(imgs.subarray(order[i]! * 784, (order[i]! + 1) * 784), i * 784);
      ys[i] = set.labels[order[i]!]!;
    }
    const x = tf.tensor4d(xs, [set.n, 28, 28, 1]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(ys, 'int32'), classes).toFloat());
    const h = await model.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    x.dispose();
    y.dispose();
    console.log(
      `${spec.name} epoch ${e + 1}/${t.epochs} loss ${Number(h.history.loss![0]).toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  const te = testSet(spec);
  const x = tf.tensor4d(te.images, [te.n, 28, 28, 1]);
  const pred = tf.tidy(() => (model.predict(x, { batchSize: 256 }) as tf.Tensor).argMax(-1).dataSync());
  x.dispose();
  let ok = 0;
  for (let i = 0; i < te.n; i++) if (pred[i] === te.labels[i]) ok++;
  await saveLayersModel(model, join(dir, spec.name));
  const entry = {
    domain: spec.domain,
    arch: spec.arch,
    width: spec.width,
    seed: spec.seed,
    classes: t.classes ?? 'all',
    trainImages: set.n,
    augmentation: t.aug ? '±2 px shifts' + (t.source !== 'mnist' ? ', horizontal flips (Fashion-MNIST rows)' : '') : 'none',
    epochs: t.epochs,
    testImages: te.n,
    testAcc: Number((ok / te.n).toFixed(4)),
    params: model.countParams(),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  console.log(`${spec.name}: test acc ${entry.testAcc} on ${te.n} images of its own task, ${entry.params} params`);
  model.optimizer.dispose();
  model.dispose();
  return entry;
}

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const only = arg('--only')?.split(',');
  const force = process.argv.includes('--force');
  const dir = arg('--out') ?? join(__dirname, '..', '..', 'kernel', 'stitch', 'zoo');
  const metaPath = join(dir, 'zoo.json');
  const meta: Record<string, unknown> = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>) : {};
  for (const spec of ZOO) {
    if (only && !only.includes(spec.name)) continue;
    const done = existsSync(join(dir, spec.name, 'model.json')) && meta[spec.name] !== undefined;
    if (done && !force && !only) {
      console.log(`${spec.name}: already trained (skip; --force or --only ${spec.name} to retrain)`);
      continue;
    }
    meta[spec.name] = await trainOne(spec, dir);
    writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  }
}
void main();
