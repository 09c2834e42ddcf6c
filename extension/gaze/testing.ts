/**
 * Test helpers for the gaze panel: a fake kernel API with known errors (no tfjs), and a valid camera profile.
 * The fake's generic model is off by a fixed yaw bias; its "personalized" model removes most of it, so tests can check
 * the numbers the session reports against values computed here by hand.
 */
import { rng } from '../../kernel/core/rng';
import type { EyeFrames, GazeKernelApi, PersonalizeRun, UserData } from './kernel-api';
import { fitRidge, FEATURES } from './ridge';
import { PROFILE_KIND, PROFILE_VERSION, type GazeProfile } from './profile';

export const FAKE_BIAS_RAD = (4 * Math.PI) / 180;

function frames(n: number, seed: number): EyeFrames {
  const r = rng(seed),
    h = 12,
    w = 16;
  const data = new Float32Array(n * h * w).map(() => r.next());
  const gaze = new Float32Array(2 * n).map(() => r.uniform(-0.3, 0.3));
  return { n, h, w, data, gaze };
}

export interface FakeCalls {
  synthetic: unknown[];
  scan: string[];
  folderUser: [string, string][];
  personalize: number[];
}

/** A fake GazeKernelApi; `slowMs` makes personalize wait (abortable) so tests can cancel it. */
export function fakeKernelApi(o: { users?: string[]; slowMs?: number } = {}): GazeKernelApi & { calls: FakeCalls } {
  const calls: FakeCalls = { synthetic: [], scan: [], folderUser: [], personalize: [] };
  const user = (label: string, seed: number): UserData => ({ label, calib: frames(5, seed), heldOut: frames(40, seed + 1) });
  return {
    calls,
    syntheticUser: async (q) => {
      calls.synthetic.push({ seed: q.seed, user: q.user, sigmaKappaDeg: q.sigmaKappaDeg });
      return user(`synthetic user ${q.user}`, q.seed * 100 + q.user);
    },
    scanFolder: async (path) => {
      calls.scan.push(path);
      return { format: 'openeds', users: o.users ?? ['seq-a'] };
    },
    folderUser: async (path, u) => {
      calls.folderUser.push([path, u]);
      return user(`OpenEDS ${u}`, 7);
    },
    personalize: async (d, q): Promise<PersonalizeRun> => {
      calls.personalize.push(q.steps);
      q.onProgress?.(0.5, 'personalize');
      if (o.slowMs) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, o.slowMs);
          q.signal?.addEventListener('abort', () => {
            clearTimeout(t);
            const e = new Error('aborted');
            e.name = 'Aborted';
            reject(e);
          });
        });
      }
      const g = d.heldOut.gaze;
      const before = g.map((v, i) => (i % 2 === 0 ? v + FAKE_BIAS_RAD : v));
      const after = g.map((v, i) => (i % 2 === 0 ? v + FAKE_BIAS_RAD / 4 : v));
      return { model: 'fake student', before, after, steps: q.steps };
    },
  };
}

/** A profile as the camera page builds it, from a real ridge fit on random data. */
export function sampleProfile(seed = 5): GazeProfile {
  const r = rng(seed);
  const F = Array.from({ length: 12 }, () => Array.from({ length: FEATURES }, () => r.uniform(0, 255)));
  const T = F.map((_, i) => ({ x: 100 * (i % 3), y: 80 * Math.floor(i / 3) }));
  const m = fitRidge(F, T);
  return {
    kind: PROFILE_KIND,
    version: PROFILE_VERSION,
    createdAt: new Date(0).toISOString(),
    features: { patchW: 10, patchH: 6, eyes: 2, equalize: true, landmarks: 'face-api test' },
    model: { lambda: m.lambda, mean: m.mean, wx: m.wx, wy: m.wy, bx: m.bx, by: m.by, looPx: m.looPx },
    screen: { widthPx: 1000, heightPx: 700, distanceCm: 60, cmPerPx: 2.54 / 96 },
    calibration: { targets: 9, samples: 12 },
    validation: { targets: 1, meanPx: 10, medianPx: 10, meanDeg: 0.25, medianDeg: 0.25, points: [{ tx: 1, ty: 2, px: 3, py: 4 }] },
  };
}
