/**
 * train.wasm_over_cpu: samples/s of one training epoch of the same tiny CNN on the same 1,024 Fashion-MNIST
 * images (same seed, same batches) on the wasm backend (with EdgeLab's training kernels) over the cpu backend,
 * in one process. wasm: median of 3 epochs (after a warm-up epoch); cpu: one epoch (it takes ~1.5 min).
 */
import * as tf from '@tensorflow/tfjs';
import { init } from '../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../kernel/core/data';
import { tinyCnn } from '../kernel/core/models';
import { record, median, type BenchContext } from './lib';

export const prefix = 'train';

async function epoch(backend: 'wasm' | 'cpu', n: number, epochs: number): Promise<{ secs: number[]; loss: number }> {
  await init({ backend });
  const ds = loadFashionMnist({ split: 'train', limit: n, seed: 1 });
  const { x, y, yOneHot } = asTensors(ds, { oneHot: true });
  y.dispose();
  const model = tinyCnn({ seed: 1 });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.losses.softmaxCrossEntropy });
  const secs: number[] = [];
  let loss = NaN;
  for (let e = 0; e < epochs; e++) {
    const t = performance.now();
    const h = await model.fit(x, yOneHot!, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    secs.push((performance.now() - t) / 1000);
    if (e === 0) loss = h.history.loss[0] as number;
  }
  x.dispose(); yOneHot!.dispose(); model.optimizer.dispose(); model.dispose();
  return { secs, loss };
}

export async function run(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 256 : 1024;
  const w = await epoch('wasm', n, 4);
  const wasmRate = n / median(w.secs.slice(1));
  ctx.log(`wasm: ${wasmRate.toFixed(0)} samples/s (epochs ${w.secs.map((s) => s.toFixed(2)).join(', ')} s), first-epoch loss ${w.loss.toFixed(4)}`);
  const c = await epoch('cpu', n, 1);
  const cpuRate = n / c.secs[0]!;
  ctx.log(`cpu:  ${cpuRate.toFixed(1)} samples/s (${c.secs[0]!.toFixed(1)} s), first-epoch loss ${c.loss.toFixed(4)}`);
  ctx.log(`ratio ${(wasmRate / cpuRate).toFixed(1)}×; same math: |Δloss| = ${Math.abs(w.loss - c.loss).toExponential(2)}`);
  await init({ backend: 'wasm' });
  record({
    'train.wasm_over_cpu': {
      value: wasmRate / cpuRate, unit: 'ratio of samples/s',
      baseline: { name: 'tfjs cpu backend, same model, data and batches', value: cpuRate, unit: 'samples/s' },
      notes: `tinyCnn (25.8K params), ${n} Fashion-MNIST images, batch 64, Adam; wasm ${wasmRate.toFixed(0)} samples/s (median of 3 warm epochs), ` +
        `cpu 1 epoch; first-epoch loss wasm ${w.loss.toFixed(4)} vs cpu ${c.loss.toFixed(4)}`,
    },
  }, { command: ctx.command });
}
