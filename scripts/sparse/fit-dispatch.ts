/**
 * Refit the dispatcher's per-operation costs (kernel/sparse/dispatch.ts COSTS) to measured single-thread tables of the
 * three kernels. Non-negative least squares on relative error by cyclic coordinate descent.
 *
 * Tables (default the two the shipped COSTS are fitted on): test/fixtures/sparse/rosko-table-2026-12-07-0236.json and
 * rosko-table-2026-12-07-0551.json (the full tables `npm run bench -- --only rosko` wrote on the Zen 4 benchmark box at
 * 02:36 and 05:51, pinned: every full run rewrites test/fixtures/sparse/rosko-speedup.json, which can be passed as an
 * argument). The older tables of a 512 KiB-L2 EPYC (rosko-table-2026-12-06-1601.json, rosko-idle-2026-12-06.json with
 * 9 real pruned matrices) can still be passed; they fitted the constants before.
 *
 * Validation split (declared in bench/declared/rosko-dispatch-split.json): the constants are fitted on the synthetic
 * cells of 5 of the 7 shapes (in every table) and the picks are checked on the 2 held-out shapes; then ROSKO_MARGIN
 * (Rosko's required edge over CSR) is chosen on the fit shapes from 0, 5, 10, 15 %; real matrices (in the older
 * tables) are in neither list and are never fitted — they are a second held-out set. Leave-one-shape-out (fit on 6,
 * check the 7th) is printed beside it. Prints the constants to paste into COSTS (fitted on the fit shapes only), and per
 * split and table how often the model picks the measured-fastest kernel, one within 5 % of it, and the worst (fastest ÷
 * picked) time — for the shipped COSTS, for a refit without the row-front term (csrFrontMiss frozen at 0: the model
 * before it) and for the refit with it. Then, per cell of the idle run's 90 / 98 % table and per real matrix at 90 %, the
 * *predicted* bench ratio: fastest other ÷ the measured time of the kernel the model would pick — a prediction from that
 * run's kernel medians, not a measurement of the dispatched spmm.
 *
 *   npx tsx scripts/sparse/fit-dispatch.ts [table.json ...]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COSTS, ROSKO_MARGIN, kernelCosts, pickKernel, type KernelChoice } from '../../kernel/sparse/dispatch';
import type { Hardware, Nr } from '../../kernel/sparse/types';

type Row = {
  shape: string;
  dist: string;
  name?: string;
  s: number;
  nnz: number;
  ncols?: number;
  rosko: number;
  csr: number;
  dense: number;
  tfjs?: number;
  ort?: number;
  tiles: string;
};
type Table = { hw: Hardware; rows: Row[]; measuredAt?: string; env?: string };
type Cell = Row & { table: string; hw: Hardware };
type Costs = typeof COSTS;
const root = join(__dirname, '../..');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['rosko-table-2026-12-07-0236.json', 'rosko-table-2026-12-07-0551.json'].map((f) => join(root, 'test/fixtures/sparse', f));
const split = JSON.parse(readFileSync(join(root, 'bench/declared/rosko-dispatch-split.json'), 'utf8')) as {
  fit: string[];
  heldOut: string[];
};
const keys = Object.keys(COSTS) as (keyof Costs)[];
const unit = (k: keyof Costs) => Object.fromEntries(keys.map((q) => [q, q === k ? 1 : 0])) as Costs;
// csrLineMem is not fitted (no benchmarked B exceeds L3); csrMadd is tied to denseMadd
const FREE = keys.filter((k) => !['csrLineMem', 'csrMadd'].includes(k));
const KERNELS = ['rosko', 'csr', 'dense'] as const;
/** Weight of the CSR − Rosko difference equations (chosen among 0, 1, 3 by pick accuracy on the fit shapes: 3). */
const PAIR_WEIGHT = 3;

const cells: Cell[] = [];
for (const f of files) {
  const tab = JSON.parse(readFileSync(f, 'utf8')) as Table;
  const name = f
    .split('/')
    .pop()!
    .replace(/\.json$/, '');
  console.log(`table ${name}: ${tab.measuredAt ?? '?'}; ${tab.env ?? ''}`);
  for (const r of tab.rows) if (r.s >= 0.5) cells.push({ ...r, table: name, hw: tab.hw });
}
const synth = cells.filter((c) => c.dist !== 'real');
const real = cells.filter((c) => c.dist === 'real');
const shapes = [...new Set(synth.map((r) => r.shape))];
for (const s of [...split.fit, ...split.heldOut]) if (!shapes.includes(s)) throw new Error(`split names ${s}, not in the tables`);

