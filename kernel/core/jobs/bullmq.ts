/**
 * The distributed backend: BullMQ queues on Redis (one queue per job name and version), workers on any host
 * (`npx edgelab worker --redis <url>`, runWorker below). What Redis holds, under the prefix (default "edgelab"):
 *
 *   <p>:jobs:blob:<sha256>   the bytes of every typed array in arguments and results (content-addressed, written once);
 *                            with `blobDir`, blobs over `maxBlobBytes` go to <blobDir>/<sha256> instead (a folder every
 *                            host mounts), or with `blobUrl` to <blobUrl>/<sha256> on an object store (blobs.ts);
 *                            either way a blob whose bytes do not hash to its name is a FormatError
 *   <p>:jobs:res:<queue>     hash: arguments hash → result JSON. Written by the worker (HSETNX) before BullMQ marks the job
 *                            done; a worker that is handed a job whose result exists returns without running it, so a
 *                            retried, stalled-and-redelivered or resubmitted job never computes or counts twice
 *   <p>:jobs:fail:<queue>    hash: arguments hash → the final error (name, message, stack)
 *   <p>:jobs:start:<queue>   hash: arguments hash → the worker ("host:pid") and attempt that last took it
 *   <p>:jobs:dup:<queue>     counter of duplicate deliveries (deliveries of a job whose result was already stored)
 *   <p>:jobs:queues          set of queue names callers have used (workers without --queues serve all of them)
 *   <p>:<queue>:…            BullMQ's own keys (jobs are removed once done: their results live in res)
 *
 * The caller waits by polling res/fail (a short HMGET per queue every pollMs), which survives a Redis restart with no
 * event-stream state to resume; a job that vanished (Redis lost it) is added again. Progress (a job's ctx.progress) goes
 * the other way through BullMQ: the worker calls job.updateProgress, the caller listens with a QueueEvents per queue
 * (from the stream position before it submitted, so no report is missed) and holds a result until the job's
 * 'completed' event has passed (at most 3 s, a bound for a lost event), so every report arrives before the job's 'done'.
 * Connection: redis:// or rediss:// (TLS) URLs, with `user:password@` for ACL users or `:password@` for requirepass.
 */
import { hostname } from 'node:os';
import type { FlowProducer, Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { Aborted, BackendError, EdgeLabError, FormatError, InvalidInput, NotFound } from '../errors';
import { toWire, type WireError } from '../workers/protocol';
import { blobRefs } from './codec';
import { JobThreads } from './threads';
import { progressEvent, withDeadline } from './embedded';
import { checkPlace, getBlobs, putBlobs, type BlobPlace } from './blobs';
import type { ProgressReport } from './exec';
import type { JobItem, JobsBackend, Outcome, RunOptions } from './types';

// loaded on first use: `import 'edgelab'` does not pay for them when jobs stay embedded
// (the .vsix does not ship them: a missing package is a NotFound that says how to install it)
function load<T>(pkg: string): T {
  try {
    return require(pkg) as T;
  } catch (e) {
    throw new NotFound(
      `the Redis job backend needs the npm package ${pkg}, which is not installed here (an installed VS Code extension ` +
        `does not ship it): npm install edgelab (or bullmq ioredis) in the notebook's folder, or use the embedded backend`,
      { cause: e },
    );
  }
}
const bullmq = (): typeof import('bullmq') => load<typeof import('bullmq')>('bullmq');
const ioredis = (): typeof import('ioredis') => load<typeof import('ioredis')>('ioredis');

/** Redis refused the connection's credentials (wrong password or ACL user), or could not be reached. */
export class RedisRefused extends BackendError {
  constructor(message: string) {
    super(message);
    this.name = 'RedisRefused';
  }
}

/** The queue of the parent jobs that group a call's jobs (RunOptions.group). */
export const GROUP_QUEUE = 'edgelab.group';

/** The BullMQ queue of a job version: "name.v<version>" (e.g. "federated.client.v1"). */
export function queueName(name: string, version: number): string {
  return `${name}.v${version}`;
}

/** The URL with its password masked, for messages and logs. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, (_, u: string) => `//${u}:***@`);
}

/** Open a connection and prove it (PING after AUTH); a refused password is a RedisRefused, not a hang. */
export async function connect(url: string, extra: RedisOptions = {}): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url))
    throw new InvalidInput(`redis url ${JSON.stringify(maskUrl(url))}; expected redis://[user:password@]host:port or rediss://…`);
  const r = new (ioredis().Redis)(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    // keep trying through a Redis restart (the sweep resumes), but report an unreachable server at connect time
    retryStrategy: (n) => Math.min(50 * 2 ** Math.min(n, 5), 1000),
    ...extra,
  });
  let last = '';
  r.on('error', (e: Error) => (last = e.message)); // reconnects are handled by retryStrategy; a failing command still rejects its caller
  try {
    await withTimeout(r.connect(), 10_000, `no answer from ${maskUrl(url)} within 10 s`);
    await r.ping();
  } catch (e) {
    r.disconnect();
    const m = /WRONGPASS|NOAUTH/.test(last) ? last : (e as Error).message;
    throw new RedisRefused(
      /WRONGPASS|NOAUTH|invalid password|invalid username/i.test(m)
        ? `redis ${maskUrl(url)} refused the credentials (${m}); expected the user and password from its ACL / requirepass`
        : `redis ${maskUrl(url)}: ${m}`,
    );
  }
  return r;
}

