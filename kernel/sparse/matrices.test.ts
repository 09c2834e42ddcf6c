import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { rng } from '../core/rng';
import { magnitudePrune } from './layer';
import { realWeightMatrices, transposeKernel } from './matrices';
import { pack } from './pack';
import { roskoSpmm, spmm } from './spmm';
import { reference, worstRatio } from './testutil';

test('transposeKernel: W [in, out] and conv [kh, kw, cin, cout] → Wᵀ [out, in]', () => {
  const A = transposeKernel([1, 2, 3, 4, 5, 6], [3, 2]);
  assert.deepEqual([A.rows, A.cols, ...A.data], [2, 3, 1, 3, 5, 2, 4, 6]);
  const C = transposeKernel(
    Float32Array.from({ length: 12 }, (_, i) => i),
    [1, 2, 2, 3],
  );
  assert.deepEqual([C.rows, C.cols, ...C.data.slice(0, 4)], [3, 4, 0, 3, 6, 9]);
});

test('real pruned weight matrices (SWS PoolFormer, gaze teacher, face-api) at 70–98%: every kernel within float32 rounding of a float64 reference', async () => {
  await init({ backend: 'cpu' });
  const ms = await realWeightMatrices({ swsKinds: ['widepool'] });
  const names = ms.map((m) => m.name).join('; ');
  for (const src of ['widepool/', 'gaze teacher', 'face-api']) assert.ok(names.includes(src), `missing ${src}: ${names}`);
  const r = rng(30);
  for (const { name, A } of ms)
    for (const s of [0.7, 0.98]) {
      const P = { ...A, data: magnitudePrune(A.data, s) };
      let nnz = 0;
      for (const v of P.data) if (v !== 0) nnz++;
      assert.ok(Math.abs(nnz - Math.round((1 - s) * A.data.length)) <= A.data.filter((v) => v === 0).length, `${name}: pruned nnz ${nnz}`);
      const N = 24;
      const B = { rows: A.cols, cols: N, data: r.normals(A.cols * N) };
      const ref = reference(P, B);
      const pk = pack(P, { N });
      const rosko = roskoSpmm(pk, B);
      assert.ok(worstRatio(rosko.data, ref) <= 1, `${name} at ${s}: rosko`);
      for (const kernel of ['csr', 'dense', 'auto'] as const)
        assert.ok(worstRatio(spmm(pk, B, { kernel }).data, ref) <= 1, `${name} at ${s}: ${kernel}`);
    }
});
