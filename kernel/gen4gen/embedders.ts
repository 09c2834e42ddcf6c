/**
 * Embedders and detectors for CP-CLIP / TI-CLIP, each stamped with an id that travels with every score.
 *
 *  - `handcraftedEmbedder` / `hashedTextEmbedder`: deterministic, hand-crafted (colour histogram + gradient-orientation
 *    histogram; hashed bag of words). For tests of wiring and aggregation only — labelled "test embedder, not CLIP".
 *  - `centernetEmbedder`: a real pretrained image embedder available offline — the globally averaged C5 features
 *    (`tower_0/extern1`, 16×16×C; the graph's input is fixed at 512²) of the MobileNetV3 backbone of the COCO CenterNet shipped in npm
 *    `@vladmandic/human` (loaded through core's asset lookup and graph-model loader). Labelled "not CLIP".
 *  - `centernetDetector`: that CenterNet as a closed-vocabulary stand-in for OWL-ViT when concepts are COCO classes.
 *  - `clipEmbedder` / `owlvitDetector`: CLIP ViT-B/32 and OWL-ViT-B/32 through transformers.js from user-supplied
 *    local ONNX folders (`CLIP_DIR`, `OWLVIT_DIR`), remote models disabled — the only paper-comparable setting. The
 *    package is not a dependency (no npm package ships the weights); it is imported when present, else NotFound.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveAsset } from '../core/assets';
import { InvalidInput, NotFound, checkInt, describe } from '../core/errors';
import { loadGraphModel } from '../core/io/tfjs-models';
import { COCO_CLASSES, decodeCenterNet, loadCenterNet, type CenterNet } from '../core/models/centernet';
import { rgbToLab } from '../core/vision/color';
import { checkRgb, cropRgb, resizeRgb, rgbToGray, type RgbImage } from '../core/vision/rgb';
import type { Detection, ImageEmbedder, OpenVocabDetector, TextEmbedder } from './metrics';

const l2 = (v: Float32Array): Float32Array => {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
};

/**
 * 96-d hand-crafted image vector: a 4×4×4 RGB colour histogram (64) + 8-bin gradient-orientation histograms in 2×2
 * cells (32), each part square-rooted and the whole L2-normalised. Near-black pixels (on-black cut-outs) are skipped.
 */
export function handcraftedEmbedder(): ImageEmbedder {
  return {
    id: 'handcrafted-colour+gradient-hist-96 (test embedder, not CLIP)',
    async embedImages(imgs) {
      return imgs.map((img) => {
        checkRgb(img);
        const v = new Float32Array(96);
        const { width: w, height: h, data } = img;
        const g = new Float32Array(w * h);
        for (let i = 0; i < w * h; i++) {
          const r = data[3 * i]!,
            gr = data[3 * i + 1]!,
            b = data[3 * i + 2]!;
          g[i] = 0.299 * r + 0.587 * gr + 0.114 * b;
          if (r + gr + b > 24) v[(r >> 6) * 16 + (gr >> 6) * 4 + (b >> 6)]! += 1;
        }
        for (let y = 1; y < h - 1; y++)
          for (let x = 1; x < w - 1; x++) {
            const gx = g[y * w + x + 1]! - g[y * w + x - 1]!,
              gy = g[(y + 1) * w + x]! - g[(y - 1) * w + x]!;
            const mag = Math.hypot(gx, gy);
            if (mag < 8) continue;
            const bin = Math.min(7, Math.floor(((Math.atan2(gy, gx) + Math.PI) / (2 * Math.PI)) * 8));
            const cell = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
            v[64 + cell * 8 + bin]! += mag;
          }
        const s1 = v.subarray(0, 64).reduce((a, b) => a + b, 0) || 1,
          s2 = v.subarray(64).reduce((a, b) => a + b, 0) || 1;
        for (let i = 0; i < 96; i++) v[i] = Math.sqrt(v[i]! / (i < 64 ? s1 : s2));
        return l2(v);
      });
    },
  };
}

/** Hashed bag of words in `dim` (96) dimensions, L2-normalised (FNV-1a per lower-cased word). Test embedder, not CLIP. */
export function hashedTextEmbedder(dim = 96): TextEmbedder {
  return {
    id: `hashed-bag-of-words-${dim} (test embedder, not CLIP)`,
    async embedTexts(texts) {
      return texts.map((t) => {
        const v = new Float32Array(dim);
        for (const w of t.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
          let h = 0x811c9dc5;
          for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619) >>> 0;
          v[h % dim]! += 1;
        }
        return l2(v);
      });
    },
  };
}