/** A connection that retries through a Redis restart (BullMQ needs maxRetriesPerRequest: null); errors go to its users. */
function reconnecting(url: string): Redis {
  const c = new (ioredis().Redis)(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(50 * 2 ** Math.min(n, 5), 1000) });
  c.on('error', () => undefined);
  return c;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(what)), ms)))]).finally(() => clearTimeout(t));
}

interface Waiter {
  q: string;
  hash: string;
  item: JobItem;
  o: RunOptions;
  index: number;
  lastStart: string | null;
  /** Submitted by this backend (so its 'completed' event will come), and when a found result stops waiting for it. */
  enqueued?: boolean;
  holdUntil?: number;
  resolve: (r: Outcome) => void;
}

export interface BullOptions {
  url: string;
  /** Redis key prefix of everything stored (queues, results, blobs). Default 'edgelab'. */
  prefix?: string;
  /** How often the caller checks for results (default 10 ms). */
  pollMs?: number;
  /** A folder every worker host mounts (same path) for blobs over maxBlobBytes; default: every blob in Redis. */
  blobDir?: string;
  /** Or an object store for them: http(s) base URL, blobs are PUT / GET at <blobUrl>/<sha256> (blobs.ts). */
  blobUrl?: string;
  /** Headers for the object store (default: `authorization: Bearer $EDGELAB_BLOB_TOKEN` when that is set). */
  blobHeaders?: Record<string, string>;
  /** Default 8 MiB (only with blobDir or blobUrl). */
  maxBlobBytes?: number;
}

/** The Redis backend: each job is a BullMQ job on the queue of its name and version, run by `runWorker` processes on any
 *  host; results and failures are stored by argument hash under `prefix` (default "edgelab"). Use `jobs.map(…, { backend:
 *  'redis://…' })` rather than constructing one. */
export class BullBackend implements JobsBackend {
  readonly kind = 'bullmq' as const;
  readonly url: string;
  readonly prefix: string;
  private redis: Promise<Redis> | null = null;
  private readonly queues = new Map<string, Queue>();
  private readonly waiters = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | null = null;
  private polls = 0;
  private closed = false;

  private readonly place: BlobPlace;

  constructor(private readonly o: BullOptions) {
    this.url = o.url;
    this.prefix = o.prefix ?? 'edgelab';
    this.place = checkPlace({ dir: o.blobDir, url: o.blobUrl, headers: o.blobHeaders, maxBytes: o.maxBlobBytes });
  }

  private conn(): Promise<Redis> {
    if (this.closed) return Promise.reject(new InvalidInput('jobs backend: closed'));
    this.redis ??= connect(this.url).catch((e: Error) => {
      this.redis = null;
      throw e;
    });
    return this.redis;
  }

  private queue(q: string): Queue {
    let x = this.queues.get(q);
    if (!x) {
      x = new (bullmq().Queue)(q, { connection: this.own(), prefix: this.prefix });
      x.on('error', () => undefined);
      this.queues.set(q, x);
    }
    return x;
  }

  private key(kind: string, q: string): string {
    return `${this.prefix}:jobs:${kind}:${q}`;
  }

  private readonly conns: Redis[] = [];
  /** A connection for a BullMQ object (BullMQ does not close connections it is given: close() does). */
  private own(): Redis {
    const c = reconnecting(this.url);
    this.conns.push(c);
    return c;
  }

