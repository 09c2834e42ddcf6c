import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzlibSync } from 'fflate';
import { crc32 as zcrc } from 'node:zlib';
import {
  pack,
  unpack,
  toBase64,
  fromBase64,
  heatmap,
  series,
  imageOverlay,
  table,
  crossbarMap,
  sparsityPattern,
  ckaMatrix,
  fallback,
  summary,
  toBundle,
  encodePng,
  crc32,
  mimeOf,
  FIGURE_KINDS,
  MAX_PAYLOAD_BYTES,
  type Figure,
  type Packed,
} from './index';
import { InvalidInput } from '../core/errors';
import { rng } from '../core/rng';
import { parseXml, all, byClass, allText } from './xmlcheck.test-util';

const rejects = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof InvalidInput && re.test((e as Error).message));

test('base64 matches node for all lengths mod 3', () => {
  const r = rng(1);
  for (const n of [0, 1, 2, 3, 4, 5, 17, 1000]) {
    const b = Uint8Array.from({ length: n }, () => Math.floor(r.next() * 256));
    const s = toBase64(b);
    assert.equal(s, Buffer.from(b).toString('base64'));
    assert.deepEqual(fromBase64(s), b);
  }
});

test('pack/unpack round trips every dtype, odd lengths and bits MSB-first', () => {
  const cases: [Packed['dtype'], number[]][] = [
    ['uint8', [0, 1, 255, 7, 9]],
    ['int8', [-128, 127, 0, -1, 5]],
    ['int16', [-32768, 32767, 3]],
    ['uint16', [65535, 0, 1]],
    ['int32', [-2147483648, 2147483647, 42]],
    ['float32', [1.5, -2.25, 3e-8, 0, 1e20]],
  ];
  for (const [dt, v] of cases) {
    const p = pack(v, dt);
    assert.deepEqual(
      Array.from(unpack(p)),
      v.map((x) => (dt === 'float32' ? Math.fround(x) : x)),
      dt,
    );
    assert.deepEqual(p.shape, [v.length]);
  }
  const bits = [1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1];
  const p = pack(bits, 'bit', [11]);
  assert.deepEqual(Array.from(fromBase64(p.b64)), [0b10110000, 0b11100000]);
  assert.deepEqual(Array.from(unpack(p)), bits);
  const p2 = pack([1, 0, 0, 1, 1, 0], 'bit', [2, 3]);
  assert.deepEqual(Array.from(unpack(p2)), [1, 0, 0, 1, 1, 0]);
  rejects(() => pack([300], 'uint8'), /value\[0\] = 300 does not fit uint8/);
  rejects(() => pack([1, 2, 3], 'int16', [2, 2]), /holds 4 elements but got 3/);
  assert.throws(() => unpack({ dtype: 'int16', shape: [3], b64: toBase64(new Uint8Array(5)) }), /needs 6 bytes/);
});

test('heatmap builds, rounds, and rejects bad input', () => {
  const f = heatmap({
    values: [
      [1.234567, 2],
      [3, NaN],
      [null as unknown as number, 6],
    ],
    rowLabels: ['a', 'b', 'c'],
    colLabels: ['x', 'y'],
    title: 'T',
  });
  assert.equal(f.kind, 'heatmap');
  assert.equal(f.version, 1);
  assert.equal(f.rows, 3);
  assert.equal(f.cols, 2);
  assert.deepEqual(f.values, [1.235, 2, 3, null, null, 6]);
  assert.equal(f.colorScale, 'viridis');
  rejects(() => heatmap({ values: [1, 2, 3], rows: 2 }), /values has length 3; expected rows\*cols/);
  rejects(() => heatmap({ values: [[1, 2], [3]] }), /values\[1\] has length 1; expected 2/);
  rejects(() => heatmap({ values: [1, Infinity], rows: 1 }), /values\[1\] is Infinity/);
  rejects(() => heatmap({ values: [1, 2], rows: 1, colorScale: 'jet' as never }), /unknown colorScale "jet"/);
  rejects(() => heatmap({ values: [1, 2], rows: 1, rowLabels: ['a', 'b'] }), /rowLabels must be 1 strings/);
  rejects(() => heatmap({ values: [1, 2], rows: 1, zmin: 2, zmax: 1 }), /zmin \(2\) must be < zmax/);
});

