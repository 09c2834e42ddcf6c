/**
 * Real near-eye gaze data in their published layouts, and writers that emit the same layouts from the generator
 * (so one loader serves real and synthetic data). Node only (node:fs).
 *
 * OpenEDS2020 gaze-prediction (one split folder, e.g. openEDS2020-GazePrediction/train):
 *   sequences/<seq>/<NNN>.png   8-bit grayscale (640×400 in the release)
 *   labels/<seq>.txt            no header; rows "frame_id,x,y,z": unit gaze vector (visual axis) per frame
 *                               (test label files may have extra future rows; frames without a label row get NaN)
 *   loadOpenEds(root, opts) / writeOpenEds(root, ds, opts) / parseOpenEdsLabels(text, name)
 *
 * Aria MPS eye gaze (one recording folder):
 *   mps/eye_gaze/general_eye_gaze.csv   legacy (yaw_rads_cpf, pitch_rads_cpf, …) or vergence (left_yaw_rads_cpf,
 *                                       right_yaw_rads_cpf, pitch_rads_cpf, …, tx_left_eye_cpf, …) schema
 *   frames/<tracking_timestamp_us>.png  eye-tracking frames extracted from the VRS (both eyes side by side, 640×240)
 *   loadAriaRecording(dir, opts) / writeAriaRecording(dir, ds, opts) / parseAriaEyeGazeCsv(text)
 *   Vergence rows combine the two yaws with ariaVergenceYaw (geometry.ts); frames match the nearest CSV row within
 *   maxDtUs (default 5 ms).
 *
 * Images are decoded and resized by kernel/core/vision (decodePng, fitImage). Malformed files → FormatError naming
 * the file and what was expected; missing files/folders → NotFound.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, InvalidInput, NotFound, checkInt, describe } from '../../core/errors';
import { decodePng, encodeGrayPng, fitImage, type GrayImage } from '../../core/vision/image';
import { ARIA_IPD_M, ariaVergenceYaw, vectorToYawPitch, yawPitchToVector } from '../geometry';
import type { GazeDataset } from './types';

// ───────────────────────────── shared ─────────────────────────────

/** A loaded real (or written-then-read synthetic) gaze set. Same fields as GazeDataset's data arrays. */
export interface LoadedGazeSet {
  n: number;
  height: number;
  width: number;
  images: Float32Array;
  /** (yaw, pitch) radians interleaved; NaN where the file has no label for the frame. */
  gaze: Float32Array;
  /** Group id per image (OpenEDS: sequence index in sorted order; Aria: recording index). */
  userId: Int32Array;
  /** Frame id (OpenEDS NNN) or frame index in the recording. */
  frame: Int32Array;
  /** Group names (sequence ids / recording folders) by userId. */
  groups: string[];
  /** Aria: tracking timestamps (µs) of the matched CSV rows. */
  timestampUs?: Float64Array;
  /** Frames skipped (no matching label within tolerance, or uncertainty too wide). */
  skipped: number;
}

function readText(path: string): string {
  if (!existsSync(path)) throw new NotFound(`${path} does not exist`);
  return readFileSync(path, 'utf8');
}

function readPngFile(path: string): GrayImage {
  return decodePng(new Uint8Array(readFileSync(path)), path);
}

function parseNum(s: string | undefined, where: string): number {
  const v = s === undefined ? NaN : Number(s.trim());
  if (s === undefined || s.trim() === '' || !Number.isFinite(v)) throw new FormatError(`${where}: ${describe(s)} is not a finite number`);
  return v;
}

function checkSize(h: number | undefined, w: number | undefined): void {
  if (h !== undefined) checkInt('height', h, 1, 4096);
  if (w !== undefined) checkInt('width', w, 1, 4096);
}

// ───────────────────────────── OpenEDS2020 ─────────────────────────────

