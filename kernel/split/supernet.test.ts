import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { rng } from '../core/rng';
import { expectNoLeak } from '../core/testing';
import { InvalidInput } from '../core/errors';
import { Supernet, extremes, serializeSupernet, deserializeSupernet, calibrateSplitModules, trainSupernet, accuracy } from './supernet';
import type { SearchSpace } from './search';
import type { SplitConfig } from './types';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

const SPEC = { maxWidth: 8, maxKernel: 5, maxPre: 1, maxPost: 1, maxReduce: 4, phases: 2, classes: 3 };
const SPACE: SearchSpace = {
  phases: 2,
  resolutions: [8, 12],
  widths: [4, 8],
  kernels: [3, 5],
  nPre: [0, 1],
  nPost: [0, 1],
  splits: [0, 1, 2],
  reduces: [2, 4],
  bits: [8],
};
const images = (n: number, seed = 1) =>
  tf.tensor4d(
    rng(seed)
      .normals(n * 12 * 12)
      .map((v) => Math.abs(v) / 3),
    [n, 12, 12, 1],
  );

test('weight slicing: a sub-network equals a standalone network built from the sliced weights (width prefix, 3×3 = centre of 5×5)', () => {
  const net = new Supernet(SPEC, 3);
  const cfg: SplitConfig = {
    resolution: 12,
    split: 0,
    reduce: null,
    bits: null,
    phases: [
      { width: 4, kernel: 3, nPre: 0, nPost: 0 },
      { width: 8, kernel: 5, nPre: 0, nPost: 0 },
    ],
  };
  tf.tidy(() => {
    const x = images(2);
    const got = net.forward(x, cfg);
    // by hand: conv p1.down (3×3 centre, 1 → 4, stride 2), conv p2.down (5×5, 4 → 8, stride 2), GAP, dense
    const K1 = net.convs.get('p1.down')!.kernel.slice([1, 1, 0, 0], [3, 3, 1, 4]) as tf.Tensor4D;
    const K2 = net.convs.get('p2.down')!.kernel.slice([0, 0, 0, 0], [5, 5, 4, 8]) as tf.Tensor4D;
    const g1 = Math.sqrt((25 * 8) / 9),
      g2 = Math.sqrt((25 * 8) / (25 * 4));
    const h1 = tf.relu(tf.add(tf.mul(tf.conv2d(x, K1, 2, 'same'), g1), net.convs.get('p1.down')!.bias.slice(0, 4)));
    const h2 = tf.relu(tf.add(tf.mul(tf.conv2d(h1 as tf.Tensor4D, K2, 2, 'same'), g2), net.convs.get('p2.down')!.bias.slice(0, 8)));
    const want = tf.add(tf.matMul(tf.mean(h2, [1, 2]) as tf.Tensor2D, net.head.kernel.slice([0, 0], [8, 3]) as tf.Tensor2D), net.head.bias);
    assert.ok(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]! < 1e-5);
  });
  net.dispose();
});

test('split at a boundary changes nothing when reduce/recover are an exact PCA of rank-full features; a narrow code changes the output', () => {
  const net = new Supernet(SPEC, 4);
  const { max } = extremes(SPACE);
  const x = images(16);
  calibrateSplitModules(net, x, max); // reduce = all 4 components of… only c′ ≤ maxReduce = 4 < 8 channels
  tf.tidy(() => {
    const full = net.forward(x, max);
    const c2 = net.forward(x, { ...max, split: 1, reduce: 2, bits: null });
    const c4 = net.forward(x, { ...max, split: 1, reduce: 4, bits: null });
    const e2 = tf.mean(tf.abs(tf.sub(c2, full))).dataSync()[0]!,
      e4 = tf.mean(tf.abs(tf.sub(c4, full))).dataSync()[0]!;
    assert.ok(e4 < e2, `wider code should be closer to the unsplit output: c′=4 ${e4}, c′=2 ${e2}`);
    // split 0 and split P are the unsplit function
    assert.ok(tf.max(tf.abs(tf.sub(net.forward(x, { ...max, split: 2, reduce: 2, bits: 4 }), full))).dataSync()[0]! === 0);
  });
  x.dispose();
  net.dispose();
});

