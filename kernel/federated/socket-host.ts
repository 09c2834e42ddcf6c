/**
 * Network transport: clients in separate OS processes that talk to the server only through a WebSocket over loopback
 * (the maintained `ws` package; binary messages only). For clients on other machines use jobs (jobs.ts: BullMQ workers
 * on any host, TLS and passwords handled by Redis). Same ClientHost interface as the worker threads (transport.ts), so runFederated does not
 * know which one it drives.
 *
 *   const net = await processHosts({ spec, clients, processes: 2 });
 *   try { await runFederated({ spec, hosts: net.hosts }); } finally { await net.close(); }
 *
 * Each WebSocket binary message is `u32 request id (LE) | protocol message` (protocol.ts). The client process opens the
 * connection and first sends a declared 'hello' message; the server then sends train/stats requests and matches the
 * replies by id (a late reply after a timeout is ignored). A process that exits or whose socket closes fails its pending
 * requests with ClientDropped('crash'); the next request forks it again (its clients rejoin the next round).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { FormatError } from '../core/errors';
import { decodeClientMessage } from './protocol';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { ClientDropped, hostEntry, type ClientHost } from './transport';
import type { ClientConfig, HostHello, HostSetup } from './client';
import type { ModelSpec } from './model';

/** Largest message either side accepts (a model's parameters with room to spare). */
export const MAX_MESSAGE = 256 * 2 ** 20;

/** A ws message as bytes (null for a text message: only binary protocol messages are declared). */
export function messageBytes(data: RawData, isBinary: boolean): Uint8Array | null {
  if (!isBinary) return null;
  const b = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function frameWithId(id: number, msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + msg.length);
  new DataView(out.buffer).setUint32(0, id, true);
  out.set(msg, 4);
  return out;
}

