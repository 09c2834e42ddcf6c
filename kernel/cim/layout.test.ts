import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { mapLayer, mvm, referenceMatmul, tileImage, decodeCell, cellSource } from './crossbar';
import { packSections } from './layout';
import { simulateReprogramming } from './reprogram';
import { quantize } from './quantize';
import { synthWeights } from './data';

function randQ(seed: number, n: number): Int8Array {
  const r = rng(seed);
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) q[i] = r.int(255) - 127;
  return q;
}

test('packed sections: MVM stays exact, every weight mapped once, images decode, never more tiles than the grid', () => {
  let cases = 0;
  for (const [rows, cols, nOut, nIn] of [
    [16, 24, 5, 40],
    [32, 40, 7, 33],
    [128, 128, 20, 300],
    [8, 16, 1, 1],
    [33, 64, 17, 100],
  ] as const) {
    for (const sort of ['none', 'signed', 'abs'] as const)
      for (const split of ['balanced', 'full'] as const)
        for (const placement of ['strided', 'contiguous'] as const) {
          const q = randQ(cases + 1, nOut * nIn);
          const grid = mapLayer({ q, nOut, nIn, sort, config: { rows, cols } });
          const L = packSections(grid, { split, placement, order: cases % 2 ? 'median' : 'mean' });
          assert.ok(L.tiles <= grid.tiles);
          const x = Array.from({ length: nIn }, (_, i) => (i * 37 + cases) % 256);
          assert.deepEqual(mvm(L, x), referenceMatmul(q, nOut, nIn, x), `${rows}x${cols} ${nOut}x${nIn} ${sort} ${split} ${placement}`);
          const seen = new Uint8Array(nOut * nIn);
          for (let t = 0; t < L.tiles; t++) {
            const img = tileImage(L, t);
            for (let k = 0; k < L.slots; k++)
              for (let r = 0; r < rows; r++) {
                const { out, input } = cellSource(L, t, r, k);
                if (out < 0) {
                  assert.equal(decodeCell(L, img, r, k), 0);
                  continue;
                }
                assert.equal(decodeCell(L, img, r, k), q[out * nIn + input]);
                seen[out * nIn + input]!++;
              }
          }
          assert.ok(
            seen.every((s) => s === 1),
            'each weight on exactly one cell',
          );
          cases++;
        }
  }
});

test('balanced split gives sections whose lengths differ by at most one; strided placement orders each slot by key', () => {
  const nOut = 12,
    nIn = 300;
  const { q } = quantize({ weights: synthWeights({ nOut, nIn, seed: 4 }), nOut, nIn });
  const L = packSections(mapLayer({ q, nOut, nIn, sort: 'signed', config: { rows: 128, cols: 32 } }));
  const lens = Array.from(L.sections!.len).filter((_, i) => L.sections!.out[i]! >= 0);
  assert.equal(lens.length, nOut * 3);
  assert.ok(Math.max(...lens) - Math.min(...lens) <= 1);
  const mean = (t: number, k: number) => {
    const i = t * L.slots + k,
      o = L.sections!.out[i]!,
      s = L.sections!.start[i]!,
      n = L.sections!.len[i]!;
    let sum = 0;
    for (let p = s; p < s + n; p++) sum += q[o * nIn + L.perm![o * nIn + p]!]!;
    return sum / n;
  };
  for (let k = 0; k < L.slots; k++)
    for (let t = 1; t < L.tiles; t++) {
      if (L.sections!.out[t * L.slots + k]! < 0) continue;
      assert.ok(mean(t, k) >= mean(t - 1, k), `slot ${k} non-decreasing along tiles`);
    }
});

test('packing sorted sections cuts reprogramming writes when outputs differ in mean and spread (trained-like weights)', () => {
  // each output: Laplace weights with its own offset and scale (trained layers are not identically distributed)
  const nOut = 64,
    nIn = 1000,
    r = rng(9);
  const w = synthWeights({ nOut, nIn, seed: 3 });
  for (let o = 0; o < nOut; o++) {
    const a = 0.5 + r.next(),
      b = (r.next() - 0.5) * 0.02;
    for (let i = 0; i < nIn; i++) w[o * nIn + i] = w[o * nIn + i]! * a + b;
  }
  const { q } = quantize({ weights: w, nOut, nIn });
  const naive = simulateReprogramming([mapLayer({ q, nOut, nIn })], { physical: 4 });
  const grid = simulateReprogramming([mapLayer({ q, nOut, nIn, sort: 'signed' })], { physical: 4, policy: 'chunked-zigzag' });
  const packed = simulateReprogramming([packSections(mapLayer({ q, nOut, nIn, sort: 'signed' }))], {
    physical: 4,
    policy: 'chunked-zigzag',
  });
  assert.ok(grid.cellWrites < naive.cellWrites);
  assert.ok(packed.cellWrites < 0.8 * grid.cellWrites, `packed ${packed.cellWrites} vs grid ${grid.cellWrites}`);
});

test('packSections rejects bad options and double packing', () => {
  const L = mapLayer({ q: new Int8Array(20), nOut: 4, nIn: 5 });
  assert.throws(() => packSections(L, { split: 'x' as never }), InvalidInput);
  assert.throws(() => packSections(L, { order: 'x' as never }), InvalidInput);
  assert.throws(() => packSections(L, { placement: 'x' as never }), InvalidInput);
  assert.throws(() => packSections(packSections(L)), InvalidInput);
});

test('shared routing: one input order per output block, MVM exact, block sums ordered; packing switches to per-output', () => {
  const nOut = 37,
    nIn = 150;
  const q = randQ(11, nOut * nIn);
  for (const sort of ['signed', 'abs'] as const) {
    const L = mapLayer({ q, nOut, nIn, sort, routing: 'shared', config: { rows: 32, cols: 64 } });
    const x = Array.from({ length: nIn }, (_, i) => (i * 13) % 256);
    assert.deepEqual(mvm(L, x), referenceMatmul(q, nOut, nIn, x));
    for (let o0 = 0; o0 < nOut; o0 += L.slots) {
      const o1 = Math.min(nOut, o0 + L.slots);
      for (let o = o0; o < o1; o++) assert.deepEqual(L.perm!.subarray(o * nIn, (o + 1) * nIn), L.perm!.subarray(o0 * nIn, (o0 + 1) * nIn));
      const key = (i: number) => {
        let s = 0;
        for (let o = o0; o < o1; o++) s += sort === 'abs' ? Math.abs(q[o * nIn + i]!) : q[o * nIn + i]!;
        return s;
      };
      for (let p = 1; p < nIn; p++) assert.ok(key(L.perm![o0 * nIn + p]!) >= key(L.perm![o0 * nIn + p - 1]!));
    }
    const P = packSections(L);
    assert.equal(P.routing, 'per-output');
    assert.deepEqual(mvm(P, x), referenceMatmul(q, nOut, nIn, x));
    assert.deepEqual(P.perm, mapLayer({ q, nOut, nIn, sort, routing: 'per-output', config: { rows: 32, cols: 64 } }).perm);
  }
  assert.equal(mapLayer({ q, nOut, nIn, sort: 'signed' }).routing, 'shared', 'default routing');
  assert.equal(mapLayer({ q, nOut, nIn }).routing, undefined, 'unsorted: no routing recorded');
  assert.throws(() => mapLayer({ q, nOut, nIn, routing: 'x' as never }), InvalidInput);
});
