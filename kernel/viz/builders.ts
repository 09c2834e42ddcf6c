/**
 * Figure builders: validate inputs (InvalidInput naming the bad value) and return typed payloads with `version: 1`.
 * Floats are rounded to 4 significant digits; every payload must serialise to ≤ 2 MB (MAX_PAYLOAD_BYTES).
 * Pure TS: runs in node and the browser.
 */
import type {
  ColorScale,
  Figure,
  HeatmapFigure,
  SeriesFigure,
  SeriesTrace,
  ImageOverlayFigure,
  TableFigure,
  TableColumn,
  CrossbarMapFigure,
  SparsityPatternFigure,
  CkaMatrixFigure,
} from './types';
import { FIGURE_VERSION } from './types';
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { pack, round } from './codec';

/** Largest JSON payload a builder returns (bytes of JSON text). */
export const MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;
export const COLOR_SCALES: readonly ColorScale[] = ['viridis', 'magma', 'gray', 'rdbu', 'blues'];

interface Common {
  /** Heading drawn above the figure (default: none). */
  title?: string;
  /** One line of text under the figure, e.g. what was measured and how (default: none). */
  caption?: string;
  /** Figure width in CSS pixels, 16–10000 (default: the kind's own, 640 for most kinds). */
  width?: number;
  /** Figure height in CSS pixels, 16–10000 (default: the kind's own, 480 for most kinds). */
  height?: number;
}

function common(kind: string, o: Common): Common {
  const out: Common = {};
  if (o.title !== undefined) {
    check(typeof o.title === 'string', `${kind}: title must be a string, got ${describe(o.title)}`);
    out.title = o.title;
  }
  if (o.caption !== undefined) {
    check(typeof o.caption === 'string', `${kind}: caption must be a string, got ${describe(o.caption)}`);
    out.caption = o.caption;
  }
  if (o.width !== undefined) out.width = checkInt(`${kind}: width`, o.width, 16, 10000);
  if (o.height !== undefined) out.height = checkInt(`${kind}: height`, o.height, 16, 10000);
  return out;
}

/** Throw InvalidInput when the payload's JSON exceeds MAX_PAYLOAD_BYTES. */
export function checkSize<F extends Figure>(fig: F, hint = 'pass fewer points or downsample first'): F {
  const n = JSON.stringify(fig).length;
  if (n > MAX_PAYLOAD_BYTES) {
    throw new InvalidInput(
      `${fig.kind}: payload is ${(n / 1048576).toFixed(2)} MB, over the ${MAX_PAYLOAD_BYTES / 1048576} MB limit; ${hint}`,
    );
  }
  return fig;
}

function checkLabels(name: string, labels: unknown, n: number): string[] | undefined {
  if (labels === undefined) return undefined;
  check(
    Array.isArray(labels) && labels.length === n,
    () => `${name} must be ${n} strings, got ${describe(labels)} (length ${Array.isArray(labels) ? labels.length : 'n/a'})`,
  );
  return (labels as unknown[]).map((l, i) => {
    check(typeof l === 'string' || typeof l === 'number', () => `${name}[${i}] must be a string, got ${describe(l)}`);
    return String(l);
  });
}

function checkScale(kind: string, s: unknown): ColorScale | undefined {
  if (s === undefined) return undefined;
  check(
    COLOR_SCALES.includes(s as ColorScale),
    () => `${kind}: unknown colorScale ${describe(s)}; expected one of ${COLOR_SCALES.join(', ')}`,
  );
  return s as ColorScale;
}

function checkNum(name: string, v: unknown): number {
  check(typeof v === 'number' && Number.isFinite(v), () => `${name} must be a finite number, got ${describe(v)}`);
  return v as number;
}

type Matrix = ArrayLike<number | null> | ArrayLike<number>[];

function flatten(name: string, values: Matrix, rows?: number, cols?: number): { v: (number | null)[]; rows: number; cols: number } {
  check(
    values != null && typeof values === 'object' && typeof (values as ArrayLike<unknown>).length === 'number',
    () => `${name} must be an array or typed array, got ${describe(values)}`,
  );
  const first = (values as ArrayLike<unknown>)[0];
  if (Array.isArray(first) || ArrayBuffer.isView(first)) {
    const m = values as ArrayLike<number>[];
    const r = m.length,
      c = (first as ArrayLike<number>).length;
    if (rows !== undefined) check(rows === r, () => `${name}: rows = ${rows} but the matrix has ${r} rows`);
    if (cols !== undefined) check(cols === c, () => `${name}: cols = ${cols} but the matrix has ${c} columns`);
    const v: (number | null)[] = [];
    for (let i = 0; i < r; i++) {
      check(m[i]!.length === c, () => `${name}[${i}] has length ${m[i]!.length}; expected ${c} (ragged matrix)`);
      for (let j = 0; j < c; j++) v.push(m[i]![j]!);
    }
    return { v, rows: r, cols: c };
  }
  const flat = values as ArrayLike<number | null>;
  const r = rows ?? (cols ? flat.length / cols : undefined);
  const c = cols ?? (rows ? flat.length / rows : undefined);
  check(r !== undefined && c !== undefined, `${name}: a flat array needs rows and/or cols`);
  if (rows !== undefined) checkInt(`${name}: rows`, rows, 1);
  if (cols !== undefined) checkInt(`${name}: cols`, cols, 1);
  check(
    Number.isInteger(r) && Number.isInteger(c) && r * c === flat.length,
    () => `${name} has length ${flat.length}; expected rows*cols (rows = ${rows ?? '?'}, cols = ${cols ?? '?'})`,
  );
  return { v: Array.from(flat), rows: r, cols: c };
}