/** Options of `descriptorEmbedder`. */
export interface DescriptorEmbedderOptions {
  /** Weight of each part in the cosine (default lab 1, hog 1, cnn 0); a part of weight 0 is left out. */
  weights?: { lab?: number; hog?: number; cnn?: number };
  /** The pretrained embedder of the 'cnn' part (e.g. centernetEmbedder()); required when weights.cnn > 0. */
  cnn?: ImageEmbedder;
  /** Lab histogram bins for L, a, b (default [4, 8, 8]; a, b over [−80, 80]). */
  labBins?: [number, number, number];
  /** HOG grid: cells per side of the 64×64 grey resample (default 4), 9 unsigned orientation bins per cell. */
  hogCells?: number;
}

/**
 * An offline identity descriptor (hand-crafted, not CLIP): a CIELAB colour histogram (Hellinger: square-rooted
 * frequencies) and a HOG-style grid of unsigned gradient-orientation histograms (Dalal & Triggs 2005: 9 bins,
 * magnitude-weighted, each cell L2-normalised) of a 64×64 grey resample, optionally with a pretrained embedder's vector.
 * Each part is L2-normalised and scaled by √weight, so the cosine of two vectors is the weighted mean of the parts'
 * cosines; all parts of colour and gradient are non-negative, so those cosines lie in [0, 1]. Near-black pixels
 * (on-black cut-outs) are left out of the colour histogram. Written here rather than taken from OpenCV.js because it
 * runs per crop in a loop where the wasm round trip costs more than the arithmetic.
 */
export function descriptorEmbedder(o: DescriptorEmbedderOptions = {}): ImageEmbedder {
  const w = { lab: o.weights?.lab ?? 1, hog: o.weights?.hog ?? 1, cnn: o.weights?.cnn ?? 0 };
  for (const [k, v] of Object.entries(w))
    if (!(Number.isFinite(v) && v >= 0)) throw new InvalidInput(`descriptorEmbedder: weights.${k} must be ≥ 0, got ${describe(v)}`);
  if (w.lab + w.hog + w.cnn <= 0) throw new InvalidInput('descriptorEmbedder: at least one weight must be > 0');
  if (w.cnn > 0 && !o.cnn) throw new InvalidInput('descriptorEmbedder: weights.cnn > 0 needs a cnn embedder (e.g. centernetEmbedder())');
  const [bL, bA, bB] = o.labBins ?? [4, 8, 8];
  for (const b of [bL, bA, bB]) checkInt('descriptorEmbedder labBins', b, 1, 32);
  const cells = o.hogCells ?? 4;
  checkInt('descriptorEmbedder hogCells', cells, 1, 16);
  const parts = [
    w.lab > 0 ? `lab${bL}x${bA}x${bB}*${w.lab}` : '',
    w.hog > 0 ? `hog${cells}x${cells}x9*${w.hog}` : '',
    w.cnn > 0 ? `[${o.cnn!.id.replace(/ \(.*$/, '')}]*${w.cnn}` : '',
  ]
    .filter(Boolean)
    .join('+');
  const scaled = (v: Float32Array, weight: number): Float32Array => {
    l2(v);
    const k = Math.sqrt(weight);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * k;
    return v;
  };
  const lab = new Float64Array(3);
  const labHist = (img: RgbImage): Float32Array => {
    const h = new Float32Array(bL * bA * bB);
    const d = img.data;
    for (let i = 0; i < img.width * img.height; i++) {
      const r = d[3 * i]!,
        g = d[3 * i + 1]!,
        b = d[3 * i + 2]!;
      if (r + g + b <= 24) continue;
      rgbToLab(r, g, b, lab);
      const q = (x: number, lo: number, hi: number, n: number): number =>
        Math.min(n - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * n)));
      h[(q(lab[0]!, 0, 100, bL) * bA + q(lab[1]!, -80, 80, bA)) * bB + q(lab[2]!, -80, 80, bB)]! += 1;
    }
    for (let i = 0; i < h.length; i++) h[i] = Math.sqrt(h[i]!);
    return h;
  };
  const hog = (img: RgbImage): Float32Array => {
    const S = 64,
      g = rgbToGray(resizeRgb(img, S, S)).data,
      cs = S / cells;
    const h = new Float32Array(cells * cells * 9);
    for (let y = 1; y < S - 1; y++)
      for (let x = 1; x < S - 1; x++) {
        const gx = g[y * S + x + 1]! - g[y * S + x - 1]!,
          gy = g[(y + 1) * S + x]! - g[(y - 1) * S + x]!;
        const mag = Math.hypot(gx, gy);
        if (mag === 0) continue;
        let a = Math.atan2(gy, gx);
        if (a < 0) a += Math.PI;
        const bin = Math.min(8, Math.floor((a / Math.PI) * 9));
        h[(Math.floor(y / cs) * cells + Math.floor(x / cs)) * 9 + bin]! += mag;
      }
    for (let c = 0; c < cells * cells; c++) {
      const cell = h.subarray(9 * c, 9 * c + 9);
      const n = Math.sqrt(cell.reduce((t, v) => t + v * v, 0)) + 1e-3;
      for (let i = 0; i < 9; i++) cell[i] = cell[i]! / n;
    }
    return h;
  };
  return {
    id: `descriptor ${parts} (hand-crafted colour/gradient descriptors${w.cnn > 0 ? ' + detector backbone' : ''}, not CLIP)`,
    async embedImages(imgs) {
      imgs.forEach((im) => checkRgb(im));
      const cnn = w.cnn > 0 ? await o.cnn!.embedImages(imgs) : [];
      return imgs.map((img, i) => {
        const ps: Float32Array[] = [];
        if (w.lab > 0) ps.push(scaled(labHist(img), w.lab));
        if (w.hog > 0) ps.push(scaled(hog(img), w.hog));
        if (w.cnn > 0) ps.push(scaled(Float32Array.from(cnn[i]!), w.cnn));
        const v = new Float32Array(ps.reduce((t, p) => t + p.length, 0));
        let off = 0;
        for (const p of ps) (v.set(p, off), (off += p.length));
        return l2(v);
      });
    },
  };
}

