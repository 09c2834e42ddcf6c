// The same payload drawn two ways must agree: the static fallback (kernel/viz/svg, what a notebook shows without the
// renderer, and what GitHub shows) and the live renderer's formatter and colour path (extension/renderer). They used to
// hold copies of fmt/formatCell and the colour stops, which drifted (NaN grey 128 vs 221; non-finite cells).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmap, table } from '../../kernel/viz/builders';
import { fallback } from '../../kernel/viz/svg';
import { formatCell } from './format';
import { plotlyColorscale, scaleRgb, toHex } from './colors';
import { themeFrom } from './theme';
import { heatmapSpec } from './views/plotly-specs';

/** <text> contents of an SVG, in document order, unescaped. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'"),
  );
}

test('table: the static fallback and the renderer write the same cell texts (numbers, non-finite, null, formats)', () => {
  const f = table({
    columns: [
      { key: 'a', label: 'auto' },
      { key: 'p', label: 'pct', format: 'percent' },
      { key: 'i', label: 'int', format: 'int' },
      { key: 'x', label: 'fixed', format: 'fixed2' },
    ],
    rows: [
      { a: 123456.7, p: 0.1234, i: 7.6, x: Infinity },
      { a: 0.000123, p: -Infinity, i: null, x: 1 / 3 },
      { a: 3.14159, p: 1, i: -2.4, x: 2 },
    ],
  });
  const texts = svgTexts(fallback(f).data);
  // the fallback writes each column top to bottom: its header, then its cells
  const rendered = f.columns.flatMap((c) => [c.label, ...f.rows.map((r) => formatCell(r[c.key], c.format))]);
  assert.deepEqual(texts, rendered);
  assert.deepEqual(rendered, [
    'auto',
    '1.23e5',
    '1.23e-4',
    '3.142',
    'pct',
    '12.3%',
    '-Infinity',
    '100.0%',
    'int',
    '8',
    '–',
    '-2',
    'fixed',
    'Infinity',
    '0.33',
    '2.00',
  ]);
});

test('heatmap: the NaN, min and max cells have the same colour in the fallback and in the renderer', () => {
  for (const scale of ['viridis', 'magma', 'rdbu'] as const) {
    const f = heatmap({
      values: [
        [NaN, 2, 5],
        [-1, 0.5, 3],
      ],
      colorScale: scale,
    });
    const fills = [...fallback(f).data.matchAll(/<rect class="cell"[^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]!);
    assert.equal(fills.length, 6);
    const cs = plotlyColorscale(scale); // what plotly draws: zmin → first stop, zmax → last stop
    assert.equal(fills[0], toHex(scaleRgb(scale, NaN)), `${scale} NaN cell`);
    assert.equal(fills[3], cs[0]![1], `${scale} min cell (-1)`);
    assert.equal(fills[2], cs[cs.length - 1]![1], `${scale} max cell (5)`);
    // an interior cell: the renderer's interpolation over the same stops
    assert.equal(fills[1], toHex(scaleRgb(scale, (2 - -1) / (5 - -1))), `${scale} cell 2`);
  }
});

test('heatmap annotations: the fallback and the renderer print the same cell text', () => {
  const f = heatmap({
    values: [
      [0.123456, 2, 12345.678],
      [-1, NaN, 3e-5],
    ],
    annotate: true,
    width: 640,
    height: 480,
  });
  const annots = [...fallback(f).data.matchAll(/<text[^>]*class="annot"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
  const spec = heatmapSpec(
    f,
    themeFrom((_n, fb) => fb),
  );
  assert.deepEqual(annots, (spec.data[0]!.text as string[][]).flat());
  assert.deepEqual(annots, ['0.1235', '2', '12350', '-1', '–', '3.00e-5']);
});
