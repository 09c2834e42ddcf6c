/**
 * Crossbar map on a canvas: cells grouped by logical output (each group = that output's bit slices) or, with the
 * toggle, by bit significance; colored by bit significance and cell state; row-section boundaries; changed cells outlined (orange), stuck
 * cells crossed (purple); ADC-active columns marked in green above their section, inactive ones dimmed.
 * Hover shows row, input row, column, output, bit, sign, cell state and the quantized weight.
 */
import type { CrossbarMapFigure } from '../../../kernel/viz/types';
import { mix, toHex, type Rgb } from '../colors';
import {
  arrangeColumns,
  cellColor,
  crossbarLayout,
  hitCell,
  sectionOf,
  type ColumnGrouping,
  type CrossbarLayout,
} from '../crossbar-layout';
import { decodePacked } from '../packed';
import type { Theme } from '../theme';
import { availableWidth, h, hidpiCanvas, legend, localXY, makeFrame, setMounted, tooltip } from './common';

const CHANGED = '#ff8c00',
  STUCK = '#9c27b0',
  SECTION = '#d81b60',
  ADC = '#2e9d3a';
const CHANGED_RGB: Rgb = [255, 140, 0],
  STUCK_RGB: Rgb = [156, 39, 176];

export interface CrossbarData {
  cells: Uint8Array;
  changed?: Uint8Array;
  stuck?: Uint8Array;
  weights?: ArrayLike<number>;
  logicalCols: number;
  /** Per section index: set of ADC-active columns (undefined = no ADC info for that section). */
  adc: (Set<number> | undefined)[];
  adcBits: (number | undefined)[];
}

export function decodeCrossbar(f: CrossbarMapFigure, l: CrossbarLayout): CrossbarData {
  const cells = decodePacked(f.cells, 'cells') as Uint8Array;
  const changed = f.changed ? (decodePacked(f.changed, 'changed') as Uint8Array) : undefined;
  const stuck = f.stuck ? (decodePacked(f.stuck, 'stuck') as Uint8Array) : undefined;
  const weights = f.weights ? decodePacked(f.weights, 'weights') : undefined;
  const adc: (Set<number> | undefined)[] = l.sections.map(() => undefined);
  const adcBits: (number | undefined)[] = l.sections.map(() => undefined);
  for (const a of f.adcActive ?? []) {
    // An entry applies to every section whose rows it covers (one entry may span the whole array).
    l.sections.forEach((s, i) => {
      if ((a.rowStart <= s.start && a.rowEnd >= s.end) || (a.rowStart >= s.start && a.rowStart < s.end)) {
        adc[i] = new Set([...(adc[i] ?? []), ...a.columns]);
        adcBits[i] = a.adcBits ?? adcBits[i];
      }
    });
  }
  return { cells, changed, stuck, weights, logicalCols: f.weights?.shape[1] ?? 0, adc, adcBits };
}

/** Tooltip text for cell (row, col). */
export function crossbarTooltip(f: CrossbarMapFigure, d: CrossbarData, l: CrossbarLayout, row: number, col: number): string {
  const k = row * f.cols + col;
  const out = f.columnOutput[col]!,
    sign = f.columnSign?.[col];
  const si = sectionOf(l, row);
  const lines = [
    `row ${row}${f.rowSource ? (f.rowSource[row]! < 0 ? ' (padding)' : ` (input ${f.rowSource[row]})`) : ''}, column ${col}`,
    out < 0 || f.columnBit[col]! < 0
      ? 'unused column'
      : f.columnBit[col]! >= f.weightBits
        ? `output ${out}${sign ? ` (${sign})` : ''}, sign bit`
        : `output ${out}${sign ? ` (${sign})` : ''}, bit ${f.columnBit[col]} of ${f.weightBits}`,
    `cell state ${d.cells[k]}${f.bitsPerCell > 1 ? ` / ${(1 << f.bitsPerCell) - 1}` : ''}`,
  ];
  if (d.weights && out >= 0) lines.push(`weight ${d.weights[row * d.logicalCols + out]}`);
  if (l.sections.length > 1) lines.push(`section ${si} (rows ${l.sections[si]!.start}–${l.sections[si]!.end - 1})`);
  const a = d.adc[si];
  if (a) lines.push(a.has(col) ? `ADC active${d.adcBits[si] ? ` (${d.adcBits[si]} bits)` : ''}` : 'ADC off');
  const flags = [d.changed?.[k] ? 'changed' : '', d.stuck?.[k] ? 'stuck (change skipped)' : ''].filter(Boolean);
  if (flags.length) lines.push(flags.join(', '));
  return lines.join('\n');
}

