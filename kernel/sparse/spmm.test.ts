import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { pack, toCsr } from './pack';
import { csrSpmm, denseGemm, roskoSpmm as spmm, spmm as dispatched, spmmCounts } from './spmm';
import { getEngine } from './wasm';
import { RoskoPool } from './workers';
import { randomSparse, reference, worstRatio } from './testutil';
import { COSTS, POOL, poolPlan } from './dispatch';
import type { Hardware, Matrix, Nr } from './types';

const CASES: [string, number, number, number, number][] = [
  // name, M, K, N, density — dimensions not multiples of m_r / k_c / n_r, K < k_c, N < n_r
  ['odd dims', 37, 53, 41, 0.3],
  ['dense', 29, 31, 50, 1],
  ['density 0', 20, 30, 17, 0],
  ['density 1e-4', 300, 200, 33, 1e-4],
  ['N < n_r', 45, 70, 5, 0.2],
  ['K < k_c', 70, 9, 40, 0.5],
  ['1x1x1', 1, 1, 1, 1],
];

function withEmpties(seed: number): Matrix {
  const A = randomSparse(seed, 64, 80, 0.4);
  for (let c = 0; c < 80; c++) A.data[5 * 80 + c] = 0; // empty row
  for (let r = 0; r < 64; r++) A.data[r * 80 + 11] = 0; // empty column
  for (let r = 16; r < 32; r++) for (let c = 20; c < 40; c++) A.data[r * 80 + c] = 0; // empty tiles
  return A;
}

test('Rosko, CSR and dense kernels match a float64 reference on edge cases (all n_r, several tilings)', () => {
  const all: [string, Matrix, Matrix][] = CASES.map(([n, M, K, N, d], i) => [
    n,
    randomSparse(10 + i, M, K, d),
    randomSparse(50 + i, K, N, 1),
  ]);
  const single = { rows: 9, cols: 12, data: new Float32Array(108) };
  single.data[4 * 12 + 7] = 1.5;
  all.push(['single nonzero', single, randomSparse(99, 12, 70, 1)]);
  all.push(['empty rows/cols/tiles', withEmpties(3), randomSparse(98, 80, 66, 1)]);
  for (const [name, A, B] of all) {
    const ref = reference(A, B);
    for (const nr of [16, 32, 48, 64] as Nr[])
      for (const [mr, mc, kc, p] of [
        [8, 16, 20, 2],
        [5, 7, 64, 1],
        [128, 128, 1024, 2],
        [3, 6, 4, 3],
      ]) {
        const pk = pack(A, { mr: mr!, mc: mc!, kc: kc!, p: p!, nr, nc: 2 * nr });
        const C = spmm(pk, B);
        assert.equal(C.rows, A.rows);
        assert.equal(C.cols, B.cols);
        assert.ok(worstRatio(C.data, ref) <= 1, `${name} rosko nr=${nr} tiles=${[mr, mc, kc, p]}`);
        assert.deepEqual(spmm(pk, B, { packB: false }).data, C.data, `${name} rosko with row-major B`);
      }
    assert.ok(worstRatio(csrSpmm(toCsr(A), B).data, ref) <= 1, `${name} csr`);
    assert.ok(worstRatio(denseGemm(A, B).data, ref) <= 1, `${name} dense`);
  }
});

test('instrumented counts: skipped rows cost zero multiply-adds; one B-row load per stored column and panel', () => {
  for (const [A, nr] of [
    [withEmpties(4), 32],
    [randomSparse(5, 100, 300, 0.02), 16],
    [randomSparse(6, 50, 60, 0), 64],
  ] as [Matrix, Nr][]) {
    const N = 70;
    const B = randomSparse(7, A.cols, N, 1);
    const pk = pack(A, { mr: 8, mc: 16, kc: 32, p: 2, nr, nc: 1024 });
    const { C, vectorMadds, bRowLoads } = spmmCounts(pk, B);
    const panels = Math.ceil(N / nr);
    // exactly nnz × (N_padded / n_r) × (n_r / 4) f32x4 multiply-adds: zero for every zero of A (dense would be M·K·panels·n_r/4)
    assert.equal(vectorMadds, pk.nnz * panels * (nr / 4));
    assert.equal(bRowLoads, pk.ncols * panels);
    assert.deepEqual(C.data, spmm(pk, B).data);
  }
});

// small products: the pool would run them on the calling thread (poolPlan), so the workers are forced here
const W = { useWorkers: true } as const;