/** Parse an OpenEDS2020 label file: rows "frame_id,x,y,z" (unit vectors; a tolerance of 1e-2 on the norm). */
export function parseOpenEdsLabels(text: string, name = 'labels'): { frame: Int32Array; vectors: Float64Array } {
  if (typeof text !== 'string') throw new InvalidInput(`parseOpenEdsLabels: expected text, got ${describe(text)}`);
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const frame = new Int32Array(rows.length),
    vectors = new Float64Array(3 * rows.length);
  rows.forEach((l, i) => {
    const c = l.split(/[,\s]+/);
    const where = `${name} line ${i + 1}`;
    if (c.length !== 4) throw new FormatError(`${where}: ${describe(l)} has ${c.length} fields; expected 4 (frame_id,x,y,z)`);
    const f = parseNum(c[0], `${where} frame_id`);
    if (!Number.isInteger(f) || f < 0) throw new FormatError(`${where}: frame_id ${describe(c[0])} is not a non-negative integer`);
    const x = parseNum(c[1], `${where} x`),
      y = parseNum(c[2], `${where} y`),
      z = parseNum(c[3], `${where} z`);
    const n = Math.hypot(x, y, z);
    if (Math.abs(n - 1) > 1e-2)
      throw new FormatError(`${where}: gaze vector (${x}, ${y}, ${z}) has norm ${n.toFixed(4)}; expected a unit vector`);
    if (!(z > 0)) throw new FormatError(`${where}: gaze vector (${x}, ${y}, ${z}) points backwards (z ≤ 0)`);
    frame[i] = f;
    vectors[3 * i] = x;
    vectors[3 * i + 1] = y;
    vectors[3 * i + 2] = z;
  });
  return { frame, vectors };
}

export interface LoadOpenEdsOptions {
  /** Only these sequence ids (default: all, sorted). */
  sequences?: string[];
  /** At most this many frames per sequence (default all). */
  maxPerSequence?: number;
  /** Resize to h×w (default: keep the files' size; all images must then share it). */
  height?: number;
  width?: number;
  /** How to resize: 'crop' (centre-crop to the aspect, default) or 'stretch'. */
  fit?: 'crop' | 'stretch';
  /** Require a label row for every image (default true; false for the hidden-label test split → NaN labels). */
  requireLabels?: boolean;
}

/** Load an OpenEDS2020 gaze-prediction split folder (`root` contains sequences/ and labels/). */
export function loadOpenEds(root: string, opts: LoadOpenEdsOptions = {}): LoadedGazeSet {
  checkSize(opts.height, opts.width);
  const seqDir = join(root, 'sequences'),
    labDir = join(root, 'labels');
  if (!existsSync(seqDir) || !statSync(seqDir).isDirectory())
    throw new NotFound(`${seqDir} is not a folder; expected an OpenEDS2020 split folder with sequences/ and labels/`);
  const seqs =
    opts.sequences ??
    readdirSync(seqDir)
      .filter((d) => statSync(join(seqDir, d)).isDirectory())
      .sort();
  const requireLabels = opts.requireLabels ?? true;
  const images: Float32Array[] = [],
    gaze: number[] = [],
    user: number[] = [],
    frames: number[] = [];
  let H = opts.height ?? 0,
    W = opts.width ?? 0;
  const skipped = 0;
  seqs.forEach((seq, si) => {
    const dir = join(seqDir, seq);
    if (!existsSync(dir)) throw new NotFound(`${dir} does not exist`);
    const labPath = join(labDir, `${seq}.txt`);
    const labels = new Map<number, [number, number]>();
    if (existsSync(labPath)) {
      const { frame, vectors } = parseOpenEdsLabels(readText(labPath), labPath);
      for (let i = 0; i < frame.length; i++) labels.set(frame[i]!, vectorToYawPitch(vectors.subarray(3 * i, 3 * i + 3)));
    } else if (requireLabels) throw new NotFound(`${labPath} does not exist (pass requireLabels: false for unlabeled splits)`);
    let files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.png'));
    const ids = new Map<string, number>();
    for (const f of files) {
      const id = Number(f.slice(0, -4));
      if (!/^\d+$/.test(f.slice(0, -4))) throw new FormatError(`${join(dir, f)}: frame file name must be <NNN>.png (a number)`);
      ids.set(f, id);
    }
    files = files.sort((a, b) => ids.get(a)! - ids.get(b)!);
    if (opts.maxPerSequence !== undefined) files = files.slice(0, checkInt('maxPerSequence', opts.maxPerSequence, 1));
    for (const f of files) {
      const id = ids.get(f)!;
      const lab = labels.get(id);
      if (!lab && requireLabels) throw new FormatError(`${labPath}: no label row for frame ${id} (${join(dir, f)})`);
      const img = readPngFile(join(dir, f));
      if (H === 0) {
        H = img.height;
        W = img.width;
      }
      let data = img.data;
      if (img.height !== H || img.width !== W) {
        if (opts.height === undefined)
          throw new FormatError(
            `${join(dir, f)} is ${img.width}×${img.height}; earlier frames are ${W}×${H} (pass height/width to resize)`,
          );
        data = fitImage(img.data, img.height, img.width, H, W, opts.fit);
      }
      images.push(data);
      gaze.push(lab ? lab[0] : NaN, lab ? lab[1] : NaN);
      user.push(si);
      frames.push(id);
    }
  });
  return pack(images, gaze, user, frames, H, W, seqs, skipped);
}

