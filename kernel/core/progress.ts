/**
 * progress(): one progress indicator for long loops.
 * - Notebook (tslab cell running): one output (display_id) replaced in place via update_display_data with
 *   text/plain + a small SVG bar; ≤ 5 updates/s (minIntervalMs), and always a final update on done().
 * - Terminal (stderr is a TTY): an in-place `\r` bar with rate and ETA (same throttle).
 * - Otherwise (CI logs): one line each time another ~10% is reached, plus a final line.
 */
import { emitBundle, tslabWriter } from './display';
import { InvalidInput, checkOneOf, describe } from './errors';
import type { MimeBundle } from '../viz/types';

export interface ProgressOptions {
  /** Default 'auto': notebook when a tslab cell is running, else 'tty' when the stream is a TTY, else 'log'. */
  mode?: 'auto' | 'notebook' | 'tty' | 'log' | 'silent';
  /** Where tty/log output goes (default process.stderr). */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /** Minimum time between redraws (default 200 ms = 5 updates/s). */
  minIntervalMs?: number;
  /** Clock in ms (default Date.now; tests inject one). */
  now?: () => number;
  /** Unit shown in the rate (default 'it'). */
  unit?: string;
}

export interface Progress {
  /** Advance by n (default 1). */
  tick(n?: number, note?: string): void;
  /** Jump to an absolute value. */
  set(value: number, note?: string): void;
  /** Finish at 100%: always renders a final update. */
  done(note?: string): void;
  /** Finish where it stands (error, abort, early exit): a final update without jumping to 100%. */
  stop(note?: string): void;
  readonly value: number;
}

let counter = 0;

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  s = Math.round(s);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
function fmtRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2);
}
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The SVG bar used in notebooks. */
export function progressSvg(label: string, frac: number, text: string): string {
  const w = 320,
    f = Math.max(0, Math.min(1, frac));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w + 200}" height="22" viewBox="0 0 ${w + 200} 22" font-family="sans-serif" font-size="11">` +
    `<rect x="0.5" y="4.5" width="${w}" height="13" rx="3" fill="#eee" stroke="#bbb"/>` +
    `<rect class="bar" x="0.5" y="4.5" width="${(w * f).toFixed(1)}" height="13" rx="3" fill="#4e79a7"/>` +
    `<text x="${w + 8}" y="15">${esc(text || label)}</text></svg>`
  );
}

/**
 * Start a progress indicator for `total` steps.
 *   const p = progress(epochs, 'training'); for (…) { …; p.tick(1, `loss ${l}`); } p.done();
 */
export function progress(total: number, label: string, opts: ProgressOptions = {}): Progress {
  if (typeof total !== 'number' || !Number.isFinite(total) || total <= 0)
    throw new InvalidInput(`progress: total must be a positive finite number, got ${describe(total)}`);
  if (typeof label !== 'string') throw new InvalidInput(`progress: label must be a string, got ${describe(label)}`);
  const now = opts.now ?? Date.now;
  const stream = opts.stream ?? (typeof process !== 'undefined' ? process.stderr : { write: () => undefined });
  if (opts.mode !== undefined) checkOneOf('progress: mode', opts.mode, ['auto', 'notebook', 'tty', 'log', 'silent'] as const);
  const mode = opts.mode && opts.mode !== 'auto' ? opts.mode : tslabWriter() ? 'notebook' : stream.isTTY ? 'tty' : 'log';
  const minInterval = opts.minIntervalMs ?? 200;
  const unit = opts.unit ?? 'it';
  const displayId = `edgelab-progress-${++counter}-${now()}`;
  const t0 = now();
  let value = 0,
    note = '',
    lastDraw = -Infinity,
    lastDecile = -1,
    finished = false;

  const line = (final: boolean): string => {
    const frac = Math.min(1, value / total),
      el = (now() - t0) / 1000;
    const rate = el > 0 ? value / el : 0;
    const eta = final
      ? `${value >= total ? 'in' : 'stopped after'} ${fmtTime(el)}`
      : rate > 0
        ? `ETA ${fmtTime((total - value) / rate)}`
        : 'ETA ?';
    const pct = `${(frac * 100).toFixed(frac < 1 && frac * 100 > 99.5 ? 1 : 0)}%`;
    return `${label}: ${pct} (${+value.toPrecision(6)}/${total}) ${fmtRate(rate)} ${unit}/s ${eta}${note ? ` · ${note}` : ''}`;
  };
  const draw = (final: boolean) => {
    const t = now();
    // Notebook and TTY redraws are time-throttled; log lines are limited by the 10% buckets instead.
    if (!final && mode !== 'log' && t - lastDraw < minInterval) return;
    lastDraw = t;
    const frac = Math.min(1, value / total);
    if (mode === 'notebook') {
      const txt = line(final);
      const bundle: MimeBundle = { 'text/plain': txt, 'image/svg+xml': progressSvg(label, frac, txt) };
      emitBundle(bundle, displayId);
    } else if (mode === 'tty') {
      const width = 24,
        fill = Math.round(frac * width);
      stream.write(`\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${line(final)}\x1b[K${final ? '\n' : ''}`);
    } else if (mode === 'log') {
      const dec = Math.floor(frac * 10);
      if (final || dec > lastDecile) {
        lastDecile = dec;
        stream.write(line(final) + '\n');
      }
    }
  };
  const check = (n: number, what: string) => {
    if (typeof n !== 'number' || !Number.isFinite(n))
      throw new InvalidInput(`progress.${what}: expected a finite number, got ${describe(n)}`);
  };
  draw(false);
  return {
    tick(n = 1, nt?: string) {
      check(n, 'tick');
      if (finished) return;
      value = Math.min(total, value + n);
      if (nt !== undefined) note = nt;
      draw(false);
    },
    set(v: number, nt?: string) {
      check(v, 'set');
      if (finished) return;
      value = Math.max(0, Math.min(total, v));
      if (nt !== undefined) note = nt;
      draw(false);
    },
    done(nt?: string) {
      if (finished) return;
      finished = true;
      value = total;
      if (nt !== undefined) note = nt;
      draw(true);
    },
    stop(nt?: string) {
      if (finished) return;
      finished = true;
      if (nt !== undefined) note = nt;
      draw(true);
    },
    get value() {
      return value;
    },
  };
}

/**
 * Run `fn` over items (or 0..n−1) with a progress indicator; awaits each call in order and returns the results.
 * The indicator ends with done(), or with stop('failed: …') where it stood when fn throws (the error is rethrown).
 */
export async function withProgress<T, R>(
  items: Iterable<T> | number,
  label: string,
  fn: (item: T, i: number) => R | Promise<R>,
  opts: ProgressOptions = {},
): Promise<R[]> {
  const list = typeof items === 'number' ? (Array.from({ length: items }, (_, i) => i) as unknown as T[]) : Array.from(items);
  const p = progress(Math.max(1, list.length), label, opts);
  const out: R[] = [];
  try {
    for (let i = 0; i < list.length; i++) {
      out.push(await fn(list[i]!, i));
      p.tick();
    }
  } catch (e) {
    p.stop(`failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    throw e;
  }
  p.done();
  return out;
}
