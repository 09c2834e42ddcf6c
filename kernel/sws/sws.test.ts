import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { columnLayout, mapLayer, mvm, referenceMatmul, slotSource, type MappedLayer, type SignMode } from '../cim';
import { ADC_POLICIES } from './adc';
import { activeColumns, adcAccount, adcMvm, modelAdc, sectionAdc, swsLayout } from './sws';

const sectionAdcOf = (L: MappedLayer) => sectionAdc(L, 0, 0, 'sectionPartialSum');

/** Hand-computed golden case (ours): R = 4, 3 magnitude bits, 1-bit cells, sign-magnitude, 2-bit inputs, E = 2^b. */
const W = new Int8Array([6, -1, 0, 7, 1, -5, 0, 2]);
const X = [3, 1, 2, 0, 1, 3, 2, 1];
const CFG = { rows: 4, cols: 4, weightBits: 4, cellBits: 1 as const };

function sectionsOf(L: MappedLayer): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < L.tiles; t++)
    for (let k = 0; k < L.slots; k++) {
      const { out: o, start, len } = slotSource(L, t, k);
      if (o < 0) continue;
      out.push(Array.from({ length: len }, (_, r) => L.q[o * L.nIn + (L.perm ? L.perm[o * L.nIn + start + r]! : start + r)]!));
    }
  return out;
}

test('golden: conversions and energy per policy, unsorted vs sorted vs sorted+remapped (hand-computed)', () => {
  const unsorted = mapLayer({ q: W, nOut: 1, nIn: 8, config: CFG });
  const sorted = swsLayout(unsorted, { sort: 'abs', remapZeros: false, placement: 'output' });
  const remapped = swsLayout(unsorted, { sort: 'abs', remapZeros: true, placement: 'output' });
  assert.deepEqual(sectionsOf(unsorted), [
    [6, -1, 0, 7],
    [1, -5, 0, 2],
  ]);
  assert.deepEqual(sectionsOf(sorted), [
    [0, 0, -1, 1],
    [2, -5, 6, 7],
  ]);
  assert.deepEqual(sectionsOf(remapped), [
    [-1, 1],
    [2, -5, 6, 7],
  ]);
  const expect: Record<string, [[number, number], [number, number], [number, number]]> = {
    // policy: [unsorted, sorted, remapped] as (conversions, Σ 2^b) per MVM with 2 input bits
    fixed: [
      [24, 192],
      [24, 192],
      [24, 192],
    ],
    skipZeroCols: [
      [16, 128],
      [14, 112],
      [14, 112],
    ],
    sectionMax: [
      [18, 144],
      [16, 128],
      [16, 128],
    ],
    // nnz-limited resolution: unsorted 2·(3·2² + 1·2¹ + 2·2² + 3·2¹) = 56; sorted 2·(2 + 2 + 3·2² + 3·2) = 44
    sectionMaxNnz: [
      [18, 56],
      [16, 44],
      [16, 44],
    ],
    popcountLossless: [
      [16, 40],
      [14, 36],
      [14, 36],
    ],
    // one resolution per section from its largest column sum: unsorted [6,−1,0,7] max sum 2 → 2 bits × 4 columns,
    // [1,−5,0,2] max 1 → 1 bit × 4; sorted [0,0,−1,1] 1 bit × 2, [2,−5,6,7] max 3 → 2 bits × 5 (×2 input bits)
    sectionPartialSum: [
      [16, 48],
      [14, 48],
      [14, 48],
    ],
  };
  for (const policy of ADC_POLICIES) {
    [unsorted, sorted, remapped].forEach((L, i) => {
      const a = adcAccount(L, { policy, inputBits: 2, models: ['exp2'] });
      assert.deepEqual([a.conversions, a.energy.exp2], expect[policy]![i], `${policy} layout ${i}`);
      const r = adcMvm(L, X, { policy, inputBits: 2 });
      assert.deepEqual(Array.from(r.y), [5], `${policy} layout ${i}: y`);
      assert.equal(r.conversions, a.conversions);
      assert.equal(r.saturated, 0);
    });
  }
  assert.equal(adcAccount(unsorted, { policy: 'fixed', inputBits: 2 }).fullBits, 3);
});

