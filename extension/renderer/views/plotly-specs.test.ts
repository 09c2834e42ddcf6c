import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CkaMatrixFigure, HeatmapFigure, SeriesFigure } from '../../../kernel/viz/types';
import { themeFrom } from '../theme';
import { ckaSpec, heatmapSpec, labelTicks, plotlyText, seriesSpec, toMatrix } from './plotly-specs';

const fixture = <T>(kind: string): T =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../test/fixtures/figures', `${kind}.json`), 'utf8'));
const dark = themeFrom(
  (n, fb) => (({ '--vscode-editor-background': '#1e1e1e', '--vscode-editor-foreground': '#cccccc' }) as Record<string, string>)[n] ?? fb,
);

test('heatmap spec: z is rows×cols with nulls kept, labels as ticks, hover names row, column and value', () => {
  const f = fixture<HeatmapFigure>('heatmap');
  const s = heatmapSpec(f, dark);
  const tr = s.data[0]!;
  const z = tr.z as (number | null)[][];
  assert.equal(z.length, 6);
  assert.ok(z.every((r) => r.length === 8));
  assert.equal(z[2]![5], null);
  assert.equal(z[1]![3], f.values[1 * 8 + 3]);
  assert.match(String(tr.hovertemplate), /accuracy: %\{z/);
  assert.equal((tr.hovertext as string[][])[4]![2], 'layer fc1<br>bits 4');
  assert.equal(tr.texttemplate, '%{text}');
  assert.deepEqual((s.layout.yaxis as { ticktext: string[] }).ticktext, f.rowLabels);
  assert.equal((s.layout.yaxis as { autorange: string }).autorange, 'reversed');
  assert.equal((s.layout.font as { color: string }).color, '#cccccc');
  assert.equal((tr.colorscale as [number, string][])[0]![1], '#f7fbff');
  const big = heatmapSpec(
    { ...f, rows: 60, cols: 60, values: new Array(3600).fill(0.5), rowLabels: undefined, colLabels: undefined },
    dark,
  );
  assert.equal(big.data[0]!.texttemplate, undefined, 'no cell text on 3600 cells');
});

test('series spec: one trace per series plus hlines and a marks trace; log and y2 axes', () => {
  const f = fixture<SeriesFigure>('series');
  const s = seriesSpec(f, dark);
  assert.deepEqual(
    s.data.map((d) => d.name),
    ['train loss', 'val loss', 'val accuracy', 'paper loss 0.1', 'marks'],
  );
  assert.equal(s.data[2]!.yaxis, 'y2');
  assert.equal((s.data[1]!.line as { dash: string }).dash, 'dash');
  assert.deepEqual(s.data[3]!.x, [1, 20]);
  assert.deepEqual(s.data[3]!.y, [0.1, 0.1]);
  assert.equal(s.data[4]!.showlegend, false);
  assert.equal((s.layout.yaxis as { type: string }).type, 'log');
  assert.equal((s.layout.xaxis as { type: string }).type, 'linear');
  assert.equal((s.layout.yaxis2 as { overlaying: string }).overlaying, 'y');
});

test('cka spec: [0,1] range, highlight outlines around the chosen cells', () => {
  const f = fixture<CkaMatrixFigure>('cka-matrix');
  const s = ckaSpec(f, dark);
  assert.equal(s.data[0]!.zmin, 0);
  assert.equal(s.data[0]!.zmax, 1);
  const shapes = s.layout.shapes as { x0: number; x1: number; y0: number; y1: number }[];
  assert.equal(shapes.length, 2);
  assert.deepEqual([shapes[1]!.x0, shapes[1]!.x1, shapes[1]!.y0, shapes[1]!.y1], [2.5, 3.5, 3.5, 4.5]);
  assert.match(String(s.data[0]!.hovertemplate), /CKA \(linear\)/);
});

test('helpers: label thinning, matrix reshaping, escaping', () => {
  const t = labelTicks(
    Array.from({ length: 100 }, (_, i) => `L${i}`),
    100,
    40,
  );
  assert.equal(t.tickvals.length, 34);
  assert.equal(t.ticktext[1], 'L3');
  assert.deepEqual(toMatrix([1, 2, 3, 4, 5, 6], 2, 3), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(plotlyText('a<b> & c'), 'a&lt;b&gt; &amp; c');
});
