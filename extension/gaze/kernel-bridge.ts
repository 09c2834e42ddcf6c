/**
 * The real GazeKernelApi: kernel/gaze (DFT Gaze models, the synthetic near-eye generator, the OpenEDS/Aria loaders) run
 * in the extension host process. Loaded lazily by calibration.ts (tfjs starts only when the panel first needs it).
 *
 * Choices (options of createKernelGazeApi):
 *  - input size 32×64 (H×W) and the camera's whole view (gaze.DEFAULT_VIEW, 'rescale'): the frames the shipped weights
 *    were trained on; synthetic eyes are rendered at the camera's 3:4 rows and resampled to H, real frames are
 *    area-resized (OpenEDS 400×640 and an Aria eye half 240×320 both change aspect a little: 1.6 or 1.33 → 2);
 *  - synthetic users come from the unseen-users test split (users the model never saw), 100 frames each: frames 0–4
 *    look at the 5 calibration targets, the non-blink rest are held out;
 *  - personalization = gaze.personalize (stage-4 adapters) with a small replay set of generalized data
 *    (gaze.generalizedSet, 10 users × 60 frames, rendered once), as the paper mixes in a subset of G.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { init } from '../../kernel/core/backend';
import { NotFound, FormatError, InvalidInput } from '../../kernel/core/errors';
import * as gaze from '../../kernel/gaze';
import type { GazeModel, GazeSet } from '../../kernel/gaze';
import type { EyeFrames, FolderInfo, GazeKernelApi, RunOptions, UserData } from './kernel-api';

export interface KernelBridgeOptions {
  /** Model input height × width (default 32 × 64, the shipped weights' size). */
  height?: number;
  width?: number;
  /** How synthetic frames are made from the eye camera (default gaze.DEFAULT_VIEW, the shipped weights'). */
  view?: gaze.EyeView;
  /** Frames rendered per synthetic user (default 100). */
  framesPerUser?: number;
  /** Synthetic users available (ids 0 … maxUsers−1 of the test split; default 50). */
  maxUsers?: number;
  /** The generic model (default: the shipped student, gaze.loadGazeModel({ which: 'student' })). */
  loadModel?: () => GazeModel;
  /** Replay set (default gaze.generalizedSet({ users: 10, perUser: 60 })). */
  replay?: () => GazeSet;
  /** Render synthetic left eyes mirrored to right-eye form (the generator's flipLeft); must match how the shipped model
   * was trained (default false, as kernel/gaze/pipeline.ts trains today). */
  flipLeft?: boolean;
}

const CALIB = 5;

function frames(images: Float32Array, gz: Float32Array, idx: ArrayLike<number>, h: number, w: number): EyeFrames {
  const P = h * w,
    n = idx.length,
    data = new Float32Array(n * P),
    g = new Float32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    data.set(images.subarray(i * P, (i + 1) * P), k * P);
    g[2 * k] = gz[2 * i]!;
    g[2 * k + 1] = gz[2 * i + 1]!;
  }
  return { n, h, w, data, gaze: g };
}

const isAria = (dir: string) => existsSync(join(dir, 'mps', 'eye_gaze', 'general_eye_gaze.csv'));
const subdirs = (dir: string) =>
  readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort();

