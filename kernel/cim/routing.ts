/**
 * Input routing as a design choice with a cost [OURS; arXiv:2410.21730 §I says weights are organized "into sorted
 * sections", not how sorted rows receive their inputs].
 *
 * A crossbar row is one word line shared by every column, so all outputs (slots) of a tile see the same input on a
 * row. Two ways to feed sorted rows:
 * - 'shared' (physically plain wiring): one input order per tile column block; all slots are driven in one input
 *   phase. The order is the design variable: `optimizeSharedRouting` picks it per column block by a tile-level key
 *   (Σ q or Σ |q| over the block's outputs, stable sort), then aligns the rows of every tile to what its crossbar holds
 *   when it is loaded (min-cost assignment of inputs to rows, Hamming cost), and keeps the best candidate, identity
 *   included, by simulated cell writes.
 * - 'per-output': every slot has its own input order (its own sorted section), exact only if the slots of a tile are
 *   read in separate input phases with separately gathered inputs. `routingCost` counts those phases and what they
 *   cost (input cycles, DAC pulses, array reads).
 */
import { InvalidInput, checkInt, describe } from '../core/errors';
import { minCostAssignment } from './assign';
import { imageWords, mapLayer, popcount, slotSource, tileImage } from './crossbar';
import { buildSchedule, simulateReprogramming } from './reprogram';
import type { MappedLayer, SchedulePolicy } from './types';

export interface RoutingCost {
  tiles: number;
  /** Input phases per input vector, summed over tiles (one per tile when routing is shared or the layer unsorted). */
  inputPhases: number;
  /** inputPhases − tiles. */
  extraPhases: number;
  /** Input cycles of a tile relative to one phase per tile (mean phases per tile; the crossbars run in parallel). */
  latencyFactor: number;
  /** DAC (row-driver) pulses per input vector: Σ over phases of rows driven × inputBits. */
  dacPulses: number;
  /** The same with one phase per tile (rows of the longest slot). */
  sharedDacPulses: number;
  /** Array reads (tile-phases: every phase senses the whole array) relative to one per tile = latencyFactor. */
  inputBits: number;
}

/** Input phases one tile needs: distinct input orders among its occupied slots. */
export function tilePhases(L: MappedLayer, t: number): { phases: number; rows: number[] } {
  const seen = new Map<string, number>();
  for (let k = 0; k < L.slots; k++) {
    const { out, start, len } = slotSource(L, t, k);
    if (out < 0 || len === 0) continue;
    let key: string;
    if (!L.perm) key = `${start}:${len}`;
    else {
      const a = L.perm.subarray(out * L.nIn + start, out * L.nIn + start + len);
      key = Array.prototype.join.call(a, ',');
    }
    seen.set(key, Math.max(seen.get(key) ?? 0, len));
  }
  return { phases: Math.max(1, seen.size), rows: [...seen.values()] };
}

/** Input phases and their cost for mapped layers (see RoutingCost). Per-output layouts pay one phase per distinct slot order. */
export function routingCost(
  layers: readonly MappedLayer[],
  opts: {
    /** Input bits streamed per phase (1-bit DAC). Default 8. */
    inputBits?: number;
  } = {},
): RoutingCost {
  const bits = checkInt('inputBits', opts.inputBits ?? 8, 1, 32);
  let tiles = 0,
    phases = 0,
    dac = 0,
    dacShared = 0;
  for (const L of layers)
    for (let t = 0; t < L.tiles; t++) {
      const { phases: p, rows } = tilePhases(L, t);
      tiles++;
      phases += p;
      dac += rows.reduce((a, b) => a + b, 0) * bits;
      dacShared += Math.max(0, ...rows) * bits;
    }
  return {
    tiles,
    inputPhases: phases,
    extraPhases: phases - tiles,
    latencyFactor: phases / tiles,
    dacPulses: dac,
    sharedDacPulses: dacShared,
    inputBits: bits,
  };
}

export interface SharedRoutingOptions {
  /** Physical crossbars. Default ⌈tiles/8⌉ (reference setting). */
  physical?: number;
  /** A static schedule ('round-robin', 'chunked', 'chunked-zigzag', 'chunked-affinity'). Default 'chunked-zigzag'. */
  policy?: SchedulePolicy;
  /** Passes simulated to score candidates (metrics from the last). Default 2. */
  passes?: number;
  /** Tile-level keys tried. Default ['signed', 'abs']. */
  keys?: ('signed' | 'abs')[];
  /** Also try row alignment by min-cost assignment. Default true. */
  align?: boolean;
}

export interface SharedRoutingResult {
  /** The chosen layout: routing 'shared', one input order per tile column block. */
  layers: MappedLayer[];
  chosen: string;
  /** Every candidate with its steady-state cell writes (identity first). */
  candidates: { name: string; cellWrites: number }[];
  identityWrites: number;
  /** identityWrites / chosen writes (≥ 1). */
  gain: number;
}

const STATIC: SchedulePolicy[] = ['round-robin', 'chunked', 'chunked-zigzag', 'chunked-affinity'];

