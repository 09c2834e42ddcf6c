/**
 * Small reference models shared by tutorials, tests and benchmarks.
 */
import * as tf from '@tensorflow/tfjs';
import { rng as makeRng } from '../rng';
import { checkInt } from '../errors';

export interface TinyCnnOptions {
  seed?: number;
  /** [H, W, C], default [28, 28, 1]. */
  inputShape?: [number, number, number];
  classes?: number;
}

/**
 * A 25.8K-parameter CNN exercising every training kernel wasm needed help with:
 * conv3×3(16)+relu → maxpool2 → depthwise3×3 → conv1×1(32)+relu → conv3×3/2(32)+relu → flatten → dense(classes).
 * Returns an uncompiled model the caller owns (dispose it).
 */
export function tinyCnn(opts: TinyCnnOptions = {}): tf.Sequential {
  const r = makeRng(opts.seed ?? 0);
  const classes = checkInt('classes', opts.classes ?? 10, 2);
  const init = () => tf.initializers.heNormal({ seed: r.seedInt() });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: opts.inputShape ?? [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: init() }),
      tf.layers.conv2d({ filters: 32, kernelSize: 1, activation: 'relu', kernelInitializer: init() }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.flatten(),
      tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }),
    ],
  });
}
