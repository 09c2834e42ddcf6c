/**
 * Static fallbacks: a self-contained SVG (no scripts, no external references; images inlined as data: PNG)
 * for every figure kind, a one-line text summary, and the MIME bundle `show()` emits. Pure TS (node and browser).
 */
import type {
  Figure,
  HeatmapFigure,
  SeriesFigure,
  ImageOverlayFigure,
  TableFigure,
  CrossbarMapFigure,
  SparsityPatternFigure,
  CkaMatrixFigure,
  ColorScale,
  MimeBundle,
} from './types';
import { mimeOf } from './types';
import { unpack } from './codec';
import { color, colorRgb, textOn, PALETTE } from './color';
import { fmt, formatCell } from './format';

export { fmt, formatCell };
import { encodePng, pngDataUrl } from './png';
import { InvalidInput, describe } from '../core/errors';

export interface Fallback {
  mime: 'image/svg+xml' | 'image/png';
  data: string;
}

/** Above this many cells a grid is drawn as one inlined PNG instead of one <rect> per cell. */
export const MAX_RECT_CELLS = 10000;

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
function minMax(a: ArrayLike<number>): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
const n2 = (v: number) => String(Math.round(v * 100) / 100);

function text(x: number, y: number, s: unknown, attrs = ''): string {
  return `<text x="${n2(x)}" y="${n2(y)}"${attrs ? ' ' + attrs : ''}>${esc(s)}</text>`;
}
function doc(w: number, h: number, body: string[], fig: { title?: string; caption?: string }): string {
  const top = fig.title ? 24 : 0;
  const bottom = fig.caption ? 20 : 0;
  const W = Math.ceil(w),
    H = Math.ceil(h + top + bottom);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
  ];
  if (fig.title) out.push(text(W / 2, 17, fig.title, 'text-anchor="middle" font-size="14" font-weight="bold" class="title"'));
  out.push(`<g transform="translate(0,${top})">`, ...body, '</g>');
  if (fig.caption) out.push(text(8, top + h + 14, fig.caption, 'font-size="11" fill="#555" class="caption"'));
  out.push('</svg>');
  return out.join('\n');
}

