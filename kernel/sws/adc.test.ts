import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { adcEnergyModel, bitLength, bitsFor, histogramEnergy, sliceBits, surveyModel, type PolarityStats } from './adc';

test('energy laws: hand-computed values, monotone in bits', () => {
  assert.equal(adcEnergyModel('exp2').energy(3), 8);
  assert.equal(adcEnergyModel('bexp2').energy(3), 24);
  assert.equal(adcEnergyModel('exp4').energy(3), 64);
  assert.equal(adcEnergyModel('count').energy(7), 1);
  // survey envelope at 8 bits: ENOB 7.5, Walden 0.5·2^7.5 fJ beats the thermal line (≈ 24.5 fJ), + 5 fJ overhead
  const s = surveyModel();
  assert.ok(Math.abs(s.energy(8) - (5 + 0.5 * 2 ** 7.5)) < 1e-9);
  // at 14 bits the thermal (4^b) line dominates: 10^((6.02·13.5 + 1.76 − 180)/10)/2 J
  const th = (10 ** ((6.02 * 13.5 + 1.76 - 180) / 10) / 2) * 1e15;
  assert.ok(th > 0.5 * 2 ** 13.5);
  assert.ok(Math.abs(s.energy(14) - (5 + th)) < 1e-6 * th);
  for (const id of ['exp2', 'bexp2', 'exp4', 'survey'] as const) {
    const m = adcEnergyModel(id);
    for (let b = 1; b < 16; b++) assert.ok(m.energy(b + 1) > m.energy(b), `${id} monotone at ${b}`);
  }
  assert.throws(() => adcEnergyModel('linear' as never), InvalidInput);
  assert.throws(() => surveyModel({ fomW: Number.NaN }), InvalidInput);
  assert.equal(histogramEnergy([0, 2, 0, 1], adcEnergyModel('exp2')), 2 * 2 + 8);
});

test('bit helpers and per-slice policy rules (hand-computed)', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 7, 8, 127, 128].map(bitLength), [0, 1, 2, 2, 3, 3, 4, 7, 8]);
  assert.deepEqual([0, 1, 2, 3, 4, 128].map(bitsFor), [0, 1, 2, 2, 3, 8]);
  // one polarity of a 4-row section holding magnitudes {6, 7} (110, 111): cell sums per slice [1, 2, 2]
  const st: PolarityStats = { max: 7, nnz: 2, cellSum: [1, 2, 2], cellNnz: [1, 2, 2] };
  const cfg = { rows: 4, cellBits: 1, slices: 3 };
  assert.deepEqual(sliceBits(st, 'fixed', cfg), [3, 3, 3]);
  assert.deepEqual(sliceBits(st, 'skipZeroCols', cfg), [3, 3, 3]);
  assert.deepEqual(sliceBits(st, 'sectionMax', cfg), [3, 3, 3]);
  assert.deepEqual(sliceBits(st, 'sectionMaxNnz', cfg), [2, 2, 2]);
  assert.deepEqual(sliceBits(st, 'popcountLossless', cfg), [1, 2, 2]);
  // magnitude 2 only (010): the low column is empty, the top one unused
  const two: PolarityStats = { max: 2, nnz: 1, cellSum: [0, 1, 0], cellNnz: [0, 1, 0] };
  assert.deepEqual(sliceBits(two, 'skipZeroCols', cfg), [0, 3, 0]);
  assert.deepEqual(sliceBits(two, 'sectionMax', cfg), [3, 3, 0]);
  assert.deepEqual(sliceBits(two, 'popcountLossless', cfg), [0, 1, 0]);
  // 2-bit cells, 128 rows: full = ⌈log2(128·3 + 1)⌉ = 9; magnitude 5 = 01|01 → two slices of 4
  const c2: PolarityStats = { max: 5, nnz: 1, cellSum: [1, 1, 0, 0], cellNnz: [1, 1, 0, 0] };
  assert.deepEqual(sliceBits(c2, 'sectionMax', { rows: 128, cellBits: 2, slices: 4 }), [9, 9, 0, 0]);
  assert.deepEqual(sliceBits(c2, 'sectionMaxNnz', { rows: 128, cellBits: 2, slices: 4 }), [2, 2, 0, 0]);
});
