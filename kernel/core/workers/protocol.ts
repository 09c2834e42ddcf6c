/**
 * The message protocol between a WorkerPool (pool.ts) and the worker side (serve.ts). Plain objects over
 * postMessage (structured clone: typed arrays, ArrayBuffers (transferable), SharedArrayBuffers, WebAssembly modules and
 * memories pass as they are).
 *
 *   pool → worker   { t: 'init', data }                 once per thread, before any task (only when the pool has `init`)
 *                   { t: 'task', id, msg }              a task; at most `perWorker` in flight per thread
 *                   { t: 'cancel', id }                 the task's AbortSignal fired (the handler's `signal` aborts)
 *   worker → pool   { t: 'ready', value } | { t: 'ready', error }     answer to init
 *                   { t: 'done', id, value } | { t: 'done', id, error } answer to a task
 *                   { t: 'progress', id, value }        a running task's progress report (before its 'done'; in order)
 * Errors cross as { name, message, stack, code } and are rebuilt as the same class (core/errors' named errors, the
 * built-in Error types; anything else as an Error carrying the original name).
 */
import { Aborted, BackendError, EdgeLabError, FormatError, InvalidInput, KernelError, NotFound, UnsupportedLayer } from '../errors';

export type ToWorker = { t: 'init'; data: unknown } | { t: 'task'; id: number; msg: unknown } | { t: 'cancel'; id: number };
export type FromWorker =
  | { t: 'ready'; value?: unknown; error?: WireError }
  | { t: 'done'; id: number; value?: unknown; error?: WireError }
  | { t: 'progress'; id: number; value: unknown };

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** Error → plain object for postMessage. */
export function toWire(e: unknown): WireError {
  if (e instanceof Error)
    return {
      name: e.name,
      message: e.message,
      stack: e.stack,
      code: (e as { code?: unknown }).code === undefined ? undefined : String((e as { code?: unknown }).code),
    };
  return { name: 'Error', message: String(e) };
}

const NAMED: Record<string, new (message: string) => Error> = {
  InvalidInput,
  FormatError,
  UnsupportedLayer,
  BackendError,
  NotFound,
  Aborted,
  KernelError,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Plain object → an Error of the same class (when known), message and stack (the worker's, then where it arrived). */
export function fromWire(w: WireError, where = 'worker thread'): Error {
  const Ctor = NAMED[w.name];
  const e = Ctor ? new Ctor(w.message) : new Error(w.message);
  if (!Ctor) e.name = w.name;
  if (w.code !== undefined && !(e instanceof EdgeLabError)) (e as { code?: string }).code = w.code;
  if (w.stack) e.stack = `${w.stack}\n    --- thrown in a ${where}, received by the pool ---`;
  return e;
}

/** A handler's return value plus the buffers to transfer (not copy) back to the pool. */
export interface WithTransfer<T> {
  readonly __transfer: true;
  value: T;
  transfer: ArrayBuffer[];
}
export function withTransfer<T>(value: T, transfer: ArrayBuffer[]): WithTransfer<T> {
  return { __transfer: true, value, transfer };
}
export function isWithTransfer(v: unknown): v is WithTransfer<unknown> {
  return typeof v === 'object' && v !== null && (v as { __transfer?: unknown }).__transfer === true;
}
