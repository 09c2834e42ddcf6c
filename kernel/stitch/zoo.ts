/**
 * The in-project model zoo: small CNNs of different architectures and seeds trained on Fashion-MNIST (the source
 * domain) plus one trained on MNIST (a second domain, kept out of the default search because MNIST is the target).
 * Weights ship in kernel/stitch/zoo/<name>/ (model.json + one shard); `scripts/stitch/train-zoo.ts` retrains them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAsset } from '../core/assets';
import * as tf from '@tensorflow/tfjs';
import { rng as makeRng } from '../core/rng';
import { InvalidInput, NotFound, describe } from '../core/errors';
import { loadLayersModel } from '../core/io';

export interface ZooSpec {
  name: string;
  /** Training domain. */
  domain: 'fashion-mnist' | 'mnist';
  seed: number;
  /** Architecture family (for tables). */
  arch: 'vgg' | 'wide' | 'res' | 'dsconv';
  build: (seed: number) => tf.LayersModel;
}

type Init = ReturnType<typeof tf.initializers.heNormal>;
function inits(seed: number): { he: () => Init; glorot: () => Init } {
  const r = makeRng(seed);
  return { he: () => tf.initializers.heNormal({ seed: r.seedInt() }), glorot: () => tf.initializers.glorotUniform({ seed: r.seedInt() }) };
}

/** conv8-conv8-pool-conv16-conv16-pool-conv32-GAP-dense10 (plain VGG-like). */
export function vggNet(seed: number, name = 'vgg'): tf.LayersModel {
  const { he, glorot } = inits(seed);
  const c = (f: number) => tf.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() });
  return tf.sequential({
    name,
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: he(),
      }),
      c(8),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      c(16),
      c(16),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      c(32),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10, kernelInitializer: glorot() }),
    ],
  });
}

/** conv16-pool-conv32-pool-conv48-GAP-dense32-dense10 (wider, shallower, two dense layers). */
export function wideNet(seed: number, name = 'wide'): tf.LayersModel {
  const { he, glorot } = inits(seed);
  return tf.sequential({
    name,
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: he(),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 48, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: he() }),
      tf.layers.dense({ units: 10, kernelInitializer: glorot() }),
    ],
  });
}

/** conv12 → residual block → pool → conv24 → residual block → GAP → dense10, with BatchNorm (no cut across the adds). */
export function resNet(seed: number, name = 'res'): tf.LayersModel {
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
  let x = tf.layers
    .conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() })
    .apply(inp) as tf.SymbolicTensor;
  x = block(x, 12);
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 24, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: he() })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = block(x, 24);
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, kernelInitializer: glorot() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name, inputs: inp, outputs: out });
}

/** conv16-pool-[dw3×3, pw32]-pool-[dw3×3, pw48]-GAP-dense10 (depthwise-separable; depthwise inputs are not cut points). */
export function dsconvNet(seed: number, name = 'dsconv'): tf.LayersModel {
  const { he, glorot } = inits(seed);
  return tf.sequential({
    name,
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: he(),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: he() }),
      tf.layers.conv2d({ filters: 32, kernelSize: 1, activation: 'relu', kernelInitializer: he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: he() }),
      tf.layers.conv2d({ filters: 48, kernelSize: 1, activation: 'relu', kernelInitializer: he() }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10, kernelInitializer: glorot() }),
    ],
  });
}

/** The shipped zoo (names are folder names under kernel/stitch/zoo/). */
export const ZOO: ZooSpec[] = [
  { name: 'vgg-s1', domain: 'fashion-mnist', seed: 1, arch: 'vgg', build: (s) => vggNet(s, 'vgg_s1') },
  { name: 'vgg-s2', domain: 'fashion-mnist', seed: 2, arch: 'vgg', build: (s) => vggNet(s, 'vgg_s2') },
  { name: 'wide', domain: 'fashion-mnist', seed: 3, arch: 'wide', build: (s) => wideNet(s, 'wide') },
  { name: 'res', domain: 'fashion-mnist', seed: 4, arch: 'res', build: (s) => resNet(s, 'res') },
  { name: 'dsconv', domain: 'fashion-mnist', seed: 5, arch: 'dsconv', build: (s) => dsconvNet(s, 'dsconv') },
  { name: 'mnist-vgg', domain: 'mnist', seed: 6, arch: 'vgg', build: (s) => vggNet(s, 'mnist_vgg') },
];

/** Folder of the shipped zoo (core/assets 'stitch-zoo': $EDGELAB_ASSETS, beside the bundle, the repo). */
export function zooDir(): string {
  return resolveAsset('stitch-zoo');
}

export interface LoadZooOptions {
  /** Which networks (default: the Fashion-MNIST ones, i.e. the source domain of the fixed target task). */
  names?: string[];
  /** Include the MNIST-trained network when `names` is not given (default false). */
  includeMnist?: boolean;
  /** Folder holding <name>/model.json (default: the shipped zoo). */
  dir?: string;
}

/** Load zoo networks as tfjs LayersModels. The caller owns the returned models (dispose them). */
export async function loadZoo(opts: LoadZooOptions = {}): Promise<{ name: string; spec?: ZooSpec; model: tf.LayersModel }[]> {
  const dir = opts.dir ?? zooDir();
  const names = opts.names ?? ZOO.filter((z) => opts.includeMnist || z.domain === 'fashion-mnist').map((z) => z.name);
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
