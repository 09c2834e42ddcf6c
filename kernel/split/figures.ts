/**
 * Figures for SplitNets: per-layer costs, latency of every split point per preset, the accuracy–latency Pareto front
 * with the baselines, the selected architecture as sensor part | split module | aggregator part, MultiViewSolids
 * views, and the paper-vs-ours table. All are kernel/viz payloads (with static fallbacks).
 */
import { imageOverlay, paperVsOursTable, series, table, type PaperRow } from '../viz';
import type { ImageOverlayFigure, SeriesFigure, TableFigure } from '../viz/types';
import { check } from '../core/errors';
import { splitLayers, systemCost, preset as getPreset, type CostOptions } from './cost';
import type { Candidate } from './search';
import type { MultiViewSet } from './data';
import type { LayerCost, Preset, SplitConfig } from './types';
import type { MultiViewResult } from './multiview';
import { compareWithAnalytic, type LatencyTable } from './lut';
import { meanCi, formatCi } from '../core/stats';

/** Layer-by-layer costs (MACs, params, activations) as a table. */
export function layersTable(
  layers: readonly LayerCost[],
  opts: {
    /** Table title (default 'Per-layer cost'). */
    title?: string;
    /** Caption under the table (default none). */
    caption?: string;
  } = {},
): TableFigure {
  return table({
    title: opts.title ?? 'Per-layer cost',
    caption: opts.caption,
    columns: [
      { key: 'name', label: 'layer' },
      { key: 'kind', label: 'kind' },
      { key: 'in', label: 'in (H×W×C)' },
      { key: 'out', label: 'out (H×W×C)' },
      { key: 'macs', label: 'MACs', format: 'int' },
      { key: 'params', label: 'params', format: 'int' },
    ],
    rows: layers.map((l) => ({
      name: l.name,
      kind: l.kind,
      in: `${l.in.h}×${l.in.w}×${l.in.c}`,
      out: `${l.out.h}×${l.out.w}×${l.out.c}`,
      macs: l.macs,
      params: l.params,
    })),
  });
}

/** Latency of every split point of one network under each preset: sensor, link and aggregator time (ms) as cumulative lines. */
export function latencyBySplitFigure(
  cfg: SplitConfig,
  presets: readonly (string | Preset)[],
  opts: CostOptions & {
    /** Figure title (default 'Latency per split point (stacked: sensor, + link, + aggregator)'). */
    title?: string;
  } = {},
): { figure: SeriesFigure; table: TableFigure } {
  const P = cfg.phases.length,
    xs = Array.from({ length: P + 1 }, (_, s) => s);
  const traces: Parameters<typeof series>[0]['series'] = [];
  const rows: Record<string, string | number>[] = [];
  for (const pr of presets) {
    const p = typeof pr === 'string' ? getPreset(pr) : pr;
    const costs = xs.map((s) => systemCost({ ...cfg, split: s }, p, opts));
    traces.push({ name: `${p.name}: total`, x: xs, y: costs.map((c) => c.latencySeconds * 1e3), mode: 'lines+markers' });
    traces.push({
      name: `${p.name}: sensor + link`,
      x: xs,
      y: costs.map((c) => (c.sensorSeconds + c.linkSeconds) * 1e3),
      mode: 'lines',
      dash: 'dash',
    });
    // log axis: split 0 has no sensor time, so the sensor trace starts at split 1
    const withSensor = xs.filter((s) => costs[s]!.sensorSeconds > 0);
    traces.push({
      name: `${p.name}: sensor`,
      x: withSensor,
      y: withSensor.map((s) => costs[s]!.sensorSeconds * 1e3),
      mode: 'lines',
      dash: 'dot',
    });
    costs.forEach((c, s) =>
      rows.push({
        preset: p.name,
        split: s === 0 ? '0 (all on aggregator)' : s === P ? `${P} (all on sensor)` : String(s),
        sensor: c.sensorSeconds * 1e3,
        link: c.linkSeconds * 1e3,
        aggregator: c.aggregatorSeconds * 1e3,
        total: c.latencySeconds * 1e3,
        bytes: c.bitsPerView / 8,
        memory: c.sensorPeakBytes,
        feasible: c.feasible ? 'yes' : 'no (memory)',
      }),
    );
  }
  return {
    figure: series({
      title: opts.title ?? 'Latency per split point (stacked: sensor, + link, + aggregator)',
      xLabel: 'split after phase',
      yLabel: 'latency (ms)',
      logY: true,
      series: traces,
    }),
    table: table({
      title: 'Latency breakdown per split point',
      columns: [
        { key: 'preset', label: 'preset' },
        { key: 'split', label: 'split' },
        { key: 'sensor', label: 'sensor ms', format: 'fixed3' },
        { key: 'link', label: 'link ms', format: 'fixed3' },
        { key: 'aggregator', label: 'aggregator ms', format: 'fixed3' },
        { key: 'total', label: 'total ms', format: 'fixed3' },
        { key: 'bytes', label: 'bytes sent / view', format: 'int' },
        { key: 'memory', label: 'sensor memory (B)', format: 'int' },
        { key: 'feasible', label: 'feasible' },
      ],
      rows,
    }),
  };
}

