/**
 * Section packing [OURS, reading of arXiv:2410.21730's "organize weights into sorted sections to schedule reprogramming of
 * similar crossbars"]: instead of the grid (tile (rb, cb) slot k = output cb·slots + k, sorted positions of row block
 * rb), every output's sorted input order is cut into sections, ALL sections of the layer are ordered by their value
 * profile, and neighbours in that order are put in the same slot of consecutive tiles. A crossbar that loads tiles
 * t, t+1, … then rewrites each slot with the next most similar section, not with another output's section of the same
 * rank (trained outputs differ in mean and spread, so same-rank sections still differ in the low bits).
 *
 * Hardware cost of the layout (same as per-output sorting plus an output index per slot): slot k of a tile feeds
 * the digital accumulator of output `sections.out[t·slots + k]`, and its rows receive that section's inputs (the
 * per-output input routing the sorted grid already needs). Outputs stay exact (`mvm` equals the integer matmul).
 * Tiles never increase: ⌈nOut·⌈nIn/rows⌉ / slots⌉ ≤ the grid's ⌈nOut/slots⌉·⌈nIn/rows⌉.
 */
import { InvalidInput, describe } from '../core/errors';
import { sortPerm } from './crossbar';
import type { MappedLayer, SectionTable } from './types';

export interface PackOptions {
  /**
   * How each output's nIn positions are cut into b = ⌈nIn/rows⌉ sections. 'balanced' (default): b nearly equal
   * sections (lengths differ by ≤ 1), so sections from different ranks have the same padding and stay comparable.
   * 'full': rows-long sections and one remainder section (the grid's cut).
   */
  split?: 'balanced' | 'full';
  /**
   * Key that orders sections. 'mean' (default): mean integer value (ties: spread, then output, then start);
   * 'median': middle value (ties as for mean). Both are 1-D summaries of a sorted section.
   */
  order?: 'mean' | 'median';
  /**
   * 'strided' (default): tile t slot k holds ordered section k·T + t (T tiles), so consecutive tiles advance every slot
   * by one neighbouring section. 'contiguous': tile t holds sections t·slots … t·slots + slots − 1.
   */
  placement?: 'strided' | 'contiguous';
}

/**
 * Return a copy of `layer` (same q, config) with a packed `sections` table and per-output routing (a sorted layer with
 * shared routing gets each output's own sort order). Pure typed arrays.
 */
export function packSections(layer: MappedLayer, opts: PackOptions = {}): MappedLayer {
  const split = opts.split ?? 'balanced',
    order = opts.order ?? 'mean',
    placement = opts.placement ?? 'strided';
  if (split !== 'balanced' && split !== 'full') throw new InvalidInput(`split must be 'balanced' or 'full', got ${describe(split)}`);
  if (order !== 'mean' && order !== 'median') throw new InvalidInput(`order must be 'mean' or 'median', got ${describe(order)}`);
  if (placement !== 'strided' && placement !== 'contiguous')
    throw new InvalidInput(`placement must be 'strided' or 'contiguous', got ${describe(placement)}`);
  if (layer.sections) throw new InvalidInput(`layer ${layer.name} is already packed`);
  // packed sections are a per-output-routing layout (each section its own input order): a shared order is replaced by
  // each output's own sort, and the result says routing 'per-output' (its input phases: routingCost)
  const perm = layer.sort !== 'none' && layer.routing === 'shared' ? sortPerm(layer.q, layer.nOut, layer.nIn, layer.sort) : layer.perm;
  const { nOut, nIn, q, slots } = layer;
  const rows = layer.config.rows;
  const b = Math.ceil(nIn / rows);
  const S = nOut * b;
  const sOut = new Int32Array(S),
    sStart = new Int32Array(S),
    sLen = new Int32Array(S);
  const key = new Float64Array(S),
    spread = new Float64Array(S);
  for (let o = 0; o < nOut; o++) {
    for (let j = 0; j < b; j++) {
      const start = split === 'balanced' ? Math.floor((j * nIn) / b) : j * rows;
      const end = split === 'balanced' ? Math.floor(((j + 1) * nIn) / b) : Math.min(nIn, (j + 1) * rows);
      const s = o * b + j;
      sOut[s] = o;
      sStart[s] = start;
      sLen[s] = end - start;
      let sum = 0,
        lo = Infinity,
        hi = -Infinity;
      for (let p = start; p < end; p++) {
        const v = q[o * nIn + (perm ? perm[o * nIn + p]! : p)]!;
        sum += v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      spread[s] = hi - lo;
      if (order === 'mean') key[s] = sum / (end - start);
      else key[s] = q[o * nIn + (perm ? perm[o * nIn + ((start + end - 1) >> 1)]! : (start + end - 1) >> 1)]!;
    }
  }
  const idx = Array.from({ length: S }, (_, i) => i);
  idx.sort((a, c) => key[a]! - key[c]! || spread[a]! - spread[c]! || sOut[a]! - sOut[c]! || sStart[a]! - sStart[c]!);
  const T = Math.ceil(S / slots);
  const sec: SectionTable = { out: new Int32Array(T * slots).fill(-1), start: new Int32Array(T * slots), len: new Int32Array(T * slots) };
  for (let t = 0; t < T; t++)
    for (let k = 0; k < slots; k++) {
      const n = placement === 'strided' ? k * T + t : t * slots + k;
      if (n >= S) continue;
      const s = idx[n]!;
      const i = t * slots + k;
      sec.out[i] = sOut[s]!;
      sec.start[i] = sStart[s]!;
      sec.len[i] = sLen[s]!;
    }
  return {
    ...layer,
    ...(layer.sort === 'none' ? {} : { routing: 'per-output' as const }),
    perm,
    sections: sec,
    tiles: T,
    rowBlocks: T,
    colBlocks: 1,
  };
}
