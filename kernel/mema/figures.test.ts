import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerTable, accessesVsCapacity, dramVsCache, candidateTable } from './figures';
import { CORTEX_M4 } from './hardware';
import { TINYML_LAYERS_FP32 } from './data';
import { nestOf } from './ir';

test('figure payloads carry the measured numbers', () => {
  const t = layerTable({ hw: CORTEX_M4, layers: TINYML_LAYERS_FP32.slice(4, 5), withSearch: true });
  assert.equal(t.kind, 'table');
  // layer 5, 40×16×260, hand counts (see mema.test.ts): closed form 76960 = search optimum, 2×2 baseline 176800
  assert.deepEqual([t.rows[0]!.analytic, t.rows[0]!.search, t.rows[0]!.baseline], [76960, 76960, 176800]);
  assert.equal(t.rows[0]!.gain, 176800 / 76960);
  const s = accessesVsCapacity({ M: 60, K: 60, N: 60, base: CORTEX_M4 });
  const y = s.series[0]!.y,
    lb = s.series[1]!.y;
  for (let i = 1; i < y.length; i++) assert.ok(y[i]! <= y[i - 1]!, 'more registers never cost more');
  y.forEach((v, i) => assert.ok(v >= lb[i]!));
  const d = dramVsCache({ nests: [{ name: 'KMN 5x5', nest: nestOf('KMN', 5, 1, 5) }], M: 20, K: 20, N: 20, cacheBytes: [512, 65536] });
  assert.ok(d.series[0]!.y[0]! >= d.series[0]!.y[1]!);
  assert.equal(d.series[0]!.y[1], d.hlines![0]!.y);
  assert.equal(candidateTable({ candidates: [{ label: 'x', nest: nestOf('MKN', 1, 4, 4) }], M: 8, K: 8, N: 8 }).rows.length, 1);
});
