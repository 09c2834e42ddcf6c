/**
 * Reprogramming cost of running a model that needs more tiles than the chip has crossbars (arXiv:2410.21730), with weight
 * sorting (via `mapLayer({ sort })`), scheduling policies and bit stucking.
 *
 * Cost model [INFERRED from "each memristor is programmed individually" (1T1R)]: a load pulses only the cells whose
 * state differs from what the crossbar currently holds. Crossbars start blank (all 0); passes repeat the whole model.
 */
import { InvalidInput, checkInt, checkOneOf, describe, throwIfAborted } from '../core/errors';
import { rng } from '../core/rng';
import { columnLayout, imageWords, popcount, tileImage, decodeCell, cellSource } from './crossbar';
import { minCostAssignment } from './assign';
import type { MappedLayer, ReprogramOptions, ReprogramResult, SchedulePolicy } from './types';

export interface Schedule {
  /** Load order: layer index and tile index of every load in one pass. */
  layer: Int32Array;
  tile: Int32Array;
  /** Physical crossbar of every load. */
  xbar: Int32Array;
}

function checkLayers(layers: readonly MappedLayer[]): void {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new InvalidInput(`layers must be a non-empty array of mapped layers, got ${describe(layers)}`);
  const c = layers[0]!.config;
  for (const [i, l] of layers.entries()) {
    if (!l || typeof l.tiles !== 'number' || l.tiles < 1)
      throw new InvalidInput(`layers[${i}] is not a mapped layer with at least one tile`);
    const d = l.config;
    if (d.rows !== c.rows || d.cols !== c.cols || d.cellBits !== c.cellBits || d.weightBits !== c.weightBits || d.signMode !== c.signMode) {
      throw new InvalidInput(`layers[${i}] (${l.name}) uses a different crossbar config than layers[0]; all layers must share one chip`);
    }
  }
}

/** Build one pass's load sequence (see SchedulePolicy). `pass` only matters for 'chunked-zigzag'. */
export function buildSchedule(
  layers: readonly MappedLayer[],
  physical: number,
  policy: SchedulePolicy = 'round-robin',
  pass = 0,
): Schedule {
  checkLayers(layers);
  checkInt('physical', physical);
  const total = layers.reduce((s, l) => s + l.tiles, 0);
  const layer = new Int32Array(total),
    tile = new Int32Array(total),
    xbar = new Int32Array(total);
  let n = 0;
  if (policy === 'round-robin') {
    layers.forEach((l, li) => {
      for (let t = 0; t < l.tiles; t++) {
        layer[n] = li;
        tile[n] = t;
        xbar[n] = n % physical;
        n++;
      }
    });
    return { layer, tile, xbar };
  }
  if (policy === 'similarity' || policy === 'chunked-similarity') {
    return similaritySchedule(
      layers,
      physical,
      new Uint32Array(physical * imageWords(layers[0]!.config)),
      policy === 'similarity' ? 'greedy' : 'chunks',
      pass,
    );
  }
  if (policy !== 'chunked' && policy !== 'chunked-zigzag' && policy !== 'chunked-affinity') {
    throw new InvalidInput(
      `policy must be 'round-robin', 'chunked', 'chunked-zigzag', 'chunked-affinity', 'similarity' or 'chunked-similarity', got ${describe(policy)}`,
    );
  }
  // crossbar range [lo, lo + size) per layer: all P, or (chunked-affinity, when it fits) one range per layer shape
  const lo = new Int32Array(layers.length),
    size = new Int32Array(layers.length).fill(physical);
  if (policy === 'chunked-affinity') {
    const key = (l: MappedLayer) => `${l.nOut}x${l.nIn}`;
    const need = new Map<string, number>();
    for (const l of layers) need.set(key(l), Math.max(need.get(key(l)) ?? 0, l.tiles));
    if ([...need.values()].reduce((a, b) => a + b, 0) <= physical) {
      const start = new Map<string, number>();
      let acc = 0;
      for (const [k, v] of need) {
        start.set(k, acc);
        acc += v;
      }
      layers.forEach((l, li) => {
        lo[li] = start.get(key(l))!;
        size[li] = need.get(key(l))!;
      });
    }
  }
  layers.forEach((l, li) => {
    const L = l.tiles,
      Pl = size[li]!,
      chunks = Math.min(Pl, L);
    const reverse = policy !== 'chunked' && (li + pass) % 2 === 1;
    const rounds = Math.ceil(L / chunks);
    for (let round = 0; round < rounds; round++) {
      for (let c = 0; c < chunks; c++) {
        const s = Math.floor((c * L) / chunks),
          e = Math.floor(((c + 1) * L) / chunks);
        if (round >= e - s) continue;
        layer[n] = li;
        tile[n] = reverse ? e - 1 - round : s + round;
        xbar[n] = lo[li]! + Math.floor((c * Pl) / chunks);
        n++;
      }
    }
  });
  return { layer, tile, xbar };
}

