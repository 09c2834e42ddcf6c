/**
 * The "add" and "video" operations of GazeGen (Hsieh et al., arXiv 2411.04335, §3.3 addition, §3.4 video), offline:
 *  - add: the paper asks an MLLM (LLaVA) for a box at the gaze point and synthesises an object in it; here the box
 *    comes from a per-class size prior centred on the gaze point, and the object is a cut-out from a small library
 *    made from real photos (GrabCut mask, same dilation/feather as the other edits), Poisson-blended in.
 *  - animate: the paper animates with a text-to-video model; here N frames of a zoom toward the gaze point, a
 *    two-layer parallax (object and hole-filled background moving differently), or the selected object sliding to a
 *    destination — written as GIF (and MP4 where ffmpeg exists).
 */
import { InvalidInput, checkInt, checkOneOf, describe } from '../core/errors';
import { alphaComposite, prepareMask } from '../core/vision/mask';
import { type Box, type RgbImage, checkBox, checkRgb, maskArea } from '../core/vision/raster';
import { objectMask, inpaintRgb } from '../core/vision/segment';
import { type BlendMethod, type CutOut, cutOut, pasteCutOut, scaleCutOut } from '../core/vision/blend';
import { cropRgb, resizeRgb } from '../core/vision/rgb';
import { encodeGif, encodeMp4, findFfmpeg } from '../core/vision/animation';
import { type EditResult, type EditSelection, type ImagePoint, countChanged } from './edit';

/** One object of the add library: a cut-out from a real photo, with its class and where it came from. */
export interface LibraryObject {
  label: string;
  cut: CutOut;
  /** Photo id / file and box it was cut from (provenance). */
  source: { photo: string; box: Box };
  maskMethod: 'grabcut' | 'ellipse' | 'given';
  /** Object mask area (px) and the dilation radius used, in the source photo. */
  objectArea: number;
  dilation: number;
}

/** Cut an object out of a real photo for the add library (GrabCut in the box, small dilation, feathered edge). */
export async function makeLibraryObject(img: RgbImage, box: Box, label: string, photo: string, seed = 0): Promise<LibraryObject> {
  checkRgb(img);
  const b = checkBox(box, img.width, img.height);
  if (typeof label !== 'string' || !label) throw new InvalidInput(`label must be a non-empty class name, got ${describe(label)}`);
  const m = await objectMask(img, b, { seed });
  // a thin band only: pasted objects should carry little of their old background
  const prep = prepareMask(m.mask, { dilate: 3, feather: 1 });
  return {
    label,
    cut: cutOut(img, prep),
    source: { photo, box: b },
    maskMethod: m.method,
    objectArea: prep.objectArea,
    dilation: prep.radius,
  };
}

/**
 * Typical object height as a fraction of the photo's height, per COCO class, for photos of tabletop and street
 * scenes like the bundled ones (set by hand from those photos; a caller can pass its own, e.g. medians of labelled
 * boxes). Classes not listed use `defaultFrac` (0.25).
 */
export const SIZE_PRIOR: Readonly<Record<string, number>> = {
  cup: 0.3,
  apple: 0.2,
  orange: 0.2,
  banana: 0.25,
  bowl: 0.3,
  bottle: 0.4,
  cat: 0.5,
  dog: 0.5,
  clock: 0.3,
  'sports ball': 0.15,
  motorcycle: 0.5,
  car: 0.3,
  boat: 0.25,
  airplane: 0.25,
  person: 0.6,
};

export interface AddOptions {
  /** Object height as a fraction of the image height (default: SIZE_PRIOR[label] or 0.25). */
  heightFrac?: number;
  /** 'poisson' (default) or 'feather'. */
  blend?: BlendMethod;
}

/** The box the size prior suggests at a gaze point (centred on it, shifted inside the image), keeping the object's aspect. */
export function suggestBox(
  obj: LibraryObject,
  at: ImagePoint,
  width: number,
  height: number,
  heightFrac?: number,
): { box: Box; scale: number } {
  const frac = heightFrac ?? SIZE_PRIOR[obj.label] ?? 0.25;
  if (!(frac > 0 && frac <= 1)) throw new InvalidInput(`heightFrac must be in (0, 1], got ${describe(frac)}`);
  const ob = obj.cut.objectBox;
  const scale = (frac * height) / ob[3];
  const w = Math.round(ob[2] * scale),
    h = Math.round(ob[3] * scale);
  const x = Math.min(Math.max(0, Math.round(at.x - w / 2)), Math.max(0, width - w)),
    y = Math.min(Math.max(0, Math.round(at.y - h / 2)), Math.max(0, height - h));
  return { box: [x, y, w, h], scale };
}