/** Copy of L with shared routing and an explicit per-output perm (all outputs of a column block share their order). */
function sharedCopy(L: MappedLayer, key: 'identity' | 'signed' | 'abs'): MappedLayer {
  const M = mapLayer({
    name: L.name,
    q: L.q,
    nOut: L.nOut,
    nIn: L.nIn,
    scale: L.scale,
    config: L.config,
    sort: key === 'identity' ? 'none' : key,
    routing: 'shared',
  });
  if (M.perm) return M;
  const perm = new Int32Array(L.nOut * L.nIn);
  for (let o = 0; o < L.nOut; o++) for (let i = 0; i < L.nIn; i++) perm[o * L.nIn + i] = i;
  return { ...M, perm, routing: 'shared' };
}

/**
 * Rows of every tile re-ordered, in schedule order, to minimize the cells that change against what its crossbar holds
 * (two walks of the schedule: a warm-up from blank crossbars, then the steady state). Mutates the layers' perms.
 */
export function alignRows(layers: MappedLayer[], physical: number, policy: SchedulePolicy): void {
  const cfg = layers[0]!.config;
  const W = Math.ceil(cfg.rows / 32),
    planes = cfg.cols * cfg.cellBits,
    PW = Math.ceil(planes / 32),
    words = imageWords(cfg);
  const state = new Uint32Array(physical * words);
  const img = new Uint32Array(words);
  const rowsOf = (im: Uint32Array, off: number, n: number): Uint32Array => {
    const out = new Uint32Array(n * PW);
    for (let pl = 0; pl < planes; pl++)
      for (let r = 0; r < n; r++) if ((im[off + pl * W + (r >>> 5)]! >>> (r & 31)) & 1) out[r * PW + (pl >>> 5)]! |= 1 << (pl & 31);
    return out;
  };
  for (let pass = 0; pass < 2; pass++) {
    const sch = buildSchedule(layers, physical, policy, pass);
    for (let n = 0; n < sch.tile.length; n++) {
      const L = layers[sch.layer[n]!]!,
        t = sch.tile[n]!,
        p = sch.xbar[n]!;
      const rb = Math.floor(t / L.colBlocks),
        cb = t % L.colBlocks;
      const o0 = cb * L.slots,
        o1 = Math.min(L.nOut, o0 + L.slots);
      const { len } = slotSource(L, t, 0);
      if (len > 1) {
        tileImage(L, t, img);
        const have = rowsOf(img, 0, len),
          cur = rowsOf(state, p * words, len);
        const cost: number[][] = [];
        for (let j = 0; j < len; j++) {
          const row: number[] = new Array(len);
          for (let r = 0; r < len; r++) {
            let d = 0;
            for (let w = 0; w < PW; w++) d += popcount(have[j * PW + w]! ^ cur[r * PW + w]!);
            row[r] = d;
          }
          cost.push(row);
        }
        const to = minCostAssignment(cost);
        const p0 = rb * cfg.rows;
        const old = L.perm!.slice(o0 * L.nIn + p0, o0 * L.nIn + p0 + len);
        for (let o = o0; o < o1; o++) for (let j = 0; j < len; j++) L.perm![o * L.nIn + p0 + to[j]!] = old[j]!;
      }
      tileImage(L, t, state.subarray(p * words, (p + 1) * words));
    }
  }
}

/**
 * Choose one input order per tile column block for shared routing (see the file comment): candidates identity,
 * tile-level key sorts, and each with row alignment; scored by steady-state cell writes under the given schedule.
 * Never worse than identity (identity is a candidate). Pure typed arrays.
 */
export function optimizeSharedRouting(layers: readonly MappedLayer[], opts: SharedRoutingOptions = {}): SharedRoutingResult {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new InvalidInput(`layers must be a non-empty array of mapped layers, got ${describe(layers)}`);
  for (const L of layers)
    if (L.sections) throw new InvalidInput(`layer ${L.name} is packed (per-output sections); shared routing needs the grid`);
  const policy = opts.policy ?? 'chunked-zigzag';
  if (!STATIC.includes(policy))
    throw new InvalidInput(`policy must be a static schedule (${STATIC.join(', ')}) to align rows to it, got ${describe(policy)}`);
  const tiles = layers.reduce((s, l) => s + l.tiles, 0);
  const physical = checkInt('physical', opts.physical ?? Math.ceil(tiles / 8));
  const passes = checkInt('passes', opts.passes ?? 2, 1, 1000);
  const keys = opts.keys ?? ['signed', 'abs'];
  const cands: { name: string; layers: MappedLayer[] }[] = [];
  for (const key of ['identity', ...keys] as const) {
    const ls = layers.map((L) => sharedCopy(L, key));
    cands.push({ name: key, layers: ls });
    if (opts.align ?? true) {
      const al = ls.map((L) => ({ ...L, perm: L.perm!.slice() }));
      alignRows(al, physical, policy);
      cands.push({ name: `${key} + aligned rows`, layers: al });
    }
  }
  const scored = cands.map((c) => ({
    ...c,
    cellWrites: simulateReprogramming(c.layers, { physical, policy, passes }).cellWrites,
  }));
  const best = scored.reduce((a, b) => (b.cellWrites < a.cellWrites ? b : a));
  const identityWrites = scored[0]!.cellWrites;
  return {
    layers: best.layers,
    chosen: best.name,
    candidates: scored.map(({ name, cellWrites }) => ({ name, cellWrites })),
    identityWrites,
    gain: identityWrites / best.cellWrites,
  };
}
