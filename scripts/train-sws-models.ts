/**
 * Train the dense Fashion-MNIST models the SWS study uses and write them to kernel/cim/sws-models/<kind>/.
 *   npx tsx scripts/train-sws-models.ts [--only mixer,wide] [--n 12000] [--epochs 4] [--lr 0.002]
 *   … --from-saved [--seconds s]: skip training, re-evaluate and re-store the float32 model saved in the folder
 * The wide mixer (541K weights) is stored with float16 weights (tfjs manifest quantization, 1.1 MB), the others float32.
 * Images: the first `n` of a seeded (seed 1) shuffle of the training split (the bench fine-tunes on the same images and
 * measures accuracy on the test split). Test accuracy on 5000 test images goes to kernel/cim/sws-models/models.json.
 */
import { readFileSync, writeFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init } from '../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../kernel/core/data';
import { loadLayersModel, saveLayersModel } from '../kernel/core/io';
import { f32ToF16 } from '../kernel/core/io/dtypes';
import { SWS_MODEL_KINDS, buildSwsModel } from '../kernel/cim/sws-study';

const arg = (k: string): string | undefined => { const i = process.argv.indexOf(k); return i >= 0 ? process.argv[i + 1] : undefined; };

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const only = arg('--only')?.split(',');
  const n = Number(arg('--n') ?? 12000), epochs = Number(arg('--epochs') ?? 4), lr = Number(arg('--lr') ?? 2e-3);
  const dir = join(__dirname, '..', 'kernel', 'cim', 'sws-models');
  const metaPath = join(dir, 'models.json');
  const meta: Record<string, unknown> = existsSync(metaPath) ? JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown> : {};
  for (const kind of SWS_MODEL_KINDS) {
    if (only && !only.includes(kind)) continue;
    const t0 = Date.now();
    const train = loadFashionMnist({ split: 'train', limit: n, seed: 1 });
    const { x, y, yOneHot } = asTensors(train, { oneHot: true }); y.dispose();
    const fromSaved = process.argv.includes('--from-saved');
    const model = fromSaved ? await loadLayersModel(join(dir, kind)) : buildSwsModel(kind);
    model.compile({ optimizer: tf.train.adam(lr), loss: tf.losses.softmaxCrossEntropy });
    if (!fromSaved) await model.fit(x, yOneHot!, { epochs, batchSize: 64, shuffle: true, verbose: 0, callbacks: {
      onBatchEnd: (b, logs) => { if (b % 50 === 0) process.stdout.write(`  ${kind} batch ${b} loss ${logs?.loss?.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`); },
      onEpochEnd: (e, logs) => { console.log(`${kind} epoch ${e + 1}/${epochs} loss ${logs?.loss?.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`); },
    } });
    const te = asTensors(loadFashionMnist({ split: 'test', limit: 5000, seed: 2 }));
    const acc = tf.tidy(() => (model.predict(te.x, { batchSize: 256 }) as tf.Tensor).argMax(-1).equal(te.y).mean().dataSync()[0]!);
    te.x.dispose(); te.y.dispose(); x.dispose(); yOneHot!.dispose();
    await saveLayersModel(model, join(dir, kind));
    if (kind === 'wide' || kind === 'widepool') toFloat16(join(dir, kind));
    if (kind === 'large') toInt8(join(dir, kind));
    meta[kind] = { trainImages: n, trainSeed: 1, epochs, optimizer: `adam ${lr}, batch 64, shuffled`, testAcc: Number(acc.toFixed(4)), testImages: '5000 (seed 2)',
      params: model.countParams(), seconds: fromSaved && arg('--seconds') ? Number(arg('--seconds')) : Math.round((Date.now() - t0) / 1000),
      licence: `trained here on Fashion-MNIST (MIT, Zalando Research); architectures = ${kind === 'large' ? 'transformer-like mixer at BERT-large width (1024/4096)' : kind === 'wide' ? 'wide transformer-like mixer with BERT-like fan-in' : kind === 'widepool' ? 'wide PoolFormer-style transformer-like model (weight-free token mixing)' : 'the CIM I models'} (kernel/cim/sws-study.ts)`, command: `npx tsx scripts/train-sws-models.ts --only ${kind} --n ${n} --epochs ${epochs} --lr ${lr}`,
      ...(kind === 'large' ? { storage: 'kernels as symmetric per-tensor int8 (tfjs uint8 manifest quantization with min = −128·scale: the CIM mapping recovers the same integers), biases float32; testAcc measured before int8 rounding', bytes: statSync(join(dir, kind, 'group1-shard1of1.bin')).size } : {}),
      ...(kind === 'wide' || kind === 'widepool' ? { storage: 'float16 weights (tfjs manifest quantization); testAcc measured before float16 rounding', bytes: statSync(join(dir, kind, 'group1-shard1of1.bin')).size } : {}) };
    console.log(`${kind}: test acc ${acc.toFixed(4)}, ${model.countParams()} params`);
    model.optimizer.dispose(); model.dispose();
    writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  }
}
/**
 * Rewrite a saved float32 tfjs model (one shard): kernels (rank ≥ 2) as symmetric per-tensor int8 stored with tfjs
 * 'uint8' quantization (w = scale·u + min, min = −128·scale, scale = max|w|/127, so w = scale·(u − 128) with u − 128 in
 * [−127, 127]); biases and other rank-1 weights stay float32.
 */
