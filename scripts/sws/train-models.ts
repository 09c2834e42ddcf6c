/**
 * Train the dense Fashion-MNIST models the SWS study uses and write them to kernel/core/models/fashion-mnist/<kind>/.
 *   npx tsx scripts/sws/train-models.ts [--only mixer,wide] [--n 12000] [--epochs 4] [--lr 0.002]
 *   … --from-saved [--seconds s]: skip training, re-evaluate and re-store the float32 model saved in the folder
 * Storage: the wide models as float16 (tfjs manifest quantization), the large ones as symmetric int8, the others float32.
 * Images: the first `n` of a seeded (seed 1) shuffle of the training split (the bench fine-tunes on the same images and
 * measures accuracy on the test split). Test accuracy on 5000 test images goes to kernel/core/models/fashion-mnist/models.json.
 */
import { readFileSync, writeFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init } from '../../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../../kernel/core/data';
import { loadLayersModel, saveLayersModel } from '../../kernel/core/io';
import { f32ToF16 } from '../../kernel/core/io/dtypes';
import { SWS_MODEL_KINDS, buildSwsModel, type SwsModelKind } from '../../kernel/core/models/fashion';

const arg = (k: string): string | undefined => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Storage of the shipped weights per kind (default float32): the large models as int8, the wide ones as float16. */
const STORAGE: Partial<Record<SwsModelKind, 'int8' | 'float16'>> = {
  wide: 'float16',
  widepool: 'float16',
  large: 'int8',
  largepool: 'int8',
};
const STORAGE_NOTE = {
  int8: 'kernels as symmetric per-tensor int8 (tfjs uint8 manifest quantization with min = −128·scale: the CIM mapping recovers the same integers), biases float32; testAcc measured before int8 rounding',
  float16: 'float16 weights (tfjs manifest quantization); testAcc measured before float16 rounding',
};
const ARCH: Partial<Record<SwsModelKind, string>> = {
  large: 'transformer-like mixer at BERT-large width (1024/4096)',
  largepool: 'PoolFormer-style transformer-like model at BERT-large width (weight-free token mixing, 1024/4096)',
  wide: 'wide transformer-like mixer with BERT-like fan-in',
  widepool: 'wide PoolFormer-style transformer-like model (weight-free token mixing)',
};

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const only = arg('--only')?.split(',');
  const n = Number(arg('--n') ?? 12000),
    epochs = Number(arg('--epochs') ?? 4),
    lr = Number(arg('--lr') ?? 2e-3);
  const dir = join(__dirname, '..', '..', 'kernel', 'core', 'models', 'fashion-mnist');
  const metaPath = join(dir, 'models.json');
  const meta: Record<string, unknown> = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>) : {};
  for (const kind of SWS_MODEL_KINDS) {
    if (only && !only.includes(kind)) continue;
    const t0 = Date.now();
    const train = loadFashionMnist({ split: 'train', limit: n, seed: 1 });
    const { x, y, yOneHot } = asTensors(train, { oneHot: true });
    y.dispose();
    const fromSaved = process.argv.includes('--from-saved');
    const model = fromSaved ? await loadLayersModel(join(dir, kind)) : buildSwsModel(kind);
    model.compile({ optimizer: tf.train.adam(lr), loss: tf.losses.softmaxCrossEntropy });
    if (!fromSaved)
      await model.fit(x, yOneHot!, {
        epochs,
        batchSize: 64,
        shuffle: true,
        verbose: 0,
        callbacks: {
          onBatchEnd: (b, logs) => {
            if (b % 50 === 0)
              process.stdout.write(`  ${kind} batch ${b} loss ${logs?.loss?.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
          },
          onEpochEnd: (e, logs) => {
            console.log(`${kind} epoch ${e + 1}/${epochs} loss ${logs?.loss?.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
          },
        },
      });
    const te = asTensors(loadFashionMnist({ split: 'test', limit: 5000, seed: 2 }));
    const acc = tf.tidy(() => (model.predict(te.x, { batchSize: 256 }) as tf.Tensor).argMax(-1).equal(te.y).mean().dataSync()[0]!);
    te.x.dispose();
    te.y.dispose();
    x.dispose();
    yOneHot!.dispose();
    await saveLayersModel(model, join(dir, kind));
    const storage = STORAGE[kind];
    if (storage === 'float16') toFloat16(join(dir, kind));
    if (storage === 'int8') toInt8(join(dir, kind));
    meta[kind] = {
      trainImages: n,
      trainSeed: 1,
      epochs,
      optimizer: `adam ${lr}, batch 64, shuffled`,
      testAcc: Number(acc.toFixed(4)),
      testImages: '5000 (seed 2)',
      params: model.countParams(),
      seconds: fromSaved && arg('--seconds') ? Number(arg('--seconds')) : Math.round((Date.now() - t0) / 1000),
      licence: `trained here on Fashion-MNIST (MIT, Zalando Research); architectures = ${ARCH[kind] ?? 'the CIM I models'} (kernel/core/models/fashion.ts)`,
      command: `npx tsx scripts/sws/train-models.ts --only ${kind} --n ${n} --epochs ${epochs} --lr ${lr}`,
      ...(storage ? { storage: STORAGE_NOTE[storage], bytes: statSync(join(dir, kind, 'group1-shard1of1.bin')).size } : {}),
    };
    console.log(`${kind}: test acc ${acc.toFixed(4)}, ${model.countParams()} params`);
    model.optimizer.dispose();
    model.dispose();
    writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  }
}
/**
 * Rewrite a saved float32 tfjs model (one weights group, any number of shards) into one shard, each weight's float32
 * values replaced by `encode`'s bytes (which also sets the manifest's quantization where it quantizes).
 */
function rewriteWeights(folder: string, encode: (w: tf.io.WeightsManifestEntry, v: Float32Array) => Uint8Array): void {
  const jsonPath = join(folder, 'model.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
  if (json.weightsManifest.length !== 1) throw new Error('expected one weights group');
  const group = json.weightsManifest[0]!;
  const bytes = new Uint8Array(Buffer.concat(group.paths.map((p) => readFileSync(join(folder, p))))); // copy: 4-byte aligned
  const f32 = new Float32Array(bytes.buffer, 0, bytes.length / 4);
  const parts: Uint8Array[] = [];
  let off = 0;
  for (const w of group.weights) {
    if (w.dtype !== 'float32') throw new Error(`weight ${w.name} is ${w.dtype}`);
    const n = w.shape.reduce((a, b) => a * b, 1);
    parts.push(encode(w, f32.subarray(off, off + n)));
    off += n;
  }
  for (const p of group.paths) rmSync(join(folder, p));
  group.paths = ['group1-shard1of1.bin'];
  writeFileSync(join(folder, group.paths[0]!), Buffer.concat(parts));
  writeFileSync(jsonPath, JSON.stringify(json));
}

/**
 * Kernels (rank ≥ 2) as symmetric per-tensor int8 stored with tfjs 'uint8' quantization (w = scale·u + min,
 * min = −128·scale, scale = max|w|/127, so w = scale·(u − 128) with u − 128 in [−127, 127]); biases and other rank-1
 * weights stay float32.
 */
function toInt8(folder: string): void {
  rewriteWeights(folder, (w, v) => {
    if (w.shape.length < 2) return new Uint8Array(Float32Array.from(v).buffer);
    let mx = 0;
    for (let i = 0; i < v.length; i++) mx = Math.max(mx, Math.abs(v[i]!));
    const scale = mx > 0 ? mx / 127 : 1,
      u = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) u[i] = Math.round(v[i]! / scale) + 128;
    w.quantization = { dtype: 'uint8', scale, min: -128 * scale };
    return u;
  });
}

/** Every weight as float16, tagged as tfjs 'float16' quantization. */
function toFloat16(folder: string): void {
  rewriteWeights(folder, (w, v) => {
    const f16 = new Uint16Array(v.length);
    for (let i = 0; i < v.length; i++) f16[i] = f32ToF16(v[i]!);
    w.quantization = { dtype: 'float16' };
    return new Uint8Array(f16.buffer);
  });
}

void main();
