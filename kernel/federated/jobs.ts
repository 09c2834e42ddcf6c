/**
 * Federated rounds as jobs (core/jobs): each sampled client's local update is one job, `federated.client`, run on the
 * embedded job threads or on BullMQ workers on any host. The server side is unchanged (server.ts's runFederated): it
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
import { defineJob, hashValue, run, type JobEvent, type JobsBackend, type MapOptions } from '../core/jobs';
import { EdgeLabError, FormatError, InvalidInput } from '../core/errors';
import { ClientRuntime, type ClientConfig, type HostHello, type HostSetup } from './client';
import { ClientDropped, type ClientHost } from './transport';
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

/** A ClientHost for one client whose requests run as jobs. */
export class JobHost implements ClientHost {
  readonly label: string;
  readonly clientIds: string[];
  private readonly setup: HostSetup;
  constructor(
    spec: ModelSpec,
    client: ClientConfig,
    private readonly o: Pick<JobHostOptions, 'backend' | 'attempts' | 'onEvent'> = {},
  ) {
    this.setup = { spec, clients: [client] };
    this.label = `job ${client.id}`;
    this.clientIds = [client.id];
  }
  start(): Promise<HostHello> {
    return run(helloJob, { setup: this.setup }, this.opts());
  }
  async request(bytes: Uint8Array, o: { timeoutMs: number }): Promise<Uint8Array> {
    try {
      const r = await run(clientJob, { setup: this.setup, request: bytes }, { ...this.opts(), deadlineMs: o.timeoutMs });
      return r.reply;
    } catch (e) {
      const err = e as Error;
      const reason =
        err.name === 'TaskTimeout' ? 'timeout' : err.name === 'WorkerExited' ? 'crash' : err instanceof FormatError ? 'malformed' : 'error';
      if (reason === 'error' && err instanceof EdgeLabError && !(err instanceof FormatError)) throw err;
      throw new ClientDropped(reason, `${this.label}: ${err.name}: ${err.message}`);
    }
  }
  async close(): Promise<void> {}
  private opts(): MapOptions {
    return {
      backend: this.o.backend as string | JobsBackend | undefined,
      attempts: this.o.attempts ?? 1,
      progress: false,
      onEvent: this.o.onEvent ? (_, e) => this.o.onEvent!(this.clientIds[0]!, e) : undefined,
    };
  }
}

/** One JobHost per client: runFederated over jobs (embedded threads or BullMQ workers). */
export function jobHosts(o: JobHostOptions): JobHost[] {
  if (!o || !Array.isArray(o.clients) || !o.clients.length)
    throw new InvalidInput('jobHosts: clients (at least one ClientConfig) required');
  return o.clients.map((c) => new JobHost(o.spec, c, o));
}