/**
 * 'similarity' policy (see SchedulePolicy): `start` holds the P crossbar images at the start of the pass (not modified).
 * Per layer, ⌈L/P⌉ rounds; in each round up to P tiles are matched to distinct crossbars by greedy smallest Hamming
 * distance (ties: lower tile, then lower crossbar), and the chosen crossbars then hold those tiles.
 */
export function similaritySchedule(
  layers: readonly MappedLayer[],
  physical: number,
  start: Uint32Array,
  mode: 'greedy' | 'chunks' = 'greedy',
  pass = 0,
  assignment: 'greedy' | 'hungarian' = 'greedy',
): Schedule {
  checkLayers(layers);
  const words = imageWords(layers[0]!.config);
  if (start.length !== physical * words)
    throw new InvalidInput(`start has ${start.length} words; expected physical·imageWords = ${physical * words}`);
  const cur = start.slice();
  const total = layers.reduce((s, l) => s + l.tiles, 0);
  const layer = new Int32Array(total),
    tile = new Int32Array(total),
    xbar = new Int32Array(total);
  let n = 0;
  layers.forEach((L, li) => {
    const imgs = new Uint32Array(L.tiles * words);
    for (let t = 0; t < L.tiles; t++) tileImage(L, t, imgs.subarray(t * words, (t + 1) * words));
    const dist = (p: number, t: number) => {
      let d = 0;
      const a = p * words,
        b = t * words;
      for (let i = 0; i < words; i++) d += popcount(cur[a + i]! ^ imgs[b + i]!);
      return d;
    };
    if (mode === 'chunks') {
      // the chunked-zigzag walk of this layer, with chunk → crossbar chosen by greedy Hamming distance of the chunk's
      // first tile to the crossbar's content
      const Lt = L.tiles,
        chunks = Math.min(physical, Lt),
        reverse = (li + pass) % 2 === 1;
      const seq: number[][] = [];
      for (let c = 0; c < chunks; c++) {
        const a = Math.floor((c * Lt) / chunks),
          e = Math.floor(((c + 1) * Lt) / chunks);
        const ts = Array.from({ length: e - a }, (_, i) => a + i);
        seq.push(reverse ? ts.reverse() : ts);
      }
      let owner: Int32Array = new Int32Array(chunks).fill(-1);
      if (assignment === 'hungarian') {
        owner = minCostAssignment(
          Array.from({ length: chunks }, (_, c) => Array.from({ length: physical }, (_, p) => dist(p, seq[c]![0]!))),
        );
      } else {
        const pairs: [number, number, number][] = [];
        for (let c = 0; c < chunks; c++) for (let p = 0; p < physical; p++) pairs.push([dist(p, seq[c]![0]!), c, p]);
        pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
        const usedP = new Uint8Array(physical);
        let got = 0;
        for (const [, c, p] of pairs) {
          if (owner[c]! >= 0 || usedP[p]) continue;
          owner[c] = p;
          usedP[p] = 1;
          if (++got === chunks) break;
        }
      }
      const rounds = Math.ceil(Lt / chunks);
      for (let round = 0; round < rounds; round++)
        for (let c = 0; c < chunks; c++) {
          const t = seq[c]![round];
          if (t === undefined) continue;
          layer[n] = li;
          tile[n] = t;
          xbar[n] = owner[c]!;
          n++;
        }
      for (let c = 0; c < chunks; c++) {
        const t = seq[c]![seq[c]!.length - 1]!;
        cur.set(imgs.subarray(t * words, (t + 1) * words), owner[c]! * words);
      }
      return;
    }
    let left = Array.from({ length: L.tiles }, (_, t) => t);
    while (left.length) {
      const m = Math.min(physical, left.length);
      if (assignment === 'hungarian') {
        // min-cost matching of the remaining tiles to crossbars: min(P, left) pairs, least total Hamming distance
        const to = minCostAssignment(left.map((t) => Array.from({ length: physical }, (_, p) => dist(p, t))));
        const chosen = left.map((t, i) => [t, to[i]!] as const).filter(([, p]) => p >= 0);
        for (const [t, p] of chosen) {
          layer[n] = li;
          tile[n] = t;
          xbar[n] = p;
          n++;
        }
        for (const [t, p] of chosen) cur.set(imgs.subarray(t * words, (t + 1) * words), p * words);
        const done = new Set(chosen.map(([t]) => t));
        left = left.filter((t) => !done.has(t));
        continue;
      }
      const pairs: [number, number, number][] = [];
      for (let p = 0; p < physical; p++) for (const t of left) pairs.push([dist(p, t), t, p]);
      pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
      const usedP = new Uint8Array(physical),
        usedT = new Set<number>();
      for (const [, t, p] of pairs) {
        if (usedP[p] || usedT.has(t)) continue;
        usedP[p] = 1;
        usedT.add(t);
        layer[n] = li;
        tile[n] = t;
        xbar[n] = p;
        n++;
        cur.set(imgs.subarray(t * words, (t + 1) * words), p * words);
        if (usedT.size === m) break;
      }
      left = left.filter((t) => !usedT.has(t));
    }
  });
  return { layer, tile, xbar };
}