test('two workers give the same result as one thread', async () => {
  const pool = await RoskoPool.create({ workers: 2 });
  try {
    for (const [M, K, N, d] of [
      [37, 53, 41, 0.3],
      [300, 200, 130, 0.1],
      [3, 5, 2, 1],
      [260, 90, 257, 0.05], // N split with a partial last panel; M split with a short last CB block
    ]) {
      const A = randomSparse(M!, M!, K!, d!),
        B = randomSparse(N!, K!, N!, 1);
      const pk = pack(A, { mr: 8, mc: 16, kc: 64, p: 2, nr: 32, nc: 64 });
      // each call gets a different B (exact scalings), so stale C scratch from the previous call cannot pass for a result
      const scaled = (f: number) => ({ ...B, data: B.data.map((v) => v * f) });
      const C1 = spmm(pk, B);
      assert.deepEqual(Array.from((await pool.spmm(pk, scaled(2), W)).data), Array.from(C1.data.map((v) => v * 2)));
      assert.deepEqual(Array.from((await pool.spmm(pk, scaled(4), { packB: false, ...W })).data), Array.from(C1.data.map((v) => v * 4)));
      // both splits, B in ordinary or shared memory (then the workers copy it in), packed or row-major B: same bits
      let f = 8;
      for (const split of ['m', 'n'] as const)
        for (const shared of [false, true])
          for (const packB of [true, false]) {
            const Bs: Matrix = scaled(f);
            if (shared) {
              const sab = new Float32Array(new SharedArrayBuffer(Bs.data.byteLength));
              sab.set(Bs.data);
              Bs.data = sab;
            }
            const got = await pool.spmm(pk, Bs, { split, packB, ...W });
            assert.ok(got.data.buffer instanceof SharedArrayBuffer, 'C is filled by the workers in shared memory');
            assert.deepEqual(
              Array.from(got.data),
              Array.from(C1.data.map((v) => v * f)),
              `${M}x${K}x${N} split ${split} shared ${shared} packB ${packB}`,
            );
            f *= 2;
          }
      assert.ok(worstRatio((await pool.spmm(pk, B, W)).data, reference(A, B)) <= 1);
    }
    // a synchronous call while a pool call holds the shared scratch memory is refused, not corrupted
    const A = randomSparse(1, 40, 30, 0.5),
      B = randomSparse(2, 30, 20, 1);
    const pk = pack(A, { mr: 8, mc: 16, kc: 64, p: 2, nr: 32, nc: 64 });
    const running = pool.spmm(pk, B, W);
    assert.throws(() => spmm(pk, B), InvalidInput);
    await assert.rejects(pool.spmm(pk, B, W), InvalidInput);
    assert.deepEqual(Array.from((await running).data), Array.from(spmm(pk, B).data));
  } finally {
    await pool.close();
  }
});

test("out: every kernel and split writes C into the caller's buffer (ordinary or shared); a bad out is refused untouched", async () => {
  const A = randomSparse(21, 70, 53, 0.3),
    B = randomSparse(22, 53, 41, 1);
  const pk = pack(A, { mr: 8, mc: 16, kc: 64, p: 2, nr: 32, nc: 64 });
  const want = Array.from(spmm(pk, B).data);
  // NaN-filled, so an entry nobody wrote shows; each call scales B, so a stale C from the previous call cannot pass
  const fresh = (shared: boolean) => {
    const o = shared ? new Float32Array(new SharedArrayBuffer(70 * 41 * 4)) : new Float32Array(70 * 41);
    return o.fill(NaN);
  };
  let f = 2;
  const check = (got: Matrix, out: Float32Array, what: string) => {
    assert.equal(got.data, out, `${what}: the result is the caller's array`);
    assert.deepEqual(
      Array.from(out),
      want.map((v) => v * f),
      what,
    );
    f *= 2;
  };
  const scaled = () => ({ ...B, data: B.data.map((v) => v * f) });
  for (const kernel of ['rosko', 'csr', 'dense'] as const) {
    const out = fresh(false);
    check(dispatched(pk, scaled(), { kernel, out }), out, `main thread ${kernel}`);
  }
  const pool = await RoskoPool.create({ workers: 2 });
  try {
    for (const shared of [false, true])
      for (const [kernel, split] of [
        ['rosko', 'n'],
        ['rosko', 'm'],
        ['csr', 'n'],
        ['csr', 'm'],
        ['dense', 'auto'],
      ] as const) {
        const out = fresh(shared);
        check(await pool.spmm(pk, scaled(), { kernel, split, out, ...W }), out, `pool ${kernel} ${split} shared out ${shared}`);
      }
    // refused before any work: wrong length, not a Float32Array, overlapping B (one float), a view of wasm memory
    const big = new Float32Array(53 * 41 + 70 * 41);
    big.set(B.data);
    const Bv: Matrix = { ...B, data: big.subarray(0, 53 * 41) };
    const short = new Float32Array(70 * 41 - 1).fill(NaN);
    const bad: unknown[] = [
      short,
      new Float64Array(70 * 41),
      big.subarray(53 * 41 - 1, 53 * 41 - 1 + 70 * 41),
      new Float32Array(getEngine().memory.buffer, 0, 70 * 41),
    ];
    for (const o of bad) {
      assert.throws(() => dispatched(pk, Bv, { out: o as Float32Array }), InvalidInput);
      await assert.rejects(pool.spmm(pk, Bv, { out: o as Float32Array, ...W }), InvalidInput);
    }
    assert.ok(short.every(Number.isNaN), 'a refused call wrote nothing');
    assert.deepEqual(Array.from(Bv.data), Array.from(B.data), 'B untouched');
  } finally {
    await pool.close();
  }
});

