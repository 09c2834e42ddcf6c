import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianBlobs, subset } from './data';
import { partition } from './partition';
import { InProcessHost, WorkerHost, hostEntry, makeHosts, type ClientHost } from './transport';
import { runFederated, clientSeed, validateUpdate } from './server';
import { Mlp, trainLocal, type ModelSpec } from './model';
import { decodeClientMessage, encode, CLIENT_MESSAGE_TYPES } from './protocol';
import type { ClientConfig, Fault } from './client';
import { packedLength } from './linalg64';
import { rng } from '../core/rng';
import { FormatError } from '../core/errors';
import { existsSync } from 'node:fs';

const all = gaussianBlobs({ n: 240, dims: 8, classes: 4, seed: 9 });
const part = partition({ labels: all.y, clients: 4, alpha: 0.5, seed: 1 });
const spec: ModelSpec = { input: 8, hidden: [10], features: 6, classes: 4, head: 'sphere' };
const clientsWith = (faults: Record<string, Fault> = {}): ClientConfig[] =>
  part.clients.map((ix, k) => {
    const s = subset(all, ix),
      id = `c${k}`;
    return { id, data: { kind: 'inline', x: s.x, y: s.y, input: 8 }, ...(faults[id] ? { fault: faults[id] } : {}) };
  });

/** Expected params after round 2 when only `survivors` answer in round 2 (float64 wire). */
function expectedRound2(survivors: string[], p1: Float64Array, seed: number, lr: number) {
  const net = new Mlp(spec),
    ids = clientsWith().map((c) => c.id);
  const agg = new Float64Array(net.nParams);
  let nt = 0;
  for (const id of survivors) {
    const k = ids.indexOf(id),
      d = subset(all, part.clients[k]!);
    const u = trainLocal(net, p1, d, { epochs: 1, batchSize: 16, lr, rng: rng(clientSeed(seed, 2, k)) }).params;
    for (let i = 0; i < agg.length; i++) agg[i]! += d.n * u[i]!;
    nt += d.n;
  }
  return agg.map((v) => v / nt);
}

const base = { spec, localEpochs: 1, batchSize: 16, lr: 0.1, seed: 3, wire: 'float64' as const, calibrate: false, progress: false };

test("a client that crashes its worker, hangs, errors or sends garbage is dropped from that round; the aggregate is the survivors' exact weighted mean", async () => {
  const ref = await runFederated({ ...base, hosts: [new InProcessHost({ spec, clients: clientsWith() })], rounds: 1 });
  const cases: { fault: Fault; worker: boolean; reason: RegExp }[] = [
    { fault: { round: 2, kind: 'exit' }, worker: true, reason: /^crash/ },
    { fault: { round: 2, kind: 'hang' }, worker: false, reason: /^timeout/ },
    { fault: { round: 2, kind: 'throw' }, worker: false, reason: /^client error/ },
    { fault: { round: 2, kind: 'garbage' }, worker: false, reason: /^malformed: .*magic/ },
    { fault: { round: 2, kind: 'extra-field' }, worker: false, reason: /undeclared array "images"/ },
    { fault: { round: 2, kind: 'wrong-length' }, worker: false, reason: /parameters; the model has/ },
  ];
  for (const c of cases) {
    const clients = clientsWith({ c1: c.fault });
    // c1 shares its host with c3 (round-robin over 2 hosts): a crashed worker takes both down for that round
    const hosts: ClientHost[] = c.worker
      ? makeHosts({ spec, clients, hosts: 2, kind: 'worker' })
      : makeHosts({ spec, clients, hosts: 2, kind: 'in-process' });
    try {
      const r = await runFederated({ ...base, hosts, rounds: 3, timeoutMs: c.fault.kind === 'hang' ? 800 : 20000 });
      const h2 = r.history[1]!;
      const lost = c.worker ? ['c1', 'c3'] : ['c1'];
      assert.deepEqual(h2.dropped.map((d) => d.clientId).sort(), lost, `${c.fault.kind}: dropped ${JSON.stringify(h2.dropped)}`);
      assert.ok(
        h2.dropped.every((d) => c.reason.test(d.reason) || (c.worker && /^crash/.test(d.reason))),
        `${c.fault.kind}: ${h2.dropped.map((d) => d.reason).join('; ')}`,
      );
      assert.deepEqual(r.history[2]!.dropped, [], `${c.fault.kind}: round 3 has everyone again (respawned worker)`);
      const hosts2 = makeHosts({ spec, clients, hosts: 2, kind: c.worker ? 'worker' : 'in-process' });
      hosts.push(...hosts2); // closed in finally
      const rerun = await runFederated({ ...base, hosts: hosts2, rounds: 2, timeoutMs: c.fault.kind === 'hang' ? 800 : 20000 });
      const want = expectedRound2(h2.survivors, ref.params, 3, 0.1);
      let m = 0;
      for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(rerun.params[i]! - want[i]!));
      assert.ok(m < 1e-12, `${c.fault.kind}: aggregate differs from the survivors' weighted mean by ${m}`);
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
    }
  }
});

