import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { InvalidInput } from '../core/errors';
import {
  buildGazeModel,
  countParams,
  createModel,
  disposeGazeModel,
  forward,
  grn,
  spatialNorm,
  modelParamCount,
  patchConv,
  studentSpec,
  teacherSpec,
  toInput,
  applyBnUpdates,
  groupVars,
  runStages,
  visibilityPyramid,
  type BnUpdate,
} from './model';
import { patchMask } from './distill';
import { rng } from '../core/rng';

test('parameter counts reproduce the paper (3-channel) and the 1-channel variants', () => {
  assert.equal(countParams(studentSpec(3)), 281_012);
  assert.equal(countParams(studentSpec(3), 'tunable'), 14_432);
  assert.equal(countParams(teacherSpec(3)), 3_578_462);
  assert.equal(countParams(teacherSpec(3), 'tunable'), 191_702);
  assert.equal(countParams(studentSpec(1)), 279_732);
  assert.equal(countParams(teacherSpec(1)), 3_577_182);
  assert.equal(countParams(studentSpec(1), 'tunable'), 14_432);
  assert.equal(countParams(studentSpec(1), 'stage4-adapters'), 6_680);
  assert.equal(countParams(teacherSpec(1), 'stage4-adapters'), 103_520);
});

test('built models hold exactly the counted parameters; forward is finite and leak-free; fresh adapters are the identity', async () => {
  await init({ backend: 'wasm' });
  const s = createModel('student', { inCh: 3, seed: 1 });
  assert.equal(modelParamCount(s), 281_012);
  assert.equal(modelParamCount(s, 'tunable'), 14_432);
  const img = { n: 2, h: 32, w: 64, data: new Float32Array(2 * 32 * 64).map((_, i) => (Math.sin(i * 0.37) + 1) / 2) };
  await expectNoLeak(
    () =>
      tf.tidy(() => {
        const x = toInput(img, 3);
        const { out, stages } = forward(s, x, { features: true });
        assert.deepEqual(out.shape, [2, 2]);
        assert.deepEqual(
          stages!.map((t) => t.shape),
          [
            [2, 8, 16, 40],
            [2, 4, 8, 20],
            [2, 2, 4, 40],
            [2, 1, 2, 80],
          ],
        );
        assert.ok([...out.dataSync()].every(Number.isFinite));
        // training-mode BN changes nothing while the adapter up-projection is zero
        const pend: BnUpdate[] = [];
        const o2 = forward(s, x, { training: true }, pend).out;
        assert.ok(tf.max(tf.abs(tf.sub(out, o2))).dataSync()[0]! < 1e-5);
        assert.equal(pend.length, 12);
      }),
    'forward',
  );
  disposeGazeModel(s);
  assert.throws(() => createModel('big' as 'student'), InvalidInput);
  const t = createModel('teacher', { seed: 2 });
  assert.throws(() => tf.tidy(() => forward(t, tf.zeros([1, 30, 64, 1]) as tf.Tensor4D).out), InvalidInput);
  disposeGazeModel(t);
});

test('patchConv equals tf.conv2d stride k; GRN matches a hand-computed reference', async () => {
  await init({ backend: 'wasm' });
  tf.tidy(() => {
    const x = tf.randomNormal([2, 8, 12, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([4, 4, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    const b = tf.randomNormal([5], 0, 1, 'float32', 3);
    const a = patchConv(x, w, b, 4),
      ref = tf.add(tf.conv2d(x, w, 4, 'valid'), b);
    assert.ok(tf.max(tf.abs(tf.sub(a, ref))).dataSync()[0]! < 1e-4);
    // GRN on a 1×1×2×2 input: channel norms over (H,W)
    const xx = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const g = tf.tensor1d([0.5, 2]),
      bb = tf.tensor1d([0.1, -0.1]);
    const gx0 = Math.hypot(1, 3),
      gx1 = Math.hypot(2, 4),
      mu = (gx0 + gx1) / 2;
    const want = [1, 2, 3, 4].map((v, i) => {
      const c = i % 2;
      const nx = (c ? gx1 : gx0) / (mu + 1e-6);
      return (c ? 2 : 0.5) * v * nx + (c ? -0.1 : 0.1) + v;
    });
    const got = grn(xx, g, bb).dataSync();
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]!) < 1e-5, `grn ${i}: ${got[i]} vs ${v}`));
  });
});

