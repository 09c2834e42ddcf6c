/**
 * One pool of worker threads for every part of the kernel that runs work off the main thread (the federated client
 * hosts, the Rosko SpMM pool; later data-parallel training and the job engine).
 *
 *   const pool = new WorkerPool<Req, Res>({ entry: workerEntry('sparse/worker-entry'), size: 2, workerData, init });
 *   const res = await pool.run(req, { transfer: [req.buf], worker: 0, signal, timeoutMs });
 *   await pool.close();
 *
 * - Typed messages: `Req` in, `Res` out (protocol.ts); the worker side is `serve()` (serve.ts).
 * - Transfer: buffers in `transfer` move to the worker when the task is sent (the caller's copy is detached, no copy is
 *   made); a handler
 *   returns `withTransfer(value, buffers)` to move results back. SharedArrayBuffers (see `shared()`) and
 *   WebAssembly memories are shared, not copied, by postMessage itself.
 * - Errors thrown in a worker reject `run` with the same class, message and stack (InvalidInput stays InvalidInput).
 * - Each thread runs `perWorker` tasks at a time (default 1) in submission order; `worker: i` pins a task to thread i,
 *   otherwise the least loaded thread takes it.
 * - AbortSignal: a queued task is dropped (never reaches a worker) and rejects with Aborted; a running one rejects
 *   with Aborted at once and its handler's `signal` fires (the handler decides whether to stop early).
 * - A thread that exits rejects its tasks with WorkerExited and is started again (with `init` again) by the next task.
 * - Idle threads do not keep the process alive; close() terminates them all (nothing is left running).
 */
import { Worker } from 'node:worker_threads';
import { Aborted, InvalidInput, checkInt } from '../errors';
import { fromWire, type FromWorker, type ToWorker } from './protocol';
import type { WorkerEntry } from './entry';

/** A worker thread ended (crashed, called process.exit, or was terminated) while tasks were pending. */
export class WorkerExited extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerExited';
  }
}
/** A task got no answer within its timeoutMs (the worker keeps running it; a late answer is ignored). */
export class TaskTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskTimeout';
  }
}

export interface PoolOptions {
  /** What each thread runs: a file (see workerEntry) or inline JS source ({ eval: true }). */
  entry: WorkerEntry | { source: string };
  /** Threads (default 1). */
  size?: number;
  /** Passed to every thread as worker_threads' workerData (cloned; WebAssembly modules/memories and SABs are shared). */
  workerData?: unknown;
  /** Sent to each thread once after it starts (and after a restart); tasks wait for it. */
  init?: unknown;
  /** Tasks in flight per thread (default 1). */
  perWorker?: number;
  /** Name used in error messages. */
  label?: string;
}

export interface RunOptions {
  /** Buffers to move to the worker instead of copying (they are detached here). */
  transfer?: ArrayBuffer[];
  /** Run on this thread (0-based). */
  worker?: number;
  signal?: AbortSignal;
  /** Reject with TaskTimeout after this many ms (counted from submission). */
  timeoutMs?: number;
  /** The handler's progress(value) reports, in order, while the task runs (serve.ts). */
  onProgress?: (value: unknown) => void;
}

interface Task {
  id: number;
  msg: unknown;
  transfer: ArrayBuffer[];
  onProgress?: (value: unknown) => void;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  cleanup: () => void;
  settled: boolean;
}

interface Slot {
  worker: Worker | null;
  ready: Promise<unknown> | null;
  queue: Task[];
  running: Map<number, Task>;
  exits: number;
}

