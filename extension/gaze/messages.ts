/**
 * Messages between the Gaze Calibration panel (webview) and the extension host, and their validators. Both sides
 * treat what arrives as untrusted: the host checks panel messages with `parsePanelMessage` before acting, the panel
 * checks host messages with `parseHostMessage` before drawing. Unknown types, unknown keys, out-of-range numbers and
 * oversized strings are refused with a FormatError naming the field. Pure TS (no DOM, no Node): both bundles use it.
 */
import { FormatError, describe } from '../../kernel/core/errors';

// ── panel → host ────────────────────────────────────────────────────────────────────────────────────────────────
export type SourceChoice =
  { kind: 'synthetic'; seed: number; user: number; sigmaKappaDeg: number } | { kind: 'folder'; user?: string } | { kind: 'camera' };

export type PanelMessage =
  | { type: 'ready' }
  | { type: 'source'; source: SourceChoice }
  | { type: 'personalize'; steps: number }
  | { type: 'cancel' }
  | { type: 'saveProfile' };

// ── host → panel ────────────────────────────────────────────────────────────────────────────────────────────────
export interface FigureImage {
  title: string;
  /** data:image/svg+xml;base64,… (EdgeLab viz fallback of a figure payload) */ svg: string;
}
export interface ResultSummary {
  user: string;
  model: string;
  calibFrames: number;
  heldOutFrames: number;
  steps: number;
  ms: number;
  beforeMeanDeg: number;
  afterMeanDeg: number;
  beforeMedianDeg: number;
  afterMedianDeg: number;
}
export interface CameraSummary {
  meanPx: number;
  medianPx: number;
  meanDeg: number;
  medianDeg: number;
  distanceCm: number;
  cmPerPx: number;
  calibTargets: number;
  calibSamples: number;
  valPoints: number;
}

export type HostMessage =
  | { type: 'status'; text: string; busy: boolean }
  | { type: 'error'; text: string }
  | { type: 'folder'; path: string; format: string; users: string[] }
  | { type: 'user'; label: string; targets: { yawDeg: number; pitchDeg: number }[]; heldOut: number; images: string[] }
  | { type: 'result'; summary: ResultSummary; figures: FigureImage[] }
  | { type: 'camera'; url: string }
  | { type: 'profile'; summary: CameraSummary; figures: FigureImage[] };

export const MAX_TEXT = 2000;
export const MAX_USERS = 5000;
/** Calibration images are small PNG data URLs (64×48 gray ≈ 3 KB); 200 KB each is a generous cap. */
export const MAX_IMAGE_URL = 200_000;
export const MAX_SVG_URL = 2_000_000;

type Obj = Record<string, unknown>;
function obj(v: unknown, path: string, keys: readonly string[], optional: readonly string[] = []): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError(`${path} must be an object, got ${describe(v)}`);
  const o = v as Obj;
  const extra = Object.keys(o).filter((k) => !keys.includes(k) && !optional.includes(k));
  if (extra.length) throw new FormatError(`${path} has unexpected keys ${JSON.stringify(extra)}`);
  for (const k of keys) if (!(k in o)) throw new FormatError(`${path}.${k} is missing`);
  return o;
}
function num(v: unknown, path: string, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new FormatError(`${path} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${describe(v)}`);
  }
  return v;
}
function str(v: unknown, path: string, max = MAX_TEXT, re?: RegExp): string {
  if (typeof v !== 'string' || v.length > max || (re && !re.test(v)))
    throw new FormatError(`${path} must be a string of ≤ ${max} chars${re ? ` matching ${re}` : ''}, got ${describe(v)}`);
  return v;
}
function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new FormatError(`${path} must be a boolean, got ${describe(v)}`);
  return v;
}
function arr<T>(v: unknown, path: string, max: number, each: (x: unknown, p: string) => T): T[] {
  if (!Array.isArray(v) || v.length > max) throw new FormatError(`${path} must be an array of ≤ ${max} entries, got ${describe(v)}`);
  return v.map((x, i) => each(x, `${path}[${i}]`));
}
const USER_NAME = /^[\w.\- ]{1,200}$/;

export function parsePanelMessage(v: unknown): PanelMessage {
  const t = (v as Obj | null)?.type;
  switch (t) {
    case 'ready':
      obj(v, 'message', ['type']);
      return { type: 'ready' };
    case 'cancel':
      obj(v, 'message', ['type']);
      return { type: 'cancel' };
    case 'saveProfile':
      obj(v, 'message', ['type']);
      return { type: 'saveProfile' };
    case 'personalize': {
      const o = obj(v, 'message', ['type', 'steps']);
      return { type: 'personalize', steps: num(o.steps, 'personalize.steps', 1, 2000, true) };
    }
    case 'source': {
      const o = obj(v, 'message', ['type', 'source']);
      const k = (o.source as Obj | null)?.kind;
      if (k === 'synthetic') {
        const s = obj(o.source, 'source', ['kind', 'seed', 'user', 'sigmaKappaDeg']);
        return {
          type: 'source',
          source: {
            kind: 'synthetic',
            seed: num(s.seed, 'source.seed', 0, 2 ** 31 - 1, true),
            user: num(s.user, 'source.user', 0, 9999, true),
            sigmaKappaDeg: num(s.sigmaKappaDeg, 'source.sigmaKappaDeg', 0, 10),
          },
        };
      }
      if (k === 'folder') {
        const s = obj(o.source, 'source', ['kind'], ['user']);
        return {
          type: 'source',
          source: s.user === undefined ? { kind: 'folder' } : { kind: 'folder', user: str(s.user, 'source.user', 200, USER_NAME) },
        };
      }
      if (k === 'camera') {
        obj(o.source, 'source', ['kind']);
        return { type: 'source', source: { kind: 'camera' } };
      }
      throw new FormatError(`source.kind must be synthetic, folder or camera, got ${describe(k)}`);
    }
    default:
      throw new FormatError(`panel message type ${describe(t)} is unknown; expected ready, source, personalize, cancel or saveProfile`);
  }
}

