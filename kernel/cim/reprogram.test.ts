import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { mapLayer, cellSource, columnLayout, tileImage as tileImageOf, popcount as popcnt } from './crossbar';
import { buildSchedule, simulateReprogramming, similaritySchedule, stuckColumnsByMagnitude } from './reprogram';
import { quantize } from './quantize';
import { synthWeights } from './data';
import type { MappedLayer, CrossbarConfig } from './types';

/** Independent oracle: full cell-state matrix of a tile, computed from the weights with plain arithmetic. */
function cells(L: MappedLayer, t: number): number[] {
  const { rows, cols, cellBits, weightBits, signMode } = L.config;
  const roles = columnLayout(L.config);
  const out = new Array<number>(rows * cols).fill(0);
  for (let k = 0; k < L.slots; k++)
    for (let r = 0; r < rows; r++) {
      const { out: o, input } = cellSource(L, t, r, k);
      if (o < 0) continue;
      const q = L.q[o * L.nIn + input]!;
      roles.forEach((role, c) => {
        const v =
          role.kind === 'sign'
            ? q < 0
              ? 1
              : 0
            : role.kind === 'mag'
              ? Math.abs(q)
              : role.kind === 'pos'
                ? Math.max(q, 0)
                : role.kind === 'neg'
                  ? Math.max(-q, 0)
                  : q + 2 ** (weightBits - 1);
        out[r * cols + k * L.groupWidth + c] = role.kind === 'sign' ? v : Math.floor(v / 2 ** (role.slice * cellBits)) % 2 ** cellBits;
      });
    }
  void signMode;
  return out;
}

function layersFor(seed: number, config: Partial<CrossbarConfig>, sort: 'none' | 'signed' | 'abs'): MappedLayer[] {
  return [
    [9, 70],
    [20, 33],
    [5, 130],
  ].map(([o, i], n) => {
    const { q } = quantize({ weights: synthWeights({ nOut: o!, nIn: i!, seed: seed + n }), nOut: o!, nIn: i! });
    return mapLayer({ q, nOut: o!, nIn: i!, sort, config });
  });
}

test('cellWrites / columnWrites / crossbarWrites equal an independent count of changed cells (f = 1)', () => {
  for (const config of [
    { rows: 16, cols: 24 },
    { rows: 40, cols: 32, cellBits: 2 as const, signMode: 'pair' as const },
    { rows: 8, cols: 16, signMode: 'offset' as const },
  ]) {
    for (const policy of ['round-robin', 'chunked', 'chunked-zigzag', 'chunked-affinity'] as const) {
      const layers = layersFor(5, config, 'signed');
      const res = simulateReprogramming(layers, { policy, passes: 3, physical: 3 });
      const { rows, cols } = layers[0]!.config;
      const state = [0, 1, 2].map(() => new Array<number>(rows * cols).fill(0));
      let cw = 0,
        colw = 0,
        xw = 0;
      const perPass: number[] = [];
      for (let pass = 0; pass < 3; pass++) {
        cw = 0;
        colw = 0;
        xw = 0;
        const s = buildSchedule(layers, 3, policy, pass);
        for (let n = 0; n < s.tile.length; n++) {
          const tgt = cells(layers[s.layer[n]!]!, s.tile[n]!);
          const cur = state[s.xbar[n]!]!;
          let any = false;
          for (let c = 0; c < cols; c++) {
            let ch = 0;
            for (let r = 0; r < rows; r++) if (cur[r * cols + c] !== tgt[r * cols + c]) ch++;
            if (ch) {
              colw++;
              cw += ch;
              any = true;
            }
          }
          if (any) xw++;
          state[s.xbar[n]!] = tgt;
        }
        perPass.push(cw);
      }
      assert.deepEqual(res.perPassCellWrites, perPass, `${JSON.stringify(config)} ${policy}`);
      assert.equal(res.cellWrites, cw);
      assert.equal(res.columnWrites, colw);
      assert.equal(res.crossbarWrites, xw);
      assert.equal(res.fullWrites, res.tiles * rows * cols);
      assert.equal(res.weightError.changedWeights, 0);
    }
  }
});

