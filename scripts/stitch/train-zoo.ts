/**
 * Train the StitchNet model zoo once and write it to kernel/stitch/zoo/<name>/ (model.json + weights).
 *   npx tsx scripts/stitch/train-zoo.ts [--only vgg-s1,wide] [--n 16000] [--epochs 6] [--out kernel/stitch/zoo]
 * Fashion-MNIST nets train on the first `n` images of a seeded shuffle of the training split; the MNIST net on
 * MNIST's train split. Test accuracy on the matching test split is written to kernel/stitch/zoo/zoo.json.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init } from '../../kernel/core/backend';
import { loadFashionMnist, loadMnist, asTensors } from '../../kernel/core/data';
import { saveLayersModel } from '../../kernel/core/io';
import { ZOO } from '../../kernel/stitch/zoo';

const arg = (k: string): string | undefined => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const only = arg('--only')?.split(',');
  const n = Number(arg('--n') ?? 16000),
    epochs = Number(arg('--epochs') ?? 6);
  const dir = arg('--out') ?? join(__dirname, '..', '..', 'kernel', 'stitch', 'zoo');
  const metaPath = join(dir, 'zoo.json');
  const meta: Record<string, unknown> = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>) : {};
  for (const spec of ZOO) {
    if (only && !only.includes(spec.name)) continue;
    const t0 = Date.now();
    const fm = spec.domain === 'fashion-mnist';
    const train = fm ? loadFashionMnist({ split: 'train', limit: n, seed: 100 + spec.seed }) : loadMnist({ split: 'train' });
    const test = fm ? loadFashionMnist({ split: 'test', limit: 2000 }) : loadMnist({ split: 'test' });
    const { x, y, yOneHot } = asTensors(train, { oneHot: true });
    y.dispose();
    const model = spec.build(spec.seed);
    model.compile({ optimizer: tf.train.adam(2e-3), loss: tf.losses.softmaxCrossEntropy, metrics: [] });
    await model.fit(x, yOneHot!, {
      epochs,
      batchSize: 64,
      shuffle: true,
      verbose: 0,
      callbacks: {
        onEpochEnd: (e, logs) => {
          console.log(`${spec.name} epoch ${e + 1}/${epochs} loss ${logs?.loss?.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        },
      },
    });
    const te = asTensors(test);
    const pred = tf.tidy(() => (model.predict(te.x, { batchSize: 256 }) as tf.Tensor).argMax(-1));
    const acc = tf.tidy(() => pred.equal(te.y).mean().dataSync()[0]!);
    pred.dispose();
    te.x.dispose();
    te.y.dispose();
    x.dispose();
    yOneHot!.dispose();
    await saveLayersModel(model, join(dir, spec.name));
    meta[spec.name] = {
      domain: spec.domain,
      arch: spec.arch,
      seed: spec.seed,
      trainImages: train.n,
      epochs,
      testAcc: Number(acc.toFixed(4)),
      params: model.countParams(),
      seconds: Math.round((Date.now() - t0) / 1000),
    };
    console.log(`${spec.name}: test acc ${acc.toFixed(4)} on ${test.name} (${test.n}), ${model.countParams()} params`);
    model.optimizer.dispose();
    model.dispose();
    writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  }
}
void main();
