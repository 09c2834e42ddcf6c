/**
 * Exhaustive search (the referee): every loop order (6 permutations, which fixes the stationary operand)
 * × every tile shape whose register footprint fits, each scored with the exact simulator (or, on request, the exact count
 * formula). It is the oracle the closed-form rule `deriveSchedule` is tested against.
 * The innermost tile size is 1: the simulator tests show it changes no count, and it only costs registers.
 */
import { throwIfAborted } from '../core/errors';
import { ALL_ORDERS, footprint, scheduleName } from './ir';
import { simulate } from './sim';
import { cost, validateHardware } from './cost';
import type { Hardware, LoopNest, ScheduleChoice } from './types';

export interface SearchOptions {
  /** Checked before every candidate; aborting throws `Aborted` (default: none). */
  signal?: AbortSignal;
  /** Called after each loop order with (done, total). */
  progress?: (done: number, total: number) => void;
  /** How each candidate is scored: 'simulate' (default) walks the loop nest; 'cost' uses the exact count formula, which the
   *  tests prove equal to the simulator and to the instrumented C (fast enough to search every benchmark layer in a test). */
  score?: 'simulate' | 'cost';
}

/** Every register-level nest the search scores: 6 loop orders × every tile (innermost tile 1) whose footprint fits in
 *  `registers` local words. */
export function candidates(registers: number): LoopNest[] {
  const out: LoopNest[] = [];
  for (const order of ALL_ORDERS) {
    const inner = order[2];
    for (let a = 1; a <= registers; a++) {
      for (let b = 1; b <= registers; b++) {
        const nest: LoopNest =
          inner === 'K'
            ? { order: [...order], m: a, k: 1, n: b }
            : inner === 'M'
              ? { order: [...order], m: 1, k: a, n: b }
              : { order: [...order], m: a, k: b, n: 1 };
        if (footprint(nest) <= registers) out.push(nest);
      }
    }
  }
  return out;
}

/** Best schedule by simulation; ties broken by smaller footprint, then enumeration order. */
export function search(hw: Hardware, M: number, K: number, N: number, opts: SearchOptions = {}): ScheduleChoice & { evaluated: number } {
  validateHardware(hw);
  const cands = candidates(hw.registers);
  let best: ScheduleChoice | undefined;
  let done = 0;
  for (const nest of cands) {
    throwIfAborted(opts.signal);
    const counts = opts.score === 'cost' ? cost(nest, M, K, N) : simulate(nest, M, K, N);
    const fp = footprint(nest);
    if (!best || counts.total < best.counts.total || (counts.total === best.counts.total && fp < best.footprint)) {
      best = { name: scheduleName(nest), nest, footprint: fp, counts };
    }
    if (++done % 50 === 0) opts.progress?.(done, cands.length);
  }
  return { ...best!, evaluated: cands.length };
}
