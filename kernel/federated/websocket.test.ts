import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, wsConnect, wsListen, type WsConnection } from './websocket';
import { processHosts } from './socket-host';
import { makeHosts } from './transport';
import { runFederated } from './server';
import { gaussianBlobs, subset } from './data';
import { partition } from './partition';
import type { ModelSpec } from './model';
import type { ClientConfig, Fault } from './client';
import { FormatError } from '../core/errors';

const next = (ws: WsConnection) => new Promise<Uint8Array | string>((res) => ws.once('message', res));

test('RFC 6455 framing: 7/16/64-bit lengths, text, fragmentation, masking enforced, close handshake', async () => {
  const errors: Error[] = [];
  const srv = await wsListen((ws) => {
    ws.on('message', (m: Uint8Array | string) => ws.send(m));
    ws.on('protocol-error', (e: Error) => errors.push(e));
  });
  try {
    const ws = await wsConnect(srv.url + '/x');
    for (const n of [0, 5, 125, 126, 300, 65535, 65536, 200_000]) {
      const p = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255);
      const got = next(ws);
      ws.send(p);
      assert.deepEqual(await got, p, `${n}-byte binary message echoes intact`);
    }
    let got = next(ws);
    ws.send('héllo');
    assert.equal(await got, 'héllo');
    // a fragmented binary message (first frame FIN = 0, then a continuation) is reassembled
    const sock = (ws as unknown as { socket: import('node:net').Socket }).socket;
    got = next(ws);
    sock.write(Buffer.concat([encodeFrame(0x2, Uint8Array.of(1, 2, 3), true, false), encodeFrame(0x0, Uint8Array.of(4, 5), true)]));
    assert.deepEqual(await got, Uint8Array.of(1, 2, 3, 4, 5));
    // an unmasked client frame is a protocol error: the server closes with 1002
    const closed = new Promise<number>((res) => ws.once('close', res));
    sock.write(encodeFrame(0x2, Uint8Array.of(9), false));
    assert.equal(await closed, 1002);
    assert.ok(errors.length === 1 && errors[0] instanceof FormatError && /not masked/.test(errors[0].message));
    const ws2 = await wsConnect(srv.url + '/y');
    const c2 = new Promise<number>((res) => ws2.once('close', res));
    ws2.close(1000, 'bye');
    assert.equal(await c2, 1000);
    await assert.rejects(wsConnect(srv.url.replace('ws:', 'http:')), /only ws:\/\//);
  } finally {
    await srv.close();
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
