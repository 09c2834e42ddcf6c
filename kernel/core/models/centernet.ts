/**
 * The COCO object detector shipped inside npm `@vladmandic/human` (MIT): a CenterNet ("Objects as Points", Zhou et al.,
 * arXiv 1904.07850) with a MobileNetV3 backbone, converted to a tfjs graph model (`models/centernet.json`, 4 MB).
 * It is loaded through core/assets ('human-models': EDGELAB_ASSETS, the copy beside the bundle that the .vsix ships, or
 * node_modules), never downloaded.
 *
 *   const det = await loadCenterNet();
 *   const out = await det.run(img);           // raw maps: 128×128×80 class heatmap + 128×128×4 box distances
 *   const boxes = decodeCenterNet(out);       // peaks → boxes in image pixels → NMS
 *   det.dispose();
 *
 * The network (read from its graph): input 1×512×512×3 float RGB in 0..255, the whole photo stretched to 512² (as
 * human's own pipeline does, no letterbox); outputs
 *   - `tower_0/keypoints` 1×128×128×80: per-class centre heatmap after a sigmoid (grid stride 4 input px);
 *   - `tower_0/wh` 1×128×128×4: distances (left, top, right, bottom) in input px from the cell's corner point
 *     (4·col, 4·row) to the box edges, so box = [4c − l, 4r − t, 4c + r, 4r + b];
 *   - `tower_0/detections` 1×100×6: the graph's own decode (3×3 max-pool peaks, top 100, [x1, y1, x2, y2, score, class]),
 *     kept as a cross-check of decodeCenterNet (tests compare the two).
 * Class ids are the 80 COCO detection classes, 0-based in the usual order (0 person … 79 toothbrush).
 *
 * decodeCenterNet takes an optional cell window: only those cells are tested for peaks and turned into boxes
 * (the rest of the heatmap is read only as 3×3 neighbours of window cells). That is the hook GazeGen's
 * gaze-restricted decoding (arXiv 2411.04335, Sec. 3) uses; without a window every cell is decoded.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveAsset } from '../assets';
import { InvalidInput, checkInt, describe } from '../errors';
import { loadGraphModel } from '../io/tfjs-models';
import { checkRgb, type RgbImage } from '../vision/rgb';

/** The 80 COCO detection classes, 0-based, in the order the detector's heatmap channels use. */
export const COCO_CLASSES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
]; // prettier-ignore

/** Class id of a COCO label (InvalidInput for an unknown one). */
export function cocoClassId(label: string): number {
  const i = COCO_CLASSES.indexOf(label);
  if (i < 0) throw new InvalidInput(`unknown COCO class ${describe(label)}; expected one of the 80 COCO labels (e.g. 'cat', 'cup')`);
  return i;
}

/** Box in image pixels: [x, y, width, height], (x, y) the top-left corner. */
export type Box = [number, number, number, number];

export interface Detection {
  box: Box;
  /** COCO class id (0-based). */
  cls: number;
  label: string;
  /** Heatmap peak value (sigmoid score in 0..1). */
  score: number;
  /** Heatmap cell of the peak: [col, row]. */
  cell: [number, number];
}

/** Raw network outputs for one image, with what is needed to map cells back to image pixels. */
export interface CenterNetOutput {
  imageWidth: number;
  imageHeight: number;
  /** Network input side (512). */
  inputSize: number;
  /** Heatmap grid (128 × 128) and its stride in input pixels (4). */
  gridW: number;
  gridH: number;
  stride: number;
  classes: number;
  /** gridH × gridW × classes, row-major (index (row·gridW + col)·classes + cls). */
  heatmap: Float32Array;
  /** gridH × gridW × 4: left, top, right, bottom distances in input px. */
  wh: Float32Array;
  /** The graph's own decode (100 × [x1, y1, x2, y2, score, class] in input px), when asked for. */
  builtin?: number[][];
}

/** Cell window, inclusive bounds: columns c0..c1, rows r0..r1. */
export interface CellWindow {
  c0: number;
  c1: number;
  r0: number;
  r1: number;
}

export interface DecodeOptions {
  /** Keep peaks with score ≥ this (default 0.2, human's own object threshold). */
  minScore?: number;
  /** NMS IoU threshold (default 0.4, human's); boxes of any class suppress each other (class-agnostic). */
  iou?: number;
  /** Keep at most this many boxes before NMS, highest scores first (default 100, the graph's own top-k). */
  maxDetections?: number;
  /** Decode only these cells (inclusive; clipped to the grid). Default: every cell. */
  window?: CellWindow;
  /**
   * With `window`: also find objects whose centre peak lies outside the window but whose box covers this image point
   * (a large object seen away from its centre). See coverSearch; its cells count in `cellsDecoded`.
   */
  cover?: CoverOptions;
}

