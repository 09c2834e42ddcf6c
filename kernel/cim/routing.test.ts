import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { mapLayer, mvm, referenceMatmul, columnLayout, imageWords, decodeCell, tileImage, popcount } from './crossbar';
import { packSections } from './layout';
import { quantize } from './quantize';
import { synthWeights } from './data';
import { minCostAssignment } from './assign';
import { optimizeSharedRouting, routingCost, alignRows } from './routing';
import { simulateReprogramming, similaritySchedule } from './reprogram';
import type { MappedLayer } from './types';

function randQ(r: ReturnType<typeof rng>, n: number, adversarial: boolean): Int8Array {
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) q[i] = adversarial ? [127, -127, 0, 1, -1][r.int(5)]! : r.int(255) - 127;
  return q;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

test('minCostAssignment (Munkres) matches brute force on small square and rectangular matrices', () => {
  const r = rng(1);
  for (let c = 0; c < 60; c++) {
    const n = 1 + r.int(6),
      m = n + (c % 3 === 0 ? r.int(3) : 0);
    const cost = Array.from({ length: n }, () => Array.from({ length: m }, () => r.int(c % 2 ? 4 : 100)));
    const to = minCostAssignment(cost);
    assert.equal(new Set(to).size, n, 'distinct columns');
    const got = to.reduce((s, j, i) => s + cost[i]![j]!, 0);
    // brute force: every injective map rows → columns (choose n of m columns, all orders)
    let best = Infinity;
    const cols = Array.from({ length: m }, (_, j) => j);
    const choose = (k: number, from: number, acc: number[]): void => {
      if (acc.length === k) {
        for (const p of permutations(k))
          best = Math.min(
            best,
            p.reduce((s, pj, i) => s + cost[i]![acc[pj]!]!, 0),
          );
        return;
      }
      for (let j = from; j < m; j++) choose(k, j + 1, [...acc, cols[j]!]);
    };
    choose(n, 0, []);
    assert.equal(got, best, `case ${c}: ${JSON.stringify(cost)}`);
  }
  assert.throws(() => minCostAssignment([[1, 2], [3]]), InvalidInput);
});

test('shared-routing layouts (key sorts, row-aligned) stay exact: MVM = integer matmul, random + adversarial shapes', () => {
  const r = rng(2);
  let n = 0;
  for (const [rows, cols, nOut, nIn] of [
    [8, 16, 5, 19],
    [16, 32, 9, 40],
    [32, 64, 20, 100],
    [4, 8, 3, 4],
    [128, 128, 17, 129],
  ] as const) {
    const q = randQ(r, nOut * nIn, n++ % 2 === 0);
    const base = mapLayer({ q, nOut, nIn, config: { rows, cols } });
    const opt = optimizeSharedRouting([base], { physical: 2, passes: 2 });
    for (const L of [opt.layers[0]!, mapLayer({ q, nOut, nIn, sort: 'abs', config: { rows, cols } })]) {
      assert.equal(L.routing, 'shared');
      // one order per column block
      for (let o = 0; o < nOut; o++) {
        const o0 = Math.floor(o / L.slots) * L.slots;
        assert.deepEqual(L.perm!.subarray(o * nIn, (o + 1) * nIn), L.perm!.subarray(o0 * nIn, (o0 + 1) * nIn));
        assert.deepEqual(
          [...L.perm!.subarray(o * nIn, (o + 1) * nIn)].sort((a, b) => a - b),
          Array.from({ length: nIn }, (_, i) => i),
        );
      }
      for (const inputMode of ['unsigned', 'twos-complement'] as const) {
        const x = Array.from({ length: nIn }, () => (inputMode === 'unsigned' ? r.int(256) : r.int(256) - 128));
        assert.deepEqual(mvm(L, x, { inputMode }), referenceMatmul(q, nOut, nIn, x));
      }
      assert.equal(routingCost([L]).extraPhases, 0, 'shared routing needs one input phase per tile');
    }
  }
});

