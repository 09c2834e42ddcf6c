/**
 * Min-cost assignment (the Hungarian / Munkres algorithm) from the maintained npm package `munkres` (MIT, no
 * dependencies). Used for row alignment under shared routing and for tile-to-crossbar matching per schedule round.
 */
import { munkres } from 'munkres';
import { InvalidInput } from '../core/errors';

/**
 * cost[i][j] = cost of giving row i column j (finite numbers). Returns, per row, its column (−1 when rows outnumber
 * columns). Rectangular matrices assign min(rows, cols) pairs with the least total cost.
 */
export function minCostAssignment(cost: readonly (readonly number[])[]): Int32Array {
  const n = cost.length;
  const out = new Int32Array(n).fill(-1);
  if (n === 0) return out;
  const m = cost[0]!.length;
  for (const [i, row] of cost.entries())
    if (row.length !== m) throw new InvalidInput(`cost row ${i} has ${row.length} entries; expected ${m} (a rectangular matrix)`);
  if (m === 0) return out;
  for (const [i, j] of munkres(cost as number[][])) out[i] = j;
  return out;
}