test('heatmap SVG: one cell rect per cell, labels, colorbar, annotations', () => {
  const f = heatmap({
    values: Array.from({ length: 12 }, (_, i) => i / 11),
    rows: 3,
    cols: 4,
    rowLabels: ['r0', 'r1', 'r2'],
    colLabels: ['c0', 'c1', 'c2', 'c3'],
    xLabel: 'X axis',
    valueLabel: 'acc',
    title: 'Acc & <loss>',
  });
  const fb = fallback(f);
  assert.equal(fb.mime, 'image/svg+xml');
  const svg = parseXml(fb.data);
  assert.equal(svg.name, 'svg');
  assert.equal(byClass(svg, 'rect', 'cell').length, 12);
  assert.equal(byClass(svg, 'rect', 'colorbar').length, 1);
  assert.deepEqual(
    byClass(svg, 'text', 'row-label').map((t) => t.text),
    ['r0', 'r1', 'r2'],
  );
  assert.deepEqual(
    byClass(svg, 'text', 'col-label').map((t) => t.text),
    ['c0', 'c1', 'c2', 'c3'],
  );
  assert.equal(byClass(svg, 'text', 'annot').length, 12);
  assert.equal(byClass(svg, 'text', 'title')[0]!.text, 'Acc &amp; &lt;loss&gt;');
  const fills = new Set(byClass(svg, 'rect', 'cell').map((r) => r.attrs.fill));
  assert.ok(fills.size >= 10, 'distinct colors for distinct values');
  assert.ok(!/<script|href="(?!data:)/i.test(fb.data));
  // Many rows: labels are thinned so they do not overlap, but not dropped entirely.
  const labs = Array.from({ length: 100 }, (_, i) => `L${i}`);
  const many = parseXml(fallback(heatmap({ values: new Float32Array(100 * 100), rows: 100, rowLabels: labs, colLabels: labs })).data);
  const nl = byClass(many, 'text', 'row-label').length;
  assert.ok(nl > 5 && nl < 100, `${nl} row labels`);
  assert.equal(byClass(many, 'text', 'row-label')[0]!.text, 'L0');
  // Big matrices switch to one inlined PNG.
  const big = fallback(heatmap({ values: new Float32Array(200 * 200).map((_, i) => i % 7), rows: 200, cols: 200 }));
  const bs = parseXml(big.data);
  assert.equal(byClass(bs, 'rect', 'cell').length, 0);
  assert.equal(byClass(bs, 'image', 'cells').length, 1);
});

test('series builds, validates, and its SVG has traces, ticks, legend, marks, hlines, log axes', () => {
  const f = series({
    series: [
      { name: 'train', y: [1, 0.5, 0.25, 0.125] },
      { name: 'val', x: [0, 1, 2, 3], y: [1.1, 0.7, 0.4, 0.3], dash: 'dash', mode: 'lines+markers' },
      { name: 'lr', y: [3, 2, 1, 1], axis: 'y2' },
    ],
    xLabel: 'epoch',
    yLabel: 'loss',
    y2Label: 'lr',
    logY: true,
    marks: [{ x: 2, y: 0.25, label: 'best' }],
    hlines: [{ y: 0.2, label: 'paper' }],
  });
  assert.equal(f.kind, 'series');
  assert.equal(f.version, 1);
  assert.deepEqual(f.series[0]!.x, [0, 1, 2, 3]);
  rejects(() => series({ series: [{ name: 'a', x: [1, 2], y: [1, 2, 3] }] }), /x has length 2 but y has length 3/);
  rejects(() => series({ series: [{ name: 'a', y: [1, NaN] }] }), /y\[1\] is NaN/);
  rejects(() => series({ series: [{ name: 'a', y: [1, 0] }], logY: true }), /y\[1\] = 0 must be > 0 with logY/);
  rejects(() => series({ series: [] }), /non-empty array/);
  rejects(() => series({ series: [{ name: 'a', y: [1], color: 'red" onload="x' }] }), /is not a color/);
  const svg = parseXml(fallback(f).data);
  assert.equal(byClass(svg, 'polyline', 'trace').length, 3);
  assert.equal(byClass(svg, 'circle', 'marker').length, 4 * 3 - 0, 'lines+markers default for short traces');
  assert.equal(byClass(svg, 'circle', 'mark').length, 1);
  assert.equal(byClass(svg, 'line', 'hline').length, 1);
  assert.deepEqual(
    byClass(svg, 'text', 'legend-item').map((t) => t.text),
    ['train', 'val', 'lr (right)'],
  );
  assert.ok(byClass(svg, 'line', 'x-tick').length >= 3);
  // y spans 0.125…1.1 (log): ticks at 1/2/5 × 10^k inside the range.
  assert.deepEqual(
    byClass(svg, 'text', 'y-tick-label').map((t) => t.text),
    ['0.2', '0.5', '1'],
  );
  const ys = byClass(svg, 'line', 'y-tick').map((l) => Number(l.attrs.y1));
  assert.ok(Math.abs((ys[0]! - ys[1]!) / (ys[1]! - ys[2]!) - Math.log10(2.5) / Math.log10(2)) < 0.01, 'log spacing');
  const txt = allText(svg);
  for (const s of ['epoch', 'loss', 'best', 'paper', 'lr']) assert.ok(txt.includes(s), s);
  // Downsampling keeps first and last.
  const long = series({ series: [{ name: 'n', y: Array.from({ length: 1001 }, (_, i) => i) }], maxPoints: 11 });
  assert.deepEqual(long.series[0]!.y, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
});

test('PNG encoder output decodes back to the pixels', () => {
  const r = rng(7);
  for (const ch of [1, 3, 4] as const) {
    const w = 5,
      h = 3,
      px = Uint8Array.from({ length: w * h * ch }, () => Math.floor(r.next() * 256));
    const png = encodePng(w, h, ch, px);
    assert.deepEqual(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
    const dv = new DataView(png.buffer, png.byteOffset);
    let o = 8;
    const chunks: { type: string; data: Uint8Array }[] = [];
    while (o < png.length) {
      const len = dv.getUint32(o),
        type = String.fromCharCode(...png.subarray(o + 4, o + 8));
      const crc = dv.getUint32(o + 8 + len);
      assert.equal(crc, zcrc(png.subarray(o + 4, o + 8 + len)), `CRC of ${type}`);
      assert.equal(crc, crc32(png, o + 4, o + 8 + len));
      chunks.push({ type, data: png.subarray(o + 8, o + 8 + len) });
      o += 12 + len;
    }
    assert.deepEqual(
      chunks.map((c) => c.type),
      ['IHDR', 'IDAT', 'IEND'],
    );
    const ih = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset);
    assert.equal(ih.getUint32(0), w);
    assert.equal(ih.getUint32(4), h);
    assert.equal(chunks[0]!.data[9], ch === 1 ? 0 : ch === 3 ? 2 : 6);
    const raw = unzlibSync(chunks[1]!.data);
    const back: number[] = [];
    for (let y = 0; y < h; y++) {
      assert.equal(raw[y * (w * ch + 1)], 0);
      back.push(...raw.subarray(y * (w * ch + 1) + 1, (y + 1) * (w * ch + 1)));
    }
    assert.deepEqual(back, Array.from(px));
  }
});

test('imageOverlay builds, validates, and draws PNG-in-SVG with overlays', () => {
  const data = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i * 7);
  const f = imageOverlay({
    width: 4,
    height: 3,
    channels: 3,
    data,
    points: [{ x: 1, y: 1, label: 'gaze' }],
    boxes: [{ x: 0, y: 0, w: 2, h: 2, label: 'face' }],
    arrows: [{ x: 1, y: 1, dx: 2, dy: 1 }],
  });
  assert.equal(f.kind, 'image-overlay');
  assert.equal(f.version, 1);
  assert.deepEqual(Array.from(unpack(f.image.data)), Array.from(data));
  rejects(
    () => imageOverlay({ width: 4, height: 3, channels: 3, data: new Uint8Array(10) }),
    /data has length 10; expected width\*height\*channels/,
  );
  rejects(() => imageOverlay({ width: 2, height: 1, channels: 2 as never, data: [1, 2, 3, 4] }), /channels must be 1, 3 or 4/);
  rejects(() => imageOverlay({ width: 1, height: 1, data: [1], points: [{ x: NaN, y: 0 }] }), /points\[0\]\.x must be a finite number/);
  const svg = parseXml(fallback(f).data);
  const img = byClass(svg, 'image', 'img')[0]!;
  assert.match(img.attrs.href!, /^data:image\/png;base64,/);
  const png = Buffer.from(img.attrs.href!.split(',')[1]!, 'base64');
  assert.equal(png.readUInt32BE(16), 4);
  assert.equal(png.readUInt32BE(20), 3);
  assert.equal(byClass(svg, 'circle', 'point').length, 1);
  assert.equal(byClass(svg, 'rect', 'box').length, 1);
  assert.equal(byClass(svg, 'g', 'arrow').length, 1);
  assert.ok(allText(svg).includes('gaze') && allText(svg).includes('face'));
  // Floats in [0,1] are scaled.
  assert.deepEqual(Array.from(unpack(imageOverlay({ width: 2, height: 1, data: new Float32Array([0, 1]) }).image.data)), [0, 255]);
});

test('table builds, validates, and renders a text grid', () => {
  const f = table({
    title: 'Paper vs ours',
    columns: [
      { key: 'm', label: 'Model' },
      { key: 'acc', label: 'Accuracy', format: 'percent' },
      { key: 'mb', label: 'Size', unit: 'MB', format: 'fixed2' },
    ],
    rows: [
      { m: 'paper', acc: 0.912, mb: 1.5 },
      { m: 'ours', acc: 0.905, mb: null },
    ],
    highlightRows: [1],
  });
  assert.equal(f.kind, 'table');
  assert.equal(f.version, 1);
  rejects(() => table({ columns: ['a'], rows: [{ b: 1 }] }), /rows\[0\] has key "b" that is not a column/);
  rejects(() => table({ columns: [{ key: 'a', label: 'A', format: 'pct' as never }], rows: [] }), /format "pct" unknown/);
  rejects(() => table({ columns: ['a'], rows: [{ a: NaN }] }), /rows\[0\]\.a is NaN/);
  rejects(() => table({ columns: ['a', 'a'], rows: [] }), /duplicate column key "a"/);
  rejects(() => table({ columns: ['a'], rows: [{ a: 1 }], highlightRows: [3] }), /highlightRows\[0\] must be an integer in \[0, 0\]/);
  const svg = parseXml(fallback(f).data);
  assert.deepEqual(
    byClass(svg, 'text', 'th').map((t) => t.text),
    ['Model', 'Accuracy', 'Size (MB)'],
  );
  assert.deepEqual(
    byClass(svg, 'text', 'td').map((t) => t.text),
    ['paper', 'ours', '91.2%', '90.5%', '1.50', '–'],
  );
  assert.equal(byClass(svg, 'rect', 'highlight-row').length, 1);
});

function crossbarFixture(changedCells: number[]) {
  const rows = 6,
    cols = 8,
    r = rng(3);
  const cells = Array.from({ length: rows * cols }, () => (r.next() < 0.4 ? 1 : 0));
  const changed = new Uint8Array(rows * cols);
  for (const k of changedCells) changed[k] = 1;
  return {
    rows,
    cols,
    weightBits: 4,
    cells,
    changed,
    columnBit: [3, 2, 1, 0, 3, 2, 1, 0],
    columnOutput: [0, 0, 0, 0, 1, 1, 1, 1],
    sectionStarts: [0, 3],
    adcActive: [
      { rowStart: 0, rowEnd: 3, columns: [0, 1, 4] },
      { rowStart: 3, rowEnd: 6, columns: [0, 4, 5], adcBits: 3 },
    ],
    weights: Array.from({ length: rows * 2 }, (_, i) => i - 6),
    rowSource: [5, 4, 3, 2, 1, 0],
  };
}

test('crossbarMap builds, validates, and its SVG marks changes, sections, groups and ADC columns', () => {
  const fx = crossbarFixture([0, 9, 47]);
  const f = crossbarMap(fx);
  assert.equal(f.kind, 'crossbar-map');
  assert.equal(f.version, 1);
  assert.equal(f.bitsPerCell, 1);
  assert.deepEqual(Array.from(unpack(f.cells)), fx.cells);
  assert.deepEqual(Array.from(unpack(f.changed!)), Array.from(fx.changed));
  assert.deepEqual(Array.from(unpack(f.weights!)), fx.weights);
  rejects(() => crossbarMap({ ...fx, cells: fx.cells.slice(1) }), /cells has length 47; expected rows\*cols = 6\*8 = 48/);
  rejects(
    () => crossbarMap({ ...fx, cells: fx.cells.map((c, i) => (i === 5 ? 2 : c)) }),
    /cells\[5\] = 2; expected an integer in \[0, 1\]/,
  );
  rejects(() => crossbarMap({ ...fx, columnBit: [5, 2, 1, 0, 3, 2, 1, 0] }), /columnBit\[0\] must be an integer in \[-1, 4\]/);
  rejects(() => crossbarMap({ ...fx, sectionStarts: [3, 1] }), /must be strictly increasing/);
  rejects(() => crossbarMap({ ...fx, adcActive: [{ rowStart: 0, rowEnd: 3, columns: [8] }] }), /adcActive\[0\]\.columns\[0\]/);
  const svg = parseXml(fallback(f).data);
  assert.equal(byClass(svg, 'rect', 'cell').length, 48);
  assert.equal(byClass(svg, 'rect', 'changed').length, 3);
  assert.equal(byClass(svg, 'line', 'section-line').length, 1);
  assert.equal(byClass(svg, 'line', 'group-line').length, 1);
  assert.equal(byClass(svg, 'rect', 'adc').length, 6);
  assert.deepEqual(
    byClass(svg, 'text', 'bit-label').map((t) => t.text),
    ['b3', 'b2', 'b1', 'b0', 'b3', 'b2', 'b1', 'b0'],
  );
  assert.match(summary(f), /3 changed cells/);
  // A full 128×256 tile: cells (and the many changed cells) go into one inlined PNG; the SVG stays well-formed.
  const R = 128,
    C = 256,
    r = rng(9);
  const big = crossbarMap({
    rows: R,
    cols: C,
    bitsPerCell: 2,
    weightBits: 8,
    cells: Array.from({ length: R * C }, () => Math.floor(r.next() * 4)),
    columnBit: Array.from({ length: C }, (_, j) => (j % 4) * 2),
    columnOutput: Array.from({ length: C }, (_, j) => Math.floor(j / 4)),
    changed: Array.from({ length: R * C }, () => r.next() < 0.2),
    sectionStarts: [0, 64],
  });
  const bs = parseXml(fallback(big).data);
  assert.equal(byClass(bs, 'rect', 'cell').length, 0);
  assert.equal(byClass(bs, 'image', 'cells').length, 1);
  assert.equal(byClass(bs, 'line', 'section-line').length, 1);
  assert.equal(byClass(bs, 'line', 'group-line').length, 63);
});

test('sparsityPattern from dense, CSR and COO agree; tiles, skipped rows/cols, exact blocks', () => {
  const rows = 6,
    cols = 5;
  const dense = new Float32Array(rows * cols);
  const nz: [number, number][] = [
    [0, 0],
    [0, 3],
    [2, 1],
    [5, 4],
    [5, 0],
  ];
  for (const [r, c] of nz) dense[r * cols + c] = 1 + r;
  const a = sparsityPattern({ rows, cols, dense, tiles: { tileRows: 3, tileCols: 5, label: 'm_r×k_c' } });
  const rowPtr = [0];
  const colIdx: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (const [rr, c] of nz) if (rr === r) colIdx.push(c);
    rowPtr.push(colIdx.length);
  }
  const b = sparsityPattern({ rows, cols, csr: { rowPtr, colIdx }, tiles: { tileRows: 3, tileCols: 5, label: 'm_r×k_c' } });
  const c = sparsityPattern({
    rows,
    cols,
    coo: { row: [...nz.map((p) => p[0]), 1], col: [...nz.map((p) => p[1]), 1], values: [1, 1, 1, 1, 1, 0] },
    tiles: { tileRows: 3, tileCols: 5, label: 'm_r×k_c' },
  });
  assert.deepEqual(a, b);
  assert.deepEqual(a, c);
  assert.equal(a.kind, 'sparsity-pattern');
  assert.equal(a.version, 1);
  assert.equal(a.nnz, 5);
  assert.deepEqual(a.skippedRows, [1, 3, 4]);
  assert.deepEqual(a.skippedCols, [2]);
  assert.deepEqual(
    Array.from(unpack(a.density)),
    Array.from(dense, (v) => (v ? 1 : 0)),
  );
  const bits = Array.from(unpack(a.exactBlocks![0]!.bits));
  assert.deepEqual(
    bits,
    Array.from(dense, (v) => (v ? 1 : 0)),
  );
  assert.deepEqual(Array.from(unpack(a.tiles!.density)), [3 / 15, 2 / 15].map(Math.fround));
  rejects(() => sparsityPattern({ rows, cols, dense: dense.subarray(1) }), /dense has length 29; expected rows\*cols/);
  rejects(() => sparsityPattern({ rows, cols, csr: { rowPtr: [0, 1], colIdx: [0] } }), /rowPtr has length 2; expected rows\+1 = 7/);
  rejects(() => sparsityPattern({ rows, cols, coo: { row: [6], col: [0] } }), /coo\.row\[0\] = 6/);
  rejects(() => sparsityPattern({ rows, cols, dense, coo: { row: [], col: [] } }), /exactly one of dense, csr, coo/);
  rejects(
    () => sparsityPattern({ rows: 2000, cols: 10, coo: { row: [0], col: [0] }, exact: [{ row0: 0, col0: 0, rows: 1500, cols: 10 }] }),
    /exact\[0\]\.rows must be an integer in \[1, 1024\]/,
  );
  // Large: no exact block by default, density grid is downsampled.
  const big = sparsityPattern({ rows: 2048, cols: 2048, coo: { row: [0, 2047], col: [0, 2047] } });
  assert.equal(big.exactBlocks, undefined);
  assert.deepEqual(big.density.shape, [128, 128]);
  const d = unpack(big.density);
  assert.equal(d[0], 1 / 256);
  assert.equal(d[128 * 128 - 1], 1 / 256);
  const svg = parseXml(fallback(a).data);
  assert.equal(byClass(svg, 'rect', 'cell').length, 30);
  assert.equal(byClass(svg, 'rect', 'skipped-row').length, 2, 'rows 1 and 3–4 as two ranges');
  assert.equal(byClass(svg, 'rect', 'skipped-col').length, 1);
  assert.equal(byClass(svg, 'line', 'tile-line').length, 1);
  assert.match(allText(svg), /nnz 5/);
  parseXml(fallback(big).data);
});

