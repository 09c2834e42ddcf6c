/**
 * show(): display a figure in a notebook as ONE display_data message carrying the whole MIME bundle
 * (vendor JSON payload + static SVG fallback + text/plain summary); outside a notebook, return the bundle
 * and optionally write the fallback to a file.
 *
 * How it reaches the notebook: tslab's `dist/jupyter.js` keeps `exports.lastWriteDisplayData`, the
 * `(content, update) => void` writer of the cell being executed (it sends `display_data`, or
 * `update_display_data` when `update` is true, with `content` = { data, metadata, transient }). tslab's own
 * public `display.raw()` calls it with a single MIME type; we call it directly with the whole bundle.
 * If that module is not in require.cache but tslab's public `display` is, we fall back to
 * `display.raw(vendorMime, json)` + `display.svg(fallback)` (degraded: two outputs, no text/plain, no updates).
 */
import { writeFileSync } from 'node:fs';
import type { Figure, MimeBundle } from '../viz/types';
import { toBundle } from '../viz/svg';
import { InvalidInput, describe } from './errors';

export interface ShowOptions {
  /** Outside a notebook: write the static fallback (SVG) here. */
  file?: string;
  /**
   * Reuse one output: within one cell run, the first show() with this id creates the output and later ones replace
   * it in place (update_display_data). A new run of a cell (re-execution clears its outputs) creates it afresh.
   */
  displayId?: string;
  /** With displayId: always send update_display_data, e.g. to redraw an output of an earlier cell. Default false. */
  update?: boolean;
}

export interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
type Writer = (content: DisplayContent, update: boolean) => void;

function cached(re: RegExp): Record<string, unknown> | undefined {
  const cache = typeof require !== 'undefined' ? require.cache : undefined;
  if (!cache) return undefined;
  for (const k of Object.keys(cache)) if (re.test(k)) return cache[k]?.exports as Record<string, unknown> | undefined;
  return undefined;
}

/** tslab's current display writer, or undefined outside a running tslab cell. */
export function tslabWriter(): Writer | undefined {
  const j = cached(/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/);
  const w = j?.lastWriteDisplayData;
  return typeof w === 'function' ? (w as Writer) : undefined;
}

interface TslabDisplay {
  raw(mime: string, data: string): void;
  svg?(s: string): void;
  text?(s: string): void;
}
function tslabPublicDisplay(): TslabDisplay | undefined {
  const p = cached(/[\\/]tslab[\\/]dist[\\/]public\.js$/);
  const d = p?.display as TslabDisplay | undefined;
  return d && typeof d.raw === 'function' ? d : undefined;
}

/** True when show() would reach a notebook output. */
export function canDisplay(): boolean {
  return !!tslabWriter() || !!tslabPublicDisplay();
}

/** display_id → the cell-run writer that created it (tslab makes a new writer per execute request). */
const opened = new Map<string, Writer>();

/**
 * Send one bundle to the notebook. With `displayId`, the first call creates the output and later calls
 * replace it (update_display_data). Returns how it was sent: 'bundle', 'degraded' or 'none'.
 */
export function emitBundle(bundle: MimeBundle, displayId?: string, forceUpdate = false): 'bundle' | 'degraded' | 'none' {
  const w = tslabWriter();
  if (w) {
    const update = displayId !== undefined && (forceUpdate || opened.get(displayId) === w);
    if (displayId !== undefined && !update) opened.set(displayId, w);
    w({ data: { ...bundle }, metadata: {}, transient: displayId !== undefined ? { display_id: displayId } : {} }, update);
    return 'bundle';
  }
  const d = tslabPublicDisplay();
  if (d) {
    try {
      const vendor = Object.keys(bundle).find((k) => k.startsWith('application/vnd.edgelab.'));
      if (vendor) d.raw(vendor, JSON.stringify(bundle[vendor]));
      if (typeof bundle['image/svg+xml'] === 'string') d.raw('image/svg+xml', bundle['image/svg+xml']);
      else if (typeof bundle['image/gif'] === 'string') d.raw('image/gif', bundle['image/gif']);
      else d.raw('text/plain', bundle['text/plain']);
      return 'degraded';
    } catch {
      return 'none'; // tslab loaded but no cell running ("Not ready")
    }
  }
  return 'none';
}

