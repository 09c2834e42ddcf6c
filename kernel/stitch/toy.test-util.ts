/** Tiny seeded networks (8×8×1 inputs, tanh so no channel is ever dead) for StitchNet tests. */
import * as tf from '@tensorflow/tfjs';
import { rng } from '../core/rng';

type S = tf.SymbolicTensor;
function ini(seed: number) {
  const r = rng(seed);
  return () => tf.initializers.glorotNormal({ seed: r.seedInt() });
}

/** conv4 → conv4 → GAP → dense3. Fragments: [conv] [conv, gap] [dense]. */
export function toyA(seed = 1): tf.LayersModel {
  const k = ini(seed);
  return tf.sequential({
    name: 'toyA',
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: k(),
        biasInitializer: 'randomNormal',
      }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: k() }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3, kernelInitializer: k() }),
    ],
  });
}

/** conv3 → [conv3 + skip] → depthwise → conv5 (1×1) → GAP → dense3. Fragments: [conv, conv, add, dw] [pw, gap] [dense]. */
export function toyB(seed = 2): tf.LayersModel {
  const k = ini(seed);
  const inp = tf.input({ shape: [8, 8, 1] });
  const a = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: k() }).apply(inp) as S;
  const b = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: k() }).apply(a) as S;
  const s = tf.layers.add().apply([a, b]) as S;
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: k() }).apply(s) as S;
  const p = tf.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'tanh', kernelInitializer: k() }).apply(d) as S;
  const g = tf.layers.globalAveragePooling2d({}).apply(p) as S;
  return tf.model({ name: 'toyB', inputs: inp, outputs: tf.layers.dense({ units: 3, kernelInitializer: k() }).apply(g) as S });
}

/** conv6/2 → conv2 → GAP → dense4 → dense3. Fragments: [conv] [conv, gap] [dense] [dense]. */
export function toyC(seed = 3): tf.LayersModel {
  const k = ini(seed);
  return tf.sequential({
    name: 'toyC',
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'tanh',
        kernelInitializer: k(),
      }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: k() }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: k() }),
      tf.layers.dense({ units: 3, kernelInitializer: k() }),
    ],
  });
}

export function toyImages(n: number, seed = 9): { images: Float32Array; n: number; height: number; width: number } {
  const r = rng(seed);
  const images = new Float32Array(n * 64);
  for (let i = 0; i < images.length; i++) images[i] = r.next();
  return { images, n, height: 8, width: 8 };
}
