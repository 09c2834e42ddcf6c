import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, InvalidInput } from '../core/errors';
import { checkCsr, csrToDense, pack, packedBytes, toCsr, unpack, validatePacked } from './pack';
import { randomSparse } from './testutil';
import type { Csr, Matrix } from './types';

const TILES = { mr: 8, mc: 16, kc: 20, p: 2, nr: 16 as const, nc: 32 };

function edgeCases(): [string, Matrix][] {
  const out: [string, Matrix][] = [];
  out.push(['37x53 d=0.3', randomSparse(1, 37, 53, 0.3)]);
  out.push(['dense 19x23', randomSparse(2, 19, 23, 1)]);
  out.push(['empty 10x10', randomSparse(3, 10, 10, 0)]);
  out.push(['d=1e-4 300x200', randomSparse(4, 300, 200, 1e-4)]);
  const single = { rows: 33, cols: 41, data: new Float32Array(33 * 41) };
  single.data[17 * 41 + 29] = -2.5;
  out.push(['single nonzero', single]);
  const rowsCols = randomSparse(5, 40, 50, 0.5);
  for (let c = 0; c < 50; c++) {
    rowsCols.data[3 * 50 + c] = 0;
    rowsCols.data[31 * 50 + c] = 0;
  }
  for (let r = 0; r < 40; r++) {
    rowsCols.data[r * 50 + 7] = 0;
    for (let c = 20; c < 40; c++) if (r >= 16 && r < 32) rowsCols.data[r * 50 + c] = 0;
  }
  out.push(['empty rows/cols/tiles', rowsCols]);
  out.push(['1x1', { rows: 1, cols: 1, data: new Float32Array([3]) }]);
  return out;
}

test('pack → unpack round-trips exactly and satisfies the format invariants', () => {
  for (const [name, A] of edgeCases())
    for (const order of ['k', 'density'] as const) {
      const pk = pack(A, { ...TILES, order });
      validatePacked(pk);
      const nnz = A.data.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
      assert.equal(pk.nnz, nnz, name);
      assert.deepEqual(unpack(pk).data, A.data, `${name} (${order})`);
      // R2 storage formula: 5·nnz + (1 + 4)·ncols + 8·(ntiles+1)
      assert.equal(packedBytes(pk), 5 * pk.nnz + 5 * pk.ncols + 8 * (pk.ntiles + 1), name);
      // every stored column segment is non-empty and every tile's Σ counts = its nnz (checked by validatePacked); count columns directly
      let segs = 0;
      for (let b = 0; b * pk.kc < A.cols; b++)
        for (let t = 0; t * pk.mr < A.rows; t++) {
          for (let k = b * pk.kc; k < Math.min(A.cols, (b + 1) * pk.kc); k++) {
            let any = false;
            for (let r = t * pk.mr; r < Math.min(A.rows, (t + 1) * pk.mr); r++) if (A.data[r * A.cols + k] !== 0) any = true;
            if (any) segs++;
          }
        }
      // tiles are m_r-aligned inside each core slice (m_c = 16 = 2·m_r), so they coincide with the global m_r grid here
      assert.equal(pk.ncols, segs, `${name}: empty column segments are dropped`);
      if (order === 'density')
        for (let t = 0; t < pk.ntiles; t++)
          for (let c = pk.tileCols[t]! + 1; c < pk.tileCols[t + 1]!; c++) assert.ok(pk.nnzOuter[c]! <= pk.nnzOuter[c - 1]!);
    }
});

test('pack from CSR equals pack from dense; tile-model defaults produce a valid packing', () => {
  const A = randomSparse(7, 130, 90, 0.2);
  assert.deepEqual(pack(toCsr(A), TILES), pack(A, TILES));
  assert.deepEqual(csrToDense(toCsr(A)).data, A.data);
  const pk = pack(A, { N: 64, hw: { l1: 48 * 1024, l2: 1 << 20, l3: 32 << 20, cores: 2, source: 'test' } });
  validatePacked(pk);
  assert.equal(pk.mr, 128);
  assert.deepEqual(unpack(pk).data, A.data);
});

