import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientStats, solveRidge, sumStats } from './calibrate';
import { gaussSolve, packedLength, packUpper, unpackUpper } from './linalg64';
import { cholesky } from '../core/linalg';
import { rng } from '../core/rng';
import { encode, decodeClientMessage } from './protocol';

function pooled(n: number, d: number, C: number, seed: number) {
  const r = rng(seed),
    X = new Float64Array(n * d),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let nn = 0;
    for (let k = 0; k < d; k++) {
      X[i * d + k] = r.normal();
      nn += X[i * d + k]! ** 2;
    }
    for (let k = 0; k < d; k++) X[i * d + k]! /= Math.sqrt(nn);
    y[i] = r.int(C);
  }
  return { X, y };
}
function rows(X: Float64Array, y: Int32Array, d: number, ids: number[]) {
  const Xs = new Float64Array(ids.length * d),
    ys = new Int32Array(ids.length);
  ids.forEach((j, i) => {
    Xs.set(X.subarray(j * d, (j + 1) * d), i * d);
    ys[i] = y[j]!;
  });
  return { Xs, ys };
}
const maxRel = (a: Float64Array, b: Float64Array) => {
  let m = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return m / s;
};

test('federated calibration equals centralized ridge on the pooled features (float64, ≤ 1e-9 relative)', () => {
  const n = 600,
    d = 12,
    C = 5,
    lambda = 1e-3;
  const { X, y } = pooled(n, d, C, 3);
  // centralized reference: XᵀX + λI and XᵀY formed directly, solved by Gaussian elimination
  const A = new Float64Array(d * d),
    B = new Float64Array(d * C);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) A[a * d + b]! += X[i * d + a]! * X[i * d + b]!;
      B[a * C + y[i]!]! += X[i * d + a]!;
    }
  for (let a = 0; a < d; a++) A[a * d + a]! += lambda;
  const Wc = gaussSolve(A, B, d, C);
  // federated: 7 clients of uneven sizes
  const r = rng(9),
    perm = Array.from(r.permutation(n));
  const cuts = [0, 13, 70, 150, 151, 300, 480, n];
  const parts = cuts.slice(1).map((e, i) => perm.slice(cuts[i], e));
  const stats = parts.map((ids) => {
    const { Xs, ys } = rows(X, y, d, ids);
    return clientStats(Xs, ys, d, C);
  });
  const Wf = solveRidge(sumStats(stats), { lambda }).W;
  assert.ok(maxRel(Wf, Wc) <= 1e-9, `fed vs central ${maxRel(Wf, Wc)}`);
  // client order and re-partitioning of the same samples do not change W
  const Wrev = solveRidge(sumStats([...stats].reverse()), { lambda }).W;
  const parts2 = [perm.slice(0, 400), perm.slice(400)];
  const W2 = solveRidge(
    sumStats(
      parts2.map((ids) => {
        const { Xs, ys } = rows(X, y, d, ids);
        return clientStats(Xs, ys, d, C);
      }),
    ),
    { lambda },
  ).W;
  assert.ok(maxRel(Wrev, Wf) <= 1e-9 && maxRel(W2, Wf) <= 1e-9, `order ${maxRel(Wrev, Wf)}, repartition ${maxRel(W2, Wf)}`);
  // statistics are symmetric PSD: Cholesky of ΣG + λI succeeds; the packed form round-trips
  const G = unpackUpper(sumStats(stats).G, d);
  assert.deepEqual(packUpper(G, d), sumStats(stats).G);
  for (let i = 0; i < d; i++) G[i * d + i]! += 1e-9;
  assert.doesNotThrow(() => cholesky(G, d));
});

