/**
 * A client host's runtime: holds its clients' data and answers server requests (bytes in, bytes out).
 * Runs inside a worker thread (worker-entry.ts) or in-process (InProcessHost); the same code either way.
 */
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';
import { Mlp, trainLocal, type ClientData, type ModelSpec } from './model';
import { clientStats } from './calibrate';
import { fingerprint } from './head';
import { decodeServerMessage, encode, isWireId, type ClientMessage } from './protocol';
import { loadSource, type DataSource } from './data';

/** Injected failures (tests and demos): what client `id` does at `round` instead of answering normally. */
export interface Fault {
  round: number;
  /** Which request triggers it. Default 'train'. */
  on?: 'train' | 'stats';
  /** throw → an 'error' reply; exit → the host process/thread dies; hang → never answers; garbage → random bytes;
   *  extra-field → a reply that also carries the client's images (must be rejected); wrong-length → params of the wrong size;
   *  slow → a straggler: the normal reply, sent after `ms` milliseconds. */
  kind: 'throw' | 'exit' | 'hang' | 'garbage' | 'extra-field' | 'wrong-length' | 'slow';
  /** For 'slow': the delay in milliseconds. Default 200. */
  ms?: number;
}

export interface ClientConfig {
  id: string;
  data: DataSource;
  fault?: Fault;
}
export interface HostSetup {
  spec: ModelSpec;
  clients: ClientConfig[];
}
export interface HostHello {
  clientIds: string[];
  nParams: number;
  headHash: string | null;
  samples: number[];
}

export class ClientRuntime {
  readonly net: Mlp;
  private readonly data = new Map<string, ClientData>();
  private readonly faults = new Map<string, Fault>();
  constructor(setup: HostSetup) {
    this.net = new Mlp(setup.spec);
    for (const c of setup.clients) {
      if (!isWireId(c.id)) throw new InvalidInput(`client id ${JSON.stringify(c.id)}: expected 1–64 characters of [A-Za-z0-9_.:-]`);
      if (this.data.has(c.id)) throw new InvalidInput(`duplicate client id ${c.id}`);
      this.data.set(c.id, loadSource(c.data));
      if (c.fault) this.faults.set(c.id, c.fault);
    }
  }

  hello(): HostHello {
    return {
      clientIds: [...this.data.keys()],
      nParams: this.net.nParams,
      samples: [...this.data.values()].map((d) => d.n),
      headHash: this.net.fixedW ? fingerprint(this.net.fixedW) : null,
    };
  }

  /** Answer one request. Returns the reply bytes, 'exit' when an injected crash asks the host to die, or never (hang). */
  async handle(bytes: Uint8Array): Promise<Uint8Array | 'exit'> {
    const m = decodeServerMessage(bytes);
    const d = this.data.get(m.clientId);
    const reply = (r: ClientMessage) => encode(r as unknown as { type: string } & Record<string, unknown>);
    if (!d) return reply({ type: 'error', clientId: m.clientId, round: m.round, message: `no client ${m.clientId} on this host` });
    const fault = this.faults.get(m.clientId);
    if (fault && fault.round === m.round && (fault.on ?? 'train') === m.type) {
      switch (fault.kind) {
        case 'throw':
          return reply({ type: 'error', clientId: m.clientId, round: m.round, message: 'injected failure' });
        case 'exit':
          return 'exit';
        case 'hang':
          return new Promise<never>(() => undefined);
        case 'garbage': {
          const r = rng(m.round),
            g = new Uint8Array(64);
          for (let i = 0; i < 64; i++) g[i] = r.int(256);
          return g;
        }
        case 'extra-field':
          return encode({ type: 'update', clientId: m.clientId, round: m.round, n: d.n, loss: 0, params: m.params, images: d.x });
        case 'wrong-length':
          return reply({ type: 'update', clientId: m.clientId, round: m.round, n: d.n, loss: 0, params: m.params.subarray(1) });
        case 'slow':
          await new Promise((res) => setTimeout(res, fault.ms ?? 200));
          break;
      }
    }
    const params = Float64Array.from(m.params);
    if (params.length !== this.net.nParams)
      return reply({
        type: 'error',
        clientId: m.clientId,
        round: m.round,
        message: `params length ${params.length} ≠ ${this.net.nParams}`,
      });
    if (m.type === 'train') {
      const r = trainLocal(this.net, params, d, {
        epochs: m.epochs,
        batchSize: m.batchSize,
        lr: m.lr,
        mu: m.mu,
        anchor: m.mu > 0 ? params : undefined,
        rng: rng(m.seed),
      });
      const out = m.params instanceof Float32Array ? Float32Array.from(r.params) : r.params;
      return reply({ type: 'update', clientId: m.clientId, round: m.round, n: d.n, loss: r.loss, params: out });
    }
    const s = clientStats(this.net.features(params, d), d.y, this.net.spec.features, this.net.spec.classes, { bias: m.bias });
    return reply({ type: 'stats', clientId: m.clientId, round: m.round, n: s.n, G: s.G, B: s.B });
  }
}