/** A pretrained image embedder that is not CLIP: pooled backbone features of the COCO CenterNet. Call dispose(). */
export interface DisposableEmbedder extends ImageEmbedder {
  dispose(): void;
}

/** C5 node of the CenterNet graph (MobileNetV3 output after the extra 1×1 conv + hard-swish), 16×16 at 512². */
export const CENTERNET_FEATURE_NODE = 'tower_0/extern1/hard_swish/mul_1';

/**
 * Pooled CenterNet backbone features. `pool`: 'avg' (default) or 'avg+max' (concatenated); `size`: the square the crop
 * is stretched to (px; the graph's input is fixed at 512). Leaves no tensors behind.
 */
export async function centernetEmbedder(
  o: {
    /** Folder with centernet.json (default @vladmandic/human's models/). */ dir?: string;
    /** Input side (px; default 512, the graph's fixed input and the only size accepted). */ size?: number;
    /** 'avg' (default) or 'avg+max'. */ pool?: 'avg' | 'avg+max';
  } = {},
): Promise<DisposableEmbedder> {
  const size = o.size ?? 512;
  if (size !== 512) throw new InvalidInput(`centernetEmbedder: size must be 512 (the graph's fixed input), got ${describe(size)}`);
  const pool = o.pool ?? 'avg';
  const dir = resolveAsset('human-models', o.dir !== undefined ? { path: o.dir, probe: 'centernet.json' } : {});
  let model: tf.GraphModel | null = await loadGraphModel(join(dir, 'centernet.json'));
  return {
    id: `centernet-mobilenetv3-c5-${pool}-${size} (pretrained COCO detector backbone, not CLIP)`,
    async embedImages(imgs) {
      const m = model;
      if (!m) throw new InvalidInput('centernetEmbedder was disposed');
      const out: Float32Array[] = [];
      for (const img of imgs) {
        checkRgb(img);
        const t = tf.tidy(() => {
          const x = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat();
          const r = tf.image.resizeBilinear(x, [size, size]).expandDims(0);
          const f = m.execute(r, CENTERNET_FEATURE_NODE) as tf.Tensor4D;
          const avg = f.mean([1, 2]);
          return pool === 'avg' ? avg : tf.concat([avg, f.max([1, 2])], 1);
        });
        out.push(l2(new Float32Array(await t.data())));
        t.dispose();
      }
      return out;
    },
    dispose() {
      model?.dispose();
      model = null;
    },
  };
}