/**
 * Per-layer stuck columns from the weights alone (no data) [OURS]: for each layer the largest k ≤ maxColumns whose
 * typical stale-bit error, sqrt((4^k − 1)/6) LSB (difference of two independent uniform k-bit values), is at most
 * `budget` × the layer's RMS integer weight. Layers whose per-tensor scale leaves small integers (rms of a few LSB)
 * then get fewer stuck columns. Defaults: maxColumns 3, budget 0.25.
 */
export function stuckColumnsByMagnitude(
  layers: readonly MappedLayer[],
  opts: {
    /** Most stuck columns per layer, 0..8 (default 3). */
    maxColumns?: number;
    /** Allowed typical stale-bit error as a fraction of the layer's RMS integer weight (default 0.25). */
    budget?: number;
  } = {},
): number[] {
  const kMax = checkInt('maxColumns', opts.maxColumns ?? 3, 0, 8);
  const budget = opts.budget ?? 0.25;
  if (typeof budget !== 'number' || !(budget >= 0)) throw new InvalidInput(`budget must be a number ≥ 0, got ${describe(budget)}`);
  return layers.map((L) => {
    let s = 0;
    for (let i = 0; i < L.q.length; i++) s += L.q[i]! * L.q[i]!;
    const rms = Math.sqrt(s / L.q.length);
    let k = 0;
    while (k < kMax && Math.sqrt((4 ** (k + 1) - 1) / 6) <= budget * rms) k++;
    return k;
  });
}

/**
 * Simulate `passes` inference passes and count reprogramming writes — cells, columns and crossbars rewritten when
 * more tiles than physical crossbars are time-multiplexed (arXiv:2410.21730; metrics from the last pass).
 * Memory: P·imageWords·4 bytes of crossbar state (+ P·rows·cols·2 with trackCells). Pure typed arrays, no tensors.
 */
