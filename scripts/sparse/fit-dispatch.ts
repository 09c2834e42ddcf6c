/**
 * Refit the dispatcher's per-operation costs (kernel/sparse/dispatch.ts COSTS) to a measured single-thread table of the
 * three kernels (default: the committed test/fixtures/sparse/rosko-speedup.json, written by `npm run bench -- --only rosko`).
 * Non-negative least squares on relative error by cyclic coordinate descent; prints the constants to paste into COSTS
 * and how often the refitted model picks the measured-fastest kernel.
 *
 *   npx tsx scripts/sparse/fit-dispatch.ts [table.json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COSTS, kernelCosts } from '../../kernel/sparse/dispatch';
import type { Hardware, Nr } from '../../kernel/sparse/types';

type Row = { shape: string; dist: string; s: number; nnz: number; rosko: number; csr: number; dense: number; tiles: string };
const file = process.argv[2] ?? join(__dirname, '../../test/fixtures/sparse/rosko-speedup.json');
const tab = JSON.parse(readFileSync(file, 'utf8')) as { hw: Hardware; rows: Row[] };
const keys = Object.keys(COSTS) as (keyof typeof COSTS)[];
const unit = (k: keyof typeof COSTS) => Object.fromEntries(keys.map((q) => [q, q === k ? 1 : 0])) as typeof COSTS;

function parseTiles(s: string) {
  const m = /(\d+)x(\d+) mc(\d+) kc(\d+) nc(\d+)/.exec(s)!;
  return { mr: +m[1]!, nr: +m[2]! as Nr, mc: +m[3]!, kc: +m[4]!, nc: +m[5]!, p: tab.hw.cores };
}
// one equation per (row, kernel): Σ_k COSTS_k · feature_k = measured ms; dense once per shape
const X: number[][] = [],
  y: number[] = [],
  lab: string[] = [];
const seenDense = new Set<string>();
const rows = tab.rows.filter((r) => r.s >= 0.5);
for (const r of rows) {
  const [M, K, N] = r.shape.split('x').map(Number) as [number, number, number];
  const x = { M, K, N, nnz: r.nnz, tiles: parseTiles(r.tiles) };
  const feats = keys.map((k) => kernelCosts(tab.hw, x, unit(k)).costs);
  for (const [i, kern] of (['rosko', 'csr', 'dense'] as const).entries()) {
    if (kern === 'dense' && seenDense.has(r.shape)) continue;
    if (kern === 'dense') seenDense.add(r.shape);
    X.push(feats.map((f) => f[i]!.ns / 1e6));
    y.push(r[kern]);
    lab.push(`${r.shape} ${r.dist} ${r.s} ${kern}`);
  }
}
// csrMadd is tied to denseMadd (same in-register multiply-add): fold its column into denseMadd's
const iD = keys.indexOf('denseMadd'),
  iC = keys.indexOf('csrMadd');
for (const row of X) {
  row[iD]! += row[iC]!;
  row[iC] = 0;
}
const w = y.map((t) => 1 / t);
const c = keys.map((k) => COSTS[k]);
c[iC] = 0;
for (let it = 0; it < 20000; it++)
  for (let j = 0; j < keys.length; j++) {
    if (j === iC) continue;
    let num = 0,
      den = 0;
    for (let i = 0; i < X.length; i++) {
      const pred = X[i]!.reduce((s, v, q) => s + v * c[q]!, 0) - X[i]![j]! * c[j]!;
      num += w[i]! ** 2 * X[i]![j]! * (y[i]! - pred);
      den += w[i]! ** 2 * X[i]![j]! ** 2;
    }
    if (den > 0) c[j] = Math.max(0, num / den);
  }
c[iC] = c[iD]!;
const fitted = Object.fromEntries(keys.map((k, j) => [k, +c[j]!.toPrecision(3)])) as typeof COSTS;
console.log('COSTS =', JSON.stringify(fitted, null, 1));
let ok = 0,
  within5 = 0,
  n = 0;
for (const r of rows) {
  const [M, K, N] = r.shape.split('x').map(Number) as [number, number, number];
  const pred = kernelCosts(tab.hw, { M, K, N, nnz: r.nnz, tiles: parseTiles(r.tiles) }, fitted).costs;
  const pick = pred.reduce((a, b) => (b.ns < a.ns ? b : a)).kernel;
  const best = Math.min(r.rosko, r.csr, r.dense);
  const truth = r.rosko === best ? 'rosko' : r.csr === best ? 'csr' : 'dense';
  n++;
  if (pick === truth) ok++;
  if (r[pick] <= best * 1.05) within5++;
  else console.log(`miss ${r.shape} ${r.dist} ${r.s}: picked ${pick} ${r[pick].toFixed(2)} ms, best ${truth} ${best.toFixed(2)} ms`);
}
console.log(`picks the fastest on ${ok}/${n} cells, within 5% on ${within5}/${n}`);
