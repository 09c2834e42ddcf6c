/**
 * MEMA (arXiv:2304.05544) on a user's model: every conv (as im2col matmul) and dense layer of an imported layer table
 * is the matmul C[M×N] = A[M×K]·B[K×N] with M = outputs, K = inputs per output, N = output positions; each gets the
 * analytic two-level schedule (`deriveTwoLevel`: register schedule inside SRAM tiles streamed from flash), its external
 * (flash ↔ SRAM) accesses against the I/O lower bound, and whether the whole layer is SRAM-resident on the MCU preset.
 * Depthwise convs are not one matmul (each channel has its own input): listed as skipped.
 */
import { InvalidInput, checkOneOf, throwIfAborted } from '../core/errors';
import type { AnalyzeCommon, ModelTable } from '../model/types';
import { lowerBound } from './bound';
import { PRESETS } from './hardware';
import { deriveTwoLevel, sramWordsOf, type TwoLevelSchedule } from './sram';
import type { Hardware } from './types';

export interface MemaAnalyzeOptions extends AnalyzeCommon {
  /** MCU preset name (PRESETS) or a Hardware. Default 'cortex-m4' (256 KB SRAM). */
  hardware?: string | Hardware;
}

export interface MemaLayerRow {
  name: string;
  M: number;
  K: number;
  N: number;
  /** Register schedule name and SRAM residency of the two-level schedule. */
  schedule: string;
  residency: string;
  /** Flash ↔ SRAM words of the schedule. */
  external: number;
  /**
   * Lower bound on external words: the larger of the I/O bound for an SRAM of the preset's size (`lowerBound`,
   * arXiv:1702.02017) and the compulsory words (A and B read once, C written once).
   */
  lowerBound: number;
  /** external / lowerBound. */
  ratio: number;
  /** A, B and C of the layer all fit in SRAM at once (no streaming needed). */
  fitsSram: boolean;
  /** Words of A + B + C. */
  words: number;
}

/** An MCU preset name (PRESETS) or a Hardware, resolved. */
export function memaHardware(hardware: string | Hardware | undefined, where: string): Hardware {
  return typeof hardware === 'object'
    ? hardware
    : PRESETS[checkOneOf(`${where}: hardware`, hardware ?? 'cortex-m4', Object.keys(PRESETS))]!;
}

/**
 * The matmul view of each layer of `table` and its two-level schedule on `hw`: M = outputs, K = inputs per output,
 * N = output positions. Depthwise layers, layers without shapes and layers no schedule fits are `skipped` with the reason.
 */
export function layerSchedules(
  table: ModelTable,
  hw: Hardware,
  opts: AnalyzeCommon = {},
): {
  layers: { index: number; M: number; K: number; N: number; schedule: TwoLevelSchedule }[];
  skipped: { name: string; reason: string }[];
} {
  const layers: { index: number; M: number; K: number; N: number; schedule: TwoLevelSchedule }[] = [];
  const skipped: { name: string; reason: string }[] = [];
  table.layers.forEach((l, i) => {
    throwIfAborted(opts.signal);
    if (l.op === 'depthwise') skipped.push({ name: l.name, reason: 'depthwise conv: one small matmul per channel, not one matmul' });
    else if (!Number.isFinite(l.positions)) skipped.push({ name: l.name, reason: 'output positions unknown (no shapes)' });
    else {
      try {
        layers.push({ index: i, M: l.nOut, K: l.nIn, N: l.positions, schedule: deriveTwoLevel(hw, l.nOut, l.nIn, l.positions) });
      } catch (e) {
        if (!(e instanceof InvalidInput)) throw e;
        skipped.push({ name: l.name, reason: e.message });
      }
    }
    opts.onProgress?.(i + 1, table.layers.length, l.name);
  });
  return { layers, skipped };
}

/** MEMA schedules of an imported model's matmul layers on an MCU preset. Pure arithmetic. */
export function analyzeModel(
  table: ModelTable,
  opts: MemaAnalyzeOptions = {},
): { hardware: Hardware; layers: MemaLayerRow[]; skipped: { name: string; reason: string }[] } {
  const hw = memaHardware(opts.hardware, 'mema.analyzeModel');
  const S = sramWordsOf(hw);
  const { layers: sch, skipped } = layerSchedules(table, hw, opts);
  const layers = sch.map(({ index, M, K, N, schedule: s }): MemaLayerRow => {
    const words = M * K + K * N + M * N;
    const lb = Math.max(lowerBound(M, K, N, S), words);
    return {
      name: table.layers[index]!.name,
      M,
      K,
      N,
      schedule: s.register.name,
      residency: s.sram.residency,
      external: s.flash.total,
      lowerBound: lb,
      ratio: s.flash.total / lb,
      fitsSram: words <= S,
      words,
    };
  });
  return { hardware: hw, layers, skipped };
}
