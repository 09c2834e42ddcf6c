/**
 * Procedural near-eye IR image generator for DFT Gaze (pure TS, seeded, no DOM, no tensors).
 *
 * API (everything returns plain typed arrays):
 *
 *   makeGazeDataset({ split, protocol?, users?, perUser?, height?, width?, seed?, sigmaKappaDeg?, flipLeft?,
 *                     userRanges?, frameRanges?, render?, calibrationFrames?, onProgress?, progress?, signal? }): GazeDataset
 *     split: 'train' | 'val' | 'test' | 'pool'; protocol: 'unseenUsers' (default, OpenEDS-like) | 'seenUsers' (AEA-like).
 *     → { n, height, width, images: Float32Array(n·H·W in [0,1]), gaze: Float32Array(2n: yaw, pitch rad = VISUAL axis, the label),
 *         optical: Float32Array(2n, diagnostics), userId: Int32Array, frame: Int32Array, blink: Uint8Array, calib: Uint8Array,
 *         flipped: Uint8Array (flipLeft: left-eye image mirrored and its yaw negated), inFrame: Uint8Array (pupil centre
 *         projects inside the image; 0 ⇒ pupil ≥ about half cut off: drop like a blink),
 *         users: GazeUser[], protocol, split, seed, sigmaKappaDeg }
 *   calibrationSets(ds) → per-user { userId, calib: Int32Array, heldOut: Int32Array } (indices into ds; heldOut = the
 *         user's other frames that are not blinks and have the pupil in frame)
 *   subsetDataset(ds, indices) → GazeDataset             (e.g. the 5 calibration images of one user)
 *   sampleUser(seed, { id?, userRanges?, sigmaKappaDeg? }) → GazeUser          (hidden per-user parameters)
 *   sampleFrame(user, frameSeed, { frameRanges?, render?, calibrationTarget? }) → FrameState
 *   renderEye(user, frame, { height?, width?, render?, out? }) → Float32Array(H·W)  (deterministic given user + frame)
 *   frameLabel(user, frame) → { yaw, pitch, opticalYaw, opticalPitch } (radians, device frame)
 *   pupilImagePosition(user, frame, { height?, width?, render?, margin? }) → { x, y, inFrame }
 *   eyeImageGeometry(user, frame, { … }) → { pupil, centre, radiusPx, inFrame }  (ground truth, for analysis only)
 *   toGazeSet(ds) → { images: { n, h, w, data }, gaze, user }  (the model side's GazeSet shape)
 *
 * Geometry (mm). The label frame is the DEVICE frame (like Aria's CPF and OpenEDS's headset frame): x toward +yaw,
 * y up, z forward (geometry.ts conventions); the eye camera is rigidly mounted in it (factory-calibrated pose, fixed for
 * every user): 32.5 mm from the nominal eye centre, 25° off-axis, below and toward nasal, aimed at the nominal corneal region
 * (3 mm up, 6 mm forward of the centre) so the palpebral fissure fills the frame.
 * Per user, anatomy and fit move the EYE relative to the device: its centre sits so that the camera sees it from
 * 30–35 mm and 20–30° off-axis (azimuth 20–40° nasal of straight below), plus headset slippage (±2 mm translation of the
 * eye centre, ±3° rotation of the head — lids, skin, primary gaze — relative to the device). The head-frame optical axis
 * is sampled (yaw ±25°, pitch ±20°); the image shows the optical axis; the label is the visual axis R(κ)·o rotated
 * into the device frame. Left eyes are mirror images (the nasal direction flips).
 *
 * Each pixel casts a ray from the pinhole into the scene: eyeball sphere (radius R_e) → if the hit is on the corneal cap
 * the ray is refracted by the corneal sphere (radius ≈ 7.8 mm, n = 1.376: the pupil looks larger and shifted, as in
 * real eyes) and continues to the iris plane (distance √(R_e² − r_i²) from the centre along o), classified pupil / iris
 * (angular + radial texture, per user) / limbus; otherwise sclera with Lambert shading. Eyelids are head-fixed curves
 * on the globe (quadratic arches in sin-space, upper lid following vertical gaze), with lashes and a margin shadow; skin
 * outside has low-frequency texture. Glints: LEDs on a ring fixed in the device, reflected by a corneal sphere
 * (radius ≈ 7.8 mm); drawn where the half-vector normal lies on the cornea and the lids do not hide it. Sensor: vignetting,
 * gain/offset, Gaussian read noise + shot noise, occasional defocus blur and glare blobs. Edges are anti-aliased
 * analytically (smoothstep over one pixel footprint), so sub-pixel pupil motion is visible at small sizes.
 */
import { Aborted, InvalidInput, checkInt, describe } from '../../core/errors';
import { rng } from '../../core/rng';
import { progress as makeProgress } from '../../core/progress';
import { DEG, applyKappa, yawPitchToVector, vectorToYawPitch } from '../geometry';
import type {
  FrameRanges,
  FrameState,
  GazeDataset,
  GazeDatasetOptions,
  GazeProtocol,
  GazeSplit,
  GazeUser,
  RenderOptions,
  UserRanges,
} from './types';

// ───────────────────────────── defaults ─────────────────────────────

/** Per-user ranges: our generator spec (near-eye anatomy and headset geometry; our accuracy targets are defined on these). */
export const DEFAULT_USER_RANGES: Readonly<UserRanges> = Object.freeze({
  eyeRadiusMm: [11.5, 12.8] as [number, number],
  irisRadiusMm: [5.6, 6.4] as [number, number],
  pupilRadiusMm: [1.3, 2.4] as [number, number],
  kappaMeanDeg: [5, 1.5] as [number, number],
  sigmaKappaDeg: 0,
  cameraDistanceMm: [30, 35] as [number, number],
  cameraOffAxisDeg: [20, 30] as [number, number],
  cameraAzimuthDeg: [20, 40] as [number, number],
  slipMm: 2,
  slipDeg: 3,
  sides: 'both' as const,
});

export const DEFAULT_FRAME_RANGES: Readonly<FrameRanges> = Object.freeze({
  yawDeg: 25,
  pitchDeg: 20,
  tailProb: 0.3,
  fixationJitterDeg: 2,
  blinkProb: 0.025,
  pupilJitter: 0.15,
  slipJitterMm: 0.2,
  slipJitterDeg: 0.3,
  glareProb: 0.03,
});

export const DEFAULT_RENDER: Readonly<Omit<RenderOptions, 'height' | 'width'>> = Object.freeze({
  fovDeg: 58,
  leds: 6,
  noise: true,
  readNoise: [0.01, 0.035] as [number, number],
  shotNoise: 0.02,
  gain: [0.85, 1.15] as [number, number],
  offset: [-0.04, 0.04] as [number, number],
  vignetting: 0.35,
  defocusProb: 0.25,
  refraction: true,
});

/** Default image size (H×W). */
export const DEFAULT_HEIGHT = 48;
export const DEFAULT_WIDTH = 64;

/** Split sizes of our OpenEDS-like protocol and the AEA-like fractions (the datasets of arXiv 2411.04335 §4, reproduced in shape). */
export const PROTOCOL_DEFAULTS = Object.freeze({
  unseenUsers: { train: 60, val: 10, test: 20, perUser: 300 },
  seenUsers: { users: 60, framesPerUser: 300, fractions: [0.8, 0.1, 0.1] as const },
  pool: { users: 200, perUser: 100, glareProb: 0.15 },
  calibrationFrames: 5,
});

