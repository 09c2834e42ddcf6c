/**
 * Client hosts: where clients run. The server talks to a host only through `request(bytes) → bytes` (protocol.ts), so a
 * host can be a worker thread (WorkerHost, one per core), the current thread (InProcessHost, tests and tiny demos) or a
 * separate OS process reached over a WebSocket on loopback (ProcessHost, socket-host.ts).
 *
 * Failure model: a request that times out, or whose host dies, rejects with ClientDropped; the server drops that client
 * from the round. A dead WorkerHost respawns (re-provisions its clients) on its next request. A timed-out request is not
 * cancelled inside the host: a client stuck in a busy loop would keep its thread busy (its later rounds time out too).
 */
import { cpus } from 'node:os';
import { checkOneOf } from '../core/errors';
import { TaskTimeout, WorkerExited, WorkerPool, workerEntry, type WorkerEntry } from '../core/workers';
import { ClientRuntime, type ClientConfig, type HostHello, type HostSetup } from './client';
import type { ModelSpec } from './model';

/** A client left a round: it timed out, its host crashed, it reported an error or sent a malformed reply (`reason`). */
export class ClientDropped extends Error {
  constructor(
    readonly reason: 'timeout' | 'crash' | 'error' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'ClientDropped';
  }
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
  constructor(
    private readonly setup: HostSetup,
    label = 'in-process',
  ) {
    this.label = label;
    this.clientIds = setup.clients.map((c) => c.id);
  }
  async start(): Promise<HostHello> {
    this.rt = new ClientRuntime(this.setup);
    return this.rt.hello();
  }
  async request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array> {
    if (!this.rt) await this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new ClientDropped('timeout', `${this.label}: no reply within ${o.timeoutMs} ms`)), o.timeoutMs);
    });
    try {
      const r = await Promise.race([this.rt!.handle(bytes.slice()), timeout]);
      if (r === 'exit') {
        this.rt = null;
        throw new ClientDropped('crash', `${this.label}: client host crashed`);
      }
      return r;
    } finally {
      clearTimeout(timer);
    }
  }
  async close(): Promise<void> {
    this.rt = null;
  }
}

/**
 * How to start a client host of `kind` (core/workers' workerEntry): from the kernel bundle, the bundled
 * dist/kernel/federated/<kind>-entry.js (no tsx, no TypeScript sources: works in an installed extension); from the
 * sources, core/workers/bootstrap.mjs loading kernel/federated/<kind>-entry.ts through tsx.
 */
export function hostEntry(kind: 'worker' | 'process'): WorkerEntry {
  return workerEntry(`federated/${kind}-entry`);
}

/** One worker thread (a core/workers WorkerPool of one) hosting several clients; requests run one at a time inside it. */
export class WorkerHost implements ClientHost {
  readonly label: string;
  readonly clientIds: string[];
  private readonly pool: WorkerPool<WorkerRequest, ArrayBuffer>;
  constructor(setup: HostSetup, label = 'worker', entry: WorkerEntry = hostEntry('worker')) {
    this.label = label;
    this.clientIds = setup.clients.map((c) => c.id);
    // the setup (which clients, where their data is) is the pool's init: a respawned thread is provisioned again
    this.pool = new WorkerPool({ entry, size: 1, init: setup, label });
  }

  /** Times this host's thread died and was respawned. */
  get crashes(): number {
    return this.pool.exits(0);
  }

  async start(): Promise<HostHello> {
    try {
      return (await this.pool.ready()) as HostHello;
    } catch (e) {
      throw this.dropped(e, 'setup');
    }
  }

  async request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array> {
    await this.start();
    const copy = bytes.slice();
    try {
      return new Uint8Array(await this.pool.run({ bytes: copy.buffer }, { transfer: [copy.buffer], timeoutMs: o.timeoutMs }));
    } catch (e) {
      throw this.dropped(e, 'request', o.timeoutMs);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private dropped(e: unknown, when: 'setup' | 'request', timeoutMs?: number): Error {
    if (e instanceof TaskTimeout) return new ClientDropped('timeout', `${this.label}: no reply within ${timeoutMs} ms`);
    if (e instanceof WorkerExited)
      return new ClientDropped('crash', `${this.label}: worker exited${when === 'setup' ? ' during setup' : ''} (code ${e.exitCode})`);
    if (when === 'setup' && e instanceof Error) {
      e.message = `${this.label}: setup failed: ${e.message}`;
      return e;
    }
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** A request to a WorkerHost's thread: one encoded server message (worker-entry.ts). */
export interface WorkerRequest {
  bytes: ArrayBuffer;
}

/**
 * Spread clients over `hosts` hosts (default: one per core, at most the number of clients), round-robin by position.
 * kind 'worker' (default) or 'in-process'.
 */
export function makeHosts(o: {
  /** The model every client trains. */
  spec: ModelSpec;
  /** The clients (id and data source). */
  clients: ClientConfig[];
  /** Number of hosts. Default: one per core (os.cpus()), at most one per client. */
  hosts?: number;
  /** 'worker' (default): one worker thread per host; 'in-process': clients run on this thread (tests, debugging). */
  kind?: 'worker' | 'in-process';
}): ClientHost[] {
  const kind = checkOneOf('makeHosts: kind', o.kind ?? 'worker', ['worker', 'in-process'] as const);
  const H = Math.max(1, Math.min(o.hosts ?? cpus().length, o.clients.length));
  const groups: ClientConfig[][] = Array.from({ length: H }, () => []);
  o.clients.forEach((c, i) => groups[i % H]!.push(c));
  return groups.map((g, i) =>
    kind === 'worker'
      ? new WorkerHost({ spec: o.spec, clients: g }, `worker ${i}`)
      : new InProcessHost({ spec: o.spec, clients: g }, `in-process ${i}`),
  );
}
