/**
 * N job threads (a core/workers WorkerPool) with one job per thread at a time. A job past its timeout has its thread
 * terminated (a runaway or hung job cannot keep the slot); the thread starts again for the next job.
 */
import { cpus } from 'node:os';
import { TaskTimeout, WorkerPool, workerEntry } from '../workers';
import type { ExecRequest, ExecResult, ProgressReport } from './exec';

export class JobThreads {
  readonly size: number;
  private readonly pool: WorkerPool<ExecRequest, ExecResult>;
  private readonly busy: boolean[];
  private readonly waiting: (() => void)[] = [];

  constructor(size = Math.max(1, cpus().length), label = 'job threads') {
    this.size = size;
    this.pool = new WorkerPool({ entry: workerEntry('core/jobs/worker-entry'), size, label });
    this.busy = new Array<boolean>(size).fill(false);
  }

  async run(
    req: ExecRequest,
    o: { timeoutMs?: number; signal?: AbortSignal; onProgress?: (p: ProgressReport) => void } = {},
  ): Promise<ExecResult> {
    let i = this.busy.indexOf(false);
    while (i < 0) {
      await new Promise<void>((res) => this.waiting.push(res));
      i = this.busy.indexOf(false);
    }
    this.busy[i] = true;
    try {
      return await this.pool.run(req, {
        worker: i,
        transfer: req.blobs.map(([, b]) => b),
        timeoutMs: o.timeoutMs,
        signal: o.signal,
        onProgress: o.onProgress as ((v: unknown) => void) | undefined,
      });
    } catch (e) {
      if (e instanceof TaskTimeout || o.signal?.aborted)
        await this.pool.stop(i, `job ${req.name}: thread stopped (${(e as Error).message})`);
      throw e;
    } finally {
      this.busy[i] = false;
      this.waiting.shift()?.();
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
