import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { InvalidInput } from '../core/errors';
import { top1, averageProbs, multiViewConfig, multiViewExperiment } from './multiview';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

const onehotish = (classes: number[]) => {
  const p = new Float32Array(classes.length * 10).fill(0.05);
  classes.forEach((c, i) => (p[i * 10 + c] = 0.55));
  return p;
};

test('top1 counts argmax hits; a probability array of the wrong length is InvalidInput', () => {
  assert.equal(top1(onehotish([3, 1, 4, 1]), new Int32Array([3, 1, 4, 2])), 0.75);
  assert.throws(() => top1(new Float32Array(15), new Int32Array(2)), InvalidInput);
});

test('late fusion averages the views: two views that disagree are decided by the more confident one', () => {
  const a = onehotish([2]),
    b = new Float32Array(10).fill(0.02);
  b[7] = 0.82;
  const avg = averageProbs([a, b]);
  assert.ok(Math.abs(avg[2]! - (0.55 + 0.02) / 2) < 1e-7);
  assert.equal(top1(avg, new Int32Array([7])), 1);
  assert.equal(top1(averageProbs([a, a]), new Int32Array([2])), 1);
});

test('multiViewConfig: phases width/2, 3·width/4, width; split after phase 2 with c′ = 8, b = 8; width must divide by 4', () => {
  const c = multiViewConfig(32);
  assert.deepEqual(
    c.phases.map((p) => p.width),
    [16, 24, 32],
  );
  assert.deepEqual([c.split, c.reduce, c.bits, c.resolution], [2, 8, 8, 32]);
  assert.throws(() => multiViewConfig(30), InvalidInput);
});

test('multiViewExperiment: a tiny fusion run returns every contender, reads V = 1, 2, 4, and leaves no tensors', async () => {
  const before = tf.memory().numTensors;
  const r = await multiViewExperiment({
    stage: 'fusion',
    train: 20,
    val: 10,
    test: 10,
    width: 8,
    steps: 1,
    splitSteps: 1,
    fuseSteps: 1,
    batchSize: 4,
    fuseBatch: 2,
    progress: false,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.valSinglePerView.length, 4);
  const f = r.fusion!;
  for (const k of ['single', 'late', 'max', 'mean', 'concat'] as const) assert.ok(f.test[k] >= 0 && f.test[k] <= 1, k);
  assert.deepEqual(Object.keys(f.testByViews.max).sort(), ['1', '2', '4']);
  assert.equal(f.testByViews.late['4'], f.test.late);
  assert.equal(f.test.single, f.testSinglePerView[f.bestView]);
  assert.ok(['max', 'mean', 'concat'].includes(f.chosenFusion));
  await assert.rejects(() => multiViewExperiment({ stage: 'nope' as 'fusion', train: 10, val: 10 }), InvalidInput);
});
