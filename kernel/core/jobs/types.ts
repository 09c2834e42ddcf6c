/** The one interface both job backends implement (embedded.ts: threads in this process; bullmq.ts: Redis + workers anywhere). */
import type { WireError } from '../workers/protocol';
import type { Blobs } from './codec';

/** One job to run: its function, canonical argument JSON, the blobs that JSON references, and its identity hash. */
export interface JobItem {
  name: string;
  version: number;
  module: string;
  json: string;
  blobs: Blobs;
  hash: string;
}

export type Outcome = { ok: true; json: string; blobs: Blobs; cached: boolean } | { ok: false; error: WireError };

export type JobEvent =
  /** A worker took the job (worker = "host:pid" for BullMQ workers, "thread" for the embedded backend). */
  | { type: 'started'; worker: string; attempt: number }
  /** The job function called ctx.progress(fraction, message) (fraction in [0, 1]); reports of one job arrive in order. */
  | { type: 'progress'; fraction: number; message?: string }
  | { type: 'done'; cached: boolean }
  | { type: 'failed'; error: Error };

export interface RunOptions {
  /** Aborting fails the jobs still waiting or running with `Aborted` (default: none). */
  signal?: AbortSignal;
  /** Per-attempt limit: a job running longer is stopped (its thread terminated) and counts as a failed attempt. */
  timeoutMs?: number;
  /** Attempts per job for transient failures (a crashed worker or thread, a timeout). Named kernel errors (bad input) never retry. Default 3. */
  attempts?: number;
  /** First retry delay; doubles per attempt. Default 200 ms. */
  backoffMs?: number;
  /** Overall limit for the whole call: jobs without a result by then fail with TaskTimeout ("deadline"). */
  deadlineMs?: number;
  /** Called with (job index, event) as jobs start, retry, finish or fail (default: none). */
  onEvent?: (index: number, e: JobEvent) => void;
  /**
   * BullMQ: submit the jobs as the children of one parent job (a BullMQ flow) labelled `group` (e.g. a federated round);
   * the parent completes once every child has finished or failed, and a worker stores its summary (children done and
   * failed) under <prefix>:jobs:groups. Results still come back per job. Embedded backend: ignored.
   */
  group?: string;
}

export interface JobsBackend {
  readonly kind: 'embedded' | 'bullmq';
  runMany(items: JobItem[], o: RunOptions): Promise<Outcome[]>;
  close(): Promise<void>;
}
