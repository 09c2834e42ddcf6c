/**
 * Train the two dense Fashion-MNIST models the SWS study uses and write them to kernel/cim/sws-models/<kind>/.
 *   npx tsx scripts/train-sws-models.ts [--only mixer] [--n 12000] [--epochs 4]
 * Images: the first `n` of a seeded (seed 1) shuffle of the training split (the bench fine-tunes on the same images and
 * measures accuracy on the test split). Test accuracy on 5000 test images goes to kernel/cim/sws-models/models.json.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init } from '../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../kernel/core/data';
import { saveLayersModel } from '../kernel/core/io';
import { buildSwsModel, type SwsModelKind } from '../kernel/cim/sws-study';

const arg = (k: string): string | undefined => { const i = process.argv.indexOf(k); return i >= 0 ? process.argv[i + 1] : undefined; };

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const only = arg('--only')?.split(',');
  const n = Number(arg('--n') ?? 12000), epochs = Number(arg('--epochs') ?? 4);
  const dir = join(__dirname, '..', 'kernel', 'cim', 'sws-models');
  const metaPath = join(dir, 'models.json');
  const meta: Record<string, unknown> = existsSync(metaPath) ? JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown> : {};
  for (const kind of ['mixer', 'cnn'] as SwsModelKind[]) {
    if (only && !only.includes(kind)) continue;
    const t0 = Date.now();
    const train = loadFashionMnist({ split: 'train', limit: n, seed: 1 });
    const { x, y, yOneHot } = asTensors(train, { oneHot: true }); y.dispose();
    const model = buildSwsModel(kind);
    model.compile({ optimizer: tf.train.adam(2e-3), loss: tf.losses.softmaxCrossEntropy });
    await model.fit(x, yOneHot!, { epochs, batchSize: 64, shuffle: true, verbose: 0, callbacks: {
      onEpochEnd: (e, logs) => { console.log(`${kind} epoch ${e + 1}/${epochs} loss ${logs?.loss?.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`); },
    } });
    const te = asTensors(loadFashionMnist({ split: 'test', limit: 5000, seed: 2 }));
    const acc = tf.tidy(() => (model.predict(te.x, { batchSize: 256 }) as tf.Tensor).argMax(-1).equal(te.y).mean().dataSync()[0]!);
    te.x.dispose(); te.y.dispose(); x.dispose(); yOneHot!.dispose();
    await saveLayersModel(model, join(dir, kind));
    meta[kind] = { trainImages: n, trainSeed: 1, epochs, optimizer: 'adam 2e-3, batch 64, shuffled', testAcc: Number(acc.toFixed(4)), testImages: '5000 (seed 2)',
      params: model.countParams(), seconds: Math.round((Date.now() - t0) / 1000),
      licence: 'trained here on Fashion-MNIST (MIT, Zalando Research); architectures = the CIM I models (kernel/cim/sws-study.ts)', command: `npx tsx scripts/train-sws-models.ts --only ${kind} --n ${n} --epochs ${epochs}` };
    console.log(`${kind}: test acc ${acc.toFixed(4)}, ${model.countParams()} params`);
    model.optimizer.dispose(); model.dispose();
    writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  }
}
void main();
