/**
 * Messages between the GazeGen Canvas webview and the extension host. The host treats what the panel sends as
 * untrusted: `parseCanvasMessage` refuses unknown types, unknown keys and out-of-range numbers with a FormatError
 * naming the field. Pure TS (no DOM, no Node): the host and the webview bundle both use it.
 */
import { FormatError, describe } from '../../kernel/core/errors';

export const OPS = ['delete', 'move', 'restyle', 'add', 'animate'] as const;
export type CanvasOp = (typeof OPS)[number];
/** Operations that need a second fixation (the destination, or the target to restyle). */
export const TWO_STEP: ReadonlySet<CanvasOp> = new Set(['move', 'restyle', 'add']);

// ── panel → host ────────────────────────────────────────────────────────────────────────────────────────────────
export type CanvasMessage =
  | { type: 'ready' }
  | { type: 'open'; photo: string }
  | { type: 'openFile' }
  | { type: 'gaze'; x: number; y: number; t: number }
  | { type: 'replay' }
  /** Start the webcam gaze source (the camera page on 127.0.0.1 calibrates, then streams). */
  | { type: 'webcam' }
  /**
   * Where the photo is on the screen, for the webcam source (its gaze arrives in screen px): the screen → panel offset
   * seen on a mouse event (screenX − clientX, screenY − clientY) and the photo's rectangle in panel px.
   */
  | { type: 'screen'; ox: number; oy: number; left: number; top: number; width: number; height: number }
  | { type: 'op'; op: CanvasOp }
  | { type: 'undo' }
  | { type: 'cancel' };

/** The Canvas's gaze sources: the mouse, a replayed DFT Gaze stream, the webcam (camera page). */
export type GazeSourceKind = 'mouse' | 'dft-gaze' | 'webcam';

// ── host → panel ────────────────────────────────────────────────────────────────────────────────────────────────
/** A detected object: box [x, y, width, height] in image pixels (the detector's convention). */
export type CanvasBox = { box: [number, number, number, number]; label: string; score: number };
export interface CanvasWindow {
  /** Decoded cells (inclusive) and the grid they belong to, so the panel can draw them in image pixels. */
  c0: number;
  c1: number;
  r0: number;
  r1: number;
  gridW: number;
  gridH: number;
}
export type HostCanvasMessage =
  | { type: 'photos'; items: { id: string; label: string }[] }
  | {
      type: 'image';
      /** data:image/png;base64,… */ png: string;
      width: number;
      height: number;
      name: string;
      /** The file this state is (the original, or the saved edit). */ file: string;
      /** Edits that undo can take back. */ undo: number;
      history: string[];
    }
  | { type: 'boxes'; boxes: CanvasBox[] }
  | { type: 'gaze'; x: number; y: number; progress: number; source: GazeSourceKind; fixation: [number, number] | null }
  | { type: 'selection'; selected: CanvasBox | null; rule: string; window: CanvasWindow | null; cellFraction: number; step: 1 | 2 }
  | { type: 'prompt'; text: string; op: CanvasOp | null }
  | { type: 'edited'; op: CanvasOp; file: string; ms: number; gif?: string }
  | { type: 'status'; text: string; busy: boolean }
  | { type: 'error'; text: string };

const MAX_COORD = 100_000;

function fail(field: string, got: unknown, want: string): never {
  throw new FormatError(`GazeGen Canvas message: ${field} must be ${want}, got ${describe(got)}`);
}

function keys(m: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(m)) if (!allowed.includes(k)) fail(`key '${k}'`, m[k], `one of ${allowed.join(', ')}`);
}

const num = (m: Record<string, unknown>, k: string, lo: number, hi: number): number => {
  const v = m[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail(k, v, `a number in [${lo}, ${hi}]`);
  return v;
};

/** Validate a message from the panel. */
export function parseCanvasMessage(raw: unknown): CanvasMessage {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('message', raw, 'an object');
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'openFile':
    case 'replay':
    case 'webcam':
    case 'undo':
    case 'cancel':
      keys(m, ['type']);
      return { type: m.type };
    case 'open':
      keys(m, ['type', 'photo']);
      if (typeof m.photo !== 'string' || !/^[a-z0-9-]{1,64}$/.test(m.photo)) fail('photo', m.photo, 'a photo id');
      return { type: 'open', photo: m.photo };
    case 'gaze':
      keys(m, ['type', 'x', 'y', 't']);
      return { type: 'gaze', x: num(m, 'x', -MAX_COORD, MAX_COORD), y: num(m, 'y', -MAX_COORD, MAX_COORD), t: num(m, 't', 0, 1e12) };
    case 'screen':
      keys(m, ['type', 'ox', 'oy', 'left', 'top', 'width', 'height']);
      return {
        type: 'screen',
        ox: num(m, 'ox', -MAX_COORD, MAX_COORD),
        oy: num(m, 'oy', -MAX_COORD, MAX_COORD),
        left: num(m, 'left', -MAX_COORD, MAX_COORD),
        top: num(m, 'top', -MAX_COORD, MAX_COORD),
        width: num(m, 'width', 1, MAX_COORD),
        height: num(m, 'height', 1, MAX_COORD),
      };
    case 'op':
      keys(m, ['type', 'op']);
      if (!OPS.includes(m.op as CanvasOp)) fail('op', m.op, `one of ${OPS.join(', ')}`);
      return { type: 'op', op: m.op as CanvasOp };
    default:
      return fail('type', m.type, 'a known message type');
  }
}
