/**
 * Client hosts: where clients run. The server talks to a host only through `request(bytes) → bytes` (protocol.ts), so a
 * host can be a worker thread (WorkerHost, one per core), the current thread (InProcessHost, tests and tiny demos) or a
 * separate OS process reached over a WebSocket on loopback (ProcessHost, socket-host.ts).
 *
 * Failure model: a request that times out, or whose host dies, rejects with ClientDropped; the server drops that client
 * from the round. A dead WorkerHost respawns (re-provisions its clients) on its next request. A timed-out request is not
 * cancelled inside the host: a client stuck in a busy loop would keep its thread busy (its later rounds time out too).
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { NotFound, checkOneOf } from '../core/errors';
import { ClientRuntime, type ClientConfig, type HostHello, type HostSetup } from './client';
import type { ModelSpec } from './model';

export class ClientDropped extends Error {
  constructor(readonly reason: 'timeout' | 'crash' | 'error' | 'malformed', message: string) { super(message); this.name = 'ClientDropped'; }
}

export interface ClientHost {
  readonly label: string;
  readonly clientIds: readonly string[];
  /** Provision the clients (load their data) and report ids, parameter count and the fixed-head fingerprint. */
  start(): Promise<HostHello>;
  /** Send one encoded server message; resolve with the encoded reply. Rejects with ClientDropped on timeout/crash. */
  request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Runs clients in the calling thread (no parallelism). Replies still go through the byte protocol. */
export class InProcessHost implements ClientHost {
  readonly label: string;
  readonly clientIds: string[];
  private rt: ClientRuntime | null = null;
  constructor(private readonly setup: HostSetup, label = 'in-process') { this.label = label; this.clientIds = setup.clients.map((c) => c.id); }
  async start(): Promise<HostHello> { this.rt = new ClientRuntime(this.setup); return this.rt.hello(); }
  async request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array> {
    if (!this.rt) await this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new ClientDropped('timeout', `${this.label}: no reply within ${o.timeoutMs} ms`)), o.timeoutMs); });
    try {
      const r = await Promise.race([this.rt!.handle(bytes.slice()), timeout]);
      if (r === 'exit') { this.rt = null; throw new ClientDropped('crash', `${this.label}: client host crashed`); }
      return r;
    } finally { clearTimeout(timer); }
  }
  async close(): Promise<void> { this.rt = null; }
}

/**
 * Where the worker bootstrap lives. From source (tsx) it sits beside this file; from the esbuild bundle
 * (dist/kernel/index.js, no .ts files next to it) it is found through the package root: require.resolve('edgelab/package.json')
 * (node_modules/edgelab is the repo's self-link) → <root>/kernel/federated/worker.mjs. EDGELAB_FED_WORKER overrides both.
 */
export function workerScript(): string {
  const tried: string[] = [];
  const cands = [process.env.EDGELAB_FED_WORKER];
  if (typeof __dirname !== 'undefined') cands.push(join(__dirname, 'worker.mjs'));
  for (const base of [process.cwd(), typeof __dirname !== 'undefined' ? __dirname : process.cwd()]) {
    try { cands.push(join(dirname(require.resolve('edgelab/package.json', { paths: [base] })), 'kernel', 'federated', 'worker.mjs')); } catch { /* not resolvable from here */ }
  }
  for (const c of cands) { if (!c) continue; tried.push(c); if (existsSync(c)) return c; }
  throw new NotFound(`federated worker bootstrap worker.mjs not found (tried ${tried.join(', ')}); set EDGELAB_FED_WORKER to its path`);
}

/**
 * How to start a client host of `kind`: from the kernel bundle (dist/kernel/index.js) the bundled entry beside it,
 * dist/kernel/federated/<kind>-entry.js (no tsx, no TypeScript sources needed: works in an installed extension); from
 * source, the tsx bootstrap worker.mjs with <kind>-entry.ts. EDGELAB_FED_WORKER forces the bootstrap path.
 */