/** First global user id of each split (ids stay disjoint: up to 1000 users per split, 15000 in the pool: ids 5000–19999). */
const USER_ID_BASE: Record<GazeSplit, number> = { train: 0, val: 1000, test: 2000, pool: 5000 };

/** Calibration targets (optical axis, head frame, degrees): centre + four corners, as a 5-point calibration grid. */
export const CALIBRATION_TARGETS_DEG: ReadonlyArray<readonly [number, number]> = Object.freeze([
  [0, 0],
  [-15, 10],
  [15, 10],
  [-15, -10],
  [15, -10],
] as const);

/** Global fixation targets (head frame, deg): a clustered, imbalanced gaze distribution (so K-means balancing matters). */
const FIXATION_TARGETS_DEG: ReadonlyArray<readonly [number, number]> = [
  [0, -5],
  [0, 0],
  [-8, -8],
  [8, -8],
  [-18, 5],
  [18, 5],
  [0, 12],
  [-12, -15],
  [12, -15],
  [20, -12],
  [-20, -12],
  [5, 15],
];

/** Nominal camera mount in the device frame (fixed for everyone). */
const CAMERA_NOMINAL = Object.freeze({ distance: 32.5, offAxisDeg: 25, azimuthDeg: 30, aim: [0, 3, 6] as const });

// ───────────────────────────── small vector helpers ─────────────────────────────

type V3 = [number, number, number];
const dot = (a: V3, b: V3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: V3): V3 => {
  const l = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / l, a[1] / l, a[2] / l];
};
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: V3, b: V3): V3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale = (a: V3, s: number): V3 => [a[0] * s, a[1] * s, a[2] * s];

/** Row-major 3×3 rotation from small angles (deg) about x, then y, then z: R = Rz·Ry·Rx. */
function rotXYZ(ax: number, ay: number, az: number): number[] {
  const [cx, sx, cy, sy, cz, sz] = [
    Math.cos(ax * DEG),
    Math.sin(ax * DEG),
    Math.cos(ay * DEG),
    Math.sin(ay * DEG),
    Math.cos(az * DEG),
    Math.sin(az * DEG),
  ];
  // Rx = [1,0,0;0,cx,-sx;0,sx,cx], Ry = [cy,0,sy;0,1,0;-sy,0,cy], Rz = [cz,-sz,0;sz,cz,0;0,0,1]
  return [
    cz * cy,
    cz * sy * sx - sz * cx,
    cz * sy * cx + sz * sx,
    sz * cy,
    sz * sy * sx + cz * cx,
    sz * sy * cx - cz * sx,
    -sy,
    cy * sx,
    cy * cx,
  ];
}
const mv = (m: number[], v: V3): V3 => [
  m[0]! * v[0] + m[1]! * v[1] + m[2]! * v[2],
  m[3]! * v[0] + m[4]! * v[1] + m[5]! * v[2],
  m[6]! * v[0] + m[7]! * v[1] + m[8]! * v[2],
];

/** Unit direction at off-axis angle `off` (deg) from +z, azimuth `az` (deg) measured from straight below (−y) toward nasal (sign s on x). */
function offAxisDir(offDeg: number, azDeg: number, s: number): V3 {
  const so = Math.sin(offDeg * DEG),
    co = Math.cos(offDeg * DEG);
  return [s * so * Math.sin(azDeg * DEG), -so * Math.cos(azDeg * DEG), co];
}

/** Deterministic seed mixing (integer hash of several ints). */
export function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5 | 0;
  for (const x of xs) {
    let v = (x | 0) ^ Math.floor(x / 4294967296);
    v = Math.imul(v ^ (v >>> 16), 0x7feb352d);
    v = Math.imul(v ^ (v >>> 15), 0x846ca68b);
    h = Math.imul(h ^ v ^ (v >>> 16), 0x01000193);
  }
  return (h ^ (h >>> 15)) & 0x7fffffff;
}

const nasalSign = (side: GazeUser['side']): number => (side === 'right' ? 1 : -1);

// ───────────────────────────── users ─────────────────────────────

function checkRange(name: string, r: unknown): [number, number] {
  if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || r[0] > r[1]) {
    throw new InvalidInput(`${name} must be a [lo, hi] pair of finite numbers with lo ≤ hi, got ${describe(r)}`);
  }
  return r as [number, number];
}

function resolveUserRanges(o?: Partial<UserRanges>, sigmaKappaDeg?: number): UserRanges {
  const r: UserRanges = { ...DEFAULT_USER_RANGES, ...(o ?? {}) } as UserRanges;
  if (sigmaKappaDeg !== undefined) r.sigmaKappaDeg = sigmaKappaDeg;
  for (const k of ['eyeRadiusMm', 'irisRadiusMm', 'pupilRadiusMm', 'cameraDistanceMm', 'cameraOffAxisDeg', 'cameraAzimuthDeg'] as const)
    checkRange(`userRanges.${k}`, r[k]);
  if (!Array.isArray(r.kappaMeanDeg) || r.kappaMeanDeg.length !== 2 || !r.kappaMeanDeg.every(Number.isFinite))
    throw new InvalidInput(`userRanges.kappaMeanDeg must be [horizontal, vertical] degrees, got ${describe(r.kappaMeanDeg)}`);
  if (!(r.sigmaKappaDeg >= 0 && r.sigmaKappaDeg <= 20))
    throw new InvalidInput(`sigmaKappaDeg must be in [0, 20] degrees, got ${describe(r.sigmaKappaDeg)}`);
  if (!(r.slipMm >= 0 && r.slipMm <= 6)) throw new InvalidInput(`userRanges.slipMm must be in [0, 6] mm, got ${describe(r.slipMm)}`);
  if (!(r.slipDeg >= 0 && r.slipDeg <= 10))
    throw new InvalidInput(`userRanges.slipDeg must be in [0, 10] degrees, got ${describe(r.slipDeg)}`);
  if (r.irisRadiusMm[1] >= r.eyeRadiusMm[0])
    throw new InvalidInput(
      `userRanges.irisRadiusMm ${describe(r.irisRadiusMm)} must stay below the eyeball radius ${describe(r.eyeRadiusMm)}`,
    );
  if (!['both', 'left', 'right'].includes(r.sides))
    throw new InvalidInput(`userRanges.sides must be 'both', 'left' or 'right', got ${describe(r.sides)}`);
  return r;
}

function resolveFrameRanges(o?: Partial<FrameRanges>): FrameRanges {
  const r: FrameRanges = { ...DEFAULT_FRAME_RANGES, ...(o ?? {}) };
  if (!(r.yawDeg > 0 && r.yawDeg <= 45) || !(r.pitchDeg > 0 && r.pitchDeg <= 40))
    throw new InvalidInput(
      `frameRanges.yawDeg / pitchDeg must be in (0, 45] / (0, 40], got ${describe(r.yawDeg)} / ${describe(r.pitchDeg)}`,
    );
  for (const k of ['tailProb', 'blinkProb', 'glareProb', 'pupilJitter'] as const) {
    if (!(r[k] >= 0 && r[k] <= 1)) throw new InvalidInput(`frameRanges.${k} must be in [0, 1], got ${describe(r[k])}`);
  }
  return r;
}

