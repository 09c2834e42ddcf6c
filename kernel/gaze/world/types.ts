/**
 * Types of the DFT Gaze data side: the procedural near-eye generator (synth.ts), its protocols and calibration
 * sets, and the real-data loaders (loaders.ts). Model/training types live in types.ts.
 *
 * Units: millimetres for geometry, radians for gaze labels, degrees where a name ends in `Deg`.
 * Image pixels: Float32 in [0, 1], row-major, one channel, packed image after image (N·H·W).
 */

export type EyeSide = 'left' | 'right';

/** Hidden per-user parameters (the "person" and how the headset sits on them). All sampled by `sampleUser`. */
export interface GazeUser {
  /** Global user index (unique across splits of one generator seed). */
  id: number;
  /** Which eye the camera films; the left eye is the mirror image of the right (nasal direction flips). */
  side: EyeSide;
  /** Eyeball radius (mm), default range 11.5–12.8. Sets pupil displacement per degree (a scale error). */
  eyeRadius: number;
  /** Iris radius (mm), 5.6–6.4. */
  irisRadius: number;
  /** Cornea radius of curvature (mm), about 7.8; glints reflect on it. */
  corneaRadius: number;
  /** Resting pupil radius (mm); per-frame jitter multiplies it. */
  pupilRadius: number;
  /** Angle kappa: visual axis = R(kappa)·optical axis. Horizontal (toward nasal, signed in the label frame) and vertical, radians. */
  kappaYaw: number;
  kappaPitch: number;
  /** The standard-normal draws behind kappa's per-user deviation (kappa = mean + σ_κ·z), so σ_κ changes labels only. */
  kappaZ: [number, number];
  /**
   * How the fixed device camera sees this user's eye: distance (mm), off-axis angle from the eye's forward axis (deg),
   * azimuth (deg; 0 = straight below, + = toward nasal). The eye centre is placed accordingly in the device frame.
   */
  cameraDistance: number;
  cameraOffAxisDeg: number;
  cameraAzimuthDeg: number;
  /**
   * Headset slippage for this user's session, relative to the device (label) frame: translation of the eye centre (mm)
   * and rotation of the head — lids, skin, the primary gaze direction — in deg (x, y, z).
   */
  slipMm: [number, number, number];
  slipDeg: [number, number, number];
  /** Albedos (IR reflectance, 0–1). */
  pupilAlbedo: number;
  irisAlbedo: number;
  scleraAlbedo: number;
  skinAlbedo: number;
  /** Iris texture: complex amplitudes of angular harmonics 1..K (re, im interleaved) and radial ring frequency / phase. */
  irisHarmonics: Float32Array;
  irisRingFreq: number;
  irisRingPhase: number;
  /** Eyelids in sin-space of the eye sphere (u = unit direction from the eye centre): margin heights at rest, arch curvatures, centre offset. */
  lidUpper: number;
  lidLower: number;
  lidUpperArch: number;
  lidLowerArch: number;
  lidCenterX: number;
  /** How much the upper / lower lid follows vertical gaze (fraction of the optical axis' y). */
  lidUpperFollow: number;
  lidLowerFollow: number;
  /** Lash density (0–1) and length (sin-space units); per-user lash comb (256 samples across the lid). */
  lashDensity: number;
  lashLength: number;
  lashComb: Float32Array;
  /** Skin texture: low-frequency value-noise grid (16×16) over the sin-space directions around the eye. */
  skinNoise: Float32Array;
  /** Fixation targets this user looks at most (optical-axis yaw, pitch radians, packed) with mixture weights. */
  fixations: Float32Array;
  fixationWeights: Float32Array;
}

/** Ranges of the per-user hidden parameters (defaults = our generator spec). */
export interface UserRanges {
  eyeRadiusMm: [number, number];
  irisRadiusMm: [number, number];
  pupilRadiusMm: [number, number];
  /** Population-mean kappa (deg): horizontal toward nasal, vertical up. */
  kappaMeanDeg: [number, number];
  /** Per-user kappa deviation std (deg) per axis. 0 = accuracy bands; 2 = personalization experiments. */
  sigmaKappaDeg: number;
  cameraDistanceMm: [number, number];
  cameraOffAxisDeg: [number, number];
  cameraAzimuthDeg: [number, number];
  /** Headset slippage: ± translation (mm) and ± rotation (deg) per axis, uniform. */
  slipMm: number;
  slipDeg: number;
  /** Which eyes appear: 'both' (per-user coin flip), or one side only. */
  sides: 'both' | EyeSide;
}

/** Per-frame variation. */
export interface FrameRanges {
  /** Gaze range of the optical axis (deg): |yaw| ≤ yawDeg, |pitch| ≤ pitchDeg. */
  yawDeg: number;
  pitchDeg: number;
  /** Probability that a frame comes from the uniform tail instead of a fixation cluster. */
  tailProb: number;
  /** Std of the gaze jitter around a fixation target (deg). */
  fixationJitterDeg: number;
  /** Blink probability per frame (fully or mostly closed lids; flagged). */
  blinkProb: number;
  /** Pupil radius jitter (multiplicative, ±fraction). */
  pupilJitter: number;
  /** Per-frame slippage jitter on top of the session's (± mm, ± deg). */
  slipJitterMm: number;
  slipJitterDeg: number;
  /** Probability of a glare blob (the paper's named failure mode). */
  glareProb: number;
}

