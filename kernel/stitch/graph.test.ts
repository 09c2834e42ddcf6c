import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { expectNoLeak, relErr } from '../core/testing';
import { UnsupportedLayer } from '../core/errors';
import { fragmentize, analyse, buildChain, countMacs } from './graph';
import { fitStitch } from './fit';
import { boundaryActs, imagesToActs, runModel } from './search';
import { knnAccuracy } from './evaluate';
import { toyA, toyB, toyC, toyImages } from './toy.test-util';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

test('fragmentize: cuts at conv/dense inputs only, never across a residual add, never at a depthwise conv', () => {
  const a = toyA(),
    b = toyB(),
    c = toyC();
  try {
    const fa = fragmentize(a);
    assert.deepEqual(
      fa.map((f) => f.layers.length),
      [1, 2, 1],
    );
    assert.deepEqual(
      fa.map((f) => f.outShape),
      [[8, 8, 4], [4], [3]],
    );
    assert.deepEqual(
      fa.map((f) => [f.isStart, f.isEnd]),
      [
        [true, false],
        [false, false],
        [false, true],
      ],
    );
    const fb = fragmentize(b);
    assert.deepEqual(
      fb.map((f) => f.layers.map((l) => b.getLayer(l).getClassName())),
      [['Conv2D', 'Conv2D', 'Add', 'DepthwiseConv2D'], ['Conv2D', 'GlobalAveragePooling2D'], ['Dense']],
    );
    assert.deepEqual(fb[1]!.inShape, [8, 8, 3]);
    const fc = fragmentize(c);
    assert.deepEqual(
      fc.map((f) => f.outShape),
      [[4, 4, 6], [2], [4], [3]],
    );
    assert.equal(countMacs(a), 64 * 9 * 1 * 4 + 64 * 9 * 4 * 4 + 4 * 3);
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
});

test('unsupported graphs raise UnsupportedLayer', () => {
  const inner = toyA();
  const inp = tf.input({ shape: [8, 8, 1] });
  const nested = tf.model({ inputs: inp, outputs: inner.apply(inp) as tf.SymbolicTensor });
  assert.throws(
    () => fragmentize(nested),
    (e: Error) => e instanceof UnsupportedLayer && /nested/.test(e.message),
  );
  const i2 = tf.input({ shape: [4] });
  const shared = tf.layers.dense({ units: 4 });
  const twice = tf.model({ inputs: i2, outputs: shared.apply(shared.apply(i2)) as tf.SymbolicTensor });
  assert.throws(
    () => fragmentize(twice),
    (e: Error) => e instanceof UnsupportedLayer && /shared|used 2 times/.test(e.message),
  );
  const two = tf.model({
    inputs: i2,
    outputs: [tf.layers.dense({ units: 2 }).apply(i2) as tf.SymbolicTensor, tf.layers.dense({ units: 2 }).apply(i2) as tf.SymbolicTensor],
  });
  assert.throws(() => fragmentize(two), UnsupportedLayer);
  nested.dispose();
  twice.dispose();
  two.dispose();
});

test('self-stitch with its own next fragments: A ≈ I, same outputs, same k-NN accuracy; no tensor left', async () => {
  for (const make of [toyA, toyB, toyC]) {
    const m = make();
    const g = analyse(m);
    const data = toyImages(48);
    const x = imagesToActs(data);
    const acts = boundaryActs(g, x);
    const pieces = g.fragments.map((_, k) => {
      if (k === 0) return { graph: g, fragment: 0, A: null, d1: 0, bias: null, gap: false };
      const s = fitStitch(acts[k]!, acts[k]!);
      let e = 0;
      for (let i = 0; i < s.d2; i++) for (let j = 0; j < s.d1; j++) e += (s.A[i * s.d1 + j]! - (i === j ? 1 : 0)) ** 2;
      assert.ok(Math.sqrt(e / s.d1) < 1e-3, `${m.name} cut ${k}: ‖A − I‖/√C = ${Math.sqrt(e / s.d1)}`);
      return { graph: g, fragment: k, A: s.A, d1: s.d1, bias: null, gap: false };
    });
    await expectNoLeak(() => buildChain(pieces, [8, 8, 1]), 'buildChain');
    const built = buildChain(pieces, [8, 8, 1]);
    const ref = runModel(m, x),
      got = runModel(built, x);
    assert.ok(relErr(got.data, ref.data) < 1e-4, `${m.name}: outputs differ by ${relErr(got.data, ref.data)}`);
    // labels from the network's own decision ⇒ k-NN accuracy well above chance, and identical after the self-stitch
    const labels = new Int32Array(48);
    for (let i = 0; i < 48; i++) {
      let b = 0;
      for (let j = 1; j < 3; j++) if (ref.data[i * 3 + j]! > ref.data[i * 3 + b]!) b = j;
      labels[i] = b;
    }
    const fit = { ...data, n: 24, images: data.images.subarray(0, 24 * 64), labels: labels.subarray(0, 24) };
    const test = { ...data, n: 24, images: data.images.subarray(24 * 64), labels: labels.subarray(24) };
    const a0 = knnAccuracy(m, { fit, test, k: 3 }),
      a1 = knnAccuracy(built, { fit, test, k: 3 });
    assert.ok(Math.abs(a0 - a1) <= 0.005, `${m.name}: accuracy ${a0} → ${a1}`);
    built.dispose();
    m.dispose();
  }
});

test("cutEvery 3 keeps the authors' inputs[1::3]: the first eligible cut and every third after it", () => {
  const inp = tf.input({ shape: [8, 8, 1] });
  let x: tf.SymbolicTensor = inp;
  for (let i = 0; i < 7; i++) x = tf.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'tanh' }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: inp, outputs: x, name: 'chain7' });
  try {
    const all = analyse(m).cuts.map((c) => c.pos);
    assert.deepEqual(all, [1, 2, 3, 4, 5, 6]); // inputs of convs 2..7 (the image input is never a cut)
    assert.deepEqual(
      analyse(m, 'chain7', { cutEvery: 3 }).cuts.map((c) => c.pos),
      [1, 4],
    );
    assert.deepEqual(
      fragmentize(m, { cutEvery: 3 }).map((f) => f.layers.length),
      [1, 3, 3],
    );
    assert.throws(() => analyse(m, 'x', { cutEvery: 0 }), /cutEvery/);
  } finally {
    m.dispose();
  }
});
