import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp, trainLocal, type ModelSpec } from './model';
import { fixedHead, fingerprint } from './head';
import { gaussianBlobs, subset } from './data';
import { partition } from './partition';
import { InProcessHost, WorkerHost } from './transport';
import { runFederated } from './server';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';

test('fixed classifier: orthonormal columns (WᵀW = I), ETF Gram = C/(C−1)(I − 11ᵀ/C), seeded, d ≥ C enforced', () => {
  const d = 24,
    C = 10;
  for (const kind of ['orthonormal', 'etf'] as const) {
    const W = fixedHead({ d, classes: C, seed: 7, kind });
    let err = 0;
    for (let a = 0; a < C; a++)
      for (let b = 0; b < C; b++) {
        let g = 0;
        for (let i = 0; i < d; i++) g += W[i * C + a]! * W[i * C + b]!;
        const want = kind === 'orthonormal' ? (a === b ? 1 : 0) : (C / (C - 1)) * ((a === b ? 1 : 0) - 1 / C);
        err = Math.max(err, Math.abs(g - want));
      }
    assert.ok(err < 1e-12, `${kind}: Gram error ${err}`);
    assert.equal(fingerprint(fixedHead({ d, classes: C, seed: 7, kind })), fingerprint(W));
  }
  assert.notEqual(fingerprint(fixedHead({ d, classes: C, seed: 8 })), fingerprint(fixedHead({ d, classes: C, seed: 7 })));
  assert.throws(() => fixedHead({ d: 5, classes: 10, seed: 1 }), InvalidInput);
});

test('the fixed classifier is bit-identical in every worker thread (fingerprint of its float64 bytes)', async () => {
  const data = gaussianBlobs({ n: 40, dims: 8, classes: 4, seed: 1 });
  const spec: ModelSpec = { input: 8, hidden: [8], features: 6, classes: 4, head: 'sphere', headSeed: 99 };
  const hosts = [0, 1].map(
    (i) => new WorkerHost({ spec, clients: [{ id: `c${i}`, data: { kind: 'inline', x: data.x, y: data.y, input: 8 } }] }, `w${i}`),
  );
  try {
    const hellos = await Promise.all(hosts.map((h) => h.start()));
    const local = fingerprint(new Mlp(spec).fixedW!);
    assert.deepEqual(
      hellos.map((h) => h.headHash),
      [local, local],
    );
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
});

function fdCheck(spec: ModelSpec) {
  const net = new Mlp(spec),
    data = gaussianBlobs({ n: 12, dims: spec.input, classes: spec.classes, seed: 2 });
  const p = net.init(3),
    g = new Float64Array(net.nParams),
    idx = Int32Array.from({ length: 12 }, (_, i) => i);
  net.batch(p, data, idx, g);
  const r = rng(4);
  let worst = 0;
  for (let t = 0; t < 40; t++) {
    const i = r.int(net.nParams),
      h = 1e-6,
      q = Float64Array.from(p);
    q[i]! += h;
    const lp = net.batch(q, data, idx).loss;
    q[i]! -= 2 * h;
    const lm = net.batch(q, data, idx).loss;
    const fd = (lp - lm) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - g[i]!) / Math.max(1e-4, Math.abs(fd) + Math.abs(g[i]!)));
  }
  return worst;
}

test('backprop matches finite differences (learned/sphere head × CE/MSE, through the L2 normalisation)', () => {
  for (const head of ['learned', 'sphere'] as const)
    for (const loss of ['ce', 'mse'] as const) {
      const w = fdCheck({ input: 5, hidden: [7], features: 6, classes: 4, head, loss, scale: 3 });
      assert.ok(w < 1e-5, `${head}/${loss}: worst relative FD error ${w}`);
    }
});

test('sphere features are unit-norm', () => {
  const net = new Mlp({ input: 8, hidden: [8], features: 6, classes: 4, head: 'sphere' });
  const data = gaussianBlobs({ n: 30, dims: 8, classes: 4, seed: 1 });
  const f = net.features(net.init(1), data);
  for (let i = 0; i < 30; i++) {
    let s = 0;
    for (let k = 0; k < 6; k++) s += f[i * 6 + k]! ** 2;
    assert.ok(Math.abs(Math.sqrt(s) - 1) < 1e-6);
  }
});

test('FedSGD identity: FedAvg with one full-batch local step per round equals centralized gradient descent', async () => {
  const all = gaussianBlobs({ n: 300, dims: 10, classes: 4, seed: 5 });
  const p = partition({ labels: all.y, clients: 5, alpha: 0.3, seed: 2 });
  const spec: ModelSpec = { input: 10, hidden: [12], features: 6, classes: 4 };
  const net = new Mlp(spec),
    init = net.init(11),
    rounds = 4,
    lr = 0.3;
  // centralized GD on the pooled data: mean loss over all samples = n-weighted mean of the client losses
  let w = init;
  for (let t = 0; t < rounds; t++) w = trainLocal(net, w, all, { epochs: 1, batchSize: all.n, lr, rng: rng(0) }).params;
  const clients = p.clients.map((ix, k) => {
    const s = subset(all, ix);
    return { id: `c${k}`, data: { kind: 'inline' as const, x: s.x, y: s.y, input: 10 } };
  });
  for (const wire of ['float64', 'float32'] as const) {
    const hosts = [new InProcessHost({ spec, clients: clients.slice(0, 3) }), new InProcessHost({ spec, clients: clients.slice(3) })];
    const r = await runFederated({
      spec,
      hosts,
      rounds,
      localEpochs: 1,
      batchSize: 100000,
      lr,
      initParams: init,
      wire,
      calibrate: false,
      progress: false,
    });
    let m = 0,
      s = 0;
    for (let i = 0; i < w.length; i++) {
      m = Math.max(m, Math.abs(r.params[i]! - w[i]!));
      s = Math.max(s, Math.abs(w[i]!));
    }
    assert.ok(m / s <= (wire === 'float64' ? 1e-12 : 1e-5), `${wire} wire: max rel diff ${m / s}`);
  }
});

test('FedProx keeps local models closer to the global model than FedAvg', () => {
  const data = gaussianBlobs({ n: 80, dims: 8, classes: 4, seed: 3 });
  const net = new Mlp({ input: 8, hidden: [8], features: 6, classes: 4 }),
    p0 = net.init(1);
  const dist = (mu: number) => {
    const q = trainLocal(net, p0, data, { epochs: 5, batchSize: 8, lr: 0.1, mu, anchor: p0, rng: rng(1) }).params;
    let s = 0;
    for (let i = 0; i < q.length; i++) s += (q[i]! - p0[i]!) ** 2;
    return s;
  };
  assert.ok(dist(1) < dist(0));
});