export function renderCrossbar(el: HTMLElement, f: CrossbarMapFigure, theme: Theme): void {
  const fr = makeFrame(el, f);
  const doc = el.ownerDocument;
  const controls = h(doc, 'div', 'edgelab-controls');
  const label = h(doc, 'label', undefined, 'group columns by ');
  const select = h(doc, 'select');
  select.className = 'edgelab-grouping';
  for (const [v, t] of [
    ['output', 'output (bit slices side by side)'],
    ['bit', 'bit significance'],
  ] as const) {
    const o = h(doc, 'option', undefined, t);
    o.value = v;
    select.appendChild(o);
  }
  label.appendChild(select);
  controls.appendChild(label);
  fr.body.appendChild(controls);
  const plot = h(doc, 'div');
  plot.style.position = 'relative';
  fr.body.appendChild(plot);
  let current = drawCrossbar(el, plot, f, theme, 'output');
  const ac = new AbortController();
  select.addEventListener(
    'change',
    () => {
      current.abort();
      plot.replaceChildren();
      current = drawCrossbar(el, plot, f, theme, select.value as ColumnGrouping);
    },
    { signal: ac.signal },
  );
  setMounted(el, {
    kind: 'crossbar-map',
    engine: 'canvas',
    root: fr.root,
    dispose: () => {
      ac.abort();
      current.abort();
    },
  });
}