function resolveRender(o: Partial<RenderOptions> | undefined, height: number, width: number): RenderOptions {
  const r: RenderOptions = { ...DEFAULT_RENDER, ...(o ?? {}), height, width } as RenderOptions;
  checkInt('height', height, 8, 1024);
  checkInt('width', width, 8, 1024);
  if (!(r.fovDeg >= 20 && r.fovDeg <= 120)) throw new InvalidInput(`render.fovDeg must be in [20, 120], got ${describe(r.fovDeg)}`);
  checkInt('render.leds', r.leds, 0, 16);
  return r;
}

/**
 * Sample one user's hidden parameters from `seed` (the same seed gives the same user; sigmaKappaDeg only scales the
 * stored kappa deviation draws, so it changes labels and never images).
 */
export function sampleUser(seed: number, opts: { id?: number; userRanges?: Partial<UserRanges>; sigmaKappaDeg?: number } = {}): GazeUser {
  const R = resolveUserRanges(opts.userRanges, opts.sigmaKappaDeg);
  const r = rng(seed);
  const u = (a: [number, number]) => r.uniform(a[0], a[1]);
  const side: GazeUser['side'] = R.sides === 'both' ? (r.next() < 0.5 ? 'right' : 'left') : R.sides;
  const eyeRadius = u(R.eyeRadiusMm);
  const irisRadius = u(R.irisRadiusMm);
  const kz: [number, number] = [r.normal(), r.normal()];
  const s = nasalSign(side);
  const K = 10;
  const harm = new Float32Array(2 * K);
  for (let k = 0; k < K; k++) {
    const a = (0.16 / Math.sqrt(k + 1)) * r.uniform(0.3, 1),
      ph = r.uniform(0, 2 * Math.PI);
    harm[2 * k] = a * Math.cos(ph);
    harm[2 * k + 1] = a * Math.sin(ph);
  }
  const comb = new Float32Array(256);
  const nLash = Math.round(r.uniform(40, 90));
  for (let i = 0; i < nLash; i++) {
    const c = r.uniform(0, 256),
      w = r.uniform(0.6, 1.8),
      a = r.uniform(0.5, 1);
    for (let j = Math.max(0, Math.floor(c - 3 * w)); j < Math.min(256, Math.ceil(c + 3 * w)); j++)
      comb[j] = Math.min(1, comb[j]! + a * Math.exp(-((j - c) ** 2) / (2 * w * w)));
  }
  const skin = new Float32Array(16 * 16);
  for (let i = 0; i < skin.length; i++) skin[i] = r.uniform(-1, 1);
  const nf = 4 + r.int(3);
  const pick = r.sample(FIXATION_TARGETS_DEG.length, nf);
  const fix = new Float32Array(2 * nf),
    fw = new Float32Array(nf);
  let wsum = 0;
  for (let i = 0; i < nf; i++) {
    const t = FIXATION_TARGETS_DEG[pick[i]!]!;
    fix[2 * i] = t[0] * DEG;
    fix[2 * i + 1] = t[1] * DEG;
    fw[i] = -Math.log(1 - r.next() * 0.999) * (i === 0 ? 3 : 1); // exponential weights, one dominant cluster
    wsum += fw[i]!;
  }
  for (let i = 0; i < nf; i++) fw[i] = fw[i]! / wsum;
  const slip = () => r.uniform(-1, 1);
  return {
    id: opts.id ?? 0,
    side,
    eyeRadius,
    irisRadius,
    corneaRadius: r.uniform(7.4, 8.2),
    pupilRadius: u(R.pupilRadiusMm),
    kappaYaw: s * (R.kappaMeanDeg[0] + R.sigmaKappaDeg * kz[0]) * DEG,
    kappaPitch: (R.kappaMeanDeg[1] + R.sigmaKappaDeg * kz[1]) * DEG,
    kappaZ: kz,
    cameraDistance: u(R.cameraDistanceMm),
    cameraOffAxisDeg: u(R.cameraOffAxisDeg),
    cameraAzimuthDeg: u(R.cameraAzimuthDeg),
    slipMm: [slip() * R.slipMm, slip() * R.slipMm, slip() * R.slipMm],
    slipDeg: [slip() * R.slipDeg, slip() * R.slipDeg, slip() * R.slipDeg],
    pupilAlbedo: r.uniform(0.03, 0.1),
    irisAlbedo: r.uniform(0.28, 0.5),
    scleraAlbedo: r.uniform(0.62, 0.85),
    skinAlbedo: r.uniform(0.48, 0.75),
    irisHarmonics: harm,
    irisRingFreq: r.uniform(1.5, 3.5),
    irisRingPhase: r.uniform(0, 2 * Math.PI),
    lidUpper: r.uniform(0.3, 0.46),
    lidLower: r.uniform(-0.5, -0.36),
    lidUpperArch: r.uniform(0.45, 0.7),
    lidLowerArch: r.uniform(0.3, 0.5),
    lidCenterX: r.uniform(-0.08, 0.08),
    lidUpperFollow: r.uniform(0.6, 0.9),
    lidLowerFollow: r.uniform(0.2, 0.4),
    lashDensity: r.uniform(0.3, 0.9),
    lashLength: r.uniform(0.1, 0.2),
    lashComb: comb,
    skinNoise: skin,
    fixations: fix,
    fixationWeights: fw,
  };
}

// ───────────────────────────── frames ─────────────────────────────

/**
 * Sample one frame's state for `user` from `frameSeed`. `calibrationTarget` (deg, head frame) makes a calibration
 * frame (the user fixates the target; never a blink).
 */