test('the shared-routing optimizer never does worse than identity, and row alignment helps on trained-like weights', () => {
  const r = rng(3);
  for (let c = 0; c < 6; c++) {
    const nOut = 10 + r.int(30),
      nIn = 20 + r.int(200);
    const { q } = quantize({ weights: synthWeights({ nOut, nIn, seed: c }), nOut, nIn });
    const layers = [mapLayer({ q: c % 2 ? q : randQ(r, nOut * nIn, true), nOut, nIn, config: { rows: 16, cols: 32 } })];
    const physical = 1 + r.int(4);
    const opt = optimizeSharedRouting(layers, { physical, policy: c % 3 ? 'chunked-zigzag' : 'round-robin' });
    const identity = simulateReprogramming([mapLayer({ q: layers[0]!.q, nOut, nIn, config: { rows: 16, cols: 32 } })], {
      physical,
      policy: c % 3 ? 'chunked-zigzag' : 'round-robin',
    });
    const chosen = simulateReprogramming(opt.layers, { physical, policy: c % 3 ? 'chunked-zigzag' : 'round-robin' });
    assert.equal(opt.identityWrites, identity.cellWrites);
    assert.equal(chosen.cellWrites, Math.min(...opt.candidates.map((x) => x.cellWrites)), 'the reported layout is the best candidate');
    assert.ok(chosen.cellWrites <= identity.cellWrites, `case ${c}: ${chosen.cellWrites} > identity ${identity.cellWrites}`);
  }
  // Laplace weights, one crossbar: aligning each tile's rows to the previous tile must cut writes against the unaligned order
  const { q } = quantize({ weights: synthWeights({ nOut: 16, nIn: 512, seed: 9 }), nOut: 16, nIn: 512 });
  const L = mapLayer({ q, nOut: 16, nIn: 512, sort: 'signed', config: { rows: 64, cols: 128 } });
  const aligned = { ...L, perm: L.perm!.slice() };
  alignRows([aligned], 1, 'chunked');
  const before = simulateReprogramming([L], { physical: 1, policy: 'chunked' }).cellWrites;
  const after = simulateReprogramming([aligned], { physical: 1, policy: 'chunked' }).cellWrites;
  assert.ok(after < 0.95 * before, `aligned ${after} vs ${before}`);
  assert.throws(() => optimizeSharedRouting([packSections(L)]), InvalidInput);
  assert.throws(() => optimizeSharedRouting([L], { policy: 'similarity' }), InvalidInput);
});

test('routingCost: per-output layouts pay one input phase per distinct slot order; shared and unsorted pay one', () => {
  const r = rng(4);
  const nOut = 40,
    nIn = 300;
  const q = randQ(r, nOut * nIn, false);
  const cfg = { rows: 128, cols: 128 };
  const grid = mapLayer({ q, nOut, nIn, config: cfg });
  const shared = mapLayer({ q, nOut, nIn, sort: 'signed', config: cfg });
  const perOut = mapLayer({ q, nOut, nIn, sort: 'signed', routing: 'per-output', config: cfg });
  const packed = packSections(perOut);
  const g = routingCost([grid]),
    s = routingCost([shared]),
    p = routingCost([perOut]),
    k = routingCost([packed]);
  assert.equal(g.inputPhases, grid.tiles);
  assert.equal(s.inputPhases, shared.tiles);
  // grid per-output: tile (rb, cb) holds min(16, nOut − 16·cb) outputs with distinct random orders
  const slots = perOut.slots;
  let want = 0;
  for (let cb = 0; cb < perOut.colBlocks; cb++) want += perOut.rowBlocks * Math.min(slots, nOut - cb * slots);
  assert.equal(p.inputPhases, want);
  assert.equal(p.extraPhases, want - perOut.tiles);
  assert.ok(k.latencyFactor > 10, `packed: ${k.latencyFactor} phases per tile`);
  assert.equal(g.dacPulses, g.sharedDacPulses);
  assert.ok(p.dacPulses > (10 * p.sharedDacPulses) / 2);
  // identical per-output orders collapse into one phase
  const same = mapLayer({ q: new Int8Array(nOut * nIn).fill(3), nOut, nIn, sort: 'signed', routing: 'per-output', config: cfg });
  assert.equal(routingCost([same]).extraPhases, 0);
});

