/**
 * Jobs: named, versioned functions run on job threads in this process (the default, no server) or on BullMQ workers on
 * any number of hosts (Redis). One interface, two backends:
 *
 *   const square = defineJob({ name: 'demo.square', version: 1, module: 'demo/jobs', run: ({ x }: { x: number }) => x * x });
 *   const ys = await el.jobs.map('demo.square', [{ x: 1 }, { x: 2 }]);                       // embedded threads
 *   const zs = await el.jobs.map(square, argsList, { backend: 'redis://:pw@host:6379' });   // BullMQ workers
 *
 * Backend choice: `backend` (a backend object, 'embedded', or a redis:// / rediss:// URL), else EDGELAB_REDIS_URL, else
 * embedded. Results come back in argument order; a result is stored by its arguments' hash, so rerunning a sweep returns
 * the stored results without running anything, and a job delivered twice counts once. When some jobs fail, map throws
 * JobsFailed carrying every result that did arrive and each failure as its original error class (mapSettled returns
 * both without throwing).
 */
import { EdgeLabError, InvalidInput } from '../errors';
import { fromWire, type WireError } from '../workers/protocol';
import { TaskTimeout, WorkerExited } from '../workers';
import { progress as mkProgress } from '../progress';
import { argsHash, decodeValue, encodeValue } from './codec';
import { getJob, type JobDef } from './registry';
import { EmbeddedBackend } from './embedded';
import { BullBackend, maskUrl } from './bullmq';
import type { JobEvent, JobItem, JobsBackend, RunOptions } from './types';

export { defineJob, getJob, jobKey, type JobDef, type JobRef, type JobContext } from './registry';
export { encodeValue, decodeValue, argsHash, hashValue, sha256 } from './codec';
export { EmbeddedBackend } from './embedded';
export { BullBackend, RedisRefused, runWorker, connect, queueName, maskUrl, type WorkerOptions, type RunningWorker } from './bullmq';
export type { JobsBackend, JobEvent, RunOptions, Outcome, JobItem } from './types';
export type { BlobPlace } from './blobs';

/** Some jobs of a map failed: `results[i]` is undefined where `failures` has index i. */
export class JobsFailed extends EdgeLabError {
  constructor(
    message: string,
    readonly results: unknown[],
    readonly failures: { index: number; error: Error }[],
  ) {
    super('KERNEL_ERROR', message);
    this.name = 'JobsFailed';
  }
}

export interface MapOptions extends RunOptions {
  /** A backend, 'embedded', or a redis:// URL. Default: EDGELAB_REDIS_URL, else the shared embedded backend. */
  backend?: JobsBackend | 'embedded' | string;
  /** Called as results arrive: (done, total, the event). */
  onProgress?: (done: number, total: number, e: JobEvent & { index: number }) => void;
  /** Show the in-place progress bar (default: when there are ≥ 20 jobs, or once a job reports progress). */
  progress?: boolean;
}

export type Settled<R> = { ok: true; value: R; cached: boolean } | { ok: false; error: Error };

let embedded: EmbeddedBackend | null = null;
const bulls = new Map<string, BullBackend>();

