import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latencyBySplitFigure, architectureFigure, layersTable, paretoFigure, solidsFigure, paperVsOurs } from './figures';
import { preset, PRESET_NAMES, splitLayers, systemCost } from './cost';
import { multiViewSolids } from './data';
import { toBundle } from '../viz';
import type { SplitConfig } from './types';

const cfg: SplitConfig = {
  resolution: 28,
  split: 2,
  reduce: 8,
  bits: 8,
  phases: [1, 2, 3].map(() => ({ width: 16, kernel: 3, nPre: 1, nPost: 1 })),
};

test('latency-by-split: one row per preset × split whose total is the cost model, and a drawable figure', () => {
  const { figure, table } = latencyBySplitFigure(cfg, PRESET_NAMES);
  assert.equal(table.rows.length, PRESET_NAMES.length * 4);
  const r = table.rows.find((x) => x.preset === 'slow-wireless' && x.split === '2')!;
  assert.ok(Math.abs((r.total as number) - systemCost(cfg, preset('slow-wireless')).latencySeconds * 1e3) < 1e-3);
  assert.equal(figure.series.length, PRESET_NAMES.length * 3);
  assert.ok(Object.keys(toBundle(figure)).length >= 2);
});

test('architecture figure: sensor rows, one link row with the bytes, aggregator rows; layer table counts', () => {
  const f = architectureFigure(cfg, preset());
  const L = splitLayers(cfg);
  const parts = f.rows.map((r) => r.part);
  assert.equal(parts.filter((p) => p === 'sensor').length, L.sensor.length);
  assert.equal(parts.filter((p) => p === 'link').length, 1);
  assert.match(String(f.rows[L.sensor.length]!.shape), new RegExp(`^${(7 * 7 * 8 * 8) / 8} bytes`));
  assert.equal(
    layersTable(L.sensor).rows.reduce((a, r) => a + (r.macs as number), 0),
    systemCost(cfg, preset()).sensorMacs,
  );
});

test('pareto, solids and paper-vs-ours figures build', () => {
  const mk = (lat: number, acc: number) => ({ config: cfg, genome: [], cost: { latencySeconds: lat } as never, accuracy: acc });
  const cs = [mk(0.001, 0.5), mk(0.002, 0.7)];
  assert.equal(paretoFigure(cs, cs, [{ label: 'b', latencySeconds: 0.003, accuracy: 0.6 }]).series[1]!.y.length, 2);
  const s = solidsFigure(multiViewSolids({ n: 2, views: 4, size: 16, seed: 1 }));
  assert.equal(s.image.width, 4 * 18);
  const t = paperVsOurs([{ quantity: 'q', paper: 'p', ours: 'o' }]);
  assert.deepEqual(
    t.columns.map((c) => c.key),
    ['quantity', 'paper', 'ours', 'note'],
  );
});
