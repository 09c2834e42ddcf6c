/**
 * Figure payloads for the crossbar map (kernel/viz/types.ts `CrossbarMapFigure`), built directly from a tile image.
 */
import type { CrossbarMapFigure, Packed } from '../viz/types';
import { FIGURE_VERSION } from '../viz/types';
import { checkInt } from '../core/errors';
import { cellSource, columnLayout, slotSource, tileImage } from './crossbar';
import type { MappedLayer } from './types';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function b64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!,
      b = bytes[i + 1] ?? 0,
      c = bytes[i + 2] ?? 0;
    const v = (a << 16) | (b << 8) | c;
    s +=
      B64[v >> 18]! +
      B64[(v >> 12) & 63]! +
      (i + 1 < bytes.length ? B64[(v >> 6) & 63]! : '=') +
      (i + 2 < bytes.length ? B64[v & 63]! : '=');
  }
  return s;
}
function packBits(bits: Uint8Array, shape: number[]): Packed {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >> 3]! |= 0x80 >> (i & 7);
  return { dtype: 'bit', shape, b64: b64(out) };
}

/** Cell states of one tile as a row-major [rows][cols] uint8 array (cell values 0..2^cellBits−1). */
export function tileCells(layer: MappedLayer, tile: number, img?: Uint32Array): Uint8Array {
  const { rows, cols, cellBits } = layer.config;
  const W = Math.ceil(rows / 32);
  const im = img ?? tileImage(layer, tile);
  const out = new Uint8Array(rows * cols);
  for (let c = 0; c < cols; c++)
    for (let r = 0; r < rows; r++) {
      let u = 0;
      for (let b = 0; b < cellBits; b++) u |= ((im[(c * cellBits + b) * W + (r >> 5)]! >>> (r & 31)) & 1) << b;
      out[r * cols + c] = u;
    }
  return out;
}

/**
 * Crossbar-map payload for `tile` of `layer`; with `previous` (cell states the crossbar held before) it marks the
 * cells this programming changes, and `stuck` marks changes skipped by bit stucking.
 */
export function crossbarMapFigure(
  layer: MappedLayer,
  tile: number,
  opts: {
    /** Cell states the crossbar held before, row-major [rows][cols] as tileCells returns (default: none, no change marks). */
    previous?: Uint8Array;
    /** 1 per cell whose change bit stucking skipped, row-major [rows][cols] (default: none). */
    stuck?: Uint8Array;
    /** Figure title (default '<layer>: tile <t> of <tiles> (<sign mode>, sort <key>)'). */
    title?: string;
  } = {},
): CrossbarMapFigure {
  checkInt('tile', tile, 0, layer.tiles - 1);
  const { rows, cols, cellBits, weightBits, signMode } = layer.config;
  const cells = tileCells(layer, tile);
  const roles = columnLayout(layer.config);
  const columnBit: number[] = [],
    columnOutput: number[] = [],
    columnSign: ('+' | '-')[] = [];
  for (let c = 0; c < cols; c++) {
    const k = Math.floor(c / layer.groupWidth),
      role = roles[c % layer.groupWidth];
    const o = k < layer.slots ? slotSource(layer, tile, k).out : -1;
    columnOutput.push(role && o >= 0 ? o : -1);
    columnBit.push(role ? (role.kind === 'sign' ? weightBits - 1 : role.slice * cellBits) : -1);
    columnSign.push(role?.kind === 'neg' || role?.kind === 'sign' ? '-' : '+');
  }
  const rowSource: number[] = [];
  for (let r = 0; r < rows; r++) rowSource.push(cellSource(layer, tile, r, 0).input);
  const fig: CrossbarMapFigure = {
    kind: 'crossbar-map',
    version: FIGURE_VERSION,
    title: opts.title ?? `${layer.name}: tile ${tile} of ${layer.tiles} (${signMode}, sort ${layer.sort})`,
    rows,
    cols,
    bitsPerCell: cellBits,
    weightBits: signMode === 'offset' ? weightBits : weightBits - 1,
    cells: { dtype: 'uint8', shape: [rows, cols], b64: b64(cells) },
    columnBit,
    columnOutput,
    rowSource,
    ...(signMode === 'offset' ? {} : { columnSign }),
  };
  if (opts.previous) {
    const ch = new Uint8Array(rows * cols);
    for (let i = 0; i < ch.length; i++) ch[i] = opts.previous[i] !== cells[i] ? 1 : 0;
    fig.changed = packBits(ch, [rows, cols]);
  }
  if (opts.stuck) fig.stuck = packBits(opts.stuck, [rows, cols]);
  return fig;
}
