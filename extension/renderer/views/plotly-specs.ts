/**
 * Plotly data/layout/config for the heatmap, series and CKA figures. Pure (no plotly, no DOM), so the specs
 * are unit-tested in node; views/plotly.ts hands them to Plotly.react.
 */
import type { CkaMatrixFigure, HeatmapFigure, SeriesFigure } from '../../../kernel/viz/types';
import { PALETTE, plotlyColorscale } from '../colors';
import { fmt } from '../format';
import type { Theme } from '../theme';

export interface PlotSpec {
  data: Record<string, unknown>[];
  layout: Record<string, unknown> & { height: number };
  config: Record<string, unknown>;
}

const CONFIG = { responsive: true, displaylogo: false, scrollZoom: false, modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d'] };

/** Escape text for plotly's pseudo-HTML labels (hovertemplate, titles). */
export function plotlyText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function baseLayout(theme: Theme, height: number): Record<string, unknown> & { height: number } {
  return {
    height,
    autosize: true,
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: theme.fontFamily, size: Math.round(theme.fontSize * 0.92), color: theme.foreground },
    hoverlabel: {
      bgcolor: theme.hoverBackground,
      bordercolor: theme.hoverBorder,
      font: { color: theme.hoverForeground, family: theme.fontFamily },
    },
    legend: { bgcolor: 'rgba(0,0,0,0)', font: { color: theme.foreground } },
    margin: { l: 60, r: 20, t: 10, b: 50 },
  };
}

function axis(theme: Theme, title?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: title ? { text: plotlyText(title) } : undefined,
    color: theme.foreground,
    gridcolor: theme.grid,
    zerolinecolor: theme.grid,
    linecolor: theme.muted,
    automargin: true,
    ...extra,
  };
}

/** Tick values/labels for a labelled categorical axis, thinned to at most `max` labels. */
export function labelTicks(labels: readonly string[] | undefined, n: number, max = 40): { tickvals: number[]; ticktext: string[] } {
  const step = Math.max(1, Math.ceil(n / max));
  const tickvals: number[] = [];
  for (let i = 0; i < n; i += step) tickvals.push(i);
  return { tickvals, ticktext: tickvals.map((i) => plotlyText(labels?.[i] ?? String(i))) };
}

/** Row-major values → rows×cols matrix (plotly z). */
export function toMatrix<T>(values: readonly T[], rows: number, cols: number): T[][] {
  return Array.from({ length: rows }, (_, r) => values.slice(r * cols, (r + 1) * cols));
}

function matrixSpec(
  o: {
    rows: number;
    cols: number;
    values: readonly (number | null)[];
    rowLabels?: string[];
    colLabels?: string[];
    xLabel?: string;
    yLabel?: string;
    valueLabel: string;
    colorscale: [number, string][];
    zmin?: number;
    zmax?: number;
    annotate: boolean;
    height?: number;
    name: string;
  },
  theme: Theme,
): PlotSpec {
  const { rows, cols } = o;
  const rl = (r: number) => o.rowLabels?.[r] ?? String(r),
    cl = (c: number) => o.colLabels?.[c] ?? String(c);
  const text = Array.from({ length: rows }, (_, r) =>
    Array.from(
      { length: cols },
      (_, c) =>
        `${plotlyText(`${o.yLabel ? o.yLabel + ' ' : 'row '}${rl(r)}`)}<br>${plotlyText(`${o.xLabel ? o.xLabel + ' ' : 'col '}${cl(c)}`)}`,
    ),
  );
  const cellPx = Math.max(8, Math.min(36, 520 / rows));
  const height = o.height ?? Math.round(Math.max(260, Math.min(720, rows * cellPx + 110)));
  const trace: Record<string, unknown> = {
    type: 'heatmap',
    name: o.name,
    z: toMatrix(o.values, rows, cols),
    // row/column names for hover (a heatmap's hover reads hovertext before text); `text` is left for the cell annotations
    hovertext: text,
    x: [...Array(cols).keys()],
    y: [...Array(rows).keys()],
    colorscale: o.colorscale,
    zmin: o.zmin,
    zmax: o.zmax,
    hoverongaps: false,
    xgap: cols <= 60 ? 1 : 0,
    ygap: rows <= 60 ? 1 : 0,
    hovertemplate: `%{hovertext}<br>${plotlyText(o.valueLabel)}: %{z:.4~g}<extra></extra>`,
    colorbar: { title: { text: plotlyText(o.valueLabel), side: 'right' }, outlinewidth: 0, tickfont: { color: theme.foreground } },
  };
  // Cell text is unreadable and slow beyond ~50×50 cells: the payload's request is honoured up to that size.
  // Cell text is kernel/viz's fmt (as in the static fallback), passed as the trace's text rather than a plotly d3 format
  // (a heatmap's texttemplate sees only x, y, z and text — %{customdata} printed '-' in every cell).
  if (o.annotate && rows * cols <= 2500) {
    trace.text = toMatrix(
      o.values.map((v) => fmt(v)),
      rows,
      cols,
    );
    trace.texttemplate = '%{text}';
    trace.textfont = { size: Math.max(8, Math.min(12, cellPx * 0.4)) };
  }
  const layout = baseLayout(theme, height);
  layout.xaxis = axis(theme, o.xLabel, {
    ...labelTicks(o.colLabels, cols),
    tickmode: 'array',
    showgrid: false,
    zeroline: false,
    constrain: 'domain',
    tickangle: o.colLabels && cols > 8 ? -45 : 'auto',
  });
  layout.yaxis = axis(theme, o.yLabel, {
    ...labelTicks(o.rowLabels, rows),
    tickmode: 'array',
    showgrid: false,
    zeroline: false,
    autorange: 'reversed',
  });
  return { data: [trace], layout, config: CONFIG };
}