/** Add a library object at the gaze point, sized by the class prior. Pixels outside the pasted region are unchanged. */
export async function addObject(img: RgbImage, obj: LibraryObject, at: ImagePoint, opts: AddOptions = {}, seed = 0): Promise<EditResult> {
  const t0 = performance.now();
  checkRgb(img);
  if (!obj || !obj.cut) throw new InvalidInput(`addObject: expected a LibraryObject (from makeLibraryObject), got ${describe(obj)}`);
  if (!at || !Number.isFinite(at.x) || !Number.isFinite(at.y) || at.x < 0 || at.y < 0 || at.x >= img.width || at.y >= img.height)
    throw new InvalidInput(
      `addObject: gaze point ${describe(at && [at.x, at.y])} must be finite and inside the ${img.width}×${img.height} image`,
    );
  const blend = checkOneOf('blend', opts.blend ?? 'poisson', ['poisson', 'feather'] as const);
  const { box, scale } = suggestBox(obj, at, img.width, img.height, opts.heightFrac);
  const c = scaleCutOut(obj.cut, scale);
  if (c.rgb.width > img.width || c.rgb.height > img.height)
    throw new InvalidInput(
      `addObject: the scaled object (${c.rgb.width}×${c.rgb.height}) does not fit the ${img.width}×${img.height} image; lower heightFrac`,
    );
  const x = Math.min(Math.max(0, box[0] - c.objectBox[0]), img.width - c.rgb.width),
    y = Math.min(Math.max(0, box[1] - c.objectBox[1]), img.height - c.rgb.height);
  const p = pasteCutOut(img, c, { x, y }, { method: blend });
  return {
    image: p.image,
    record: {
      op: 'add',
      seed,
      changed: p.region,
      changedPixels: countChanged(img, p.image),
      maskMethod: obj.maskMethod,
      objectArea: Math.round(obj.objectArea * scale * scale),
      dilatedArea: maskArea(p.region),
      dilation: { radius: obj.dilation * scale, requested: obj.dilation * scale },
      details: {
        label: obj.label,
        source: obj.source,
        suggestedBox: box,
        placedBox: p.objectBox,
        scale,
        blend,
        poissonIterations: p.iterations,
      },
      ms: performance.now() - t0,
    },
  };
}

export type AnimateMode = 'zoom' | 'parallax' | 'move';

export interface AnimateOptions {
  /** 'zoom' toward the gaze point (default), 'parallax' (needs a selection), 'move' (needs a selection and `to`). */
  mode?: AnimateMode;
  /** Frames (default 12, 2..120). */
  frames?: number;
  /** Zoom factor at the last frame for 'zoom' (default 1.6). */
  zoom?: number;
  /** Parallax amplitude as a fraction of the image width (default 0.04). */
  amplitude?: number;
  /** Destination for 'move'. */
  to?: ImagePoint;
  /** Frame delay in the GIF (ms, default 80). */
  delayMs?: number;
  /** Also write MP4 when ffmpeg exists (default true). */
  mp4?: boolean;
}

export interface AnimateResult {
  frames: RgbImage[];
  gif: Uint8Array;
  /** H.264 MP4, or null when ffmpeg is not installed (reason in `mp4Note`). */
  mp4: Uint8Array | null;
  mp4Note: string;
  record: { op: 'animate'; mode: AnimateMode; frames: number; center: ImagePoint; seed: number; ms: number };
}

function zoomFrame(img: RgbImage, c: ImagePoint, z: number): RgbImage {
  const w = Math.min(img.width, Math.max(2, Math.round(img.width / z))),
    h = Math.min(img.height, Math.max(2, Math.round(img.height / z)));
  const x0 = Math.min(Math.max(0, Math.round(c.x - w / 2)), img.width - w),
    y0 = Math.min(Math.max(0, Math.round(c.y - h / 2)), img.height - h);
  return resizeRgb(cropRgb(img, x0, y0, w, h), img.height, img.width);
}