/**
 * Display a figure. In a tslab notebook: one display_data with `application/vnd.edgelab.<kind>.v1+json`,
 * `image/svg+xml` and `text/plain` (or update_display_data for a `displayId` already shown in this cell run, or with `update`).
 * Elsewhere: nothing is printed; with `file`, the SVG fallback is written there. Returns nothing (as IPython's `display`),
 * so `el.show(fig)` as a cell's last line echoes nothing under the figure; `el.viz.toBundle(fig)` gives the bundle.
 */
export function show(fig: Figure, opts: ShowOptions = {}): void {
  if (!fig || typeof fig !== 'object' || typeof (fig as { kind?: unknown }).kind !== 'string') {
    throw new InvalidInput(`show: expected a figure from el.viz (heatmap, series, …), got ${describe(fig)}`);
  }
  if (opts.displayId !== undefined && (typeof opts.displayId !== 'string' || !opts.displayId)) {
    throw new InvalidInput(`show: displayId must be a non-empty string, got ${describe(opts.displayId)}`);
  }
  const bundle = toBundle(fig);
  emitBundle(bundle, opts.displayId, opts.update === true && opts.displayId !== undefined);
  if (opts.file) {
    if (!/\.svg$/i.test(opts.file)) throw new InvalidInput(`show: file ${describe(opts.file)} must end in .svg (every fallback is SVG)`);
    writeFileSync(opts.file, bundle['image/svg+xml'] as string);
  }
}

/** Where a text output goes: `displayId` names it so a later call can replace it in place. */
export interface TextDisplayOptions {
  /** Name of the output; a later call with the same id in the same cell run replaces it (default: a new output). */
  displayId?: string;
  /** With displayId: always replace, e.g. from a timer after the cell ended or from a later cell (default false). */
  update?: boolean;
}

/** Display plain text (one output; `displayId` to update in place). */
export function showText(text: string, opts: TextDisplayOptions = {}): void {
  emitBundle({ 'text/plain': String(text) }, opts.displayId, opts.update === true && opts.displayId !== undefined);
}

/** Display Markdown (text/markdown with a text/plain copy). */
export function showMarkdown(md: string, opts: TextDisplayOptions = {}): void {
  emitBundle(
    { 'text/markdown': String(md), 'text/plain': String(md) },
    opts.displayId,
    opts.update === true && opts.displayId !== undefined,
  );
}

/** What showGif sends besides the image: alt text (the text/plain copy, default "GIF animation, N bytes"). */
export interface GifDisplayOptions extends TextDisplayOptions {
  /** The text/plain copy. Default "GIF animation, N bytes". */
  alt?: string;
}

/**
 * Display an animated GIF inline (one output: `image/gif` as base64, as Jupyter stores images, plus a text/plain
 * copy). Notebook front ends (VS Code, JupyterLab) render image/gif natively, so the animation plays in the cell.
 * @throws InvalidInput when `gif` is not GIF bytes (no "GIF87a"/"GIF89a" header).
 */
export function showGif(gif: Uint8Array, opts: GifDisplayOptions = {}): void {
  if (!(gif instanceof Uint8Array) || gif.length < 6)
    throw new InvalidInput(`showGif: expected the bytes of a GIF (Uint8Array, e.g. el.gazegen.animate(...).gif), got ${describe(gif)}`);
  const head = String.fromCharCode(...gif.subarray(0, 6));
  if (head !== 'GIF87a' && head !== 'GIF89a')
    throw new InvalidInput(`showGif: bytes start with ${describe(head)}; expected a GIF header "GIF89a" or "GIF87a"`);
  const alt = opts.alt ?? `GIF animation, ${gif.length} bytes`;
  emitBundle(
    { 'image/gif': Buffer.from(gif.buffer, gif.byteOffset, gif.length).toString('base64'), 'text/plain': alt },
    opts.displayId,
    opts.update === true && opts.displayId !== undefined,
  );
}