test('gradient check on wasm: analytic gradients of the student match central finite differences', async () => {
  await init({ backend: 'wasm' });
  const m = buildGazeModel(studentSpec(1), { seed: 3 });
  // make adapters non-trivial so their gradients flow
  tf.tidy(() => {
    for (const [k, v] of m.params)
      if (k.endsWith('.ad.up.w') || k.endsWith('.grn.g')) v.assign(tf.randomNormal(v.shape, 0, 0.05, 'float32', 7));
  });
  const img = { n: 2, h: 32, w: 32, data: new Float32Array(2 * 32 * 32).map((_, i) => (Math.cos(i * 0.11) + 1) / 2) };
  const x = toInput(img, 1);
  const loss = () =>
    tf.tidy(
      () =>
        tf.sum(
          tf.mul(
            forward(m, x).out,
            tf.tensor2d([
              [1, -2],
              [0.5, 1],
            ]),
          ),
        ) as tf.Scalar,
    );
  const names = ['stem.w', 's1.b0.dw.w', 's3.b2.pw1.w', 's4.b1.ad.down.w', 's2.down.w', 'head.w'];
  const vars = names.map((n) => m.params.get(n)!);
  const { grads } = tf.variableGrads(loss, vars);
  const eps = 1e-2;
  for (const n of names) {
    const v = m.params.get(n)!,
      g = grads[v.name]!.dataSync();
    const orig = v.dataSync().slice();
    // probe the coordinates with the largest analytic gradients
    const order = [...g.keys()].sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!)).slice(0, 2);
    for (const i of order) {
      const p = orig.slice();
      p[i]! += eps;
      v.assign(tf.tensor(p, v.shape));
      const lp = loss().dataSync()[0]!;
      p[i] = orig[i]! - eps;
      v.assign(tf.tensor(p, v.shape));
      const lm = loss().dataSync()[0]!;
      v.assign(tf.tensor(orig, v.shape));
      const fd = (lp - lm) / (2 * eps);
      assert.ok(Math.abs(fd - g[i]!) <= 0.05 * Math.abs(g[i]!) + 1e-3, `${n}[${i}]: analytic ${g[i]} vs numeric ${fd}`);
    }
  }
  tf.dispose(Object.values(grads));
  x.dispose();
  // BN running-statistics update moves the buffers
  const pend: BnUpdate[] = [];
  tf.tidy(() => {
    forward(m, toInput(img, 1), { training: true }, pend);
  });
  const before = m.buffers.get('s1.b0.ad.bn.mean')!.dataSync().slice();
  applyBnUpdates(m, pend);
  assert.notDeepEqual([...m.buffers.get('s1.b0.ad.bn.mean')!.dataSync()], [...before]);
  assert.equal(groupVars(m, 'stage4-adapters').length, 12);
  disposeGazeModel(m);
});