export interface HeatmapOptions extends Common {
  /** Row-major flat (with rows/cols) or an array of rows. null or NaN = missing cell. */
  values: Matrix;
  /** Number of rows when `values` is flat (default: from `cols`, or the array of rows). */
  rows?: number;
  /** Number of columns when `values` is flat (default: from `rows`, or the array of rows). */
  cols?: number;
  /** One label per row (default: row indices). */
  rowLabels?: string[];
  /** One label per column (default: column indices). */
  colLabels?: string[];
  /** x-axis (column) title (default: none). */
  xLabel?: string;
  /** y-axis (row) title (default: none). */
  yLabel?: string;
  /** Colour-bar title: what a cell's value is, with its unit (default: none). */
  valueLabel?: string;
  /** Default 'viridis'. */
  colorScale?: ColorScale;
  /** Value at the bottom of the colour scale (default: the smallest value); must be < zmax. */
  zmin?: number;
  /** Value at the top of the colour scale (default: the largest value). */
  zmax?: number;
  /** Print values inside cells (default: true when ≤ 400 cells). */
  annotate?: boolean;
}

/** A matrix as coloured cells (values printed inside when small); missing cells drawn blank. Validates and returns the payload. */
export function heatmap(o: HeatmapOptions): HeatmapFigure {
  check(o != null && typeof o === 'object', 'heatmap: options object required');
  const { v, rows, cols } = flatten('heatmap: values', o.values, o.rows, o.cols);
  const values = v.map((x, i) => {
    if (x === null || (typeof x === 'number' && Number.isNaN(x))) return null;
    check(
      typeof x === 'number' && Number.isFinite(x),
      () => `heatmap: values[${i}] is ${describe(x)}; expected a finite number, NaN or null`,
    );
    return round(x);
  });
  const fig: HeatmapFigure = { kind: 'heatmap', version: FIGURE_VERSION, ...common('heatmap', o), rows, cols, values };
  const rl = checkLabels('heatmap: rowLabels', o.rowLabels, rows);
  if (rl) fig.rowLabels = rl;
  const cl = checkLabels('heatmap: colLabels', o.colLabels, cols);
  if (cl) fig.colLabels = cl;
  if (o.xLabel !== undefined) fig.xLabel = String(o.xLabel);
  if (o.yLabel !== undefined) fig.yLabel = String(o.yLabel);
  if (o.valueLabel !== undefined) fig.valueLabel = String(o.valueLabel);
  fig.colorScale = checkScale('heatmap', o.colorScale) ?? 'viridis';
  if (o.zmin !== undefined) fig.zmin = checkNum('heatmap: zmin', o.zmin);
  if (o.zmax !== undefined) fig.zmax = checkNum('heatmap: zmax', o.zmax);
  if (fig.zmin !== undefined && fig.zmax !== undefined)
    check(fig.zmin < fig.zmax, `heatmap: zmin (${fig.zmin}) must be < zmax (${fig.zmax})`);
  fig.annotate = o.annotate ?? rows * cols <= 400;
  return checkSize(fig, 'aggregate the matrix to fewer cells first');
}

export interface SeriesOptions extends Common {
  series: {
    name: string;
    x?: ArrayLike<number>;
    y: ArrayLike<number>;
    mode?: SeriesTrace['mode'];
    color?: string;
    dash?: SeriesTrace['dash'];
    axis?: SeriesTrace['axis'];
  }[];
  /** x-axis title with its unit (default: none). */
  xLabel?: string;
  /** Left y-axis title with its unit (default: none). */
  yLabel?: string;
  /** Right y-axis title, for traces with `axis: 'y2'` (default: none). */
  y2Label?: string;
  /** Logarithmic x axis; every x must be > 0 (default false). */
  logX?: boolean;
  /** Logarithmic left y axis; every y on it must be > 0 (default false). */
  logY?: boolean;
  /** Labelled points drawn over the traces, in data coordinates (default: none). */
  marks?: SeriesFigure['marks'];
  /** Labelled horizontal reference lines at y, e.g. a target or the paper's value (default: none). */
  hlines?: SeriesFigure['hlines'];
  /** Traces longer than this are downsampled (evenly, keeping first and last). Default 20000. */
  maxPoints?: number;
}

const MODES = ['lines', 'markers', 'lines+markers'];
const DASHES = ['solid', 'dash', 'dot'];