export function heatmapSpec(f: HeatmapFigure, theme: Theme): PlotSpec {
  return matrixSpec(
    {
      rows: f.rows,
      cols: f.cols,
      values: f.values,
      rowLabels: f.rowLabels,
      colLabels: f.colLabels,
      xLabel: f.xLabel,
      yLabel: f.yLabel,
      valueLabel: f.valueLabel ?? 'value',
      colorscale: plotlyColorscale(f.colorScale ?? 'viridis'),
      zmin: f.zmin,
      zmax: f.zmax,
      annotate: f.annotate ?? false,
      height: f.height,
      name: f.title ?? 'heatmap',
    },
    theme,
  );
}

export function ckaSpec(f: CkaMatrixFigure, theme: Theme): PlotSpec {
  const rows = f.rowLabels.length,
    cols = f.colLabels.length;
  const spec = matrixSpec(
    {
      rows,
      cols,
      values: f.values,
      rowLabels: f.rowLabels,
      colLabels: f.colLabels,
      xLabel: f.colModel ?? 'layer',
      yLabel: f.rowModel ?? 'layer',
      valueLabel: f.ckaKind ? `CKA (${f.ckaKind})` : 'CKA',
      colorscale: plotlyColorscale('magma'),
      zmin: 0,
      zmax: 1,
      annotate: rows * cols <= 144,
      height: f.height,
      name: f.title ?? 'CKA',
    },
    theme,
  );
  spec.layout.shapes = (f.highlight ?? []).map(([r, c]) => ({
    type: 'rect',
    xref: 'x',
    yref: 'y',
    x0: c - 0.5,
    x1: c + 0.5,
    y0: r - 0.5,
    y1: r + 0.5,
    line: { color: theme.dark ? '#4fc3f7' : '#00a0d6', width: 3 },
    fillcolor: 'rgba(0,0,0,0)',
    name: `highlight ${r},${c}`,
  }));
  return spec;
}

const DASH = { solid: 'solid', dash: 'dash', dot: 'dot' } as const;

export function seriesSpec(f: SeriesFigure, theme: Theme): PlotSpec {
  const data: Record<string, unknown>[] = f.series.map((s, i) => ({
    type: 'scatter',
    name: s.name,
    x: s.x,
    y: s.y,
    mode: s.mode ?? 'lines',
    line: { color: s.color ?? PALETTE[i % PALETTE.length], dash: DASH[s.dash ?? 'solid'], width: 2 },
    marker: { color: s.color ?? PALETTE[i % PALETTE.length], size: 6 },
    yaxis: s.axis === 'y2' ? 'y2' : 'y',
    hovertemplate: `${plotlyText(s.name)}<br>${plotlyText(f.xLabel ?? 'x')}: %{x:.4~g}<br>${plotlyText((s.axis === 'y2' ? f.y2Label : f.yLabel) ?? 'y')}: %{y:.4~g}<extra></extra>`,
  }));
  // Horizontal reference lines as two-point line traces spanning the data (correct on log axes, listed in the legend).
  const xs = f.series.flatMap((s) => s.x).filter((x) => !f.logX || x > 0);
  const x0 = xs.length ? Math.min(...xs) : 0,
    x1 = xs.length ? Math.max(...xs) : 1;
  for (const [i, hl] of (f.hlines ?? []).entries()) {
    data.push({
      type: 'scatter',
      name: hl.label,
      x: [x0, x1],
      y: [hl.y, hl.y],
      mode: 'lines',
      yaxis: 'y',
      line: { color: hl.color ?? theme.muted, dash: 'dashdot', width: 1.5 },
      legendgroup: `hline${i}`,
      hovertemplate: `${plotlyText(hl.label)}: ${fmt(hl.y)}<extra></extra>`,
    });
  }
  if (f.marks?.length) {
    data.push({
      type: 'scatter',
      name: 'marks',
      showlegend: false,
      mode: 'markers+text',
      x: f.marks.map((m) => m.x),
      y: f.marks.map((m) => m.y),
      text: f.marks.map((m) => plotlyText(m.label)),
      textposition: 'top center',
      textfont: { color: theme.foreground },
      marker: { size: 11, symbol: 'star', color: f.marks.map((m) => m.color ?? '#e15759'), line: { color: theme.background, width: 1 } },
      hovertemplate: '%{text}<br>(%{x:.4~g}, %{y:.4~g})<extra></extra>',
    });
  }
  const hasY2 = f.series.some((s) => s.axis === 'y2');
  const layout = baseLayout(theme, f.height ?? 380);
  layout.xaxis = axis(theme, f.xLabel, { type: f.logX ? 'log' : 'linear' });
  layout.yaxis = axis(theme, f.yLabel, { type: f.logY ? 'log' : 'linear' });
  if (hasY2) layout.yaxis2 = axis(theme, f.y2Label, { overlaying: 'y', side: 'right', showgrid: false });
  layout.legend = { ...(layout.legend as object), orientation: 'h', y: -0.18, x: 0 };
  layout.margin = { l: 60, r: hasY2 ? 60 : 20, t: 10, b: 60 };
  layout.hovermode = 'closest';
  return { data, layout, config: CONFIG };
}
