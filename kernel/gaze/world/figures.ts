/**
 * Figures for the synthetic near-eye data (payloads from kernel/viz; show them with `show()`):
 *   eyeGrid(ds, { indices?, count?, cols?, scale?, arrows?, pred? }) → image-overlay: a grid of eyes with the label
 *       (green) and optionally a prediction (red) drawn as gaze arrows; blink frames boxed.
 *   generatorSpecTable() → table: the generator's defaults next to the spec we wrote for it.
 *   userTable(users, { max? }) → table: hidden per-user parameters (kappa, eyeball radius, camera view, slippage).
 */
import { imageOverlay, table } from '../../viz';
import type { ImageOverlayFigure, TableFigure } from '../../viz/types';
import { InvalidInput, checkInt, describe } from '../../core/errors';
import { DEG } from '../geometry';
import { DEFAULT_FRAME_RANGES, DEFAULT_RENDER, DEFAULT_USER_RANGES, PROTOCOL_DEFAULTS } from './synth';
import type { GazeUser } from './types';

/** What eyeGrid needs of a dataset (GazeDataset and LoadedGazeSet both fit). */
export interface EyeImages {
  n: number;
  height: number;
  width: number;
  images: Float32Array;
  gaze: Float32Array;
  blink?: Uint8Array;
}

export interface EyeGridOptions {
  /** Which images (default: the first `count`). */
  indices?: ArrayLike<number>;
  count?: number;
  /** Tiles per row (default 8). */
  cols?: number;
  /** Integer upscaling of each tile (default: so tiles are ≥ 96 px wide, max 4). */
  scale?: number;
  /** Draw the label gaze as an arrow (default true). */
  arrows?: boolean;
  /** Predicted gazes (packed yaw, pitch per dataset index) drawn in red. */
  pred?: ArrayLike<number>;
  /** Arrow length in tile widths per radian of tan(angle) (default 0.9). */
  arrowGain?: number;
  title?: string;
  caption?: string;
}

