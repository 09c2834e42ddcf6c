/** Loop-nest IR helpers: stationary operand, register footprint, validation. */
import { InvalidInput, checkInt, checkOneOf, describe } from '../core/errors';
import { SCHEDULE_NAMES, type Dim, type LoopNest, type Operand, type ScheduleName } from './types';

const DIMS: readonly Dim[] = ['M', 'K', 'N'];

/** The 6 loop orders (outermost first). */
export const ALL_ORDERS: readonly [Dim, Dim, Dim][] = [
  ['M', 'N', 'K'],
  ['N', 'M', 'K'],
  ['N', 'K', 'M'],
  ['K', 'N', 'M'],
  ['M', 'K', 'N'],
  ['K', 'M', 'N'],
];

export function innermost(nest: LoopNest): Dim {
  return nest.order[2];
}

/** The operand not indexed by the innermost loop stays in local memory. */
export function stationary(nest: LoopNest): Operand {
  const d = innermost(nest);
  return d === 'K' ? 'C' : d === 'M' ? 'B' : 'A';
}

/** The schedule class of a nest, named by its innermost loop (MEMA, arXiv:2304.05544 §3): K innermost → 'KMN' (C tile
 *  stationary), M innermost → 'MKN' (B tile stationary), N innermost → 'NKM' (A tile stationary). */
export function scheduleName(nest: LoopNest): ScheduleName {
  const d = innermost(nest);
  return d === 'K' ? 'KMN' : d === 'M' ? 'MKN' : 'NKM';
}

/** Canonical nest for a schedule class (the outer two loops do not change register-level counts). */
export function nestOf(name: ScheduleName, m: number, k: number, n: number): LoopNest {
  checkOneOf('schedule name', name, SCHEDULE_NAMES);
  const order: [Dim, Dim, Dim] = name === 'KMN' ? ['N', 'M', 'K'] : name === 'MKN' ? ['N', 'K', 'M'] : ['M', 'K', 'N'];
  return { order, m, k, n };
}

/**
 * Local words the register kernel needs (MEMA kernel_gen.py):
 *  KMN: m·n accumulators + n B values + 1 broadcast A;  MKN: k·n B + n C + 1 A;  NKM: m·k A + m C + 1 B.
 */
export function footprint(nest: LoopNest): number {
  const { m, k, n } = nest;
  switch (innermost(nest)) {
    case 'K':
      return m * n + n + 1;
    case 'M':
      return k * n + n + 1;
    default:
      return m * k + m + 1;
  }
}

/** Throws InvalidInput unless `nest.order` is a permutation of M, K, N and the tiles m, k, n are positive integers (words). */
export function validateNest(nest: LoopNest): void {
  if (
    !nest ||
    !Array.isArray(nest.order) ||
    nest.order.length !== 3 ||
    new Set(nest.order).size !== 3 ||
    !nest.order.every((d) => DIMS.includes(d))
  ) {
    throw new InvalidInput(`nest.order must be a permutation of M, K, N; got ${describe(nest?.order)}`);
  }
  checkInt('nest.m', nest.m);
  checkInt('nest.k', nest.k);
  checkInt('nest.n', nest.n);
}

export function validateShape(M: number, K: number, N: number): void {
  checkInt('M', M);
  checkInt('K', K);
  checkInt('N', N);
}
