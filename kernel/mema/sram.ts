/**
 * Two-level memory model for a microcontroller: backing store (flash / external memory) → SRAM → registers.
 *
 * MEMA (arXiv:2304.05544) minimises the accesses a level makes to the memory outside it; on the Cortex-M4 the local
 * level is the register file and the external one SRAM. A layer whose A (M×K), B (K×N) and C (M×N) do not all fit in
 * SRAM needs a second, outer level: SRAM tiles streamed from the backing store. This file adds that level with SRAM
 * capacity as a hard constraint and derives the SRAM tiles the same closed-form way as the register tiles.
 *
 * Model (ours; the paper's cost model is the register↔SRAM one):
 *  - SRAM tiles keep K whole: an ms×K panel of A, a K×ns panel of B and the ms×ns block of C are resident
 *    (ms·K + K·ns + ms·ns ≤ SRAM words), so no partial sum leaves SRAM and each SRAM tile is one register-level
 *    sub-problem (ms_i × K × ns_j, clipped at the edges);
 *  - residency 'A': the A panel stays while B panels stream (backing-store words MK + KN·⌈M/ms⌉ + MN, the NKM row of the
 *    MEMA table with k = K); residency 'B': the mirror (KN + MK·⌈N/ns⌉ + MN, the MKN row); 'whole': everything fits;
 *  - objective, lexicographic: register↔SRAM words first (the level MEMA's kernels optimise and the lower bound is for),
 *    then backing-store↔SRAM words;
 *  - not modelled: stack, code and other buffers sharing the SRAM (the whole capacity is given to the layer), and that a
 *    real MCU writes C to SRAM, not flash (C's write-back is counted as backing-store words).
 */
import { InvalidInput, checkInt, throwIfAborted } from '../core/errors';
import { classTiles, chooseClass, cost, costUnchecked, validateHardware } from './cost';
import { footprint, nestOf, scheduleName, validateShape } from './ir';
import type { Counts, Hardware, LoopNest, ScheduleChoice, ScheduleName } from './types';

export type Residency = 'whole' | 'A' | 'B';

export interface SramTiling {
  residency: Residency;
  /** Rows of A / C per SRAM tile, columns of B / C per SRAM tile; K is never split. */
  ms: number;
  ns: number;
  /** SRAM words of the resident tiles (ms·K + K·ns + ms·ns). */
  footprintWords: number;
}

export interface TwoLevelSchedule {
  /** Register schedule run inside every SRAM tile (its counts are for the whole problem, summed over the SRAM tiles). */
  register: ScheduleChoice;
  sram: SramTiling;
  /** Backing store ↔ SRAM words. */
  flash: Counts;
  /** SRAM capacity in words. */
  sramWords: number;
}

const add = (a: Counts, b: Counts, times = 1): Counts => ({
  aLoads: a.aLoads + times * b.aLoads,
  bLoads: a.bLoads + times * b.bLoads,
  cLoads: a.cLoads + times * b.cLoads,
  cStores: a.cStores + times * b.cStores,
  total: a.total + times * b.total,
  macs: a.macs + times * b.macs,
});
const ZERO: Counts = { aLoads: 0, bLoads: 0, cLoads: 0, cStores: 0, total: 0, macs: 0 };

/** Register↔SRAM words of `reg` run on every SRAM tile of an ms × K × ns tiling (clipped edge tiles included). */
export function tiledRegisterCounts(reg: LoopNest, M: number, K: number, N: number, ms: number, ns: number): Counts {
  validateShape(M, K, N);
  checkInt('ms', ms, 1, M);
  checkInt('ns', ns, 1, N);
  const fullM = Math.floor(M / ms),
    restM = M % ms,
    fullN = Math.floor(N / ns),
    restN = N % ns;
  let out = ZERO;
  for (const [mi, cm] of [
    [ms, fullM],
    [restM, 1],
  ] as const) {
    if (!mi || !cm) continue;
    for (const [nj, cn] of [
      [ns, fullN],
      [restN, 1],
    ] as const) {
      if (!nj || !cn) continue;
      out = add(out, costUnchecked(reg, mi, K, nj), cm * cn);
    }
  }
  return out;
}

/** Backing-store ↔ SRAM words of a tiling (the MEMA table one level up, K unsplit). */
export function flashCounts(t: SramTiling, M: number, K: number, N: number): Counts {
  if (t.residency === 'whole') {
    return { aLoads: M * K, bLoads: K * N, cLoads: 0, cStores: M * N, total: M * K + K * N + M * N, macs: M * K * N };
  }
  const nest = t.residency === 'A' ? nestOf('NKM', t.ms, K, t.ns) : nestOf('MKN', t.ms, K, t.ns);
  return cost(nest, M, K, N);
}