/** Line/marker traces over a shared x axis, optionally a second y axis, log axes, marks and reference lines. */
export function series(o: SeriesOptions): SeriesFigure {
  check(
    o != null && Array.isArray(o.series) && o.series.length > 0,
    () => `series: series must be a non-empty array of traces, got ${describe(o?.series)}`,
  );
  const maxPoints = checkInt('series: maxPoints', o.maxPoints ?? 20000, 2);
  const traces: SeriesTrace[] = o.series.map((t, k) => {
    const name = `series: series[${k}]`;
    check(typeof t?.name === 'string', () => `${name}.name must be a string, got ${describe(t?.name)}`);
    check(t.y != null && typeof t.y.length === 'number', () => `${name}.y must be an array, got ${describe(t.y)}`);
    const n = t.y.length;
    const x = t.x ?? Array.from({ length: n }, (_, i) => i);
    check(x.length === n, () => `${name} (${JSON.stringify(t.name)}): x has length ${x.length} but y has length ${n}`);
    const step = n > maxPoints ? (n - 1) / (maxPoints - 1) : 1;
    const idx = n > maxPoints ? Array.from({ length: maxPoints }, (_, i) => Math.round(i * step)) : Array.from({ length: n }, (_, i) => i);
    const xs: number[] = [],
      ys: number[] = [];
    for (const i of idx) {
      const xv = x[i]!,
        yv = t.y[i]!;
      check(Number.isFinite(xv), () => `${name} (${JSON.stringify(t.name)}): x[${i}] is ${describe(xv)}; expected a finite number`);
      check(Number.isFinite(yv), () => `${name} (${JSON.stringify(t.name)}): y[${i}] is ${describe(yv)}; expected a finite number`);
      if (o.logX) check(xv > 0, () => `${name}: x[${i}] = ${xv} must be > 0 with logX`);
      if (o.logY && t.axis !== 'y2') check(yv > 0, () => `${name}: y[${i}] = ${yv} must be > 0 with logY`);
      xs.push(round(xv, 6));
      ys.push(round(yv));
    }
    const tr: SeriesTrace = { name: t.name, x: xs, y: ys };
    if (t.mode !== undefined) {
      check(MODES.includes(t.mode), () => `${name}.mode ${describe(t.mode)} unknown; expected ${MODES.join(', ')}`);
      tr.mode = t.mode;
    }
    if (t.dash !== undefined) {
      check(DASHES.includes(t.dash), () => `${name}.dash ${describe(t.dash)} unknown; expected ${DASHES.join(', ')}`);
      tr.dash = t.dash;
    }
    if (t.axis !== undefined) {
      check(t.axis === 'y' || t.axis === 'y2', () => `${name}.axis ${describe(t.axis)} unknown; expected y or y2`);
      tr.axis = t.axis;
    }
    if (t.color !== undefined) tr.color = checkColor(`${name}.color`, t.color);
    return tr;
  });
  const fig: SeriesFigure = { kind: 'series', version: FIGURE_VERSION, ...common('series', o), series: traces };
  if (o.xLabel !== undefined) fig.xLabel = String(o.xLabel);
  if (o.yLabel !== undefined) fig.yLabel = String(o.yLabel);
  if (o.y2Label !== undefined) fig.y2Label = String(o.y2Label);
  if (o.logX) fig.logX = true;
  if (o.logY) fig.logY = true;
  if (o.marks) {
    check(Array.isArray(o.marks), 'series: marks must be an array');
    fig.marks = o.marks.map((m, i) => {
      const r: { x: number; y: number; label: string; color?: string } = {
        x: checkNum(`series: marks[${i}].x`, m.x),
        y: checkNum(`series: marks[${i}].y`, m.y),
        label: String(m.label ?? ''),
      };
      if (m.color !== undefined) r.color = checkColor(`series: marks[${i}].color`, m.color);
      return r;
    });
  }
  if (o.hlines) {
    check(Array.isArray(o.hlines), 'series: hlines must be an array');
    fig.hlines = o.hlines.map((h, i) => {
      const r: { y: number; label: string; color?: string } = { y: checkNum(`series: hlines[${i}].y`, h.y), label: String(h.label ?? '') };
      if (h.color !== undefined) r.color = checkColor(`series: hlines[${i}].color`, h.color);
      return r;
    });
  }
  return checkSize(fig, 'lower maxPoints');
}

/** CSS colors accepted in payloads: #rgb/#rrggbb(aa), rgb()/rgba()/hsl(), or a plain name. Nothing that could escape SVG attributes. */
export function checkColor(name: string, c: unknown): string {
  check(
    typeof c === 'string' && /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\))$/.test(c),
    () => `${name} ${describe(c)} is not a color; expected #rrggbb, rgb(...) or a CSS name`,
  );
  return c as string;
}