export class WorkerPool<Req = unknown, Res = unknown> {
  readonly size: number;
  readonly label: string;
  private readonly slots: Slot[];
  private readonly perWorker: number;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.size = checkInt('WorkerPool: size', opts.size ?? 1, 1, 256);
    this.perWorker = opts.perWorker === undefined ? 1 : checkInt('WorkerPool: perWorker', opts.perWorker, 1);
    this.label = opts.label ?? 'worker pool';
    this.slots = Array.from({ length: this.size }, () => ({ worker: null, ready: null, queue: [], running: new Map(), exits: 0 }));
  }

  /** Times thread `i` ended unexpectedly (crash or exit while it had tasks, or a non-zero exit code). */
  exits(i = 0): number {
    return this.slots[i]?.exits ?? 0;
  }

  /** Start every thread now (otherwise the first task starts its thread); resolves with each thread's init answer. */
  async start(): Promise<unknown[]> {
    return Promise.all(this.slots.map((_, i) => this.spawn(i)));
  }

  /** Start thread `i` if needed and wait for its init answer. */
  ready(i = 0): Promise<unknown> {
    return this.spawn(i);
  }

  run(msg: Req, o: RunOptions = {}): Promise<Res> {
    if (this.closed) return Promise.reject(new InvalidInput(`${this.label}: the pool is closed`));
    if (o.signal?.aborted) return Promise.reject(new Aborted(`${this.label}: task aborted before it started`));
    const i = o.worker !== undefined ? checkInt(`${this.label}: worker`, o.worker, 0, this.size - 1) : this.leastLoaded();
    const slot = this.slots[i]!;
    return new Promise<Res>((resolve, reject) => {
      const id = this.nextId++;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        const queued = slot.queue.indexOf(task);
        if (queued >= 0) slot.queue.splice(queued, 1);
        else if (slot.running.has(id)) slot.worker?.postMessage({ t: 'cancel', id } satisfies ToWorker);
        settle(new Aborted(`${this.label}: task aborted${queued >= 0 ? ' before it started' : ''}`));
      };
      const task: Task = {
        id,
        msg,
        transfer: o.transfer ?? [],
        onProgress: o.onProgress,
        settled: false,
        resolve: (v) => {
          if (!task.settled) {
            task.settled = true;
            task.cleanup();
            resolve(v as Res);
          }
        },
        reject: (e) => settle(e),
        cleanup: () => {
          clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
        },
      };
      function settle(e: Error): void {
        if (!task.settled) {
          task.settled = true;
          task.cleanup();
          reject(e);
        }
      }
      if (o.timeoutMs !== undefined)
        timer = setTimeout(() => settle(new TaskTimeout(`${this.label}: no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
      o.signal?.addEventListener('abort', onAbort, { once: true });
      slot.queue.push(task);
      this.pump(i);
    });
  }

  /** Terminate every thread; pending tasks reject with WorkerExited. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((_, i) => this.stop(i, `${this.label}: closed`)));
  }

  /** Terminate thread `i` (it restarts on its next task); its pending tasks reject with WorkerExited. */
  async stop(i: number, why = `${this.label}: thread ${i} stopped`): Promise<void> {
    const slot = this.slots[i]!;
    const w = slot.worker;
    slot.worker = null;
    slot.ready = null;
    this.failAll(slot, new WorkerExited(0, why));
    if (w) await w.terminate();
  }

  private leastLoaded(): number {
    let best = 0,
      load = Infinity;
    this.slots.forEach((s, i) => {
      const l = s.queue.length + s.running.size;
      if (l < load) {
        load = l;
        best = i;
      }
    });
    return best;
  }

  private failAll(slot: Slot, e: Error): void {
    for (const t of [...slot.queue, ...slot.running.values()]) t.reject(e);
    slot.queue.length = 0;
    slot.running.clear();
  }

  private spawn(i: number): Promise<unknown> {
    const slot = this.slots[i]!;
    if (slot.ready) return slot.ready;
    if (this.closed) return Promise.reject(new InvalidInput(`${this.label}: the pool is closed`));
    const e = this.opts.entry;
    const w =
      'source' in e
        ? new Worker(e.source, { eval: true, workerData: this.opts.workerData })
        : new Worker(e.script, { workerData: { __entry: e.entry, ...(this.opts.workerData as object | undefined) } });
    slot.worker = w;
    const ready = new Promise<unknown>((resolve, reject) => {
      let started = this.opts.init === undefined;
      if (started) resolve(undefined);
      w.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          started = true;
          if (m.error) {
            const err = fromWire(m.error, `${this.label} thread ${i} (init)`);
            reject(err);
            this.failAll(slot, err);
          } else resolve(m.value);
          return;
        }
        const t = slot.running.get(m.id);
        if (!t) return; // aborted or timed out: the late answer is dropped
        if (m.t === 'progress') {
          if (!t.settled) t.onProgress?.(m.value);
          return;
        }
        slot.running.delete(m.id);
        if (m.error) t.reject(fromWire(m.error, `${this.label} thread ${i}`));
        else t.resolve(m.value);
        this.pump(i);
      });
      w.on('error', (err) => {
        if (slot.worker === w) this.failAll(slot, err);
        if (!started) reject(err);
      });
      w.on('exit', (code) => {
        if (slot.worker !== w) return; // terminated by stop()/close()
        slot.worker = null;
        slot.ready = null;
        if (code !== 0 || slot.running.size || slot.queue.length) slot.exits++;
        this.failAll(slot, new WorkerExited(code, `${this.label}: thread ${i} exited (code ${code})`));
        if (!started) reject(new WorkerExited(code, `${this.label}: thread ${i} exited during init (code ${code})`));
      });
    });
    slot.ready = ready;
    if (this.opts.init !== undefined) w.postMessage({ t: 'init', data: this.opts.init } satisfies ToWorker);
    // the thread holds the process while it initialises; once ready, pump() unrefs it when idle (errors reach the tasks
    // and start()/ready() callers)
    ready.then(
      () => this.pump(i),
      () => this.pump(i),
    );
    return ready;
  }

  /** Send queued tasks to thread i while it has room; ref the thread while it has work. */
  private pump(i: number): void {
    const slot = this.slots[i]!;
    if (!slot.queue.length && !slot.running.size) {
      slot.worker?.unref();
      return;
    }
    if (!slot.worker) {
      this.spawn(i).catch((e: Error) => this.failAll(slot, e));
      if (!slot.worker || !slot.ready) return;
    }
    slot.worker.ref();
    void slot.ready!.then(
      () => {
        const w = slot.worker;
        if (!w) return;
        while (slot.queue.length && slot.running.size < this.perWorker) {
          const t = slot.queue.shift()!;
          if (t.settled) continue;
          slot.running.set(t.id, t);
          w.postMessage({ t: 'task', id: t.id, msg: t.msg } satisfies ToWorker, t.transfer);
        }
      },
      (e: Error) => this.failAll(slot, e),
    ); // init failed: every task on this thread fails with its error
  }
}

/** A typed array backed by a SharedArrayBuffer (workers see writes without copies or transfers), holding a copy of `src`. */
export function shared<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(src: T): T {
  const Ctor = src.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(src.byteLength));
  out.set(src as never);
  return out;
}
