/**
 * MEMA figures (payloads typed by kernel/viz/types.ts, built directly).
 *  - layerTable: per layer, analytic vs search vs lower bound vs CMSIS-style baseline;
 *  - accessesVsCapacity: register↔SRAM accesses per MAC of the analytic schedule as the local capacity S grows,
 *    against the lower bound 2/√S per MAC (the "accesses vs memory size" plot);
 *  - dramVsCache: DRAM bytes of a schedule behind an LRU cache of growing size.
 */
import { FIGURE_VERSION, type SeriesFigure, type TableFigure } from '../viz/types';
import { check } from '../core/errors';
import { deriveSchedule, cost } from './cost';
import { search } from './search';
import { simulate } from './sim';
import { baselineCounts } from './baseline';
import { lowerBound, ratioToLowerBound } from './bound';
import { simulateCache } from './cache';
import type { Hardware, LoopNest } from './types';
import type { Layer } from './data';

/** Per layer: register↔SRAM accesses of the analytic schedule (MEMA, arXiv:2304.05544), of the exhaustive search when
 *  asked, of the CMSIS-style baseline, and the ratio to the I/O lower bound. */
export function layerTable(o: {
  /** Target hardware (its `registers` is the local capacity S, in words). */
  hw: Hardware;
  /** Layers as matmul shapes M×K×N. */
  layers: readonly Layer[];
  /** Also run the exhaustive search per layer (slow on big layers). Default false. */
  withSearch?: boolean;
}): TableFigure {
  const withSearch = o.withSearch ?? false; // the exhaustive oracle: off by default
  const rows = o.layers.map((l) => {
    const a = deriveSchedule(o.hw, l.M, l.K, l.N);
    const acc = simulate(a.nest, l.M, l.K, l.N).total;
    const b = baselineCounts(l.M, l.K, l.N).total;
    const s = withSearch ? search(o.hw, l.M, l.K, l.N, { score: 'cost' }).counts.total : null;
    return {
      layer: l.id,
      shape: `${l.M}×${l.K}×${l.N}`,
      schedule: `${a.name} ${a.nest.m}×${a.nest.k}×${a.nest.n}`,
      analytic: acc,
      search: s,
      baseline: b,
      gain: b / acc,
      lb: ratioToLowerBound(acc, l.M, l.K, l.N, o.hw.registers),
    };
  });
  return {
    kind: 'table',
    version: FIGURE_VERSION,
    title: `MEMA on ${o.hw.name}: register↔SRAM accesses per layer`,
    caption: 'Exact counts (not time). Gain = 2×2 inner-product baseline / closed form. Ratio to 2MNK/√S − 2S with S = registers.',
    columns: [
      { key: 'layer', label: 'layer', format: 'int' },
      { key: 'shape', label: 'M×K×N', format: 'text' },
      { key: 'schedule', label: 'closed-form schedule', format: 'text' },
      { key: 'analytic', label: 'closed form', unit: 'words', format: 'int' },
      { key: 'search', label: 'search optimum', unit: 'words', format: 'int' },
      { key: 'baseline', label: '2×2 baseline', unit: 'words', format: 'int' },
      { key: 'gain', label: 'gain', format: 'fixed3' },
      { key: 'lb', label: '/ lower bound', format: 'fixed3' },
    ],
    rows,
  };
}

/** Accesses per MAC of the analytic schedule as the local capacity S grows, against the baseline and the lower bound
 *  2/√S per MAC. */
export function accessesVsCapacity(o: {
  M: number;
  K: number;
  N: number;
  /** Local capacities S (words, i.e. registers). Default [4, 8, 12, 16, 24, 32, 48, 64, 96, 128]. */
  capacities?: number[];
  /** Hardware whose `registers` each capacity replaces. */
  base: Hardware;
}): SeriesFigure {
  const caps = o.capacities ?? [4, 8, 12, 16, 24, 32, 48, 64, 96, 128];
  check(caps.length > 0, 'capacities must not be empty');
  const macs = o.M * o.K * o.N;
  const y = caps.map((S) => deriveSchedule({ ...o.base, registers: S }, o.M, o.K, o.N).counts.total / macs);
  const base = baselineCounts(o.M, o.K, o.N).total / macs;
  return {
    kind: 'series',
    version: FIGURE_VERSION,
    title: `Accesses per MAC vs local capacity, ${o.M}×${o.K}×${o.N}`,
    caption:
      'Analytic schedule (exact cost model) against the Smith et al. lower bound (2MNK/√S − 2S)/MNK; dashed: CMSIS-style 2×2 baseline.',
    xLabel: 'local capacity S (words)',
    yLabel: 'external accesses per MAC',
    logX: true,
    series: [
      { name: 'analytic (MEMA)', x: caps, y, mode: 'lines+markers' },
      { name: 'lower bound', x: caps, y: caps.map((S) => Math.max(0, lowerBound(o.M, o.K, o.N, S)) / macs), mode: 'lines', dash: 'dot' },
      { name: '2×2 inner baseline', x: caps, y: caps.map(() => base), mode: 'lines', dash: 'dash' },
    ],
  };
}

/** DRAM bytes of each nest behind an LRU data cache of growing size (simulateCache), against the compulsory traffic. */
export function dramVsCache(o: {
  nests: { name: string; nest: LoopNest }[];
  M: number;
  K: number;
  N: number;
  /** Cache capacities (bytes). Default [1024, 2048, 4096, 8192, 16384, 32768]. */
  cacheBytes?: number[];
  /** Cache line (bytes). Default 32. */
  lineBytes?: number;
  /** Associativity (ways). Default 4. */
  ways?: number;
}): SeriesFigure {
  const sizes = o.cacheBytes ?? [1024, 2048, 4096, 8192, 16384, 32768];
  return {
    kind: 'series',
    version: FIGURE_VERSION,
    title: `DRAM traffic behind an LRU cache, ${o.M}×${o.K}×${o.N}`,
    caption: "Set-associative write-back LRU fed with the schedule's access trace; compulsory traffic shown as a line.",
    xLabel: 'cache size (bytes)',
    yLabel: 'DRAM bytes',
    logX: true,
    series: o.nests.map(({ name, nest }) => ({
      name,
      x: sizes,
      mode: 'lines+markers' as const,
      y: sizes.map((b) => simulateCache(nest, o.M, o.K, o.N, { bytes: b, lineBytes: o.lineBytes ?? 32, ways: o.ways ?? 4 }).dramBytes),
    })),
    hlines: [{ y: 4 * (o.M * o.K + o.K * o.N + 2 * o.M * o.N), label: 'compulsory (read A, B, C-write)' }],
  };
}

/** Closed-form counts of a nest as a one-row table (for showing a candidate). */
export function candidateTable(o: { candidates: { label: string; nest: LoopNest }[]; M: number; K: number; N: number }): TableFigure {
  return {
    kind: 'table',
    version: FIGURE_VERSION,
    title: `Candidate schedules, ${o.M}×${o.K}×${o.N}`,
    columns: [
      { key: 'label', label: 'schedule', format: 'text' },
      { key: 'a', label: 'A loads', format: 'int' },
      { key: 'b', label: 'B loads', format: 'int' },
      { key: 'cl', label: 'C loads', format: 'int' },
      { key: 'cs', label: 'C stores', format: 'int' },
      { key: 'total', label: 'total', format: 'int' },
    ],
    rows: o.candidates.map(({ label, nest }) => {
      const c = cost(nest, o.M, o.K, o.N);
      return { label, a: c.aLoads, b: c.bLoads, cl: c.cLoads, cs: c.cStores, total: c.total };
    }),
  };
}
