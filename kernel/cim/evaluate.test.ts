import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { expectNoLeak } from '../core/testing';
import { mapLayer, referenceMatmul, columnLayout, slotSource } from './crossbar';
import { packSections } from './layout';
import { mapModel } from './model';
import { buildLines, crossbarMatmul, crossbarPredict, evaluate, wilson } from './evaluate';
import type { MappedLayer, SignMode, SortKey, Routing } from './types';

function randQ(r: ReturnType<typeof rng>, n: number, qmax: number, adversarial: boolean): Int8Array {
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) q[i] = adversarial ? [qmax, -qmax, 0, 1, -1][r.int(5)]! : r.int(2 * qmax + 1) - qmax;
  return q;
}

function combine(lo: tf.Tensor, hi: tf.Tensor): Float64Array {
  const a = lo.dataSync(),
    b = hi.dataSync();
  return Float64Array.from(a, (v, i) => v + 16 * b[i]!);
}

test('bit-serial lines with lossless ADCs and the integer path both equal the integer matmul exactly', async () => {
  await init({ backend: 'cpu' });
  const r = rng(3);
  const cases: [SignMode, SortKey, Routing, 1 | 2, number, number, number, number][] = [
    ['sign-magnitude', 'none', 'shared', 1, 32, 64, 7, 70],
    ['sign-magnitude', 'signed', 'shared', 1, 16, 32, 9, 40],
    ['sign-magnitude', 'signed', 'per-output', 2, 16, 32, 5, 33],
    ['pair', 'abs', 'per-output', 1, 8, 32, 3, 20],
    ['offset', 'signed', 'shared', 2, 8, 24, 4, 17],
    ['sign-magnitude', 'none', 'shared', 1, 128, 128, 20, 300],
  ];
  for (const [signMode, sort, routing, cellBits, rows, cols, nOut, nIn] of cases) {
    for (const inputMode of ['unsigned', 'twos-complement'] as const) {
      const q = randQ(r, nOut * nIn, 127, r.next() < 0.5);
      const L = mapLayer({ q, nOut, nIn, sort, routing, config: { rows, cols, cellBits, signMode } });
      const m = 5;
      const x = Array.from({ length: m * nIn }, () => (inputMode === 'unsigned' ? r.int(256) : r.int(256) - 128));
      await expectNoLeak(() => {
        const xt = tf.tensor2d(x, [m, nIn]);
        const lines = buildLines(L, q);
        const a = crossbarMatmul(xt, { lines, inputBits: 8, inputMode });
        const k = new Float32Array(nIn * nOut);
        for (let o = 0; o < nOut; o++) for (let p = 0; p < nIn; p++) k[p * nOut + o] = q[o * nIn + p]!;
        const kInt = tf.tensor2d(k, [nIn, nOut]);
        const b = crossbarMatmul(xt, { kInt });
        const ya = combine(a.lo, a.hi),
          yb = combine(b.lo, b.hi);
        for (let s = 0; s < m; s++) {
          const ref = referenceMatmul(q, nOut, nIn, x.slice(s * nIn, (s + 1) * nIn));
          assert.deepEqual([...ya.subarray(s * nOut, (s + 1) * nOut)], [...ref], `${signMode}/${sort}/${routing}/${inputMode} bit-serial`);
          assert.deepEqual([...yb.subarray(s * nOut, (s + 1) * nOut)], [...ref], `${signMode}/${sort}/${routing}/${inputMode} integer`);
        }
        tf.dispose([xt, kInt, a.lo, a.hi, b.lo, b.hi]);
        for (const T of lines.tiles) tf.dispose([T.inputs, T.K, T.step, T.levels, T.R]);
      });
    }
  }
});

/** Cell-by-cell reference of a saturating ADC per + / − line (sign-magnitude, 1-bit cells). */
function saturatedRef(L: MappedLayer, x: number[], bits: number): Float64Array {
  const y = new Float64Array(L.nOut);
  const roles = columnLayout(L.config);
  for (let t = 0; t < L.tiles; t++)
    for (let k = 0; k < L.slots; k++) {
      const { out, start, len } = slotSource(L, t, k);
      if (out < 0) continue;
      for (let ib = 0; ib < 8; ib++)
        roles.forEach((role) => {
          if (role.kind !== 'mag') return;
          for (const sgn of [1, -1]) {
            let s = 0;
            for (let row = 0; row < len; row++) {
              const i = L.perm ? L.perm[out * L.nIn + start + row]! : start + row;
              const v = L.q[out * L.nIn + i]!;
              if ((sgn > 0 && v < 0) || (sgn < 0 && v >= 0)) continue;
              s += ((Math.abs(v) >> role.slice) & 1) * ((x[i]! >> ib) & 1);
            }
            y[out] = y[out]! + sgn * 2 ** (role.slice + ib) * Math.min(s, 2 ** bits - 1);
          }
        });
    }
  return y;
}

