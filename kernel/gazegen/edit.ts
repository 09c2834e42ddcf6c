/**
 * GazeGen's editing operations (Hsieh et al., arXiv 2411.04335, §3.3 "image editing": addition, deletion,
 * repositioning, style transfer; §3.4 video), done without diffusion models: each is a pure async function
 * (image, selection(s), options, seed) → { image, record }. The input image is never modified, and every pixel an
 * operation may change is listed in `record.changed` — everything outside it is bit-identical to the input.
 *
 * The paper regenerates with Stable Diffusion; here the default backend is classical (OpenCV inpainting, Poisson
 * blending, Lab statistics transfer), and a user's own AUTOMATIC1111-style server can be plugged in (generative.ts).
 * The masks follow the inpainting pitfalls reported for point-driven editors (Inpaint Anything and its users):
 * a sharp mask leaves a seam → feathered composite; a tight object-shaped mask makes a generator re-draw the same
 * silhouette → dilation; unbounded dilation eats the background → capped at 1.5× the object area (core/vision/mask.ts).
 */
import { Aborted, InvalidInput, checkOneOf, describe } from '../core/errors';
import { type PrepareMaskOptions, type PreparedMask, alphaComposite, prepareMask } from '../core/vision/mask';
import { type Box, type Mask, type RgbImage, boxMask, checkBox, checkMask, checkRgb, maskArea } from '../core/vision/raster';
import { type InpaintMethod, inpaintRgb, objectMask } from '../core/vision/segment';
import { type BlendMethod, type CutOut, cutOut, pasteCutOut, scaleCutOut } from '../core/vision/blend';
import { labStats, transferLabStats } from '../core/vision/color';

/** What the user selected: a box (from the detector) and optionally its object mask and class. */
export interface EditSelection {
  /** [x, y, width, height] in image pixels. */
  box: Box;
  /** Object mask; when absent it is segmented inside the box with GrabCut. */
  mask?: Mask;
  /** COCO class label, if known (recorded; used by the size prior of `addObject`). */
  label?: string;
}

/** A point in image pixels (a fixation). */
export interface ImagePoint {
  x: number;
  y: number;
}

export type EditOp = 'delete' | 'move' | 'restyle' | 'add';

/** What an operation did, enough to explain and undo it. */
export interface EditRecord {
  op: EditOp;
  seed: number;
  /** Every pixel the edit may have changed (1); outside it the result equals the input byte for byte. */
  changed: Mask;
  /** Pixels actually changed. */
  changedPixels: number;
  /** How the object mask was obtained: given, GrabCut, the inscribed-ellipse fallback, or the whole box (region 'box'). */
  maskMethod: 'given' | 'grabcut' | 'ellipse' | 'box';
  /** Object / dilated mask areas (px) and the dilation radius used (after the 1.5× area cap) vs asked for. */
  objectArea: number;
  dilatedArea: number;
  dilation: { radius: number; requested: number };
  /** Operation-specific numbers (boxes, scale, blend, iterations, colour statistics…). */
  details: Record<string, unknown>;
  /** Wall time of the operation (ms). */
  ms: number;
}

export interface EditResult {
  image: RgbImage;
  record: EditRecord;
}

/** Options shared by the operations that remove an object. */
export interface RemoveOptions {
  /** Mask dilation and feathering (defaults: dilate 'auto', cap 1.5× object area, feather half the band). */
  mask?: PrepareMaskOptions;
  /** Inpainting: 'telea' (default; fast marching) or 'ns' (Navier–Stokes). */
  inpaint?: InpaintMethod;
  /** Inpainting neighbourhood radius (px, default 5). */
  inpaintRadius?: number;
  /** GrabCut iterations when the mask is segmented (default 5). */
  grabCutIterations?: number;
  /**
   * The editing region, as the paper's interface toggles it (arXiv 2411.04335 Fig. 3, "box or mask"): 'mask'
   * (default) = the object's mask (given, else GrabCut in the box); 'box' = the whole box. A box also removes what
   * GrabCut misses (an object part coloured like its surroundings) at the cost of more background.
   */
  region?: 'mask' | 'box';
}