function pack(
  images: Float32Array[],
  gaze: number[],
  user: number[],
  frames: number[],
  H: number,
  W: number,
  groups: string[],
  skipped: number,
  ts?: number[],
): LoadedGazeSet {
  const n = images.length,
    P = H * W;
  const all = new Float32Array(n * P);
  images.forEach((im, i) => all.set(im, i * P));
  const out: LoadedGazeSet = {
    n,
    height: H,
    width: W,
    images: all,
    gaze: Float32Array.from(gaze),
    userId: Int32Array.from(user),
    frame: Int32Array.from(frames),
    groups,
    skipped,
  };
  if (ts) out.timestampUs = Float64Array.from(ts);
  return out;
}

export interface WriteOpenEdsOptions {
  /** Also write users.json with the hidden per-user parameters (default true). */
  usersJson?: boolean;
}

/**
 * Write a dataset in the OpenEDS2020 layout under `root`: one sequence per user (`u<userId>`), frames numbered
 * 000, 001, … in dataset order, labels as unit visual-axis vectors. Returns the sequence ids.
 */
export function writeOpenEds(root: string, ds: GazeDataset | LoadedGazeSet, opts: WriteOpenEdsOptions = {}): string[] {
  const P = ds.height * ds.width;
  mkdirSync(join(root, 'labels'), { recursive: true });
  const bySeq = new Map<string, number[]>();
  for (let i = 0; i < ds.n; i++) {
    const seq = 'groups' in ds ? ds.groups[ds.userId[i]!]! : `u${String(ds.userId[i]).padStart(4, '0')}`;
    let l = bySeq.get(seq);
    if (!l) {
      l = [];
      bySeq.set(seq, l);
    }
    l.push(i);
  }
  for (const [seq, idx] of bySeq) {
    const dir = join(root, 'sequences', seq);
    mkdirSync(dir, { recursive: true });
    const lines: string[] = [];
    idx.forEach((i, k) => {
      const name = String(k).padStart(3, '0');
      writeFileSync(join(dir, `${name}.png`), encodeGrayPng(ds.width, ds.height, ds.images.subarray(i * P, (i + 1) * P)));
      const y = ds.gaze[2 * i]!,
        p = ds.gaze[2 * i + 1]!;
      if (Number.isFinite(y) && Number.isFinite(p)) {
        const v = yawPitchToVector(y, p);
        lines.push(`${k},${v[0].toFixed(8)},${v[1].toFixed(8)},${v[2].toFixed(8)}`);
      }
    });
    writeFileSync(join(root, 'labels', `${seq}.txt`), lines.join('\n') + '\n');
  }
  if ((opts.usersJson ?? true) && 'users' in ds) writeUsersJson(root, ds.users);
  return [...bySeq.keys()];
}