test('sparse-conv emulation: all-visible equals the dense net; a masked half acts as absent (= the dense net on the visible crop); masked cells stay zero', async () => {
  await init({ backend: 'wasm' });
  const m = createModel('student', { seed: 11 });
  const n = 2,
    h = 32,
    w = 64,
    r = rng(5);
  // fresh GRN (γ = β = 0) is the identity and fresh LayerNorm offsets are 0: randomise them so a missing mask shows
  for (const [k, v] of m.params)
    if (/(grn|ln)\.[gb]$/.test(k)) v.assign(tf.tensor(r.normals(v.size, k.endsWith('.g') && k.includes('ln') ? 1 : 0, 0.5), v.shape));
  const a = Float32Array.from({ length: n * h * w }, () => r.normal());
  const stages = (data: Float32Array, hh: number, ww: number, mask?: Float32Array) =>
    tf.tidy(() => {
      const f: tf.Tensor4D[] = [];
      runStages(
        m,
        tf.tensor4d(data, [n, hh, ww, 1]),
        1,
        4,
        false,
        null,
        f,
        mask ? visibilityPyramid(tf.tensor4d(mask, [n, hh, ww, 1])) : undefined,
      );
      return f.map((t) => t.arraySync() as number[][][][]);
    });
  const maxDiff = (p: number[][][][][], q: number[][][][][]) =>
    Math.max(...p.map((t, i) => Math.max(...t.flat(3).map((v, j) => Math.abs(v - q[i]!.flat(3)[j]!)))));
  const before = tf.memory().numTensors;
  // all visible: identical to the dense forward
  assert.ok(maxDiff(stages(a, h, w, new Float32Array(n * h * w)), stages(a, h, w)) < 1e-5);
  // right half masked (and zero-filled): the left half's features equal the dense net's on the left 32×32 crop at every
  // stage — masked cells contribute nothing, not even biases or LayerNorm offsets, and GRN's norm skips them
  const half = new Float32Array(n * h * w).map((_, i) => (i % w >= 32 ? 1 : 0));
  const crop = new Float32Array(n * h * 32).map((_, i) => a[Math.floor(i / 32) * w + (i % 32)]!);
  const sparse = stages(
      a.map((v, i) => (half[i] ? 0 : v)),
      h,
      w,
      half,
    ),
    dense = stages(crop, h, 32);
  const left = sparse.map((t) => t.map((img) => img.map((row) => row.slice(0, row.length / 2))));
  assert.ok(maxDiff(left, dense) < 1e-4, `sparse left half vs dense crop: ${maxDiff(left, dense)}`);
  // the plain dense net on the zero-filled image does not (its convs see the zero-filled half's biases)
  const zeroFilled = stages(
    a.map((v, i) => (half[i] ? 0 : v)),
    h,
    w,
  );
  assert.ok(
    maxDiff(
      zeroFilled.map((t) => t.map((img) => img.map((row) => row.slice(0, row.length / 2)))),
      dense,
    ) > 1e-2,
  );
  // random 8×8 patch mask: masked stage-2 cells (stride 8, aligned with the patches) are exactly zero
  const mask = patchMask(n, h, w, 8, 0.6, rng(6));
  const fa = stages(
    a.map((v, i) => (mask[i] ? 0 : v)),
    h,
    w,
    mask,
  );
  const vis2 = tf.tidy(() => visibilityPyramid(tf.tensor4d(mask, [n, h, w, 1]))[1]!.arraySync() as number[][][][]);
  let zeros = 0,
    masked = 0;
  vis2.forEach((img, i) =>
    img.forEach((row, y) =>
      row.forEach((c, x) => {
        if (c[0] === 0) {
          masked++;
          if (fa[1]![i]![y]![x]!.every((v) => v === 0)) zeros++;
        }
      }),
    ),
  );
  assert.ok(masked > 0 && zeros === masked, `${zeros} of ${masked} masked stage-2 cells are zero`);
  assert.equal(tf.memory().numTensors, before);
  disposeGazeModel(m);
});

test("studentSpec/teacherSpec need inCh (1 grey as shipped, 3 for the paper's RGB count): no silent default", () => {
  for (const f of [studentSpec, teacherSpec]) {
    assert.throws(
      () => (f as (c?: number) => unknown)(),
      (e: Error) => e.name === 'InvalidInput' && /inCh \(input channels: 1 grey, 3 RGB\)/.test(e.message),
    );
    assert.throws(() => f(0), /inCh/);
  }
  assert.equal(studentSpec(3).inCh, 3);
});

test('GRN: the spatial norm keeps the plain forward value and gives a zero (not NaN) gradient for an all-zero channel', async () => {
  await init({ backend: 'wasm' });
  const data = Float32Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => (i % 3 === 1 ? 0 : Math.sin(i + 1))); // channel 1 all zero
  const x = tf.tensor4d(data, [2, 2, 2, 3]);
  const plain = tf.sqrt(tf.sum(tf.square(x), [1, 2], true));
  assert.deepEqual(Array.from(spatialNorm(x).dataSync()), Array.from(plain.dataSync()), 'forward must equal the plain formula');
  const g = tf.grad((t: tf.Tensor) => tf.sum(grn(t as tf.Tensor4D, tf.fill([3], 0.5), tf.zeros([3]))))(x);
  const gv = g.dataSync();
  assert.ok(gv.every(Number.isFinite), `GRN gradient has non-finite entries: ${Array.from(gv)}`);
  // d‖x‖/dx = x/‖x‖ on the nonzero channels: compare with finite differences of the whole GRN at one entry
  const f = (v: Float32Array) => tf.tidy(() => tf.sum(grn(tf.tensor4d(v, [2, 2, 2, 3]), tf.fill([3], 0.5), tf.zeros([3]))).dataSync()[0]!);
  const k = 4,
    h = 1e-2,
    up = Float32Array.from(data),
    dn = Float32Array.from(data);
  up[k]! += h;
  dn[k]! -= h;
  const fd = (f(up) - f(dn)) / (2 * h);
  assert.ok(Math.abs(fd - gv[k]!) < 2e-2 * Math.max(1, Math.abs(fd)), `finite difference ${fd} vs gradient ${gv[k]}`);
  tf.dispose([x, plain, g]);
});