test('serialize → deserialize reproduces outputs; a wrong manifest is a named error', () => {
  const net = new Supernet(SPEC, 5);
  net.fusionParams(2);
  const { manifest, blob } = serializeSupernet(net, { note: 'test' });
  const back = deserializeSupernet(JSON.parse(JSON.stringify(manifest)), blob);
  const cfg = extremes(SPACE).min;
  tf.tidy(() => {
    const x = images(3);
    assert.deepEqual(Array.from(back.forward(x, cfg).dataSync()), Array.from(net.forward(x, cfg).dataSync()));
  });
  assert.throws(() => deserializeSupernet({ ...manifest, format: 'x' as never }, blob), InvalidInput);
  assert.throws(() => deserializeSupernet(manifest, blob.subarray(0, blob.length - 4)), InvalidInput);
  net.dispose();
  back.dispose();
});

test('forward, forwardViews and one training step leave no tensors behind; training lowers the loss on a learnable task', async () => {
  const net = new Supernet(SPEC, 6);
  const x = images(24, 2);
  // label = which third of the mean brightness ranking: learnable from pixels
  const m = Array.from(tf.tidy(() => tf.mean(x, [1, 2, 3])).dataSync());
  const sorted = [...m].sort((a, b) => a - b);
  const y = tf.tensor1d(
    m.map((v) => (v < sorted[8]! ? 0 : v < sorted[16]! ? 1 : 2)),
    'int32',
  );
  const cfg = extremes(SPACE).max;
  net.fusionParams(2); // the concat-fusion weights are state of the net, made on first use
  await expectNoLeak(() => net.forward(x, cfg));
  await expectNoLeak(() => net.forwardViews([x, x], { ...cfg, split: 1, reduce: 2, bits: 8 }, 'concat'));
  await expectNoLeak(() => net.forwardViews([x, x], { ...cfg, split: 2, reduce: null, bits: null }, 'max'));
  await expectNoLeak(() => trainSupernet(net, { x, y, steps: 1, batchSize: 8, space: SPACE, progress: false }));
  const losses = await trainSupernet(net, { x, y, steps: 30, batchSize: 24, space: SPACE, progress: false, learningRate: 1e-2 });
  assert.ok(losses[losses.length - 1]! < losses[0]! * 0.8, `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  assert.ok(accuracy(net, x, y, cfg) > 0.5);
  assert.throws(() => net.checkConfig({ ...cfg, phases: cfg.phases.map((p) => ({ ...p, width: 16 })) }), InvalidInput);
  tf.dispose([x, y]);
  net.dispose();
});

test('building and disposing a supernet (new or deserialized) leaves no tensors behind', async () => {
  const before = tf.memory().numTensors;
  const net = new Supernet({ maxWidth: 8, maxKernel: 3 }, 3);
  const { manifest, blob } = serializeSupernet(net, {});
  net.dispose();
  deserializeSupernet(manifest, blob).dispose();
  // the He-initial values were left behind, 28 tensors per default-spec supernet, before the constructor tidied them
  assert.equal(tf.memory().numTensors, before);
});

test('maxSeconds stops training after the step that crosses the budget (the steps done are kept); a non-positive budget is a named error', async () => {
  const net = new Supernet(SPEC, 7);
  const x = images(8, 3),
    y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32');
  const base = { x, y, batchSize: 4, space: SPACE, progress: false };
  const cut = await trainSupernet(net, { ...base, steps: 40, maxSeconds: 1e-6 });
  assert.equal(cut.length, 1);
  const full = await trainSupernet(net, { ...base, steps: 3, maxSeconds: 3600 });
  assert.equal(full.length, 3);
  await assert.rejects(
    () => trainSupernet(net, { ...base, steps: 3, maxSeconds: 0 }),
    (e: Error) => e instanceof InvalidInput && /maxSeconds/.test(e.message),
  );
  tf.dispose([x, y]);
  net.dispose();
});