test('ckaMatrix builds, validates, and renders a labelled heatmap with highlights', () => {
  const f = ckaMatrix({
    rowLabels: ['l1', 'l2'],
    colLabels: ['m1', 'm2', 'm3'],
    values: [
      [1, 0.5, 0.2],
      [0.3, 0.9, 1.0000001],
    ],
    rowModel: 'A',
    colModel: 'B',
    ckaKind: 'linear',
    highlight: [[1, 1]],
  });
  assert.equal(f.kind, 'cka-matrix');
  assert.equal(f.version, 1);
  assert.equal(f.values[5], 1);
  rejects(() => ckaMatrix({ rowLabels: ['a'], colLabels: ['b'], values: [1.5] }), /values\[0\] = 1.5; expected a number in \[0, 1\]/);
  rejects(() => ckaMatrix({ rowLabels: ['a'], colLabels: ['b', 'c'], values: [0.5] }), /values has length 1; expected rows\*cols/);
  rejects(() => ckaMatrix({ rowLabels: ['a'], colLabels: ['b'], values: [0.5], highlight: [[0, 1]] }), /highlight\[0\]\[1\]/);
  const svg = parseXml(fallback(f).data);
  assert.equal(byClass(svg, 'rect', 'cell').length, 6);
  assert.equal(byClass(svg, 'rect', 'highlight').length, 1);
  const txt = allText(svg);
  for (const s of ['l1', 'l2', 'm1', 'm3', 'A', 'B', 'CKA (linear)']) assert.ok(txt.includes(s), s);
  assert.match(summary(f), /max 1 at l1 ↔ m1/);
});

