/**
 * Named errors with stable codes. Every public verb throws one of these for bad input,
 * with a message that names the offending value and what was expected.
 */
export type ErrorCode = 'INVALID_INPUT' | 'FORMAT_ERROR' | 'UNSUPPORTED_LAYER' | 'BACKEND_ERROR' | 'NOT_FOUND' | 'ABORTED' | 'KERNEL_ERROR';

/** Base of every named kernel error: `code` is stable (INVALID_INPUT, FORMAT_ERROR, …) and `name` is the subclass's name. */
export class EdgeLabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A value the caller passed is outside what the function accepts. */
export class InvalidInput extends EdgeLabError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_INPUT', message, options);
  }
}
/** A file or buffer is malformed: bad magic, truncated, unknown dtype, shape/byte mismatch. */
export class FormatError extends EdgeLabError {
  constructor(message: string, options?: ErrorOptions) {
    super('FORMAT_ERROR', message, options);
  }
}
/** A model contains a layer or op the method cannot handle. */
export class UnsupportedLayer extends EdgeLabError {
  constructor(message: string, options?: ErrorOptions) {
    super('UNSUPPORTED_LAYER', message, options);
  }
}
/** A compute backend could not be set up. */
export class BackendError extends EdgeLabError {
  constructor(message: string, options?: ErrorOptions) {
    super('BACKEND_ERROR', message, options);
  }
}
/** A file, dataset or package that a call needs is missing. */
export class NotFound extends EdgeLabError {
  constructor(message: string, options?: ErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}
/** Work stopped because its AbortSignal fired. */
export class Aborted extends EdgeLabError {
  constructor(message = 'aborted', options?: ErrorOptions) {
    super('ABORTED', message, options);
  }
}
/** A notebook kernel failed (protocol error, crash, cell error). */
export class KernelError extends EdgeLabError {
  constructor(message: string, options?: ErrorOptions) {
    super('KERNEL_ERROR', message, options);
  }
}

/** Short printable form of a value for error messages. */
export function describe(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `[${v.slice(0, 6).map(describe).join(', ')}${v.length > 6 ? ', …' : ''}]`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  return typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v;
}

/** Throw InvalidInput unless `ok`. */
export function check(ok: boolean, message: string | (() => string)): asserts ok {
  if (!ok) throw new InvalidInput(typeof message === 'function' ? message() : message);
}

/** Require a positive (or non-negative) integer option. */
export function checkInt(name: string, v: unknown, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidInput(`${name} must be an integer in [${min}, ${max}], got ${describe(v)}`);
  }
  return v;
}

/** Require an enum-like string option to be one of `allowed` (exact match); returns it typed. */
export function checkOneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InvalidInput(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

/** Require every entry of an array to be finite. */
export function checkFinite(name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new InvalidInput(`${name}[${i}] is ${describe(a[i])}; expected a finite number`);
  }
}

/** Throw Aborted when the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Aborted(typeof signal.reason === 'string' ? signal.reason : 'aborted');
}