function figures(v: unknown, path: string): FigureImage[] {
  return arr(v, path, 8, (x, p) => {
    const f = obj(x, p, ['title', 'svg']);
    return {
      title: str(f.title, `${p}.title`, 200),
      svg: str(f.svg, `${p}.svg`, MAX_SVG_URL, /^data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+$/),
    };
  });
}

export function parseHostMessage(v: unknown): HostMessage {
  const t = (v as Obj | null)?.type;
  switch (t) {
    case 'status': {
      const o = obj(v, 'message', ['type', 'text', 'busy']);
      return { type: 'status', text: str(o.text, 'status.text'), busy: bool(o.busy, 'status.busy') };
    }
    case 'error': {
      const o = obj(v, 'message', ['type', 'text']);
      return { type: 'error', text: str(o.text, 'error.text') };
    }
    case 'folder': {
      const o = obj(v, 'message', ['type', 'path', 'format', 'users']);
      return {
        type: 'folder',
        path: str(o.path, 'folder.path'),
        format: str(o.format, 'folder.format', 40),
        users: arr(o.users, 'folder.users', MAX_USERS, (x, p) => str(x, p, 200, USER_NAME)),
      };
    }
    case 'user': {
      const o = obj(v, 'message', ['type', 'label', 'targets', 'heldOut', 'images']);
      return {
        type: 'user',
        label: str(o.label, 'user.label', 300),
        heldOut: num(o.heldOut, 'user.heldOut', 0, 1e7, true),
        targets: arr(o.targets, 'user.targets', 64, (x, p) => {
          const q = obj(x, p, ['yawDeg', 'pitchDeg']);
          return { yawDeg: num(q.yawDeg, `${p}.yawDeg`, -90, 90), pitchDeg: num(q.pitchDeg, `${p}.pitchDeg`, -90, 90) };
        }),
        images: arr(o.images, 'user.images', 64, (x, p) => str(x, p, MAX_IMAGE_URL, /^data:image\/png;base64,[A-Za-z0-9+/=]+$/)),
      };
    }
    case 'result': {
      const o = obj(v, 'message', ['type', 'summary', 'figures']);
      const s = obj(o.summary, 'result.summary', [
        'user',
        'model',
        'calibFrames',
        'heldOutFrames',
        'steps',
        'ms',
        'beforeMeanDeg',
        'afterMeanDeg',
        'beforeMedianDeg',
        'afterMedianDeg',
      ]);
      const deg = (k: string) => num(s[k], `result.summary.${k}`, 0, 180);
      return {
        type: 'result',
        figures: figures(o.figures, 'result.figures'),
        summary: {
          user: str(s.user, 'result.summary.user', 300),
          model: str(s.model, 'result.summary.model', 200),
          calibFrames: num(s.calibFrames, 'result.summary.calibFrames', 0, 1e7, true),
          heldOutFrames: num(s.heldOutFrames, 'result.summary.heldOutFrames', 0, 1e7, true),
          steps: num(s.steps, 'result.summary.steps', 0, 1e6, true),
          ms: num(s.ms, 'result.summary.ms', 0, 1e9),
          beforeMeanDeg: deg('beforeMeanDeg'),
          afterMeanDeg: deg('afterMeanDeg'),
          beforeMedianDeg: deg('beforeMedianDeg'),
          afterMedianDeg: deg('afterMedianDeg'),
        },
      };
    }
    case 'camera': {
      const o = obj(v, 'message', ['type', 'url']);
      return { type: 'camera', url: str(o.url, 'camera.url', 2000, /^https?:\/\/[^\s"'<>]+$/) };
    }
    case 'profile': {
      const o = obj(v, 'message', ['type', 'summary', 'figures']);
      const s = obj(o.summary, 'profile.summary', [
        'meanPx',
        'medianPx',
        'meanDeg',
        'medianDeg',
        'distanceCm',
        'cmPerPx',
        'calibTargets',
        'calibSamples',
        'valPoints',
      ]);
      const n = (k: string, max: number, integer = false) => num(s[k], `profile.summary.${k}`, 0, max, integer);
      return {
        type: 'profile',
        figures: figures(o.figures, 'profile.figures'),
        summary: {
          meanPx: n('meanPx', 1e6),
          medianPx: n('medianPx', 1e6),
          meanDeg: n('meanDeg', 180),
          medianDeg: n('medianDeg', 180),
          distanceCm: n('distanceCm', 1000),
          cmPerPx: n('cmPerPx', 1),
          calibTargets: n('calibTargets', 1000, true),
          calibSamples: n('calibSamples', 1e5, true),
          valPoints: n('valPoints', 1e5, true),
        },
      };
    }
    default:
      throw new FormatError(`host message type ${describe(t)} is unknown`);
  }
}