/** The backend an option names (shared instances: one embedded pool, one BullMQ client per URL). */
export function backendFor(b?: MapOptions['backend']): JobsBackend {
  if (b && typeof b === 'object') return b;
  const url = b ?? process.env.EDGELAB_REDIS_URL ?? 'embedded';
  if (url === 'embedded') return (embedded ??= new EmbeddedBackend());
  if (!/^rediss?:\/\//.test(url))
    throw new InvalidInput(
      `jobs backend ${JSON.stringify(maskUrl(url))}; expected 'embedded', a redis:// or rediss:// URL, or a backend object`,
    );
  let x = bulls.get(url);
  if (!x) bulls.set(url, (x = new BullBackend({ url })));
  return x;
}

/** Close the shared backends (threads, Redis connections): call at the end of a script that used jobs. */
export async function closeJobs(): Promise<void> {
  const all: JobsBackend[] = [...bulls.values(), ...(embedded ? [embedded] : [])];
  bulls.clear();
  embedded = null;
  await Promise.all(all.map((b) => b.close()));
}

function resolveDef(job: string | JobDef, version?: number): JobDef {
  if (typeof job !== 'string') return job;
  const m = /^(.*)@(\d+)$/.exec(job);
  return getJob(m ? m[1]! : job, m ? Number(m[2]) : (version ?? 1));
}

/** A job's error as its class: the kernel's named errors (fromWire) and the worker pool's TaskTimeout / WorkerExited. */
function rebuild(w: WireError): Error {
  if (w.name === 'TaskTimeout' || w.name === 'WorkerExited') {
    const e = w.name === 'TaskTimeout' ? new TaskTimeout(w.message) : new WorkerExited(-1, w.message);
    if (w.stack) e.stack = w.stack;
    return e;
  }
  return fromWire(w, 'job worker');
}

/** Run `job` once per element of `argsList`; every outcome in order (never throws for a job's own failure). */
export async function mapSettled<A, R>(job: string | JobDef<A, R>, argsList: A[], o: MapOptions = {}): Promise<Settled<R>[]> {
  if (!Array.isArray(argsList)) throw new InvalidInput(`jobs.map: argsList is ${typeof argsList}; expected an array of arguments`);
  const def = resolveDef(job as string | JobDef);
  const items: JobItem[] = argsList.map((a) => {
    const { json, blobs } = encodeValue(a);
    return { name: def.name, version: def.version, module: def.module, json, blobs, hash: argsHash(def.name, def.version, json) };
  });
  const total = items.length;
  let bar = (o.progress ?? total >= 20) ? mkProgress(total, `jobs ${def.name}`) : null;
  let done = 0;
  // the bar counts finished jobs plus the running ones' reported fractions
  const partial = new Map<number, number>();
  let partialSum = 0;
  const outs = await backendFor(o.backend).runMany(items, {
    ...o,
    onEvent: (index, e) => {
      if (e.type === 'progress') {
        if (o.progress !== false) bar ??= mkProgress(total, `jobs ${def.name}`);
        partialSum += e.fraction - (partial.get(index) ?? 0);
        partial.set(index, e.fraction);
        bar?.set(done + partialSum, e.message);
      } else if (e.type === 'done') {
        done++;
        partialSum -= partial.get(index) ?? 0;
        partial.delete(index);
        bar?.set(done + partialSum);
      }
      o.onEvent?.(index, e);
      o.onProgress?.(done, total, { ...e, index });
    },
  });
  bar?.done();
  return outs.map((r, i) => {
    if (!r.ok) {
      const error = rebuild(r.error);
      o.onProgress?.(done, total, { type: 'failed', error, index: i });
      return { ok: false, error };
    }
    return { ok: true, value: decodeValue(r.json, (h) => r.blobs.get(h)) as R, cached: r.cached };
  });
}

/** Run `job` once per element of `argsList` and return the results in order; throws JobsFailed when any failed. */
export async function map<A, R>(job: string | JobDef<A, R>, argsList: A[], o: MapOptions = {}): Promise<R[]> {
  const s = await mapSettled(job, argsList, o);
  const failures = s.flatMap((x, index) => (x.ok ? [] : [{ index, error: x.error }]));
  const results = s.map((x) => (x.ok ? x.value : undefined));
  if (failures.length) {
    const f = failures[0]!;
    throw new JobsFailed(
      `${failures.length} of ${s.length} jobs failed; first: #${f.index} ${f.error.name}: ${f.error.message}`,
      results,
      failures,
    );
  }
  return results as R[];
}

/** Run one job. Throws its own error (class kept) when it fails. */
export async function run<A, R>(job: string | JobDef<A, R>, args: A, o: MapOptions = {}): Promise<R> {
  const [r] = await mapSettled(job, [args], { progress: false, ...o });
  if (!r!.ok) throw r!.error;
  return r!.value;
}