/** A grid of eye images with gaze arrows (+yaw → right, +pitch → up). */
export function eyeGrid(ds: EyeImages, opts: EyeGridOptions = {}): ImageOverlayFigure {
  if (ds == null || !(ds.images instanceof Float32Array))
    throw new InvalidInput(`eyeGrid: expected a dataset with Float32Array images, got ${describe(ds)}`);
  const idx = opts.indices
    ? Array.from(opts.indices)
    : Array.from({ length: Math.min(ds.n, checkInt('eyeGrid: count', opts.count ?? 16, 1, 1024)) }, (_, i) => i);
  if (idx.length === 0) throw new InvalidInput('eyeGrid: no images selected');
  for (const i of idx)
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new InvalidInput(`eyeGrid: index ${describe(i)} is outside [0, ${ds.n})`);
  if (opts.pred && opts.pred.length !== 2 * ds.n)
    throw new InvalidInput(`eyeGrid: pred has length ${opts.pred.length}; expected 2·n = ${2 * ds.n}`);
  const h = ds.height,
    w = ds.width;
  const s = checkInt('eyeGrid: scale', opts.scale ?? Math.max(1, Math.min(4, Math.ceil(96 / w))), 1, 16);
  const cols = Math.min(idx.length, checkInt('eyeGrid: cols', opts.cols ?? 8, 1, 64));
  const rows = Math.ceil(idx.length / cols);
  const pad = 2 * s;
  const TW = w * s + pad,
    TH = h * s + pad;
  const W = cols * TW,
    H = rows * TH;
  const px = new Uint8Array(W * H).fill(255);
  const points: ImageOverlayFigure['points'] = [];
  const arrows: NonNullable<ImageOverlayFigure['arrows']> = [];
  const boxes: NonNullable<ImageOverlayFigure['boxes']> = [];
  const gain = (opts.arrowGain ?? 0.9) * w * s;
  idx.forEach((i, k) => {
    const ox = (k % cols) * TW + pad / 2,
      oy = Math.floor(k / cols) * TH + pad / 2;
    for (let y = 0; y < h * s; y++)
      for (let x = 0; x < w * s; x++) {
        const v = ds.images[i * h * w + Math.floor(y / s) * w + Math.floor(x / s)]!;
        px[(oy + y) * W + ox + x] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
    const cx = ox + (w * s) / 2,
      cy = oy + (h * s) / 2;
    const arrow = (yaw: number, pitch: number, color: string, label?: string) => {
      const a: NonNullable<ImageOverlayFigure['arrows']>[number] = {
        x: cx,
        y: cy,
        dx: gain * Math.tan(yaw),
        dy: -gain * Math.tan(pitch),
        color,
      };
      if (label) a.label = label;
      arrows.push(a);
    };
    if (opts.arrows ?? true) arrow(ds.gaze[2 * i]!, ds.gaze[2 * i + 1]!, '#2ca02c');
    if (opts.pred) arrow(opts.pred[2 * i]!, opts.pred[2 * i + 1]!, '#d62728');
    if (ds.blink?.[i]) boxes.push({ x: ox, y: oy, w: w * s, h: h * s, label: 'blink', color: '#ff7f0e' });
  });
  return imageOverlay({
    title: opts.title ?? `Synthetic near-eye images (${h}×${w})`,
    caption:
      opts.caption ?? `green: label (visual axis)${opts.pred ? '; red: prediction' : ''}; arrows point along +yaw → right, +pitch → up`,
    width: W,
    height: H,
    channels: 1,
    data: px,
    float: false,
    ...(points.length ? { points } : {}),
    ...(arrows.length ? { arrows } : {}),
    ...(boxes.length ? { boxes } : {}),
  });
}

const rng2 = (r: readonly [number, number], unit = '') => `${r[0]}–${r[1]}${unit}`;

/** The generator's defaults beside the spec we wrote for it (what our accuracy targets are defined on). */
export function generatorSpecTable(): TableFigure {
  const U = DEFAULT_USER_RANGES,
    F = DEFAULT_FRAME_RANGES,
    R = DEFAULT_RENDER,
    P = PROTOCOL_DEFAULTS;
  const rows = [
    { item: 'Eyeball radius', spec: '11.5–12.8 mm', ours: rng2(U.eyeRadiusMm, ' mm') },
    { item: 'Iris radius', spec: '5.6–6.4 mm', ours: rng2(U.irisRadiusMm, ' mm') },
    { item: 'Gaze range (optical axis, head frame)', spec: 'yaw ±25°, pitch ±20°', ours: `yaw ±${F.yawDeg}°, pitch ±${F.pitchDeg}°` },
    {
      item: 'Gaze distribution',
      spec: 'clustered fixations + uniform tail',
      ours: `4–6 per-user fixation clusters (±${F.fixationJitterDeg}°) + ${F.tailProb * 100}% uniform tail`,
    },
    {
      item: 'Camera',
      spec: '30–35 mm, 20–30° off-axis, below + nasal',
      ours: `${rng2(U.cameraDistanceMm, ' mm')}, ${rng2(U.cameraOffAxisDeg, '°')} off-axis, azimuth ${rng2(U.cameraAzimuthDeg, '°')} nasal of below`,
    },
    {
      item: 'Headset slippage',
      spec: '±2 mm, ±3°',
      ours: `±${U.slipMm} mm eye-centre translation, ±${U.slipDeg}° head rotation (+ per-frame ±${F.slipJitterMm} mm / ±${F.slipJitterDeg}°)`,
    },
    {
      item: 'Angle kappa',
      spec: 'mean ≈5° nasal, 1–2° up; σ_κ per user',
      ours: `mean ${U.kappaMeanDeg[0]}° nasal, ${U.kappaMeanDeg[1]}° up; σ_κ option (default ${U.sigmaKappaDeg}°)`,
    },
    { item: 'Label vs image', spec: 'label = visual axis, image = optical axis', ours: 'same; label in the device frame' },
    { item: 'Blinks', spec: '2–3% of frames, flagged', ours: `${F.blinkProb * 100}% (lid closure 0.85–1), flagged` },
    { item: 'Glints', spec: '4–8 LEDs fixed per device', ours: `${R.leds} LEDs on a device ring, corneal sphere ≈7.8 mm` },
    {
      item: 'Sensor',
      spec: 'vignetting, gain/offset, read + shot noise, defocus, glare',
      ours: `vignetting ${R.vignetting}, gain ${rng2(R.gain)}, read noise σ ${rng2(R.readNoise)}, shot ${R.shotNoise}, defocus p=${R.defocusProb}, glare p=${F.glareProb} (pool ${P.pool.glareProb})`,
    },
    { item: 'Eyes', spec: 'left/right (mirror)', ours: U.sides === 'both' ? 'both, 50/50 per user' : U.sides },
    {
      item: 'OpenEDS-like split',
      spec: '60 / 10 / 20 users × 300 frames, 5 calibration',
      ours: `${P.unseenUsers.train} / ${P.unseenUsers.val} / ${P.unseenUsers.test} users × ${P.unseenUsers.perUser}, ${P.calibrationFrames} calibration targets`,
    },
    {
      item: 'AEA-like split',
      spec: 'same users, frames 8:1:1',
      ours: `${P.seenUsers.users} users, frames ${P.seenUsers.fractions.join(':').replace(/0\./g, '.')} (hash-split)`,
    },
    {
      item: 'Unlabeled pool',
      spec: '20–50k images, random users, glare',
      ours: `${P.pool.users} users × ${P.pool.perUser} by default (any size), glare p=${P.pool.glareProb}`,
    },
  ];
  return table({
    title: 'Synthetic near-eye generator: our spec vs the implementation',
    columns: [
      { key: 'item', label: 'Parameter' },
      { key: 'spec', label: 'Spec (ours)' },
      { key: 'ours', label: 'Generator default' },
    ],
    rows,
  });
}

/** Hidden parameters of some users (what personalization has to discover). */
export function userTable(users: GazeUser[], opts: { max?: number; title?: string } = {}): TableFigure {
  if (!Array.isArray(users)) throw new InvalidInput(`userTable: expected an array of users, got ${describe(users)}`);
  const max = checkInt('userTable: max', opts.max ?? 12, 1, 1000);
  const rows = users.slice(0, max).map((u) => ({
    id: u.id,
    side: u.side,
    kappaYaw: u.kappaYaw / DEG,
    kappaPitch: u.kappaPitch / DEG,
    eyeRadius: u.eyeRadius,
    camDist: u.cameraDistance,
    camOff: u.cameraOffAxisDeg,
    slipMm: Math.hypot(...u.slipMm),
    slipDeg: Math.hypot(...u.slipDeg),
  }));
  return table({
    title: opts.title ?? 'Hidden per-user parameters',
    columns: [
      { key: 'id', label: 'user', format: 'int' },
      { key: 'side', label: 'eye', format: 'text' },
      { key: 'kappaYaw', label: 'κ yaw', unit: '°', format: 'fixed2' },
      { key: 'kappaPitch', label: 'κ pitch', unit: '°', format: 'fixed2' },
      { key: 'eyeRadius', label: 'R eye', unit: 'mm', format: 'fixed2' },
      { key: 'camDist', label: 'camera dist', unit: 'mm', format: 'fixed1' },
      { key: 'camOff', label: 'off-axis', unit: '°', format: 'fixed1' },
      { key: 'slipMm', label: '|slip|', unit: 'mm', format: 'fixed2' },
      { key: 'slipDeg', label: '|slip rot|', unit: '°', format: 'fixed2' },
    ],
    rows,
  });
}