export interface ImageOverlayOptions {
  /** Heading drawn above the image (default: none). */
  title?: string;
  /** One line of text under the image (default: none). */
  caption?: string;
  /** Image size in pixels (the figure's display size is displayWidth/displayHeight). */
  width: number;
  height: number;
  /** Values per pixel in `data`: 1 gray, 3 RGB, 4 RGBA (default 1). */
  channels?: 1 | 3 | 4;
  /** Drawn width in CSS pixels (default: the image width). */
  displayWidth?: number;
  /** Drawn height in CSS pixels (default: keeps the aspect ratio of displayWidth). */
  displayHeight?: number;
  /** uint8 pixels row-major (or floats in [0,1] when `float` is true). */
  data: ArrayLike<number>;
  /** Interpret data as floats in [0,1] (scaled to 0..255). Default: auto (true for Float32Array/Float64Array). */
  float?: boolean;
  /** Markers at (x, y) in image pixels, optionally labelled and coloured (default: none), e.g. gaze points. */
  points?: ImageOverlayFigure['points'];
  /** Rectangles (x, y, w, h) in image pixels, top-left origin (default: none), e.g. detections. */
  boxes?: ImageOverlayFigure['boxes'];
  /** Arrows from (x, y) by (dx, dy) in image pixels (default: none), e.g. gaze directions. */
  arrows?: ImageOverlayFigure['arrows'];
}

/** An image (gray, RGB or RGBA pixels) with points, boxes and arrows drawn over it in image-pixel coordinates. */
export function imageOverlay(o: ImageOverlayOptions): ImageOverlayFigure {
  const width = checkInt('imageOverlay: width', o?.width, 1, 4096);
  const height = checkInt('imageOverlay: height', o.height, 1, 4096);
  const channels = o.channels ?? 1;
  check(channels === 1 || channels === 3 || channels === 4, () => `imageOverlay: channels must be 1, 3 or 4, got ${describe(channels)}`);
  check(
    o.data != null && o.data.length === width * height * channels,
    () =>
      `imageOverlay: data has length ${o.data?.length}; expected width*height*channels = ${width}*${height}*${channels} = ${width * height * channels}`,
  );
  const isFloat = o.float ?? (o.data instanceof Float32Array || o.data instanceof Float64Array);
  const px = new Uint8Array(o.data.length);
  for (let i = 0; i < px.length; i++) {
    const v = o.data[i]!;
    check(Number.isFinite(v), () => `imageOverlay: data[${i}] is ${describe(v)}; expected a finite number`);
    px[i] = isFloat ? Math.max(0, Math.min(255, Math.round(v * 255))) : Math.max(0, Math.min(255, Math.round(v)));
  }
  const fig: ImageOverlayFigure = {
    kind: 'image-overlay',
    version: FIGURE_VERSION,
    ...common('imageOverlay', { title: o.title, caption: o.caption, width: o.displayWidth, height: o.displayHeight }),
    image: { width, height, channels, data: pack(px, 'uint8', [height, width, channels]) },
  };
  const lab = (l: unknown) => (l === undefined ? {} : { label: String(l) });
  const col = (n: string, c: unknown) => (c === undefined ? {} : { color: checkColor(n, c) });
  if (o.points)
    fig.points = o.points.map((p, i) => ({
      x: checkNum(`imageOverlay: points[${i}].x`, p.x),
      y: checkNum(`imageOverlay: points[${i}].y`, p.y),
      ...lab(p.label),
      ...col(`imageOverlay: points[${i}].color`, p.color),
    }));
  if (o.boxes)
    fig.boxes = o.boxes.map((b, i) => {
      const w = checkNum(`imageOverlay: boxes[${i}].w`, b.w),
        h = checkNum(`imageOverlay: boxes[${i}].h`, b.h);
      check(w >= 0 && h >= 0, () => `imageOverlay: boxes[${i}] has negative size ${w}×${h}`);
      return {
        x: checkNum(`imageOverlay: boxes[${i}].x`, b.x),
        y: checkNum(`imageOverlay: boxes[${i}].y`, b.y),
        w,
        h,
        ...lab(b.label),
        ...col(`imageOverlay: boxes[${i}].color`, b.color),
      };
    });
  if (o.arrows)
    fig.arrows = o.arrows.map((a, i) => ({
      x: checkNum(`imageOverlay: arrows[${i}].x`, a.x),
      y: checkNum(`imageOverlay: arrows[${i}].y`, a.y),
      dx: checkNum(`imageOverlay: arrows[${i}].dx`, a.dx),
      dy: checkNum(`imageOverlay: arrows[${i}].dy`, a.dy),
      ...lab(a.label),
      ...col(`imageOverlay: arrows[${i}].color`, a.color),
    }));
  return checkSize(fig, 'resize the image first');
}

const FORMATS = ['int', 'fixed1', 'fixed2', 'fixed3', 'fixed4', 'percent', 'sci', 'text'];

export interface TableOptions extends Common {
  columns: (TableColumn | string)[];
  rows: Record<string, string | number | boolean | null | undefined>[];
  /** Row indices (0-based) to emphasize, e.g. the chosen setting (default: none). */
  highlightRows?: number[];
}

