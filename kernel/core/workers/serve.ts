/**
 * The worker side of a WorkerPool. A worker entry file calls `serve({ init?, handle })` once:
 *
 *   serve<Setup, Req, Res>({
 *     init: (setup) => { ... },                          // once per thread; its return value resolves pool.ready()
 *     handle: (req, { signal, progress }) => res,        // per task; may be async; throw to reject the task;
 *                                                        // progress(v) reaches the pool's run({ onProgress })
 *   });
 *
 * Return `withTransfer(value, [buffers])` to move ArrayBuffers back instead of copying them. A thrown error reaches the
 * pool as the same class with its message and stack (protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isWithTransfer, toWire, type FromWorker, type ToWorker, type WithTransfer } from './protocol';

export interface Handlers<I, Req, Res> {
  init?: (data: I, workerData: unknown) => unknown;
  handle: (
    msg: Req,
    ctx: { signal: AbortSignal; workerData: unknown; progress: (value: unknown) => void },
  ) => Res | WithTransfer<Res> | Promise<Res | WithTransfer<Res>>;
}

export function serve<I, Req, Res>(h: Handlers<I, Req, Res>): void {
  const port = parentPort;
  if (!port) throw new Error('serve() must run inside a worker thread started by WorkerPool');
  const running = new Map<number, AbortController>();
  let ready: Promise<unknown> = Promise.resolve();
  const post = (m: FromWorker, value: unknown): void => {
    if (isWithTransfer(value)) port.postMessage({ ...m, value: value.value }, value.transfer);
    else port.postMessage({ ...m, value });
  };
  port.on('message', (m: ToWorker) => {
    if (m.t === 'init') {
      ready = (async () => h.init?.(m.data as I, workerData))();
      ready.then(
        (v) => post({ t: 'ready' }, v),
        (e: unknown) => port.postMessage({ t: 'ready', error: toWire(e) } satisfies FromWorker),
      );
      return;
    }
    if (m.t === 'cancel') {
      running.get(m.id)?.abort();
      return;
    }
    const ac = new AbortController();
    running.set(m.id, ac);
    void (async () => {
      try {
        await ready;
        const progress = (value: unknown): void => port.postMessage({ t: 'progress', id: m.id, value } satisfies FromWorker);
        const v = await h.handle(m.msg as Req, { signal: ac.signal, workerData, progress });
        post({ t: 'done', id: m.id }, v);
      } catch (e) {
        port.postMessage({ t: 'done', id: m.id, error: toWire(e) } satisfies FromWorker);
      } finally {
        running.delete(m.id);
      }
    })();
  });
}