/** Options of the COCO CenterNet stand-in detector. */
export interface CenterNetDetectorOptions {
  /** Folder with centernet.json (default @vladmandic/human's models/). */
  dir?: string;
  /** Decode threshold (default 0.05). */
  minScore?: number;
  /**
   * 'requested-labels' (default): only the requested labels are decoded, as CP-CLIP's detector OWL(I, l_O′)
   * (arXiv 2402.15504, Eq. 1) scores only its queries; NMS is then per label (CP-CLIP's box selection).
   * 'class-agnostic' (the decoder's own, as human does): boxes of all 80 classes suppress each other before the
   * requested labels are kept, so a higher "dog" box hides the "cat" under it — a box the metric never asked about
   * removes one it did.
   */
  nms?: 'class-agnostic' | 'requested-labels';
  /**
   * Tiled detection: 1 (default) = the whole image only; n ≥ 2 adds an n×n grid of tiles with 50 % overlap (side
   * 2W/(n+1)), each stretched to the network's 512² like the whole image, so small objects are seen larger. Boxes
   * cut by a tile's inner edge are dropped (the overlapping tile sees the object whole). Cost: 1 + n² network runs.
   */
  tiles?: number;
}

/**
 * The COCO CenterNet as a closed-vocabulary detector: labels must be COCO classes (InvalidInput otherwise); boxes of
 * other classes are dropped. Scores are the heatmap peaks (decode threshold `minScore`). `runs` counts network
 * evaluations (the cost tiling adds). Call dispose().
 */
export async function centernetDetector(
  o: CenterNetDetectorOptions = {},
): Promise<OpenVocabDetector & { dispose(): void; net: CenterNet; runs: number }> {
  const net = await loadCenterNet(o.dir !== undefined ? { dir: o.dir } : {});
  const minScore = o.minScore ?? 0.05,
    mode = o.nms ?? 'requested-labels',
    n = o.tiles ?? 1;
  checkInt('centernetDetector tiles', n, 1, 8);
  if (mode !== 'class-agnostic' && mode !== 'requested-labels')
    throw new InvalidInput(`centernetDetector nms must be 'class-agnostic' or 'requested-labels', got ${describe(mode)}`);
  const tag = [mode === 'requested-labels' ? 'label-nms' : 'agnostic-nms', n > 1 ? `tiles${n}x${n}` : ''].filter(Boolean).join('+');
  const self = {
    id: `centernet-coco80${tag ? `-${tag}` : ''} (closed vocabulary stand-in, not OWL-ViT)`,
    net,
    runs: 0,
    async detect(img: RgbImage, labels: string[]): Promise<Detection[]> {
      const bad = labels.filter((l) => !COCO_CLASSES.includes(l));
      if (bad.length)
        throw new InvalidInput(
          `centernetDetector: ${bad.map((b) => describe(b)).join(', ')} not COCO classes; expected one of the 80 COCO labels`,
        );
      const want = new Set(labels.map((l) => COCO_CLASSES.indexOf(l)));
      const decodeOne = async (im: RgbImage): Promise<Detection[]> => {
        self.runs++;
        const out = await net.run(im);
        if (mode === 'class-agnostic') return decodeCenterNet(out, { minScore }).detections.filter((d) => want.has(d.cls));
        // zero the other classes' heatmap channels: only the queries are decoded (no cross-class suppression)
        const hm = out.heatmap;
        for (let i = 0; i < hm.length; i++) if (!want.has(i % out.classes)) hm[i] = 0;
        return decodeCenterNet(out, { minScore, iou: 1, maxDetections: 100000 }).detections;
      };
      const dets = (await decodeOne(img)).map((d): Detection => ({ label: d.label, score: d.score, box: d.box }));
      if (n > 1) {
        const tw = (2 * img.width) / (n + 1),
          th = (2 * img.height) / (n + 1);
        for (let ty = 0; ty < n; ty++)
          for (let tx = 0; tx < n; tx++) {
            const x0 = Math.round((tx * tw) / 2),
              y0 = Math.round((ty * th) / 2);
            const w = Math.min(img.width - x0, Math.round(tw)),
              h = Math.min(img.height - y0, Math.round(th));
            for (const d of await decodeOne(cropRgb(img, x0, y0, w, h))) {
              const [bx, by, bw, bh] = d.box;
              // a box touching an inner tile edge is a cut object: the overlapping tile sees it whole
              const cut =
                (bx <= 2 && x0 > 0) ||
                (by <= 2 && y0 > 0) ||
                (bx + bw >= w - 2 && x0 + w < img.width) ||
                (by + bh >= h - 2 && y0 + h < img.height);
              if (!cut) dets.push({ label: d.label, score: d.score, box: [bx + x0, by + y0, bw, bh] });
            }
          }
      }
      return dets;
    },
    dispose: () => net.dispose(),
  };
  return self;
}