test('bias appends a constant feature; the relative λ default scales with tr(G)/d; the message size is d(d+1)/2 + dC float64', () => {
  const { X, y } = pooled(200, 6, 3, 1);
  const s = clientStats(X, y, 6, 3, { bias: true });
  assert.equal(s.d, 7);
  assert.equal(s.G.length, packedLength(7));
  assert.equal(s.G[packedLength(7) - 1], 200);
  const { lambda } = solveRidge(s);
  let tr = 0;
  const A = unpackUpper(s.G, 7);
  for (let i = 0; i < 7; i++) tr += A[i * 7 + i]!;
  assert.ok(Math.abs(lambda - (1e-3 * tr) / 7) < 1e-15);
  const bytes = encode({ type: 'stats', clientId: 'c', round: 1, n: s.n, G: s.G, B: s.B });
  const payload = 8 * (packedLength(7) + 7 * 3);
  assert.ok(bytes.length >= payload && bytes.length < payload + 120, `${bytes.length} bytes for ${payload} payload bytes`);
  const m = decodeClientMessage(bytes);
  assert.equal(m.type, 'stats');
});

test('through the runtime: the calibration round over worker/in-process clients equals centralized ridge on the pooled features, for any client order or partition', async () => {
  const { gaussianBlobs, subset } = await import('./data');
  const { partition } = await import('./partition');
  const { makeHosts } = await import('./transport');
  const { federatedCalibration } = await import('./server');
  const { Mlp } = await import('./model');
  const all = gaussianBlobs({ n: 300, dims: 8, classes: 4, seed: 21 });
  const spec = { input: 8, hidden: [10], features: 6, classes: 4, head: 'sphere' as const };
  const net = new Mlp(spec);
  const params = Float64Array.from(Float32Array.from(net.init(5))); // float32-representable, so the float32 wire is exact
  const central = solveRidge(clientStats(net.features(params, all), all.y, 6, 4));
  const run = async (alpha: number, seed: number, K: number, kind: 'worker' | 'in-process', reverse: boolean) => {
    const p = partition({ labels: all.y, clients: K, alpha, seed, minSize: 5 });
    let clients = p.clients.map((ix, k) => {
      const s = subset(all, ix);
      return { id: `c${k}`, data: { kind: 'inline' as const, x: s.x, y: s.y, input: 8 } };
    });
    if (reverse) clients = clients.reverse();
    const hosts = makeHosts({ spec, clients, hosts: 2, kind });
    try {
      return await federatedCalibration({ spec, hosts, params });
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
    }
  };
  const a = await run(0.3, 1, 4, 'worker', false),
    b = await run(0.3, 1, 4, 'in-process', true),
    c = await run(5, 9, 7, 'in-process', false);
  for (const [name, r] of [
    ['workers', a],
    ['reversed order', b],
    ['re-partitioned into 7', c],
  ] as const) {
    assert.equal(r.n, 300);
    assert.ok(Math.abs(r.lambda - central.lambda) <= 1e-12 * central.lambda, `${name}: λ`);
    assert.ok(maxRel(r.W, central.W) <= 1e-9, `${name}: fed vs central ${maxRel(r.W, central.W)}`);
  }
  assert.ok(a.bytesUp > 0 && a.bytesDown > 0 && a.dropped.length === 0);
});

test('clientStats takes numpy int64 labels and features (npy objects, nested arrays) with the same statistics', async () => {
  const { readNpy, writeNpy } = await import('../core/io/npy');
  const { InvalidInput } = await import('../core/errors');
  const X = [
      [1, 2],
      [3, -1],
      [0, 4],
    ],
    y = [2, 0, 2];
  const ref = clientStats(Float64Array.from(X.flat()), y, 2, 3);
  const x64 = readNpy(writeNpy({ dtype: 'int64', shape: [3, 2], data: X.flat().map(BigInt) }));
  const y64 = readNpy(writeNpy({ dtype: 'int64', shape: [3], data: y.map(BigInt) }));
  assert.ok(y64.data instanceof BigInt64Array);
  assert.deepEqual(clientStats(x64, y64.data, 2, 3), ref, 'int64 features and labels');
  assert.deepEqual(clientStats(X, y64, 2, 3), ref, 'nested features, npy labels');
  assert.throws(
    () => clientStats(X, new BigInt64Array([0n, 2n ** 54n + 1n, 1n]), 2, 3),
    (e: Error) => e instanceof InvalidInput && /labels: int64 value/.test(e.message),
  );
  assert.throws(() => clientStats(X, y, 3, 3), /features have shape \[3, 2\] \(layout \[n\]\[dIn\]\); expected dIn = 3/);
});