async function selectionMask(
  img: RgbImage,
  sel: EditSelection,
  seed: number,
  iterations?: number,
  what = 'selection',
  region: 'mask' | 'box' = 'mask',
): Promise<{ mask: Mask; method: EditRecord['maskMethod'] }> {
  if (!sel || typeof sel !== 'object') throw new InvalidInput(`${what} must be { box, mask?, label? }, got ${describe(sel)}`);
  const b = checkBox(sel.box, img.width, img.height, `${what}.box`);
  if (checkOneOf('region', region, ['mask', 'box'] as const) === 'box') return { mask: boxMask(b, img.width, img.height), method: 'box' };
  if (sel.mask) {
    checkMask(sel.mask, img.width, img.height, `${what}.mask`);
    if (maskArea(sel.mask) === 0) throw new InvalidInput(`${what}.mask is empty (0 pixels inside); expected the object's pixels`);
    return { mask: sel.mask, method: 'given' };
  }
  const r = await objectMask(img, sel.box, { seed, ...(iterations ? { iterations } : {}) });
  return { mask: r.mask, method: r.method };
}

/** Pixels where two same-size images differ. */
export function countChanged(a: RgbImage, b: RgbImage): number {
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++)
    if (a.data[3 * i] !== b.data[3 * i] || a.data[3 * i + 1] !== b.data[3 * i + 1] || a.data[3 * i + 2] !== b.data[3 * i + 2]) n++;
  return n;
}

function checkSeed(seed: number): number {
  if (!Number.isInteger(seed)) throw new InvalidInput(`seed must be an integer, got ${describe(seed)}`);
  return seed;
}

/** Inpaint the dilated mask and feather the fill into the original (the hole-filling step of delete and move). */
async function removeObject(img: RgbImage, prep: PreparedMask, opts: RemoveOptions): Promise<RgbImage> {
  const filled = await inpaintRgb(img, prep.dilated, { method: opts.inpaint ?? 'telea', radius: opts.inpaintRadius ?? 5 });
  return { width: img.width, height: img.height, data: alphaComposite(img.data, filled.data, prep.alpha) };
}

/**
 * Delete the selected object: segment it in its box (GrabCut) unless a mask is given, dilate the mask (capped at
 * 1.5× its area), inpaint the dilated region, and feather the fill in. Pixels outside the dilated mask are unchanged.
 */
export async function deleteObject(img: RgbImage, sel: EditSelection, opts: RemoveOptions = {}, seed = 0): Promise<EditResult> {
  const t0 = performance.now();
  checkRgb(img);
  checkSeed(seed);
  const { mask, method } = await selectionMask(img, sel, seed, opts.grabCutIterations, 'selection', opts.region);
  const prep = prepareMask(mask, opts.mask);
  const out = await removeObject(img, prep, opts);
  return {
    image: out,
    record: {
      op: 'delete',
      seed,
      changed: prep.dilated,
      changedPixels: countChanged(img, out),
      maskMethod: method,
      objectArea: prep.objectArea,
      dilatedArea: prep.dilatedArea,
      dilation: { radius: prep.radius, requested: prep.requestedRadius },
      details: { box: sel.box, label: sel.label ?? null, inpaint: opts.inpaint ?? 'telea' },
      ms: performance.now() - t0,
    },
  };
}

/**
 * Size of a moved object at its destination, without depth. 'keep' (default): same pixel size — the object is
 * assumed to stay at the same distance. 'ground': objects standing on a floor plane seen by a level camera have
 * apparent size ∝ (v_bottom − v_horizon) (the image row of their contact point below the horizon), so the scale is
 * the ratio of those distances at destination and origin, with the horizon at `horizon`·height (default 0.4) and
 * the scale clamped to [0.5, 2]; points at or above the horizon fall back to 'keep'.
 */
export type SizeRule = 'keep' | 'ground';