test('every schedule loads each tile exactly once per pass on a valid crossbar', () => {
  const layers = layersFor(1, { rows: 8, cols: 16 }, 'none');
  for (const policy of ['round-robin', 'chunked', 'chunked-zigzag', 'chunked-affinity', 'similarity', 'chunked-similarity'] as const)
    for (const P of [1, 2, 7, 100]) {
      const s = buildSchedule(layers, P, policy, 1);
      const seen = new Set<string>();
      for (let n = 0; n < s.tile.length; n++) {
        assert.ok(s.xbar[n]! >= 0 && s.xbar[n]! < P);
        seen.add(`${s.layer[n]}:${s.tile[n]}`);
      }
      assert.equal(
        seen.size,
        layers.reduce((a, l) => a + l.tiles, 0),
      );
      assert.equal(s.tile.length, seen.size);
      // same latency as round-robin: no crossbar gets more than ⌈L/P⌉ tiles of a layer
      layers.forEach((l, li) => {
        const per = new Array<number>(P).fill(0);
        for (let n = 0; n < s.tile.length; n++) if (s.layer[n] === li) per[s.xbar[n]!]!++;
        assert.ok(Math.max(...per) <= Math.ceil(l.tiles / P), `${policy} P=${P} layer ${li}`);
      });
      // layer order respected (dependencies)
      for (let n = 1; n < s.layer.length; n++) assert.ok(s.layer[n]! >= s.layer[n - 1]!);
    }
});

test('bit stucking: f = 1 equals no stucking; f = 0 never writes low columns; error bounded by 2^(k·cellBits) − 1; deterministic', () => {
  for (const cellBits of [1, 2] as const) {
    const cfg = { rows: 32, cols: 32, cellBits };
    const layers = layersFor(9, cfg, 'signed');
    const plain = simulateReprogramming(layers, { policy: 'chunked-zigzag', physical: 2 });
    const f1 = simulateReprogramming(layers, { policy: 'chunked-zigzag', physical: 2, stuckColumns: 2, rewriteFraction: 1, seed: 3 });
    assert.deepEqual(f1.perPassCellWrites, plain.perPassCellWrites);
    const k = 2;
    const half = simulateReprogramming(layers, {
      policy: 'chunked-zigzag',
      physical: 2,
      stuckColumns: k,
      rewriteFraction: 0.5,
      seed: 3,
      returnEffective: true,
    });
    const again = simulateReprogramming(layers, { policy: 'chunked-zigzag', physical: 2, stuckColumns: k, rewriteFraction: 0.5, seed: 3 });
    assert.deepEqual(again.perPassCellWrites, half.perPassCellWrites);
    assert.ok(half.cellWrites < plain.cellWrites);
    assert.ok(half.weightError.changedWeights > 0);
    assert.ok(half.weightError.maxAbs <= 2 ** (k * cellBits) - 1);
    // effective weights agree with the error report and differ from q only in the low bits
    let changed = 0;
    layers.forEach((L, li) =>
      L.q.forEach((v, i) => {
        const e = half.effective![li]![i]!;
        if (e !== v) {
          changed++;
          assert.equal(Math.sign(e) * (Math.abs(e) >> (k * cellBits)), Math.sign(v) * (Math.abs(v) >> (k * cellBits)) || Math.sign(e) * 0);
        }
      }),
    );
    assert.equal(changed, half.weightError.changedWeights);
    const f0 = simulateReprogramming(layers, { physical: 2, stuckColumns: k, rewriteFraction: 0, passes: 1, returnEffective: true });
    layers.forEach((L, li) =>
      L.q.forEach((v, i) => assert.equal(f0.effective![li]![i], Math.sign(v) * ((Math.abs(v) >> (k * cellBits)) << (k * cellBits)) || 0)),
    );
  }
});

test('identical tiles back to back cost nothing after the first load', () => {
  const q = new Int8Array(16 * 256).fill(37);
  const L = mapLayer({ q, nOut: 16, nIn: 256, config: { rows: 128, cols: 128 } });
  const r = simulateReprogramming([L], { physical: 1, passes: 2 });
  assert.equal(r.perPassCellWrites[0], popcountOf(37) * 16 * 128);
  assert.equal(r.cellWrites, 0);
  assert.equal(r.crossbarWrites, 0);
});
function popcountOf(v: number): number {
  let c = 0;
  while (v) {
    c += v & 1;
    v >>= 1;
  }
  return c;
}