export function createKernelGazeApi(o: KernelBridgeOptions = {}): GazeKernelApi {
  const H = o.height ?? 32,
    W = o.width ?? 64,
    perUser = o.framesPerUser ?? 100,
    maxUsers = o.maxUsers ?? 50;
  let ready: Promise<unknown> | undefined;
  let model: GazeModel | undefined;
  let replay: GazeSet | undefined;
  const setup = async () => {
    await (ready ??= init({ backend: 'wasm' }));
    model ??= (o.loadModel ?? (() => gaze.loadGazeModel({ which: 'student' })))();
    replay ??= (o.replay ?? (() => gaze.generalizedSet({ height: H, width: W, users: 10, perUser: 60 })))();
    return { model, replay };
  };

  const fromLoaded = (set: gaze.world.LoadedGazeSet, label: string): UserData => {
    const ok: number[] = [];
    for (let i = 0; i < set.n; i++) if (Number.isFinite(set.gaze[2 * i]!) && Number.isFinite(set.gaze[2 * i + 1]!)) ok.push(i);
    if (ok.length <= CALIB)
      throw new FormatError(`${label}: ${ok.length} labeled frames; need more than ${CALIB} (5 calibrate, the rest are held out)`);
    return {
      label,
      calib: frames(set.images, set.gaze, ok.slice(0, CALIB), set.height, set.width),
      heldOut: frames(set.images, set.gaze, ok.slice(CALIB), set.height, set.width),
    };
  };

  return {
    async syntheticUser(q: { seed: number; user: number; sigmaKappaDeg: number } & RunOptions): Promise<UserData> {
      if (q.user >= maxUsers) throw new InvalidInput(`synthetic user must be in [0, ${maxUsers - 1}], got ${q.user}`);
      const h0 = gaze.viewRows(o.view ?? gaze.DEFAULT_VIEW, H, W);
      const raw = gaze.world.makeGazeDataset({
        split: 'test',
        protocol: 'unseenUsers',
        users: q.user + 1,
        perUser,
        height: h0,
        width: W,
        seed: q.seed,
        sigmaKappaDeg: q.sigmaKappaDeg,
        flipLeft: o.flipLeft ?? false,
        signal: q.signal,
        onProgress: (d, t) => q.onProgress?.(d / t, 'rendering'),
      });
      const ds = { ...raw, height: H, images: gaze.resampleRows(raw.images, raw.n, h0, W, H) };
      const sets = gaze.world.calibrationSets(ds);
      const s = sets[q.user];
      if (!s) throw new NotFound(`synthetic user ${q.user} not rendered (${sets.length} users)`);
      return {
        label: `synthetic user ${q.user} (seed ${q.seed}, σκ ${q.sigmaKappaDeg}°)`,
        calib: frames(ds.images, ds.gaze, s.calib, H, W),
        heldOut: frames(ds.images, ds.gaze, s.heldOut, H, W),
      };
    },

    async scanFolder(path: string): Promise<FolderInfo> {
      if (!existsSync(path) || !statSync(path).isDirectory()) throw new NotFound(`${path} is not a folder`);
      if (existsSync(join(path, 'sequences')) && existsSync(join(path, 'labels'))) {
        const users = subdirs(join(path, 'sequences')).filter((s) => existsSync(join(path, 'labels', `${s}.txt`)));
        if (!users.length) throw new FormatError(`${path}: sequences/ has no folder with a labels/<seq>.txt file`);
        return { format: 'OpenEDS2020', users };
      }
      if (isAria(path)) return { format: 'Aria MPS', users: [basename(path)] };
      const recs = subdirs(path).filter((d) => isAria(join(path, d)));
      if (recs.length) return { format: 'Aria MPS', users: recs };
      throw new NotFound(
        `${path}: expected an OpenEDS2020 split (sequences/<seq>/<NNN>.png + labels/<seq>.txt) or Aria recordings (frames/<timestamp_us>.png + mps/eye_gaze/general_eye_gaze.csv)`,
      );
    },

    async folderUser(path: string, user: string): Promise<UserData> {
      const info = await this.scanFolder(path);
      if (!info.users.includes(user))
        throw new NotFound(`${user} is not a user of ${path} (${info.users.slice(0, 5).join(', ')}${info.users.length > 5 ? ', …' : ''})`);
      if (info.format === 'OpenEDS2020')
        return fromLoaded(gaze.world.loadOpenEds(path, { sequences: [user], height: H, width: W }), `OpenEDS ${user}`);
      const dir = isAria(path) ? path : join(path, user);
      return fromLoaded(gaze.world.loadAriaRecording(dir, { height: H, width: W }), `Aria ${user}`);
    },

    async personalize(d: UserData, q: { steps: number } & RunOptions) {
      if (d.calib.h !== H || d.calib.w !== W) throw new InvalidInput(`frames are ${d.calib.h}×${d.calib.w}; the model takes ${H}×${W}`);
      q.onProgress?.(0, 'loading the model');
      const { model: m, replay: rep } = await setup();
      const trained = /^(\d+)x(\d+)$/.exec(m.meta.size ?? '');
      if (trained && (Number(trained[1]) !== H || Number(trained[2]) !== W)) {
        throw new InvalidInput(
          `the ${m.kind} weights were trained at ${m.meta.size} (H×W) but the panel feeds ${H}x${W}: set createKernelGazeApi({ height, width }) to match`,
        );
      }
      const batch = (f: EyeFrames) => ({ n: f.n, h: f.h, w: f.w, data: f.data });
      const before = gaze.predictGaze(m, batch(d.heldOut));
      const mine = await gaze.personalize(
        m,
        { images: batch(d.calib), gaze: d.calib.gaze },
        {
          replay: rep,
          steps: q.steps,
          seed: 0,
          signal: q.signal,
          progress: false,
          logEvery: 1,
          onLog: (e) => q.onProgress?.(e.step / q.steps, 'personalizing'),
        },
      );
      try {
        const after = gaze.predictGaze(mine, batch(d.heldOut));
        return { model: `DFT Gaze ${m.kind}${m.meta.size ? ` (${m.meta.size})` : ''}`, before, after, steps: q.steps };
      } finally {
        gaze.disposeGazeModel(mine);
      }
    },
  };
}