/** SRAM capacity of `hw` in words (⌊sramBytes / wordBytes⌋): the budget of the resident SRAM tiles. */
export function sramWordsOf(hw: Hardware): number {
  return Math.floor(hw.sramBytes / hw.wordBytes);
}
const panelWords = (ms: number, K: number, ns: number): number => ms * K + K * ns + ms * ns;

function choice(reg: LoopNest, counts: Counts): ScheduleChoice {
  return { name: scheduleName(reg), nest: reg, footprint: footprint(reg), counts };
}

/**
 * Closed-form two-level schedule. Whole problem fits ⇒ one SRAM tile and the register rule (`deriveSchedule`'s).
 * Otherwise, for each register class with its closed-form tile (`classTiles`), the SRAM panels that keep that class's
 * register traffic exactly (panels aligned to the register tile; A-stationary registers need whole rows of B, i.e.
 * ns = N, B-stationary need ms = M; when those do not fit, the thinnest panel across the reused side, split into as few
 * panels as fit): the streamed side as thin as the register tile, the resident side as wide as the capacity allows, ms_max = ⌊(S − K·ns)/(K + ns)⌋ rounded down to the register tile and balanced to the same tile
 * count. The residency cut-off (A resident iff MK + KN·⌈M/ms⌉ ≤ KN + MK·⌈N/ns⌉) picks A or B. Among the feasible
 * classes the fewest register words, then the fewest backing-store words. O(1) per class; `searchTwoLevel` is its oracle.
 * Throws InvalidInput when K is too long for any K-unsplit panel pair (2K + 1 words).
 */
export function deriveTwoLevel(hw: Hardware, M: number, K: number, N: number): TwoLevelSchedule {
  validateHardware(hw);
  validateShape(M, K, N);
  const S = sramWordsOf(hw);
  const tiles = classTiles(hw.registers, M, K, N);
  if (panelWords(M, K, N) <= S) {
    const name = chooseClass(tiles, M, K, N);
    const sram: SramTiling = { residency: 'whole', ms: M, ns: N, footprintWords: panelWords(M, K, N) };
    return { register: choice(tiles[name], cost(tiles[name], M, K, N)), sram, flash: flashCounts(sram, M, K, N), sramWords: S };
  }
  if (2 * K + 1 > S) {
    throw new InvalidInput(
      `SRAM of ${hw.sramBytes} bytes holds ${S} words; K = ${K} needs at least ${2 * K + 1} words for one row of A, one column of B and one C value (K is not split across SRAM tiles)`,
    );
  }
  /** Largest aligned `side` (multiple of `align`, or the whole `len`) with side·K + K·other + side·other ≤ S, balanced. */
  const widest = (len: number, align: number, other: number): number => {
    const max = Math.min(len, Math.floor((S - K * other) / (K + other)));
    if (max >= len) return len;
    const aligned = Math.floor(max / align) * align;
    if (aligned < 1) return 0;
    const T = Math.ceil(len / aligned);
    return Math.min(aligned, Math.ceil(Math.ceil(len / T) / align) * align);
  };
  let best: TwoLevelSchedule | undefined;
  const consider = (reg: LoopNest, residency: 'A' | 'B', ms: number, ns: number): void => {
    if (ms < 1 || ns < 1 || panelWords(ms, K, ns) > S) return;
    const sram: SramTiling = { residency, ms, ns, footprintWords: panelWords(ms, K, ns) };
    const r = tiledRegisterCounts(reg, M, K, N, ms, ns);
    const f = flashCounts(sram, M, K, N);
    if (!best || r.total < best.register.counts.total || (r.total === best.register.counts.total && f.total < best.flash.total)) {
      best = { register: choice(reg, r), sram, flash: f, sramWords: S };
    }
  };
  const residencyCut = (reg: LoopNest, a: [number, number], b: [number, number]): void => {
    // A resident iff MK + KN⌈M/msA⌉ ≤ KN + MK⌈N/nsB⌉ (both register-preserving; the cheaper backing-store side wins)
    const okA = a[0] >= 1 && a[1] >= 1,
      okB = b[0] >= 1 && b[1] >= 1;
    const fa = okA ? M * K + K * N * Math.ceil(M / a[0]) : Infinity,
      fb = okB ? K * N + M * K * Math.ceil(N / b[1]) : Infinity;
    if (fa <= fb) consider(reg, 'A', a[0], a[1]);
    else consider(reg, 'B', b[0], b[1]);
  };
  for (const name of ['KMN', 'MKN', 'NKM'] as ScheduleName[]) {
    const reg = tiles[name];
    if (name === 'KMN') {
      const nsA = Math.min(N, reg.n),
        msB = Math.min(M, reg.m);
      residencyCut(reg, [widest(M, reg.m, nsA), nsA], [msB, widest(N, reg.n, msB)]);
    } else if (name === 'NKM') {
      // the A tile in registers is reused along all of N: panels spanning N keep its register traffic; if they do not
      // fit, B-resident panels one register tile high, N split into as few panels as fit (A re-read once per panel)
      consider(reg, 'A', widest(M, reg.m, N), N);
      const ms = Math.min(M, reg.m);
      consider(reg, 'B', ms, widest(N, 1, ms));
    } else {
      // mirror image: the B tile is reused along all of M
      consider(reg, 'B', M, widest(N, reg.n, M));
      const ns = Math.min(N, reg.n);
      consider(reg, 'A', widest(M, 1, ns), ns);
    }
  }
  if (!best) {
    // no register-preserving panel fits: thinnest aligned panels of the KMN tile, then 1×1 as the last resort
    const reg = tiles.KMN;
    residencyCut(reg, [widest(M, 1, 1), 1], [1, widest(N, 1, 1)]);
  }
  return best!;
}

