/**
 * Test helpers shared by every module's tests.
 *
 * `expectNoLeak(fn)` runs `fn`, disposes whatever tensors it returned (the caller owns them by
 * contract), and asserts that tf.memory().numTensors is back where it was: a public call may leave
 * nothing behind except what it returns.
 */
import * as tf from '@tensorflow/tfjs';

function disposeDeep(v: unknown, seen = new Set<unknown>()): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (v instanceof tf.Tensor) {
    v.dispose();
    return;
  }
  if (v instanceof tf.LayersModel) {
    v.dispose();
    return;
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return;
  if (Array.isArray(v)) {
    for (const x of v) disposeDeep(x, seen);
    return;
  }
  if (v instanceof Map) {
    for (const x of v.values()) disposeDeep(x, seen);
    return;
  }
  for (const x of Object.values(v as Record<string, unknown>)) disposeDeep(x, seen);
}

/** Thrown by expectNoLeak: the call left `after − before` tensors behind besides the ones it returned. */
export class TensorLeak extends Error {
  constructor(
    readonly before: number,
    readonly after: number,
    label: string,
  ) {
    super(`${label}: ${after - before} tensor(s) left behind (numTensors ${before} → ${after} after disposing the return value)`);
    this.name = 'TensorLeak';
  }
}

/**
 * Run `fn`, dispose its (possibly nested) returned tensors and models, then assert no tensor is left.
 * Returns what `fn` returned (already disposed where it held tensors) for further non-tensor checks.
 */
export async function expectNoLeak<T>(fn: () => T | Promise<T>, label = 'call'): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  disposeDeep(out);
  const after = tf.memory().numTensors;
  if (after !== before) throw new TensorLeak(before, after, label);
  return out;
}

/** Normwise relative difference ‖a − b‖₂ / ‖b‖₂ (0 when both are zero). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths differ (${a.length} vs ${b.length})`);
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