/** Rendering / sensor options. */
export interface RenderOptions {
  height: number;
  width: number;
  /** Horizontal field of view of the eye camera (deg). */
  fovDeg: number;
  /** Number of IR LEDs (glints), fixed per device, on a ring around the eye. */
  leds: number;
  /** Sensor noise: Gaussian read-noise std range and shot-noise factor. */
  noise: boolean;
  readNoise: [number, number];
  shotNoise: number;
  /** Random gain / offset ranges. */
  gain: [number, number];
  offset: [number, number];
  /** Vignetting strength (0 = none). */
  vignetting: number;
  /** Probability of a small defocus blur. */
  defocusProb: number;
  /** Refract rays at the corneal sphere before they reach the iris plane (default true). */
  refraction: boolean;
}

/** One frame's sampled state (what renderEye needs besides the user). */
export interface FrameState {
  /** Optical axis (what the image shows), radians. */
  opticalYaw: number;
  opticalPitch: number;
  /** Pupil radius this frame (mm). */
  pupilRadius: number;
  /** Lid closure 0 (open) … 1 (closed). Blink frames have closure in [0.85, 1] (the lids hide most or all of the pupil). */
  closure: number;
  blink: boolean;
  /** Per-frame slippage jitter (added to the user's session slippage). */
  slipMm: [number, number, number];
  slipDeg: [number, number, number];
  /** Sensor state: seed for the noise stream, gain, offset, read-noise std, defocus (0 = none), glare blob (or null). */
  noiseSeed: number;
  gain: number;
  offset: number;
  readNoise: number;
  defocus: number;
  glare: { x: number; y: number; r: number; a: number } | null;
  /** Calibration frame (looking at a calibration target). */
  calibration: boolean;
}

export type GazeProtocol = 'unseenUsers' | 'seenUsers';
/**
 * Splits. unseenUsers (OpenEDS-like): train / val / test are disjoint users (60 / 10 / 20 by default); in test, each
 * user's first 5 frames look at calibration targets. seenUsers (AEA-like): the same users, each user's frames split 8:1:1
 * into train / val (generalized test) / test (personal set D_P: 5 calibration frames + held-out rest).
 * pool: unlabeled images of other random users (labels returned for diagnostics only) with more glare, for distillation.
 */
export type GazeSplit = 'train' | 'val' | 'test' | 'pool';

export interface GazeDatasetOptions {
  split: GazeSplit;
  /** Default 'unseenUsers'. */
  protocol?: GazeProtocol;
  /** Number of users in this split (defaults: unseen train 60 / val 10 / test 20; seen: 60 for every split; pool 200). Max 1000 (pool 15000). */
  users?: number;
  /** Frames rendered per user for this split (defaults: unseen 300; seen train 240 / val 30 / test 30; pool 100). */
  perUser?: number;
  /** Image size (default 48×64 H×W). */
  height?: number;
  width?: number;
  /** Generator seed: the same seed gives the same users and frames in every split (default 0). */
  seed?: number;
  /** Per-user kappa deviation std (deg), default 0. Changes labels only, never images. */
  sigmaKappaDeg?: number;
  /** Override user ranges / frame ranges / render options (defaults: our generator spec). */
  userRanges?: Partial<UserRanges>;
  frameRanges?: Partial<FrameRanges>;
  render?: Partial<Omit<RenderOptions, 'height' | 'width'>>;
  /**
   * Mirror left-eye images horizontally and negate their yaw labels, so every image looks like a right eye (what
   * Meta's open Aria ET model does with one half of the frame). Default false (both eyes as filmed). Angular errors are
   * the same in the mirrored frame; negate the predicted yaw of `flipped` samples to get the original frame.
   */
  flipLeft?: boolean;
  /** Calibration frames per test user (default 5). */
  calibrationFrames?: number;
  /** Show a progress bar (kernel/core/progress; default false). */
  progress?: boolean;
  /** Progress callback (done, total) and abort. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** A rendered dataset. Images are plain typed arrays (no tensors): wrap with tf.tensor4d(images, [n, h, w, 1]). */
export interface GazeDataset {
  n: number;
  height: number;
  width: number;
  /** N·H·W floats in [0, 1]. */
  images: Float32Array;
  /** N (yaw, pitch) pairs in radians, interleaved: the VISUAL axis (label). */
  gaze: Float32Array;
  /** N (yaw, pitch) optical-axis pairs (what the image shows) — diagnostics only, never a training target. */
  optical: Float32Array;
  /** Global user id per image. */
  userId: Int32Array;
  /** Frame index within the user's stream. */
  frame: Int32Array;
  /** 1 = blink frame (lids mostly closed; exclude from accuracy). */
  blink: Uint8Array;
  /** 1 = calibration frame (test split: the 5 per-user calibration images). */
  calib: Uint8Array;
  /** 1 = left-eye image mirrored to right-eye form with its yaw negated (option flipLeft). */
  flipped: Uint8Array;
  /**
   * 1 = the pupil centre projects inside the image (≥ 1 px from the border). 0 (the pupil at least about half cut off)
   * happens for extreme eye placement × gaze on wide crops (a few % of frames at 32×64, ~none at 48×64): little gaze
   * information is left; drop them like blinks (calibrationSets' held-out sets already do).
   */
  inFrame: Uint8Array;
  /** The hidden users present, by id order of first appearance. */
  users: GazeUser[];
  protocol: GazeProtocol;
  split: GazeSplit;
  seed: number;
  sigmaKappaDeg: number;
}