test('golden: zero remapping drops all-zero sections (crossbars and conversions)', () => {
  const q = new Int8Array([0, 3, 0, 0, -2, 0, 0, 1, 0, 0, 0, 0]);
  const grid = mapLayer({ q, nOut: 1, nIn: 12, config: CFG });
  const sorted = swsLayout(grid, { remapZeros: false, placement: 'output' });
  const remapped = swsLayout(grid, { placement: 'output' });
  assert.deepEqual(sectionsOf(sorted), [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 1, -2, 3],
  ]);
  assert.deepEqual(sectionsOf(remapped), [[1, -2, 3]]);
  const conv = (L: MappedLayer, policy: (typeof ADC_POLICIES)[number]) => adcAccount(L, { policy, inputBits: 2 }).conversions;
  // fixed: sections × 2 polarities × 3 slices × 2 input bits
  assert.deepEqual([conv(grid, 'fixed'), conv(sorted, 'fixed'), conv(remapped, 'fixed')], [36, 36, 12]);
  // sectionMax: unsorted [0,3,0,0]: 2 + [−2,0,0,1]: 1 + 2 + all-zero: 0 → 5 units; sorted/remapped: 2 + 2 → 4 units
  assert.deepEqual([conv(grid, 'sectionMax'), conv(sorted, 'sectionMax'), conv(remapped, 'sectionMax')], [10, 8, 8]);
  // skip-zero columns: 3 = 011 → 2 columns, 1 → 1, 2 = 010 → 1
  assert.equal(conv(grid, 'skipZeroCols'), 8);
  assert.deepEqual([grid.tiles, sorted.tiles, remapped.tiles], [3, 3, 1]);
  assert.deepEqual(Array.from(adcMvm(remapped, [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0], { inputBits: 2 }).y), [3 * 2 - 2 * 1 + 1 * 0]);
});

function randQ(seed: number, n: number, qmax: number, kind: number): Int8Array {
  const r = rng(seed);
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 0) q[i] = r.int(2 * qmax + 1) - qmax;
    else if (kind === 1)
      q[i] = [qmax, -qmax, 0, 1, -1][r.int(5)]!; // adversarial extremes
    else q[i] = r.next() < 0.9 ? 0 : r.int(2 * qmax + 1) - qmax; // 90 % unstructured sparse
  }
  return q;
}

test('exact integer outputs through every layout and lossless policy (random + adversarial shapes)', () => {
  const r = rng(11);
  let cases = 0;
  const shapes = [
    [4, 16, 5, 9],
    [32, 40, 7, 33],
    [33, 64, 20, 100],
    [128, 128, 17, 129],
    [1, 16, 3, 2],
    [8, 8, 1, 1],
  ] as const;
  for (const signMode of ['sign-magnitude', 'pair', 'offset'] as SignMode[])
    for (const cellBits of [1, 2] as const)
      for (const [rows, cols, nOut, nIn] of shapes) {
        const weightBits = 2 + r.int(7);
        const c = Math.max(cols, columnLayout({ cellBits, weightBits, signMode }).length);
        const q = randQ(r.seedInt(), nOut * nIn, 2 ** (weightBits - 1) - 1, cases % 3);
        const grid = mapLayer({ q, nOut, nIn, config: { rows, cols: c, cellBits, weightBits, signMode } });
        const layouts: MappedLayer[] = [grid];
        for (const sort of ['none', 'abs', 'signed'] as const)
          for (const remapZeros of [false, true]) {
            layouts.push(swsLayout(grid, { sort, remapZeros, placement: cases % 2 ? 'max' : 'output' }));
          }
        const inputMode = cases % 2 ? ('twos-complement' as const) : ('unsigned' as const);
        const inputBits = 1 + r.int(8);
        const x = new Float64Array(nIn).map(() =>
          inputMode === 'unsigned' ? r.int(2 ** inputBits) : r.int(2 ** inputBits) - 2 ** (inputBits - 1),
        );
        const ref = referenceMatmul(q, nOut, nIn, x);
        const tag = `${signMode}/${cellBits}b/${rows}x${c} ${nOut}x${nIn}`;
        for (const L of layouts) {
          assert.deepEqual(mvm(L, x, { inputBits, inputMode }), ref, `${tag} core mvm`);
          for (const policy of ADC_POLICIES) {
            const a = adcAccount(L, { policy, inputBits });
            const res = adcMvm(L, x, { policy, inputBits, inputMode });
            assert.deepEqual(res.y, ref, `${tag} ${L.sort} ${policy}`);
            assert.equal(res.saturated, 0);
            assert.equal(res.conversions, a.conversions, `${tag} ${policy}: simulated conversions = accounted`);
          }
        }
        cases++;
      }
  assert.equal(cases, 3 * 2 * shapes.length);
});