test('toBundle has vendor MIME, SVG and text/plain for every kind', () => {
  const figs: Figure[] = [
    heatmap({ values: [1, 2], rows: 1 }),
    series({ series: [{ name: 's', y: [1, 2] }] }),
    imageOverlay({ width: 1, height: 1, data: [9] }),
    table({ columns: ['a'], rows: [{ a: 1 }] }),
    crossbarMap(crossbarFixture([1])),
    sparsityPattern({ rows: 2, cols: 2, dense: [1, 0, 0, 1] }),
    ckaMatrix({ rowLabels: ['a'], colLabels: ['b'], values: [0.5] }),
  ];
  assert.deepEqual(
    figs.map((f) => f.kind),
    [...FIGURE_KINDS],
  );
  for (const f of figs) {
    const b = toBundle(f);
    assert.deepEqual(Object.keys(b).sort(), [mimeOf(f.kind), 'image/svg+xml', 'text/plain'].sort());
    assert.equal(b[mimeOf(f.kind)], f);
    assert.ok(typeof b['text/plain'] === 'string' && b['text/plain'].length > 0 && !b['text/plain'].includes('\n'));
    const svg = parseXml(b['image/svg+xml'] as string);
    assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
    assert.equal(all(svg, (n) => n.name === 'script' || n.name === 'foreignObject').length, 0);
    for (const n of all(svg, (x) => 'href' in x.attrs || 'xlink:href' in x.attrs))
      assert.match(n.attrs.href ?? n.attrs['xlink:href']!, /^data:/);
    assert.equal(JSON.parse(JSON.stringify(f)).kind, f.kind);
  }
});

test('payload size limit is enforced', () => {
  rejects(() => heatmap({ values: new Float32Array(800 * 800).map((_, i) => Math.sin(i) * 1.2345678), rows: 800 }), /over the 2 MB limit/);
  rejects(
    () => table({ columns: ['a'], rows: Array.from({ length: 60000 }, (_, i) => ({ a: `row number ${i} with some padding text` })) }),
    /over the 2 MB limit/,
  );
  const ok = sparsityPattern({ rows: 1024, cols: 1024, coo: { row: [1], col: [2] } });
  assert.ok(JSON.stringify(ok).length <= MAX_PAYLOAD_BYTES);
});