/** users.json: the hidden per-user parameters of a synthetic set (for analysis; texture arrays left out). */
function writeUsersJson(root: string, users: GazeDataset['users']): void {
  writeFileSync(
    join(root, 'users.json'),
    JSON.stringify(
      users.map((u) => ({
        ...u,
        irisHarmonics: undefined,
        lashComb: undefined,
        skinNoise: undefined,
        fixations: Array.from(u.fixations),
        fixationWeights: Array.from(u.fixationWeights),
      })),
      null,
      1,
    ),
  );
}

// ───────────────────────────── Aria MPS eye gaze ─────────────────────────────

export type AriaSchema = 'legacy' | 'vergence';

export interface AriaEyeGaze {
  schema: AriaSchema;
  n: number;
  timestampUs: Float64Array;
  /** Combined yaw (vergence: from the left/right rays) and pitch, radians, CPF. */
  yaw: Float64Array;
  pitch: Float64Array;
  depth: Float64Array;
  /** Uncertainty interval of yaw and pitch (radians; vergence: combined from left/right bounds). */
  yawLow: Float64Array;
  yawHigh: Float64Array;
  pitchLow: Float64Array;
  pitchHigh: Float64Array;
  /** Vergence schema only: per-eye yaws. */
  leftYaw?: Float64Array;
  rightYaw?: Float64Array;
  sessionUid?: string[];
}

const LEGACY_COLS = [
  'tracking_timestamp_us',
  'yaw_rads_cpf',
  'pitch_rads_cpf',
  'depth_m',
  'yaw_low_rads_cpf',
  'pitch_low_rads_cpf',
  'yaw_high_rads_cpf',
  'pitch_high_rads_cpf',
];
const VERGENCE_COLS = [
  'tracking_timestamp_us',
  'left_yaw_rads_cpf',
  'right_yaw_rads_cpf',
  'pitch_rads_cpf',
  'depth_m',
  'left_yaw_low_rads_cpf',
  'right_yaw_low_rads_cpf',
  'pitch_low_rads_cpf',
  'left_yaw_high_rads_cpf',
  'right_yaw_high_rads_cpf',
  'pitch_high_rads_cpf',
  'tx_left_eye_cpf',
  'ty_left_eye_cpf',
  'tz_left_eye_cpf',
  'tx_right_eye_cpf',
  'ty_right_eye_cpf',
  'tz_right_eye_cpf',
  'session_uid',
];