/** Accuracy vs latency of evaluated candidates, their Pareto front, and labelled baselines. */
export function paretoFigure(
  candidates: readonly Candidate[],
  front: readonly Candidate[],
  marks: { label: string; latencySeconds: number; accuracy: number }[] = [],
  opts: {
    /** Figure title (default 'Accuracy vs end-to-end latency'). */
    title?: string;
  } = {},
): SeriesFigure {
  const ev = candidates.filter((c) => c.accuracy !== null);
  check(ev.length > 0, 'paretoFigure: no candidate has an accuracy');
  return series({
    title: opts.title ?? 'Accuracy vs end-to-end latency',
    xLabel: 'latency (ms)',
    yLabel: 'validation accuracy',
    logX: true,
    series: [
      {
        name: 'evaluated',
        x: ev.map((c) => c.cost.latencySeconds * 1e3),
        y: ev.map((c) => c.accuracy!),
        mode: 'markers',
        color: '#bbbbbb',
      },
      {
        name: 'Pareto front',
        x: front.map((c) => c.cost.latencySeconds * 1e3),
        y: front.map((c) => c.accuracy!),
        mode: 'lines+markers',
        color: '#4e79a7',
      },
    ],
    marks: marks.map((m) => ({ x: m.latencySeconds * 1e3, y: m.accuracy, label: m.label })),
  });
}

/** The selected architecture as three parts: sensor layers, the split module with the bytes it sends, aggregator layers. */
export function architectureFigure(
  cfg: SplitConfig,
  p: Preset,
  opts: CostOptions & {
    /** Table title (default 'Selected network: split after phase <split> (<latency> ms under <preset>)'). */
    title?: string;
  } = {},
): TableFigure {
  const L = splitLayers(cfg, { ...opts, native: p.nativeImage });
  const c = systemCost(cfg, p, opts);
  const row = (part: string, l: LayerCost) => ({
    part,
    layer: l.name,
    shape: `${l.in.h}×${l.in.w}×${l.in.c} → ${l.out.h}×${l.out.w}×${l.out.c}`,
    macs: l.macs,
    params: l.params,
  });
  const sensor = L.sensor.map((l) => row('sensor', l));
  const link = {
    part: 'link',
    layer: `${L.sent.h}×${L.sent.w}×${L.sent.c} × ${cfg.split === 0 ? 8 : cfg.split === cfg.phases.length ? 32 : (cfg.bits ?? 32)} bits`,
    shape: `${c.bitsPerView / 8} bytes / view`,
    macs: null,
    params: null,
  };
  const agg = [...L.aggregatorPerView, ...L.aggregatorShared].map((l) => row('aggregator', l));
  return table({
    title: opts.title ?? `Selected network: split after phase ${cfg.split} (${(c.latencySeconds * 1e3).toFixed(3)} ms under ${p.name})`,
    caption: `sensor ${(c.sensorSeconds * 1e3).toFixed(3)} ms, link ${(c.linkSeconds * 1e3).toFixed(3)} ms, aggregator ${(c.aggregatorSeconds * 1e3).toFixed(3)} ms; sensor memory ${c.sensorPeakBytes} B of ${p.sensor.memoryBytes} B`,
    columns: [
      { key: 'part', label: 'part' },
      { key: 'layer', label: 'layer' },
      { key: 'shape', label: 'shape' },
      { key: 'macs', label: 'MACs', format: 'int' },
      { key: 'params', label: 'params', format: 'int' },
    ],
    rows: [...sensor, link, ...agg],
    highlightRows: [sensor.length],
  });
}

/** A contact sheet of MultiViewSolids: one row per object, one column per view. */
export function solidsFigure(
  set: MultiViewSet,
  opts: {
    /** Objects shown, one row each with all their views (default 6; capped at the set's size). */
    objects?: number;
    /** Figure title (default 'MultiViewSolids: <n> objects × <views> ring views'). */
    title?: string;
  } = {},
): ImageOverlayFigure {
  const n = Math.min(opts.objects ?? 6, set.n),
    S = set.size,
    V = set.views,
    W = V * (S + 2),
    H = n * (S + 2);
  const px = new Uint8Array(W * H).fill(255);
  for (let o = 0; o < n; o++)
    for (let v = 0; v < V; v++)
      for (let i = 0; i < S; i++)
        for (let j = 0; j < S; j++) {
          px[(o * (S + 2) + i) * W + v * (S + 2) + j] = Math.round(255 * set.images[((o * V + v) * S + i) * S + j]!);
        }
  return imageOverlay({
    title: opts.title ?? `MultiViewSolids: ${n} objects × ${V} ring views`,
    width: W,
    height: H,
    data: px,
    displayWidth: W * 3,
    displayHeight: H * 3,
    points: Array.from({ length: n }, (_, o) => ({ x: 1, y: o * (S + 2) + 3, label: set.classes[set.labels[o]!]! })),
  });
}