export function hostEntry(kind: 'worker' | 'process'): { script: string; entry: string | null } {
  if (typeof __dirname !== 'undefined' && !process.env.EDGELAB_FED_WORKER) {
    const bundled = join(__dirname, 'federated', `${kind}-entry.js`);
    if (existsSync(bundled)) return { script: bundled, entry: null };
  }
  const boot = workerScript();
  return { script: boot, entry: join(dirname(boot), `${kind}-entry.ts`) };
}

type FromWorker = { kind: 'ready'; hello: HostHello } | { kind: 'fail'; message: string } | { kind: 'res'; id: number; bytes: ArrayBuffer };

/** One worker thread hosting several clients; requests run one at a time inside it. */
export class WorkerHost implements ClientHost {
  readonly label: string;
  readonly clientIds: string[];
  private worker: Worker | null = null;
  private ready: Promise<HostHello> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  /** Times this host's thread died and was respawned. */
  crashes = 0;
  constructor(private readonly setup: HostSetup, label = 'worker', private readonly entry = hostEntry('worker')) { this.label = label; this.clientIds = setup.clients.map((c) => c.id); }

  start(): Promise<HostHello> {
    if (this.ready) return this.ready;
    const w = new Worker(this.entry.script, { workerData: { entry: this.entry.entry } });
    this.worker = w;
    this.ready = new Promise<HostHello>((resolve, reject) => {
      const onFail = (e: Error) => { reject(e); };
      w.once('error', onFail);
      w.on('message', (m: FromWorker) => {
        if (m.kind === 'ready') { w.off('error', onFail); resolve(m.hello); }
        else if (m.kind === 'fail') reject(new Error(`${this.label}: setup failed: ${m.message}`));
        else if (m.kind === 'res') {
          const p = this.pending.get(m.id); if (!p) return; // late reply after a timeout: ignored
          this.pending.delete(m.id); clearTimeout(p.timer); p.resolve(new Uint8Array(m.bytes));
        }
      });
      w.on('error', () => undefined);
      w.on('exit', (code) => {
        if (this.worker !== w) return;
        this.worker = null; this.ready = null;
        if (code !== 0 || this.pending.size) this.crashes++;
        for (const [id, p] of this.pending) { clearTimeout(p.timer); p.reject(new ClientDropped('crash', `${this.label}: worker exited (code ${code})`)); this.pending.delete(id); }
        reject(new ClientDropped('crash', `${this.label}: worker exited during setup (code ${code})`));
      });
      w.postMessage({ kind: 'setup', setup: this.setup });
    });
    return this.ready;
  }

  async request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array> {
    await this.start();
    const w = this.worker;
    if (!w) throw new ClientDropped('crash', `${this.label}: worker not running`);
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new ClientDropped('timeout', `${this.label}: no reply within ${o.timeoutMs} ms`)); }, o.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const copy = bytes.slice();
      w.postMessage({ kind: 'req', id, bytes: copy.buffer }, [copy.buffer]);
    });
  }

  async close(): Promise<void> {
    const w = this.worker; this.worker = null; this.ready = null;
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(new ClientDropped('crash', `${this.label}: closed`)); }
    this.pending.clear();
    if (w) await w.terminate();
  }
}

/**
 * Spread clients over `hosts` hosts (default: one per core, at most the number of clients), round-robin by position.
 * kind 'worker' (default) or 'in-process'.
 */
export function makeHosts(o: { spec: ModelSpec; clients: ClientConfig[]; hosts?: number; kind?: 'worker' | 'in-process' }): ClientHost[] {
  const kind = checkOneOf('makeHosts: kind', o.kind ?? 'worker', ['worker', 'in-process'] as const);
  const H = Math.max(1, Math.min(o.hosts ?? cpus().length, o.clients.length));
  const groups: ClientConfig[][] = Array.from({ length: H }, () => []);
  o.clients.forEach((c, i) => groups[i % H]!.push(c));
  return groups.map((g, i) => kind === 'worker' ? new WorkerHost({ spec: o.spec, clients: g }, `worker ${i}`) : new InProcessHost({ spec: o.spec, clients: g }, `in-process ${i}`));
}