/** A table of rows keyed by column name (numbers formatted per column); the tour reads 'paper'/'ours' tables as headlines. */
export function table(o: TableOptions): TableFigure {
  check(
    o != null && Array.isArray(o.columns) && o.columns.length > 0,
    () => `table: columns must be a non-empty array, got ${describe(o?.columns)}`,
  );
  check(Array.isArray(o.rows), () => `table: rows must be an array, got ${describe(o.rows)}`);
  const seen = new Set<string>();
  const columns = o.columns.map((c, i): TableColumn => {
    const col: TableColumn = typeof c === 'string' ? { key: c, label: c } : { ...c };
    check(
      typeof col.key === 'string' && col.key.length > 0,
      () => `table: columns[${i}].key must be a non-empty string, got ${describe(col.key)}`,
    );
    check(!seen.has(col.key), () => `table: duplicate column key ${describe(col.key)}`);
    seen.add(col.key);
    if (col.label === undefined) col.label = col.key;
    if (col.format !== undefined)
      check(
        FORMATS.includes(col.format),
        () => `table: columns[${i}].format ${describe(col.format)} unknown; expected ${FORMATS.join(', ')}`,
      );
    return col;
  });
  const rows = o.rows.map((r, i) => {
    check(r != null && typeof r === 'object', () => `table: rows[${i}] must be an object, got ${describe(r)}`);
    const out: Record<string, string | number | boolean | null> = {};
    for (const k of Object.keys(r)) {
      check(seen.has(k), () => `table: rows[${i}] has key ${describe(k)} that is not a column (columns: ${[...seen].join(', ')})`);
      const v = r[k];
      if (v === undefined || v === null) {
        out[k] = null;
        continue;
      }
      if (typeof v === 'number') {
        check(!Number.isNaN(v), () => `table: rows[${i}].${k} is NaN; use null for a missing value`);
        out[k] = Number.isFinite(v) ? round(v, 6) : v;
        if (!Number.isFinite(v)) out[k] = String(v);
      } else {
        check(
          typeof v === 'string' || typeof v === 'boolean',
          () => `table: rows[${i}].${k} must be string, number, boolean or null, got ${describe(v)}`,
        );
        out[k] = v;
      }
    }
    return out;
  });
  const fig: TableFigure = { kind: 'table', version: FIGURE_VERSION, ...common('table', o), columns, rows };
  if (o.highlightRows)
    fig.highlightRows = o.highlightRows.map((h, i) => checkInt(`table: highlightRows[${i}]`, h, 0, Math.max(0, rows.length - 1)));
  return checkSize(fig, 'split the table');
}

export interface CrossbarMapOptions extends Common {
  rows: number;
  cols: number;
  /** Bits stored per cell: 1 or 2 (default 1). */
  bitsPerCell?: 1 | 2;
  weightBits: number;
  /** Cell states, row-major [rows, cols], each in 0..2^bitsPerCell−1. */
  cells: ArrayLike<number>;
  /** Per physical column: bit significance (0 = LSB, weightBits = sign plane, −1 = unused column). */
  columnBit: ArrayLike<number>;
  /** Per physical column: logical output (−1 = unused column). */
  columnOutput: ArrayLike<number>;
  /** Per physical column: '+' or '-' array of a differential pair (default: no sign planes shown). */
  columnSign?: ('+' | '-')[];
  /** Row indices, strictly increasing, where a sorted weight section starts (default: one section). */
  sectionStarts?: number[];
  /** Truthy per cell (row-major). */
  changed?: ArrayLike<number | boolean>;
  /** Truthy per cell (row-major): a change skipped by bit stucking (default: none). */
  stuck?: ArrayLike<number | boolean>;
  /** Per section: row range, the physical columns whose ADC fires, and optionally its resolution in bits (default: none). */
  adcActive?: CrossbarMapFigure['adcActive'];
  /** Quantized weights [rows, logicalCols], row-major; logicalCols = max(columnOutput)+1. */
  weights?: ArrayLike<number>;
  /** Per row: the original input index after sorting, −1 for a padding row, shown on hover (default: identity). */
  rowSource?: number[];
}