test('validatePacked catches corrupted packings', () => {
  const pk = pack(randomSparse(8, 30, 30, 0.4), TILES);
  const bad1 = { ...pk, loc: pk.loc.slice() };
  bad1.loc[0] = 200;
  assert.throws(() => validatePacked(bad1), FormatError);
  const bad2 = { ...pk, nnzOuter: pk.nnzOuter.slice() };
  bad2.nnzOuter[0] = 0;
  assert.throws(() => validatePacked(bad2), FormatError);
  const bad3 = { ...pk, tileNnz: pk.tileNnz.slice(0, -1) };
  assert.throws(() => validatePacked(bad3), FormatError);
});

test('malformed inputs give named errors', () => {
  const A = randomSparse(9, 6, 5, 0.5);
  const nan = { ...A, data: A.data.slice() };
  nan.data[7] = NaN;
  assert.throws(
    () => pack(nan, TILES),
    (e: Error) => e instanceof InvalidInput && /row 1, col 2/.test(e.message),
  );
  assert.throws(() => pack({ rows: 6, cols: 5, data: new Float32Array(29) }, TILES), InvalidInput);
  assert.throws(() => pack({ rows: -2, cols: 5, data: new Float32Array(0) }, TILES), InvalidInput);
  assert.throws(() => pack(A, { ...TILES, mr: 300 }), InvalidInput);
  assert.throws(() => pack(A, { ...TILES, kc: 0 }), InvalidInput);
  const csr: Csr = {
    rows: 2,
    cols: 4,
    rowPtr: new Int32Array([0, 2, 3]),
    colIdx: new Int32Array([2, 1, 0]),
    values: new Float32Array([1, 2, 3]),
  };
  assert.throws(
    () => checkCsr(csr),
    (e: Error) => e instanceof FormatError && /not strictly increasing/.test(e.message),
  );
  assert.throws(() => pack(csr, TILES), FormatError);
  assert.throws(() => checkCsr({ ...csr, colIdx: new Int32Array([0, 5, 0]) }), FormatError);
  assert.throws(() => checkCsr({ ...csr, rowPtr: new Int32Array([0, 3, 2]) }), FormatError);
  assert.throws(() => checkCsr({ ...csr, rowPtr: new Int32Array([0, 3]) }), FormatError);
  assert.throws(() => checkCsr({ ...csr, colIdx: new Int32Array([0, 1, 0]), values: new Float32Array([1, NaN, 3]) }), InvalidInput);
});

test('pack and spmm accept every matrix form a notebook has (npy object, nested arrays, typed array + shape, tensor), same result', async () => {
  const { readNpy, writeNpy } = await import('../core/io/npy');
  const tf = await import('@tensorflow/tfjs');
  const { spmm } = await import('./spmm');
  const nested = [
    [1, 0, 0, 2],
    [0, 0, 3, 0],
    [0, -4, 0, 0],
    [5, 0, 0, 6],
    [0, 0, 0, 0],
  ];
  const flat = Float32Array.from(nested.flat());
  const t = tf.tensor2d(nested);
  const opts = { mr: 2, mc: 2, kc: 2, p: 1, nr: 16 as const, nc: 16, N: 3 };
  try {
    const forms: [string, Parameters<typeof pack>[0]][] = [
      ['Matrix', { rows: 5, cols: 4, data: flat }],
      ['nested', nested],
      ['typed + shape', { shape: [5, 4], data: flat }],
      ['npy float64', readNpy(writeNpy({ dtype: 'float64', shape: [5, 4], data: Array.from(flat) }))],
      ['npy int64', readNpy(writeNpy({ dtype: 'int64', shape: [5, 4], data: nested.flat().map(BigInt) }))],
      ['tensor', t],
    ];
    const ref = pack(forms[0]![1], opts);
    const B = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
    ];
    const refC = Array.from(spmm(ref, { rows: 4, cols: 3, data: Float32Array.from(B.flat()) }).data);
    for (const [what, A] of forms) {
      assert.deepEqual(pack(A, opts), ref, what);
      assert.deepEqual(Array.from(spmm(pack(A, opts), B).data), refC, `${what}: spmm with B as nested arrays`);
    }
    assert.throws(
      () => pack(readNpy(writeNpy({ dtype: 'int64', shape: [1, 2], data: [1n, 2n ** 62n] }))),
      (e: Error) => e instanceof InvalidInput && /int64 value/.test(e.message),
    );
  } finally {
    t.dispose();
  }
});
