/**
 * The in-project model zoo: twelve small networks of four architecture families (plain VGG-like CNN, wide CNN with two
 * dense layers, residual CNN with BatchNorm, depthwise-separable CNN), differing in width, training shard, augmentation
 * and source task (Fashion-MNIST 10-way, Fashion-MNIST class subsets, MNIST digits, and Fashion-MNIST + MNIST as one
 * 20-way task) — the stand-in for the paper's pool of ImageNet-trained torchvision models (arXiv 2301.01947, §4).
 * Weights ship in kernel/stitch/zoo/<name>/ (model.json + one shard); `scripts/stitch/train-zoo.ts` retrains them and
 * writes the manifest kernel/stitch/zoo/zoo.json (training data, epochs, test accuracy per network).
 *
 * Data hygiene: Fashion-MNIST networks train only on the Fashion-MNIST train split; MNIST networks only on the first
 * MNIST_ZOO_SHARD.n images of a fixed permutation of EdgeLab's MNIST train split (`mnistZooIds()`). Sub-task targets
 * (targets.ts) draw their stitching, validation and test images from the rest, so no zoo network saw them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAsset } from '../core/assets';
import * as tf from '@tensorflow/tfjs';
import { rng as makeRng } from '../core/rng';
import { InvalidInput, NotFound, describe } from '../core/errors';
import { loadLayersModel } from '../core/io';

/** What a zoo network was trained on. */
export interface ZooTrain {
  /** Source task: 'both' = Fashion-MNIST classes 0–9 and MNIST digits as classes 10–19 (20-way). */
  source: 'fashion-mnist' | 'mnist' | 'both';
  /** Keep only these source labels (a class subset of the source task); default all. */
  classes?: number[];
  /** Training images (for 'both': this many from each dataset). */
  n: number;
  epochs: number;
  /** Random ±2-pixel shifts (and, for Fashion-MNIST, horizontal flips) re-drawn every epoch. */
  aug: boolean;
}

export interface ZooSpec {
  name: string;
  /** Training domain (for tables; 'both' = joint 20-way task). */
  domain: 'fashion-mnist' | 'mnist' | 'both';
  seed: number;
  /** Architecture family (for tables). */
  arch: 'vgg' | 'wide' | 'res' | 'dsconv';
  /** Width multiplier of the channel counts (1 = the base family). */
  width: number;
  train: ZooTrain;
  build: (seed: number) => tf.LayersModel;
}

/** MNIST images the zoo may train on: the first `n` of a permutation (seed) of EdgeLab's MNIST train split. */
export const MNIST_ZOO_SHARD = { seed: 7, n: 4000 } as const;
/** Indices into loadMnist({ split: 'train' }) reserved for zoo training (never used by a sub-task target). */
export function mnistZooIds(trainSize = 7996): Int32Array {
  return makeRng(MNIST_ZOO_SHARD.seed).permutation(trainSize).slice(0, MNIST_ZOO_SHARD.n);
}
const w = (c: number, m: number) => Math.max(1, Math.round(c * m));

type Init = ReturnType<typeof tf.initializers.heNormal>;
function inits(seed: number): { he: () => Init; glorot: () => Init } {
  const r = makeRng(seed);
  return { he: () => tf.initializers.heNormal({ seed: r.seedInt() }), glorot: () => tf.initializers.glorotUniform({ seed: r.seedInt() }) };
}

/** 3×3 'same' ReLU conv of w(filters, width) channels; `input` makes it the first layer (28×28×1 images). */
function conv3(filters: number, width: number, kernelInitializer: Init, input = false): tf.layers.Layer {
  return tf.layers.conv2d({
    ...(input ? { inputShape: [28, 28, 1] } : {}),
    filters: w(filters, width),
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    kernelInitializer,
  });
}

/** conv8-conv8-pool-conv16-conv16-pool-conv32-GAP-dense10 (plain VGG-like). */
export function vggNet(seed: number, name = 'vgg', width = 1, classes = 10): tf.LayersModel {
  const { he, glorot } = inits(seed);
  const c = (f: number) => conv3(f, width, he());
  return tf.sequential({
    name,
    layers: [
      conv3(8, width, he(), true),
      c(8),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      c(16),
      c(16),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      c(32),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: classes, kernelInitializer: glorot() }),
    ],
  });
}

/** conv16-pool-conv32-pool-conv48-GAP-dense32-dense10 (wider, shallower, two dense layers). */
export function wideNet(seed: number, name = 'wide', width = 1, classes = 10): tf.LayersModel {
  const { he, glorot } = inits(seed);
  return tf.sequential({
    name,
    layers: [
      conv3(16, width, he(), true),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv3(32, width, he()),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv3(48, width, he()),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: w(32, width), activation: 'relu', kernelInitializer: he() }),
      tf.layers.dense({ units: classes, kernelInitializer: glorot() }),
    ],
  });
}

/** conv12 → residual block → pool → conv24 → residual block → GAP → dense10, with BatchNorm (no cut across the adds). */
export function resNet(seed: number, name = 'res', width = 1, classes = 10): tf.LayersModel {
  const { he, glorot } = inits(seed);
  const inp = tf.input({ shape: [28, 28, 1] });
  const block = (x: tf.SymbolicTensor, f: number): tf.SymbolicTensor => {
    let h = tf.layers
      .conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: he() })
      .apply(x) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({}).apply(h) as tf.SymbolicTensor;
    h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', kernelInitializer: he() }).apply(h) as tf.SymbolicTensor;
    const s = tf.layers.add().apply([x, h]) as tf.SymbolicTensor;
    return tf.layers.activation({ activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  };
  let x = conv3(12, width, he()).apply(inp) as tf.SymbolicTensor;
  x = block(x, w(12, width));
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = conv3(24, width, he()).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = block(x, w(24, width));
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, kernelInitializer: glorot() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name, inputs: inp, outputs: out });
}