export function sampleFrame(
  user: GazeUser,
  frameSeed: number,
  opts: { frameRanges?: Partial<FrameRanges>; render?: Partial<RenderOptions>; calibrationTarget?: readonly [number, number] } = {},
): FrameState {
  const F = resolveFrameRanges(opts.frameRanges);
  const Rn = { ...DEFAULT_RENDER, ...(opts.render ?? {}) };
  const r = rng(frameSeed);
  const ymax = F.yawDeg * DEG,
    pmax = F.pitchDeg * DEG;
  let yaw: number, pitch: number;
  const mode = r.next(),
    pick = r.next();
  const j1 = r.normal(),
    j2 = r.normal();
  const calib = opts.calibrationTarget !== undefined;
  if (calib) {
    yaw = opts.calibrationTarget![0] * DEG + 0.3 * DEG * j1;
    pitch = opts.calibrationTarget![1] * DEG + 0.3 * DEG * j2;
  } else if (mode < F.tailProb) {
    yaw = (2 * r.next() - 1) * ymax;
    pitch = (2 * r.next() - 1) * pmax;
  } else {
    let k = 0,
      acc = user.fixationWeights[0]!;
    while (pick > acc && k < user.fixationWeights.length - 1) acc += user.fixationWeights[++k]!;
    yaw = user.fixations[2 * k]! + F.fixationJitterDeg * DEG * j1;
    pitch = user.fixations[2 * k + 1]! + F.fixationJitterDeg * DEG * j2;
  }
  yaw = Math.max(-ymax, Math.min(ymax, yaw));
  pitch = Math.max(-pmax, Math.min(pmax, pitch));
  const blink = !calib && r.next() < F.blinkProb;
  const closure = blink ? r.uniform(0.85, 1) : r.uniform(0, 0.12);
  const pupilRadius = user.pupilRadius * (1 + F.pupilJitter * (2 * r.next() - 1));
  const sj = () => 2 * r.next() - 1;
  const slipMm: [number, number, number] = [sj() * F.slipJitterMm, sj() * F.slipJitterMm, sj() * F.slipJitterMm];
  const slipDeg: [number, number, number] = [sj() * F.slipJitterDeg, sj() * F.slipJitterDeg, sj() * F.slipJitterDeg];
  const glare = r.next() < F.glareProb ? { x: r.next(), y: r.next(), r: r.uniform(0.08, 0.25), a: r.uniform(0.3, 0.9) } : null;
  const defocus = r.next() < Rn.defocusProb ? 1 + r.int(2) : 0;
  return {
    opticalYaw: yaw,
    opticalPitch: pitch,
    pupilRadius,
    closure,
    blink,
    slipMm,
    slipDeg,
    noiseSeed: r.seedInt(),
    gain: r.uniform(Rn.gain[0], Rn.gain[1]),
    offset: r.uniform(Rn.offset[0], Rn.offset[1]),
    readNoise: r.uniform(Rn.readNoise[0], Rn.readNoise[1]),
    defocus,
    glare,
    calibration: calib,
  };
}

/** Head orientation in the device frame (session slippage + frame jitter; rotations in deg). */
function headRotation(user: GazeUser, f: FrameState): number[] {
  return rotXYZ(user.slipDeg[0] + f.slipDeg[0], user.slipDeg[1] + f.slipDeg[1], user.slipDeg[2] + f.slipDeg[2]);
}

/** Label of a frame: visual axis (yaw, pitch) and the optical axis, in the device frame (radians). */
export function frameLabel(user: GazeUser, f: FrameState): { yaw: number; pitch: number; opticalYaw: number; opticalPitch: number } {
  const Rh = headRotation(user, f);
  const [vy, vp] = applyKappa(f.opticalYaw, f.opticalPitch, user.kappaYaw, user.kappaPitch);
  const [yaw, pitch] = vectorToYawPitch(mv(Rh, yawPitchToVector(vy, vp)));
  const [oy, op] = vectorToYawPitch(mv(Rh, yawPitchToVector(f.opticalYaw, f.opticalPitch)));
  return { yaw, pitch, opticalYaw: oy, opticalPitch: op };
}

// ───────────────────────────── rendering ─────────────────────────────

/** 64K standard normals shared by all sensor-noise draws (indexed from a per-frame seed). */
let NOISE_TABLE: Float32Array | null = null;
function noiseTable(): Float32Array {
  if (!NOISE_TABLE) NOISE_TABLE = rng(0x5eed).normals(1 << 16);
  return NOISE_TABLE;
}

const VIGNETTE = new Map<string, Float32Array>();
function vignette(h: number, w: number): Float32Array {
  const key = `${h}x${w}`;
  let v = VIGNETTE.get(key);
  if (!v) {
    v = new Float32Array(h * w);
    const cx = w / 2,
      cy = h / 2,
      rr = cx * cx + cy * cy;
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) v[i * w + j] = ((j + 0.5 - cx) ** 2 + (i + 0.5 - cy) ** 2) / rr;
    VIGNETTE.set(key, v);
  }
  return v;
}

const RAYS = new Map<string, Float32Array>();
/** Unit ray directions (device frame) of every pixel for the fixed camera, cached per size. */
function rayTable(H: number, W: number, fpx: number, X: V3, Y: V3, Z: V3): Float32Array {
  const key = `${H}x${W}x${fpx}`;
  let t = RAYS.get(key);
  if (!t) {
    t = new Float32Array(3 * H * W);
    for (let i = 0; i < H; i++) {
      const yn = (i + 0.5 - H / 2) / fpx;
      for (let j = 0; j < W; j++) {
        const xn = (j + 0.5 - W / 2) / fpx;
        const d = norm([X[0] * xn + Y[0] * yn + Z[0], X[1] * xn + Y[1] * yn + Z[1], X[2] * xn + Y[2] * yn + Z[2]]);
        t.set(d, 3 * (i * W + j));
      }
    }
    if (RAYS.size > 16) RAYS.clear();
    RAYS.set(key, t);
  }
  return t;
}

/** Air → cornea/aqueous refraction ratio (1 / 1.376). */
const ETA = 1 / 1.376;

const smooth = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

/** Camera pose in the device frame: position and axes (x right, y down in the image, z forward). */
export function cameraPose(): { C: V3; X: V3; Y: V3; Z: V3 } {
  // The mount is nasal-below for the RIGHT eye; left-eye users are rendered mirrored (x flipped in the eye geometry).
  const C = scale(offAxisDir(CAMERA_NOMINAL.offAxisDeg, CAMERA_NOMINAL.azimuthDeg, 1), CAMERA_NOMINAL.distance);
  const Z = norm(sub(CAMERA_NOMINAL.aim as V3, C));
  const down: V3 = [0, -1, 0];
  const Y = norm(sub(down, scale(Z, dot(down, Z))));
  const X = cross(Y, Z);
  return { C, X, Y, Z };
}

/** Eye centre in the device frame for a user and frame (right-eye geometry; left eyes are mirrored at the end). */
function eyeCentre(user: GazeUser, f: FrameState): V3 {
  const { C } = cameraPose();
  // the camera sees this user's eye from cameraDistance at cameraOffAxisDeg / cameraAzimuthDeg
  const dir = offAxisDir(user.cameraOffAxisDeg, user.cameraAzimuthDeg, 1);
  const E = sub(C, scale(dir, user.cameraDistance));
  // slippage x is mirrored into the right-eye form for left eyes (the whole scene is rendered mirrored)
  const sx = nasalSign(user.side);
  return add(E, [sx * (user.slipMm[0] + f.slipMm[0]), user.slipMm[1] + f.slipMm[1], user.slipMm[2] + f.slipMm[2]]);
}

/** Focal length in pixels (the horizontal field of view spans the image width). */
function focalPx(Ro: RenderOptions): number {
  return Ro.width / 2 / Math.tan((Ro.fovDeg * DEG) / 2);
}

/**
 * Eye pose of a frame in right-eye form (a left eye is rendered as the mirrored right eye, then the image columns are
 * flipped): nasal sign s, eye centre E, head rotation RhM, head-frame and device-frame optical axes, iris-plane distance.
 */
function eyeGeometry(user: GazeUser, frame: FrameState): { s: number; E: V3; RhM: number[]; oHead: V3; o: V3; di: number } {
  const s = nasalSign(user.side);
  const E = eyeCentre(user, frame);
  // mirror for left eyes: head-frame yaw flips sign; the slippage rotation is mirrored accordingly
  const sd = user.slipDeg,
    fd = frame.slipDeg;
  const RhM = s > 0 ? headRotation(user, frame) : rotXYZ(sd[0] + fd[0], -(sd[1] + fd[1]), -(sd[2] + fd[2]));
  const oHead = yawPitchToVector(s * frame.opticalYaw, frame.opticalPitch);
  const Re = user.eyeRadius,
    ri = user.irisRadius;
  return { s, E, RhM, oHead, o: mv(RhM, oHead), di: Math.sqrt(Re * Re - ri * ri) };
}

