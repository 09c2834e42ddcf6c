import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { mapLayer } from '../cim';
import { adcAccount, swsLayout } from './sws';
import { bitplaneSkip, gatherOverhead } from './overhead';

/** The golden layer of sws.test.ts: R = 4, 3 magnitude bits, 1-bit cells. */
const W = new Int8Array([6, -1, 0, 7, 1, -5, 0, 2]);
const CFG = { rows: 4, cols: 4, weightBits: 4, cellBits: 1 as const };

test('gather overhead (hand-computed): index bits and accesses per stored row, nothing for the unsorted grid', () => {
  const grid = mapLayer({ q: W, nOut: 1, nIn: 8, config: CFG });
  const remapped = swsLayout(grid, { placement: 'output' });
  // sections [−1, 1] and [2, −5, 6, 7]: 6 stored rows, ⌈log2 8⌉ = 3 index bits each
  const g = gatherOverhead(remapped, { accessCost: 0.25, models: ['exp2', 'count'] });
  assert.deepEqual([g.indexBitsPerEntry, g.indexBits, g.indexBitsPerWeight, g.accesses], [3, 18, 18 / 8, 6]);
  // full resolution ⌈log2(4 + 1)⌉ = 3 bits → 2^3 per conversion; 6 accesses × 0.25 × 8
  assert.equal(g.energy.exp2, 12);
  assert.equal(g.energy.count, 1.5);
  const none = gatherOverhead(grid, { models: ['exp2'] });
  assert.deepEqual([none.indexBits, none.accesses, none.energy.exp2], [0, 0, 0]);
  // sorted without remapping keeps the zeros as rows: 8 accesses
  assert.equal(gatherOverhead(swsLayout(grid, { remapZeros: false })).accesses, 8);
  assert.throws(() => gatherOverhead(remapped, { accessCost: -1 }), InvalidInput);
});

test('input bit-plane skipping (hand-computed): a cycle is skipped only when every input the section sees has that bit 0', () => {
  const grid = mapLayer({ q: W, nOut: 1, nIn: 8, config: CFG });
  const remapped = swsLayout(grid, { placement: 'output' });
  // remapped section 1 holds inputs {1, 4} (1 bit × 2 lines per cycle = 4), section 2 inputs {7, 5, 0, 3} (2 bits × 5 lines = 20)
  const x = [3, 0, 2, 0, 0, 1, 2, 0];
  const s = bitplaneSkip(remapped, [x], { policy: 'sectionPartialSum', inputBits: 2, models: ['exp2'] });
  assert.deepEqual([s.cycles, s.skippedCycles, s.energy.exp2, s.skippedEnergy.exp2], [4, 2, 48, 8]);
  // consistent with the static account: energy without skipping = account × vectors
  assert.equal(s.energy.exp2, adcAccount(remapped, { policy: 'sectionPartialSum', inputBits: 2, models: ['exp2'] }).energy.exp2);
  // the grid shares a tile's row block: inputs 0..3 OR to 3, inputs 4..7 OR to 3 → nothing skipped
  const g = bitplaneSkip(grid, [x], { policy: 'fixed', inputBits: 2, models: ['exp2'] });
  assert.deepEqual([g.cycles, g.skippedCycles], [4, 0]);
  // a negative input is streamed as its two's-complement code (−1 → 11): it sets every plane
  const neg = bitplaneSkip(remapped, [[0, -1, 0, 0, 0, 0, 0, 0]], { inputBits: 2, models: ['exp2'] });
  assert.equal(neg.skippedCycles, 2, 'section 1 sees −1 (no skip), section 2 sees zeros (2 planes skipped)');
  // an all-zero input skips everything
  assert.equal(bitplaneSkip(remapped, [new Array(8).fill(0)], { inputBits: 2 }).skippedCycles, 4);
  assert.throws(() => bitplaneSkip(remapped, [[1, 2]]), InvalidInput);
  assert.throws(() => bitplaneSkip(remapped, [[0, 0, 0, 0, 0, 0, 0, 256]]), InvalidInput);
});