/** One crossbar tile: cell states, which bit and output each physical column holds, and optionally changed/stuck cells, sections and ADC activity. */
export function crossbarMap(o: CrossbarMapOptions): CrossbarMapFigure {
  const rows = checkInt('crossbarMap: rows', o?.rows, 1, 65536);
  const cols = checkInt('crossbarMap: cols', o.cols, 1, 65536);
  const bpc = o.bitsPerCell ?? 1;
  check(bpc === 1 || bpc === 2, () => `crossbarMap: bitsPerCell must be 1 or 2, got ${describe(bpc)}`);
  const weightBits = checkInt('crossbarMap: weightBits', o.weightBits, 1, 32);
  const n = rows * cols;
  check(
    o.cells != null && o.cells.length === n,
    () => `crossbarMap: cells has length ${o.cells?.length}; expected rows*cols = ${rows}*${cols} = ${n}`,
  );
  const maxState = (1 << bpc) - 1;
  for (let i = 0; i < n; i++) {
    const v = o.cells[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v <= maxState))
      throw new InvalidInput(`crossbarMap: cells[${i}] = ${describe(v)}; expected an integer in [0, ${maxState}] for bitsPerCell ${bpc}`);
  }
  // −1 marks an unused physical column (as kernel/cim emits); columnBit = weightBits is the sign plane of sign-magnitude.
  const perCol = (name: string, a: ArrayLike<number> | undefined, max: number): number[] => {
    check(a != null && a.length === cols, () => `crossbarMap: ${name} has length ${a?.length}; expected cols = ${cols}`);
    return Array.from(a, (v, i) => checkInt(`crossbarMap: ${name}[${i}]`, v, -1, max));
  };
  const columnBit = perCol('columnBit', o.columnBit, weightBits);
  const columnOutput = perCol('columnOutput', o.columnOutput, 1 << 20);
  const fig: CrossbarMapFigure = {
    kind: 'crossbar-map',
    version: FIGURE_VERSION,
    ...common('crossbarMap', o),
    rows,
    cols,
    bitsPerCell: bpc,
    weightBits,
    cells: pack(o.cells, 'uint8', [rows, cols]),
    columnBit,
    columnOutput,
  };
  if (o.columnSign) {
    check(o.columnSign.length === cols, () => `crossbarMap: columnSign has length ${o.columnSign!.length}; expected cols = ${cols}`);
    o.columnSign.forEach((s, i) =>
      check(s === '+' || s === '-', () => `crossbarMap: columnSign[${i}] = ${describe(s)}; expected '+' or '-'`),
    );
    fig.columnSign = [...o.columnSign];
  }
  if (o.sectionStarts) {
    fig.sectionStarts = o.sectionStarts.map((s, i) => checkInt(`crossbarMap: sectionStarts[${i}]`, s, 0, rows - 1));
    for (let i = 1; i < fig.sectionStarts.length; i++)
      check(
        fig.sectionStarts[i]! > fig.sectionStarts[i - 1]!,
        () => `crossbarMap: sectionStarts ${describe(o.sectionStarts)} must be strictly increasing`,
      );
  }
  const bits = (name: string, a: ArrayLike<number | boolean>) => {
    check(a.length === n, () => `crossbarMap: ${name} has length ${a.length}; expected rows*cols = ${n}`);
    return pack(
      Array.from(a, (v) => (v ? 1 : 0)),
      'bit',
      [rows, cols],
    );
  };
  if (o.changed) fig.changed = bits('changed', o.changed);
  if (o.stuck) fig.stuck = bits('stuck', o.stuck);
  if (o.adcActive) {
    fig.adcActive = o.adcActive.map((s, i) => {
      const rowStart = checkInt(`crossbarMap: adcActive[${i}].rowStart`, s.rowStart, 0, rows - 1);
      const rowEnd = checkInt(`crossbarMap: adcActive[${i}].rowEnd`, s.rowEnd, rowStart + 1, rows);
      const r: { rowStart: number; rowEnd: number; columns: number[]; adcBits?: number } = {
        rowStart,
        rowEnd,
        columns: s.columns.map((c, j) => checkInt(`crossbarMap: adcActive[${i}].columns[${j}]`, c, 0, cols - 1)),
      };
      if (s.adcBits !== undefined) r.adcBits = checkInt(`crossbarMap: adcActive[${i}].adcBits`, s.adcBits, 1, 32);
      return r;
    });
  }
  if (o.weights) {
    const logical = Math.max(...columnOutput) + 1;
    check(
      o.weights.length === rows * logical,
      () => `crossbarMap: weights has length ${o.weights!.length}; expected rows*logicalCols = ${rows}*${logical} = ${rows * logical}`,
    );
    fig.weights = pack(o.weights, 'int16', [rows, logical]);
  }
  if (o.rowSource) {
    check(o.rowSource.length === rows, () => `crossbarMap: rowSource has length ${o.rowSource!.length}; expected rows = ${rows}`);
    fig.rowSource = o.rowSource.map((v, i) => checkInt(`crossbarMap: rowSource[${i}]`, v, -1));
  }
  return checkSize(fig, 'show one crossbar tile at a time');
}

export interface SparsityPatternOptions extends Common {
  rows: number;
  cols: number;
  /** One of: a dense row-major matrix, CSR (rowPtr/colIdx) or COO (row/col, optional values: zeros skipped). */
  dense?: ArrayLike<number>;
  /** The matrix as CSR: rowPtr (rows + 1 offsets) and colIdx (one column index per nonzero). */
  csr?: { rowPtr: ArrayLike<number>; colIdx: ArrayLike<number> };
  /** The matrix as COO triplets: row and col indices per entry, optional values (zeros are skipped). */
  coo?: { row: ArrayLike<number>; col: ArrayLike<number>; values?: ArrayLike<number> };
  /** Density grid size (default min(rows, 128) × min(cols, 128)). */
  gridRows?: number;
  /** Density grid columns (default min(cols, 128)). */
  gridCols?: number;
  /** Exact bitmaps: true = the whole matrix when ≤ 1024×1024 (default), false = none, or explicit blocks. */
  exact?: boolean | { row0: number; col0: number; rows: number; cols: number }[];
  /** Tile statistics of a packing: density per tileRows × tileCols tile. */
  tiles?: { tileRows: number; tileCols: number; label?: string };
  /** List all-zero rows/cols as skipped (default true). */
  skipped?: boolean;
}

const EXACT_MAX = 1024;