/**
 * Where the pupil centre (iris-plane centre, unrefracted) lands in the image, in pixel coordinates (x right, y down,
 * pixel centres at +0.5), and whether it is inside the frame with `margin` pixels to spare. When it is not, the pupil
 * is at least about half cut off and little gaze information is left: makeGazeDataset flags such frames in `inFrame`.
 */
export function pupilImagePosition(
  user: GazeUser,
  frame: FrameState,
  opts: ImageGeometryOptions = {},
): { x: number; y: number; inFrame: boolean } {
  const g = eyeImageGeometry(user, frame, opts);
  return { x: g.pupil.x, y: g.pupil.y, inFrame: g.inFrame };
}

export interface ImageGeometryOptions {
  height?: number;
  width?: number;
  render?: Partial<Omit<RenderOptions, 'height' | 'width'>>;
  margin?: number;
}

/**
 * Ground-truth image geometry of a frame (pixel coordinates, x right, y down): the pupil centre (iris-plane centre,
 * unrefracted), the eyeball centre and the eyeball's apparent radius. For analysis (e.g. how much of the label an
 * ideal feature extractor could recover), never an input to a model.
 */
export function eyeImageGeometry(
  user: GazeUser,
  frame: FrameState,
  opts: ImageGeometryOptions = {},
): { pupil: { x: number; y: number }; centre: { x: number; y: number }; radiusPx: number; inFrame: boolean } {
  const H = opts.height ?? DEFAULT_HEIGHT,
    W = opts.width ?? DEFAULT_WIDTH;
  const Ro = resolveRender(opts.render, H, W);
  const { C, X, Y, Z } = cameraPose();
  const { s, E, o, di } = eyeGeometry(user, frame);
  const f = focalPx(Ro);
  const project = (P: V3): { x: number; y: number; z: number } => {
    const p = sub(P, C),
      z = dot(p, Z);
    const x = (dot(p, X) / z) * f + W / 2;
    return { x: s < 0 ? W - x : x, y: (dot(p, Y) / z) * f + H / 2, z };
  };
  const pu = project(add(E, scale(o, di))),
    ce = project(E);
  const m = opts.margin ?? 1;
  return {
    pupil: { x: pu.x, y: pu.y },
    centre: { x: ce.x, y: ce.y },
    radiusPx: (user.eyeRadius / ce.z) * f,
    inFrame: pu.z > 0 && pu.x >= m && pu.x <= W - m && pu.y >= m && pu.y <= H - m,
  };
}

export interface RenderEyeOptions {
  height?: number;
  width?: number;
  render?: Partial<Omit<RenderOptions, 'height' | 'width'>>;
  /** Write into this array (length H·W) instead of allocating. */
  out?: Float32Array;
}

/**
 * Render one near-eye IR image (H·W floats in [0, 1], row-major) of `user` in state `frame`. Pure function of its
 * arguments: the same user and frame always give the same bytes.
 */