test('only declared message types reach the server, with model-sized arrays only; malformed replies are named FormatErrors', async () => {
  const received: Uint8Array[] = [];
  const inner = new InProcessHost({ spec, clients: clientsWith() });
  const spy: ClientHost = {
    label: 'spy',
    clientIds: inner.clientIds,
    start: () => inner.start(),
    close: () => inner.close(),
    request: async (b, o) => {
      const r = await inner.request(b, o);
      received.push(r);
      return r;
    },
  };
  const r = await runFederated({ ...base, hosts: [spy], rounds: 2, calibrate: true, bias: false });
  const nParams = new Mlp(spec).nParams;
  assert.equal(received.length, 4 * 2 + 4);
  for (const b of received) {
    const m = decodeClientMessage(b);
    assert.ok(CLIENT_MESSAGE_TYPES.includes(m.type));
    const arrays = Object.entries(m)
      .filter(([, v]) => ArrayBuffer.isView(v))
      .map(([k, v]) => [k, (v as Float64Array).length]);
    if (m.type === 'update') assert.deepEqual(arrays, [['params', nParams]]);
    else if (m.type === 'stats')
      assert.deepEqual(arrays, [
        ['G', packedLength(6)],
        ['B', 6 * 4],
      ]);
    else assert.fail(`unexpected ${m.type}`);
  }
  assert.ok(r.W && r.W.length === 6 * 4 && r.calibBytesPerClient > 8 * (packedLength(6) + 24));
  const ok = encode({ type: 'update', clientId: 'c0', round: 1, n: 5, loss: 0.1, params: new Float32Array(nParams) });
  assert.equal(validateUpdate(ok, nParams).n, 5);
  const bad: [Uint8Array, RegExp][] = [
    [encode({ type: 'upload', clientId: 'c0', round: 1 }), /undeclared message type "upload"/],
    [
      encode({ type: 'update', clientId: 'c0', round: 1, n: 5, loss: 0.1, params: new Float32Array(nParams), images: new Float32Array(8) }),
      /undeclared array "images"/,
    ],
    [
      encode({ type: 'update', clientId: 'c0', round: 1, n: 5, loss: 0.1, note: 'x', params: new Float32Array(nParams) }),
      /undeclared field "note"/,
    ],
    [encode({ type: 'update', clientId: 'c0', round: 1, n: 5, loss: Number.NaN, params: new Float32Array(nParams) }), /loss/],
    [
      encode({ type: 'update', clientId: 'c0', round: 1, n: 5, loss: 0, params: new Float32Array([1, Number.POSITIVE_INFINITY]) }),
      /params\[1\]/,
    ],
    [
      encode({ type: 'stats', clientId: 'c0', round: 1, n: 5, G: new Float32Array(3) as unknown as Float64Array, B: new Float64Array(2) }),
      /dtype "float32"/,
    ],
    [encode({ type: 'update', clientId: 'c0 <img>', round: 1, n: 5, loss: 0.1, params: new Float32Array(nParams) }), /field clientId/],
    [encode({ type: 'error', clientId: 'c0', round: 1, message: 'x'.repeat(600) }), /field message/],
    [
      encode({ type: 'hello', host: 'h', clientIds: 'c0,c1', nParams: 1, headHash: 'not-hex', samples: new Float64Array(2) }),
      /field headHash/,
    ],
    [ok.subarray(0, ok.length - 4), /runs past/],
    [new Uint8Array([...ok, 0, 0, 0, 0, 0, 0, 0, 0]), /trailing/],
    [encode({ type: 'update', clientId: 'c0', round: 1, n: 5, loss: 0.1, params: new Float32Array(3) }), /3 parameters; the model has/],
  ];
  for (const [b, re] of bad)
    assert.throws(
      () => validateUpdate(b, nParams),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
      String(re),
    );
});

test('worker and in-process hosts give bit-identical runs; the worker bootstrap is found', async () => {
  assert.ok(existsSync(hostEntry('worker').script));
  const clients = clientsWith();
  const a = await runFederated({
    ...base,
    hosts: makeHosts({ spec, clients, hosts: 2, kind: 'in-process' }),
    rounds: 2,
    clientFraction: 0.5,
    calibrate: true,
  });
  const hosts = makeHosts({ spec, clients, hosts: 2, kind: 'worker' });
  try {
    const b = await runFederated({ ...base, hosts, rounds: 2, clientFraction: 0.5, calibrate: true });
    assert.deepEqual(b.params, a.params);
    assert.deepEqual(b.W, a.W);
    assert.deepEqual(
      a.history.map((h) => h.sampled.length),
      [2, 2],
    );
    assert.ok(hosts.every((h) => h instanceof WorkerHost));
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
});

test('FedProx through the runtime: μ reaches the clients (μ = 0 is bit-identical to FedAvg; μ > 0 keeps the aggregate nearer the start)', async () => {
  const init = new Mlp(spec).init(8);
  const go = async (strategy: 'fedavg' | 'fedprox', mu: number) =>
    (
      await runFederated({
        ...base,
        hosts: [new InProcessHost({ spec, clients: clientsWith() })],
        rounds: 1,
        localEpochs: 3,
        initParams: init,
        strategy,
        mu,
      })
    ).params;
  const dist = (p: Float64Array) => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += (p[i]! - init[i]!) ** 2;
    return s;
  };
  const avg = await go('fedavg', 5),
    prox0 = await go('fedprox', 0),
    prox = await go('fedprox', 5);
  assert.deepEqual(prox0, avg);
  assert.ok(dist(prox) < 0.8 * dist(avg), `prox ${dist(prox)} vs avg ${dist(avg)}`);
  await assert.rejects(
    runFederated({ ...base, hosts: [new InProcessHost({ spec, clients: clientsWith() })], rounds: 1, strategy: 'scaffold' as 'fedavg' }),
    /strategy must be/,
  );
});