/** Parse `general_eye_gaze.csv` (either schema, detected from the header). */
export function parseAriaEyeGazeCsv(text: string, name = 'general_eye_gaze.csv'): AriaEyeGaze {
  if (typeof text !== 'string') throw new InvalidInput(`parseAriaEyeGazeCsv: expected text, got ${describe(text)}`);
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new FormatError(`${name}: empty file; expected a header row`);
  const head = lines[0]!.split(',').map((s) => s.trim());
  const col = new Map(head.map((h, i) => [h, i]));
  const schema: AriaSchema = col.has('left_yaw_rads_cpf') ? 'vergence' : 'legacy';
  const need = schema === 'vergence' ? ['tracking_timestamp_us', ...VERGENCE_COLS.slice(1, 11)] : LEGACY_COLS;
  for (const c of need)
    if (!col.has(c))
      throw new FormatError(
        `${name}: header lacks column ${c}; expected the MPS ${schema} eye-gaze schema (${(schema === 'vergence' ? VERGENCE_COLS : LEGACY_COLS).join(', ')})`,
      );
  const n = lines.length - 1;
  const f64 = () => new Float64Array(n);
  const out: AriaEyeGaze = {
    schema,
    n,
    timestampUs: f64(),
    yaw: f64(),
    pitch: f64(),
    depth: f64(),
    yawLow: f64(),
    yawHigh: f64(),
    pitchLow: f64(),
    pitchHigh: f64(),
  };
  if (schema === 'vergence') {
    out.leftYaw = f64();
    out.rightYaw = f64();
  }
  const sess: string[] = [];
  const ipdOf = (cells: string[], where: string): number => {
    if (!col.has('tx_left_eye_cpf') || !col.has('tx_right_eye_cpf')) return ARIA_IPD_M;
    const d = Math.abs(
      parseNum(cells[col.get('tx_left_eye_cpf')!], `${where} tx_left_eye_cpf`) -
        parseNum(cells[col.get('tx_right_eye_cpf')!], `${where} tx_right_eye_cpf`),
    );
    return d > 0 ? d : ARIA_IPD_M;
  };
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1]!.split(',');
    const where = `${name} row ${r + 2}`;
    if (cells.length < head.length - (col.has('session_uid') ? 1 : 0))
      throw new FormatError(`${where}: ${cells.length} fields; the header has ${head.length}`);
    const g = (c: string) => parseNum(cells[col.get(c)!], `${where} ${c}`);
    out.timestampUs[r] = g('tracking_timestamp_us');
    if (r > 0 && out.timestampUs[r]! < out.timestampUs[r - 1]!)
      throw new FormatError(`${where}: tracking_timestamp_us ${out.timestampUs[r]} goes backwards (previous ${out.timestampUs[r - 1]})`);
    out.depth[r] = col.has('depth_m') ? Number(cells[col.get('depth_m')!]) : NaN;
    out.pitch[r] = g('pitch_rads_cpf');
    out.pitchLow[r] = g('pitch_low_rads_cpf');
    out.pitchHigh[r] = g('pitch_high_rads_cpf');
    if (schema === 'legacy') {
      out.yaw[r] = g('yaw_rads_cpf');
      out.yawLow[r] = g('yaw_low_rads_cpf');
      out.yawHigh[r] = g('yaw_high_rads_cpf');
    } else {
      const ipd = ipdOf(cells, where);
      const l = g('left_yaw_rads_cpf'),
        rr = g('right_yaw_rads_cpf');
      out.leftYaw![r] = l;
      out.rightYaw![r] = rr;
      out.yaw[r] = ariaVergenceYaw(l, rr, ipd).yaw;
      out.yawLow[r] = ariaVergenceYaw(g('left_yaw_low_rads_cpf'), g('right_yaw_low_rads_cpf'), ipd).yaw;
      out.yawHigh[r] = ariaVergenceYaw(g('left_yaw_high_rads_cpf'), g('right_yaw_high_rads_cpf'), ipd).yaw;
    }
    if (col.has('session_uid')) sess.push((cells[col.get('session_uid')!] ?? '').trim());
  }
  if (sess.length) out.sessionUid = sess;
  return out;
}

export interface LoadAriaOptions {
  /** Frames folder inside the recording (default 'frames'); files named <tracking_timestamp_us>.png. */
  framesDir?: string;
  /** CSV path inside the recording (default 'mps/eye_gaze/general_eye_gaze.csv'). */
  csv?: string;
  /** Max |frame − row| timestamp gap (µs) for a match (default 5000 = 5 ms). */
  maxDtUs?: number;
  /** Skip rows whose yaw or pitch uncertainty interval is wider than this (radians; default Infinity). */
  maxUncertaintyRad?: number;
  /** Which half of the side-by-side frame to keep: 'left' / 'right' image half, or 'full' (default 'left'). */
  half?: 'left' | 'right' | 'full';
  /** Mirror the kept half horizontally (Meta's ET model flips one eye so both look alike; default false). */
  mirror?: boolean;
  /** Resize to h×w (default: the kept half's size). */
  height?: number;
  width?: number;
  /** How to resize: 'crop' (centre-crop to the aspect, default) or 'stretch'. */
  fit?: 'crop' | 'stretch';
  /** At most this many frames (default all), in timestamp order. */
  maxFrames?: number;
  /**
   * Unit of the number in the frame file names (default 'us' = tracking_timestamp_us). The LAST run of digits in the
   * name is used, so prefixes such as `et_1234567.png` work; 'ns' suits dumps named by device time in nanoseconds.
   */
  nameUnit?: 'us' | 'ns' | 'ms';
}