/** Independent recount: per physical cell, compare consecutive states decoded cell by cell. */
test('endurance: per-cell write counts over 20 reload passes equal a cell-by-cell recount (with stucking), max/p99 from them', () => {
  const r = rng(5);
  const { q } = quantize({ weights: synthWeights({ nOut: 24, nIn: 90, seed: 5 }), nOut: 24, nIn: 90 });
  const cfg = { rows: 16, cols: 32 };
  const layers: MappedLayer[] = [mapLayer({ q, nOut: 24, nIn: 90, sort: 'signed', config: cfg })];
  const physical = 3,
    passes = 21,
    counted = 20;
  const words = imageWords(layers[0]!.config);
  const prev = new Uint32Array(physical * words);
  const recount = new Uint32Array(physical * 16 * 32);
  const W = 1,
    cb = 1;
  const res = simulateReprogramming(layers, {
    physical,
    policy: 'chunked-zigzag',
    passes,
    countPasses: counted,
    stuckColumns: 2,
    rewriteFraction: 0.3,
    seed: r.seedInt(),
    returnCellCounts: true,
    onLoad: (p, state, pass) => {
      for (let col = 0; col < 32; col++)
        for (let row = 0; row < 16; row++) {
          let changed = false;
          for (let b = 0; b < cb; b++) {
            const i = (col * cb + b) * W + (row >>> 5);
            if (((prev[p * words + i]! >>> (row & 31)) & 1) !== ((state[i]! >>> (row & 31)) & 1)) changed = true;
          }
          if (changed && pass >= passes - counted) recount[(p * 16 + row) * 32 + col]!++;
        }
      prev.set(state, p * words);
    },
  });
  assert.deepEqual([...res.cellCounts!], [...recount]);
  const sorted = [...recount].sort((a, b) => a - b);
  assert.equal(res.maxWritesPerCell, sorted[sorted.length - 1]);
  assert.equal(res.p99WritesPerCell, sorted[Math.ceil(0.99 * sorted.length) - 1]);
  assert.equal(res.countedPasses, counted);
  assert.ok(res.maxWritesPerCell > 0);
  // the stale weights decode from the final states (sanity of the state view handed to onLoad)
  assert.ok(Number.isFinite(decodeCell(layers[0]!, prev.subarray(0, words), 0, 0)));
  assert.equal(columnLayout(layers[0]!.config).length, 8);
});

test('hungarian tile-to-crossbar matching: per round the least total Hamming distance (= brute force), never above greedy', () => {
  const r = rng(6);
  let strictlyBetter = 0;
  for (let c = 0; c < 30; c++) {
    const nOut = 2 * (1 + r.int(3)),
      nIn = 8 * (1 + r.int(2));
    const q = randQ(r, nOut * nIn, c % 2 === 0);
    const L = mapLayer({ q, nOut, nIn, config: { rows: 8, cols: 16 } });
    const physical = L.tiles + r.int(2); // one round: every tile placed once
    const words = imageWords(L.config);
    const start = new Uint32Array(physical * words).map(() => r.int(2 ** 16) * 65536 + r.int(2 ** 16));
    const cost = (sch: ReturnType<typeof similaritySchedule>) => {
      let d = 0;
      for (let n = 0; n < sch.tile.length; n++) {
        const img = tileImage(L, sch.tile[n]!);
        for (let w = 0; w < words; w++) d += popcount(img[w]! ^ start[sch.xbar[n]! * words + w]!);
      }
      assert.equal(new Set(sch.xbar).size, sch.tile.length, 'distinct crossbars in a round');
      return d;
    };
    const g = cost(similaritySchedule([L], physical, start, 'greedy', 0, 'greedy'));
    const h = cost(similaritySchedule([L], physical, start, 'greedy', 0, 'hungarian'));
    let best = Infinity;
    const dist = Array.from({ length: L.tiles }, (_, t) => {
      const img = tileImage(L, t);
      return Array.from({ length: physical }, (_, p) => {
        let d = 0;
        for (let w = 0; w < words; w++) d += popcount(img[w]! ^ start[p * words + w]!);
        return d;
      });
    });
    const rec = (t: number, used: number, acc: number): void => {
      if (t === L.tiles) {
        best = Math.min(best, acc);
        return;
      }
      for (let p = 0; p < physical; p++) if (!(used & (1 << p))) rec(t + 1, used | (1 << p), acc + dist[t]![p]!);
    };
    rec(0, 0, 0);
    assert.equal(h, best, `case ${c}: hungarian ${h}, brute force ${best}`);
    assert.ok(h <= g);
    if (h < g) strictlyBetter++;
  }
  assert.ok(strictlyBetter > 0, 'greedy is suboptimal somewhere, so the two differ');
  assert.throws(
    () => simulateReprogramming([mapLayer({ q: new Int8Array(4), nOut: 2, nIn: 2 })], { assignment: 'x' as never }),
    InvalidInput,
  );
});
