/**
 * Sparsity pattern as a canvas spy plot. Zoomed out it draws the density grid (any source size, e.g. 8192×8192);
 * zoomed in to ≤ 1 cell per pixel it draws exact nonzeros where `exactBlocks` cover the view. A toggle switches
 * to per-tile density (the packing's tiles, with tile borders). Skipped rows/columns are marked in red in the
 * margins and tinted in the plot. Wheel = zoom at the pointer, drag = pan, double-click = reset.
 */
import type { SparsityPatternFigure } from '../../../kernel/viz/types';
import { mix, scaleRgb, toHex, type Rgb } from '../colors';
import { fmt, runs } from '../format';
import { decodePacked } from '../packed';
import { cellAt, clampView, densityT, fullView, gridIndex, pan, plotSize, zoomAt, type SpyDims, type SpyView } from '../sparsity-math';
import type { Theme } from '../theme';
import { availableWidth, h, hidpiCanvas, legend, localXY, makeFrame, setMounted, tooltip } from './common';

const SKIP: Rgb = [227, 18, 11];
const MARGIN = 10;

interface Block {
  row0: number;
  col0: number;
  rows: number;
  cols: number;
  bits?: Uint8Array;
  src: NonNullable<SparsityPatternFigure['exactBlocks']>[number];
}