/** Where a sparse matrix's nonzeros are: a density grid, exact bitmaps for small matrices or blocks, and tile statistics of a packing. */
export function sparsityPattern(o: SparsityPatternOptions): SparsityPatternFigure {
  const rows = checkInt('sparsityPattern: rows', o?.rows, 1);
  const cols = checkInt('sparsityPattern: cols', o.cols, 1);
  const given = [o.dense, o.csr, o.coo].filter((x) => x !== undefined).length;
  check(given === 1, `sparsityPattern: pass exactly one of dense, csr, coo (got ${given})`);
  // Collect nonzero coordinates as linear keys r*cols+c (sorted, unique).
  let keys: number[] = [];
  if (o.dense) {
    check(
      o.dense.length === rows * cols,
      () => `sparsityPattern: dense has length ${o.dense!.length}; expected rows*cols = ${rows}*${cols} = ${rows * cols}`,
    );
    for (let i = 0; i < o.dense.length; i++) {
      const v = o.dense[i]!;
      check(!Number.isNaN(v), () => `sparsityPattern: dense[${i}] is NaN`);
      if (v !== 0) keys.push(i);
    }
  } else if (o.csr) {
    const { rowPtr, colIdx } = o.csr;
    check(rowPtr.length === rows + 1, () => `sparsityPattern: csr.rowPtr has length ${rowPtr.length}; expected rows+1 = ${rows + 1}`);
    check(
      rowPtr[0] === 0 && rowPtr[rows] === colIdx.length,
      () => `sparsityPattern: csr.rowPtr must start at 0 and end at colIdx.length = ${colIdx.length}, got ${rowPtr[0]}…${rowPtr[rows]}`,
    );
    for (let r = 0; r < rows; r++) {
      check(rowPtr[r + 1]! >= rowPtr[r]!, () => `sparsityPattern: csr.rowPtr decreases at ${r}`);
      for (let k = rowPtr[r]!; k < rowPtr[r + 1]!; k++) {
        const c = colIdx[k]!;
        check(
          Number.isInteger(c) && c >= 0 && c < cols,
          () => `sparsityPattern: csr.colIdx[${k}] = ${describe(c)}; expected an integer in [0, ${cols - 1}]`,
        );
        keys.push(r * cols + c);
      }
    }
  } else {
    const { row, col, values } = o.coo!;
    check(row.length === col.length, () => `sparsityPattern: coo.row has length ${row.length} but coo.col has ${col.length}`);
    if (values)
      check(values.length === row.length, () => `sparsityPattern: coo.values has length ${values.length}; expected ${row.length}`);
    for (let k = 0; k < row.length; k++) {
      const r = row[k]!,
        c = col[k]!;
      check(
        Number.isInteger(r) && r >= 0 && r < rows,
        () => `sparsityPattern: coo.row[${k}] = ${describe(r)}; expected an integer in [0, ${rows - 1}]`,
      );
      check(
        Number.isInteger(c) && c >= 0 && c < cols,
        () => `sparsityPattern: coo.col[${k}] = ${describe(c)}; expected an integer in [0, ${cols - 1}]`,
      );
      if (values && values[k] === 0) continue;
      keys.push(r * cols + c);
    }
  }
  if (!o.dense) {
    keys.sort((a, b) => a - b);
    keys = keys.filter((k, i) => i === 0 || k !== keys[i - 1]);
  }
  const nnz = keys.length;
  const gR = checkInt('sparsityPattern: gridRows', o.gridRows ?? Math.min(rows, 128), 1, Math.min(rows, 512));
  const gC = checkInt('sparsityPattern: gridCols', o.gridCols ?? Math.min(cols, 128), 1, Math.min(cols, 512));
  const grid = binDensity(keys, rows, cols, gR, gC);
  const fig: SparsityPatternFigure = {
    kind: 'sparsity-pattern',
    version: FIGURE_VERSION,
    ...common('sparsityPattern', o),
    rows,
    cols,
    nnz,
    density: pack(grid, 'float32', [gR, gC]),
  };
  const exact = o.exact ?? true;
  const blocks =
    exact === true ? (rows <= EXACT_MAX && cols <= EXACT_MAX ? [{ row0: 0, col0: 0, rows, cols }] : []) : exact === false ? [] : exact;
  if (blocks.length) {
    fig.exactBlocks = blocks.map((b, i) => {
      const n = `sparsityPattern: exact[${i}]`;
      const row0 = checkInt(`${n}.row0`, b.row0, 0, rows - 1),
        col0 = checkInt(`${n}.col0`, b.col0, 0, cols - 1);
      const br = checkInt(`${n}.rows`, b.rows, 1, Math.min(EXACT_MAX, rows - row0)),
        bc = checkInt(`${n}.cols`, b.cols, 1, Math.min(EXACT_MAX, cols - col0));
      const bits = new Uint8Array(br * bc);
      for (const k of keys) {
        const r = Math.floor(k / cols) - row0,
          c = (k % cols) - col0;
        if (r >= 0 && r < br && c >= 0 && c < bc) bits[r * bc + c] = 1;
      }
      return { row0, col0, rows: br, cols: bc, bits: pack(bits, 'bit', [br, bc]) };
    });
  }
  if (o.tiles) {
    const tr = checkInt('sparsityPattern: tiles.tileRows', o.tiles.tileRows, 1, rows),
      tc = checkInt('sparsityPattern: tiles.tileCols', o.tiles.tileCols, 1, cols);
    const nR = Math.ceil(rows / tr),
      nC = Math.ceil(cols / tc);
    const cnt = new Float64Array(nR * nC);
    for (const k of keys) cnt[Math.floor(Math.floor(k / cols) / tr) * nC + Math.floor((k % cols) / tc)]!++;
    const dens = Array.from(cnt, (v, i) => {
      const ti = Math.floor(i / nC),
        tj = i % nC;
      const area = (Math.min(rows, (ti + 1) * tr) - ti * tr) * (Math.min(cols, (tj + 1) * tc) - tj * tc);
      return v / area;
    });
    fig.tiles = {
      tileRows: tr,
      tileCols: tc,
      density: pack(dens, 'float32', [nR, nC]),
      ...(o.tiles.label !== undefined ? { label: String(o.tiles.label) } : {}),
    };
  }
  if (o.skipped ?? true) {
    const rowHit = new Uint8Array(rows),
      colHit = new Uint8Array(cols);
    for (const k of keys) {
      rowHit[Math.floor(k / cols)] = 1;
      colHit[k % cols] = 1;
    }
    const sr: number[] = [],
      sc: number[] = [];
    rowHit.forEach((h, i) => {
      if (!h) sr.push(i);
    });
    colHit.forEach((h, i) => {
      if (!h) sc.push(i);
    });
    if (sr.length) fig.skippedRows = sr;
    if (sc.length) fig.skippedCols = sc;
  }
  return checkSize(fig, 'use a smaller grid, fewer exact blocks, or skipped: false');
}