/** conv16-pool-[dw3×3, pw32]-pool-[dw3×3, pw48]-GAP-dense10 (depthwise-separable; depthwise inputs are not cut points). */
export function dsconvNet(seed: number, name = 'dsconv', width = 1, classes = 10): tf.LayersModel {
  const { he, glorot } = inits(seed);
  return tf.sequential({
    name,
    layers: [
      conv3(16, width, he(), true),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: he() }),
      tf.layers.conv2d({ filters: w(32, width), kernelSize: 1, activation: 'relu', kernelInitializer: he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: he() }),
      tf.layers.conv2d({ filters: w(48, width), kernelSize: 1, activation: 'relu', kernelInitializer: he() }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: classes, kernelInitializer: glorot() }),
    ],
  });
}

const FM = (n: number, epochs: number, aug = false, classes?: number[]): ZooTrain => ({ source: 'fashion-mnist', n, epochs, aug, classes });
const MN = (n: number, epochs: number, aug = false): ZooTrain => ({ source: 'mnist', n, epochs, aug });
const BOTH = (n: number, epochs: number, aug = false): ZooTrain => ({ source: 'both', n, epochs, aug });
const BUILDERS = { vgg: vggNet, wide: wideNet, res: resNet, dsconv: dsconvNet } as const;
function spec(name: string, arch: ZooSpec['arch'], seed: number, width: number, train: ZooTrain): ZooSpec {
  const classes = train.source === 'both' ? 20 : 10;
  return { name, arch, seed, width, train, domain: train.source, build: (s) => BUILDERS[arch](s, name.replace(/-/g, '_'), width, classes) };
}

/**
 * The shipped zoo (names are folder names under kernel/stitch/zoo/). The first five are the first-round networks
 * (Fashion-MNIST, 16,000-image shards, 6 epochs); the rest (fewer images and epochs: trained on a shared 2-core box) add MNIST, class subsets, the joint task, widths and
 * augmentation. Every Fashion-MNIST subset keeps the 10-way output (unused classes never appear as labels).
 */
export const ZOO: ZooSpec[] = [
  spec('vgg-s1', 'vgg', 1, 1, FM(16000, 6)),
  spec('vgg-s2', 'vgg', 2, 1, FM(16000, 6)),
  spec('wide', 'wide', 3, 1, FM(16000, 6)),
  spec('res', 'res', 4, 1, FM(16000, 6)),
  spec('dsconv', 'dsconv', 5, 1, FM(16000, 6)),
  spec('mnist-vgg', 'vgg', 6, 1, MN(4000, 5)),
  spec('mnist-res-aug', 'res', 7, 1, MN(2000, 3, true)),
  spec('mnist-dsconv-w2', 'dsconv', 8, 2, MN(4000, 4)),
  spec('fm-tops-vgg-w1.5', 'vgg', 9, 1.5, FM(1500, 2, true, [0, 2, 3, 4, 6])),
  spec('fm-shoes-wide', 'wide', 10, 1, FM(2500, 3, false, [1, 5, 7, 8, 9])),
  spec('both-vgg-aug', 'vgg', 11, 1, BOTH(750, 3, true)),
  spec('both-res', 'res', 12, 1, BOTH(1000, 3)),
];

/** Folder of the shipped zoo (core/assets 'stitch-zoo': $EDGELAB_ASSETS, beside the bundle, the repo). */
export function zooDir(): string {
  return resolveAsset('stitch-zoo');
}

export interface LoadZooOptions {
  /** Which networks (default: the whole zoo). */
  names?: string[];
  /** Folder holding <name>/model.json (default: the shipped zoo). */
  dir?: string;
}

/** Load zoo networks as tfjs LayersModels. The caller owns the returned models (dispose them). */
export async function loadZoo(opts: LoadZooOptions = {}): Promise<{ name: string; spec?: ZooSpec; model: tf.LayersModel }[]> {
  const dir = opts.dir ?? zooDir();
  const names = opts.names ?? ZOO.map((z) => z.name);
  if (!Array.isArray(names) || names.length === 0)
    throw new InvalidInput(`names must be a non-empty array of zoo names, got ${describe(names)}`);
  const avail = existsSync(dir) ? readdirSync(dir) : [];
  const out: { name: string; spec?: ZooSpec; model: tf.LayersModel }[] = [];
  for (const n of names) {
    if (!avail.includes(n)) {
      for (const o of out) o.model.dispose();
      throw new NotFound(`zoo network ${describe(n)} not in ${dir}; available: ${avail.join(', ')}`);
    }
    out.push({ name: n, spec: ZOO.find((z) => z.name === n), model: await loadLayersModel(join(dir, n)) });
  }
  return out;
}

/** The zoo's manifest (zoo.json: training data, epochs, test accuracy on its own task, params, seconds per network). */
export function zooManifest(dir = zooDir()): Record<string, Record<string, unknown>> {
  const p = join(dir, 'zoo.json');
  if (!existsSync(p)) throw new NotFound(`zoo manifest ${p} not found; regenerate with: nice -n 10 npx tsx scripts/stitch/train-zoo.ts`);
  return JSON.parse(readFileSync(p, 'utf8')) as Record<string, Record<string, unknown>>;
}
