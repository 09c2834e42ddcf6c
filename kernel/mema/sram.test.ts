import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import {
  CORTEX_M4,
  CORTEX_M4_64K,
  TINYML_LAYERS_FP32,
  candidates,
  deriveSchedule,
  deriveTwoLevel,
  flashCounts,
  nestOf,
  scheduleName,
  searchTwoLevel,
  simulate,
  sramWordsOf,
  tiledRegisterCounts,
} from './index';

const regNests = candidates(32).filter((n) => JSON.stringify(n.order) === JSON.stringify(nestOf(scheduleName(n), 1, 1, 1).order));
const SHAPES: [number, number, number][] = [
  ...TINYML_LAYERS_FP32.map((l) => [l.M, l.K, l.N] as [number, number, number]),
  [256, 256, 256],
  [512, 512, 512],
];

test('only SRAM-feasible schedules: resident tiles ≤ capacity on every layer for 256 KiB, 64 KiB and 32 KiB; fits counted', () => {
  const fits: Record<string, number> = {};
  for (const hw of [CORTEX_M4, CORTEX_M4_64K, { ...CORTEX_M4, name: '32k', sramBytes: 32 * 1024 }]) {
    const S = sramWordsOf(hw);
    fits[hw.name] = 0;
    for (const [M, K, N] of SHAPES) {
      const d = deriveTwoLevel(hw, M, K, N);
      const { ms, ns } = d.sram;
      assert.equal(d.sram.footprintWords, ms * K + K * ns + ms * ns);
      assert.ok(d.sram.footprintWords <= S, `${hw.name} ${M}x${K}x${N}: ${d.sram.footprintWords} > ${S} words`);
      assert.ok(d.flash.total >= M * K + K * N + M * N, 'backing-store traffic below the compulsory reads/writes');
      assert.ok(
        d.register.counts.total >= deriveSchedule(hw, M, K, N).counts.total,
        'SRAM tiling cannot beat the unconstrained register optimum',
      );
      if (d.sram.residency === 'whole') fits[hw.name]!++;
    }
  }
  // A, B, C resident: 15 of the 20 layers (+ neither square) fit 256 KiB, 3 fit 64 KiB, none 32 KiB
  assert.deepEqual(Object.values(fits), [15, 3, 0]);
});

test('512³ on 256 KiB: hand-counted SRAM panels and traffic', () => {
  // 65536 words; KMN 5×5 registers; A resident with B panels 5 wide: ms ≤ (65536 − 512·5)/(512 + 5) = 121.8 → 120 (×5),
  // ⌈512/120⌉ = 5 panels → balanced ⌈512/5⌉ = 103 → 105 (×5). Backing store: MK + KN·5 + MN = 7·262144 = 1835008.
  // Registers: panels 105,105,105,105,92 hold 21·4 + 19 = 103 = ⌈512/5⌉ row blocks, so the traffic is the single-level
  // 5×5 count MK·103 + KN·103 + MN = 262144·207 = 54263808.
  const d = deriveTwoLevel(CORTEX_M4, 512, 512, 512);
  assert.deepEqual([d.sram.residency, d.sram.ms, d.sram.ns], ['A', 105, 5]);
  assert.equal(d.flash.total, 1835008);
  assert.equal(d.register.counts.total, 54263808);
  assert.deepEqual([d.register.nest.m, d.register.nest.n], [5, 5]);
});

test('register traffic over SRAM tiles = the simulator run tile by tile (independent walk)', () => {
  for (const [reg, M, K, N, ms, ns] of [
    [nestOf('KMN', 5, 1, 5), 23, 9, 31, 7, 12],
    [nestOf('NKM', 3, 8, 1), 20, 8, 50, 3, 17],
    [nestOf('MKN', 1, 6, 4), 13, 11, 19, 13, 6],
  ] as const) {
    let total = 0;
    for (let i = 0; i < M; i += ms)
      for (let j = 0; j < N; j += ns) total += simulate(reg, Math.min(ms, M - i), K, Math.min(ns, N - j)).total;
    assert.equal(tiledRegisterCounts(reg, M, K, N, ms, ns).total, total);
  }
  // backing store, A resident: A once, B once per row panel, C once
  assert.equal(flashCounts({ residency: 'A', ms: 7, ns: 5, footprintWords: 0 }, 20, 3, 11).total, 20 * 3 + 3 * 11 * 3 + 20 * 11);
});

test('closed-form SRAM tiles = exhaustive oracle where the layer does not fit (incl. the N-split A-stationary layer 12)', () => {
  const hw32 = { ...CORTEX_M4, name: '32k', sramBytes: 32 * 1024 };
  const cases: [typeof CORTEX_M4, number, number, number][] = [
    [CORTEX_M4_64K, 70, 576, 70],
    [CORTEX_M4_64K, 260, 256, 10],
    [CORTEX_M4_64K, 512, 512, 512],
    [hw32, 40, 288, 260],
    [hw32, 20, 8, 2310],
  ];
  for (const [hw, M, K, N] of cases) {
    const d = deriveTwoLevel(hw, M, K, N);
    const o = searchTwoLevel(hw, M, K, N, regNests);
    assert.deepEqual([d.register.counts.total, d.flash.total], [o.register.counts.total, o.flash.total], `${hw.name} ${M}x${K}x${N}`);
  }
  // layer 12 on 32 KiB: the A-stationary register tile survives with N split in two panels (A re-read once more)
  const l12 = deriveTwoLevel(hw32, 20, 8, 2310);
  assert.deepEqual([l12.register.name, l12.sram.residency, l12.sram.ms], ['NKM', 'B', 3]);
  // a perturbed rule — panels one row narrower than derived (misaligned with the 5-row register tile) — fails the oracle
  const d = deriveTwoLevel(CORTEX_M4_64K, 70, 576, 70);
  const worse = tiledRegisterCounts(d.register.nest, 70, 576, 70, d.sram.ms - 1, d.sram.ns);
  assert.ok(worse.total > searchTwoLevel(CORTEX_M4_64K, 70, 576, 70, regNests).register.counts.total);
});

test('too little SRAM for one K-long row and column is a named error', () => {
  assert.throws(
    () => deriveTwoLevel({ ...CORTEX_M4, sramBytes: 1024 }, 8, 300, 8),
    (e: Error) => e instanceof InvalidInput && /601 words/.test(e.message),
  );
});
