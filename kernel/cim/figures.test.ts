import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapLayer, decodeCell, tileImage } from './crossbar';
import { crossbarMapFigure, tileCells } from './figures';
import { InvalidInput } from '../core/errors';
import { crossbarMap } from '../viz/builders';

function unb64(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'base64'));
}

test('crossbar-map payload carries the tile cells, column roles and changed cells', () => {
  const q = new Int8Array(20 * 40).map((_, i) => ((i * 37) % 255) - 127);
  const L = mapLayer({ name: 'fc', q, nOut: 20, nIn: 40, sort: 'signed', config: { rows: 32, cols: 64 } });
  const prev = tileCells(L, 0);
  const fig = crossbarMapFigure(L, 1, { previous: prev });
  assert.equal(fig.kind, 'crossbar-map');
  assert.equal(fig.rows, 32);
  assert.equal(fig.cols, 64);
  const cells = unb64(fig.cells.b64);
  assert.equal(cells.length, 32 * 64);
  // rebuild slot 0's weights from the payload's magnitude + sign columns and compare with the decoder
  const img = tileImage(L, 1);
  for (let r = 0; r < 32; r++) {
    let mag = 0;
    for (let c = 0; c < 7; c++) mag += cells[r * 64 + c]! << fig.columnBit[c]!;
    const v = cells[r * 64 + 7] ? -mag : mag;
    assert.equal(v, decodeCell(L, img, r, 0));
  }
  assert.deepEqual(fig.columnBit.slice(0, 8), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(fig.columnOutput[8], (1 % L.colBlocks) * L.slots + 1);
  const changed = unb64(fig.changed!.b64);
  let nChanged = 0;
  for (let i = 0; i < 32 * 64; i++) nChanged += (changed[i >> 3]! >> (7 - (i & 7))) & 1;
  let expect = 0;
  const now = tileCells(L, 1);
  for (let i = 0; i < now.length; i++) if (now[i] !== prev[i]) expect++;
  assert.equal(nChanged, expect);
  assert.ok(expect > 0);
  assert.throws(() => crossbarMapFigure(L, L.tiles), InvalidInput);
});

test('crossbarMapFigure of a layer with fewer inputs than rows marks the padding rows −1 (a valid payload)', () => {
  const L = mapLayer({ q: Int8Array.from({ length: 16 * 72 }, (_, i) => (i % 7) - 3), nOut: 16, nIn: 72 });
  const f = crossbarMapFigure(L, 0);
  assert.deepEqual(f.rowSource!.slice(70, 74), [70, 71, -1, -1]);
  assert.equal(f.rowSource!.filter((v) => v === -1).length, 128 - 72);
  const again = crossbarMap({
    rows: f.rows,
    cols: f.cols,
    weightBits: f.weightBits,
    cells: tileCells(L, 0),
    columnBit: f.columnBit,
    columnOutput: f.columnOutput,
    rowSource: f.rowSource,
  });
  assert.equal(again.rowSource!.at(-1), -1, 'the builder accepts it too');
});