/** Fraction of nonzeros per grid cell; grid cell (i, j) covers rows [floor(i*rows/gR), floor((i+1)*rows/gR)). */
function binDensity(keys: number[], rows: number, cols: number, gR: number, gC: number): Float32Array {
  const cnt = new Float64Array(gR * gC);
  for (const k of keys) {
    const r = Math.floor(k / cols),
      c = k % cols;
    cnt[Math.min(gR - 1, Math.floor((r * gR) / rows)) * gC + Math.min(gC - 1, Math.floor((c * gC) / cols))]!++;
  }
  const edge = (n: number, g: number, i: number) => Math.ceil(((i + 1) * n) / g) - Math.ceil((i * n) / g);
  const out = new Float32Array(gR * gC);
  for (let i = 0; i < gR; i++)
    for (let j = 0; j < gC; j++) {
      const area = edge(rows, gR, i) * edge(cols, gC, j);
      out[i * gC + j] = area > 0 ? cnt[i * gC + j]! / area : 0;
    }
  return out;
}

export interface CkaMatrixOptions extends Common {
  rowLabels: string[];
  colLabels: string[];
  /** Row-major flat or array of rows, each in [0, 1] (values within 1e-6 outside are clamped). */
  values: ArrayLike<number> | ArrayLike<number>[];
  /** Name of the network whose layers are the rows (default: none). */
  rowModel?: string;
  /** Name of the network whose layers are the columns (default: none). */
  colModel?: string;
  /** Which CKA was computed, e.g. 'linear' or 'rbf σ=0.5' (default: none shown). */
  ckaKind?: string;
  /** Cells to outline as [row, col], e.g. the chosen stitch points (default: none). */
  highlight?: [number, number][];
}

/** Layer-by-layer CKA similarity between two networks, values in [0, 1], with chosen cells outlined. */
export function ckaMatrix(o: CkaMatrixOptions): CkaMatrixFigure {
  check(
    Array.isArray(o?.rowLabels) && o.rowLabels.length > 0,
    () => `ckaMatrix: rowLabels must be a non-empty array, got ${describe(o?.rowLabels)}`,
  );
  check(
    Array.isArray(o.colLabels) && o.colLabels.length > 0,
    () => `ckaMatrix: colLabels must be a non-empty array, got ${describe(o.colLabels)}`,
  );
  const R = o.rowLabels.length,
    C = o.colLabels.length;
  const { v } = flatten('ckaMatrix: values', o.values as Matrix, R, C);
  const values = v.map((x, i) => {
    check(
      typeof x === 'number' && Number.isFinite(x) && x >= -1e-6 && x <= 1 + 1e-6,
      () => `ckaMatrix: values[${i}] = ${describe(x)}; expected a number in [0, 1]`,
    );
    return round(Math.min(1, Math.max(0, x as number)));
  });
  const fig: CkaMatrixFigure = {
    kind: 'cka-matrix',
    version: FIGURE_VERSION,
    ...common('ckaMatrix', o),
    rowLabels: checkLabels('ckaMatrix: rowLabels', o.rowLabels, R)!,
    colLabels: checkLabels('ckaMatrix: colLabels', o.colLabels, C)!,
    values,
  };
  if (o.rowModel !== undefined) fig.rowModel = String(o.rowModel);
  if (o.colModel !== undefined) fig.colModel = String(o.colModel);
  if (o.ckaKind !== undefined) fig.ckaKind = String(o.ckaKind);
  if (o.highlight)
    fig.highlight = o.highlight.map(([r, c], i) => [
      checkInt(`ckaMatrix: highlight[${i}][0]`, r, 0, R - 1),
      checkInt(`ckaMatrix: highlight[${i}][1]`, c, 0, C - 1),
    ]);
  return checkSize(fig);
}
