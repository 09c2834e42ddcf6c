import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { mapLayer, mvm, referenceMatmul, tileImage, decodeCell, cellSource, resolveConfig, columnLayout } from './crossbar';
import { quantize, unrollConv, im2col } from './quantize';
import type { SignMode, SortKey } from './types';

function randQ(seed: number, n: number, qmax: number, adversarial = false): Int8Array {
  const r = rng(seed);
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) q[i] = adversarial ? [qmax, -qmax, 0, 1, -1][r.int(5)]! : r.int(2 * qmax + 1) - qmax;
  return q;
}

test('bit-sliced, tiled, permuted MVM equals the integer matmul (random + adversarial shapes)', () => {
  const modes: SignMode[] = ['sign-magnitude', 'pair', 'offset'];
  const sorts: SortKey[] = ['none', 'signed', 'abs'];
  const r = rng(7);
  let cases = 0;
  for (const signMode of modes)
    for (const sort of sorts)
      for (const cellBits of [1, 2] as const) {
        for (const [rows, cols, nOut, nIn] of [
          [4, 16, 5, 9],
          [32, 40, 7, 33],
          [33, 64, 20, 100],
          [128, 128, 17, 129],
          [1, 16, 3, 2],
          [8, 8, 1, 1],
        ] as const) {
          const weightBits = 2 + r.int(7);
          const gw = columnLayout({ cellBits, weightBits, signMode }).length;
          const c = Math.max(cols, gw);
          const qmax = 2 ** (weightBits - 1) - 1;
          const q = randQ(r.seedInt(), nOut * nIn, qmax, cases % 2 === 0);
          const L = mapLayer({ q, nOut, nIn, sort, config: { rows, cols: c, cellBits, weightBits, signMode } });
          for (const inputMode of ['unsigned', 'twos-complement'] as const) {
            const inputBits = 1 + r.int(8);
            const x = new Float64Array(nIn).map(() =>
              inputMode === 'unsigned' ? r.int(2 ** inputBits) : r.int(2 ** inputBits) - 2 ** (inputBits - 1),
            );
            assert.deepEqual(
              mvm(L, x, { inputBits, inputMode }),
              referenceMatmul(q, nOut, nIn, x),
              `${signMode}/${sort}/${cellBits}b/${rows}x${c} ${nOut}x${nIn} ${inputMode}`,
            );
            cases++;
          }
        }
      }
  assert.equal(cases, 3 * 3 * 2 * 6 * 2);
});

test('integer sums stay exact far above 2^24 (extreme weights, 16-bit inputs, fan-in 4608)', () => {
  const nOut = 3,
    nIn = 4608;
  const q = new Int8Array(nOut * nIn).fill(127);
  q.fill(-127, nIn, 2 * nIn);
  const x = new Float64Array(nIn).fill(2 ** 16 - 1);
  x[5] = 2 ** 16 - 2;
  const L = mapLayer({ q, nOut, nIn, sort: 'signed' });
  const y = mvm(L, x, { inputBits: 16 });
  const ref = referenceMatmul(q, nOut, nIn, x);
  assert.ok(Math.abs(ref[0]!) > 2 ** 24 * 2);
  assert.deepEqual(y, ref);
  assert.equal(y[0], 127 * ((2 ** 16 - 1) * nIn - 1));
});

test('images decode back to the weights at every tile position; sort keys order each output', () => {
  const nOut = 21,
    nIn = 300;
  const q = randQ(3, nOut * nIn, 127);
  for (const signMode of ['sign-magnitude', 'pair', 'offset'] as const)
    for (const sort of ['none', 'signed', 'abs'] as const) {
      const L = mapLayer({ q, nOut, nIn, sort, routing: 'per-output', config: { signMode, cellBits: 2 } });
      const seen = new Uint8Array(nOut * nIn);
      for (let t = 0; t < L.tiles; t++) {
        const img = tileImage(L, t);
        let prev = -Infinity,
          prevOut = -1;
        for (let k = 0; k < L.slots; k++)
          for (let r = 0; r < L.config.rows; r++) {
            const { out, input } = cellSource(L, t, r, k);
            if (out < 0) {
              assert.equal(decodeCell(L, img, r, k), signMode === 'offset' ? -128 : 0);
              continue;
            }
            const v = q[out * nIn + input]!;
            assert.equal(decodeCell(L, img, r, k), v);
            seen[out * nIn + input]!++;
            const key = sort === 'abs' ? Math.abs(v) : v;
            if (sort !== 'none' && out === prevOut) assert.ok(key >= prev, 'sorted within a section');
            prev = key;
            prevOut = out;
          }
      }
      assert.ok(
        seen.every((s) => s === 1),
        'every weight mapped exactly once',
      );
    }
});

test('reference geometry: 128×128, 1 bit/cell, int8 sign-magnitude ⇒ 8 columns per weight, 16 outputs per tile', () => {
  const q = new Int8Array(100 * 300);
  const L = mapLayer({ q, nOut: 100, nIn: 300 });
  assert.equal(L.groupWidth, 8);
  assert.equal(L.slots, 16);
  assert.equal(L.rowBlocks, 3);
  assert.equal(L.colBlocks, 7);
  assert.equal(L.tiles, 21);
});