export function simulateReprogramming(layers: readonly MappedLayer[], opts: ReprogramOptions = {}): ReprogramResult {
  checkLayers(layers);
  const cfg = layers[0]!.config;
  const tiles = layers.reduce((s, l) => s + l.tiles, 0);
  const physical = checkInt('physical', opts.physical ?? Math.ceil(tiles / 8));
  const policy = opts.policy ?? 'round-robin';
  const passes = checkInt('passes', opts.passes ?? 2, 1, 1000);
  const countPasses = checkInt('countPasses', opts.countPasses ?? 1, 1, passes);
  const assignment = checkOneOf('assignment', opts.assignment ?? 'greedy', ['greedy', 'hungarian'] as const);
  const slices = Math.ceil((cfg.weightBits - (cfg.signMode === 'offset' ? 0 : 1)) / cfg.cellBits);
  const sc = opts.stuckColumns ?? 0;
  if (Array.isArray(sc) && sc.length !== layers.length)
    throw new InvalidInput(`stuckColumns has ${sc.length} entries; expected one per layer (${layers.length})`);
  const kOf = layers.map((_, i) =>
    checkInt(Array.isArray(sc) ? `stuckColumns[${i}]` : 'stuckColumns', Array.isArray(sc) ? sc[i] : sc, 0, slices),
  );
  const k = Math.max(...kOf);
  const f = opts.rewriteFraction ?? 1;
  if (typeof f !== 'number' || !(f >= 0 && f <= 1)) throw new InvalidInput(`rewriteFraction must be in [0, 1], got ${describe(f)}`);
  const r = rng(opts.seed ?? 0);
  const W = Math.ceil(cfg.rows / 32),
    cb = cfg.cellBits,
    words = imageWords(cfg);
  const roles = columnLayout(cfg);
  const gw = roles.length;
  const slots = Math.floor(cfg.cols / gw);
  // per physical column of a crossbar: stuckable?
  const stuckColFor = Array.from({ length: slices + 1 }, (_, kk) => {
    const a = new Uint8Array(cfg.cols);
    for (let s = 0; s < slots; s++)
      roles.forEach((role, c) => {
        a[s * gw + c] = role.kind !== 'sign' && role.slice < kk ? 1 : 0;
      });
    return a;
  });
  const state = new Uint32Array(physical * words);
  const target = new Uint32Array(words);
  const cellCount = opts.trackCells || opts.returnCellCounts ? new Uint32Array(physical * cfg.rows * cfg.cols) : null;
  const perPass: number[] = [];
  let cellWrites = 0,
    columnWrites = 0,
    crossbarWrites = 0;
  const effective = opts.returnEffective ? layers.map((l) => new Int8Array(l.nOut * l.nIn)) : undefined;
  let changedWeights = 0,
    sumAbs = 0,
    maxAbs = 0,
    sumSq = 0,
    sumQ2 = 0;
  const stucking = k > 0 && f < 1;
  const totalLoads = tiles * passes;
  for (let pass = 0; pass < passes; pass++) {
    const last = pass === passes - 1;
    const sch =
      policy === 'similarity' || policy === 'chunked-similarity'
        ? similaritySchedule(layers, physical, state, policy === 'similarity' ? 'greedy' : 'chunks', pass, assignment)
        : buildSchedule(layers, physical, policy, pass);
    cellWrites = 0;
    columnWrites = 0;
    crossbarWrites = 0;
    const counting = pass >= passes - countPasses;
    for (let n = 0; n < tiles; n++) {
      if ((n & 1023) === 0) {
        throwIfAborted(opts.signal);
        opts.progress?.(pass * tiles + n, totalLoads);
      }
      const L = layers[sch.layer[n]!]!,
        t = sch.tile[n]!,
        p = sch.xbar[n]!;
      tileImage(L, t, target);
      const stuckCol = stuckColFor[kOf[sch.layer[n]!]!]!;
      const so = p * words;
      let anyTile = false;
      for (let col = 0; col < cfg.cols; col++) {
        let colChanged = 0;
        const pb = col * cb * W;
        for (let w = 0; w < W; w++) {
          // cells (rows) of this column word whose state differs in any cell bit
          let d = 0;
          for (let b = 0; b < cb; b++) d |= state[so + pb + b * W + w]! ^ target[pb + b * W + w]!;
          if (d === 0) continue;
          if (stucking && stuckCol[col]) {
            let keep = 0;
            if (f > 0)
              for (let m = d; m !== 0; m &= m - 1) {
                if (r.next() < f) keep |= m & -m;
              }
            d = keep;
            if (d === 0) continue;
          }
          for (let b = 0; b < cb; b++) {
            const i = so + pb + b * W + w;
            state[i] = (state[i]! & ~d) | (target[pb + b * W + w]! & d);
          }
          const c = popcount(d);
          colChanged += c;
          if (cellCount && counting)
            for (let m = d; m !== 0; m &= m - 1) {
              const row = (w << 5) + (31 - Math.clz32(m & -m));
              cellCount[(p * cfg.rows + row) * cfg.cols + col]!++;
            }
        }
        if (colChanged > 0) {
          columnWrites++;
          cellWrites += colChanged;
          anyTile = true;
        }
      }
      if (anyTile) crossbarWrites++;
      opts.onLoad?.(p, state.subarray(so, so + words), pass);
      if (last && (stucking || effective)) {
        const img = state.subarray(so, so + words);
        for (let s = 0; s < L.slots; s++)
          for (let row = 0; row < cfg.rows; row++) {
            const { out, input } = cellSource(L, t, row, s);
            if (out < 0) continue;
            const qi = L.q[out * L.nIn + input]!;
            const v = stucking ? decodeCell(L, img, row, s) : qi;
            if (effective) effective[sch.layer[n]!]![out * L.nIn + input] = v;
            const e = Math.abs(v - qi);
            if (e) {
              changedWeights++;
              sumAbs += e;
              sumSq += e * e;
              if (e > maxAbs) maxAbs = e;
            }
            sumQ2 += qi * qi;
          }
      }
    }
    perPass.push(cellWrites);
  }
  opts.progress?.(totalLoads, totalLoads);
  const totalWeights = layers.reduce((s, l) => s + l.nOut * l.nIn, 0);
  let maxCell = NaN,
    p99 = NaN,
    meanCell = NaN;
  if (cellCount) {
    // max, 99th percentile (nearest rank) and mean over all P·rows·cols physical cells, by a histogram of counts
    maxCell = 0;
    let sum = 0;
    for (let i = 0; i < cellCount.length; i++) {
      const v = cellCount[i]!;
      sum += v;
      if (v > maxCell) maxCell = v;
    }
    const hist = new Float64Array(maxCell + 1);
    for (let i = 0; i < cellCount.length; i++) hist[cellCount[i]!]!++;
    const rank = Math.ceil(0.99 * cellCount.length);
    let acc = 0;
    p99 = maxCell;
    for (let v = 0; v <= maxCell; v++) {
      acc += hist[v]!;
      if (acc >= rank) {
        p99 = v;
        break;
      }
    }
    meanCell = sum / cellCount.length;
  }
  return {
    physical,
    tiles,
    loads: tiles,
    cellWrites,
    fullWrites: tiles * cfg.rows * cfg.cols,
    columnWrites,
    crossbarWrites,
    perPassCellWrites: perPass,
    maxWritesPerCell: maxCell,
    p99WritesPerCell: p99,
    meanWritesPerCell: meanCell,
    countedPasses: countPasses,
    ...(cellCount && opts.returnCellCounts ? { cellCounts: cellCount } : {}),
    weightError: { changedWeights, totalWeights, meanAbs: sumAbs / totalWeights, maxAbs, relRms: sumQ2 > 0 ? Math.sqrt(sumSq / sumQ2) : 0 },
    ...(effective ? { effective } : {}),
  };
}