/**
 * Independent per-policy energy (2^b, per MVM) from the raw integers of each section: column counts by direct bit
 * tests, no sectionStats / sliceBits. A policy that switches on a column it should not, or gives one more bit than its
 * rule, exceeds it; one that gives fewer bits than the column can sum to falls under `lossless` (the lower bound of
 * every lossless policy).
 */
function independentEnergy(L: MappedLayer, inputBits: number): Record<(typeof ADC_POLICIES)[number], number> & { lossless: number } {
  const mag = L.config.weightBits - 1,
    full = Math.ceil(Math.log2(L.config.rows + 1));
  const e = { fixed: 0, skipZeroCols: 0, sectionMax: 0, sectionMaxNnz: 0, popcountLossless: 0, sectionPartialSum: 0, lossless: 0 };
  const bitsOf = (n: number) => (n === 0 ? 0 : Math.ceil(Math.log2(n + 1)));
  for (const vals of sectionsOf(L)) {
    const count = [new Array<number>(mag).fill(0), new Array<number>(mag).fill(0)];
    const max = [0, 0],
      nnz = [0, 0];
    for (const v of vals) {
      if (v === 0) continue;
      const p = v > 0 ? 0 : 1,
        a = Math.abs(v);
      nnz[p]!++;
      max[p] = Math.max(max[p]!, a);
      for (let k = 0; k < mag; k++) if (Math.floor(a / 2 ** k) % 2) count[p]![k]!++;
    }
    const top = Math.max(...count[0]!, ...count[1]!);
    for (const p of [0, 1])
      for (let k = 0; k < mag; k++) {
        const c = count[p]![k]!,
          used = k < (max[p]! ? Math.floor(Math.log2(max[p]!)) + 1 : 0);
        e.fixed += 2 ** full;
        if (c) e.skipZeroCols += 2 ** full;
        if (used) e.sectionMax += 2 ** full;
        if (used) e.sectionMaxNnz += 2 ** Math.max(1, bitsOf(nnz[p]!));
        if (c) e.popcountLossless += 2 ** bitsOf(c);
        if (c) e.sectionPartialSum += 2 ** bitsOf(top);
        if (c) e.lossless += 2 ** bitsOf(c);
      }
  }
  for (const k of Object.keys(e) as (keyof typeof e)[]) e[k] *= inputBits;
  return e;
}

test('every policy meets an independently computed energy bound; every lossless policy ≥ the popcount floor', () => {
  const r = rng(5);
  let sawSaving = 0;
  for (let trial = 0; trial < 6; trial++) {
    const nOut = 3 + r.int(20),
      nIn = 20 + r.int(300);
    const q = randQ(r.seedInt(), nOut * nIn, 127, trial % 3);
    const grid = mapLayer({ q, nOut, nIn });
    for (const L of [grid, swsLayout(grid), swsLayout(grid, { remapZeros: false }), swsLayout(grid, { sort: 'signed' })]) {
      const want = independentEnergy(L, 8);
      for (const p of ADC_POLICIES) {
        const got = adcAccount(L, { policy: p, models: ['exp2'] }).energy.exp2!;
        assert.ok(got <= want[p], `${p}: ${got} ≤ independent ${want[p]}`);
        assert.ok(got >= want.lossless, `${p}: ${got} ≥ lossless floor ${want.lossless}`);
      }
      // the bound has teeth: the resolution-aware policy's bound sits below a full-resolution ADC on the same columns
      if (want.sectionPartialSum < want.skipZeroCols) sawSaving++;
      // lossy cap: never above the lossless account, and below it once the cap bites
      const capped = adcAccount(L, { policy: 'sectionPartialSum', models: ['exp2'], maxBits: 3 }).energy.exp2!;
      assert.ok(capped <= adcAccount(L, { policy: 'sectionPartialSum', models: ['exp2'] }).energy.exp2!);
    }
    const noRemap = swsLayout(grid, { remapZeros: false }),
      remap = swsLayout(grid);
    assert.ok(remap.tiles <= noRemap.tiles);
    assert.ok(adcAccount(remap, { policy: 'fixed' }).conversions <= adcAccount(noRemap, { policy: 'fixed' }).conversions);
  }
  assert.ok(sawSaving > 0, 'some layout where a full-resolution policy would exceed the resolution-aware bound');
  // an all-zero layer: nothing mapped after remapping, no conversions under any data-aware policy
  const zero = mapLayer({ q: new Int8Array(40), nOut: 4, nIn: 10 });
  assert.equal(swsLayout(zero).tiles, 0);
  assert.equal(adcAccount(zero, { policy: 'sectionMax' }).conversions, 0);
  assert.equal(adcAccount(swsLayout(zero), { policy: 'fixed' }).conversions, 0);
  assert.deepEqual(Array.from(mvm(swsLayout(zero), new Array(10).fill(3))), [0, 0, 0, 0]);
});