/** Sparse search for peaks outside a window whose boxes cover an image point (decodeCenterNet's `cover`). */
export interface CoverOptions {
  /** The image point (gaze) the box must contain. */
  x: number;
  y: number;
  /** Lattice step in cells: every step-th cell in both axes outside the window is read (default 4). */
  step?: number;
  /** A lattice cell seeds a climb for class k when its score ≥ seedFactor · minScore (default 0.5). */
  seedFactor?: number;
}

export interface DecodeResult {
  detections: Detection[];
  /** Heatmap cells decoded (tested for peaks): the window's area, or the whole grid. */
  cellsDecoded: number;
  /** Peaks above the threshold before NMS. */
  candidates: number;
}

/** Intersection over union of two [x, y, w, h] boxes. */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]),
    y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]),
    y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const u = a[2] * a[3] + b[2] * b[3] - inter;
  return u > 0 ? inter / u : 0;
}

/** Greedy non-maximum suppression: highest score first, drop boxes overlapping a kept one by more than `threshold`. */
export function nms<T extends { box: Box; score: number }>(dets: readonly T[], threshold: number): T[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const keep: T[] = [];
  for (const d of sorted) if (keep.every((k) => iou(k.box, d.box) <= threshold)) keep.push(d);
  return keep;
}

/**
 * An all-zero output of the given geometry (heatmap 0, distances `wh`), for building synthetic heatmaps in tests and
 * demos of the decoding.
 */
export function blankCenterNetOutput(o: {
  gridW: number;
  gridH: number;
  classes: number;
  imageWidth: number;
  imageHeight: number;
  inputSize: number;
  /** Every box distance (left, top, right, bottom; input px). Default 0. */
  wh?: number;
}): CenterNetOutput {
  const n = o.gridW * o.gridH;
  return {
    imageWidth: o.imageWidth,
    imageHeight: o.imageHeight,
    inputSize: o.inputSize,
    gridW: o.gridW,
    gridH: o.gridH,
    stride: o.inputSize / o.gridW,
    classes: o.classes,
    heatmap: new Float32Array(n * o.classes),
    wh: new Float32Array(n * 4).fill(o.wh ?? 0),
  };
}

function checkOutput(out: CenterNetOutput): void {
  if (!out || !(out.heatmap instanceof Float32Array) || !(out.wh instanceof Float32Array))
    throw new InvalidInput(`expected a CenterNetOutput (from CenterNet.run), got ${describe(out)}`);
  const n = out.gridW * out.gridH;
  if (out.heatmap.length !== n * out.classes || out.wh.length !== n * 4)
    throw new InvalidInput(
      `CenterNetOutput maps have ${out.heatmap.length} and ${out.wh.length} values; expected ${n}×${out.classes} and ${n}×4 for a ${out.gridH}×${out.gridW} grid`,
    );
}

/**
 * Decode peaks into boxes: a cell/class is a peak when its score is ≥ minScore and ≥ each of its 3×3 neighbours
 * (the graph's own max-pool test, ties kept); its box comes from the distance map at that cell, mapped to image
 * pixels and clipped to the image; then top-k and class-agnostic NMS. With `window`, only the window's cells are
 * tested (neighbours outside it are still read for the peak test, so a window cell is a peak exactly when it is
 * one in the full decode).
 */