test('weight sorting cuts reprogramming on bell-shaped weights; stucking cuts more (same P, same writes rule)', () => {
  const shapes = [
    [256, 1024],
    [64, 576],
  ];
  const qs = shapes.map(([o, i], s) => ({
    ...quantize({ weights: synthWeights({ nOut: o!, nIn: i!, seed: 40 + s }), nOut: o!, nIn: i! }),
    o: o!,
    i: i!,
  }));
  // per-output routing (each output its own sorted order); shared routing is measured in routing.test.ts
  const map = (sort: 'none' | 'signed') => qs.map((x) => mapLayer({ q: x.q, nOut: x.o, nIn: x.i, sort, routing: 'per-output' }));
  const base = simulateReprogramming(map('none'), { policy: 'round-robin' });
  const sorted = simulateReprogramming(map('signed'), { policy: 'chunked-zigzag' });
  const stuck = simulateReprogramming(map('signed'), { policy: 'chunked-zigzag', stuckColumns: 3, rewriteFraction: 0.25, seed: 1 });
  assert.equal(base.physical, Math.ceil(base.tiles / 8));
  assert.ok(base.cellWrites / sorted.cellWrites > 1.5, `sorting ${base.cellWrites / sorted.cellWrites}`);
  assert.ok(sorted.cellWrites / stuck.cellWrites > 1.5, `stucking ${sorted.cellWrites / stuck.cellWrites}`);
  assert.ok(stuck.weightError.maxAbs <= 7);
});

test('bad inputs raise named errors', () => {
  const layers = layersFor(1, { rows: 8, cols: 16 }, 'none');
  assert.throws(() => simulateReprogramming([], {}), InvalidInput);
  assert.throws(() => simulateReprogramming(layers, { physical: 0 }), /physical/);
  assert.throws(() => simulateReprogramming(layers, { stuckColumns: 1.5 }), /stuckColumns/);
  assert.throws(() => simulateReprogramming(layers, { stuckColumns: 9 }), /stuckColumns/);
  assert.throws(() => simulateReprogramming(layers, { rewriteFraction: NaN }), /rewriteFraction/);
  assert.throws(() => simulateReprogramming(layers, { policy: 'x' as 'chunked' }), /policy/);
  const other = mapLayer({ q: new Int8Array(4), nOut: 2, nIn: 2, config: { rows: 16, cols: 16 } });
  assert.throws(() => simulateReprogramming([...layers, other]), /different crossbar config/);
  void rng;
});

test("chunked-zigzag reverses every layer's chunk direction from one pass to the next (also with an even layer count)", () => {
  const layers = layersFor(2, { rows: 16, cols: 16 }, 'signed').slice(0, 2);
  const a = buildSchedule(layers, 2, 'chunked-zigzag', 0),
    b = buildSchedule(layers, 2, 'chunked-zigzag', 1);
  for (let li = 0; li < 2; li++) {
    const ta = Array.from(a.tile).filter((_, n) => a.layer[n] === li && a.xbar[n] === 0);
    const tb = Array.from(b.tile).filter((_, n) => b.layer[n] === li && b.xbar[n] === 0);
    assert.ok(ta.length > 1);
    assert.deepEqual(tb, [...ta].reverse(), `layer ${li}`);
  }
});

test('similarity policies: first pass equals the schedule built from blank crossbars; greedy picks the closest crossbar', () => {
  const layers = layersFor(3, { rows: 16, cols: 16 }, 'signed');
  for (const policy of ['similarity', 'chunked-similarity'] as const) {
    const r = simulateReprogramming(layers, { policy, physical: 3, passes: 2 });
    const sch = buildSchedule(layers, 3, policy, 0);
    const state: Uint32Array[] = [0, 1, 2].map(() => new Uint32Array(tileImageOf(layers[0]!, 0).length));
    let cw = 0;
    for (let n = 0; n < sch.tile.length; n++) {
      const img = tileImageOf(layers[sch.layer[n]!]!, sch.tile[n]!);
      for (let i = 0; i < img.length; i++) cw += popcnt(img[i]! ^ state[sch.xbar[n]!]![i]!);
      state[sch.xbar[n]!] = img;
    }
    assert.equal(r.perPassCellWrites[0], cw, policy);
  }
  // crossbar 0 holds the image of a "-9" block tile; crossbar 1 is blank: greedy puts an identical tile on crossbar 0
  const q = new Int8Array(32 * 16);
  for (let o = 0; o < 16; o++) for (let i = 0; i < 32; i++) q[o * 32 + i] = i < 16 ? 5 : -9;
  const L = mapLayer({ q, nOut: 16, nIn: 32, config: { rows: 16, cols: 16 } });
  const held = tileImageOf(L, L.tiles - 1);
  const start = new Uint32Array(2 * held.length);
  start.set(held, 0);
  const s = similaritySchedule([L], 2, start);
  const n = Array.from(s.xbar).indexOf(0);
  assert.deepEqual(tileImageOf(L, s.tile[n]!), held, 'first load on crossbar 0 costs nothing');
});