test('malformed inputs give named errors', () => {
  const A = randomSparse(1, 10, 12, 0.5);
  const pk = pack(A, { mr: 8, mc: 8, kc: 8, p: 2, nr: 16, nc: 16 });
  assert.throws(
    () => spmm(pk, randomSparse(2, 11, 4, 1)),
    (e: Error) => e instanceof InvalidInput && /K = 12/.test(e.message),
  );
  const B = randomSparse(3, 12, 4, 1);
  B.data[5] = NaN;
  assert.throws(() => spmm(pk, B), InvalidInput);
  assert.throws(() => spmm(pk, { rows: 12, cols: 4, data: new Float32Array(47) }), InvalidInput);
  assert.throws(() => spmm(pk, randomSparse(4, 12, 4, 1), { nr: 8 as Nr }), InvalidInput);
  assert.throws(() => spmm({} as never, randomSparse(4, 12, 4, 1)), InvalidInput);
  assert.throws(() => csrSpmm(toCsr(A), randomSparse(2, 11, 4, 1)), InvalidInput);
  assert.throws(() => denseGemm(A, randomSparse(2, 13, 4, 1)), InvalidInput);
});

test("the pool runs the dispatched kernel: CSR and dense split by rows on the workers give the main thread's bits", async () => {
  const pool = await RoskoPool.create({ workers: 2 });
  try {
    for (const [M, K, N, d] of [
      [37, 53, 41, 0.3],
      [301, 200, 66, 0.02],
      [3, 5, 2, 1],
    ] as const) {
      const A = randomSparse(M + 1, M, K, d),
        B = randomSparse(N + 1, K, N, 1);
      const pk = pack(A, { mr: 8, mc: 16, kc: 64, p: 2, nr: 32, nc: 64 });
      const want = Array.from(spmm(pk, B).data);
      for (const kernel of ['csr', 'dense', 'auto'] as const) {
        const got = await pool.spmm(pk, B, { kernel, ...W });
        assert.ok(got.data.buffer instanceof SharedArrayBuffer);
        assert.deepEqual(Array.from(got.data), want, `${M}x${K}x${N} ${kernel}`);
      }
    }
  } finally {
    await pool.close();
  }
});

test('CSR on two workers split by N (each copies its columns of B in and its block of C out) gives the one-thread bits', async () => {
  const pool = await RoskoPool.create({ workers: 2 });
  const share = (m: Matrix): Matrix => {
    const d = new Float32Array(new SharedArrayBuffer(m.data.byteLength));
    d.set(m.data);
    return { ...m, data: d };
  };
  try {
    for (const [M, K, N, d] of [
      [37, 53, 41, 0.3], // N not a multiple of 16: the second worker's block ends in a partial chunk
      [300, 200, 130, 0.1],
      [200, 90, 257, 0.05],
      [9, 40, 20, 0.5], // two chunks: one each
      [9, 40, 12, 0.5], // one chunk: the second worker has no columns
    ] as const) {
      const A = randomSparse(M + 3, M, K, d),
        B = randomSparse(N + 3, K, N, 1);
      const pk = pack(A, { mr: 8, mc: 16, kc: 64, p: 2, nr: 32, nc: 64 });
      const one = csrSpmm(toCsr(A), B);
      // each call gets a different B (exact scalings), so a stale C block from the previous call cannot pass
      let f = 2;
      for (const shared of [false, true]) {
        const Bs = { ...B, data: B.data.map((v) => v * f) };
        const got = await pool.spmm(pk, shared ? share(Bs) : Bs, { kernel: 'csr', split: 'n', ...W });
        assert.ok(got.data.buffer instanceof SharedArrayBuffer);
        assert.deepEqual(Array.from(got.data), Array.from(one.data.map((v) => v * f)), `${M}x${K}x${N} shared ${shared}`);
        f *= 2;
      }
    }
    // 'auto' picks the N split when B is shared (the workers copy it in) or M is short, and rows otherwise
    const A = randomSparse(1, 300, 200, 0.05),
      B = randomSparse(2, 200, 130, 1);
    const pk = pack(A, { mr: 8, mc: 16, kc: 64, p: 2, nr: 32, nc: 64 });
    assert.equal(pool.plan(pk, 130, { kernel: 'csr' }, false).split, 'rows');
    assert.equal(pool.plan(pk, 130, { kernel: 'csr' }, true).split, 'n');
    assert.equal(pool.plan(pk, 130, { kernel: 'csr', split: 'm' }, true).split, 'rows');
    const short = pack(randomSparse(3, 100, 200, 0.05), { mr: 8, mc: 16, kc: 64, p: 2, nr: 32, nc: 64 });
    assert.equal(pool.plan(short, 130, { kernel: 'csr' }, false).split, 'n');
    // with a shared B the N split's copy-in is not serial in the cost model: it predicts less time than with an ordinary B
    const hw: Hardware = { l1: 32 << 10, l2: 512 << 10, l3: 32 << 20, cores: 2, source: 'test' };
    const onWorkers = (sharedB: boolean, split: 'auto' | 'm') =>
      Number(/([\d.]+) ms on 2 workers/.exec(pool.plan(pk, 8192, { kernel: 'csr', hw, split }, sharedB).why)![1]);
    assert.ok(onWorkers(true, 'auto') < onWorkers(false, 'auto'));
    // a row split reads all of B on every worker, so the calling thread still copies it in
    assert.equal(onWorkers(true, 'm'), onWorkers(false, 'm'));
    const Bs = share(B);
    assert.deepEqual(Array.from((await pool.spmm(pk, Bs, { kernel: 'csr', ...W })).data), Array.from(csrSpmm(toCsr(A), B).data));
  } finally {
    await pool.close();
  }
});

