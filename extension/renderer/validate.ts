/**
 * Payload validation: a figure read from an output item is checked against the contract in kernel/viz/types.ts
 * before anything is drawn. Every failure is a PayloadError whose message names the field, the bad value and
 * what was expected (the renderer shows it in an error box). Packed arrays are size-checked without decoding.
 */
import { FIGURE_KINDS, FIGURE_VERSION, type Figure, type FigureKind, type Packed } from '../../kernel/viz/types';
import { COLOR_SCALES } from './colors';
import { PayloadError, DTYPE_BYTES, base64ByteLength, byteLength, elementCount, short } from './packed';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function fail(msg: string): never {
  throw new PayloadError(msg);
}

function int(o: Obj, key: string, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (!isInt(v) || v < min || v > max) fail(`${path}.${key} must be an integer in [${min}, ${max}], got ${short(v)}`);
  return v;
}
function optNum(o: Obj, key: string, path: string): void {
  if (o[key] !== undefined && !isNum(o[key])) fail(`${path}.${key} must be a finite number, got ${short(o[key])}`);
}
function optStr(o: Obj, key: string, path: string): void {
  if (o[key] !== undefined && typeof o[key] !== 'string') fail(`${path}.${key} must be a string, got ${short(o[key])}`);
}
function optBool(o: Obj, key: string, path: string): void {
  if (o[key] !== undefined && typeof o[key] !== 'boolean') fail(`${path}.${key} must be true or false, got ${short(o[key])}`);
}
function optEnum(o: Obj, key: string, path: string, allowed: readonly string[]): void {
  if (o[key] !== undefined && !allowed.includes(o[key] as string))
    fail(`${path}.${key} must be one of ${allowed.join(', ')}, got ${short(o[key])}`);
}
function arr(o: Obj, key: string, path: string, len?: number): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}.${key} must be an array, got ${short(v)}`);
  if (len !== undefined && v.length !== len) fail(`${path}.${key} must have ${len} entries, got ${v.length}`);
  return v;
}
function optArr(o: Obj, key: string, path: string, len?: number): unknown[] | undefined {
  return o[key] === undefined ? undefined : arr(o, key, path, len);
}
function numbers(a: unknown[], path: string, allowNull = false): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!(isNum(v) || (allowNull && v === null)))
      fail(`${path}[${i}] must be a finite number${allowNull ? ' or null' : ''}, got ${short(v)}`);
  }
}
function ints(a: unknown[], path: string, min: number, max: number): void {
  for (let i = 0; i < a.length; i++)
    if (!isInt(a[i]) || (a[i] as number) < min || (a[i] as number) > max)
      fail(`${path}[${i}] must be an integer in [${min}, ${max}], got ${short(a[i])}`);
}
function strings(a: unknown[], path: string): void {
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') fail(`${path}[${i}] must be a string, got ${short(a[i])}`);
}
function objects(a: unknown[], path: string, each: (o: Obj, p: string) => void): void {
  a.forEach((v, i) => {
    if (!isObj(v)) fail(`${path}[${i}] must be an object, got ${short(v)}`);
    each(v, `${path}[${i}]`);
  });
}

/** Check a Packed array's dtype, shape (optionally exact, or its element count) and byte count. */
export function checkPacked(
  v: unknown,
  path: string,
  want: { dtypes?: Packed['dtype'][]; shape?: number[]; count?: number; ndim?: number } = {},
): Packed {
  if (!isObj(v)) fail(`${path} must be a Packed array {dtype, shape, b64}, got ${short(v)}`);
  const dtype = v.dtype as Packed['dtype'];
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES))
    fail(`${path}.dtype must be one of ${Object.keys(DTYPE_BYTES).join(', ')}, got ${short(v.dtype)}`);
  if (want.dtypes && !want.dtypes.includes(dtype)) fail(`${path}.dtype must be ${want.dtypes.join(' or ')}, got ${short(dtype)}`);
  const n = elementCount(v.shape, path);
  const shape = v.shape as number[];
  if (want.ndim !== undefined && shape.length !== want.ndim)
    fail(`${path}.shape must have ${want.ndim} dimensions, got [${shape.join(', ')}]`);
  if (want.shape && (shape.length !== want.shape.length || shape.some((d, i) => d !== want.shape![i])))
    fail(`${path}.shape must be [${want.shape.join(', ')}], got [${shape.join(', ')}]`);
  if (want.count !== undefined && n !== want.count)
    fail(`${path} must hold ${want.count} elements, its shape [${shape.join(', ')}] holds ${n}`);
  if (typeof v.b64 !== 'string') fail(`${path}.b64 must be a base64 string, got ${short(v.b64)}`);
  const need = byteLength(dtype, n),
    got = base64ByteLength(v.b64);
  if (need !== got) fail(`${path}: ${dtype} of shape [${shape.join(', ')}] needs ${need} bytes, its base64 holds ${got}`);
  return v as unknown as Packed;
}

const CHECKS: { [K in FigureKind]: (f: Obj, p: string) => void } = {
  heatmap(f, p) {
    const rows = int(f, 'rows', p, 1),
      cols = int(f, 'cols', p, 1);
    numbers(arr(f, 'values', p, rows * cols), `${p}.values`, true);
    const rl = optArr(f, 'rowLabels', p, rows);
    if (rl) strings(rl, `${p}.rowLabels`);
    const cl = optArr(f, 'colLabels', p, cols);
    if (cl) strings(cl, `${p}.colLabels`);
    for (const k of ['xLabel', 'yLabel', 'valueLabel']) optStr(f, k, p);
    optEnum(f, 'colorScale', p, COLOR_SCALES);
    optNum(f, 'zmin', p);
    optNum(f, 'zmax', p);
    optBool(f, 'annotate', p);
  },
  series(f, p) {
    objects(arr(f, 'series', p), `${p}.series`, (s, sp) => {
      if (typeof s.name !== 'string') fail(`${sp}.name must be a string, got ${short(s.name)}`);
      const x = arr(s, 'x', sp),
        y = arr(s, 'y', sp, x.length);
      numbers(x, `${sp}.x`);
      numbers(y, `${sp}.y`, true);
      optEnum(s, 'mode', sp, ['lines', 'markers', 'lines+markers']);
      optStr(s, 'color', sp);
      optEnum(s, 'dash', sp, ['solid', 'dash', 'dot']);
      optEnum(s, 'axis', sp, ['y', 'y2']);
    });
    for (const k of ['xLabel', 'yLabel', 'y2Label']) optStr(f, k, p);
    optBool(f, 'logX', p);
    optBool(f, 'logY', p);
    const marks = optArr(f, 'marks', p);
    if (marks)
      objects(marks, `${p}.marks`, (m, mp) => {
        optNum(m, 'x', mp);
        optNum(m, 'y', mp);
        if (!isNum(m.x) || !isNum(m.y)) fail(`${mp} needs numeric x and y`);
        optStr(m, 'label', mp);
        optStr(m, 'color', mp);
      });
    const hl = optArr(f, 'hlines', p);
    if (hl)
      objects(hl, `${p}.hlines`, (h, hp) => {
        if (!isNum(h.y)) fail(`${hp}.y must be a finite number, got ${short(h.y)}`);
        optStr(h, 'label', hp);
        optStr(h, 'color', hp);
      });
  },
  'image-overlay'(f, p) {
    if (!isObj(f.image)) fail(`${p}.image must be an object {width, height, channels, data}, got ${short(f.image)}`);
    const ip = `${p}.image`;
    const w = int(f.image, 'width', ip, 1, 16384),
      h = int(f.image, 'height', ip, 1, 16384);
    if (![1, 3, 4].includes(f.image.channels as number)) fail(`${ip}.channels must be 1, 3 or 4, got ${short(f.image.channels)}`);
    checkPacked(f.image.data, `${ip}.data`, { dtypes: ['uint8'], count: w * h * (f.image.channels as number) });
    const xy = (o: Obj, op: string, keys: string[]) => {
      for (const k of keys) if (!isNum(o[k])) fail(`${op}.${k} must be a finite number, got ${short(o[k])}`);
      optStr(o, 'label', op);
      optStr(o, 'color', op);
    };
    const pts = optArr(f, 'points', p);
    if (pts) objects(pts, `${p}.points`, (o, op) => xy(o, op, ['x', 'y']));
    const bx = optArr(f, 'boxes', p);
    if (bx) objects(bx, `${p}.boxes`, (o, op) => xy(o, op, ['x', 'y', 'w', 'h']));
    const ar = optArr(f, 'arrows', p);
    if (ar) objects(ar, `${p}.arrows`, (o, op) => xy(o, op, ['x', 'y', 'dx', 'dy']));
  },
  table(f, p) {
    objects(arr(f, 'columns', p), `${p}.columns`, (c, cp) => {
      if (typeof c.key !== 'string') fail(`${cp}.key must be a string, got ${short(c.key)}`);
      if (typeof c.label !== 'string') fail(`${cp}.label must be a string, got ${short(c.label)}`);
      optStr(c, 'unit', cp);
      optEnum(c, 'format', cp, ['int', 'fixed1', 'fixed2', 'fixed3', 'fixed4', 'percent', 'sci', 'text']);
    });
    const rows = arr(f, 'rows', p);
    objects(rows, `${p}.rows`, (r, rp) => {
      for (const [k, v] of Object.entries(r))
        if (!(v === null || ['string', 'number', 'boolean'].includes(typeof v)))
          fail(`${rp}.${k} must be a string, number, boolean or null, got ${short(v)}`);
    });
    const hl = optArr(f, 'highlightRows', p);
    if (hl) ints(hl, `${p}.highlightRows`, 0, Math.max(0, rows.length - 1));
  },
  'crossbar-map'(f, p) {
    const rows = int(f, 'rows', p, 1, 1 << 16),
      cols = int(f, 'cols', p, 1, 1 << 16);
    if (f.bitsPerCell !== 1 && f.bitsPerCell !== 2) fail(`${p}.bitsPerCell must be 1 or 2, got ${short(f.bitsPerCell)}`);
    const wb = int(f, 'weightBits', p, 1, 32);
    checkPacked(f.cells, `${p}.cells`, { dtypes: ['uint8'], count: rows * cols });
    // −1 = unused physical column; columnBit = weightBits is the sign plane of sign-magnitude (as kernel/viz builds it).
    ints(arr(f, 'columnBit', p, cols), `${p}.columnBit`, -1, wb);
    ints(arr(f, 'columnOutput', p, cols), `${p}.columnOutput`, -1, Number.MAX_SAFE_INTEGER);
    const sg = optArr(f, 'columnSign', p, cols);
    if (sg)
      sg.forEach((s, i) => {
        if (s !== '+' && s !== '-') fail(`${p}.columnSign[${i}] must be '+' or '-', got ${short(s)}`);
      });
    const ss = optArr(f, 'sectionStarts', p);
    if (ss) ints(ss, `${p}.sectionStarts`, 0, rows - 1);
    if (f.changed !== undefined) checkPacked(f.changed, `${p}.changed`, { dtypes: ['bit', 'uint8'], count: rows * cols });
    if (f.stuck !== undefined) checkPacked(f.stuck, `${p}.stuck`, { dtypes: ['bit', 'uint8'], count: rows * cols });
    const adc = optArr(f, 'adcActive', p);
    if (adc)
      objects(adc, `${p}.adcActive`, (a, ap) => {
        const r0 = int(a, 'rowStart', ap, 0, rows);
        int(a, 'rowEnd', ap, r0, rows);
        ints(arr(a, 'columns', ap), `${ap}.columns`, 0, cols - 1);
        if (a.adcBits !== undefined) int(a, 'adcBits', ap, 1, 32);
      });
    if (f.weights !== undefined) {
      const w = checkPacked(f.weights, `${p}.weights`, { dtypes: ['int16', 'int8', 'int32'], ndim: 2 });
      if (w.shape[0] !== rows) fail(`${p}.weights.shape[0] must equal rows (${rows}), got ${w.shape[0]}`);
      const maxOut = Math.max(...(f.columnOutput as number[]));
      if (w.shape[1]! <= maxOut) fail(`${p}.weights.shape[1] (${w.shape[1]}) must exceed the largest columnOutput (${maxOut})`);
    }
    const rs = optArr(f, 'rowSource', p, rows);
    if (rs) ints(rs, `${p}.rowSource`, -1, Number.MAX_SAFE_INTEGER); // −1: a padding row (the layer has fewer inputs than rows)
  },
  'sparsity-pattern'(f, p) {
    const rows = int(f, 'rows', p, 1),
      cols = int(f, 'cols', p, 1);
    int(f, 'nnz', p, 0, rows * cols);
    checkPacked(f.density, `${p}.density`, { dtypes: ['float32'], ndim: 2 });
    const eb = optArr(f, 'exactBlocks', p);
    if (eb)
      objects(eb, `${p}.exactBlocks`, (b, bp) => {
        const r0 = int(b, 'row0', bp, 0, rows - 1),
          c0 = int(b, 'col0', bp, 0, cols - 1);
        const br = int(b, 'rows', bp, 1, Math.min(1024, rows - r0)),
          bc = int(b, 'cols', bp, 1, Math.min(1024, cols - c0));
        checkPacked(b.bits, `${bp}.bits`, { dtypes: ['bit'], count: br * bc });
      });
    if (f.tiles !== undefined) {
      if (!isObj(f.tiles)) fail(`${p}.tiles must be an object {tileRows, tileCols, density}, got ${short(f.tiles)}`);
      const tr = int(f.tiles, 'tileRows', `${p}.tiles`, 1),
        tc = int(f.tiles, 'tileCols', `${p}.tiles`, 1);
      checkPacked(f.tiles.density, `${p}.tiles.density`, { dtypes: ['float32'], shape: [Math.ceil(rows / tr), Math.ceil(cols / tc)] });
      optStr(f.tiles, 'label', `${p}.tiles`);
    }
    const sr = optArr(f, 'skippedRows', p);
    if (sr) ints(sr, `${p}.skippedRows`, 0, rows - 1);
    const sc = optArr(f, 'skippedCols', p);
    if (sc) ints(sc, `${p}.skippedCols`, 0, cols - 1);
  },
  'cka-matrix'(f, p) {
    const rl = arr(f, 'rowLabels', p),
      cl = arr(f, 'colLabels', p);
    strings(rl, `${p}.rowLabels`);
    strings(cl, `${p}.colLabels`);
    if (!rl.length || !cl.length) fail(`${p} needs at least one row and one column label`);
    numbers(arr(f, 'values', p, rl.length * cl.length), `${p}.values`);
    optStr(f, 'rowModel', p);
    optStr(f, 'colModel', p);
    optStr(f, 'ckaKind', p);
    const hl = optArr(f, 'highlight', p);
    if (hl)
      hl.forEach((h, i) => {
        if (
          !Array.isArray(h) ||
          h.length !== 2 ||
          !isInt(h[0]) ||
          !isInt(h[1]) ||
          h[0] < 0 ||
          h[0] >= rl.length ||
          h[1] < 0 ||
          h[1] >= cl.length
        ) {
          fail(`${p}.highlight[${i}] must be [row, col] inside the ${rl.length}×${cl.length} matrix, got ${short(h)}`);
        }
      });
  },
};

/**
 * Validate a payload and return it typed. `expectedKind` (from the output's MIME type) must match `payload.kind`.
 * Throws PayloadError with a readable message.
 */
export function validateFigure(payload: unknown, expectedKind?: FigureKind): Figure {
  if (!isObj(payload)) fail(`expected a figure object {kind, version, …}, got ${short(payload)}`);
  const kind = payload.kind;
  if (typeof kind !== 'string' || !(FIGURE_KINDS as readonly string[]).includes(kind))
    fail(`unknown figure kind ${short(kind)}; this renderer draws ${FIGURE_KINDS.join(', ')}`);
  if (expectedKind && kind !== expectedKind) fail(`the output's MIME type announces a ${expectedKind} figure but the payload is a ${kind}`);
  if (payload.version !== FIGURE_VERSION) {
    fail(
      `${kind} payload version ${short(payload.version)} is not supported; this renderer reads version ${FIGURE_VERSION}` +
        (isInt(payload.version) && payload.version > FIGURE_VERSION ? ' (update the EdgeLab extension)' : ''),
    );
  }
  optStr(payload, 'title', kind);
  optStr(payload, 'caption', kind);
  for (const k of ['width', 'height'])
    if (payload[k] !== undefined && !(isNum(payload[k]) && (payload[k] as number) > 0))
      fail(`${kind}.${k} must be a positive number, got ${short(payload[k])}`);
  CHECKS[kind as FigureKind](payload, kind);
  return payload as unknown as Figure;
}

/** The figure kind a MIME type names (application/vnd.edgelab.<kind>.v1+json), else undefined. */
export function kindOfMime(mime: string): FigureKind | undefined {
  const m = /^application\/vnd\.edgelab\.([a-z-]+)\.v(\d+)\+json$/.exec(mime);
  return m && (FIGURE_KINDS as readonly string[]).includes(m[1]!) ? (m[1] as FigureKind) : undefined;
}