export function renderEye(user: GazeUser, frame: FrameState, opts: RenderEyeOptions = {}): Float32Array {
  const H = opts.height ?? DEFAULT_HEIGHT,
    W = opts.width ?? DEFAULT_WIDTH;
  const Ro = resolveRender(opts.render, H, W);
  const out = opts.out ?? new Float32Array(H * W);
  if (out.length !== H * W) throw new InvalidInput(`renderEye: out has length ${out.length}; expected H·W = ${H * W}`);
  const cam = cameraPose();
  const fpx = focalPx(Ro);
  const { s, E, RhM, oHead, o, di } = eyeGeometry(user, frame);
  const Re = user.eyeRadius,
    ri = user.irisRadius,
    rp = frame.pupilRadius;
  const cosLimbus = (di - 0.6) / Re; // corneal cap slightly wider than the iris (limbus ring)
  // iris-plane basis (e1, e2 ⟂ o), stable wrt head frame
  const hx = mv(RhM, [1, 0, 0]);
  const e1 = norm(sub(hx, scale(o, dot(hx, o))));
  const e2 = cross(o, e1);
  const C = cam.C,
    X = cam.X,
    Y = cam.Y,
    Z = cam.Z;
  const oc = sub(C, E);
  const c0 = dot(oc, oc) - Re * Re;
  const footMm = Math.hypot(oc[0], oc[1], oc[2]) / fpx; // mm per pixel at the eye
  const wEdge = Math.max(footMm, 0.05);
  const wSin = wEdge / Re; // lid softness in sin-space
  // lids (head frame, sin-space), with gaze following and closure
  const oyHead = oHead[1];
  let lu = user.lidUpper + user.lidUpperFollow * oyHead;
  let ll = user.lidLower + user.lidLowerFollow * oyHead;
  const meet = ll + 0.25 * (lu - ll); // lids meet in the lower part of the fissure
  lu = lu + (meet - lu) * frame.closure;
  ll = ll + (meet - ll) * frame.closure;
  const au = user.lidUpperArch,
    al = user.lidLowerArch,
    lcx = user.lidCenterX;
  const harm = user.irisHarmonics,
    K = harm.length / 2;
  const comb = user.lashComb,
    lashL = user.lashLength,
    lashD = user.lashDensity;
  const skinN = user.skinNoise;
  const pa = user.pupilAlbedo,
    ia = user.irisAlbedo,
    sa = user.scleraAlbedo,
    ka = user.skinAlbedo;
  const ringF = (user.irisRingFreq * 2 * Math.PI) / ri,
    ringP = user.irisRingPhase;
  // head-frame axes as rows: u_head = RhM^T n → components via dot with columns
  const hX: V3 = [RhM[0]!, RhM[3]!, RhM[6]!],
    hY: V3 = [RhM[1]!, RhM[4]!, RhM[7]!];
  const vig = vignette(H, W),
    vs = Ro.vignetting;
  const rays = rayTable(H, W, fpx, X, Y, Z);
  // corneal sphere (relative to E): apex 1.1 mm in front of the eyeball sphere along o
  const refract = Ro.refraction,
    rcor = user.corneaRadius,
    rc2 = rcor * rcor,
    irc = 1 / rcor;
  const ccx = o[0] * (Re + 1.1 - rcor),
    ccy = o[1] * (Re + 1.1 - rcor),
    ccz = o[2] * (Re + 1.1 - rcor);
  const ocx = oc[0],
    ocy = oc[1],
    ocz = oc[2],
    oc2 = c0 + Re * Re,
    dome = 1 / (1.6 * Re) ** 2;
  for (let i = 0; i < H; i++) {
    for (let jj = 0; jj < W; jj++) {
      const ri3 = 3 * (i * W + jj);
      const dx = rays[ri3]!,
        dy = rays[ri3 + 1]!,
        dz = rays[ri3 + 2]!;
      const b = dx * ocx + dy * ocy + dz * ocz;
      const disc = b * b - c0;
      // skin shading: a smooth dome (1.6·R_e) around the eye from the ray's closest approach, so lids draped over the
      // globe do not reveal its silhouette
      const q = (oc2 - b * b) * dome;
      const skinShade = q < 1 ? Math.sqrt(1 - q) : 0;
      let nx: number, ny: number, nz: number, shade: number, hit: boolean;
      if (disc > 0) {
        const t = -b - Math.sqrt(disc);
        nx = (ocx + t * dx) / Re;
        ny = (ocy + t * dy) / Re;
        nz = (ocz + t * dz) / Re;
        shade = -(nx * dx + ny * dy + nz * dz);
        hit = true;
      } else {
        const t = -b;
        nx = ocx + t * dx;
        ny = ocy + t * dy;
        nz = ocz + t * dz;
        const l = 1 / Math.sqrt(nx * nx + ny * ny + nz * nz);
        nx *= l;
        ny *= l;
        nz *= l;
        shade = 0;
        hit = false;
      }
      // head-frame sin-space coordinates (nasal = +x for the right-eye geometry)
      const ux = nx * hX[0] + ny * hX[1] + nz * hX[2] - lcx;
      const uy = nx * hY[0] + ny * hY[1] + nz * hY[2];
      const up = lu - au * ux * ux,
        lo = ll + al * ux * ux;
      const dU = up - uy,
        dL = uy - lo;
      const open = hit ? smooth(Math.min(dU, dL) / wSin + 0.5) : 0;
      // skin: low-frequency value noise on (ux, uy) ∈ [−1.6, 1.6]²
      let gx = (ux + 1.6) * (15 / 3.2),
        gy = (uy + 1.6) * (15 / 3.2);
      gx = gx < 0 ? 0 : gx > 14.999 ? 14.999 : gx;
      gy = gy < 0 ? 0 : gy > 14.999 ? 14.999 : gy;
      const ix = gx | 0,
        iy = gy | 0,
        fx = gx - ix,
        fy = gy - iy;
      const n00 = skinN[iy * 16 + ix]!,
        n01 = skinN[iy * 16 + ix + 1]!,
        n10 = skinN[iy * 16 + 16 + ix]!,
        n11 = skinN[iy * 16 + 17 + ix]!;
      const nse = (n00 * (1 - fx) + n01 * fx) * (1 - fy) + (n10 * (1 - fx) + n11 * fx) * fy;
      let skin = ka * (1 + 0.22 * nse) * (0.55 + 0.45 * skinShade);
      // lid margin shadow (both lids) and the upper-lid crease
      const md = Math.min(Math.abs(dU), Math.abs(dL));
      if (md < 0.09) skin *= 0.7 + 0.3 * (md / 0.09);
      const crease = uy - up - 0.16;
      if (crease > -0.05 && crease < 0.05) skin *= 0.85 + 3 * Math.abs(crease);
      let v = skin;
      if (open > 0) {
        let eye: number;
        const cosT = nx * o[0] + ny * o[1] + nz * o[2];
        if (cosT > cosLimbus) {
          // through the cornea (refracted at the corneal sphere, n = 1.376) to the iris plane
          let px0 = ocx,
            py0 = ocy,
            pz0 = ocz,
            rx = dx,
            ry = dy,
            rz = dz;
          if (refract) {
            const ax = ocx - ccx,
              ay = ocy - ccy,
              az = ocz - ccz;
            const b2 = dx * ax + dy * ay + dz * az,
              disc2 = b2 * b2 - (ax * ax + ay * ay + az * az - rc2);
            if (disc2 > 0) {
              const t2 = -b2 - Math.sqrt(disc2);
              px0 = ocx + t2 * dx;
              py0 = ocy + t2 * dy;
              pz0 = ocz + t2 * dz;
              const mx = (px0 - ccx) * irc,
                my = (py0 - ccy) * irc,
                mz = (pz0 - ccz) * irc;
              const ci = -(dx * mx + dy * my + dz * mz),
                kk = 1 - ETA * ETA * (1 - ci * ci);
              if (kk > 0) {
                const f2 = ETA * ci - Math.sqrt(kk);
                rx = ETA * dx + f2 * mx;
                ry = ETA * dy + f2 * my;
                rz = ETA * dz + f2 * mz;
              }
            }
          }
          const dO = rx * o[0] + ry * o[1] + rz * o[2];
          const ti = (di - (px0 * o[0] + py0 * o[1] + pz0 * o[2])) / dO;
          const qx = px0 + ti * rx,
            qy = py0 + ti * ry,
            qz = pz0 + ti * rz; // relative to E
          const a1 = qx * e1[0] + qy * e1[1] + qz * e1[2],
            a2 = qx * e2[0] + qy * e2[1] + qz * e2[2];
          const rr = Math.sqrt(a1 * a1 + a2 * a2);
          if (rr < rp + wEdge) {
            const k = smooth((rr - rp) / wEdge + 0.5);
            eye = pa + (ia * 0.8 - pa) * k;
          } else {
            // iris texture: Σ Re(A_k z^k) with z = e^{iφ}, radial rings and a darker collarette; limbus fades to sclera
            const zr = a1 / rr,
              zi = a2 / rr;
            let pr = zr,
              pi = zi,
              tex = 0;
            for (let k = 0; k < K; k++) {
              tex += harm[2 * k]! * pr - harm[2 * k + 1]! * pi;
              const nr = pr * zr - pi * zi;
              pi = pr * zi + pi * zr;
              pr = nr;
            }
            const rel = (rr - rp) / (ri - rp);
            const iris = ia * (1 + tex + 0.08 * Math.cos(ringF * rr + ringP)) * (rel < 0.25 ? 0.8 + 0.8 * rel : 1);
            const lim = smooth((rr - ri) / (wEdge + 0.5) + 0.5);
            const sclera = sa * (0.45 + 0.55 * shade);
            const limbusDark = Math.exp(-(((rr - ri) / 0.7) ** 2));
            eye = (iris * (1 - lim) + sclera * lim) * (1 - 0.45 * limbusDark);
          }
        } else {
          eye = sa * (0.45 + 0.55 * shade);
        }
        v = open * eye + (1 - open) * skin;
      }
      // upper-lid lashes (hang over the eye from the margin)
      // (seen from below, lashes in front of the margin project onto the lid skin above it, with a little overhang)
      if (lashD > 0 && dU > -lashL && dU < 0.3 * lashL) {
        const along = (ux + 1) * 128 - 40 * dU;
        const ci = along < 0 ? 0 : along > 255 ? 255 : along | 0;
        const fall = dU < 0 ? 1 + dU / lashL : 1 - dU / (0.3 * lashL);
        v *= 1 - 0.85 * lashD * comb[ci]! * fall;
      }
      out[i * W + jj] = v * (1 - vs * vig[i * W + jj]!);
    }
  }
  // glints: LEDs on a ring in the device frame (right-eye geometry), reflected by the corneal sphere
  if (Ro.leds > 0 && frame.closure < 0.85) {
    const rc = user.corneaRadius;
    const Cc = add(E, scale(o, Re + 1.1 - rc));
    const sigPx = Math.max(0.45, 0.18 / footMm);
    for (let k = 0; k < Ro.leds; k++) {
      const a = (2 * Math.PI * k) / Ro.leds + 0.3;
      const L: V3 = [22 * Math.cos(a), 18 * Math.sin(a), 20];
      let n = norm(add(norm(sub(L, Cc)), norm(sub(C, Cc))));
      for (let it = 0; it < 3; it++) {
        const g = add(Cc, scale(n, rc));
        n = norm(add(norm(sub(L, g)), norm(sub(C, g))));
      }
      if (dot(n, o) < 0.7) continue; // off the corneal cap
      const g = add(Cc, scale(n, rc));
      const ge = norm(sub(g, E));
      const ux = dot(ge, hX) - lcx,
        uy = dot(ge, hY);
      if (uy > lu - au * ux * ux - 0.02 || uy < ll + al * ux * ux + 0.02) continue; // hidden by a lid
      const pc = sub(g, C);
      const zc = dot(pc, Z);
      if (zc <= 0) continue;
      const u = (dot(pc, X) / zc) * fpx + W / 2 - 0.5,
        w = (dot(pc, Y) / zc) * fpx + H / 2 - 0.5;
      const r0 = Math.ceil(3 * sigPx);
      for (let i = Math.max(0, Math.floor(w - r0)); i <= Math.min(H - 1, Math.ceil(w + r0)); i++) {
        for (let j = Math.max(0, Math.floor(u - r0)); j <= Math.min(W - 1, Math.ceil(u + r0)); j++) {
          out[i * W + j] = out[i * W + j]! + 0.95 * Math.exp(-((i - w) ** 2 + (j - u) ** 2) / (2 * sigPx * sigPx));
        }
      }
    }
  }
  if (s < 0) for (let i = 0; i < H; i++) out.subarray(i * W, (i + 1) * W).reverse();
  // sensor: defocus, glare, gain/offset, noise, clip
  for (let k = 0; k < frame.defocus; k++) blur121(out, H, W);
  if (frame.glare) {
    const g = frame.glare,
      gx = g.x * W,
      gy = g.y * H,
      gr = g.r * W;
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) out[i * W + j] = out[i * W + j]! + g.a * Math.exp(-((i - gy) ** 2 + (j - gx) ** 2) / (gr * gr));
  }
  const tab = noiseTable(),
    mask = tab.length - 1;
  let p = frame.noiseSeed & mask;
  const step = ((frame.noiseSeed >>> 16) | 1) & mask;
  const noise = Ro.noise,
    rn = frame.readNoise,
    sn = Ro.shotNoise,
    gain = frame.gain,
    off = frame.offset;
  for (let q = 0; q < out.length; q++) {
    let v = out[q]! * gain + off;
    if (noise) {
      v += (rn + sn * Math.sqrt(v > 0 ? v : 0)) * tab[p]!;
      p = (p + step) & mask;
    }
    out[q] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/** In-place separable [1,2,1]/4 blur (edge-clamped). */
function blur121(a: Float32Array, H: number, W: number): void {
  const row = new Float32Array(Math.max(H, W));
  for (let i = 0; i < H; i++) {
    const o = i * W;
    for (let j = 0; j < W; j++) row[j] = a[o + j]!;
    for (let j = 0; j < W; j++) a[o + j] = 0.25 * row[j > 0 ? j - 1 : 0]! + 0.5 * row[j]! + 0.25 * row[j < W - 1 ? j + 1 : W - 1]!;
  }
  for (let j = 0; j < W; j++) {
    for (let i = 0; i < H; i++) row[i] = a[i * W + j]!;
    for (let i = 0; i < H; i++) a[i * W + j] = 0.25 * row[i > 0 ? i - 1 : 0]! + 0.5 * row[i]! + 0.25 * row[i < H - 1 ? i + 1 : H - 1]!;
  }
}

// ───────────────────────────── datasets / protocols ─────────────────────────────

interface PlanItem {
  user: GazeUser;
  frame: number;
  calib: boolean;
  target?: readonly [number, number];
}

/** Seen-users protocol: which split frame f of a user belongs to (8:1:1 by a deterministic hash). */
export function seenSplitOf(seed: number, userId: number, frame: number): Exclude<GazeSplit, 'pool'> {
  const u = mixSeed(seed, userId, frame, 0x5e11) / 2147483648;
  const [a, b] = PROTOCOL_DEFAULTS.seenUsers.fractions;
  return u < a ? 'train' : u < a + b ? 'val' : 'test';
}

/** The user with global id `id` of a generator seed (same in every split and every call). */
export function userOf(seed: number, id: number, opts: { userRanges?: Partial<UserRanges>; sigmaKappaDeg?: number } = {}): GazeUser {
  return sampleUser(mixSeed(seed, id, 0x05e4), { id, userRanges: opts.userRanges, sigmaKappaDeg: opts.sigmaKappaDeg });
}

/** Seed of frame f of user id (so a frame is the same whichever split or count asks for it). */
export function frameSeed(seed: number, userId: number, frame: number): number {
  return mixSeed(seed, userId, frame, 0xf4a3e);
}

/**
 * Render a dataset for one split of a protocol. Deterministic in (seed, options); users are identical across splits
 * and calls (user id → parameters), so `seenUsers` train / val / test share users with disjoint frames and
 * `unseenUsers` splits have disjoint users. σ_κ changes `gaze` only (images are byte-identical).
 */
export function makeGazeDataset(opts: GazeDatasetOptions): GazeDataset {
  if (opts == null || typeof opts !== 'object')
    throw new InvalidInput(`makeGazeDataset: expected an options object, got ${describe(opts)}`);
  const split = opts.split;
  if (!['train', 'val', 'test', 'pool'].includes(split))
    throw new InvalidInput(`makeGazeDataset: split must be 'train', 'val', 'test' or 'pool', got ${describe(split)}`);
  const protocol: GazeProtocol = opts.protocol ?? 'unseenUsers';
  if (protocol !== 'unseenUsers' && protocol !== 'seenUsers')
    throw new InvalidInput(`makeGazeDataset: protocol must be 'unseenUsers' or 'seenUsers', got ${describe(protocol)}`);
  const seed = opts.seed ?? 0;
  checkInt('seed', seed, -2147483648, 2147483647);
  const H = opts.height ?? DEFAULT_HEIGHT,
    W = opts.width ?? DEFAULT_WIDTH;
  const render = resolveRender(opts.render, H, W);
  const sigma = opts.sigmaKappaDeg ?? opts.userRanges?.sigmaKappaDeg ?? 0;
  resolveUserRanges(opts.userRanges, sigma);
  const frameRanges: Partial<FrameRanges> = { ...(opts.frameRanges ?? {}) };
  if (split === 'pool' && opts.frameRanges?.glareProb === undefined) frameRanges.glareProb = PROTOCOL_DEFAULTS.pool.glareProb;
  resolveFrameRanges(frameRanges);
  const nCal = checkInt(
    'calibrationFrames',
    opts.calibrationFrames ?? PROTOCOL_DEFAULTS.calibrationFrames,
    0,
    CALIBRATION_TARGETS_DEG.length * 4,
  );

  const defUsers =
    split === 'pool'
      ? PROTOCOL_DEFAULTS.pool.users
      : protocol === 'seenUsers'
        ? PROTOCOL_DEFAULTS.seenUsers.users
        : PROTOCOL_DEFAULTS.unseenUsers[split];
  const nUsers = checkInt('users', opts.users ?? defUsers, 1, split === 'pool' ? 15000 : 1000); // ids stay disjoint across splits
  const fr = PROTOCOL_DEFAULTS.seenUsers.fractions;
  const defPer =
    split === 'pool'
      ? PROTOCOL_DEFAULTS.pool.perUser
      : protocol === 'seenUsers'
        ? Math.round(PROTOCOL_DEFAULTS.seenUsers.framesPerUser * (split === 'train' ? fr[0] : split === 'val' ? fr[1] : fr[2]))
        : PROTOCOL_DEFAULTS.unseenUsers.perUser;
  const perUser = checkInt('perUser', opts.perUser ?? defPer, 1, 100000);
  const base = split === 'pool' ? USER_ID_BASE.pool : protocol === 'seenUsers' ? 0 : USER_ID_BASE[split];

  const plan: PlanItem[] = [];
  const users: GazeUser[] = [];
  for (let k = 0; k < nUsers; k++) {
    const user = userOf(seed, base + k, { userRanges: opts.userRanges, sigmaKappaDeg: sigma });
    users.push(user);
    if (protocol === 'seenUsers' && split !== 'pool') {
      let taken = 0,
        calibTaken = 0;
      for (let f = 0; taken < perUser; f++) {
        if (seenSplitOf(seed, user.id, f) !== split) continue;
        // AEA-like D_P: the first nCal frames of the personal split are the calibration images (ordinary frames)
        const isCal = split === 'test' && calibTaken < nCal;
        plan.push({ user, frame: f, calib: isCal });
        if (isCal) calibTaken++;
        taken++;
      }
    } else {
      for (let f = 0; f < perUser; f++) {
        const isCal = split === 'test' && f < nCal;
        plan.push({
          user,
          frame: f,
          calib: isCal,
          target: isCal ? CALIBRATION_TARGETS_DEG[f % CALIBRATION_TARGETS_DEG.length] : undefined,
        });
      }
    }
  }
  const N = plan.length,
    P = H * W;
  const images = new Float32Array(N * P);
  const gaze = new Float32Array(2 * N),
    optical = new Float32Array(2 * N);
  const userId = new Int32Array(N),
    frameIdx = new Int32Array(N),
    blink = new Uint8Array(N),
    calib = new Uint8Array(N),
    flipped = new Uint8Array(N);
  const inFrame = new Uint8Array(N);
  const prog = opts.progress ? makeProgress(N, `rendering ${split} eyes`, { unit: 'img' }) : null;
  const renderOpts = { height: H, width: W, render };
  for (let k = 0; k < N; k++) {
    if (opts.signal?.aborted) {
      prog?.stop('aborted');
      throw new Aborted(`makeGazeDataset aborted after ${k} of ${N} images`);
    }
    const it = plan[k]!;
    const fs = sampleFrame(it.user, frameSeed(seed, it.user.id, it.frame), { frameRanges, render, calibrationTarget: it.target });
    const img = renderEye(it.user, fs, { ...renderOpts, out: images.subarray(k * P, (k + 1) * P) });
    const lab = frameLabel(it.user, fs);
    const flip = opts.flipLeft === true && it.user.side === 'left';
    if (flip) for (let i = 0; i < H; i++) img.subarray(i * W, (i + 1) * W).reverse();
    const sg = flip ? -1 : 1;
    gaze[2 * k] = sg * lab.yaw;
    gaze[2 * k + 1] = lab.pitch;
    optical[2 * k] = sg * lab.opticalYaw;
    optical[2 * k + 1] = lab.opticalPitch;
    flipped[k] = flip ? 1 : 0;
    inFrame[k] = pupilImagePosition(it.user, fs, { height: H, width: W, render }).inFrame ? 1 : 0;
    userId[k] = it.user.id;
    frameIdx[k] = it.frame;
    blink[k] = fs.blink ? 1 : 0;
    calib[k] = it.calib ? 1 : 0;
    if ((k & 255) === 255) {
      opts.onProgress?.(k + 1, N);
      prog?.tick(256);
    }
  }
  opts.onProgress?.(N, N);
  prog?.done();
  return {
    n: N,
    height: H,
    width: W,
    images,
    gaze,
    optical,
    userId,
    frame: frameIdx,
    blink,
    calib,
    flipped,
    inFrame,
    users,
    protocol,
    split,
    seed,
    sigmaKappaDeg: sigma,
  };
}

/** Copy of the samples `indices` of a dataset (users list kept whole). */
export function subsetDataset(ds: GazeDataset, indices: ArrayLike<number>): GazeDataset {
  const P = ds.height * ds.width,
    n = indices.length;
  const images = new Float32Array(n * P),
    gaze = new Float32Array(2 * n),
    optical = new Float32Array(2 * n);
  const userId = new Int32Array(n),
    frame = new Int32Array(n),
    blink = new Uint8Array(n),
    calib = new Uint8Array(n),
    flipped = new Uint8Array(n),
    inFrame = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new InvalidInput(`subsetDataset: index ${describe(i)} is outside [0, ${ds.n})`);
    images.set(ds.images.subarray(i * P, (i + 1) * P), k * P);
    gaze[2 * k] = ds.gaze[2 * i]!;
    gaze[2 * k + 1] = ds.gaze[2 * i + 1]!;
    optical[2 * k] = ds.optical[2 * i]!;
    optical[2 * k + 1] = ds.optical[2 * i + 1]!;
    userId[k] = ds.userId[i]!;
    frame[k] = ds.frame[i]!;
    blink[k] = ds.blink[i]!;
    calib[k] = ds.calib[i]!;
    flipped[k] = ds.flipped[i]!;
    inFrame[k] = ds.inFrame[i]!;
  }
  return { ...ds, n, images, gaze, optical, userId, frame, blink, calib, flipped, inFrame };
}

