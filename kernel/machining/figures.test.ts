import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallback } from '../viz/svg';
import { armsTable, curveFigure, paperVsOurs, scatterFigure, signalsFigure, spectrumFigure, wearFigure } from './figures';
import { defaultMachine, sampleTask, toolLife } from './lathe';
import type { Metrics } from './metrics';

const life = toolLife(defaultMachine(), sampleTask('fig', 1), { workpieces: 4, seed: 1, timeScale: 0.05 });
const m = (mae: number): Metrics => ({ mae, rmse: mae * 1.2, corr: 0.5, n: 30 });

test('figures: payloads carry the data they claim and render a static fallback', () => {
  const s = signalsFigure(life[0]!.cuts[1]!, 2048, { channels: [0, 5], seconds: 0.05 });
  assert.equal(s.series.length, 2);
  assert.equal(s.series[1]!.name, 'spindle_electric_current');
  assert.equal(s.series[0]!.x.length, Math.round(0.05 * 2048));
  assert.throws(() => signalsFigure(life[0]!.cuts[1]!, 2048, { channels: [9] }), /channel 9 out of range/);
  const sp = spectrumFigure(life[0]!.cuts[1]!, 2048);
  assert.ok(sp.series[0]!.x.at(-1)! <= 1024 && sp.series[0]!.x.at(-1)! > 1000, 'spectrum up to Nyquist');
  const w = wearFigure(life);
  life.forEach((p, i) => assert.ok(Math.abs(w.series[1]!.y[i]! - p.vbMm) <= 1e-3 * p.vbMm, 'VB trace'));
  const e2 = (life[2]!.errorMeasuredMm.reduce((a, b) => a + b, 0) / 3) * 1000;
  assert.ok(Math.abs(w.series[0]!.y[2]! - e2) <= 1e-3 * Math.abs(e2), 'error trace in µm');
  const runs = [0, 1].map((k) => ({
    runB: { metrics: { finetuned: m(2 + k), mean: m(5) }, y: [], pred: {}, workpiece: [], mm: [], vbRangeMm: [0, 0] as [number, number] },
    runA: { metrics: { finetuned: m(9), mean: m(10) }, y: [], pred: {}, workpiece: [], mm: [], vbRangeMm: [0, 0] as [number, number] },
  }));
  const t = armsTable(runs);
  assert.equal(t.rows[0]!.mae, 2.5);
  assert.ok(Math.abs((t.rows[0]!.sd as number) - Math.SQRT1_2) < 1e-3, `sd ${t.rows[0]!.sd}`);
  assert.equal(t.rows[1]!.maeA, 10);
  const sc = scatterFigure({ y: [100, 200], pred: { finetuned: [110, 190] } }, ['finetuned', 'ridge']);
  assert.equal(sc.series.length, 2, 'arms without predictions are left out');
  assert.deepEqual(sc.series[0]!.x, [1000, 2000]);
  const pv = paperVsOurs({
    params: { total: 8320, adapters: 600, fineTuned: 1022 },
    paperParams: { total: 274_240, adapters: 17_280, fineTuned: 19_782 },
    maeFinetunedUm: 3.2,
  });
  assert.match(String(pv.rows[0]!.ours), /^256,960 \+ 17,280 adapters/);
  assert.ok(pv.columns.some((c) => c.key === 'paper') && pv.columns.some((c) => c.key === 'ours'));
  assert.match(String(pv.rows[1]!.ours), /19,782 = 7\.2 %/);
  assert.match(pv.caption!, /ci-micro config/);
  assert.match(
    paperVsOurs({
      params: { total: 1, adapters: 1, fineTuned: 1 },
      paperParams: { total: 274_240, adapters: 17_280, fineTuned: 19_782 },
      config: 'nightly',
    }).caption!,
    /nightly config/,
  );
  assert.ok(curveFigure([3, 2, 1]).series.length === 2);
  for (const f of [s, sp, w, t, sc, pv]) {
    const d = fallback(f).data;
    assert.ok(typeof d === 'string' && d.includes('<svg'), `${f.kind} fallback`);
  }
});