/** Animate the image around the gaze point (see AnimateMode) and encode the frames. */
export async function animate(
  img: RgbImage,
  center: ImagePoint,
  sel: EditSelection | null,
  opts: AnimateOptions = {},
  seed = 0,
): Promise<AnimateResult> {
  const t0 = performance.now();
  checkRgb(img);
  const mode = checkOneOf('animate mode', opts.mode ?? 'zoom', ['zoom', 'parallax', 'move'] as const);
  const n = checkInt('frames', opts.frames ?? 12, 2, 120);
  if (!center || !Number.isFinite(center.x) || !Number.isFinite(center.y))
    throw new InvalidInput(`animate: center must be a finite point, got ${describe(center)}`);
  const frames: RgbImage[] = [];
  if (mode === 'zoom') {
    const zoom = opts.zoom ?? 1.6;
    if (!(zoom >= 1 && zoom <= 8)) throw new InvalidInput(`zoom must be in [1, 8], got ${describe(zoom)}`);
    for (let k = 0; k < n; k++) frames.push(zoomFrame(img, center, 1 + ((zoom - 1) * k) / (n - 1)));
  } else {
    if (!sel) throw new InvalidInput(`animate mode '${mode}' needs a selected object`);
    const b = checkBox(sel.box, img.width, img.height, 'selection.box');
    const mask = sel.mask ?? (await objectMask(img, b, { seed })).mask;
    const prep = prepareMask(mask);
    const cut = cutOut(img, prep);
    const filled = await inpaintRgb(img, prep.dilated);
    const bg = { width: img.width, height: img.height, data: alphaComposite(img.data, filled.data, prep.alpha) };
    if (mode === 'move') {
      const to = opts.to;
      if (!to || !Number.isFinite(to.x) || !Number.isFinite(to.y))
        throw new InvalidInput(`animate mode 'move' needs a finite destination 'to', got ${describe(to)}`);
      for (let k = 0; k < n; k++) {
        const t = k / (n - 1);
        const x = Math.round(cut.origin.x + t * (to.x - (cut.origin.x + cut.objectBox[0] + cut.objectBox[2] / 2)));
        const y = Math.round(cut.origin.y + t * (to.y - (cut.origin.y + cut.objectBox[1] + cut.objectBox[3] / 2)));
        const cx = Math.min(Math.max(0, x), img.width - cut.rgb.width),
          cy = Math.min(Math.max(0, y), img.height - cut.rgb.height);
        frames.push(pasteCutOut(bg, cut, { x: cx, y: cy }, { method: 'feather' }).image);
      }
    } else {
      const amp = (opts.amplitude ?? 0.04) * img.width;
      for (let k = 0; k < n; k++) {
        const s = Math.sin((2 * Math.PI * k) / n);
        // background drifts half as far and the other way; both seen through a 1.1× zoom so edges stay covered
        const view = zoomFrame(bg, { x: img.width / 2 - 0.5 * amp * s, y: img.height / 2 }, 1.1);
        const c = scaleCutOut(cut, 1.1);
        const ox = Math.round((cut.origin.x - img.width / 2) * 1.1 + img.width / 2 + amp * s),
          oy = Math.round((cut.origin.y - img.height / 2) * 1.1 + img.height / 2);
        const px = Math.min(Math.max(0, ox), img.width - c.rgb.width),
          py = Math.min(Math.max(0, oy), img.height - c.rgb.height);
        frames.push(pasteCutOut(view, c, { x: px, y: py }, { method: 'feather' }).image);
      }
    }
  }
  const gif = encodeGif(frames, { delayMs: opts.delayMs ?? 80 });
  let mp4: Uint8Array | null = null;
  let mp4Note = 'not asked';
  if (opts.mp4 ?? true) {
    if (findFfmpeg()) {
      mp4 = await encodeMp4(frames, { fps: 1000 / (opts.delayMs ?? 80) });
      mp4Note = 'ffmpeg libx264';
    } else mp4Note = 'ffmpeg not installed; GIF only';
  }
  return { frames, gif, mp4, mp4Note, record: { op: 'animate', mode, frames: n, center, seed, ms: performance.now() - t0 } };
}
