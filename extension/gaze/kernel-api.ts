/**
 * What the Gaze Calibration panel needs from the DFT Gaze kernel (kernel/gaze), as a small interface, so the panel
 * logic (session.ts) is tested without tfjs and the real implementation (kernel-bridge.ts) stays one thin adapter.
 * All of it runs in the extension host process, never in the webview.
 *
 * Conventions (as kernel/gaze): images are gray Float32 in [0, 1], row-major, image after image; gaze labels are
 * (yaw, pitch) radians interleaved [yaw0, pitch0, yaw1, …].
 */

export interface EyeFrames {
  n: number;
  h: number;
  w: number;
  /** n·h·w gray values in [0, 1]. */
  data: Float32Array;
  /** n (yaw, pitch) pairs in radians (the label: visual axis). */
  gaze: Float32Array;
}

/** One user's calibration frames (the 5 personalization images) and held-out frames (evaluation). */
export interface UserData {
  /** Shown in the panel, e.g. "synthetic user 3 (seed 0, σκ 2°)" or "OpenEDS seq 0012". */
  label: string;
  calib: EyeFrames;
  heldOut: EyeFrames;
}

export interface FolderInfo {
  /** 'openeds' (sequences/<seq>/<NNN>.png + labels/<seq>.txt) or 'aea' (frames/<rec>/… + mps/eye_gaze/general_eye_gaze.csv). */
  format: string;
  /** Users (OpenEDS sequences / AEA recordings) the folder holds. */
  users: string[];
}

export interface PersonalizeRun {
  /** Which shipped model was adapted (e.g. "student (shipped weights)"). */
  model: string;
  /** Predictions on the held-out frames before and after personalization, (yaw, pitch) radians interleaved. */
  before: Float32Array;
  after: Float32Array;
  /** Steps actually run. */
  steps: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Progress in [0, 1] with a short phase name. */
  onProgress?: (fraction: number, phase: string) => void;
}

export interface GazeKernelApi {
  /** A synthetic unseen user (OpenEDS-like protocol): `calibFrames` calibration frames and the rest held out. */
  syntheticUser(o: { seed: number; user: number; sigmaKappaDeg: number } & RunOptions): Promise<UserData>;
  /** Detect the layout of a real-data folder and list its users; throws a named error (FormatError, NotFound) if neither. */
  scanFolder(path: string): Promise<FolderInfo>;
  /** One user of a scanned folder: the first 5 valid frames calibrate, the rest are held out. */
  folderUser(path: string, user: string, o?: RunOptions): Promise<UserData>;
  /** Predict with the shipped generic model, personalize a copy on `data.calib` (stage-4 adapters), predict again. */
  personalize(data: UserData, o: { steps: number } & RunOptions): Promise<PersonalizeRun>;
}

/** Angle in degrees between two gaze directions given as (yaw, pitch) radians (+yaw toward +x, +pitch toward +y). */
export function gazeAngleDeg(yaw1: number, pitch1: number, yaw2: number, pitch2: number): number {
  // direction ∝ (tan yaw, tan pitch, 1) — the OpenEDS convention kernel/gaze uses (yaw = atan2(x, z), pitch = atan2(y, z))
  const a = [Math.tan(yaw1), Math.tan(pitch1), 1],
    b = [Math.tan(yaw2), Math.tan(pitch2), 1];
  const c = (a[0]! * b[0]! + a[1]! * b[1]! + 1) / (Math.hypot(a[0]!, a[1]!, 1) * Math.hypot(b[0]!, b[1]!, 1));
  return (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;
}

/** Per-frame angular errors of interleaved (yaw, pitch) predictions against labels. */
export function gazeErrorsDeg(pred: Float32Array, gaze: Float32Array): Float64Array {
  if (pred.length !== gaze.length || pred.length % 2)
    throw new RangeError(`gazeErrorsDeg: ${pred.length} predictions for ${gaze.length} label values`);
  const out = new Float64Array(pred.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = gazeAngleDeg(pred[2 * i]!, pred[2 * i + 1]!, gaze[2 * i]!, gaze[2 * i + 1]!);
  return out;
}