export type { PaperRow } from '../viz/paper';

/** The paper-vs-ours table. */
export function paperVsOurs(rows: readonly PaperRow[]): TableFigure {
  return paperVsOursTable('SplitNets (CVPR 2022) vs this port', rows);
}

/** The multi-view experiment over seeds: test accuracy of each contender (mean ± 95% t-interval) and per seed. */
export function fusionTable(runs: readonly MultiViewResult[]): TableFigure {
  const rs = runs.filter((r) => r.fusion);
  check(rs.length > 0, 'fusionTable: no run has fusion results');
  const kinds = [
    ['single', 'best single view (chosen on validation)'],
    ['late', 'late fusion (mean of per-view softmax)'],
    ['max', 'max fusion after recover'],
    ['mean', 'mean fusion after recover'],
    ['concat', 'concat + 1×1 fusion after recover'],
  ] as const;
  return table({
    title: `MultiViewSolids, V = 4 cameras: test accuracy over ${rs.length} seeds`,
    columns: ['model', 'mean ± 95% CI', ...rs.map((r) => `seed ${r.options.seed}`)],
    rows: kinds.map(([k, label]) => ({
      model: label,
      'mean ± 95% CI': formatCi(meanCi(rs.map((r) => r.fusion!.test[k])), 3),
      ...Object.fromEntries(
        rs.map((r) => [`seed ${r.options.seed}`, `${r.fusion!.test[k].toFixed(3)}${r.fusion!.chosenFusion === k ? ' ✓' : ''}`]),
      ),
    })),
  });
}

/** Test accuracy vs number of cameras (V = 1, 2, 4; means over seeds) for late fusion and the view-pooling fusions. */
export function fusionByViewsFigure(runs: readonly MultiViewResult[]): SeriesFigure {
  const rs = runs.filter((r) => r.fusion);
  check(rs.length > 0, 'fusionByViewsFigure: no run has fusion results');
  const Vs = ['1', '2', '4'];
  const mean = (k: 'late' | 'max' | 'mean', v: string) => meanCi(rs.map((r) => r.fusion!.testByViews[k][v]!)).mean;
  return series({
    title: `Accuracy vs cameras (MultiViewSolids test, mean of ${rs.length} seeds)`,
    xLabel: 'cameras V',
    yLabel: 'test accuracy',
    series: (['late', 'max', 'mean'] as const).map((k, i) => ({
      name: k === 'late' ? 'late fusion (single-view model)' : `${k} fusion (trained on V = 4)`,
      x: Vs.map(Number),
      y: Vs.map((v) => mean(k, v)),
      mode: 'lines+markers' as const,
      color: ['#9c755f', '#4e79a7', '#59a14f'][i],
    })),
  });
}

/** Measured per-op latency (tfjs-wasm, batch 1) against the op's MACs, with the analytic proportional model's line. */
export function lutFigure(t: LatencyTable): SeriesFigure {
  const es = Object.values(t.entries).sort((a, b) => a.macs - b.macs);
  const cmp = compareWithAnalytic(t);
  const pos = es.filter((e) => e.macs > 0);
  return series({
    title: `Per-op latency on ${t.backend}, batch 1 (load average ${t.loadBefore[0]?.toFixed(1) ?? '?'} on this machine)`,
    xLabel: 'MACs of the op',
    yLabel: 'median time (µs)',
    logX: true,
    logY: true,
    series: [
      { name: 'measured', x: pos.map((e) => e.macs), y: pos.map((e) => e.seconds * 1e6), mode: 'markers', color: '#4e79a7' },
      {
        name: `analytic MACs ÷ ${(cmp.macsPerSecond / 1e9).toFixed(2)} GMAC/s`,
        x: pos.map((e) => e.macs),
        y: pos.map((e) => (e.macs / cmp.macsPerSecond) * 1e6),
        mode: 'lines',
        color: '#e15759',
      },
      {
        name: `affine ${(cmp.affine.fixedSeconds * 1e6).toFixed(0)} µs + MACs ÷ ${(cmp.affine.macsPerSecond / 1e9).toFixed(1)} GMAC/s`,
        x: pos.map((e) => e.macs),
        y: pos.map((e) => (Math.max(0, cmp.affine.fixedSeconds) + e.macs / cmp.affine.macsPerSecond) * 1e6),
        mode: 'lines',
        dash: 'dash',
        color: '#59a14f',
      },
    ],
  });
}