test('the pool splits only when the cost model says it pays: small products run on the calling thread, large ones on the workers', async () => {
  const hw: Hardware = { l1: 32 << 10, l2: 512 << 10, l3: 32 << 20, cores: 2, source: 'test' };
  const pool = await RoskoPool.create({ workers: 2 });
  try {
    // a 64×64 product is microseconds of work against a 0.5 ms message round: calling thread, same bits, ordinary memory
    const A = randomSparse(11, 64, 64, 0.1),
      B = randomSparse(12, 64, 32, 1);
    const pk = pack(A, { N: 32, hw });
    const d = pool.plan(pk, 32, { hw });
    assert.equal(d.workers, 1, d.why);
    const got = await pool.spmm(pk, B, { hw });
    assert.ok(!(got.data.buffer instanceof SharedArrayBuffer), 'ran on the calling thread');
    assert.deepEqual(Array.from(got.data), Array.from(spmm(pk, B).data));
    // 512×2048×2048 at 90 %: tens of ms on one thread, one message round: the workers
    const big = { M: 512, K: 2048, N: 2048, nnz: Math.round(0.1 * 512 * 2048) };
    const p2 = poolPlan(hw, big, 'rosko', { workers: 2, rounds: 1 });
    assert.equal(p2.workers, 2, p2.why);
    assert.ok(p2.poolNs < p2.oneNs / POOL.minGain);
    // the decision follows its terms: free messages and perfect efficiency split whenever the gain reaches minGain;
    // a round dearer than the whole product never splits; one worker never splits
    const tiny = { M: 64, K: 64, N: 32, nnz: 410 };
    assert.equal(poolPlan(hw, tiny, 'csr', { workers: 2, rounds: 1 }, COSTS, { roundNs: 0, efficiency: 1, minGain: 1.25 }).workers, 2);
    assert.equal(poolPlan(hw, big, 'rosko', { workers: 2, rounds: 1 }, COSTS, { ...POOL, roundNs: p2.oneNs }).workers, 1);
    assert.equal(poolPlan(hw, big, 'rosko', { workers: 1, rounds: 1 }).workers, 1);
    // each message round adds roundNs; the B copy-in stays on the calling thread (not divided by the workers)
    const mid = { M: 512, K: 512, N: 256, nnz: Math.round(0.1 * 512 * 512) };
    const always = { ...POOL, minGain: 0 };
    const one = poolPlan(hw, mid, 'csr', { workers: 2, rounds: 1 }, COSTS, always),
      two = poolPlan(hw, mid, 'csr', { workers: 2, rounds: 2 }, COSTS, always),
      noCopy = poolPlan(hw, mid, 'csr', { workers: 2, rounds: 1, serialB: false }, COSTS, always);
    assert.ok(Math.abs(two.poolNs - one.poolNs - POOL.roundNs) < 1e-6);
    const copyB = COSTS.passFloat * 512 * 256;
    assert.ok(Math.abs(one.poolNs - noCopy.poolNs - (copyB - copyB / (2 * POOL.efficiency))) < 1e-6);
    assert.throws(() => pool.plan(pk, 32, { useWorkers: 'yes' as never }), InvalidInput);
  } finally {
    await pool.close();
  }
});