test('a saturating ADC clips each + / − line at 2^b − 1, as a cell-by-cell recount does (grid and packed layouts)', async () => {
  await init({ backend: 'cpu' });
  const r = rng(11);
  const nOut = 6,
    nIn = 50;
  const q = randQ(r, nOut * nIn, 127, false);
  for (const L of [
    mapLayer({ q, nOut, nIn, config: { rows: 32, cols: 32 } }),
    packSections(mapLayer({ q, nOut, nIn, sort: 'signed', routing: 'per-output', config: { rows: 32, cols: 32 } })),
  ]) {
    const x = Array.from({ length: nIn }, () => r.int(256));
    const lines = buildLines(L, q, { adcBits: 3 });
    const xt = tf.tensor2d(x, [1, nIn]);
    const a = crossbarMatmul(xt, { lines, inputBits: 8, inputMode: 'unsigned' });
    const got = combine(a.lo, a.hi);
    const ref = saturatedRef(L, x, 3);
    assert.deepEqual([...got], [...ref]);
    assert.notDeepEqual([...got], [...referenceMatmul(q, nOut, nIn, x)], '3-bit ADCs on 32-row columns must lose something');
  }
});

function tinyModel(): tf.Sequential {
  const h = (s: number) => tf.initializers.glorotNormal({ seed: s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: h(1),
        biasInitializer: 'ones',
      }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', kernelInitializer: h(2) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5, kernelInitializer: h(3) }),
    ],
  });
}

test('crossbarPredict: lossless bit-serial logits are bitwise the integer path; lossy settings differ; both near float', async () => {
  await init({ backend: 'wasm' }); // the backend the benches use (its fast convolutions must not break exactness)
  const model = tinyModel();
  const x = tf.tensor4d(
    rng(5)
      .normals(12 * 64, 0, 1)
      .map(Math.abs),
    [12, 8, 8, 1],
  );
  const mapping = mapModel(model, { sort: 'signed', config: { rows: 16, cols: 32 } });
  const run = (o: Parameters<typeof crossbarPredict>[2]) =>
    expectNoLeak(() => {
      const t = crossbarPredict(model, x, { mapping, batchSize: 5, ...o });
      const d = t.dataSync().slice();
      t.dispose();
      return d;
    });
  const a = await run({ path: 'integer' });
  const b = await run({ path: 'bit-serial' });
  assert.deepEqual([...a], [...b]);
  const f = (model.predict(x) as tf.Tensor).dataSync();
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - f[i]!) ** 2;
    den += f[i]! ** 2;
  }
  const rel = Math.sqrt(num / den);
  assert.ok(rel > 0 && rel < 0.05, `8-bit datapath relative error ${rel}`);
  const noisy = await run({ noiseSigma: 0.3, seed: 1 });
  assert.notDeepEqual([...noisy], [...a]);
  const noisy2 = await run({ noiseSigma: 0.3, seed: 1 });
  assert.deepEqual([...noisy2], [...noisy], 'noise is seeded');
  const adc2 = await run({ adcBits: 2 });
  assert.notDeepEqual([...adc2], [...a]);
  x.dispose();
  model.dispose();
});

test('evaluate: accuracy, Wilson interval, path choice, named errors', async () => {
  await init({ backend: 'cpu' });
  const model = tinyModel();
  const x = tf.tensor4d(rng(6).normals(20 * 64, 0, 1), [20, 8, 8, 1]);
  const pred = (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
  const y = Array.from(pred);
  const res = await expectNoLeak(() => evaluate(model, { x, y }));
  assert.equal(res.path, 'integer');
  assert.equal(res.n, 20);
  assert.ok(res.accuracy >= 0.8, `8-bit crossbar agrees with float on ${res.accuracy}`);
  assert.ok(res.interval[0] <= res.accuracy && res.accuracy <= res.interval[1]);
  assert.equal(res.inputModes[0], 'twos-complement', 'signed images → two’s complement inputs');
  assert.equal(res.inputModes[1], 'unsigned', 'after ReLU → unsigned');
  const lossy = await evaluate(model, { x, y }, { adcBits: 4, limit: 10 });
  assert.equal(lossy.path, 'bit-serial');
  assert.equal(lossy.n, 10);
  await assert.rejects(() => evaluate(model, { x, y }, { adcBits: 4, path: 'integer' }), InvalidInput);
  await assert.rejects(() => evaluate(model, { x, y }, { noiseSigma: -1 }), InvalidInput);
  await assert.rejects(() => evaluate(model, { x, y }, { effective: [new Int8Array(3)] }), InvalidInput);
  // Wilson: known value (k = 8 of n = 10 → [0.490, 0.943])
  const [lo, hi] = wilson(8, 10);
  assert.ok(Math.abs(lo - 0.4902) < 1e-3 && Math.abs(hi - 0.9433) < 1e-3, `${lo} ${hi}`);
  x.dispose();
  model.dispose();
});
