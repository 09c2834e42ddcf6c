import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, type RawData } from 'ws';
import { SocketHub, messageBytes, processHosts } from './socket-host';
import { decodeClientMessage, encode } from './protocol';
import { makeHosts } from './transport';
import { runFederated } from './server';
import { gaussianBlobs, subset } from './data';
import { partition } from './partition';
import type { ModelSpec } from './model';
import type { ClientConfig, Fault } from './client';
import { FormatError } from '../core/errors';

test('the socket hub: an unknown host token is closed with 1008; a text message is not a protocol message; undeclared types are FormatErrors', async () => {
  const hub = await SocketHub.listen();
  try {
    const ws = new WebSocket(`${hub.url}/nobody`);
    const code = await new Promise<number>((res) => ws.once('close', res));
    assert.equal(code, 1008);
    const waiting = hub.expect('tok-1', 5000);
    const ws2 = new WebSocket(`${hub.url}/tok-1`);
    const server = await waiting;
    const got = new Promise<Uint8Array | null>((res) => server.once('message', (d: RawData, bin: boolean) => res(messageBytes(d, bin))));
    await new Promise((res) => ws2.once('open', res));
    ws2.send('hello as text');
    assert.equal(await got, null, 'text is not a protocol message');
    const bin = new Promise<Uint8Array | null>((res) => server.once('message', (d: RawData, b: boolean) => res(messageBytes(d, b))));
    ws2.send(encode({ type: 'images', clientId: 'c0', round: 1, x: new Float32Array(4) }));
    const bytes = await bin;
    assert.ok(bytes && bytes.length > 8);
    assert.throws(
      () => decodeClientMessage(bytes),
      (e: Error) => e instanceof FormatError && /undeclared message type "images"/.test(e.message),
    );
    ws2.close();
  } finally {
    await hub.close();
  }
});

const all = gaussianBlobs({ n: 160, dims: 6, classes: 3, seed: 4 });
const part = partition({ labels: all.y, clients: 4, alpha: 1, seed: 2 });
const spec: ModelSpec = { input: 6, hidden: [8], features: 4, classes: 3, head: 'sphere' };
const clients = (faults: Record<string, Fault> = {}): ClientConfig[] =>
  part.clients.map((ix, k) => {
    const s = subset(all, ix);
    return { id: `c${k}`, data: { kind: 'inline', x: s.x, y: s.y, input: 6 }, ...(faults[`c${k}`] ? { fault: faults[`c${k}`] } : {}) };
  });
const base = { spec, rounds: 3, localEpochs: 1, batchSize: 16, lr: 0.1, seed: 5, calibrate: true, progress: false };

test('clients in separate processes over WebSocket loopback give the same run as in-process clients; a crashed process loses its clients for that round (c0 crashes before c2, which shares its process, answers), then is re-forked', async () => {
  const ref = await runFederated({ ...base, hosts: makeHosts({ spec, clients: clients(), hosts: 2, kind: 'in-process' }) });
  const net = await processHosts({ spec, clients: clients(), processes: 2 });
  try {
    const r = await runFederated({ ...base, hosts: net.hosts });
    assert.deepEqual(r.params, ref.params);
    assert.deepEqual(r.W, ref.W);
    const pids = net.hosts.map((h) => h.pid);
    assert.ok(pids.every((p) => p !== null && p !== process.pid) && new Set(pids).size === 2, `separate processes ${pids}`);
    assert.ok(net.hosts.every((h) => h.bytesSent > 0 && h.bytesReceived > 0));
  } finally {
    await net.close();
  }
  const net2 = await processHosts({ spec, clients: clients({ c0: { round: 2, kind: 'exit' } }), processes: 2 });
  try {
    const r = await runFederated({ ...base, hosts: net2.hosts });
    assert.deepEqual(r.history[1]!.dropped.map((d) => d.clientId).sort(), ['c0', 'c2'], JSON.stringify(r.history[1]!.dropped));
    assert.ok(r.history[1]!.dropped.every((d) => /^crash/.test(d.reason)));
    assert.deepEqual(r.history[2]!.survivors, ['c0', 'c1', 'c2', 'c3']);
    assert.equal(net2.hosts[0]!.crashes, 1);
  } finally {
    await net2.close();
  }
});