/** The destination scale of a moved object under `rule` (bottom rows and height in pixels; see SizeRule). */
export function moveScale(rule: SizeRule, originBottom: number, destBottom: number, height: number, horizon = 0.4): number {
  if (rule === 'keep') return 1;
  const h = horizon * height;
  if (originBottom <= h + 1 || destBottom <= h + 1) return 1;
  return Math.min(2, Math.max(0.5, (destBottom - h) / (originBottom - h)));
}

export interface MoveOptions extends RemoveOptions {
  /** How the object is blended in at its destination: 'poisson' (default) or 'feather'. */
  blend?: BlendMethod;
  /** Size rule at the destination (default 'keep'); see `moveScale`. */
  sizeRule?: SizeRule;
  /** Horizon row as a fraction of the height for the 'ground' rule (default 0.4). */
  horizon?: number;
}

/** Top-left position that puts the centre of `ob` (a box in the cut-out's coordinates) on `p`, shifted so the whole cut-out stays in the image. */
function placeAt(c: CutOut, ob: Box, p: ImagePoint, W: number, H: number): { x: number; y: number; shifted: boolean } {
  let x = Math.round(p.x - (ob[0] + ob[2] / 2)),
    y = Math.round(p.y - (ob[1] + ob[3] / 2));
  const x2 = Math.min(Math.max(0, x), W - c.rgb.width),
    y2 = Math.min(Math.max(0, y), H - c.rgb.height);
  const shifted = x2 !== x || y2 !== y;
  x = x2;
  y = y2;
  return { x, y, shifted };
}

function checkPoint(p: unknown, W: number, H: number, what: string): ImagePoint {
  const q = p as ImagePoint;
  if (!q || typeof q !== 'object' || !Number.isFinite(q.x) || !Number.isFinite(q.y))
    throw new InvalidInput(
      `${what} must be { x, y } with finite pixel coordinates, got ${describe(p)}${q && typeof q === 'object' ? ` (${describe(q.x)}, ${describe(q.y)})` : ''}`,
    );
  if (q.x < 0 || q.y < 0 || q.x >= W || q.y >= H) throw new InvalidInput(`${what} (${q.x}, ${q.y}) lies outside the ${W}×${H} image`);
  return q;
}

/**
 * Move the selected object to a second fixation: cut it (with its dilated, feathered mask), fill the hole as
 * `deleteObject` does, scale it by the size rule, and paste it centred on the destination with Poisson (default)
 * or feathered blending. A destination too close to the border shifts the paste inward (recorded). Pixels outside
 * the source's dilated mask and the pasted region are unchanged.
 */
export async function moveObject(
  img: RgbImage,
  sel: EditSelection,
  dest: ImagePoint,
  opts: MoveOptions = {},
  seed = 0,
): Promise<EditResult> {
  const t0 = performance.now();
  checkRgb(img);
  checkSeed(seed);
  checkPoint(dest, img.width, img.height, 'destination');
  const blend = checkOneOf('blend', opts.blend ?? 'poisson', ['poisson', 'feather'] as const);
  const rule = checkOneOf('sizeRule', opts.sizeRule ?? 'keep', ['keep', 'ground'] as const);
  const { mask, method } = await selectionMask(img, sel, seed, opts.grabCutIterations, 'selection', opts.region);
  const prep = prepareMask(mask, opts.mask);
  const cut = cutOut(img, prep);
  const hole = await removeObject(img, prep, opts);
  const originBottom = cut.origin.y + cut.objectBox[1] + cut.objectBox[3];
  // the object's centre lands on the fixation, so its bottom row lands half its (unscaled) height below it
  const scale = moveScale(rule, originBottom, dest.y + cut.objectBox[3] / 2, img.height, opts.horizon ?? 0.4);
  const scaled = scaleCutOut(cut, scale);
  if (scaled.rgb.width > img.width || scaled.rgb.height > img.height)
    throw new InvalidInput(
      `moveObject: the object (${scaled.rgb.width}×${scaled.rgb.height} px with its margin) does not fit in the ${img.width}×${img.height} image`,
    );
  // the selected box, in the scaled cut-out's coordinates: its centre goes to the fixation, and it is the box the
  // result reports at the destination (what a detector should find there)
  const sx = scaled.rgb.width / cut.rgb.width,
    sy = scaled.rgb.height / cut.rgb.height;
  const selBox: Box = [(sel.box[0] - cut.origin.x) * sx, (sel.box[1] - cut.origin.y) * sy, sel.box[2] * sx, sel.box[3] * sy];
  const at = placeAt(scaled, selBox, dest, img.width, img.height);
  const pasted = pasteCutOut(hole, scaled, at, { method: blend });
  const destinationBox: Box = [at.x + selBox[0], at.y + selBox[1], selBox[2], selBox[3]];
  const changed = new Uint8Array(img.width * img.height);
  for (let i = 0; i < changed.length; i++) changed[i] = prep.dilated.data[i]! | pasted.region.data[i]!;
  return {
    image: pasted.image,
    record: {
      op: 'move',
      seed,
      changed: { width: img.width, height: img.height, data: changed },
      changedPixels: countChanged(img, pasted.image),
      maskMethod: method,
      objectArea: prep.objectArea,
      dilatedArea: prep.dilatedArea,
      dilation: { radius: prep.radius, requested: prep.requestedRadius },
      details: {
        box: sel.box,
        label: sel.label ?? null,
        destination: { x: dest.x, y: dest.y },
        destinationBox,
        destinationObjectBox: pasted.objectBox,
        sourceRegion: prep.dilated,
        destinationRegion: pasted.region,
        shiftedInside: at.shifted,
        scale,
        sizeRule: rule,
        blend,
        poissonIterations: pasted.iterations,
        inpaint: opts.inpaint ?? 'telea',
      },
      ms: performance.now() - t0,
    },
  };
}

