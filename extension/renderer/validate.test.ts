import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURE_KINDS, mimeOf } from '../../kernel/viz/types';
import { kindOfMime, validateFigure } from './validate';
import { PayloadError } from './packed';

const fixture = (kind: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures/figures', `${kind}.json`), 'utf8'));

function rejects(payload: unknown, pattern: RegExp, expected?: Parameters<typeof validateFigure>[1]) {
  assert.throws(
    () => validateFigure(payload, expected),
    (e: unknown) => {
      assert.ok(e instanceof PayloadError, `PayloadError, got ${String(e)}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('every fixture (built by kernel/viz builders) validates', () => {
  for (const k of FIGURE_KINDS) assert.equal(validateFigure(fixture(k), k).kind, k);
});

test('kind, version and MIME mismatches are named', () => {
  rejects(null, /expected a figure object/);
  rejects([1, 2], /expected a figure object/);
  rejects({ kind: 'pie', version: 1 }, /unknown figure kind "pie"/);
  rejects({ ...fixture('heatmap'), version: 2 }, /version 2 is not supported.*version 1.*update/);
  rejects({ ...fixture('heatmap'), version: '1' }, /version "1" is not supported/);
  rejects(fixture('heatmap'), /announces a table figure but the payload is a heatmap/, 'table');
  rejects({ ...fixture('table'), width: -5 }, /table\.width must be a positive number/);
});

test('per-kind field errors name the field and the expectation', () => {
  const hm = fixture('heatmap');
  rejects({ ...hm, values: hm.values.slice(1) }, /heatmap\.values must have 48 entries, got 47/);
  rejects(
    { ...hm, values: hm.values.map((v: number, i: number) => (i === 3 ? 'x' : v)) },
    /heatmap\.values\[3\] must be a finite number or null/,
  );
  rejects({ ...hm, colorScale: 'jet' }, /colorScale must be one of viridis/);
  const s = fixture('series');
  rejects({ ...s, series: [{ ...s.series[0], y: [1] }] }, /series\.series\[0\]\.y must have 20 entries/);
  rejects({ ...s, series: [{ ...s.series[0], axis: 'y3' }] }, /axis must be one of y, y2/);
  const im = fixture('image-overlay');
  rejects({ ...im, image: { ...im.image, channels: 2 } }, /channels must be 1, 3 or 4/);
  rejects({ ...im, image: { ...im.image, width: 65 } }, /image\.data must hold 9360 elements/);
  const t = fixture('table');
  rejects({ ...t, columns: [{ key: 'a', label: 'A', format: 'money' }] }, /format must be one of int/);
  rejects({ ...t, rows: [{ a: { nested: 1 } }] }, /rows\[0\]\.a must be a string, number, boolean or null/);
  const cb = fixture('crossbar-map');
  rejects({ ...cb, columnBit: cb.columnBit.slice(1) }, /columnBit must have 29 entries/);
  rejects({ ...cb, cells: { ...cb.cells, b64: cb.cells.b64.slice(8) } }, /crossbar-map\.cells: uint8 of shape \[24, 29\] needs 696 bytes/);
  rejects({ ...cb, bitsPerCell: 3 }, /bitsPerCell must be 1 or 2/);
  rejects({ ...cb, weights: { ...cb.weights, shape: [23, 2], b64: cb.weights.b64 } }, /weights/);
  rejects({ ...cb, adcActive: [{ rowStart: 5, rowEnd: 2, columns: [] }] }, /adcActive\[0\]\.rowEnd must be an integer in \[5, 24\]/);
  const sp = fixture('sparsity-pattern');
  rejects({ ...sp, density: { ...sp.density, dtype: 'uint8' } }, /density\.dtype must be float32/);
  rejects({ ...sp, exactBlocks: [{ ...sp.exactBlocks[0], row0: 8000 }] }, /exactBlocks\[0\]\.rows must be an integer in \[1, 192\]/);
  rejects({ ...sp, tiles: { ...sp.tiles, tileRows: 256 } }, /tiles\.density\.shape must be \[32, 8\]/);
  const cka = fixture('cka-matrix');
  rejects({ ...cka, highlight: [[9, 0]] }, /highlight\[0\] must be \[row, col\] inside the 6×5 matrix/);
  rejects({ ...cka, rowLabels: [] }, /needs at least one row/);
});

test('kindOfMime reads the kind from application/vnd.edgelab.<kind>.v1+json', () => {
  for (const k of FIGURE_KINDS) assert.equal(kindOfMime(mimeOf(k)), k);
  assert.equal(kindOfMime('application/vnd.plotly.v1+json'), undefined);
  assert.equal(kindOfMime('text/plain'), undefined);
});

test('crossbar-map rowSource: −1 marks a padding row (a layer with fewer inputs than crossbar rows); −2 is rejected', () => {
  const f = fixture('crossbar-map');
  const rows = f.rows as number;
  const pad = { ...f, rowSource: Array.from({ length: rows }, (_, i) => (i < rows - 1 ? i : -1)) };
  assert.equal(validateFigure(pad, 'crossbar-map').kind, 'crossbar-map');
  rejects({ ...f, rowSource: Array.from({ length: rows }, (_, i) => (i < rows - 1 ? i : -2)) }, /rowSource/);
});
