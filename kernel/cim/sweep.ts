/**
 * Trade-off sweep for the reprogramming paper (arXiv:2410.21730): reprogramming reduction vs weight error over stucking (k, f), physical crossbars P
 * and crossbar size, on the same integer weights.
 */
import { InvalidInput, checkInt, throwIfAborted } from '../core/errors';
import { mapLayer } from './crossbar';
import { packSections, type PackOptions } from './layout';
import { simulateReprogramming } from './reprogram';
import type { CrossbarConfig, SchedulePolicy } from './types';

export interface SweepOptions {
  /** Integer weight matrices [nOut][nIn] (e.g. from quantize / synthQuantized). */
  weights: { q: Int8Array; nOut: number; nIn: number }[];
  /** Crossbar sizes (square). Default [128]. */
  sizes?: number[];
  /** P as a divisor of the tile count: P = ⌈tiles / d⌉. Default [8]. */
  tilesPerCrossbar?: number[];
  /** (k, f) points; (0, 1) = sorting only. Default [[0,1],[1,0.5],[2,0.5],[2,0.25],[3,0.25],[4,0.25]]. */
  stuck?: [number, number][];
  /** Schedule of the sorted side (default 'chunked-zigzag'); the naive side is always round-robin. */
  policy?: SchedulePolicy;
  /**
   * Layout of the sorted side: true (default) packs sections by value profile (`packSections`); false keeps the grid.
   * Default true because it is what makes consecutive loads similar (measured 5.2× → 18× on a 768×3072 layer).
   */
  pack?: boolean | PackOptions;
  /** Cell and weight encoding (default DEFAULT_CONFIG's: 1 bit/cell, 8-bit, sign-magnitude); rows and cols come from `sizes`. */
  config?: Partial<Omit<CrossbarConfig, 'rows' | 'cols'>>;
  /** Seed of the bit-stucking draws, the same for every point (default 0). */
  seed?: number;
  /** Checked before every (k, f) point; aborting throws `Aborted` (default: none). */
  signal?: AbortSignal;
}

export interface SweepRow {
  size: number;
  tilesPerCrossbar: number;
  physical: number;
  k: number;
  f: number;
  reduction: number;
  cellWrites: number;
  baselineWrites: number;
  meanAbsError: number;
  relRmsError: number;
}

/**
 * Cell-write reduction of arXiv:2410.21730's techniques over a grid of crossbar sizes, crossbar counts and (k, f)
 * stucking points. Each row: naive (unsorted grid, round-robin) vs sorted ('signed', packed unless pack: false) +
 * policy + stucking, same size and P; `reduction` = naive ÷ sorted cell writes; the stale weights' mean |Δq| (LSB) and
 * relative RMS error.
 */
export function sweep(opts: SweepOptions): SweepRow[] {
  if (!opts.weights?.length) throw new InvalidInput('sweep needs at least one weight matrix');
  const rows: SweepRow[] = [];
  for (const size of opts.sizes ?? [128]) {
    checkInt('size', size);
    const config = { ...opts.config, rows: size, cols: size };
    const naive = opts.weights.map((w) => mapLayer({ ...w, config }));
    const pack = opts.pack ?? true;
    const sorted = opts.weights.map((w) => {
      const L = mapLayer({ ...w, config, sort: 'signed' });
      return pack ? packSections(L, pack === true ? {} : pack) : L;
    });
    const tiles = naive.reduce((a, l) => a + l.tiles, 0);
    for (const d of opts.tilesPerCrossbar ?? [8]) {
      const physical = Math.ceil(tiles / checkInt('tilesPerCrossbar', d));
      const base = simulateReprogramming(naive, { physical });
      for (const [k, f] of opts.stuck ?? [
        [0, 1],
        [1, 0.5],
        [2, 0.5],
        [2, 0.25],
        [3, 0.25],
        [4, 0.25],
      ]) {
        throwIfAborted(opts.signal);
        const r = simulateReprogramming(sorted, {
          physical,
          policy: opts.policy ?? 'chunked-zigzag',
          stuckColumns: k,
          rewriteFraction: f,
          seed: opts.seed ?? 0,
        });
        rows.push({
          size,
          tilesPerCrossbar: d,
          physical,
          k,
          f,
          reduction: base.cellWrites / r.cellWrites,
          cellWrites: r.cellWrites,
          baselineWrites: base.cellWrites,
          meanAbsError: r.weightError.meanAbs,
          relRmsError: r.weightError.relRms,
        });
      }
    }
  }
  return rows;
}
