/**
 * Federated rounds as jobs (core/jobs): each sampled client's local update is one job, `federated.client`, run on the
 * embedded job threads or on BullMQ workers on any host; on BullMQ a round is one flow (a parent job whose children are
 * the sampled clients' jobs, RoundBatcher below). The server side is unchanged (server.ts's runFederated): it
 * sends the declared byte messages (protocol.ts) and aggregates the survivors' updates in client-id order, so the same
 * seeded run gives bit-identical parameters and calibrated heads on either backend.
 *
 *   const hosts = federated.jobHosts({ spec, clients, backend: 'redis://:pw@10.0.0.5:6379' });
 *   const r = await federated.runFederated({ spec, hosts, rounds: 20, timeoutMs: 60_000 }); // timeoutMs = the round's deadline
 *
 * What crosses the network per job: the client's data descriptor (for Fashion-MNIST the sample indices; inline data only
 * for toy runs) and one server message (train: the global parameters; stats: the parameters for calibration); back
 * comes one client message (update or calibration statistics). Both directions are checked by the byte protocol
 * (decodeServerMessage on the worker, decodeClientMessage on the server): anything undeclared is a FormatError.
 * A worker keeps each client's runtime (its loaded data) per setup, so a client's data is loaded once per worker.
 */
import { defineJob, hashValue, mapSettled, run, type JobEvent, type JobsBackend, type MapOptions } from '../core/jobs';
import { EdgeLabError, FormatError, InvalidInput } from '../core/errors';
import { ClientRuntime, type ClientConfig, type HostHello, type HostSetup } from './client';
import { ClientDropped, type ClientHost } from './transport';
import { decodeServerMessage } from './protocol';
import type { ModelSpec } from './model';

const module = 'federated/jobs';
const runtimes = new Map<string, ClientRuntime>();

function runtime(setup: HostSetup): ClientRuntime {
  const k = hashValue(setup);
  let rt = runtimes.get(k);
  if (!rt) {
    if (runtimes.size > 256) runtimes.clear();
    runtimes.set(k, (rt = new ClientRuntime(setup)));
  }
  return rt;
}

/** One client's answer to one server message (a local update or calibration statistics), bytes in, bytes out. */
export const clientJob = defineJob({
  name: 'federated.client',
  version: 1,
  module,
  run: async ({ setup, request }: { setup: HostSetup; request: Uint8Array }) => {
    if (!(request instanceof Uint8Array))
      throw new FormatError(`federated.client: request is ${typeof request}; expected encoded server message bytes`);
    const reply = await runtime(setup).handle(request);
    if (reply === 'exit') process.exit(70); // an injected crash: the thread dies, the job fails as a crash
    return { reply };
  },
});

/** A client's hello (ids, parameter count, sample count, fixed-head fingerprint), computed where its data loads. */
export const helloJob = defineJob({
  name: 'federated.hello',
  version: 1,
  module,
  run: ({ setup }: { setup: HostSetup }): HostHello => runtime(setup).hello(),
});

export interface JobHostOptions {
  spec: ModelSpec;
  clients: ClientConfig[];
  /** A jobs backend or URL (default: EDGELAB_REDIS_URL, else the embedded threads). */
  backend?: MapOptions['backend'];
  /** Attempts per client job after a worker crash (default 1: a crashed client is dropped from the round, as with worker hosts). */
  attempts?: number;
  /** Every job event, labelled with its client (e.g. which worker took it). */
  onEvent?: (clientId: string, e: JobEvent) => void;
}

interface Pending {
  setup: HostSetup;
  request: Uint8Array;
  timeoutMs: number;
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
}

let runs = 0;

/**
 * The requests runFederated sends in one go (a round's train requests, a calibration round's stats requests) leave as
 * one submission: on BullMQ one flow, a parent job `federated <run> round <t> <type>` whose children are the sampled
 * clients' jobs. The round's deadline is the server's timeoutMs: whoever has not answered by then is dropped.
 */
class RoundBatcher {
  private pending: Pending[] = [];
  private readonly run = `fed-${process.pid}-${++runs}`;
  constructor(private readonly o: Pick<JobHostOptions, 'backend' | 'attempts' | 'onEvent'>) {}

  submit(setup: HostSetup, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (!this.pending.length) setImmediate(() => void this.flush());
      this.pending.push({ setup, request, timeoutMs, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    let label = 'requests';
    try {
      const m = decodeServerMessage(batch[0]!.request);
      label = `round ${m.round} ${m.type}`;
    } catch {
      /* a malformed request fails in its job, by name */
    }
    const ids = batch.map((p) => p.setup.clients[0]!.id);
    try {
      const out = await mapSettled(
        clientJob,
        batch.map((p) => ({ setup: p.setup, request: p.request })),
        {
          backend: this.o.backend as string | JobsBackend | undefined,
          attempts: this.o.attempts ?? 1,
          progress: false,
          deadlineMs: Math.max(...batch.map((p) => p.timeoutMs)),
          group: `federated ${this.run} ${label}`,
          onEvent: this.o.onEvent ? (i, e) => this.o.onEvent!(ids[i]!, e) : undefined,
        },
      );
      out.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.value.reply) : batch[i]!.reject(r.error)));
    } catch (e) {
      for (const p of batch) p.reject(e as Error);
    }
  }
}

/** A ClientHost for one client whose requests run as jobs. */
export class JobHost implements ClientHost {
  readonly label: string;
  readonly clientIds: string[];
  private readonly setup: HostSetup;
  constructor(
    spec: ModelSpec,
    client: ClientConfig,
    private readonly o: Pick<JobHostOptions, 'backend' | 'attempts' | 'onEvent'> = {},
    private readonly batcher = new RoundBatcher(o),
  ) {
    this.setup = { spec, clients: [client] };
    this.label = `job ${client.id}`;
    this.clientIds = [client.id];
  }
  start(): Promise<HostHello> {
    return run(
      helloJob,
      { setup: this.setup },
      { backend: this.o.backend as string | JobsBackend | undefined, attempts: this.o.attempts ?? 1, progress: false },
    );
  }
  async request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array> {
    try {
      return await this.batcher.submit(this.setup, bytes, o.timeoutMs);
    } catch (e) {
      const err = e as Error;
      const reason =
        err.name === 'TaskTimeout' ? 'timeout' : err.name === 'WorkerExited' ? 'crash' : err instanceof FormatError ? 'malformed' : 'error';
      if (reason === 'error' && err instanceof EdgeLabError && !(err instanceof FormatError)) throw err;
      throw new ClientDropped(reason, `${this.label}: ${err.name}: ${err.message}`);
    }
  }
  async close(): Promise<void> {}
}

/** One JobHost per client: runFederated over jobs (embedded threads or BullMQ workers); a round's requests leave together. */
export function jobHosts(o: JobHostOptions): JobHost[] {
  if (!o || !Array.isArray(o.clients) || !o.clients.length)
    throw new InvalidInput('jobHosts: clients (at least one ClientConfig) required');
  const batcher = new RoundBatcher(o);
  return o.clients.map((c) => new JobHost(o.spec, c, o, batcher));
}
