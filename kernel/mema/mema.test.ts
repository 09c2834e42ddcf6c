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
  classTiles,
  chooseClass,
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

test('closed-form register tile = the hand-derived optimum for R = 16, 32, 64 (840³, divisible by every tile side)', () => {
  // KMN: minimise 1/m + 1/n with m·n + n + 1 ≤ R. By hand: R = 16 → 4×3 (12 + 3 + 1 = 16; 3×3: 0.667, 6×2: 0.667 are worse
  // than 0.583); R = 32 → 5×5 (31 registers, 0.4); R = 64 → 8×7 (56 + 7 + 1 = 64, 0.268; 9×6: 0.278).
  for (const [R, m, n] of [
    [16, 4, 3],
    [32, 5, 5],
    [64, 8, 7],
  ] as const) {
    const d = deriveSchedule({ ...CORTEX_M4, registers: R }, 840, 840, 840);
    assert.equal(d.name, 'KMN');
    assert.deepEqual([d.nest.m, d.nest.n], [m, n], `R = ${R}`);
    assert.equal(d.counts.total, 840 * 840 + 840 ** 3 / m + 840 ** 3 / n);
  }
  assert.equal(deriveSchedule(CORTEX_M4, 100, 100, 100).footprint, 31);
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

/** Shapes where the closed form must equal the exhaustive optimum: the 20 layers, skewed K-small shapes, random shapes. */
function oracleShapes(): [number, number, number][] {
  const out: [number, number, number][] = TINYML_LAYERS_FP32.map((l) => [l.M, l.K, l.N]);
  for (const K of [1, 2, 4, 8, 12]) out.push([20, K, 2310], [2310, K, 20], [40, K, 40], [7, K, 500], [500, K, 7]);
  const r = rng(9);
  for (let i = 0; i < 40; i++) out.push([1 + r.int(200), 1 + r.int(200), 1 + r.int(200)]);
  return out;
}

/** Shapes (and register counts) where a rule's accesses differ from the exhaustive search's optimum. */
const optimum = new Map<string, number>(); // search results, shared by the rule and its perturbations
function oracleMismatches(rule: (hw: typeof CORTEX_M4, M: number, K: number, N: number) => LoopNest, registers: number[]): string[] {
  const bad: string[] = [];
  for (const R of registers) {
    const hw = { ...CORTEX_M4, registers: R };
    for (const [M, K, N] of oracleShapes()) {
      const got = cost(rule(hw, M, K, N), M, K, N).total;
      const key = `${R} ${M} ${K} ${N}`;
      if (!optimum.has(key)) optimum.set(key, search(hw, M, K, N, { score: 'cost' }).counts.total);
      const best = optimum.get(key)!;
      if (got !== best) bad.push(`R${R} ${M}x${K}x${N}: ${got} vs ${best}`);
    }
  }
  return bad;
}

test('closed-form rule = exhaustive search optimum on the 20 layers, skewed and random shapes (R = 12, 32)', () => {
  assert.deepEqual(
    oracleMismatches((hw, M, K, N) => deriveSchedule(hw, M, K, N).nest, [12, 32]),
    [],
  );
  // the simulator-scored search on small layers (the cost formula is the simulator, proven above; this re-checks it end to end)
  for (const [M, K, N] of [
    [40, 16, 60],
    [20, 8, 200],
    [7, 3, 50],
  ] as const) {
    assert.equal(deriveSchedule(CORTEX_M4, M, K, N).counts.total, search(CORTEX_M4, M, K, N).counts.total, `${M}x${K}x${N}`);
  }
});

test('the oracle check catches wrong rules: common-tile cut-offs, a dropped factor 2, a floor-rounded tile', () => {
  // (a) the cut-offs of the authors' derive_schedule with one common tile (here the KMN tile) for every class: at the
  //     register level k = 1, so K_cut = 2M/(1 + M(2 − 1/m)) < 2 and the A/B-stationary schedules are never chosen (layer 12).
  const common = (hw: typeof CORTEX_M4, M: number, K: number, N: number): LoopNest => {
    const t = classTiles(hw.registers, M, K, N);
    return t[chooseByCutoffs(t.KMN.m, t.KMN.k, t.KMN.n, M, K, N)];
  };
  const a = oracleMismatches(common, [32]);
  assert.ok(
    a.some((s) => s.startsWith('R32 20x8x2310')),
    `common-tile rule should fail layer 12; failures: ${a.slice(0, 3).join('; ')}`,
  );
  // (b) C's read-modify-write per K block counted once instead of twice (2/k → 1/k in the cut-offs): picks MKN/NKM too often
  const once = (hw: typeof CORTEX_M4, M: number, K: number, N: number): LoopNest => {
    const t = classTiles(hw.registers, M, K, N);
    const half = { ...t, MKN: { ...t.MKN, k: t.MKN.k * 2 }, NKM: { ...t.NKM, k: t.NKM.k * 2 } };
    return t[chooseClass(half, M, K, N)];
  };
  assert.ok(oracleMismatches(once, [32]).length > 0, 'dropping the factor 2 must fail somewhere');
  // (c) the continuous optimum n* = 4.72 rounded down (n = 4, m = 6) instead of the neighbour search: fails on the layers
  const floorTile = (hw: typeof CORTEX_M4, M: number, K: number, N: number): LoopNest => {
    const t = classTiles(hw.registers, M, K, N);
    const name = chooseClass(t, M, K, N);
    return name === 'KMN' ? nestOf('KMN', 6, 1, 4) : t[name];
  };
  assert.ok(oracleMismatches(floorTile, [32]).filter((s) => /x(1030|260|70)$/.test(s.split(':')[0]!)).length >= 5);
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

test('layer 5 (40×16×260) and layer 12 (20×8×2310): access counts equal the hand count', () => {
  // Layer 5, KMN 5×5: A read once per column block 40·16·(260/5) = 33280, B once per row block 16·260·(40/5) = 33280,
  // C written once 40·260 = 10400 → 76960. 2×2 baseline: 40·16·130 + 16·260·20 + 10400 = 176800.
  const l5 = TINYML_LAYERS_FP32[4]!;
  assert.deepEqual([l5.M, l5.K, l5.N], [40, 16, 260]);
  const d5 = deriveSchedule(CORTEX_M4, l5.M, l5.K, l5.N);
  assert.deepEqual([d5.counts.aLoads, d5.counts.bLoads, d5.counts.cLoads, d5.counts.cStores], [33280, 33280, 0, 10400]);
  assert.equal(baselineCounts(l5.M, l5.K, l5.N).total, 176800);
  // Layer 12, NKM 3×8×1 (24 A + 3 C + 1 B = 28 registers): A once 20·8 = 160, B once per row block 8·2310·⌈20/3⌉ = 129360,
  // C written once (K = 8 fits the tile) 20·2310 = 46200 → 175720.
  const l12 = TINYML_LAYERS_FP32[11]!;
  const d12 = deriveSchedule(CORTEX_M4, l12.M, l12.K, l12.N);
  assert.deepEqual([d12.name, d12.nest.m, d12.nest.k], ['NKM', 3, 8]);
  assert.deepEqual([d12.counts.aLoads, d12.counts.bLoads, d12.counts.cLoads, d12.counts.cStores], [160, 129360, 0, 46200]);
});

test('bad hardware descriptions and shapes are named errors', () => {
  assert.throws(() => defineHardware({ name: 'x', registers: 0, sramBytes: 1024 }), InvalidInput);
  assert.throws(() => deriveSchedule({ ...CORTEX_M4, registers: 0 }, 4, 4, 4), InvalidInput);
  assert.throws(() => deriveSchedule({ ...CORTEX_M4, registers: 2.5 }, 4, 4, 4), InvalidInput);
  assert.throws(() => simulate(nestOf('KMN', 0, 1, 5), 4, 4, 4), InvalidInput);
  assert.throws(() => simulate({ order: ['M', 'M', 'K'], m: 1, k: 1, n: 1 }, 4, 4, 4), InvalidInput);
  assert.throws(() => cost(nestOf('KMN', 5, 1, 5), 0, 4, 4), InvalidInput);
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