function toInt8(folder: string): void {
  const jsonPath = join(folder, 'model.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
  const group = json.weightsManifest[0]!;
  if (json.weightsManifest.length !== 1) throw new Error('expected one weights group');
  const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(folder, p))));
  const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  for (const p of group.paths) rmSync(join(folder, p));
  group.paths = ['group1-shard1of1.bin'];
  const parts: Uint8Array[] = [];
  let off = 0;
  for (const w of group.weights) {
    if (w.dtype !== 'float32') throw new Error(`weight ${w.name} is ${w.dtype}`);
    const n = w.shape.reduce((a, b) => a * b, 1), v = f32.subarray(off, off + n); off += n;
    if (w.shape.length < 2) { parts.push(new Uint8Array(Float32Array.from(v).buffer)); continue; }
    let mx = 0; for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(v[i]!));
    const scale = mx > 0 ? mx / 127 : 1, u = new Uint8Array(n);
    for (let i = 0; i < n; i++) u[i] = Math.round(v[i]! / scale) + 128;
    w.quantization = { dtype: 'uint8', scale, min: -128 * scale };
    parts.push(u);
  }
  const total = parts.reduce((a, p) => a + p.length, 0), out = new Uint8Array(total);
  let o = 0; for (const p of parts) { out.set(p, o); o += p.length; }
  writeFileSync(join(folder, group.paths[0]!), out);
  writeFileSync(jsonPath, JSON.stringify(json));
}

/** Rewrite a saved float32 tfjs model (one shard) with float16 weights, tagged as tfjs 'float16' quantization. */
function toFloat16(folder: string): void {
  const jsonPath = join(folder, 'model.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
  const group = json.weightsManifest[0]!;
  if (json.weightsManifest.length !== 1 || group.paths.length !== 1) throw new Error('expected one weights group with one shard');
  const buf = readFileSync(join(folder, group.paths[0]!));
  const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const f16 = new Uint16Array(f32.length);
  for (let i = 0; i < f32.length; i++) f16[i] = f32ToF16(f32[i]!);
  for (const w of group.weights) { if (w.dtype !== 'float32') throw new Error(`weight ${w.name} is ${w.dtype}`); w.quantization = { dtype: 'float16' }; }
  writeFileSync(join(folder, group.paths[0]!), new Uint8Array(f16.buffer));
  writeFileSync(jsonPath, JSON.stringify(json));
}

void main();