/**
 * Per-user calibration split of a test set: `calib` = that user's calibration frames (flagged in ds.calib; the 5
 * calibration-target images for unseenUsers, the first 5 personal frames for seenUsers), `heldOut` = the user's other
 * non-blink frames whose pupil is in frame (evaluate before/after personalization on exactly these). Indices into ds.
 */
export function calibrationSets(ds: GazeDataset): { userId: number; calib: Int32Array; heldOut: Int32Array }[] {
  const by = new Map<number, { c: number[]; h: number[] }>();
  for (let i = 0; i < ds.n; i++) {
    const u = ds.userId[i]!;
    let e = by.get(u);
    if (!e) {
      e = { c: [], h: [] };
      by.set(u, e);
    }
    if (ds.calib[i]) e.c.push(i);
    else if (!ds.blink[i] && ds.inFrame[i]) e.h.push(i);
  }
  return [...by.entries()].map(([userId, e]) => ({ userId, calib: Int32Array.from(e.c), heldOut: Int32Array.from(e.h) }));
}

/** The model side's GazeSet shape (types.ts): images as an EyeBatch, labels, user ids. No copies. */
export function toGazeSet(ds: GazeDataset): {
  images: { n: number; h: number; w: number; data: Float32Array };
  gaze: Float32Array;
  user: Int32Array;
} {
  return { images: { n: ds.n, h: ds.height, w: ds.width, data: ds.images }, gaze: ds.gaze, user: ds.userId };
}
