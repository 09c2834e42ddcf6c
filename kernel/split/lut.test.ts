import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../core/backend';
import { NotFound } from '../core/errors';
import { expectNoLeak } from '../core/testing';
import { layerCost } from './cost';
import {
  opKey,
  tableSeconds,
  kendallTau,
  compareWithAnalytic,
  spaceOps,
  measureLatencyTable,
  rankAgreement,
  type LatencyTable,
} from './lut';
import { FULL_SPACE, type SearchSpace } from './search';

const conv = (k: number, cout: number, stride: number, h: number, c: number) =>
  layerCost({ kind: 'conv', name: 'x', k, cout, stride }, { h, w: h, c });

test('opKey names kind, kernel, stride, input shape and output channels (5×5 and 3×3 of one shape differ)', () => {
  assert.equal(opKey(conv(3, 16, 2, 28, 1)), 'conv k3 s2 28x28x1->16');
  assert.equal(opKey(conv(5, 16, 2, 28, 1)), 'conv k5 s2 28x28x1->16');
  assert.equal(opKey(conv(1, 8, 1, 7, 12)), 'conv k1 s1 7x7x12->8');
  assert.equal(opKey(layerCost({ kind: 'dense', name: 'fc', cout: 10 }, { h: 1, w: 1, c: 16 })), 'dense s1 1x1x16->10');
});

const table = (rows: [string, number, number][]): LatencyTable => ({
  backend: 'test',
  measuredAt: '',
  loadBefore: [],
  loadAfter: [],
  repeats: 1,
  entries: Object.fromEntries(rows.map(([key, macs, seconds]) => [key, { key, kind: 'conv', macs, seconds, p10: seconds, p90: seconds }])),
});

test('tableSeconds sums the medians of the layers; a layer missing from the table is NotFound', () => {
  const a = conv(3, 16, 2, 28, 1),
    b = conv(3, 16, 1, 14, 16);
  const t = table([
    [opKey(a), a.macs, 1e-4],
    [opKey(b), b.macs, 3e-4],
  ]);
  assert.ok(Math.abs(tableSeconds([a, b, b], t) - 7e-4) < 1e-15);
  assert.throws(() => tableSeconds([conv(5, 16, 2, 28, 1)], t), NotFound);
});

test('kendallTau: same order 1, reversed −1, one swapped pair of 4 gives (5 − 1) / 6', () => {
  assert.equal(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Math.abs(kendallTau([1, 2, 3, 4], [1, 3, 2, 4]) - 4 / 6) < 1e-12);
});

test('compareWithAnalytic recovers the fixed per-op cost and the MAC rate of an affine table exactly', () => {
  const rows: [string, number, number][] = [1e4, 1e5, 1e6, 3e6].map((m, i) => [`op${i}`, m, 2e-5 + m / 5e9]);
  const c = compareWithAnalytic(table(rows));
  assert.ok(Math.abs(c.affine.fixedSeconds - 2e-5) < 1e-12);
  assert.ok(Math.abs(c.affine.macsPerSecond / 5e9 - 1) < 1e-9);
  // the proportional model overestimates big ops' share: small ops are slower than it predicts
  assert.ok(c.ops[0]!.ratio > 1 && c.ops[3]!.ratio < 1);
});

test('spaceOps lists each distinct layer once, with reduce/recover only for c′ ≤ the width at the split', () => {
  const s: SearchSpace = {
    phases: 2,
    resolutions: [8],
    widths: [4],
    kernels: [3],
    nPre: [0],
    nPost: [0],
    splits: [0, 1, 2],
    reduces: [2, 8],
    bits: [8],
  };
  const keys = spaceOps(s).map(opKey).sort();
  assert.deepEqual(keys, [
    'conv k1 s1 4x4x2->4', // recover 2 → 4 at 4×4
    'conv k1 s1 4x4x4->2', // reduce 4 → 2 (c′ = 8 > 4 channels is not a valid split)
    'conv k3 s2 4x4x4->4',
    'conv k3 s2 8x8x1->4',
    'dense s1 1x1x4->10',
  ]);
});

test('measureLatencyTable times each op (p10 ≤ median ≤ p90) and leaves no tensors behind', async () => {
  await init({ backend: 'wasm', verbose: false });
  const ops = [conv(3, 8, 2, 16, 1), layerCost({ kind: 'dense', name: 'fc', cout: 10 }, { h: 1, w: 1, c: 8 })];
  const t = await expectNoLeak(() => measureLatencyTable(ops, { repeats: 3, progress: false }));
  assert.deepEqual(Object.keys(t.entries).sort(), ops.map(opKey).sort());
  for (const e of Object.values(t.entries)) assert.ok(e.p10 <= e.seconds && e.seconds <= e.p90 && e.seconds > 0);
  assert.equal(t.loadBefore.length, 3);
});

test('the shipped wasm table covers FULL_SPACE and ranks networks like the analytic MAC count (Kendall τ ≥ 0.4)', () => {
  const t = JSON.parse(readFileSync(join(__dirname, 'shipped', 'wasm-lut.json'), 'utf8')) as LatencyTable;
  const r = rankAgreement(t, FULL_SPACE, 100, 1);
  assert.ok(r.tau >= 0.4, `τ = ${r.tau}`);
  assert.ok(r.tau < 0.999, 'a table that only rescales MACs would not be a measurement');
});