export interface RestyleOptions {
  /** 0..1, how far the target's Lab statistics move toward the reference's (default 1). */
  strength?: number;
  /** Also match the reference's fine-texture contrast (std of L minus its 5×5 box blur), default true. */
  texture?: boolean;
  /** Feather width at the target's edge in pixels (default 2; the edit stays inside target mask + this band). */
  edge?: number;
  /** GrabCut iterations when a mask is segmented (default 5). */
  grabCutIterations?: number;
}

/** Fine detail of the luminance: L − boxblur(L) over a (2r+1)² window. */
function detailOf(img: RgbImage, r = 2): { L: Float64Array; detail: Float64Array } {
  const { width: W, height: H } = img;
  const L = new Float64Array(W * H);
  // a luminance proxy on the 0..100 scale (Rec. 709 weights on the gamma-encoded bytes): detail contrast only
  for (let i = 0; i < W * H; i++) L[i] = (0.2126 * img.data[3 * i]! + 0.7152 * img.data[3 * i + 1]! + 0.0722 * img.data[3 * i + 2]!) / 2.55;
  const tmp = new Float64Array(W * H),
    blur = new Float64Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let s = 0,
        n = 0;
      for (let k = Math.max(0, x - r); k <= Math.min(W - 1, x + r); k++, n++) s += L[y * W + k]!;
      tmp[y * W + x] = s / n;
    }
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let s = 0,
        n = 0;
      for (let k = Math.max(0, y - r); k <= Math.min(H - 1, y + r); k++, n++) s += tmp[k * W + x]!;
      blur[y * W + x] = s / n;
    }
  const detail = new Float64Array(W * H);
  for (let i = 0; i < W * H; i++) detail[i] = L[i]! - blur[i]!;
  return { L, detail };
}

function stdOver(v: Float64Array, m: Mask): number {
  let s = 0,
    s2 = 0,
    n = 0;
  for (let i = 0; i < v.length; i++)
    if (m.data[i]) {
      s += v[i]!;
      s2 += v[i]! * v[i]!;
      n++;
    }
  return n ? Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)) : 0;
}

/**
 * Style transfer from a reference object to a target object (two fixations: reference first, then target): the
 * target's CIELAB mean and standard deviation are moved to the reference's (Reinhard et al. 2001), then, with
 * `texture`, its fine-detail contrast is scaled to the reference's (a one-scale texture statistic). Only the target
 * mask and a thin feathered band around it change.
 */