test('per-layer stuck columns: array of equal k equals the scalar; k = 0 layers keep exact weights; magnitude rule', () => {
  const layers = layersFor(4, { rows: 16, cols: 32 }, 'signed');
  const a = simulateReprogramming(layers, {
    policy: 'chunked',
    physical: 2,
    stuckColumns: 2,
    rewriteFraction: 0.3,
    seed: 5,
    returnEffective: true,
  });
  const b = simulateReprogramming(layers, {
    policy: 'chunked',
    physical: 2,
    stuckColumns: [2, 2, 2],
    rewriteFraction: 0.3,
    seed: 5,
    returnEffective: true,
  });
  assert.equal(a.cellWrites, b.cellWrites);
  assert.deepEqual(a.effective, b.effective);
  const c = simulateReprogramming(layers, {
    policy: 'chunked',
    physical: 2,
    stuckColumns: [3, 0, 3],
    rewriteFraction: 0,
    seed: 5,
    returnEffective: true,
  });
  assert.deepEqual(c.effective![1], layers[1]!.q);
  assert.notDeepEqual(c.effective![0], layers[0]!.q);
  const small = mapLayer({ q: new Int8Array(64).map((_, i) => (i % 5) - 2), nOut: 4, nIn: 16 });
  const big = mapLayer({ q: new Int8Array(64).map((_, i) => ((i * 37) % 201) - 100), nOut: 4, nIn: 16 });
  const k = stuckColumnsByMagnitude([small, big], { maxColumns: 4, budget: 0.25 });
  assert.ok(k[0]! < k[1]!, `small weights get fewer stuck columns (${k})`);
  assert.deepEqual(stuckColumnsByMagnitude([small, big], { budget: 0 }), [0, 0]);
  assert.ok(stuckColumnsByMagnitude([big], { budget: 10, maxColumns: 3 })[0] === 3);
  assert.throws(() => simulateReprogramming(layers, { stuckColumns: [1, 2] }), InvalidInput);
});

test('chunked-affinity: same-shape layers reuse one crossbar range tile for tile when shapes fit side by side; else chunked-zigzag', () => {
  const mk = (o: number, i: number, seed: number) => {
    const { q } = quantize({ weights: synthWeights({ nOut: o, nIn: i, seed }), nOut: o, nIn: i });
    return mapLayer({ q, nOut: o, nIn: i, sort: 'signed', config: { rows: 16, cols: 16 } });
  };
  const layers = [mk(6, 40, 1), mk(4, 20, 2), mk(6, 40, 3), mk(4, 20, 4)]; // shapes A B A B
  const tilesA = layers[0]!.tiles,
    tilesB = layers[1]!.tiles;
  const P = tilesA + tilesB + 1;
  const s = buildSchedule(layers, P, 'chunked-affinity', 0);
  const where = (li: number) => {
    const m = new Map<number, number>();
    for (let n = 0; n < s.tile.length; n++) if (s.layer[n] === li) m.set(s.tile[n]!, s.xbar[n]!);
    return m;
  };
  assert.deepEqual(where(2), where(0));
  assert.deepEqual(where(3), where(1));
  const a = new Set(where(0).values()),
    b = new Set(where(1).values());
  assert.ok(
    [...a].every((x) => !b.has(x)),
    'disjoint ranges per shape',
  );
  const small = buildSchedule(layers, tilesA + tilesB - 1, 'chunked-affinity', 1),
    zz = buildSchedule(layers, tilesA + tilesB - 1, 'chunked-zigzag', 1);
  assert.deepEqual(small, zz);
});