/** Cells of a grid: <rect class="cell"> each when small, else one pixelated PNG <image>. */
function grid(
  x0: number,
  y0: number,
  cw: number,
  ch: number,
  rows: number,
  cols: number,
  rgb: (i: number, j: number) => [number, number, number],
  title?: (i: number, j: number) => string,
): string[] {
  const out: string[] = [];
  if (rows * cols <= MAX_RECT_CELLS) {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        const [r, g, b] = rgb(i, j);
        const fill = `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
        const t = title ? `<title>${esc(title(i, j))}</title>` : '';
        out.push(
          `<rect class="cell" x="${n2(x0 + j * cw)}" y="${n2(y0 + i * ch)}" width="${n2(cw)}" height="${n2(ch)}" fill="${fill}">${t}</rect>`,
        );
      }
  } else {
    const px = new Uint8Array(rows * cols * 3);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) px.set(rgb(i, j).map(Math.round), (i * cols + j) * 3);
    out.push(
      `<image class="cells" x="${n2(x0)}" y="${n2(y0)}" width="${n2(cw * cols)}" height="${n2(ch * rows)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${pngDataUrl(encodePng(cols, rows, 3, px))}"/>`,
    );
  }
  return out;
}

function colorbar(x: number, y: number, h: number, scale: ColorScale, lo: number, hi: number, label?: string): string[] {
  const out: string[] = [];
  const steps = 32;
  for (let k = 0; k < steps; k++)
    out.push(
      `<rect x="${x}" y="${n2(y + (h * k) / steps)}" width="12" height="${n2(h / steps + 0.5)}" fill="${color(scale, 1 - k / (steps - 1))}"/>`,
    );
  out.push(`<rect class="colorbar" x="${x}" y="${y}" width="12" height="${n2(h)}" fill="none" stroke="#888"/>`);
  for (let k = 0; k <= 4; k++) out.push(text(x + 16, y + h - (h * k) / 4 + 4, fmt(lo + ((hi - lo) * k) / 4)));
  if (label) out.push(text(x + 6, y - 6, label, 'text-anchor="middle" class="value-label"'));
  return out;
}

interface MatrixView {
  rows: number;
  cols: number;
  values: (number | null)[];
  rowLabels?: string[];
  colLabels?: string[];
  xLabel?: string;
  yLabel?: string;
  valueLabel?: string;
  scale: ColorScale;
  zmin?: number;
  zmax?: number;
  annotate?: boolean;
  highlight?: [number, number][];
  width?: number;
  height?: number;
}

function matrixSvg(m: MatrixView): { w: number; h: number; body: string[] } {
  const finite = m.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const [fmin, fmax] = finite.length ? minMax(finite) : [0, 1];
  let lo = m.zmin ?? fmin;
  let hi = m.zmax ?? fmax;
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const maxLab = (ls?: string[]) => (ls ? Math.min(24, Math.max(...ls.map((l) => l.length))) : 0);
  const left = 8 + (m.yLabel ? 18 : 0) + (m.rowLabels ? maxLab(m.rowLabels) * 6.2 + 4 : 0);
  const rotate = !!m.colLabels && maxLab(m.colLabels) > 3;
  const top = 8 + (m.colLabels ? (rotate ? maxLab(m.colLabels) * 5.5 + 6 : 14) : 0);
  const availW = (m.width ?? 640) - left - 80,
    availH = (m.height ?? 480) - top - 30;
  const cell = Math.max(0.5, Math.min(48, availW / m.cols, availH / m.rows));
  const gw = cell * m.cols,
    gh = cell * m.rows;
  const body: string[] = [];
  const tOf = (v: number | null) => (v === null ? NaN : (v - lo) / (hi - lo));
  body.push(
    ...grid(
      left,
      top,
      cell,
      cell,
      m.rows,
      m.cols,
      (i, j) => colorRgb(m.scale, tOf(m.values[i * m.cols + j]!)),
      (i, j) => `${m.rowLabels?.[i] ?? i}, ${m.colLabels?.[j] ?? j}: ${fmt(m.values[i * m.cols + j])}`,
    ),
  );
  if (m.annotate && cell >= 14 && m.rows * m.cols <= 1600) {
    const fs = Math.min(11, cell / 3.2);
    for (let i = 0; i < m.rows; i++)
      for (let j = 0; j < m.cols; j++) {
        const v = m.values[i * m.cols + j]!;
        body.push(
          text(
            left + (j + 0.5) * cell,
            top + (i + 0.5) * cell + fs / 3,
            fmt(v),
            `text-anchor="middle" font-size="${n2(fs)}" fill="${textOn(m.scale, tOf(v))}" class="annot"`,
          ),
        );
      }
  }
  for (const [i, j] of m.highlight ?? [])
    body.push(
      `<rect class="highlight" x="${n2(left + j * cell)}" y="${n2(top + i * cell)}" width="${n2(cell)}" height="${n2(cell)}" fill="none" stroke="#e3120b" stroke-width="2.5"/>`,
    );
  if (m.rowLabels) {
    const step = Math.max(1, Math.ceil(12 / cell));
    for (let i = 0; i < m.rows; i += step)
      body.push(text(left - 4, top + (i + 0.5) * cell + 4, m.rowLabels[i]!.slice(0, 24), 'text-anchor="end" class="row-label"'));
  }
  if (m.colLabels) {
    const step = Math.max(1, Math.ceil((rotate ? 12 : 30) / cell));
    for (let j = 0; j < m.cols; j += step) {
      const x = left + (j + 0.5) * cell;
      body.push(
        rotate
          ? `<text x="${n2(x + 4)}" y="${top - 4}" transform="rotate(-60 ${n2(x + 4)} ${top - 4})" class="col-label">${esc(m.colLabels[j]!.slice(0, 24))}</text>`
          : text(x, top - 4, m.colLabels[j], 'text-anchor="middle" class="col-label"'),
      );
    }
  }
  if (m.xLabel) body.push(text(left + gw / 2, top + gh + 18, m.xLabel, 'text-anchor="middle" class="x-label"'));
  if (m.yLabel)
    body.push(
      `<text x="14" y="${n2(top + gh / 2)}" transform="rotate(-90 14 ${n2(top + gh / 2)})" text-anchor="middle" class="y-label">${esc(m.yLabel)}</text>`,
    );
  body.push(...colorbar(left + gw + 14, top, Math.max(60, gh), m.scale, lo, hi, m.valueLabel));
  return { w: left + gw + 70, h: top + Math.max(60, gh) + (m.xLabel ? 26 : 8), body };
}

function heatmapSvg(f: HeatmapFigure): string {
  const r = matrixSvg({ ...f, scale: f.colorScale ?? 'viridis' });
  return doc(r.w, r.h, r.body, f);
}

function ckaSvg(f: CkaMatrixFigure): string {
  const r = matrixSvg({
    rows: f.rowLabels.length,
    cols: f.colLabels.length,
    values: f.values,
    rowLabels: f.rowLabels,
    colLabels: f.colLabels,
    xLabel: f.colModel,
    yLabel: f.rowModel,
    valueLabel: f.ckaKind ? `CKA (${f.ckaKind})` : 'CKA',
    scale: 'magma',
    zmin: 0,
    zmax: 1,
    annotate: f.rowLabels.length * f.colLabels.length <= 400,
    highlight: f.highlight,
    width: f.width,
    height: f.height,
  });
  return doc(r.w, r.h, r.body, f);
}

/** "Nice" linear ticks (1/2/5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count,
    mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
}
function axisOf(vals: number[], log: boolean): Axis {
  const v = (log ? vals.filter((x) => x > 0).map(Math.log10) : vals).filter(Number.isFinite);
  let [lo, hi] = v.length ? minMax(v) : [0, 1];
  if (hi === lo) {
    lo -= log ? 0.5 : Math.abs(lo) * 0.1 || 1;
    hi += log ? 0.5 : Math.abs(hi) * 0.1 || 1;
  }
  const pad = log ? 0 : (hi - lo) * 0.05;
  return { lo: lo - pad, hi: hi + pad, log };
}
function ticksOf(a: Axis): number[] {
  if (!a.log) return niceTicks(a.lo, a.hi);
  // Powers of ten; within fewer than ~3 decades also 2× and 5× (log axes spanning one decade still get ticks).
  const mult = a.hi - a.lo < 3 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let k = Math.floor(a.lo) - 1; k <= Math.ceil(a.hi); k++)
    for (const m of mult) {
      const v = m * 10 ** k,
        lv = Math.log10(v);
      if (lv >= a.lo - 1e-9 && lv <= a.hi + 1e-9) out.push(Number(v.toPrecision(12)));
    }
  return out.length >= 2 ? out : [10 ** a.lo, 10 ** a.hi];
}

function seriesSvg(f: SeriesFigure): string {
  const W = f.width ?? 640,
    H = f.height ?? 380;
  const hasY2 = f.series.some((s) => s.axis === 'y2');
  const L = 64,
    R = hasY2 ? 64 : 20,
    T = 10,
    B = 46;
  const pw = W - L - R,
    ph = H - T - B;
  const xs = f.series.flatMap((s) => s.x).concat((f.marks ?? []).map((m) => m.x));
  const y1 = f.series
    .filter((s) => s.axis !== 'y2')
    .flatMap((s) => s.y)
    .concat(
      (f.marks ?? []).map((m) => m.y),
      (f.hlines ?? []).map((h) => h.y),
    );
  const ax = axisOf(xs, !!f.logX),
    ay = axisOf(y1, !!f.logY),
    ay2 = axisOf(
      f.series.filter((s) => s.axis === 'y2').flatMap((s) => s.y),
      false,
    );
  const tr = (a: Axis, v: number) => (a.log ? Math.log10(Math.max(v, 1e-300)) : v);
  const X = (v: number) => L + ((tr(ax, v) - ax.lo) / (ax.hi - ax.lo)) * pw;
  const Y = (v: number, a = ay) => T + ph - ((tr(a, v) - a.lo) / (a.hi - a.lo)) * ph;
  const body: string[] = [`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999" class="plot-area"/>`];
  for (const t of ticksOf(ax)) {
    const x = X(t);
    if (x < L - 0.5 || x > L + pw + 0.5) continue;
    body.push(
      `<line class="x-tick" x1="${n2(x)}" y1="${T}" x2="${n2(x)}" y2="${T + ph}" stroke="#eee"/>`,
      text(x, T + ph + 14, fmt(t), 'text-anchor="middle"'),
    );
  }
  for (const t of ticksOf(ay)) {
    const y = Y(t);
    if (y < T - 0.5 || y > T + ph + 0.5) continue;
    body.push(
      `<line class="y-tick" x1="${L}" y1="${n2(y)}" x2="${L + pw}" y2="${n2(y)}" stroke="#eee"/>`,
      text(L - 4, y + 4, fmt(t), 'text-anchor="end" class="y-tick-label"'),
    );
  }
  if (hasY2)
    for (const t of ticksOf(ay2)) {
      const y = Y(t, ay2);
      if (y >= T - 0.5 && y <= T + ph + 0.5) body.push(text(L + pw + 4, y + 4, fmt(t), 'class="y2-tick"'));
    }
  if (f.xLabel) body.push(text(L + pw / 2, H - 8, f.xLabel, 'text-anchor="middle" class="x-label"'));
  if (f.yLabel)
    body.push(
      `<text x="14" y="${n2(T + ph / 2)}" transform="rotate(-90 14 ${n2(T + ph / 2)})" text-anchor="middle" class="y-label">${esc(f.yLabel)}</text>`,
    );
  if (f.y2Label)
    body.push(
      `<text x="${W - 8}" y="${n2(T + ph / 2)}" transform="rotate(90 ${W - 8} ${n2(T + ph / 2)})" text-anchor="middle" class="y2-label">${esc(f.y2Label)}</text>`,
    );
  for (const h of f.hlines ?? []) {
    const y = Y(h.y),
      c = h.color ?? '#666';
    body.push(
      `<line class="hline" x1="${L}" y1="${n2(y)}" x2="${L + pw}" y2="${n2(y)}" stroke="${c}" stroke-dasharray="6 3"/>`,
      text(L + pw - 4, y - 4, h.label, `text-anchor="end" fill="${c}" class="hline-label"`),
    );
  }
  f.series.forEach((s, k) => {
    const c = s.color ?? PALETTE[k % PALETTE.length]!,
      a = s.axis === 'y2' ? ay2 : ay;
    const mode = s.mode ?? (s.x.length > 50 ? 'lines' : 'lines+markers');
    const pts = s.x.map((x, i) => `${n2(X(x))},${n2(Y(s.y[i]!, a))}`);
    const dash = s.dash === 'dash' ? ' stroke-dasharray="6 4"' : s.dash === 'dot' ? ' stroke-dasharray="2 3"' : '';
    if (mode !== 'markers')
      body.push(`<polyline class="trace" points="${pts.join(' ')}" fill="none" stroke="${c}" stroke-width="1.8"${dash}/>`);
    if (mode !== 'lines')
      for (const p of pts.slice(0, 2000)) {
        const [x, y] = p.split(',');
        body.push(`<circle class="marker" cx="${x}" cy="${y}" r="2.8" fill="${c}"/>`);
      }
  });
  for (const m of f.marks ?? []) {
    const x = X(m.x),
      y = Y(m.y),
      c = m.color ?? '#e3120b';
    body.push(
      `<circle class="mark" cx="${n2(x)}" cy="${n2(y)}" r="5" fill="none" stroke="${c}" stroke-width="2"/>`,
      text(x + 7, y - 7, m.label, `fill="${c}" class="mark-label"`),
    );
  }
  // Legend (top-left inside the plot).
  const lw = Math.min(220, 30 + Math.max(...f.series.map((s) => s.name.length)) * 6.2);
  body.push(
    `<rect class="legend" x="${L + 6}" y="${T + 6}" width="${n2(lw)}" height="${f.series.length * 15 + 6}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`,
  );
  f.series.forEach((s, k) => {
    const c = s.color ?? PALETTE[k % PALETTE.length]!,
      y = T + 17 + k * 15;
    body.push(
      `<line x1="${L + 12}" y1="${y - 4}" x2="${L + 30}" y2="${y - 4}" stroke="${c}" stroke-width="2"/>`,
      text(L + 34, y, s.name + (s.axis === 'y2' ? ' (right)' : ''), 'class="legend-item"'),
    );
  });
  return doc(W, H, body, f);
}

function tableSvg(f: TableFigure): string {
  const head = f.columns.map((c) => (c.unit ? `${c.label} (${c.unit})` : c.label));
  const cells = f.rows.map((r) => f.columns.map((c) => formatCell(r[c.key], c.format)));
  const widths = f.columns.map((_, j) => 16 + 6.6 * Math.max(head[j]!.length, ...cells.map((r) => r[j]!.length)));
  const rowH = 20,
    W = widths.reduce((a, b) => a + b, 0) + 2;
  const body: string[] = [];
  const hl = new Set(f.highlightRows ?? []);
  body.push(`<rect x="1" y="1" width="${n2(W - 2)}" height="${rowH}" fill="#eef1f5"/>`);
  cells.forEach((_, i) => {
    if (hl.has(i))
      body.push(`<rect class="highlight-row" x="1" y="${1 + (i + 1) * rowH}" width="${n2(W - 2)}" height="${rowH}" fill="#fff3bf"/>`);
  });
  const numeric = f.columns.map((c) => f.rows.some((r) => typeof r[c.key] === 'number'));
  let x = 1;
  f.columns.forEach((_, j) => {
    const w = widths[j]!;
    const tx = numeric[j] ? x + w - 8 : x + 8,
      anchor = numeric[j] ? ' text-anchor="end"' : '';
    body.push(`<text x="${n2(tx)}" y="${15}" font-weight="bold" class="th"${anchor}>${esc(head[j])}</text>`);
    cells.forEach((r, i) =>
      body.push(
        `<text x="${n2(tx)}" y="${15 + (i + 1) * rowH}" class="td"${anchor}${hl.has(i) ? ' font-weight="bold"' : ''}>${esc(r[j])}</text>`,
      ),
    );
    x += w;
  });
  for (let i = 0; i <= cells.length + 1; i++)
    body.push(
      `<line x1="1" y1="${1 + i * rowH}" x2="${n2(W - 1)}" y2="${1 + i * rowH}" stroke="${i <= 1 || i === cells.length + 1 ? '#888' : '#ddd'}"/>`,
    );
  return doc(W, (cells.length + 1) * rowH + 4, body, f);
}

function crossbarSvg(f: CrossbarMapFigure): string {
  const cells = unpack(f.cells),
    maxS = (1 << f.bitsPerCell) - 1;
  const changed = f.changed ? unpack(f.changed) : undefined,
    stuck = f.stuck ? unpack(f.stuck) : undefined;
  const cell = Math.max(1, Math.min(16, 620 / f.cols, 560 / f.rows));
  const L = 40,
    T = f.cols * cell >= 6 * f.cols && f.cols <= 64 ? 30 : 16;
  const gw = cell * f.cols,
    gh = cell * f.rows;
  const many = (changed ? sum(changed) : 0) > 3000 || f.rows * f.cols > MAX_RECT_CELLS;
  const body: string[] = [];
  body.push(
    ...grid(
      L,
      T,
      cell,
      cell,
      f.rows,
      f.cols,
      (i, j) => {
        const k = i * f.cols + j;
        if (many && changed?.[k]) return [255, 140, 0];
        const t = cells[k]! / maxS;
        return [255 - 225 * t, 255 - 185 * t, 255 - 120 * t];
      },
      (i, j) =>
        `row ${i}${f.rowSource ? (f.rowSource[i]! < 0 ? ' (padding)' : ` (input ${f.rowSource[i]})`) : ''}, col ${j} (out ${f.columnOutput[j]}, bit ${f.columnBit[j]}${f.columnSign ? ' ' + f.columnSign[j] : ''}): ${cells[i * f.cols + j]}`,
    ),
  );
  // Column groups: a thick line where the logical output changes, bit labels on top.
  for (let j = 1; j < f.cols; j++) {
    if (f.columnOutput[j] !== f.columnOutput[j - 1] || (f.columnSign && f.columnSign[j] !== f.columnSign[j - 1])) {
      body.push(
        `<line class="group-line" x1="${n2(L + j * cell)}" y1="${T - 4}" x2="${n2(L + j * cell)}" y2="${n2(T + gh)}" stroke="#333" stroke-width="1.5"/>`,
      );
    }
  }
  if (T === 30)
    for (let j = 0; j < f.cols; j++)
      body.push(
        text(
          L + (j + 0.5) * cell,
          T - 4,
          f.columnBit[j]! < 0 ? '' : f.columnBit[j] === f.weightBits ? 's' : `b${f.columnBit[j]}`,
          `text-anchor="middle" font-size="${n2(Math.min(9, cell * 0.7))}" class="bit-label"`,
        ),
      );
  let start = 0;
  for (let j = 1; j <= f.cols; j++)
    if (j === f.cols || f.columnOutput[j] !== f.columnOutput[start]) {
      if ((j - start) * cell >= 14 && f.columnOutput[start]! >= 0)
        body.push(
          text(
            L + ((start + j) / 2) * cell,
            T === 30 ? 12 : 11,
            `out ${f.columnOutput[start]}${f.columnSign ? f.columnSign[start] : ''}`,
            'text-anchor="middle" font-size="9" class="out-label"',
          ),
        );
      start = j;
    }
  for (const s of f.sectionStarts ?? [])
    if (s > 0)
      body.push(
        `<line class="section-line" x1="${L - 6}" y1="${n2(T + s * cell)}" x2="${n2(L + gw)}" y2="${n2(T + s * cell)}" stroke="#c2185b" stroke-width="1.5"/>`,
      );
  if (!many && changed)
    changed.forEach((c, k) => {
      if (c)
        body.push(
          `<rect class="changed" x="${n2(L + (k % f.cols) * cell + 0.5)}" y="${n2(T + Math.floor(k / f.cols) * cell + 0.5)}" width="${n2(cell - 1)}" height="${n2(cell - 1)}" fill="none" stroke="#ff8c00" stroke-width="${cell >= 6 ? 1.5 : 0.8}"/>`,
        );
    });
  if (stuck && sum(stuck) <= 3000)
    stuck.forEach((c, k) => {
      if (!c) return;
      const x = L + (k % f.cols) * cell,
        y = T + Math.floor(k / f.cols) * cell;
      body.push(
        `<path class="stuck" d="M${n2(x + 1)} ${n2(y + 1)}L${n2(x + cell - 1)} ${n2(y + cell - 1)}M${n2(x + cell - 1)} ${n2(y + 1)}L${n2(x + 1)} ${n2(y + cell - 1)}" stroke="#7b1fa2" stroke-width="1"/>`,
      );
    });
  for (const a of f.adcActive ?? [])
    for (const c of a.columns) {
      body.push(
        `<rect class="adc" x="${n2(L + c * cell)}" y="${n2(T + a.rowEnd * cell + 1)}" width="${n2(cell)}" height="3" fill="#2e7d32"><title>ADC active rows ${a.rowStart}–${a.rowEnd - 1}${a.adcBits ? `, ${a.adcBits} bits` : ''}</title></rect>`,
      );
    }
  // Row index ticks.
  const rstep = Math.max(1, Math.ceil(12 / cell));
  for (let i = 0; i < f.rows; i += rstep * Math.ceil(f.rows / rstep / 20))
    body.push(text(L - 8, T + (i + 0.5) * cell + 3, i, 'text-anchor="end" font-size="9"'));
  const ly = T + gh + 14;
  body.push(
    text(L, ly + 10, `${f.rows}×${f.cols} cells, ${f.bitsPerCell} bit/cell, ${f.weightBits}-bit weights · legend:`, 'font-size="10"'),
    `<rect x="${L}" y="${ly + 16}" width="10" height="10" fill="none" stroke="#ff8c00" stroke-width="1.5"/>`,
    text(L + 14, ly + 25, 'changed', 'font-size="10"'),
    `<line x1="${L + 70}" y1="${ly + 21}" x2="${L + 90}" y2="${ly + 21}" stroke="#c2185b" stroke-width="1.5"/>`,
    text(L + 94, ly + 25, 'section start', 'font-size="10"'),
    `<rect x="${L + 170}" y="${ly + 19}" width="10" height="3" fill="#2e7d32"/>`,
    text(L + 184, ly + 25, 'ADC active', 'font-size="10"'),
    `<path d="M${L + 250} ${ly + 16}l8 8m0 -8l-8 8" stroke="#7b1fa2"/>`,
    text(L + 262, ly + 25, 'stuck', 'font-size="10"'),
  );
  return doc(Math.max(L + gw + 12, 340), ly + 32, body, f);
}

function sparsitySvg(f: SparsityPatternFigure): string {
  const d = unpack(f.density),
    [gR, gC] = f.density.shape as [number, number];
  const size = Math.min(f.width ?? 480, f.height ?? 480) - 60;
  const sx = size / Math.max(f.rows, f.cols);
  const gw = f.cols * sx,
    gh = f.rows * sx,
    L = 46,
    T = 14;
  const body: string[] = [`<rect x="${L}" y="${T}" width="${n2(gw)}" height="${n2(gh)}" fill="#fff" stroke="#888"/>`];
  body.push(
    ...grid(
      L,
      T,
      gw / gC,
      gh / gR,
      gR,
      gC,
      (i, j) => {
        const v = d[i * gC + j]!;
        return v === 0 ? [255, 255, 255] : colorRgb('blues', 0.25 + 0.75 * v);
      },
      (i, j) => `density ${fmt(d[i * gC + j])}`,
    ),
  );
  const ranges = (ix: number[]) => {
    const out: [number, number][] = [];
    for (const i of ix) {
      const last = out[out.length - 1];
      if (last && last[1] === i) last[1] = i + 1;
      else out.push([i, i + 1]);
    }
    return out;
  };
  for (const [a, b] of ranges(f.skippedRows ?? []))
    body.push(
      `<rect class="skipped-row" x="${L - 8}" y="${n2(T + a * sx)}" width="5" height="${n2(Math.max(0.6, (b - a) * sx))}" fill="#e3120b"><title>rows ${a}–${b - 1} skipped</title></rect>`,
    );
  for (const [a, b] of ranges(f.skippedCols ?? []))
    body.push(
      `<rect class="skipped-col" x="${n2(L + a * sx)}" y="${T + gh + 3}" width="${n2(Math.max(0.6, (b - a) * sx))}" height="5" fill="#e3120b"><title>cols ${a}–${b - 1} skipped</title></rect>`,
    );
  if (f.tiles) {
    const nR = Math.ceil(f.rows / f.tiles.tileRows),
      nC = Math.ceil(f.cols / f.tiles.tileCols);
    if (nR <= 64)
      for (let i = 1; i < nR; i++)
        body.push(
          `<line class="tile-line" x1="${L}" y1="${n2(T + i * f.tiles.tileRows * sx)}" x2="${n2(L + gw)}" y2="${n2(T + i * f.tiles.tileRows * sx)}" stroke="#f28e2b" stroke-width="0.7"/>`,
        );
    if (nC <= 64)
      for (let j = 1; j < nC; j++)
        body.push(
          `<line class="tile-line" x1="${n2(L + j * f.tiles.tileCols * sx)}" y1="${T}" x2="${n2(L + j * f.tiles.tileCols * sx)}" y2="${n2(T + gh)}" stroke="#f28e2b" stroke-width="0.7"/>`,
        );
  }
  body.push(
    text(L - 10, T + 8, '0', 'text-anchor="end" font-size="9"'),
    text(L - 10, T + gh, f.rows - 1, 'text-anchor="end" font-size="9"'),
    text(L + gw, T + gh + 18, f.cols - 1, 'text-anchor="end" font-size="9"'),
  );
  const dens = f.nnz / (f.rows * f.cols);
  const stats =
    `${f.rows}×${f.cols}, nnz ${f.nnz} (${(dens * 100).toPrecision(3)}% dense), grid ${gR}×${gC}` +
    `${f.skippedRows?.length ? `, ${f.skippedRows.length} rows` : ''}${f.skippedCols?.length ? `, ${f.skippedCols.length} cols` : ''}${f.skippedRows?.length || f.skippedCols?.length ? ' skipped (red)' : ''}` +
    `${f.tiles ? `, tiles ${f.tiles.tileRows}×${f.tiles.tileCols}${f.tiles.label ? ' ' + f.tiles.label : ''}` : ''}`;
  body.push(text(8, T + gh + 32, stats, 'class="stats"'));
  return doc(Math.max(L + gw + 16, 380, 16 + stats.length * 6), T + gh + 40, body, f);
}

function imageSvg(f: ImageOverlayFigure): string {
  const { width: w, height: h, channels } = f.image;
  const px = unpack(f.image.data) as Uint8Array;
  const s = f.width ? f.width / w : Math.max(1, Math.min(8, Math.floor(400 / Math.max(w, h))));
  const body: string[] = [
    `<image class="img" x="0" y="0" width="${n2(w * s)}" height="${n2(h * s)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${pngDataUrl(encodePng(w, h, channels, px))}"/>`,
  ];
  for (const b of f.boxes ?? []) {
    const c = b.color ?? '#00e676';
    body.push(
      `<rect class="box" x="${n2(b.x * s)}" y="${n2(b.y * s)}" width="${n2(b.w * s)}" height="${n2(b.h * s)}" fill="none" stroke="${c}" stroke-width="2"/>`,
    );
    if (b.label) body.push(text(b.x * s + 2, b.y * s - 3, b.label, `fill="${c}" font-weight="bold" class="box-label"`));
  }
  for (const a of f.arrows ?? []) {
    const c = a.color ?? '#ffd600',
      x1 = a.x * s,
      y1 = a.y * s,
      x2 = (a.x + a.dx) * s,
      y2 = (a.y + a.dy) * s;
    const ang = Math.atan2(y2 - y1, x2 - x1),
      hl = 8;
    const p = (da: number) => `${n2(x2 - hl * Math.cos(ang + da))},${n2(y2 - hl * Math.sin(ang + da))}`;
    body.push(
      `<g class="arrow"><line x1="${n2(x1)}" y1="${n2(y1)}" x2="${n2(x2)}" y2="${n2(y2)}" stroke="${c}" stroke-width="2"/><polygon points="${n2(x2)},${n2(y2)} ${p(0.4)} ${p(-0.4)}" fill="${c}"/></g>`,
    );
    if (a.label) body.push(text(x2 + 4, y2, a.label, `fill="${c}" class="arrow-label"`));
  }
  for (const p of f.points ?? []) {
    const c = p.color ?? '#ff1744';
    body.push(`<circle class="point" cx="${n2(p.x * s)}" cy="${n2(p.y * s)}" r="4" fill="${c}" stroke="#fff" stroke-width="1"/>`);
    if (p.label) body.push(text(p.x * s + 6, p.y * s - 6, p.label, `fill="${c}" class="point-label"`));
  }
  return doc(w * s, h * s, body, f);
}

/** The static fallback for a figure (always SVG; image-overlay embeds a PNG inside the SVG). */
export function fallback(fig: Figure): Fallback {
  switch (fig?.kind) {
    case 'heatmap':
      return { mime: 'image/svg+xml', data: heatmapSvg(fig) };
    case 'series':
      return { mime: 'image/svg+xml', data: seriesSvg(fig) };
    case 'image-overlay':
      return { mime: 'image/svg+xml', data: imageSvg(fig) };
    case 'table':
      return { mime: 'image/svg+xml', data: tableSvg(fig) };
    case 'crossbar-map':
      return { mime: 'image/svg+xml', data: crossbarSvg(fig) };
    case 'sparsity-pattern':
      return { mime: 'image/svg+xml', data: sparsitySvg(fig) };
    case 'cka-matrix':
      return { mime: 'image/svg+xml', data: ckaSvg(fig) };
    default:
      throw new InvalidInput(`fallback: unknown figure kind ${describe((fig as { kind?: unknown })?.kind)}`);
  }
}

/** One-line text/plain summary. */
export function summary(fig: Figure): string {
  const t = fig.title ? `${fig.title}: ` : '';
  switch (fig.kind) {
    case 'heatmap': {
      const v = fig.values.filter((x): x is number => x !== null);
      const [lo, hi] = minMax(v);
      return `${t}heatmap ${fig.rows}×${fig.cols}${fig.valueLabel ? ` of ${fig.valueLabel}` : ''}${v.length ? `, range ${fmt(lo)}…${fmt(hi)}` : ''}`;
    }
    case 'series':
      return `${t}series: ${fig.series.map((s) => `${s.name} (${s.x.length} pts${s.y.length ? `, last ${fmt(s.y[s.y.length - 1])}` : ''})`).join('; ')}`;
    case 'image-overlay':
      return `${t}image ${fig.image.width}×${fig.image.height}×${fig.image.channels} with ${fig.points?.length ?? 0} points, ${fig.boxes?.length ?? 0} boxes, ${fig.arrows?.length ?? 0} arrows`;
    case 'table':
      return `${t}table ${fig.rows.length} rows × ${fig.columns.length} columns (${fig.columns.map((c) => c.label).join(', ')})`;
    case 'crossbar-map': {
      const ch = fig.changed ? sum(unpack(fig.changed)) : undefined;
      return `${t}crossbar ${fig.rows}×${fig.cols}, ${fig.bitsPerCell} bit/cell, ${fig.sectionStarts?.length ?? 1} section(s)${ch !== undefined ? `, ${ch} changed cells` : ''}`;
    }
    case 'sparsity-pattern':
      return `${t}sparsity ${fig.rows}×${fig.cols}, nnz ${fig.nnz} (${((fig.nnz / (fig.rows * fig.cols)) * 100).toPrecision(3)}% dense)${fig.skippedRows?.length ? `, ${fig.skippedRows.length} empty rows` : ''}${fig.skippedCols?.length ? `, ${fig.skippedCols.length} empty cols` : ''}`;
    case 'cka-matrix': {
      let best = 0;
      fig.values.forEach((v, i) => {
        if (v > fig.values[best]!) best = i;
      });
      const C = fig.colLabels.length;
      return `${t}CKA ${fig.rowLabels.length}×${C}${fig.ckaKind ? ` (${fig.ckaKind})` : ''}, max ${fmt(fig.values[best])} at ${fig.rowLabels[Math.floor(best / C)]} ↔ ${fig.colLabels[best % C]}`;
    }
  }
}

/** The display bundle: the payload under its vendor MIME, the static fallback, and the summary. */
export function toBundle(fig: Figure): MimeBundle {
  const fb = fallback(fig);
  return { [mimeOf(fig.kind)]: fig, [fb.mime]: fb.data, 'text/plain': summary(fig) };
}