/** Draw the map with one column arrangement into `host`; returns the controller that removes its listeners. */
function drawCrossbar(el: HTMLElement, host: HTMLElement, f: CrossbarMapFigure, theme: Theme, grouping: ColumnGrouping): AbortController {
  const doc = el.ownerDocument;
  const { order, keys } = arrangeColumns(f.columnBit, f.columnOutput, f.columnSign, f.weightBits, grouping);
  const colLabels = f.cols <= 96;
  const top = 16 + (colLabels ? 12 : 0) + 5;
  const maxW = availableWidth(el, f.width),
    maxH = f.height ?? Math.max(240, Math.min(900, 40 + f.rows * 18));
  const input = {
    rows: f.rows,
    cols: f.cols,
    groupKeys: keys,
    order,
    sectionStarts: f.sectionStarts,
    maxWidth: maxW,
    maxHeight: maxH,
    left: 44,
    top,
  };
  let l = crossbarLayout(input);
  if (l.cell < 12 && colLabels) l = crossbarLayout({ ...input, top: top - 12 });
  const d = decodeCrossbar(f, l);
  const { canvas, ctx } = hidpiCanvas(doc, l.width, l.height);
  const empty: Rgb = mix(theme.bgRgb, theme.fgRgb, theme.dark ? 0.12 : 0.07);
  const maxState = (1 << f.bitsPerCell) - 1;
  // Mark changed/stuck cells individually (outline, cross) when cells are big enough and marks are not too many;
  // otherwise they are painted into the cell colors.
  const marks = (d.changed?.reduce((a, v) => a + (v ? 1 : 0), 0) ?? 0) + (d.stuck?.reduce((a, v) => a + (v ? 1 : 0), 0) ?? 0);
  const fine = l.cell >= 4 && marks <= 20000;
  const last = f.cols - 1,
    bottom = l.rowY[f.rows - 1]! + l.cell;

  // Cells: one pixel per cell in an offscreen image (columns in display order), blitted per (section × group) block.
  const src = doc.createElement('canvas');
  src.width = f.cols;
  src.height = f.rows;
  const img = new ImageData(f.cols, f.rows);
  for (let r = 0; r < f.rows; r++)
    for (let j = 0; j < f.cols; j++) {
      const c = l.order[j]!,
        k = r * f.cols + c;
      let rgb = cellColor(d.cells[k]!, maxState, f.columnBit[c]!, f.weightBits, empty);
      if (!fine && d.stuck?.[k]) rgb = STUCK_RGB;
      else if (!fine && d.changed?.[k]) rgb = CHANGED_RGB;
      const o = 4 * (r * f.cols + j);
      img.data[o] = rgb[0];
      img.data[o + 1] = rgb[1];
      img.data[o + 2] = rgb[2];
      img.data[o + 3] = 255;
    }
  src.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  for (const s of l.sections)
    for (const g of l.groups) {
      const gw = g.end - g.start,
        sh = s.end - s.start;
      ctx.drawImage(src, g.start, s.start, gw, sh, l.dispX[g.start]!, l.rowY[s.start]!, gw * l.cell, sh * l.cell);
    }
  // Thin cell separators when cells are big enough to show them.
  if (l.cell >= 7) {
    ctx.strokeStyle = theme.background.startsWith('#') || theme.background.startsWith('rgb') ? theme.background : '#ffffff';
    ctx.globalAlpha = 0.7;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let j = 0; j < f.cols; j++) {
      const x = Math.round(l.dispX[j]!) + 0.5;
      ctx.moveTo(x, l.rowY[0]!);
      ctx.lineTo(x, bottom);
    }
    for (let r = 0; r < f.rows; r++) {
      const y = Math.round(l.rowY[r]!) + 0.5;
      ctx.moveTo(l.dispX[0]!, y);
      ctx.lineTo(l.dispX[last]! + l.cell, y);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  // ADC: dim inactive columns of each section, green bar above active ones.
  l.sections.forEach((s, si) => {
    const a = d.adc[si];
    if (!a) return;
    const y0 = l.rowY[s.start]!,
      hgt = (s.end - s.start) * l.cell;
    for (let c = 0; c < f.cols; c++) {
      if (a.has(c)) {
        ctx.fillStyle = ADC;
        ctx.fillRect(l.colX[c]!, y0 - 4, Math.max(1, l.cell), 3); // just above the section (the top margin for the first one)
      } else {
        ctx.fillStyle = theme.dark ? 'rgba(0,0,0,0.5)' : 'rgba(255,255,255,0.6)';
        ctx.fillRect(l.colX[c]!, y0, Math.max(1, l.cell), hgt);
      }
    }
  });
  if (fine) {
    const lw = l.cell >= 8 ? 1.5 : 1;
    ctx.lineWidth = lw;
    for (let k = 0; k < f.rows * f.cols; k++) {
      const ch = d.changed?.[k],
        st = d.stuck?.[k];
      if (!ch && !st) continue;
      const x = l.colX[k % f.cols]!,
        y = l.rowY[Math.floor(k / f.cols)]!;
      if (ch) {
        ctx.strokeStyle = CHANGED;
        ctx.strokeRect(x + lw / 2, y + lw / 2, l.cell - lw, l.cell - lw);
      }
      if (st) {
        ctx.strokeStyle = STUCK;
        ctx.beginPath();
        ctx.moveTo(x + 1, y + 1);
        ctx.lineTo(x + l.cell - 1, y + l.cell - 1);
        ctx.moveTo(x + l.cell - 1, y + 1);
        ctx.lineTo(x + 1, y + l.cell - 1);
        ctx.stroke();
      }
    }
  }
  // Section boundaries.
  ctx.strokeStyle = SECTION;
  ctx.lineWidth = 1.5;
  for (const s of l.sections.slice(1)) {
    const y = l.rowY[s.start]! - (l.rowGap ? l.rowGap - 1.5 : 0);
    ctx.beginPath();
    ctx.moveTo(l.left - 8, y);
    ctx.lineTo(l.right, y);
    ctx.stroke();
  }
  // Group boundaries when there are no gaps, only where groups are wide enough for a separator not to drown the cells.
  if (!l.colGap) {
    const minPx = l.groups.reduce((m, g) => Math.min(m, (g.end - g.start) * l.cell), Infinity);
    if (minPx >= 6) {
      ctx.strokeStyle = toHex(mix(theme.fgRgb, theme.bgRgb, minPx >= 16 ? 0.3 : 0.6));
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const g of l.groups.slice(1)) {
        const x = Math.round(l.dispX[g.start]!) + 0.5;
        ctx.moveTo(x, l.top - 4);
        ctx.lineTo(x, bottom);
      }
      ctx.stroke();
    }
  }
  // Labels: groups on top, per-column bit (or output, when grouped by bit) below them, row ticks on the left.
  ctx.fillStyle = theme.foreground;
  ctx.font = `10px ${theme.fontFamily}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  for (const g of l.groups) {
    const x0 = l.dispX[g.start]!,
      x1 = l.dispX[g.end - 1]! + l.cell;
    if (x1 - x0 >= ctx.measureText(g.key).width + 2) ctx.fillText(g.key, (x0 + x1) / 2, 11);
  }
  if (l.cell >= 12) {
    ctx.font = `${Math.min(9, l.cell * 0.6)}px ${theme.fontFamily}`;
    ctx.fillStyle = theme.muted;
    for (let c = 0; c < f.cols; c++) {
      if (f.columnBit[c]! < 0 || f.columnOutput[c]! < 0) continue;
      const t = grouping === 'bit' ? `o${f.columnOutput[c]}` : f.columnBit[c]! >= f.weightBits ? 's' : `b${f.columnBit[c]}`;
      ctx.fillText(t, l.colX[c]! + l.cell / 2, l.top - 7);
    }
  }
  ctx.textAlign = 'right';
  ctx.fillStyle = theme.muted;
  ctx.font = `9px ${theme.fontFamily}`;
  const step = Math.max(1, Math.ceil(14 / l.cell));
  const nice = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512, 1024].find((n) => n >= step) ?? step;
  for (let r = 0; r < f.rows; r += nice) ctx.fillText(String(r), l.left - 10, l.rowY[r]! + Math.min(l.cell, 12) / 2 + 3);

  canvas.dataset.cell = String(l.cell);
  canvas.dataset.left = String(l.left);
  canvas.dataset.top = String(l.top);
  canvas.dataset.colGap = String(l.colGap);
  canvas.dataset.rowGap = String(l.rowGap);
  canvas.dataset.grouping = grouping;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `crossbar ${f.rows}×${f.cols}, ${f.bitsPerCell} bit per cell, ${l.sections.length} section(s)`);
  host.appendChild(canvas);
  const entries: [string, string, string?][] = [
    ['low bit', toHex(cellColor(maxState, maxState, 0, f.weightBits, empty))],
    ['high bit', toHex(cellColor(maxState, maxState, f.weightBits - 1, f.weightBits, empty))],
    ['empty', toHex(empty)],
  ];
  if (f.columnBit.some((b) => b >= f.weightBits))
    entries.push(['sign', toHex(cellColor(maxState, maxState, f.weightBits, f.weightBits, empty))]);
  if (f.columnBit.some((b) => b < 0)) entries.push(['unused', toHex(cellColor(0, maxState, -1, f.weightBits, empty))]);
  if (f.changed) entries.push(['changed', fine ? 'transparent' : CHANGED, CHANGED]);
  if (f.stuck) entries.push(['stuck', STUCK]);
  if (l.sections.length > 1) entries.push(['section start', SECTION]);
  if (f.adcActive) entries.push(['ADC active', ADC]);
  const lg = legend(doc, entries);
  const stats = doc.createElement('span');
  stats.className = 'edgelab-status';
  const count = (a?: Uint8Array) => (a ? a.reduce((s, v) => s + (v ? 1 : 0), 0) : 0);
  stats.textContent =
    `${f.rows}×${f.cols} cells, ${f.bitsPerCell} bit/cell, ${f.weightBits}-bit weights, ${l.sections.length} section(s)` +
    `${f.changed ? `, ${count(d.changed)} changed` : ''}${f.stuck ? `, ${count(d.stuck)} stuck` : ''}`;
  lg.appendChild(stats);
  host.appendChild(lg);

  const tip = tooltip(host);
  const ac = new AbortController();
  canvas.addEventListener(
    'mousemove',
    (e) => {
      const [x, y] = localXY(canvas, e);
      const hit = hitCell(l, x, y);
      if (!hit) {
        tip.hide();
        return;
      }
      tip.show(x + canvas.offsetLeft, y + canvas.offsetTop, crossbarTooltip(f, d, l, hit.row, hit.col));
    },
    { signal: ac.signal },
  );
  canvas.addEventListener('mouseleave', () => tip.hide(), { signal: ac.signal });
  return ac;
}