  async runMany(items: JobItem[], o: RunOptions = {}): Promise<Outcome[]> {
    const r = await this.conn();
    if (o.signal?.aborted) throw new Aborted('jobs: aborted before submission');
    const blobs = new Map<string, Uint8Array>();
    for (const it of items) for (const [h, b] of it.blobs) blobs.set(h, b);
    await putBlobs(r, this.prefix, blobs, this.place);
    const qs = [...new Set(items.map((it) => queueName(it.name, it.version)))];
    await r.sadd(`${this.prefix}:jobs:queues`, ...qs);
    await Promise.all(qs.map((q) => this.listen(q)));
    const deadline = o.deadlineMs === undefined ? null : Date.now() + o.deadlineMs;
    const fresh = new Map<string, JobItem>();
    const promises = items.map(
      (it, index) =>
        new Promise<Outcome>((resolve) => {
          const q = queueName(it.name, it.version);
          const k = `${q}/${it.hash}`;
          const w: Waiter = { q, hash: it.hash, item: it, o, index, lastStart: null, resolve };
          const list = this.waiters.get(k);
          if (list) list.push(w);
          else {
            this.waiters.set(k, [w]);
            fresh.set(k, it);
          }
        }),
    );
    // results already stored (a rerun) resolve at the first poll; only the rest are enqueued
    const byQ = new Map<string, JobItem[]>();
    for (const it of fresh.values()) {
      const q = queueName(it.name, it.version);
      (byQ.get(q) ?? byQ.set(q, []).get(q)!).push(it);
    }
    for (const [q, list] of byQ) {
      const have = await r.hmget(this.key('res', q), ...list.map((it) => it.hash));
      const todo = list.filter((_, i) => have[i] === null);
      if (!todo.length) continue;
      for (const it of todo) for (const w of this.waiters.get(`${q}/${it.hash}`) ?? []) w.enqueued = true;
      await r.hdel(this.key('fail', q), ...todo.map((it) => it.hash)); // a rerun retries what failed before
      await this.add(q, todo, o);
    }
    const onAbort = (): void => {
      for (const [k, ws] of this.waiters) {
        const mine = ws.filter((w) => w.o === o);
        if (!mine.length) continue;
        for (const w of mine) w.resolve({ ok: false, error: toWire(new Aborted(`job ${w.item.name}: aborted`)) });
        const rest = ws.filter((w) => w.o !== o);
        if (rest.length) this.waiters.set(k, rest);
        else {
          this.waiters.delete(k);
          void this.queue(mine[0]!.q)
            .remove(mine[0]!.hash)
            .catch(() => undefined);
        }
      }
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    this.schedule();
    try {
      const out = await Promise.all(
        promises.map(async (p, i) => {
          const res = await withDeadline(p, deadline, items[i]!);
          if (!res.ok && res.error.name === 'TaskTimeout') this.forget(items[i]!, o);
          return res;
        }),
      );
      return out;
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  private forget(it: JobItem, o: RunOptions): void {
    const k = `${queueName(it.name, it.version)}/${it.hash}`;
    const rest = (this.waiters.get(k) ?? []).filter((w) => w.o !== o);
    if (rest.length) this.waiters.set(k, rest);
    else this.waiters.delete(k);
  }

  private async add(q: string, items: JobItem[], o: RunOptions): Promise<void> {
    const jobs = items.map((it) => ({
      name: it.name,
      data: { n: it.name, v: it.version, m: it.module, a: it.json, h: it.hash, t: o.timeoutMs ?? null },
      opts: {
        jobId: it.hash,
        attempts: o.attempts ?? 3,
        backoff: { type: 'exponential' as const, delay: o.backoffMs ?? 200 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    }));
    if (o.group === undefined) {
      await this.queue(q).addBulk(jobs);
      return;
    }
    // a flow: one parent (the group) whose children are these jobs; a failed child neither fails nor blocks the parent
    this.flows ??= new (bullmq().FlowProducer)({ connection: this.own(), prefix: this.prefix });
    const r = await this.conn();
    await r.sadd(`${this.prefix}:jobs:queues`, GROUP_QUEUE);
    await this.flows.add({
      name: 'group',
      queueName: GROUP_QUEUE,
      data: { group: o.group, n: jobs.length },
      opts: { removeOnComplete: true, removeOnFail: true },
      children: jobs.map((j) => ({ ...j, queueName: q, opts: { ...j.opts, failParentOnFailure: false, ignoreDependencyOnFailure: true } })),
    });
  }

  private flows: FlowProducer | null = null;
  private readonly events = new Map<string, Promise<QueueEvents>>();
  /** Jobs whose 'completed' event has arrived ("<queue>/<hash>"), until their waiters resolve. */
  private readonly completed = new Set<string>();

  /** Listen to a queue's events (progress, completed) from the current end of its stream: nothing submitted later is missed. */
  private listen(q: string): Promise<QueueEvents> {
    let p = this.events.get(q);
    if (!p) {
      p = (async () => {
        const r = await this.conn();
        const last = await r.xrevrange(`${this.prefix}:${q}:events`, '+', '-', 'COUNT', 1);
        const qe = new (bullmq().QueueEvents)(q, { connection: this.own(), prefix: this.prefix, lastEventId: last[0]?.[0] ?? '0-0' });
        qe.on('error', () => undefined);
        qe.on('progress', ({ jobId, data }) => {
          const d = data as Partial<ProgressReport> | null;
          if (!d || typeof d.f !== 'number' || (d.m !== undefined && typeof d.m !== 'string')) return; // not an EdgeLab report
          for (const w of this.waiters.get(`${q}/${jobId}`) ?? []) w.o.onEvent?.(w.index, progressEvent(d as ProgressReport));
        });
        qe.on('completed', ({ jobId }) => {
          const ws = this.waiters.get(`${q}/${jobId}`);
          if (!ws) return;
          this.completed.add(`${q}/${jobId}`);
          if (ws[0]!.holdUntil !== undefined) this.schedule(0); // its result is waiting for this event: poll now
        });
        await qe.waitUntilReady();
        return qe;
      })();
      this.events.set(q, p);
      p.catch(() => this.events.delete(q));
    }
    return p;
  }

  /** Poll after `delay` ms; one poll at a time (a request during a poll is served right after it). */
  private schedule(delay = this.o.pollMs ?? 10): void {
    if (this.polling) {
      if (delay === 0) this.kicked = true;
      return;
    }
    if (this.timer && delay === 0) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.timer || !this.waiters.size || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.polling = true;
      this.poll()
        .catch(() => undefined) // Redis away (restarting): try again next tick
        .finally(() => {
          this.polling = false;
          const now = this.kicked;
          this.kicked = false;
          this.schedule(now ? 0 : undefined);
        });
    }, delay);
  }
  private polling = false;
  private kicked = false;

  private async poll(): Promise<void> {
    const r = await this.conn();
    this.polls++;
    const byQ = new Map<string, string[]>();
    for (const ws of this.waiters.values()) (byQ.get(ws[0]!.q) ?? byQ.set(ws[0]!.q, []).get(ws[0]!.q)!).push(ws[0]!.hash);
    for (const [q, hashes] of byQ) {
      const [res, fail, start] = await Promise.all([
        r.hmget(this.key('res', q), ...hashes),
        r.hmget(this.key('fail', q), ...hashes),
        r.hmget(this.key('start', q), ...hashes),
      ]);
      const lost: JobItem[] = [];
      for (let i = 0; i < hashes.length; i++) {
        const k = `${q}/${hashes[i]}`;
        const ws = this.waiters.get(k);
        if (!ws) continue;
        if (start[i] && start[i] !== ws[0]!.lastStart) {
          const s = JSON.parse(start[i]!) as { worker: string; attempt: number };
          for (const w of ws) {
            w.lastStart = start[i]!;
            w.o.onEvent?.(w.index, { type: 'started', worker: s.worker, attempt: s.attempt });
          }
        }
        let out: Outcome | null = null;
        if (res[i] !== null) {
          const json = res[i]!;
          // a job we submitted: its progress reports precede its 'completed' event in the stream; wait for that (≤ 3 s)
          if (ws[0]!.enqueued && !this.completed.has(k)) {
            ws[0]!.holdUntil ??= Date.now() + 3000;
            if (Date.now() < ws[0]!.holdUntil) continue;
          }
          try {
            out = { ok: true, json, blobs: await getBlobs(r, this.prefix, blobRefs(json), this.place), cached: false };
          } catch (e) {
            out = { ok: false, error: toWire(e) };
          }
        } else if (fail[i] !== null) out = { ok: false, error: JSON.parse(fail[i]!) as WireError };
        else if (this.polls % 40 === 0 && !(await r.exists(`${this.prefix}:${q}:${hashes[i]}`))) lost.push(ws[0]!.item);
        if (!out) continue;
        this.waiters.delete(k);
        this.completed.delete(k);
        for (const w of ws) {
          if (out.ok) w.o.onEvent?.(w.index, { type: 'done', cached: w.lastStart === null });
          w.resolve(out);
        }
      }
      // a job Redis no longer has (lost in a restart without persistence, or removed) and no result: enqueue again
      if (lost.length) {
        const again = await r.hmget(this.key('res', q), ...lost.map((it) => it.hash));
        const todo = lost.filter((_, i) => again[i] === null);
        if (todo.length) await this.add(q, todo, this.waiters.get(`${q}/${todo[0]!.hash}`)?.[0]?.o ?? {});
      }
    }
  }

  /** Counters for tests and reports: duplicate deliveries, stored results and failures of a job. */
  async stats(name: string, version: number): Promise<{ results: number; failures: number; duplicates: number }> {
    const r = await this.conn(),
      q = queueName(name, version);
    const [results, failures, dup] = await Promise.all([
      r.hlen(this.key('res', q)),
      r.hlen(this.key('fail', q)),
      r.get(this.key('dup', q)),
    ]);
    return { results, failures, duplicates: Number(dup ?? 0) };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const ws of this.waiters.values())
      for (const w of ws) w.resolve({ ok: false, error: toWire(new Aborted(`job ${w.item.name}: backend closed`)) });
    this.waiters.clear();
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    await Promise.all([...this.events.values()].map((p) => p.then((qe) => qe.close()).catch(() => undefined)));
    await this.flows?.close().catch(() => undefined);
    const r = await this.redis?.catch(() => null);
    r?.disconnect();
    for (const c of this.conns) c.disconnect();
  }
}

export interface WorkerOptions {
  url: string;
  /** Jobs run at once (job threads). Default 1. */
  concurrency?: number;
  /** Queue names to serve (e.g. "federated.client.v1"); default every queue a caller has used (re-read every second). */
  queues?: string[];
  /** Redis key prefix, the callers' (BullOptions.prefix). Default 'edgelab'. */
  prefix?: string;
  /** The shared blob folder (BullOptions.blobDir) as mounted on this host. */
  blobDir?: string;
  /** The object store for large blobs (BullOptions.blobUrl). */
  blobUrl?: string;
  /** Headers for the object store (default: `authorization: Bearer $EDGELAB_BLOB_TOKEN` when that is set). */
  blobHeaders?: Record<string, string>;
  /** Default 8 MiB (only with blobDir or blobUrl). */
  maxBlobBytes?: number;
  /** BullMQ lock: a worker that stops renewing (killed, frozen) loses its job after this long; the job is redelivered. Default 5000 ms. */
  lockMs?: number;
  /** Times a job may stall (its worker die) before it fails. Default 2. */
  maxStalled?: number;
  /** Receives one line per worker event (default: discarded). */
  log?: (line: string) => void;
}

export interface RunningWorker {
  readonly id: string;
  /** Jobs executed (not counting duplicate deliveries answered from the store). */
  readonly executed: number;
  readonly queues: string[];
  close(): Promise<void>;
}

/** Serve jobs from Redis until close(): the worker side of `npx edgelab worker`. */
export async function runWorker(o: WorkerOptions): Promise<RunningWorker> {
  const prefix = o.prefix ?? 'edgelab';
  const place = checkPlace({ dir: o.blobDir, url: o.blobUrl, headers: o.blobHeaders, maxBytes: o.maxBlobBytes });
  const r = await connect(o.url);
  const concurrency = o.concurrency ?? 1;
  const threads = new JobThreads(concurrency, 'worker job threads');
  const id = `${hostname()}:${process.pid}`;
  const log = o.log ?? (() => undefined);
  const workers = new Map<string, Worker>();
  const conns: Redis[] = [];
  let executed = 0;
  let closed = false;
  const key = (kind: string, q: string): string => `${prefix}:jobs:${kind}:${q}`;

  const fail = async (q: string, h: string, e: unknown): Promise<void> => {
    await r.hset(key('fail', q), h, JSON.stringify(toWire(e)));
  };

  const processor =
    (q: string) =>
    async (job: Job): Promise<string> => {
      const d = job.data as { n?: unknown; v?: unknown; m?: unknown; a?: unknown; h?: unknown; t?: unknown };
      const h = typeof d?.h === 'string' && /^[0-9a-f]{64}$/.test(d.h) ? d.h : String(job.id);
      const attempt = job.attemptsMade + 1;
      const [, [, exists] = [null, 0]] =
        (await r
          .pipeline()
          .hset(key('start', q), h, JSON.stringify({ worker: id, attempt }))
          .hexists(key('res', q), h)
          .exec()) ?? [];
      try {
        if (typeof d?.n !== 'string' || typeof d.v !== 'number' || typeof d.m !== 'string' || typeof d.a !== 'string')
          throw new FormatError(`job ${job.id} in ${q}: data ${JSON.stringify(d)?.slice(0, 80)}; expected { n, v, m, a, h }`);
        if (exists) {
          await r.incr(key('dup', q));
          return 'duplicate';
        }
        const got = await getBlobs(r, prefix, blobRefs(d.a), place);
        const blobs: [string, ArrayBuffer][] = [...got].map(([x, b]) => [x, b.buffer as ArrayBuffer]);
        executed++;
        // progress reports go out one after another (in order), and all before the result
        let reports = Promise.resolve();
        const out = await threads.run(
          { name: d.n, version: d.v, module: d.m, args: d.a, blobs, attempt },
          {
            timeoutMs: typeof d.t === 'number' ? d.t : undefined,
            onProgress: (p) => void (reports = reports.then(() => job.updateProgress({ ...p })).catch(() => undefined)),
          },
        );
        await reports;
        await putBlobs(
          r,
          prefix,
          out.blobs.map(([x, b]) => [x, new Uint8Array(b)]),
          place,
        );
        if (!(await r.hsetnx(key('res', q), h, out.json))) await r.incr(key('dup', q));
        return 'ok';
      } catch (e) {
        const named = e instanceof EdgeLabError;
        if (named || attempt >= (job.opts.attempts ?? 1)) await fail(q, h, e);
        log(`job ${h.slice(0, 12)} (${q}) attempt ${attempt}: ${(e as Error).name}: ${(e as Error).message}`);
        // bad input never gets better by retrying: fail the job now (the named error is already stored for the caller)
        if (named) throw new (bullmq().UnrecoverableError)(`${(e as Error).name}: ${(e as Error).message}`);
        throw e;
      }
    };

  // a group's parent job: runs once all its children finished or failed; stores how many did which
  const group = async (job: Job): Promise<string> => {
    const done = Object.keys(await job.getChildrenValues()).length;
    const failed = Object.keys(await job.getIgnoredChildrenFailures()).length;
    const d = job.data as { group?: unknown; n?: unknown };
    await r.hset(
      `${prefix}:jobs:groups`,
      String(d.group),
      JSON.stringify({ n: d.n, done, failed, worker: id, at: new Date().toISOString() }),
    );
    return 'ok';
  };

  const serve = (q: string): void => {
    if (workers.has(q) || closed) return;
    const conn = reconnecting(o.url);
    conns.push(conn);
    const w = new (bullmq().Worker)(q, q === GROUP_QUEUE ? group : processor(q), {
      connection: conn,
      prefix,
      concurrency,
      lockDuration: o.lockMs ?? 5000,
      stalledInterval: Math.max(1000, Math.floor((o.lockMs ?? 5000) / 2)),
      maxStalledCount: o.maxStalled ?? 2,
      name: id,
    });
    w.on('error', () => undefined);
    // a job that stalled too often fails in BullMQ's stalled checker, not in the processor: record it for the caller
    w.on('failed', (job, err) => {
      if (job && /stalled/i.test(err.message))
        void fail(q, typeof job.data?.h === 'string' ? job.data.h : String(job.id), err).catch(() => undefined);
    });
    workers.set(q, w);
    log(`serving ${q}`);
  };

  let discover: NodeJS.Timeout | null = null;
  if (o.queues?.length) o.queues.forEach(serve);
  else {
    const look = async (): Promise<void> => {
      try {
        for (const q of await r.smembers(`${prefix}:jobs:queues`)) serve(q);
      } catch {
        /* Redis restarting: next time */
      }
      if (!closed) discover = setTimeout(() => void look(), 1000);
    };
    await look();
  }

  return {
    id,
    get executed() {
      return executed;
    },
    get queues() {
      return [...workers.keys()];
    },
    close: async () => {
      closed = true;
      if (discover) clearTimeout(discover);
      await Promise.all([...workers.values()].map((w) => w.close().catch(() => undefined)));
      await threads.close();
      r.disconnect();
      for (const c of conns) c.disconnect();
    },
  };
}