/** The server's WebSocket endpoint: hands each incoming connection to the host that expects its path token. */
export class SocketHub {
  private readonly waiting = new Map<string, (ws: WebSocket) => void>();
  private constructor(
    readonly url: string,
    private readonly stop: () => Promise<void>,
  ) {}
  static async listen(o: { host?: string; port?: number } = {}): Promise<SocketHub> {
    const host = o.host ?? '127.0.0.1';
    const wss = new WebSocketServer({ host, port: o.port ?? 0, maxPayload: MAX_MESSAGE });
    await new Promise<void>((res, rej) => {
      wss.once('listening', res);
      wss.once('error', rej);
    });
    const addr = wss.address();
    const port = addr && typeof addr === 'object' ? addr.port : 0;
    const hub: SocketHub = new SocketHub(
      `ws://${host}:${port}`,
      () =>
        new Promise<void>((res) => {
          for (const c of wss.clients) c.terminate();
          wss.close(() => res());
        }),
    );
    wss.on('connection', (ws, req) => {
      const token = (req.url ?? '').replace(/^\//, '');
      const cb = hub.waiting.get(token);
      if (!cb) {
        ws.close(1008, 'unknown host token');
        return;
      }
      hub.waiting.delete(token);
      cb(ws);
    });
    return hub;
  }
  /** Resolves with the connection that arrives on path /token. */
  expect(token: string, timeoutMs: number): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(token);
        reject(new ClientDropped('timeout', `no connection for ${token} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(token, (ws) => {
        clearTimeout(t);
        resolve(ws);
      });
    });
  }
  close(): Promise<void> {
    return this.stop();
  }
}

let tokenCounter = 0;

/** A client host in a forked process, reached over the hub's WebSocket. */
export class ProcessHost implements ClientHost {
  readonly label: string;
  readonly clientIds: string[];
  private child: ChildProcess | null = null;
  private ws: WebSocket | null = null;
  private ready: Promise<HostHello> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  /** Times the process died and was forked again. */
  crashes = 0;
  /** Bytes carried by the socket, both directions, including the 4-byte ids (not the WebSocket frame headers). */
  bytesSent = 0;
  bytesReceived = 0;
  constructor(
    private readonly setup: HostSetup,
    private readonly hub: SocketHub,
    label = 'process',
    private readonly o: {
      /** How long the forked process may take to connect and say hello (ms). Default 60 000. */
      startTimeoutMs?: number;
    } = {},
  ) {
    this.label = label;
    this.clientIds = setup.clients.map((c) => c.id);
  }

  /** OS process id of the running client process (null when none). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): Promise<HostHello> {
    if (this.ready) return this.ready;
    const token = `h${process.pid}-${++tokenCounter}`;
    const e = hostEntry('process');
    const child = fork(e.script, e.entry ? [e.entry] : [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const ready = (async (): Promise<HelloAndWs> => {
      const conn = this.hub.expect(token, this.o.startTimeoutMs ?? 60_000);
      const died = new Promise<never>((_, rej) =>
        child.once('exit', (code) => rej(new ClientDropped('crash', `${this.label}: client process exited during setup (code ${code})`))),
      );
      child.send({ setup: this.setup, url: `${this.hub.url}/${token}`, host: token });
      const ws = await Promise.race([conn, died]);
      const first = await Promise.race([
        new Promise<Uint8Array | null>((res) => ws.once('message', (d: RawData, bin: boolean) => res(messageBytes(d, bin)))),
        died,
      ]);
      if (!first || first.length < 4) throw new FormatError(`${this.label}: first message is not a binary hello`);
      const m = decodeClientMessage(first.subarray(4));
      if (m.type !== 'hello' || m.host !== token) throw new FormatError(`${this.label}: expected hello from ${token}, got ${m.type}`);
      return {
        ws,
        hello: { clientIds: m.clientIds.split(','), nParams: m.nParams, headHash: m.headHash || null, samples: Array.from(m.samples) },
      };
    })();
    this.ready = ready.then(
      ({ ws, hello }) => {
        this.attach(ws, child);
        return hello;
      },
      (e: Error) => {
        this.reset(child);
        throw e;
      },
    );
    return this.ready;
  }

  private attach(ws: WebSocket, child: ChildProcess): void {
    this.ws = ws;
    ws.on('message', (raw: RawData, bin: boolean) => {
      const data = messageBytes(raw, bin);
      if (!data || data.length < 4) return;
      this.bytesReceived += data.length;
      const id = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve(data.slice(4));
    });
    ws.on('close', () => this.lost(child, 'WebSocket closed'));
    child.once('exit', (code) => this.lost(child, `client process exited (code ${code})`));
  }

  private lost(child: ChildProcess, why: string): void {
    if (this.child !== child) return;
    if (this.pending.size) this.crashes++;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ClientDropped('crash', `${this.label}: ${why}`));
      this.pending.delete(id);
    }
    this.reset(child);
  }

  private reset(child: ChildProcess): void {
    if (this.child !== child) return;
    this.ws?.close();
    this.ws = null;
    this.ready = null;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }

  async request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array> {
    await this.start();
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new ClientDropped('crash', `${this.label}: not connected`);
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ClientDropped('timeout', `${this.label}: no reply within ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const f = frameWithId(id, bytes);
      this.bytesSent += f.length;
      ws.send(f);
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ClientDropped('crash', `${this.label}: closed`));
    }
    this.pending.clear();
    if (child) {
      const gone =
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise<void>((res) => child.once('exit', () => res()));
      this.reset(child);
      await gone;
    }
  }
}

interface HelloAndWs {
  ws: WebSocket;
  hello: HostHello;
}

/** Fork `processes` client processes (default one per core, at most one per client), clients spread round-robin. */
export async function processHosts(o: {
  /** The model every client trains. */
  spec: ModelSpec;
  /** The clients (id and data source). */
  clients: ClientConfig[];
  /** Client processes to fork. Default: one per core (os.cpus()), at most one per client. */
  processes?: number;
  /** Interface the WebSocket hub listens on. Default '127.0.0.1' (loopback only). */
  host?: string;
}): Promise<{ hosts: ProcessHost[]; hub: SocketHub; close: () => Promise<void> }> {
  const hub = await SocketHub.listen({ host: o.host });
  const H = Math.max(1, Math.min(o.processes ?? cpus().length, o.clients.length));
  const groups: ClientConfig[][] = Array.from({ length: H }, () => []);
  o.clients.forEach((c, i) => groups[i % H]!.push(c));
  const hosts = groups.map((g, i) => new ProcessHost({ spec: o.spec, clients: g }, hub, `process ${i}`));
  return {
    hosts,
    hub,
    close: async () => {
      await Promise.all(hosts.map((h) => h.close()));
      await hub.close();
    },
  };
}
