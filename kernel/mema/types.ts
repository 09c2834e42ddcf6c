/**
 * MEMA types: the loop-nest IR for tiled C(M×N) += A(M×K)·B(K×N), hardware descriptions and access counts.
 *
 * Vocabulary (CAKE/MEMA naming: the schedule name lists loops innermost first):
 *  - KMN: K innermost ⇒ the C tile is stationary ("k-first", output-stationary, outer-product kernel);
 *  - MKN: M innermost ⇒ the B tile is stationary ("m-first");
 *  - NKM: N innermost ⇒ the A tile is stationary ("n-first").
 */

export type Dim = 'M' | 'K' | 'N';
export type Operand = 'A' | 'B' | 'C';
/** Schedule class, named by the innermost loop first (MEMA / CAKE `derive_schedule`). */
export type ScheduleName = 'KMN' | 'MKN' | 'NKM';
/** The schedule names every verb taking a ScheduleName accepts (anything else is InvalidInput). */
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['KMN', 'MKN', 'NKM'];

/**
 * One level of the loop-nest IR. `order` lists the tile loops OUTERMOST FIRST (so KMN is ['N','M','K'] or
 * ['M','N','K']); the innermost dimension decides the stationary operand (the one not indexed by it).
 * Tile sizes (m, k, n) are the block sizes at this level; edge tiles are clipped to the shape (leftover tiles).
 * The kernel processes the innermost dimension one index at a time, so its tile size changes no count
 * (checked by the simulator tests); `deriveSchedule` and `search` set it to 1.
 */
export interface LoopNest {
  order: [Dim, Dim, Dim];
  m: number;
  k: number;
  n: number;
}

/** Hardware description. Register level = local memory; SRAM = external memory for the Cortex-M case. */
export interface Hardware {
  name: string;
  /** Registers usable for the FP32 kernel (local capacity S at the register↔SRAM level, in words). */
  registers: number;
  /** 32-bit general-purpose registers usable by the Q15 kernel (documentation; not used by the FP32 model). */
  gprs: number;
  /** SRAM size in bytes: external memory of the register level and the capacity constraint of the two-level model (`deriveTwoLevel`). */
  sramBytes: number;
  /** Word size in bytes (4 for FP32). */
  wordBytes: number;
  /** Optional data cache for the CPU case (A72): capacity and line in bytes, associativity. */
  cache?: { bytes: number; lineBytes: number; ways: number };
}

/** Exact word-access counts at one level (external memory side). */
export interface Counts {
  aLoads: number;
  bLoads: number;
  cLoads: number;
  cStores: number;
  /** aLoads + bLoads + cLoads + cStores. */
  total: number;
  /** Multiply-accumulates executed (always M·K·N for a correct nest). */
  macs: number;
}

export interface Shape {
  M: number;
  K: number;
  N: number;
}

/** A schedule chosen by `deriveSchedule` / `search`, with its counts. */
export interface ScheduleChoice {
  name: ScheduleName;
  nest: LoopNest;
  /** Local words the kernel needs (stationary tile + one streamed vector + one broadcast register). */
  footprint: number;
  counts: Counts;
}