function parseTiles(s: string, p: number) {
  const m = /(\d+)x(\d+) mc(\d+) kc(\d+) nc(\d+)/.exec(s)!;
  return { mr: +m[1]!, nr: +m[2]! as Nr, mc: +m[3]!, kc: +m[4]!, nc: +m[5]!, p };
}
const input = (r: Cell) => {
  const [M, K, N] = r.shape.split('x').map(Number) as [number, number, number];
  return { M, K, N, nnz: r.nnz, ncols: r.ncols, tiles: parseTiles(r.tiles, r.hw.cores) };
};

/** Fit the free constants (`free`; the others as in `start`) to `rows` (one equation per row and kernel; dense once per shape and table). */
function fit(rows: Cell[], free: (keyof Costs)[], start: Costs = COSTS): Costs {
  const X: number[][] = [],
    y: number[] = [];
  const seenDense = new Set<string>();
  for (const r of rows) {
    const x = input(r);
    const feats = keys.map((k) => kernelCosts(r.hw, x, unit(k)).costs);
    for (const [i, kern] of KERNELS.entries()) {
      const dk = `${r.table}|${r.shape}`;
      if (kern === 'dense' && seenDense.has(dk)) continue;
      if (kern === 'dense') seenDense.add(dk);
      const f = feats.map((c) => c[i]!.ns / 1e6);
      // csrMadd is tied to denseMadd (the same in-register multiply-add): fold its column into denseMadd's
      f[keys.indexOf('denseMadd')]! += f[keys.indexOf('csrMadd')]!;
      X.push(f);
      y.push(r[kern]);
    }
  }
  const w = y.map((t) => 1 / t);
  // the choice depends on the kernels' time differences, not on their absolute times: each cell also contributes the
  // equation predicted(csr) − predicted(rosko) = measured(csr) − measured(rosko), relative to the faster of the two,
  // weighted PAIR_WEIGHT against the per-kernel equations
  for (const r of rows) {
    const x = input(r);
    const feats = keys.map((k) => kernelCosts(r.hw, x, unit(k)).costs);
    const f = feats.map((c) => (c[1]!.ns - c[0]!.ns) / 1e6);
    f[keys.indexOf('denseMadd')]! += f[keys.indexOf('csrMadd')]!;
    X.push(f);
    y.push(r.csr - r.rosko);
    w.push(PAIR_WEIGHT / Math.min(r.csr, r.rosko));
  }
  const c = keys.map((k) => (free.includes(k) ? start[k] : 0));
  const fixed = keys.map((k) => (!free.includes(k) && k !== 'csrMadd' ? start[k] : 0));
  for (let it = 0; it < 20000; it++)
    for (const k of free) {
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
  const out = { ...start };
  for (const k of free) out[k] = +c[keys.indexOf(k)]!.toPrecision(3);
  out.csrMadd = out.denseMadd;
  return out;
}

/** Rosko's required edge over CSR (ROSKO_MARGIN; the script sets it while choosing it). */
let margin = ROSKO_MARGIN;
const pickOf = (c: Costs, r: Cell): KernelChoice => pickKernel(kernelCosts(r.hw, input(r), c).costs, margin).kernel;

/** How the model with constants `c` picks on `rows`. */
function score(c: Costs, rows: Cell[], verbose = false) {
  let ok = 0,
    within5 = 0,
    n = 0,
    worst = Infinity,
    worstAt = '';
  for (const r of rows) {
    const pick = pickOf(c, r);
    const best = Math.min(r.rosko, r.csr, r.dense);
    const truth = r.rosko === best ? 'rosko' : r.csr === best ? 'csr' : 'dense';
    const at = `${r.table.replace('rosko-', '')} ${r.name ?? r.shape} ${r.dist === 'real' ? '' : r.dist + ' '}${r.s}`;
    n++;
    if (pick === truth) ok++;
    if (r[pick] <= best * 1.05) within5++;
    else if (verbose) console.log(`  miss ${at}: picked ${pick} ${r[pick].toFixed(2)} ms, best ${truth} ${best.toFixed(2)} ms`);
    if (best / r[pick] < worst) {
      worst = best / r[pick];
      worstAt = at;
    }
  }
  return {
    ok,
    within5,
    n,
    worst,
    text: `fastest on ${ok}/${n}, within 5 % on ${within5}/${n}, worst fastest÷picked ${worst.toFixed(3)} (${worstAt})`,
  };
}

const inFit = synth.filter((r) => split.fit.includes(r.shape)),
  inHeld = synth.filter((r) => split.heldOut.includes(r.shape));
const byTable = (rows: Cell[]) => [...new Set(rows.map((r) => r.table))].map((t) => [t, rows.filter((r) => r.table === t)] as const);
function report(label: string, c: Costs, verbose: boolean) {
  console.log(`\n${label}`);
  for (const [name, rows] of [
    ['fit shapes', inFit],
    ['held-out shapes', inHeld],
    ['real matrices (not fitted)', real],
  ] as const) {
    console.log(`  ${name}: ${score(c, rows).text}`);
    for (const [t, rs] of byTable(rows)) console.log(`    ${t}: ${score(c, rs, verbose).text}`);
  }
}

report('shipped COSTS', COSTS, false);
const FREE_BEFORE = FREE.filter((k) => k !== 'csrFrontMiss');
const before = fit(inFit, FREE_BEFORE, { ...COSTS, csrFrontMiss: 0 });
console.log('\nrefit without the row-front term =', JSON.stringify(before));
report('refit without the row-front term (csrFrontMiss = 0)', before, true);
const after = fit(inFit, FREE);
console.log('\nCOSTS (fitted on', split.fit.join(', '), ') =', JSON.stringify(after, null, 1));
// Rosko's margin over CSR: chosen on the fit shapes (cells within 5 % of the fastest, then the worst ratio)
let best = { margin: 0, within5: -1, worst: 0 };
for (const m of [0, 0.05, 0.1, 0.15]) {
  margin = m;
  const sc = score(after, inFit);
  console.log(`  margin ${m}: fit shapes ${sc.text}`);
  if (sc.within5 > best.within5 || (sc.within5 === best.within5 && sc.worst > best.worst))
    best = { margin: m, within5: sc.within5, worst: sc.worst };
}
margin = best.margin;
console.log(`ROSKO_MARGIN (chosen on the fit shapes) = ${margin}`);
report(`refit with the row-front term, margin ${margin}`, after, true);

let tot = 0,
  totOk = 0,
  totW = 0,
  totWorst = Infinity;
console.log('');
for (const s of shapes) {
  const sc = score(
    fit(
      synth.filter((r) => r.shape !== s),
      FREE,
    ),
    synth.filter((r) => r.shape === s),
  );
  tot += sc.n;
  totOk += sc.ok;
  totW += sc.within5;
  totWorst = Math.min(totWorst, sc.worst);
  console.log(`leave out ${s}: ${sc.text}`);
}
console.log(`leave-one-shape-out total: fastest on ${totOk}/${tot}, within 5 % on ${totW}/${tot}, worst ${totWorst.toFixed(3)}`);

// predicted bench ratios on the idle run's cells (the bench's formulas, with the run's kernel medians)
const idle = cells.filter((r) => r.table === 'rosko-idle-2026-12-06');
if (idle.length) {
  console.log('\nPREDICTED (not measured) bench ratios from the idle run’s kernel medians: fastest other ÷ picked kernel');
  for (const s of [0.9, 0.98]) {
    const rows = idle.filter((r) => r.dist === 'uniform' && r.s === s);
    const ratio = (c: Costs, r: Cell) => Math.min(r.csr, r.dense, r.tfjs ?? Infinity, r.ort ?? Infinity) / r[pickOf(c, r)];
    for (const r of rows)
      console.log(
        `  ${r.shape} ${s * 100}%: shipped→${pickOf(COSTS, r)} ${ratio(COSTS, r).toFixed(2)}, refit→${pickOf(after, r)} ${ratio(after, r).toFixed(2)} (rosko ${r.rosko}, csr ${r.csr}, dense ${r.dense})`,
      );
    console.log(
      `  speedup_vs_best_other_${s * 100} predicted: shipped ${Math.min(...rows.map((r) => ratio(COSTS, r))).toFixed(2)}, refit ${Math.min(...rows.map((r) => ratio(after, r))).toFixed(2)}`,
    );
  }
  const rows = idle.filter((r) => r.dist === 'real' && r.s === 0.9);
  const ratio = (c: Costs, r: Cell) => Math.min(r.csr, r.dense) / r[pickOf(c, r)];
  for (const r of rows)
    console.log(
      `  ${r.name} 90%: shipped→${pickOf(COSTS, r)} ${ratio(COSTS, r).toFixed(2)}, refit→${pickOf(after, r)} ${ratio(after, r).toFixed(2)} (rosko ${r.rosko}, csr ${r.csr}, dense ${r.dense})`,
    );
  console.log(
    `  real_speedup_vs_best_other_90 predicted: shipped ${Math.min(...rows.map((r) => ratio(COSTS, r))).toFixed(2)}, refit ${Math.min(...rows.map((r) => ratio(after, r))).toFixed(2)}`,
  );
}