export function decodeCenterNet(out: CenterNetOutput, options: DecodeOptions = {}): DecodeResult {
  checkOutput(out);
  const minScore = options.minScore ?? 0.2;
  const thr = options.iou ?? 0.4;
  const maxDet = options.maxDetections ?? 100;
  if (!(minScore > 0 && minScore < 1)) throw new InvalidInput(`minScore must be in (0, 1), got ${describe(minScore)}`);
  if (!(thr >= 0 && thr <= 1)) throw new InvalidInput(`iou must be in [0, 1], got ${describe(thr)}`);
  checkInt('maxDetections', maxDet, 1, 100000);
  const { gridW: W, gridH: H, classes: C, heatmap: hm, wh } = out;
  let c0 = 0,
    c1 = W - 1,
    r0 = 0,
    r1 = H - 1;
  if (options.window) {
    const w = options.window;
    for (const k of ['c0', 'c1', 'r0', 'r1'] as const)
      if (!Number.isInteger(w[k])) throw new InvalidInput(`window.${k} must be an integer, got ${describe(w[k])}`);
    c0 = Math.max(0, w.c0);
    c1 = Math.min(W - 1, w.c1);
    r0 = Math.max(0, w.r0);
    r1 = Math.min(H - 1, w.r1);
  }
  const cellsDecoded = c1 >= c0 && r1 >= r0 ? (c1 - c0 + 1) * (r1 - r0 + 1) : 0;
  const sx = out.imageWidth / out.inputSize,
    sy = out.imageHeight / out.inputSize;
  const cands: Detection[] = [];
  const boxAt = (c: number, r: number, k: number, s: number): Detection | null => {
    const o = (r * W + c) * 4;
    const x1 = Math.max(0, (out.stride * c - wh[o]!) * sx),
      y1 = Math.max(0, (out.stride * r - wh[o + 1]!) * sy);
    const x2 = Math.min(out.imageWidth, (out.stride * c + wh[o + 2]!) * sx),
      y2 = Math.min(out.imageHeight, (out.stride * r + wh[o + 3]!) * sy);
    if (x2 <= x1 || y2 <= y1) return null;
    return { box: [x1, y1, x2 - x1, y2 - y1], cls: k, label: COCO_CLASSES[k] ?? `class ${k}`, score: s, cell: [c, r] };
  };
  let coverCells = 0;
  if (options.window && options.cover) {
    const found = coverSearch(out, { c0, c1, r0, r1 }, options.cover, minScore);
    coverCells = found.cellsRead;
    for (const p of found.peaks) {
      const d = boxAt(p.c, p.r, p.k, p.s);
      const { x, y } = options.cover;
      if (d && x >= d.box[0] && x <= d.box[0] + d.box[2] && y >= d.box[1] && y <= d.box[1] + d.box[3]) cands.push(d);
    }
  }
  for (let r = r0; r <= r1; r++)
    for (let c = c0; c <= c1; c++) {
      const base = (r * W + c) * C;
      for (let k = 0; k < C; k++) {
        const s = hm[base + k]!;
        if (s < minScore) continue;
        let peak = true;
        for (let dr = -1; dr <= 1 && peak; dr++) {
          const rr = r + dr;
          if (rr < 0 || rr >= H) continue;
          for (let dc = -1; dc <= 1; dc++) {
            const cc = c + dc;
            if (cc < 0 || cc >= W || (dr === 0 && dc === 0)) continue;
            if (hm[(rr * W + cc) * C + k]! > s) {
              peak = false;
              break;
            }
          }
        }
        if (!peak) continue;
        const d = boxAt(c, r, k, s);
        if (d) cands.push(d);
      }
    }
  cands.sort((a, b) => b.score - a.score);
  const top = cands.slice(0, maxDet);
  return { detections: nms(top, thr), cellsDecoded: cellsDecoded + coverCells, candidates: cands.length };
}

/**
 * Peaks outside `win` reachable from a sparse lattice: every `step`-th cell (both axes, aligned to the grid) outside
 * the window is read; each class scoring ≥ seedFactor · minScore there is climbed to its local maximum (move to the
 * best of the 3×3 neighbours until none is higher), and maxima outside the window with score ≥ minScore are
 * returned once each. CenterNet's heatmap blob grows with the object, so a large object's blob is hit by a coarse
 * lattice while small objects (whose blobs fall between lattice points) are the window's job. `cellsRead` counts the
 * lattice cells plus every cell a climb visited (each costs one read of up to 80 class scores, as a decoded cell).
 */
