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
import { InvalidInput, NotFound, describe } from '../core/errors';
import { loadGraphModel } from '../core/io/tfjs-models';
import { COCO_CLASSES, loadCenterNet, type CenterNet } from '../core/models/centernet';
import { checkRgb } from '../core/vision/rgb';
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

/**
 * The COCO CenterNet as a closed-vocabulary detector: labels must be COCO classes (InvalidInput otherwise); boxes of
 * other classes are dropped. Scores are the heatmap peaks (decode threshold `minScore`, default 0.05). Call dispose().
 */
export async function centernetDetector(
  o: {
    /** Folder with centernet.json (default @vladmandic/human's models/). */ dir?: string;
    /** Decode threshold (default 0.05). */ minScore?: number;
  } = {},
): Promise<OpenVocabDetector & { dispose(): void; net: CenterNet }> {
  const net = await loadCenterNet(o.dir !== undefined ? { dir: o.dir } : {});
  return {
    id: 'centernet-coco80 (closed vocabulary stand-in, not OWL-ViT)',
    net,
    async detect(img, labels) {
      const bad = labels.filter((l) => !COCO_CLASSES.includes(l));
      if (bad.length)
        throw new InvalidInput(
          `centernetDetector: ${bad.map((b) => describe(b)).join(', ')} not COCO classes; expected one of the 80 COCO labels`,
        );
      const dets = await net.detect(img, { minScore: o.minScore ?? 0.05 });
      return dets.filter((d) => labels.includes(d.label)).map((d): Detection => ({ label: d.label, score: d.score, box: d.box }));
    },
    dispose: () => net.dispose(),
  };
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