/** Load one Aria recording: eye frames matched to MPS eye gaze by timestamp. */
export function loadAriaRecording(dir: string, opts: LoadAriaOptions = {}): LoadedGazeSet {
  checkSize(opts.height, opts.width);
  const csvPath = join(dir, opts.csv ?? join('mps', 'eye_gaze', 'general_eye_gaze.csv'));
  const gz = parseAriaEyeGazeCsv(readText(csvPath), csvPath);
  const fdir = join(dir, opts.framesDir ?? 'frames');
  if (!existsSync(fdir) || !statSync(fdir).isDirectory())
    throw new NotFound(`${fdir} is not a folder; expected eye frames named <tracking_timestamp_us>.png`);
  const maxDt = opts.maxDtUs ?? 5000,
    maxU = opts.maxUncertaintyRad ?? Infinity;
  const half = opts.half ?? 'left';
  if (!['left', 'right', 'full'].includes(half))
    throw new InvalidInput(`loadAriaRecording: half must be 'left', 'right' or 'full', got ${describe(half)}`);
  const unit = opts.nameUnit ?? 'us';
  if (!['us', 'ns', 'ms'].includes(unit))
    throw new InvalidInput(`loadAriaRecording: nameUnit must be 'us', 'ns' or 'ms', got ${describe(unit)}`);
  const toUs = unit === 'us' ? 1 : unit === 'ns' ? 1e-3 : 1e3;
  let files = readdirSync(fdir)
    .filter((f) => f.toLowerCase().endsWith('.png'))
    .map((f) => {
      const m = /(\d+)(?!.*\d)/.exec(f.slice(0, -4));
      if (!m) throw new FormatError(`${join(fdir, f)}: frame file name must contain a timestamp (<tracking_timestamp_us>.png)`);
      return { f, t: Number(m[1]) * toUs };
    })
    .sort((a, b) => a.t - b.t);
  if (opts.maxFrames !== undefined) files = files.slice(0, checkInt('maxFrames', opts.maxFrames, 1));
  const images: Float32Array[] = [],
    gaze: number[] = [],
    user: number[] = [],
    frames: number[] = [],
    ts: number[] = [];
  let H = opts.height ?? 0,
    W = opts.width ?? 0,
    skipped = 0,
    j = 0;
  files.forEach(({ f, t }, k) => {
    // nearest row by binary-search-free sweep (both sorted)
    while (j + 1 < gz.n && Math.abs(gz.timestampUs[j + 1]! - t) <= Math.abs(gz.timestampUs[j]! - t)) j++;
    if (gz.n === 0 || Math.abs(gz.timestampUs[j]! - t) > maxDt) {
      skipped++;
      return;
    }
    if (gz.yawHigh[j]! - gz.yawLow[j]! > maxU || gz.pitchHigh[j]! - gz.pitchLow[j]! > maxU) {
      skipped++;
      return;
    }
    const img = readPngFile(join(fdir, f));
    let data = img.data,
      w = img.width;
    if (half !== 'full') {
      if (img.width % 2 !== 0)
        throw new FormatError(`${join(fdir, f)} is ${img.width} wide; a side-by-side two-eye frame needs an even width`);
      w = img.width / 2;
      const off = half === 'left' ? 0 : w;
      data = new Float32Array(w * img.height);
      for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width + off, y * img.width + off + w), y * w);
    }
    if (opts.mirror) for (let y = 0; y < img.height; y++) data.subarray(y * w, (y + 1) * w).reverse();
    if (H === 0) {
      H = img.height;
      W = w;
    }
    if (img.height !== H || w !== W) {
      if (opts.height === undefined)
        throw new FormatError(
          `${join(fdir, f)} gives a ${w}×${img.height} eye; earlier frames gave ${W}×${H} (pass height/width to resize)`,
        );
      data = fitImage(data, img.height, w, H, W, opts.fit);
    }
    images.push(data);
    gaze.push(gz.yaw[j]!, gz.pitch[j]!);
    user.push(0);
    frames.push(k);
    ts.push(gz.timestampUs[j]!);
  });
  return pack(images, gaze, user, frames, H, W, [dir], skipped, ts);
}

