/**
 * Exact access simulator: interprets a LoopNest step by step and counts every word loaded from / stored to
 * external memory (SRAM for the register level). It shares no formula with the cost model: it walks the
 * tile loops in the nest's order, tracks which tile of the stationary operand is resident, and which C tiles
 * already hold partial sums (those must be re-loaded; first visits start from zero).
 */
import { validateNest, validateShape, stationary } from './ir';
import type { Counts, Dim, LoopNest } from './types';

export interface SimulateOptions {
  /** Called once per tile step with tile origins and clipped sizes (for traces / an LRU level). */
  onStep?: (s: { i0: number; p0: number; j0: number; mi: number; kp: number; nj: number }) => void;
  /** Called for every block of external accesses, in program order (rows × cols starting at (r0, c0) of the operand). */
  onAccess?: (a: { op: 'A' | 'B' | 'C'; write: boolean; r0: number; c0: number; rows: number; cols: number }) => void;
}

/**
 * Exact external-memory word accesses (A loads, B loads, C re-loads and stores) of C[M×N] = A[M×K]·B[K×N] run by `nest`,
 * counted by walking its tile loops (edge tiles clipped). The referee for the closed-form `cost` and the emitted C.
 * `opts` only observes (callbacks; default none).
 */
export function simulate(nest: LoopNest, M: number, K: number, N: number, opts: SimulateOptions = {}): Counts {
  validateNest(nest);
  validateShape(M, K, N);
  const size: Record<Dim, number> = { M, K, N };
  const tile: Record<Dim, number> = { M: nest.m, K: nest.k, N: nest.n };
  const count = (d: Dim): number => Math.ceil(size[d] / tile[d]);
  const TM = count('M'),
    TN = count('N');
  const [d0, d1, d2] = nest.order;
  const n0 = count(d0),
    n1 = count(d1),
    n2 = count(d2);
  const st = stationary(nest);
  const visited = new Uint8Array(TM * TN);
  const clip = (d: Dim, t: number): number => Math.min(tile[d], size[d] - t * tile[d]);
  let aLoads = 0,
    bLoads = 0,
    cLoads = 0,
    cStores = 0,
    macs = 0;
  let resident = -1; // linear index of the resident stationary tile
  let residentC = { mi: 0, nj: 0, i0: 0, j0: 0 };
  const idx: Record<Dim, number> = { M: 0, K: 0, N: 0 };
  for (let a = 0; a < n0; a++) {
    idx[d0] = a;
    for (let b = 0; b < n1; b++) {
      idx[d1] = b;
      for (let c = 0; c < n2; c++) {
        idx[d2] = c;
        const i = idx.M,
          p = idx.K,
          j = idx.N;
        const mi = clip('M', i),
          kp = clip('K', p),
          nj = clip('N', j);
        const cTile = i * TN + j;
        const acc = opts.onAccess;
        const I0 = i * nest.m,
          P0 = p * nest.k,
          J0 = j * nest.n;
        // A
        if (st === 'A') {
          const id = i * 1e6 + p;
          if (id !== resident) {
            aLoads += mi * kp;
            resident = id;
            acc?.({ op: 'A', write: false, r0: I0, c0: P0, rows: mi, cols: kp });
          }
        } else {
          aLoads += mi * kp;
          acc?.({ op: 'A', write: false, r0: I0, c0: P0, rows: mi, cols: kp });
        }
        // B
        if (st === 'B') {
          const id = p * 1e6 + j;
          if (id !== resident) {
            bLoads += kp * nj;
            resident = id;
            acc?.({ op: 'B', write: false, r0: P0, c0: J0, rows: kp, cols: nj });
          }
        } else {
          bLoads += kp * nj;
          acc?.({ op: 'B', write: false, r0: P0, c0: J0, rows: kp, cols: nj });
        }
        // C
        if (st === 'C') {
          if (cTile !== resident) {
            if (resident >= 0) {
              cStores += residentC.mi * residentC.nj;
              acc?.({ op: 'C', write: true, r0: residentC.i0, c0: residentC.j0, rows: residentC.mi, cols: residentC.nj });
            }
            if (visited[cTile]) {
              cLoads += mi * nj;
              acc?.({ op: 'C', write: false, r0: I0, c0: J0, rows: mi, cols: nj });
            }
            visited[cTile] = 1;
            resident = cTile;
            residentC = { mi, nj, i0: I0, j0: J0 };
          }
        } else {
          if (visited[cTile]) {
            cLoads += mi * nj;
            acc?.({ op: 'C', write: false, r0: I0, c0: J0, rows: mi, cols: nj });
          }
          visited[cTile] = 1;
          cStores += mi * nj;
          acc?.({ op: 'C', write: true, r0: I0, c0: J0, rows: mi, cols: nj });
        }
        macs += mi * kp * nj;
        opts.onStep?.({ i0: i * nest.m, p0: p * nest.k, j0: j * nest.n, mi, kp, nj });
      }
    }
  }
  if (st === 'C' && resident >= 0) {
    cStores += residentC.mi * residentC.nj;
    opts.onAccess?.({ op: 'C', write: true, r0: residentC.i0, c0: residentC.j0, rows: residentC.mi, cols: residentC.nj });
  }
  return { aLoads, bLoads, cLoads, cStores, total: aLoads + bLoads + cLoads + cStores, macs };
}
