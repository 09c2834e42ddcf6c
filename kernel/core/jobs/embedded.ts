/**
 * The default backend: job threads in the calling process (threads.ts, on core/workers), no server. Results are kept
 * by argument hash for the backend's lifetime: a rerun, or the same arguments twice in one call, runs the function once.
 */
import { EdgeLabError } from '../errors';
import { TaskTimeout } from '../workers';
import { toWire } from '../workers/protocol';
import { JobThreads } from './threads';
import type { JobEvent, JobItem, JobsBackend, Outcome, RunOptions } from './types';
import type { ProgressReport } from './exec';

/** A worker's progress report as the caller's event. */
export function progressEvent(p: ProgressReport): JobEvent {
  return p.m === undefined ? { type: 'progress', fraction: p.f } : { type: 'progress', fraction: p.f, message: p.m };
}

/** The in-process backend: jobs run on a pool of job threads (default one per core), results kept by argument hash for
 *  the life of the backend. What `jobs.map` uses when no Redis URL is given. */
export class EmbeddedBackend implements JobsBackend {
  readonly kind = 'embedded' as const;
  private readonly threads: JobThreads;
  private readonly results = new Map<string, Promise<Outcome>>();
  /** Function executions (attempts that reached a thread), for tests and reports. */
  executions = 0;

  constructor(
    o: {
      /** Job threads (default one per core). */
      threads?: number;
    } = {},
  ) {
    this.threads = new JobThreads(o.threads, 'embedded jobs');
  }

  runMany(items: JobItem[], o: RunOptions = {}): Promise<Outcome[]> {
    const deadline = o.deadlineMs === undefined ? null : Date.now() + o.deadlineMs;
    return Promise.all(
      items.map(async (it, i) => {
        let p = this.results.get(it.hash);
        const cached = p !== undefined;
        if (!p) {
          p = this.attempts(it, i, o, deadline);
          this.results.set(it.hash, p);
          void p.then((r) => {
            if (!r.ok) this.results.delete(it.hash); // failures are not results: a rerun tries again
          });
        }
        const r = await withDeadline(p, deadline, it);
        if (r.ok) o.onEvent?.(i, { type: 'done', cached: cached || r.cached });
        return r.ok && cached ? { ...r, cached: true } : r;
      }),
    );
  }

  private async attempts(it: JobItem, i: number, o: RunOptions, deadline: number | null): Promise<Outcome> {
    const attempts = o.attempts ?? 3;
    for (let a = 1; ; a++) {
      o.onEvent?.(i, { type: 'started', worker: `thread`, attempt: a });
      this.executions++;
      try {
        const left = deadline === null ? undefined : Math.max(1, deadline - Date.now());
        const timeoutMs = o.timeoutMs === undefined ? left : left === undefined ? o.timeoutMs : Math.min(o.timeoutMs, left);
        const r = await this.threads.run(
          {
            name: it.name,
            version: it.version,
            module: it.module,
            args: it.json,
            blobs: [...it.blobs].map(([h, b]) => [h, b.slice().buffer]),
            attempt: a,
          },
          { timeoutMs, signal: o.signal, onProgress: (p) => o.onEvent?.(i, progressEvent(p)) },
        );
        return { ok: true, json: r.json, blobs: new Map(r.blobs.map(([h, b]) => [h, new Uint8Array(b)])), cached: false };
      } catch (e) {
        const final = e instanceof EdgeLabError || a >= attempts || o.signal?.aborted || (deadline !== null && Date.now() >= deadline);
        if (final) return { ok: false, error: toWire(e) };
        await new Promise((res) => setTimeout(res, (o.backoffMs ?? 200) * 2 ** (a - 1)));
      }
    }
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}

export function withDeadline(p: Promise<Outcome>, deadline: number | null, it: JobItem): Promise<Outcome> {
  if (deadline === null) return p;
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome>((res) => {
    t = setTimeout(
      () =>
        res({
          ok: false,
          error: toWire(new TaskTimeout(`job ${it.name}@${it.version} ${it.hash.slice(0, 12)}: no result by the deadline`)),
        }),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(t));
}
