/**
 * Refit the dispatcher's per-operation costs (kernel/sparse/dispatch.ts COSTS) to a measured single-thread table of the
 * three kernels (default: the committed test/fixtures/sparse/rosko-speedup.json, written by `npm run bench -- --only rosko`).
 * Non-negative least squares on relative error by cyclic coordinate descent.
 *
 * Validation split (declared in bench/declared/rosko-dispatch-split.json): the constants are fitted on 5 of the 7 shapes
 * and the picks are checked on the 2 held-out shapes; leave-one-shape-out (fit on 6, check the 7th, for each shape) is
 * printed beside it. Prints the constants to paste into COSTS (fitted on the fit shapes only) and, per split, how often
 * the model picks the measured-fastest kernel, one within 5 % of it, and the worst (fastest ÷ picked) time.
 *
 *   npx tsx scripts/sparse/fit-dispatch.ts [table.json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COSTS, kernelCosts } from '../../kernel/sparse/dispatch';
import type { Hardware, Nr } from '../../kernel/sparse/types';

type Row = { shape: string; dist: string; s: number; nnz: number; rosko: number; csr: number; dense: number; tiles: string };
type Costs = typeof COSTS;
const root = join(__dirname, '../..');
const file = process.argv[2] ?? join(root, 'test/fixtures/sparse/rosko-speedup.json');
const tab = JSON.parse(readFileSync(file, 'utf8')) as { hw: Hardware; rows: Row[]; measuredAt?: string; env?: string };
const split = JSON.parse(readFileSync(join(root, 'bench/declared/rosko-dispatch-split.json'), 'utf8')) as {
  fit: string[];
  heldOut: string[];
};
const keys = Object.keys(COSTS) as (keyof Costs)[];
const unit = (k: keyof Costs) => Object.fromEntries(keys.map((q) => [q, q === k ? 1 : 0])) as Costs;
// csrLineMem is not fitted (no benchmarked B exceeds L3); csrMadd is tied to denseMadd
const FREE = keys.filter((k) => !['csrLineMem', 'csrMadd'].includes(k));

function parseTiles(s: string) {
  const m = /(\d+)x(\d+) mc(\d+) kc(\d+) nc(\d+)/.exec(s)!;
  return { mr: +m[1]!, nr: +m[2]! as Nr, mc: +m[3]!, kc: +m[4]!, nc: +m[5]!, p: tab.hw.cores };
}
const input = (r: Row) => {
  const [M, K, N] = r.shape.split('x').map(Number) as [number, number, number];
  return { M, K, N, nnz: r.nnz, tiles: parseTiles(r.tiles) };
};
const rows = tab.rows.filter((r) => r.s >= 0.5);
const shapes = [...new Set(rows.map((r) => r.shape))];
for (const s of [...split.fit, ...split.heldOut]) if (!shapes.includes(s)) throw new Error(`split names ${s}, not in the table`);

/** Fit the free constants to the rows of `fitShapes` (one equation per row and kernel; dense once per shape). */
function fit(fitShapes: string[]): Costs {
  const X: number[][] = [],
    y: number[] = [];
  const seenDense = new Set<string>();
  for (const r of rows.filter((q) => fitShapes.includes(q.shape))) {
    const x = input(r);
    const feats = keys.map((k) => kernelCosts(tab.hw, x, unit(k)).costs);
    for (const [i, kern] of (['rosko', 'csr', 'dense'] as const).entries()) {
      if (kern === 'dense' && seenDense.has(r.shape)) continue;
      if (kern === 'dense') seenDense.add(r.shape);
      const f = feats.map((c) => c[i]!.ns / 1e6);
      // csrMadd is tied to denseMadd (the same in-register multiply-add): fold its column into denseMadd's
      f[keys.indexOf('denseMadd')]! += f[keys.indexOf('csrMadd')]!;
      X.push(f);
      y.push(r[kern]);
    }
  }
  const w = y.map((t) => 1 / t);
  const c = keys.map((k) => (FREE.includes(k) ? COSTS[k] : 0));
  const fixed = keys.map((k) => (k === 'csrLineMem' ? COSTS[k] : 0)); // enters only for B beyond L3: not in the table
  for (let it = 0; it < 20000; it++)
    for (const k of FREE) {
      const j = keys.indexOf(k);
      let num = 0,
        den = 0;
      for (let i = 0; i < X.length; i++) {
        const pred = X[i]!.reduce((s, v, q) => s + v * (c[q]! + fixed[q]!), 0) - X[i]![j]! * c[j]!;
        num += w[i]! ** 2 * X[i]![j]! * (y[i]! - pred);
        den += w[i]! ** 2 * X[i]![j]! ** 2;
      }
      if (den > 0) c[j] = Math.max(0, num / den);
    }
  const out = { ...COSTS };
  for (const k of FREE) out[k] = +c[keys.indexOf(k)]!.toPrecision(3);
  out.csrMadd = out.denseMadd;
  return out;
}

/** How the model with constants `c` picks on the rows of `evalShapes`. */
function score(c: Costs, evalShapes: string[], verbose = false) {
  let ok = 0,
    within5 = 0,
    n = 0,
    worst = Infinity,
    worstAt = '';
  for (const r of rows.filter((q) => evalShapes.includes(q.shape))) {
    const pred = kernelCosts(tab.hw, input(r), c).costs;
    const pick = pred.reduce((a, b) => (b.ns < a.ns ? b : a)).kernel;
    const best = Math.min(r.rosko, r.csr, r.dense);
    const truth = r.rosko === best ? 'rosko' : r.csr === best ? 'csr' : 'dense';
    n++;
    if (pick === truth) ok++;
    if (r[pick] <= best * 1.05) within5++;
    else if (verbose)
      console.log(`  miss ${r.shape} ${r.dist} ${r.s}: picked ${pick} ${r[pick].toFixed(2)} ms, best ${truth} ${best.toFixed(2)} ms`);
    if (best / r[pick] < worst) {
      worst = best / r[pick];
      worstAt = `${r.shape} ${r.dist} ${r.s}`;
    }
  }
  return {
    ok,
    within5,
    n,
    worst,
    worstAt,
    text: `fastest on ${ok}/${n}, within 5 % on ${within5}/${n}, worst fastest÷picked ${worst.toFixed(3)} (${worstAt})`,
  };
}

console.log(`table: ${file} (${tab.measuredAt ?? '?'}; ${tab.env ?? ''}); ${rows.length} cells at sparsity ≥ 50 %`);
console.log(`current COSTS: all ${score(COSTS, shapes).text}`);
const shipped = fit(split.fit);
console.log('COSTS (fitted on', split.fit.join(', '), ') =', JSON.stringify(shipped, null, 1));
console.log(`fit shapes:      ${score(shipped, split.fit, true).text}`);
console.log(`held-out shapes: ${score(shipped, split.heldOut, true).text}`);
let tot = 0,
  totOk = 0,
  totW = 0,
  totWorst = Infinity;
for (const s of shapes) {
  const sc = score(fit(shapes.filter((q) => q !== s)), [s]);
  tot += sc.n;
  totOk += sc.ok;
  totW += sc.within5;
  totWorst = Math.min(totWorst, sc.worst);
  console.log(`leave out ${s}: ${sc.text}`);
}
console.log(`leave-one-shape-out total: fastest on ${totOk}/${tot}, within 5 % on ${totW}/${tot}, worst ${totWorst.toFixed(3)}`);
