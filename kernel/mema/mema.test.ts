import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import {
  ALL_ORDERS,
  simulate,
  cost,
  costDivisible,
  chooseByCutoffs,
  deriveSchedule,
  search,
  lowerBound,
  ratioToLowerBound,
  CORTEX_M4,
  CORTEX_M7,
  CORTEX_A72,
  defineHardware,
  TINYML_LAYERS_FP32,
  baselineCounts,
  nestOf,
  feasibleTiles,
  type LoopNest,
} from './index';

test('simulator = closed form (§2.2 table) when tiles divide the shape, all 6 orders', () => {
  const shapes = [
    [10, 12, 20],
    [20, 6, 10],
    [30, 24, 15],
  ] as const;
  for (const [M, K, N] of shapes) {
    for (const order of ALL_ORDERS) {
      for (const [m, k, n] of [
        [5, 1, 5],
        [2, 3, 5],
        [1, 6, 5],
        [5, 2, 1],
        [10, 3, 5],
      ] as const) {
        if (M % m || K % k || N % n) continue;
        const nest: LoopNest = { order: [...order], m, k, n };
        const s = simulate(nest, M, K, N);
        assert.deepEqual(s, cost(nest, M, K, N));
        const name = order[2] === 'K' ? 'KMN' : order[2] === 'M' ? 'MKN' : 'NKM';
        assert.equal(s.total, costDivisible(name, m, k, n, M, K, N), `${order.join('')} ${m}x${k}x${n} on ${M}x${K}x${N}`);
        assert.equal(s.macs, M * K * N);
      }
    }
  }
});

test('simulator = exact cost model with leftover tiles on 200+ random shapes (M, K, N ≤ 40)', () => {
  const r = rng(7);
  for (let t = 0; t < 220; t++) {
    const M = 1 + r.int(40),
      K = 1 + r.int(40),
      N = 1 + r.int(40);
    const order = ALL_ORDERS[r.int(6)]!;
    const nest: LoopNest = { order: [...order], m: 1 + r.int(8), k: 1 + r.int(8), n: 1 + r.int(8) };
    assert.deepEqual(simulate(nest, M, K, N), cost(nest, M, K, N), JSON.stringify({ nest, M, K, N }));
  }
});

test('the innermost tile size and the outer two loops change no count (why search fixes them)', () => {
  const [M, K, N] = [23, 17, 31];
  for (const order of ALL_ORDERS) {
    const base = { order: [...order] as LoopNest['order'], m: 3, k: 4, n: 5 };
    const inner = order[2] === 'K' ? 'k' : order[2] === 'M' ? 'm' : 'n';
    const a = simulate(base, M, K, N);
    const b = simulate({ ...base, [inner]: 1 }, M, K, N);
    assert.equal(a.total, b.total);
  }
  // same innermost loop, different outer order
  const x = simulate({ order: ['M', 'N', 'K'], m: 4, k: 1, n: 3 }, M, K, N);
  const y = simulate({ order: ['N', 'M', 'K'], m: 4, k: 1, n: 3 }, M, K, N);
  assert.deepEqual(x, y);
});

test('register budget: 5×5 outer product is the KMN optimum for R = 32 (25 acc + 5 B + 1 A = 31)', () => {
  let best = { m: 0, n: 0, c: Infinity };
  for (const t of feasibleTiles('KMN', 32)) {
    const c = 1 / t.m + 1 / t.n;
    if (c < best.c) best = { m: t.m, n: t.n, c };
  }
  assert.deepEqual([best.m, best.n], [5, 5]);
  const d = deriveSchedule(CORTEX_M4, 100, 100, 100);
  assert.equal(d.name, 'KMN');
  assert.deepEqual([d.nest.m, d.nest.n, d.footprint], [5, 5, 31]);
});

test('cut-off rule of derive_schedule agrees with the cost table for a common tile (divisible shapes)', () => {
  const r = rng(3);
  let checked = 0;
  for (let t = 0; t < 400; t++) {
    const [m, k, n] = [1 + r.int(6), 1 + r.int(6), 1 + r.int(6)];
    const M = m * (1 + r.int(20)),
      K = k * (1 + r.int(20)),
      N = n * (1 + r.int(20));
    const costs = {
      KMN: costDivisible('KMN', m, k, n, M, K, N),
      MKN: costDivisible('MKN', m, k, n, M, K, N),
      NKM: costDivisible('NKM', m, k, n, M, K, N),
    };
    const pick = chooseByCutoffs(m, k, n, M, K, N);
    const min = Math.min(costs.KMN, costs.MKN, costs.NKM);
    assert.ok(costs[pick] <= min + 1e-6 * min, `${pick} ${JSON.stringify(costs)} m${m}k${k}n${n} ${M}x${K}x${N}`);
    checked++;
  }
  assert.equal(checked, 400);
});

