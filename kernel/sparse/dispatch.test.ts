import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { chooseKernel, expectedColumns, kernelCosts } from './dispatch';
import { pack } from './pack';
import { roskoSpmm, spmm, spmmKernel } from './spmm';
import { randomSparse } from './testutil';
import type { Hardware } from './types';

// a fixed machine (the benchmark box of the committed table): L1d 48 KiB, L2 1 MiB per core, L3 32 MiB, 2 cores
const HW: Hardware = { l1: 48 << 10, l2: 1 << 20, l3: 32 << 20, cores: 2, source: 'test' };
const nnzAt = (M: number, K: number, s: number) => Math.round((1 - s) * M * K);

test('dispatcher: one constructed case per path, each decided by the term the model says', () => {
  // dense A: every kernel does M·K·N multiply-adds; only dense GEMM keeps its accumulators in registers and reads B from packed panels
  assert.equal(chooseKernel(HW, { M: 256, K: 256, N: 64, nnz: 256 * 256 }).kernel, 'dense');
  // 98% sparse with B (512×256 floats = 512 KiB) resident in L2: CSR's random B-row loads are L2 hits and Rosko's extra
  // B-packing / C_p passes dominate
  assert.equal(chooseKernel(HW, { M: 512, K: 512, N: 256, nnz: nnzAt(512, 512, 0.98) }).kernel, 'csr');
  // 90% sparse, K = 2048, N = 2048: B is 16 MiB, so CSR fetches every B line from L3 while Rosko's packed panels stay in L1/L2
  const rosko = chooseKernel(HW, { M: 512, K: 2048, N: 2048, nnz: nnzAt(512, 2048, 0.9) });
  assert.equal(rosko.kernel, 'rosko', rosko.why);
  // the same product on a machine whose L2 holds B: CSR's lines become L2 hits and it wins — cache sizes are inputs
  assert.equal(
    chooseKernel({ ...HW, l2: 64 << 20, l3: 128 << 20 }, { M: 512, K: 2048, N: 2048, nnz: nnzAt(512, 2048, 0.9) }).kernel,
    'csr',
  );
});

test('dispatcher is a pure function of its inputs and monotone in nnz along a sparsity sweep', () => {
  const x = { M: 1024, K: 1024, N: 1024, nnz: nnzAt(1024, 1024, 0.9) };
  assert.deepEqual(chooseKernel(HW, x), chooseKernel(HW, { ...x }));
  // along a sweep from dense to 99.8% the choice only moves dense → rosko → csr (never back)
  const rank = { dense: 0, rosko: 1, csr: 2 };
  for (const [M, K, N] of [
    [512, 2048, 256],
    [2048, 512, 2048],
    [1024, 1024, 1024],
  ] as const) {
    let last = 0;
    for (const s of [0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.998]) {
      const r = rank[chooseKernel(HW, { M, K, N, nnz: nnzAt(M, K, s) }).kernel];
      assert.ok(r >= last, `${M}x${K}x${N} at ${s}: went back to a denser kernel`);
      last = r;
    }
  }
  // the uniform column estimate: m_r-row segments, P(non-empty) = 1 − (1−d)^m_r
  assert.equal(expectedColumns(128, 100, 64, 1), 200);
  assert.ok(Math.abs(expectedColumns(128, 100, 64, 0.01) - 200 * (1 - 0.99 ** 64)) < 1e-9);
  assert.throws(() => kernelCosts(HW, { M: 4, K: 4, N: 4, nnz: 17 }), InvalidInput);
});

test("spmm runs the chosen kernel and every path gives the Rosko kernel's bits", () => {
  for (const [M, K, N, d] of [
    [64, 64, 8, 1],
    [96, 300, 40, 0.02],
    [130, 257, 70, 0.2],
  ] as const) {
    const A = randomSparse(M + K, M, K, d),
      B = randomSparse(N, K, N, 1);
    const pk = pack(A, { N, hw: HW });
    const want = roskoSpmm(pk, B).data;
    for (const kernel of ['rosko', 'csr', 'dense'] as const) {
      const got = spmm(pk, B, { kernel }).data;
      for (let i = 0; i < want.length; i++)
        assert.ok(got[i] === want[i], `${M}x${K}x${N} d=${d} ${kernel}: C[${i}] ${got[i]} vs ${want[i]}`);
    }
    const k = spmmKernel(pk, N, HW);
    assert.deepEqual(spmm(pk, B, { hw: HW }).data, spmm(pk, B, { kernel: k }).data);
  }
  // the constructed cases reach every path through spmm itself
  for (const [M, K, N, d, want] of [
    [512, 512, 256, 1, 'dense'],
    [512, 2048, 2048, 0.1, 'rosko'],
    [512, 512, 256, 0.02, 'csr'],
  ] as const)
    assert.equal(spmmKernel(pack(randomSparse(1, M, K, d), { N, hw: HW }), N, HW), want, `${M}x${K}x${N} d=${d}`);
  assert.throws(() => spmm(pack(randomSparse(1, 4, 4, 1), { hw: HW }), randomSparse(2, 4, 2, 1), { kernel: 'gpu' as never }), InvalidInput);
});
