import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { LruCache, simulateCache } from './cache';
import { simulate } from './sim';
import { nestOf } from './ir';

test('access trace has exactly the simulator counts', () => {
  const nest = nestOf('MKN', 1, 4, 3);
  let a = 0,
    b = 0,
    cl = 0,
    cs = 0;
  const s = simulate(nest, 9, 10, 7, {
    onAccess: (x) => {
      const n = x.rows * x.cols;
      if (x.op === 'A') a += n;
      else if (x.op === 'B') b += n;
      else if (x.write) cs += n;
      else cl += n;
    },
  });
  assert.deepEqual([a, b, cl, cs], [s.aLoads, s.bLoads, s.cLoads, s.cStores]);
});

test('cache that holds everything: fills = distinct lines, write-backs = C lines; accesses = register-level total', () => {
  const [M, K, N] = [12, 8, 16];
  const r = simulateCache(nestOf('KMN', 5, 1, 5), M, K, N, { bytes: 64 * 1024, lineBytes: 32, ways: 4 });
  assert.equal(r.fills, (M * K + K * N + M * N) / 8);
  assert.equal(r.writebacks, (M * N) / 8);
  assert.equal(r.accesses, simulate(nestOf('KMN', 5, 1, 5), M, K, N).total);
});

test('LRU matches a reference list-based LRU on a random trace', () => {
  const g = rng(5);
  const cfg = { bytes: 256, lineBytes: 16, ways: 2 };
  const c = new LruCache(cfg);
  const sets = 256 / 16 / 2;
  const ref: number[][] = Array.from({ length: sets }, () => []);
  let fills = 0;
  for (let t = 0; t < 5000; t++) {
    const w = g.int(400);
    c.access(w, false);
    const line = Math.floor(w / 4),
      s = ref[line % sets]!;
    const k = s.indexOf(line);
    if (k >= 0) s.splice(k, 1);
    else {
      fills++;
      if (s.length === 2) s.shift();
    }
    s.push(line);
  }
  assert.equal(c.counts.fills, fills);
});

test('a smaller cache never fills fewer lines (same trace); bad cache configs are named errors', () => {
  const nest = nestOf('KMN', 5, 1, 5);
  const big = simulateCache(nest, 30, 30, 30, { bytes: 8192, lineBytes: 32, ways: 4 });
  const small = simulateCache(nest, 30, 30, 30, { bytes: 1024, lineBytes: 32, ways: 4 });
  assert.ok(small.fills > big.fills);
  assert.throws(() => new LruCache({ bytes: 0, lineBytes: 32, ways: 4 }), InvalidInput);
  assert.throws(() => new LruCache({ bytes: 96 * 3, lineBytes: 32, ways: 2 }), InvalidInput);
});