test('analytic schedule ties the simulator-scored exhaustive search (small benchmark layers + skewed shapes)', () => {
  const picks = [TINYML_LAYERS_FP32[4]!, TINYML_LAYERS_FP32[7]!, TINYML_LAYERS_FP32[11]!];
  const shapes = [...picks.map((l) => [l.M, l.K, l.N] as const), [40, 2, 40] as const, [7, 3, 50] as const, [50, 3, 7] as const];
  for (const [M, K, N] of shapes) {
    const a = deriveSchedule(CORTEX_M4, M, K, N);
    const s = search(CORTEX_M4, M, K, N);
    assert.equal(simulate(a.nest, M, K, N).total, s.counts.total, `${M}x${K}x${N}: analytic ${a.name} vs search ${s.name}`);
  }
});

test('small K makes the A- or B-stationary schedule win (§2.3)', () => {
  assert.equal(deriveSchedule(CORTEX_M4, 20, 8, 2310).name, 'NKM');
  const d = deriveSchedule(CORTEX_M4, 2310, 8, 20);
  assert.equal(d.name, 'MKN');
});

test('lower bound: every candidate is above 2MNK/√S − 2S; 5×5 ratio ≤ 1.2 for M=N=K ∈ {128, 256}', () => {
  for (const [M, K, N] of [
    [30, 30, 30],
    [64, 32, 20],
    [100, 100, 100],
  ] as const) {
    for (const name of ['KMN', 'MKN', 'NKM'] as const) {
      for (const t of feasibleTiles(name, 32)) assert.ok(cost(t, M, K, N).total >= lowerBound(M, K, N, 32));
    }
  }
  for (const s of [128, 256]) {
    const d = deriveSchedule(CORTEX_M4, s, s, s);
    const r = ratioToLowerBound(simulate(d.nest, s, s, s).total, s, s, s, 32)!;
    assert.ok(r > 1 && r <= 1.2, `ratio ${r}`);
  }
  assert.equal(ratioToLowerBound(10, 2, 2, 2, 32), null);
});

test('analytic schedule beats the CMSIS-style 2×2 inner-product baseline on every benchmark layer', () => {
  for (const l of TINYML_LAYERS_FP32) {
    const a = deriveSchedule(CORTEX_M4, l.M, l.K, l.N).counts.total;
    const b = baselineCounts(l.M, l.K, l.N).total;
    assert.ok(b / a > 2, `layer ${l.id}: ${b}/${a}`);
  }
});

test('bad hardware descriptions and shapes are named errors', () => {
  assert.throws(() => defineHardware({ name: 'x', registers: 0, sramBytes: 1024 }), InvalidInput);
  assert.throws(() => deriveSchedule({ ...CORTEX_M4, registers: 0 }, 4, 4, 4), InvalidInput);
  assert.throws(() => deriveSchedule({ ...CORTEX_M4, registers: 2.5 }, 4, 4, 4), InvalidInput);
  assert.throws(() => deriveSchedule({ ...CORTEX_M4, sramBytes: 8 }, 4, 4, 4), /smaller than the smallest tile/);
  assert.throws(() => simulate(nestOf('KMN', 0, 1, 5), 4, 4, 4), InvalidInput);
  assert.throws(() => simulate({ order: ['M', 'M', 'K'], m: 1, k: 1, n: 1 }, 4, 4, 4), InvalidInput);
  assert.throws(() => cost(nestOf('KMN', 5, 1, 5), 0, 4, 4), InvalidInput);
  // small SRAM restricts the tile: 12 words ⇒ footprint ≤ 12
  const d = deriveSchedule(defineHardware({ name: 'tiny', registers: 32, sramBytes: 48 }), 20, 20, 20);
  assert.ok(d.footprint <= 12);
  for (const hw of [CORTEX_M7, CORTEX_A72]) assert.ok(deriveSchedule(hw, 64, 64, 64).counts.total > 0);
});

test("an unknown schedule name (e.g. lower-case 'kmn') is InvalidInput listing the allowed names, not NKM", () => {
  for (const f of [
    () => feasibleTiles('kmn' as never, 8),
    () => costDivisible('kmn' as never, 2, 2, 2, 8, 8, 8),
    () => nestOf('kmn' as never, 2, 2, 2),
  ]) {
    assert.throws(f, (e: Error) => e instanceof InvalidInput && /'KMN', 'MKN', 'NKM'/.test(e.message) && /"kmn"/.test(e.message));
  }
  assert.equal(nestOf('KMN', 2, 1, 2).order[2], 'K');
});