/**
 * Exhaustive oracle for `deriveTwoLevel` (tests and bench only): every register nest (`candidates`, one outer order per
 * class — the simulator tests show the outer order changes no count) × every K-unsplit SRAM tiling (ms ∈ 1..M,
 * ns ∈ 1..N, residency A or B, capacity respected; or 'whole' when everything fits), each scored by summing the exact
 * count formula over the SRAM tiles. Cost grows with the feasible (ms, ns) area (seconds per layer): meant for layers that
 * do not fit. `opts.signal` aborts between rows of A panels; `opts.progress(done, M)` reports them.
 */
export function searchTwoLevel(
  hw: Hardware,
  M: number,
  K: number,
  N: number,
  regNests: LoopNest[],
  opts: {
    /** Checked between rows of A panels; aborting throws `Aborted` (default: none). */
    signal?: AbortSignal;
    /** Called with (rows of A panels done, M) (default: none). */
    progress?: (done: number, total: number) => void;
  } = {},
): TwoLevelSchedule {
  validateHardware(hw);
  validateShape(M, K, N);
  const S = sramWordsOf(hw);
  let best: TwoLevelSchedule | undefined;
  const better = (r: Counts, f: Counts): boolean =>
    !best || r.total < best.register.counts.total || (r.total === best.register.counts.total && f.total < best.flash.total);
  if (panelWords(M, K, N) <= S) {
    const sram: SramTiling = { residency: 'whole', ms: M, ns: N, footprintWords: panelWords(M, K, N) };
    const f = flashCounts(sram, M, K, N);
    for (const reg of regNests) {
      const r = cost(reg, M, K, N);
      if (better(r, f)) best = { register: choice(reg, r), sram, flash: f, sramWords: S };
    }
  }
  for (let ms = 1; ms <= M; ms++) {
    throwIfAborted(opts.signal);
    opts.progress?.(ms - 1, M);
    for (let ns = 1; ns <= N; ns++) {
      if (panelWords(ms, K, ns) > S) break;
      if (ms === M && ns === N) continue; // = 'whole'
      const fa = flashCounts({ residency: 'A', ms, ns, footprintWords: 0 }, M, K, N);
      const fb = flashCounts({ residency: 'B', ms, ns, footprintWords: 0 }, M, K, N);
      const [res, f] = fa.total <= fb.total ? (['A', fa] as const) : (['B', fb] as const);
      for (const reg of regNests) {
        const r = tiledRegisterCounts(reg, M, K, N, ms, ns);
        if (better(r, f))
          best = {
            register: choice(reg, r),
            sram: { residency: res, ms, ns, footprintWords: panelWords(ms, K, ns) },
            flash: f,
            sramWords: S,
          };
      }
    }
  }
  if (!best) throw new InvalidInput(`no K-unsplit SRAM tiling fits ${S} words for ${M}×${K}×${N}`);
  return best;
}
