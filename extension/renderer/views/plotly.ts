/**
 * The plotly views (heatmap, series, CKA matrix). This module is only reached through a dynamic import(), so
 * esbuild puts it and the partial plotly bundle (core + heatmap + scatter) in a chunk that canvas-only figures
 * never load. Re-rendering an element that already shows the same kind updates it in place with Plotly.react.
 */
import Plotly from 'plotly.js/lib/core';
import heatmap from 'plotly.js/lib/heatmap';
import scatter from 'plotly.js/lib/scatter';
import type { CkaMatrixFigure, HeatmapFigure, SeriesFigure } from '../../../kernel/viz/types';
import type { Theme } from '../theme';
import { getMounted, h, makeFrame, setMounted, setTexts } from './common';
import { ckaSpec, heatmapSpec, seriesSpec, type PlotSpec } from './plotly-specs';

Plotly.register([heatmap, scatter]);

export type PlotlyFigure = HeatmapFigure | SeriesFigure | CkaMatrixFigure;

export function specFor(f: PlotlyFigure, theme: Theme): PlotSpec {
  switch (f.kind) {
    case 'heatmap':
      return heatmapSpec(f, theme);
    case 'series':
      return seriesSpec(f, theme);
    case 'cka-matrix':
      return ckaSpec(f, theme);
  }
}

export async function renderPlotly(el: HTMLElement, f: PlotlyFigure, theme: Theme): Promise<void> {
  const prev = getMounted(el);
  let gd: HTMLElement | null = null;
  let root: HTMLElement;
  if (prev && prev.engine === 'plotly' && prev.kind === f.kind && prev.root.parentElement === el) {
    root = prev.root;
    gd = root.querySelector<HTMLElement>('.edgelab-plot');
    setTexts({ title: root.querySelector('.edgelab-title')!, caption: root.querySelector('.edgelab-caption')! }, f);
  }
  if (!gd) {
    const fr = makeFrame(el, f);
    root = fr.root;
    gd = h(el.ownerDocument, 'div', 'edgelab-plot');
    fr.body.appendChild(gd);
  }
  const width = Math.max(280, Math.min(f.width ?? Infinity, (el.getBoundingClientRect().width || 800) - 4));
  const spec = specFor(f, theme);
  gd.style.width = f.width ? `${Math.min(f.width, width)}px` : '100%';
  gd.style.height = `${spec.layout.height}px`;
  await Plotly.react(gd, spec.data, spec.layout, spec.config);
  const plotDiv = gd;
  setMounted(el, { kind: f.kind, engine: 'plotly', root: root!, dispose: () => Plotly.purge(plotDiv) });
}
