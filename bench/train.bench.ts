/**
 * train.fast_kernels_speedup_*: step time of the same training with the wasm backend's own matMul / conv-backprop
 * kernels over EdgeLab's exact rewrites (kernel/core/wasm-grads.ts, setFastWasmKernels), interleaved in one process.
 * train.wasm_over_cpu: samples/s of one training epoch of the same tiny CNN on the same 1,024 Fashion-MNIST
 * images (same seed, same batches) on the wasm backend (with EdgeLab's training kernels) over the cpu backend,
 * in one process. wasm: median of 3 epochs (after a warm-up epoch); cpu: one epoch (it takes ~1.5 min).
 */
import * as tf from '@tensorflow/tfjs';
import { init } from '../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../kernel/core/data';
import { tinyCnn } from '../kernel/core/models/tiny';
import { setFastWasmKernels } from '../kernel/core/wasm-grads';
import { buildWideMixer } from '../kernel/core/models/fashion';
import { createModel, disposeGazeModel, trainSupervised, renderStream } from '../kernel/gaze';
import { record, median, type BenchContext, type QuickCheck } from './lib';

export const prefix = 'train';

/** bench-quick leaves it out: all three keys are timings (nothing deterministic to compare) and --quick still trains a cpu-backend epoch. */
export const quickCheck: QuickCheck = {
  keys: {},
  skip: 'timing keys only (no deterministic key); --quick still runs a cpu-backend training epoch (~1 min)',
};

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
    if (e === 0) loss = h.history.loss![0] as number;
  }
  x.dispose();
  yOneHot!.dispose();
  model.optimizer.dispose();
  model.dispose();
  return { secs, loss };
}

/** Seconds per step of `work` with the fast kernels on and off, interleaved `reps` times (first pair = warm-up). */
async function ab(work: () => Promise<number>, reps: number): Promise<{ fast: number; orig: number }> {
  const fast: number[] = [],
    orig: number[] = [];
  try {
    for (let r = 0; r <= reps; r++) {
      for (const on of [true, false]) {
        setFastWasmKernels(on);
        const s = await work();
        if (r > 0) (on ? fast : orig).push(s);
      }
    }
  } finally {
    setFastWasmKernels(true);
  }
  return { fast: median(fast), orig: median(orig) };
}

async function fastKernels(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm' });
  const reps = ctx.quick ? 1 : 3;
  // DFT Gaze teacher (ConvNeXt V2, 3.58M params: matMul pointwise layers + depthwise 7×7), 32×64, batch 24
  const gaze = await ab(async () => {
    const t = createModel('teacher', { seed: 0 });
    const src = renderStream({ seed: 0, idBase: 20000, nUsers: 50, height: 32, width: 64 });
    const steps = 4,
      t0 = performance.now();
    await trainSupervised(t, src, { steps, batch: 24, seed: 1, group: 'all', lr: 1e-3, progress: false, logEvery: 1000 });
    disposeGazeModel(t);
    return (performance.now() - t0) / 1000 / steps;
  }, reps);
  // the SWS wide mixer (Conv2D 7×7/s7 + 1×1, Dense over tokens), 256 Fashion-MNIST images, batch 64
  const ds = asTensors(loadFashionMnist({ split: 'train', limit: 256, seed: 1 }), { oneHot: true });
  ds.y.dispose();
  const mixer = await ab(async () => {
    const m = buildWideMixer();
    m.compile({ optimizer: tf.train.adam(1e-3), loss: tf.losses.softmaxCrossEntropy });
    await m.fit(ds.x.slice(0, 64), ds.yOneHot!.slice(0, 64), { epochs: 1, batchSize: 64, verbose: 0 }); // build + warm
    const t0 = performance.now();
    await m.fit(ds.x, ds.yOneHot!, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
    const s = (performance.now() - t0) / 1000 / 4;
    m.optimizer.dispose();
    m.dispose();
    return s;
  }, reps);
  tf.dispose([ds.x, ds.yOneHot!]);
  ctx.log(
    `fast kernels: gaze teacher ${gaze.orig.toFixed(3)} → ${gaze.fast.toFixed(3)} s/step; wide mixer ${mixer.orig.toFixed(3)} → ${mixer.fast.toFixed(3)} s/batch`,
  );
  const note = `medians of ${reps} interleaved runs each, one process; the rewrites are exact up to float32 summation order (kernel/core/wasm-grads.test.ts)`;
  record(
    {
      'train.fast_kernels_speedup_gaze_teacher': {
        value: gaze.orig / gaze.fast,
        unit: 'ratio of s/step',
        baseline: {
          name: 'tfjs-wasm 4.22 own BatchMatMul/_FusedMatMul/Conv2DBackpropInput kernels, same steps',
          value: gaze.orig,
          unit: 's/step',
        },
        notes: `DFT Gaze teacher (3.58M params) training steps at 32×64, batch 24, images rendered in the loop (included); EdgeLab rewrites ${gaze.fast.toFixed(3)} s/step; ${note}`,
      },
      'train.fast_kernels_speedup_wide_mixer': {
        value: mixer.orig / mixer.fast,
        unit: 'ratio of s/batch',
        baseline: { name: 'tfjs-wasm 4.22 own kernels, same batches', value: mixer.orig, unit: 's/batch' },
        notes: `SWS wide mixer (542K weights; 7×7/s7 and 1×1 convs, Dense over tokens), model.fit on 256 Fashion-MNIST images, batch 64; EdgeLab rewrites ${mixer.fast.toFixed(3)} s/batch; ${note}`,
      },
    },
    { command: ctx.command },
  );
}

export async function run(ctx: BenchContext): Promise<void> {
  await fastKernels(ctx);
  const n = ctx.quick ? 256 : 1024;
  const w = await epoch('wasm', n, 4);
  const wasmRate = n / median(w.secs.slice(1));
  ctx.log(
    `wasm: ${wasmRate.toFixed(0)} samples/s (epochs ${w.secs.map((s) => s.toFixed(2)).join(', ')} s), first-epoch loss ${w.loss.toFixed(4)}`,
  );
  const c = await epoch('cpu', n, 1);
  const cpuRate = n / c.secs[0]!;
  ctx.log(`cpu:  ${cpuRate.toFixed(1)} samples/s (${c.secs[0]!.toFixed(1)} s), first-epoch loss ${c.loss.toFixed(4)}`);
  ctx.log(`ratio ${(wasmRate / cpuRate).toFixed(1)}×; same math: |Δloss| = ${Math.abs(w.loss - c.loss).toExponential(2)}`);
  await init({ backend: 'wasm' });
  record(
    {
      'train.wasm_over_cpu': {
        value: wasmRate / cpuRate,
        unit: 'ratio of samples/s',
        baseline: { name: 'tfjs cpu backend, same model, data and batches', value: cpuRate, unit: 'samples/s' },
        notes:
          `tinyCnn (25.8K params), ${n} Fashion-MNIST images, batch 64, Adam; wasm ${wasmRate.toFixed(0)} samples/s (median of 3 warm epochs), ` +
          `cpu 1 epoch; first-epoch loss wasm ${w.loss.toFixed(4)} vs cpu ${c.loss.toFixed(4)}`,
      },
    },
    { command: ctx.command },
  );
}