export async function restyleObject(
  img: RgbImage,
  reference: EditSelection,
  target: EditSelection,
  opts: RestyleOptions = {},
  seed = 0,
): Promise<EditResult> {
  const t0 = performance.now();
  checkRgb(img);
  checkSeed(seed);
  const strength = opts.strength ?? 1;
  if (!(strength >= 0 && strength <= 1)) throw new InvalidInput(`restyle strength must be in [0, 1], got ${describe(strength)}`);
  const ref = await selectionMask(img, reference, seed, opts.grabCutIterations, 'reference');
  const tgt = await selectionMask(img, target, seed, opts.grabCutIterations, 'target');
  const prep = prepareMask(tgt.mask, { dilate: opts.edge ?? 2, feather: 1, maxAreaRatio: 1.5 });
  const refStats = labStats(img, ref.mask);
  const { image: recoloured, targetStats } = transferLabStats(img, prep.alpha, refStats, { strength });
  let out = recoloured;
  let textureGain = 1;
  if (opts.texture ?? true) {
    const dr = detailOf(img).detail;
    const dt = detailOf(recoloured).detail;
    const sr = stdOver(dr, ref.mask),
      st = stdOver(dt, tgt.mask);
    textureGain = st > 1e-6 ? Math.min(3, Math.max(1 / 3, sr / st)) : 1;
    textureGain = 1 + strength * (textureGain - 1);
    if (Math.abs(textureGain - 1) > 1e-3) {
      const data = recoloured.data.slice();
      for (let i = 0; i < img.width * img.height; i++) {
        const a = prep.alpha.data[i]!;
        if (a <= 0) continue;
        const add = a * (textureGain - 1) * dt[i]! * 2.55; // detail is in L units (0..100) → bytes
        for (let c = 0; c < 3; c++) {
          const v = Math.round(recoloured.data[3 * i + c]! + add);
          data[3 * i + c] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
      out = { width: img.width, height: img.height, data };
    }
  }
  return {
    image: out,
    record: {
      op: 'restyle',
      seed,
      changed: prep.dilated,
      changedPixels: countChanged(img, out),
      maskMethod: tgt.method,
      objectArea: prep.objectArea,
      dilatedArea: prep.dilatedArea,
      dilation: { radius: prep.radius, requested: prep.requestedRadius },
      details: {
        referenceBox: reference.box,
        targetBox: target.box,
        referenceMask: ref.method,
        reference: refStats,
        targetBefore: targetStats,
        strength,
        textureGain,
      },
      ms: performance.now() - t0,
    },
  };
}

export interface SecondFixationOptions {
  /** How long to wait (ms, default 10 000). */
  timeoutMs?: number;
  /** Stops the wait with `Aborted` (default none). */
  signal?: AbortSignal;
  /** What the second fixation picks, for the message (default 'destination'). */
  what?: string;
}

/** Thrown when the second fixation of a two-step operation (move, restyle) does not come in time. */
export class FixationTimeout extends Aborted {
  constructor(message: string) {
    super(message);
  }
}

/**
 * Wait for the second fixation of a two-step operation: resolves with the fixation, or rejects with
 * `FixationTimeout` after `timeoutMs` (default 10 000 ms) or `Aborted` when `signal` fires. The pending promise is
 * left to settle on its own (a fixation stream cannot be cancelled from here).
 */
export async function awaitSecondFixation<T>(next: Promise<T>, opts: SecondFixationOptions = {}): Promise<T> {
  const ms = opts.timeoutMs ?? 10000;
  if (!(ms > 0 && Number.isFinite(ms))) throw new InvalidInput(`timeoutMs must be a finite number > 0, got ${describe(ms)}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      next,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new FixationTimeout(
                `no second fixation (${opts.what ?? 'destination'}) within ${ms} ms; the first selection is kept, nothing was edited`,
              ),
            ),
          ms,
        );
        if (opts.signal) {
          if (opts.signal.aborted) reject(new Aborted('aborted while waiting for the second fixation'));
          onAbort = () => reject(new Aborted('aborted while waiting for the second fixation'));
          opts.signal.addEventListener('abort', onAbort, { once: true });
        }
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
  }
}