export function coverSearch(
  out: CenterNetOutput,
  win: CellWindow,
  o: CoverOptions,
  minScore: number,
): { peaks: { c: number; r: number; k: number; s: number }[]; cellsRead: number } {
  const step = o.step ?? 4,
    seed = (o.seedFactor ?? 0.5) * minScore;
  checkInt('cover.step', step, 1, 1000);
  if (!(seed > 0)) throw new InvalidInput(`cover.seedFactor must be > 0, got ${describe(o.seedFactor)}`);
  const { gridW: W, gridH: H, classes: C, heatmap: hm } = out;
  const inWin = (c: number, r: number) => c >= win.c0 && c <= win.c1 && r >= win.r0 && r <= win.r1;
  const visited = new Set<number>();
  const seen = new Set<number>();
  const peaks: { c: number; r: number; k: number; s: number }[] = [];
  let cellsRead = 0;
  for (let r = 0; r < H; r += step)
    for (let c = 0; c < W; c += step) {
      if (inWin(c, r)) continue;
      cellsRead++;
      visited.add(r * W + c);
      for (let k = 0; k < C; k++) {
        if (hm[(r * W + c) * C + k]! < seed) continue;
        let cc = c,
          rr = r;
        for (;;) {
          let bc = cc,
            br = rr,
            bs = hm[(rr * W + cc) * C + k]!;
          for (let dr = -1; dr <= 1; dr++)
            for (let dc = -1; dc <= 1; dc++) {
              const nc = cc + dc,
                nr = rr + dr;
              if (nc < 0 || nr < 0 || nc >= W || nr >= H) continue;
              const v = hm[(nr * W + nc) * C + k]!;
              if (v > bs) {
                bs = v;
                bc = nc;
                br = nr;
              }
            }
          if (bc === cc && br === rr) break;
          cc = bc;
          rr = br;
          if (!visited.has(rr * W + cc)) {
            visited.add(rr * W + cc);
            cellsRead++;
          }
        }
        const s = hm[(rr * W + cc) * C + k]!;
        const key = (rr * W + cc) * C + k;
        if (s >= minScore && !inWin(cc, rr) && !seen.has(key)) {
          seen.add(key);
          peaks.push({ c: cc, r: rr, k, s });
        }
      }
    }
  return { peaks, cellsRead };
}

export interface LoadCenterNetOptions {
  /** Folder holding centernet.json + centernet.bin (default: @vladmandic/human's models/ via core/assets). */
  dir?: string;
}

export interface RunOptions {
  /** Also return the graph's own decode (`builtin`), for cross-checks. */
  builtin?: boolean;
}

/**
 * The folder the detector's centernet.json/.bin load from: `dir` when given, else EDGELAB_ASSETS, the copy beside the
 * kernel bundle (an installed extension ships it), the repository's node_modules/@vladmandic/human/models, then the
 * package as Node resolves it from the working directory. NotFound names every place looked.
 */
export function centerNetDir(dir?: string): string {
  return resolveAsset('human-models', dir !== undefined ? { path: dir, probe: 'centernet.json' } : {});
}

/** The loaded detector. Owns a tfjs GraphModel: call dispose() when done. */
export class CenterNet {
  readonly inputSize = 512;
  readonly gridSize = 128;
  readonly classes = 80;
  private constructor(private model: tf.GraphModel | null) {}

  /** Load centernet.json from @vladmandic/human's models/ (or `dir`). NotFound names how to install it. */
  static async load(options: LoadCenterNetOptions = {}): Promise<CenterNet> {
    return new CenterNet(await loadGraphModel(join(centerNetDir(options.dir), 'centernet.json')));
  }

  /** Run the network on an RGB photo (any size; stretched to 512², as human does). Leaves no tensors behind. */
  async run(img: RgbImage, options: RunOptions = {}): Promise<CenterNetOutput> {
    checkRgb(img);
    const model = this.model;
    if (!model) throw new InvalidInput('CenterNet was disposed');
    const names = ['tower_0/keypoints', 'tower_0/wh', ...(options.builtin ? ['tower_0/detections'] : [])];
    const outs = tf.tidy(() => {
      const x = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat();
      const r = tf.image.resizeBilinear(x, [this.inputSize, this.inputSize]).expandDims(0);
      return model.execute(r, names) as tf.Tensor[];
    });
    try {
      const heatmap = (await outs[0]!.data()) as Float32Array;
      const wh = (await outs[1]!.data()) as Float32Array;
      const builtin = options.builtin ? ((await outs[2]!.array()) as number[][][])[0] : undefined;
      return {
        imageWidth: img.width,
        imageHeight: img.height,
        inputSize: this.inputSize,
        gridW: this.gridSize,
        gridH: this.gridSize,
        stride: this.inputSize / this.gridSize,
        classes: this.classes,
        heatmap: new Float32Array(heatmap),
        wh: new Float32Array(wh),
        ...(builtin ? { builtin } : {}),
      };
    } finally {
      tf.dispose(outs);
    }
  }

  /** run + full decode. */
  async detect(img: RgbImage, options: DecodeOptions = {}): Promise<Detection[]> {
    return decodeCenterNet(await this.run(img), options).detections;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}

/** Load the COCO CenterNet (see CenterNet.load). */
export function loadCenterNet(options: LoadCenterNetOptions = {}): Promise<CenterNet> {
  return CenterNet.load(options);
}