export function renderSparsity(el: HTMLElement, f: SparsityPatternFigure, theme: Theme): void {
  const fr = makeFrame(el, f);
  const doc = el.ownerDocument;
  const density = decodePacked(f.density, 'density') as Float32Array;
  const [gR, gC] = f.density.shape as [number, number];
  const tiles = f.tiles
    ? { ...f.tiles, d: decodePacked(f.tiles.density, 'tiles.density') as Float32Array, nC: Math.ceil(f.cols / f.tiles.tileCols) }
    : undefined;
  const blocks: Block[] = (f.exactBlocks ?? []).map((b) => ({ row0: b.row0, col0: b.col0, rows: b.rows, cols: b.cols, src: b }));
  const skippedR = new Uint8Array(f.rows),
    skippedC = new Uint8Array(f.cols);
  for (const r of f.skippedRows ?? []) skippedR[r] = 1;
  for (const c of f.skippedCols ?? []) skippedC[c] = 1;

  const side = Math.min(availableWidth(el, f.width) - 2 * MARGIN - 4, f.height ?? 560, 640);
  const { W, H } = plotSize(f.rows, f.cols, side);
  const dims: SpyDims = { rows: f.rows, cols: f.cols, W, H };
  let view: SpyView = fullView(dims);
  let showTiles = false;

  const controls = h(doc, 'div', 'edgelab-controls');
  const btn = (label: string, title: string) => {
    const b = h(doc, 'button', undefined, label);
    b.type = 'button';
    b.title = title;
    controls.appendChild(b);
    return b;
  };
  const zin = btn('+', 'zoom in'),
    zout = btn('−', 'zoom out'),
    reset = btn('reset', 'show the whole matrix');
  let tileBox: HTMLInputElement | undefined;
  if (tiles) {
    const lab = h(doc, 'label');
    tileBox = h(doc, 'input');
    tileBox.type = 'checkbox';
    tileBox.className = 'edgelab-tiles-toggle';
    lab.append(tileBox, ` per-tile density${tiles.label ? ` (${tiles.label})` : ''} ${tiles.tileRows}×${tiles.tileCols}`);
    controls.appendChild(lab);
  }
  const status = h(doc, 'span', 'edgelab-status');
  controls.appendChild(status);
  fr.body.appendChild(controls);

  const CW = W + 2 * MARGIN,
    CH = H + 2 * MARGIN;
  const { canvas, ctx, dpr } = hidpiCanvas(doc, CW, CH);
  canvas.dataset.plotLeft = String(MARGIN);
  canvas.dataset.plotTop = String(MARGIN);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `sparsity pattern ${f.rows}×${f.cols}, nnz ${f.nnz}`);
  canvas.style.cursor = 'grab';
  fr.body.appendChild(canvas);
  const bg = theme.bgRgb;
  const exactOn: Rgb = theme.dark ? [138, 180, 248] : [16, 62, 140];
  const exactOff: Rgb = mix(bg, theme.fgRgb, 0.04);
  const outside: Rgb = mix(bg, theme.fgRgb, 0.1);
  const lut: Rgb[] = Array.from({ length: 256 }, (_, i) => (i === 0 ? bg : scaleRgb('blues', 0.25 + (0.75 * i) / 255)));
  const tileLut: Rgb[] = Array.from({ length: 256 }, (_, i) => (i === 0 ? bg : scaleRgb('viridis', 0.15 + (0.85 * i) / 255)));

  const blockAt = (r: number, c: number): Block | undefined => {
    for (const b of blocks) if (r >= b.row0 && r < b.row0 + b.rows && c >= b.col0 && c < b.col0 + b.cols) return b;
    return undefined;
  };
  const bitsOf = (b: Block): Uint8Array => (b.bits ??= decodePacked(b.src.bits, 'exactBlocks.bits') as Uint8Array);
  const mode = () => (showTiles && tiles ? 'tiles' : view.k <= 1 && blocks.length ? 'exact' : 'density');

  let frame = 0;
  const draw = () => {
    frame = 0;
    const pw = Math.round(W * dpr),
      ph = Math.round(H * dpr);
    const img = ctx.createImageData(pw, ph);
    const px = img.data;
    const m = mode();
    const vis = blocks.filter(
      (b) => b.row0 < view.r0 + H * view.k && b.row0 + b.rows > view.r0 && b.col0 < view.c0 + W * view.k && b.col0 + b.cols > view.c0,
    );
    const exact = m === 'exact' && vis.length > 0;
    for (let py = 0; py < ph; py++) {
      const r = Math.floor(view.r0 + ((py + 0.5) / dpr) * view.k);
      for (let qx = 0; qx < pw; qx++) {
        const c = Math.floor(view.c0 + ((qx + 0.5) / dpr) * view.k);
        let rgb: Rgb;
        if (r >= f.rows || c >= f.cols) rgb = outside;
        else if (m === 'tiles') {
          const t = tiles!.d[Math.floor(r / tiles!.tileRows) * tiles!.nC + Math.floor(c / tiles!.tileCols)]!;
          rgb = tileLut[Math.round(densityT(t) * 255)]!;
        } else {
          const b = exact ? blockAt(r, c) : undefined;
          if (b) rgb = bitsOf(b)[(r - b.row0) * b.cols + (c - b.col0)] ? exactOn : exactOff;
          else rgb = lut[Math.round(densityT(density[gridIndex(r, c, f.rows, f.cols, gR, gC)]!) * 255)]!;
        }
        if (r < f.rows && c < f.cols && (skippedR[r] || skippedC[c])) rgb = mix(rgb, SKIP, 0.22);
        const o = 4 * (py * pw + qx);
        px[o] = rgb[0];
        px[o + 1] = rgb[1];
        px[o + 2] = rgb[2];
        px[o + 3] = 255;
      }
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = theme.background;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.putImageData(img, Math.round(MARGIN * dpr), Math.round(MARGIN * dpr));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.strokeStyle = theme.muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(MARGIN - 0.5, MARGIN - 0.5, W + 1, H + 1);
    // Skipped rows (left margin) and columns (bottom margin) in the current view.
    ctx.fillStyle = toHex(SKIP);
    for (const [a, b] of runs(f.skippedRows ?? [])) {
      const y0 = (a - view.r0) / view.k,
        y1 = (b - view.r0) / view.k;
      if (y1 < 0 || y0 > H) continue;
      ctx.fillRect(1, MARGIN + Math.max(0, y0), MARGIN - 3, Math.max(1, Math.min(H, y1) - Math.max(0, y0)));
    }
    for (const [a, b] of runs(f.skippedCols ?? [])) {
      const x0 = (a - view.c0) / view.k,
        x1 = (b - view.c0) / view.k;
      if (x1 < 0 || x0 > W) continue;
      ctx.fillRect(MARGIN + Math.max(0, x0), MARGIN + H + 2, Math.max(1, Math.min(W, x1) - Math.max(0, x0)), MARGIN - 3);
    }
    // Tile borders when tiles are shown and at least 4 px apart.
    if (m === 'tiles' && tiles) {
      ctx.strokeStyle = theme.dark ? 'rgba(255,255,255,0.35)' : 'rgba(0,0,0,0.3)';
      ctx.beginPath();
      if (tiles.tileRows / view.k >= 4)
        for (
          let r = Math.ceil(view.r0 / tiles.tileRows) * tiles.tileRows;
          r < Math.min(f.rows, view.r0 + H * view.k);
          r += tiles.tileRows
        ) {
          const y = MARGIN + (r - view.r0) / view.k;
          ctx.moveTo(MARGIN, y);
          ctx.lineTo(MARGIN + W, y);
        }
      if (tiles.tileCols / view.k >= 4)
        for (
          let c = Math.ceil(view.c0 / tiles.tileCols) * tiles.tileCols;
          c < Math.min(f.cols, view.c0 + W * view.k);
          c += tiles.tileCols
        ) {
          const x = MARGIN + (c - view.c0) / view.k;
          ctx.moveTo(x, MARGIN);
          ctx.lineTo(x, MARGIN + H);
        }
      ctx.stroke();
    }
    // Outline exact blocks when zoomed out, so the user knows where zooming shows exact cells.
    if (m === 'density' && blocks.length) {
      ctx.strokeStyle = theme.dark ? '#f2c14e' : '#b8860b';
      ctx.setLineDash([3, 2]);
      for (const b of blocks)
        ctx.strokeRect(MARGIN + (b.col0 - view.c0) / view.k, MARGIN + (b.row0 - view.r0) / view.k, b.cols / view.k, b.rows / view.k);
      ctx.setLineDash([]);
    }
    const rEnd = Math.min(f.rows, Math.ceil(view.r0 + H * view.k)),
      cEnd = Math.min(f.cols, Math.ceil(view.c0 + W * view.k));
    const per = view.k >= 1 ? `1 px = ${fmt(view.k)} cells` : `1 cell = ${fmt(1 / view.k)} px`;
    const what =
      m === 'tiles'
        ? `tile density ${tiles!.tileRows}×${tiles!.tileCols}`
        : exact
          ? 'exact cells'
          : view.k <= 1 && blocks.length
            ? 'density grid (no exact block here)'
            : `density grid ${gR}×${gC}`;
    status.textContent = `rows ${Math.floor(view.r0)}–${rEnd - 1}, cols ${Math.floor(view.c0)}–${cEnd - 1} of ${f.rows}×${f.cols} · ${per} · ${what} · nnz ${f.nnz} (${fmt((100 * f.nnz) / (f.rows * f.cols))}%)`;
    canvas.dataset.view = `${view.r0},${view.c0},${view.k}`;
    canvas.dataset.mode = exact ? 'exact' : m === 'tiles' ? 'tiles' : 'density';
  };
  const schedule = () => {
    if (!frame) frame = (doc.defaultView?.requestAnimationFrame ?? ((cb: FrameRequestCallback) => setTimeout(cb, 16)))(draw) as number;
  };
  const setView = (v: SpyView) => {
    view = clampView(v, dims);
    schedule();
  };
  draw();

  const tip = tooltip(fr.body);
  const ac = new AbortController();
  const opts = { signal: ac.signal };
  const plotXY = (e: MouseEvent) => {
    const [x, y] = localXY(canvas, e);
    return [x - MARGIN, y - MARGIN] as const;
  };
  zin.addEventListener('click', () => setView(zoomAt(view, dims, W / 2, H / 2, 2)), opts);
  zout.addEventListener('click', () => setView(zoomAt(view, dims, W / 2, H / 2, 0.5)), opts);
  reset.addEventListener('click', () => setView(fullView(dims)), opts);
  tileBox?.addEventListener(
    'change',
    () => {
      showTiles = tileBox.checked;
      schedule();
    },
    opts,
  );
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const [x, y] = plotXY(e);
      setView(zoomAt(view, dims, x, y, e.deltaY < 0 ? 1.5 : 1 / 1.5));
    },
    { signal: ac.signal, passive: false },
  );
  canvas.addEventListener('dblclick', () => setView(fullView(dims)), opts);
  let drag: { x: number; y: number; v: SpyView } | undefined;
  canvas.addEventListener(
    'mousedown',
    (e) => {
      drag = { x: e.clientX, y: e.clientY, v: view };
      canvas.style.cursor = 'grabbing';
    },
    opts,
  );
  doc.addEventListener(
    'mouseup',
    () => {
      drag = undefined;
      canvas.style.cursor = 'grab';
    },
    opts,
  );
  canvas.addEventListener(
    'mousemove',
    (e) => {
      if (drag) {
        setView(pan(drag.v, dims, e.clientX - drag.x, e.clientY - drag.y));
        tip.hide();
        return;
      }
      const [x, y] = plotXY(e);
      const cell = cellAt(view, dims, x, y);
      if (!cell) {
        tip.hide();
        return;
      }
      const { row, col } = cell;
      const lines: string[] = [];
      const b = mode() === 'exact' ? blockAt(row, col) : undefined;
      if (mode() === 'tiles') {
        const ti = Math.floor(row / tiles!.tileRows),
          tj = Math.floor(col / tiles!.tileCols);
        lines.push(
          `tile (${ti}, ${tj}): rows ${ti * tiles!.tileRows}–${Math.min(f.rows, (ti + 1) * tiles!.tileRows) - 1}, cols ${tj * tiles!.tileCols}–${Math.min(f.cols, (tj + 1) * tiles!.tileCols) - 1}`,
          `density ${fmt(100 * tiles!.d[ti * tiles!.nC + tj]!)}%`,
        );
      } else if (b) {
        lines.push(`row ${row}, col ${col}: ${bitsOf(b)[(row - b.row0) * b.cols + (col - b.col0)] ? 'nonzero' : 'zero'} (exact)`);
      } else {
        const g = gridIndex(row, col, f.rows, f.cols, gR, gC),
          gi = Math.floor(g / gC),
          gj = g % gC;
        const r0 = Math.ceil((gi * f.rows) / gR),
          r1 = Math.ceil(((gi + 1) * f.rows) / gR) - 1,
          c0 = Math.ceil((gj * f.cols) / gC),
          c1 = Math.ceil(((gj + 1) * f.cols) / gC) - 1;
        lines.push(`row ${row}, col ${col}`, `grid cell rows ${r0}–${r1}, cols ${c0}–${c1}: density ${fmt(100 * density[g]!)}%`);
      }
      if (skippedR[row]) lines.push('row skipped (all zero)');
      if (skippedC[col]) lines.push('column skipped (all zero)');
      const [lx, ly] = localXY(fr.body, e);
      tip.show(lx, ly, lines.join('\n'));
    },
    opts,
  );
  canvas.addEventListener('mouseleave', () => tip.hide(), opts);

  const entries: [string, string, string?][] = [
    ['density 0.01 %', toHex(lut[1]!)],
    ['1 %', toHex(lut[128]!)],
    ['100 % (log scale)', toHex(lut[255]!)],
  ];
  if (blocks.length) entries.push(['exact nonzero (zoom in)', toHex(exactOn)]);
  if (tiles) entries.push(['tile density (toggle)', toHex(tileLut[200]!)]);
  if (f.skippedRows?.length || f.skippedCols?.length)
    entries.push([`skipped: ${f.skippedRows?.length ?? 0} rows, ${f.skippedCols?.length ?? 0} cols`, toHex(SKIP)]);
  fr.body.appendChild(legend(doc, entries));
  setMounted(el, {
    kind: 'sparsity-pattern',
    engine: 'canvas',
    root: fr.root,
    dispose: () => {
      ac.abort();
      if (frame) doc.defaultView?.cancelAnimationFrame(frame);
    },
  });
}