test('bad inputs raise named errors', () => {
  const q = new Int8Array(4);
  assert.throws(() => mapLayer({ q, nOut: 2, nIn: 2, config: { cols: 7 } }), InvalidInput); // smaller than one 8-column group
  assert.throws(() => resolveConfig({ cellBits: 3 as 1 }), /cellBits/);
  assert.throws(() => resolveConfig({ weightBits: 7.5 }), /weightBits/);
  assert.throws(() => resolveConfig({ rows: 0 }), /rows/);
  assert.throws(() => mapLayer({ q: new Int8Array(0), nOut: 0, nIn: 2 }), /nOut/);
  assert.throws(() => mapLayer({ q, nOut: 2, nIn: 3 }), /expected nOut·nIn/);
  assert.throws(() => mapLayer({ q: new Int8Array([-128, 0, 0, 0]), nOut: 2, nIn: 2 }), /outside/);
  assert.throws(() => quantize({ weights: [1, NaN], nOut: 1, nIn: 2 }), /NaN/);
  assert.throws(() => quantize({ weights: [], nOut: 0, nIn: 2 }), InvalidInput);
  assert.throws(() => quantize({ weights: [1, 2], nOut: 1, nIn: 2, bits: 8.5 }), /bits/);
  const L = mapLayer({ q, nOut: 2, nIn: 2 });
  assert.throws(() => mvm(L, [1, 256]), /x\[1\]/);
  assert.throws(() => mvm(L, [1, 0.5]), /x\[1\]/);
  assert.throws(() => mvm(L, [1, 2], { inputBits: 0 }), /inputBits/);
});

test('quantize: per-tensor and per-channel scales, symmetric range', () => {
  const w = [0.5, -1, 0.25, 0, 0.02, -0.01];
  const t = quantize({ weights: w, nOut: 2, nIn: 3 });
  assert.deepEqual([...t.q], [64, -127, 32, 0, 3, -1]);
  const c = quantize({ weights: w, nOut: 2, nIn: 3, granularity: 'per-channel' });
  assert.deepEqual([...c.q], [64, -127, 32, 0, 127, -63]);
  assert.equal(c.scale.length, 2);
  const z = quantize({ weights: [0, 0], nOut: 1, nIn: 2 });
  assert.deepEqual([...z.q], [0, 0]);
});

test('conv unrolled through im2col onto the crossbar equals a direct integer convolution', () => {
  const r = rng(11);
  const [kh, kw, cin, cout, h, w] = [3, 3, 3, 5, 6, 7];
  const kernel = new Float64Array(kh * kw * cin * cout).map(() => r.int(255) - 127);
  const img = new Float64Array(h * w * cin).map(() => r.int(256));
  const W = unrollConv(kernel, [kh, kw, cin, cout]);
  const q = Int8Array.from(W);
  const L = mapLayer({ q, nOut: cout, nIn: kh * kw * cin, sort: 'signed', config: { rows: 16, cols: 32 } });
  const { patches, hOut, wOut } = im2col(img, h, w, cin, kh, kw, { padding: 'same' });
  const k = kh * kw * cin;
  for (let p = 0; p < hOut * wOut; p++) {
    const y = mvm(L, patches.subarray(p * k, (p + 1) * k));
    const oy = Math.floor(p / wOut),
      ox = p % wOut;
    for (let o = 0; o < cout; o++) {
      let s = 0;
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          for (let c = 0; c < cin; c++) {
            const yy = oy + i - 1,
              xx = ox + j - 1;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            s += kernel[((i * kw + j) * cin + c) * cout + o]! * img[(yy * w + xx) * cin + c]!;
          }
      assert.equal(y[o], s);
    }
  }
});

test('mapLayer takes q as a [out][in] matrix (nested arrays, npy int64) like the Int8Array form; layout named in errors', async () => {
  const { readNpy, writeNpy } = await import('../core/io/npy');
  const q = [
    [1, -2, 0],
    [3, 0, -1],
  ];
  const ref = mapLayer({ q: Int8Array.from(q.flat()), nOut: 2, nIn: 3, sort: 'signed' });
  assert.deepEqual(mapLayer({ q, sort: 'signed' }), ref);
  assert.deepEqual(mapLayer({ q: readNpy(writeNpy({ dtype: 'int64', shape: [2, 3], data: q.flat().map(BigInt) })), sort: 'signed' }), ref);
  assert.throws(
    () => mapLayer({ q, nOut: 3, nIn: 2 }),
    (e: Error) => e instanceof InvalidInput && /\[out\]\[in\]/.test(e.message) && /W\.T/.test(e.message),
  );
  assert.throws(() => mapLayer({ q: Int8Array.from(q.flat()), nOut: 3, nIn: 3 }), /layout \[out\]\[in\]/);
  assert.throws(() => mapLayer({ q: [[0.5, 1]] }), /q\[0\]\[0\] = 0\.5 is not an integer/);
  // quantize takes the same forms
  const w = [
    [0.5, -1, 0.25],
    [2, 0, -0.75],
  ];
  assert.deepEqual(
    quantize({ weights: w, granularity: 'per-channel' }),
    quantize({ weights: Float32Array.from(w.flat()), nOut: 2, nIn: 3, granularity: 'per-channel' }),
  );
  assert.throws(() => quantize({ weights: w, nOut: 3 }), /layout \[out\]\[in\]/);
});