test('lossy clipped ADCs: saturated column sums are counted and the output moves only when a sum exceeds the cap', () => {
  // one section, 4 rows all +7 (111): every column sums to 4 when every input bit is 1 → lossless needs 3 bits
  const L = swsLayout(mapLayer({ q: new Int8Array([7, 7, 7, 7]), nOut: 1, nIn: 4, config: CFG }));
  const x = [1, 1, 1, 1];
  assert.deepEqual(sectionAdcOf(L), [
    [3, 3, 3],
    [0, 0, 0],
  ]);
  assert.deepEqual(Array.from(adcMvm(L, x, { policy: 'sectionPartialSum', inputBits: 1 }).y), [28]);
  const c = adcMvm(L, x, { policy: 'sectionPartialSum', inputBits: 1, maxBits: 2 });
  // each of the 3 columns saturates at 3: 3·(1 + 2 + 4) = 21
  assert.deepEqual([Array.from(c.y), c.saturated], [[21], 3]);
  // three rows on: sums of 3 fit in 2 bits, exact
  assert.deepEqual(Array.from(adcMvm(L, [1, 1, 1, 0], { policy: 'sectionPartialSum', inputBits: 1, maxBits: 2 }).y), [21]);
  assert.throws(() => adcAccount(L, { maxBits: 0 }), InvalidInput);
});

test('sorting by |q| makes small sections use only low-order columns (ADC-active columns per section)', () => {
  const nOut = 4,
    nIn = 512;
  const r = rng(3);
  const q = new Int8Array(nOut * nIn).map(() => Math.round(r.normal(0, 12)));
  const S = swsLayout(mapLayer({ q, nOut, nIn }), { placement: 'output' });
  // output 0's first section holds its 128 smallest magnitudes → fewer active columns than its last section
  const first = activeColumns(S, 0, 0, 'sectionMax').columns.length,
    last = activeColumns(S, 0, 3, 'sectionMax').columns.length;
  assert.ok(first < last, `${first} < ${last}`);
  const { columns } = activeColumns(S, 0, 1, 'sectionMax');
  assert.ok(
    columns.every((c) => c >= S.groupWidth && c < 2 * S.groupWidth - 1),
    'slot 1 columns, never the sign column',
  );
});

test('model totals weight each layer by its input vectors; bad options are named errors', () => {
  const a = mapLayer({ name: 'a', q: randQ(1, 4 * 50, 127, 0), nOut: 4, nIn: 50 });
  const b = mapLayer({ name: 'b', q: randQ(2, 3 * 20, 127, 2), nOut: 3, nIn: 20 });
  const m = modelAdc(
    [
      { layer: a, vectors: 10 },
      { layer: b, vectors: 3 },
    ],
    { policy: 'sectionMax' },
  );
  const ea = adcAccount(a).energy.exp2!,
    eb = adcAccount(b).energy.exp2!;
  assert.equal(m.energy.exp2, 10 * ea + 3 * eb);
  assert.equal(m.rows.length, 2);
  assert.throws(() => adcAccount(a, { policy: 'max' as never }), InvalidInput);
  assert.throws(() => swsLayout(a, { sort: 'random' as never }), InvalidInput);
  assert.throws(() => swsLayout(mapLayer({ q: new Int8Array(4), nOut: 2, nIn: 2, sort: 'abs', routing: 'shared' })), InvalidInput);
  assert.throws(() => adcMvm(a, [1, 2]), InvalidInput);
  assert.throws(() => modelAdc([{ layer: a, vectors: 0 }]), InvalidInput);
});