export interface WriteAriaOptions {
  schema?: AriaSchema;
  /** First timestamp (µs) and frame period (µs; default 10 000 = 100 Hz). */
  startUs?: number;
  periodUs?: number;
  /** Fixation depth used to split the cyclopean yaw into left/right yaws (vergence schema; metres, default 1). */
  depthM?: number;
  /** Also write <root>/users.json with the hidden per-user parameters (default true). */
  usersJson?: boolean;
}

/**
 * Write one user's frames (all of ds, or one recording per user when ds has several users: folders
 * `<root>/rec_u<userId>`) in the Aria layout: side-by-side frames (the eye in the left half, its mirror image in the
 * right half, as two ET cameras would show) and an MPS CSV in the chosen schema. Returns the recording folders.
 */
export function writeAriaRecording(root: string, ds: GazeDataset | LoadedGazeSet, opts: WriteAriaOptions = {}): string[] {
  const schema = opts.schema ?? 'legacy';
  if (schema !== 'legacy' && schema !== 'vergence')
    throw new InvalidInput(`writeAriaRecording: schema must be 'legacy' or 'vergence', got ${describe(schema)}`);
  const start = opts.startUs ?? 1_000_000,
    period = opts.periodUs ?? 10_000,
    depth = opts.depthM ?? 1;
  const P = ds.height * ds.width,
    W = ds.width,
    H = ds.height;
  const byUser = new Map<number, number[]>();
  for (let i = 0; i < ds.n; i++) {
    const u = ds.userId[i]!;
    const l = byUser.get(u) ?? [];
    l.push(i);
    byUser.set(u, l);
  }
  const dirs: string[] = [];
  for (const [u, idx] of byUser) {
    const dir = join(root, `rec_u${String(u).padStart(4, '0')}`);
    mkdirSync(join(dir, 'frames'), { recursive: true });
    mkdirSync(join(dir, 'mps', 'eye_gaze'), { recursive: true });
    const rows: string[] = [(schema === 'legacy' ? [...LEGACY_COLS, 'session_uid'] : VERGENCE_COLS).join(',')];
    idx.forEach((i, k) => {
      const t = start + k * period;
      const both = new Float32Array(H * 2 * W);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const v = ds.images[i * P + y * W + x]!;
          both[y * 2 * W + x] = v;
          both[y * 2 * W + 2 * W - 1 - x] = v;
        }
      writeFileSync(join(dir, 'frames', `${t}.png`), encodeGrayPng(2 * W, H, both));
      const yaw = ds.gaze[2 * i]!,
        pitch = ds.gaze[2 * i + 1]!;
      const f = (v: number) => v.toFixed(9);
      const unc = 0.02;
      if (schema === 'legacy') {
        rows.push([t, f(yaw), f(pitch), f(depth), f(yaw - unc), f(pitch - unc), f(yaw + unc), f(pitch + unc), 'synthetic'].join(','));
      } else {
        const X = depth * Math.tan(yaw),
          h = ARIA_IPD_M / 2;
        const yl = Math.atan((X - h) / depth),
          yr = Math.atan((X + h) / depth);
        rows.push(
          [
            t,
            f(yl),
            f(yr),
            f(pitch),
            f(depth),
            f(yl - unc),
            f(yr - unc),
            f(pitch - unc),
            f(yl + unc),
            f(yr + unc),
            f(pitch + unc),
            f(h),
            '0',
            '0',
            f(-h),
            '0',
            '0',
            'synthetic',
          ].join(','),
        );
      }
    });
    writeFileSync(join(dir, 'mps', 'eye_gaze', 'general_eye_gaze.csv'), rows.join('\n') + '\n');
    dirs.push(dir);
  }
  if ((opts.usersJson ?? true) && 'users' in ds) writeUsersJson(root, ds.users);
  return dirs;
}
