/** A tiny seeded crossbar test model for the SWS tests (prune.test.ts, study.test.ts). */
import * as tf from '@tensorflow/tfjs';

/**
 * conv3×3 (`filters`, ReLU, 'valid') on 6×6×1 inputs → flatten → dense (`units`), He-normal kernels seeded 1 and 2:
 * fan-in 9 and 16·filters. The caller owns the model.
 */
export function tinyConvNet(filters: number, units: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 1],
        filters,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units, kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }),
    ],
  });
}