/** Import an optional package by name (kept out of the bundle), or null when it is not installed. */
async function optionalImport(name: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(/* webpackIgnore: true */ name)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The transformers.js module (v3 `@huggingface/transformers`, else v2 `@xenova/transformers`) with remote models off. */
async function transformersFrom(dir: string, what: string): Promise<{ T: Record<string, any>; id: string }> {
  if (typeof dir !== 'string' || !dir || !existsSync(dir))
    throw new NotFound(
      `${what}: model folder ${describe(dir)} does not exist; export a local ONNX copy (e.g. Xenova/${what === 'clip' ? 'clip-vit-base-patch32' : 'owlvit-base-patch32'}) and pass its path`,
    );
  const T = (await optionalImport('@huggingface/transformers')) ?? (await optionalImport('@xenova/transformers'));
  if (!T)
    throw new NotFound(
      `${what}: transformers.js is not installed; npm install @huggingface/transformers (not a dependency of edgelab: it ships no weights)`,
    );
  const env = T.env as { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(dir) + '/';
  return { T: T as Record<string, any>, id: basename(dir) };
}

/** CLIP image + text embedder from a local ONNX folder (transformers.js layout). Paper-comparable when it is ViT-B/32. */
export async function clipEmbedder(dir: string): Promise<ImageEmbedder & TextEmbedder> {
  const { T, id } = await transformersFrom(dir, 'clip');
  const processor = await T.AutoProcessor.from_pretrained(id);
  const tokenizer = await T.AutoTokenizer.from_pretrained(id);
  const vision = await T.CLIPVisionModelWithProjection.from_pretrained(id);
  const text = await T.CLIPTextModelWithProjection.from_pretrained(id);
  const tag = /patch32/i.test(id) && /base/i.test(id) ? 'clip-vit-base-patch32' : `clip:${id}`;
  return {
    id: `${tag} (local ONNX ${dir})`,
    async embedImages(imgs) {
      const out: Float32Array[] = [];
      for (const img of imgs) {
        const raw = new T.RawImage(new Uint8ClampedArray(img.data), img.width, img.height, 3);
        const { image_embeds } = await vision(await processor(raw));
        out.push(l2(Float32Array.from(image_embeds.data as ArrayLike<number>)));
      }
      return out;
    },
    async embedTexts(texts) {
      const inputs = tokenizer(texts, { padding: true, truncation: true });
      const { text_embeds } = await text(inputs);
      const d = text_embeds.dims[1] as number;
      const flat = text_embeds.data as Float32Array;
      return texts.map((_, i) => l2(Float32Array.from(flat.subarray(i * d, (i + 1) * d))));
    },
  };
}

/** OWL-ViT zero-shot detector from a local ONNX folder (transformers.js `zero-shot-object-detection`). */
export async function owlvitDetector(
  dir: string,
  o: {
    /** Score threshold passed to the pipeline (default 0.05). */
    threshold?: number;
  } = {},
): Promise<OpenVocabDetector> {
  const { T, id } = await transformersFrom(dir, 'owlvit');
  const det = await T.pipeline('zero-shot-object-detection', id);
  const tag = /owlvit-base-patch32/i.test(id) ? 'owlvit-base-patch32' : `owlvit:${id}`;
  return {
    id: `${tag} (local ONNX ${dir})`,
    async detect(img, labels) {
      const raw = new T.RawImage(new Uint8ClampedArray(img.data), img.width, img.height, 3);
      const res = (await det(raw, labels, { threshold: o.threshold ?? 0.05 })) as {
        score: number;
        label: string;
        box: { xmin: number; ymin: number; xmax: number; ymax: number };
      }[];
      return res.map((r) => ({
        label: r.label,
        score: r.score,
        box: [r.box.xmin, r.box.ymin, r.box.xmax - r.box.xmin, r.box.ymax - r.box.ymin],
      }));
    },
  };
}
