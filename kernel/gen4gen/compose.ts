/**
 * Step 2b of Gen4Gen (arXiv 2402.15504, §3.1): paste each concept's cut-out into its layout box on a black canvas.
 * The released code post-processes the LLM's boxes before pasting; both rule sets are offered by name:
 *
 *  `paper-code` (the released code, on purpose):
 *   1. boxes rescaled from the layout canvas to the output canvas;
 *   2. a layout is rejected if a box lies outside, has zero span, or fewer than `minObjects` (2) boxes exist;
 *   3. with size ratios, each box is resized about its centre to (largest box w, h) × ratio;
 *   4. boxes shifted back inside the canvas;
 *   5. minimum size: A_min = (H/5)(W/5) for ≤ 3 objects, (H/6)(W/6) for 4, (H/8)(W/8) for ≥ 5; if the smallest box
 *      is below A_min every box's w and h are multiplied by A_min / area_min (an area ratio applied to lengths);
 *   6. the object's tight box (alpha > 70) is fitted into min(w, h) of its box, aspect kept, centred;
 *   7. paste order by descending sum of pairwise IoU; overlap is allowed (later pastes occlude, reported per object).
 *  `strict`: the same, but step 5 scales lengths by √(A_min / area_min), and overlapping boxes are shrunk about their
 *   centres until no two intersect, so instance masks are disjoint.
 */
import { InvalidInput, checkInt, checkOneOf, describe } from '../core/errors';
import { resizeArea } from '../core/vision/image';
import { cropRgb, resizeRgb } from '../core/vision/rgb';
import { alphaBounds } from './concepts';
import type { Alpha8, Box, ComposeMode, Composition, Concept, Instance, Layout, PasteOrder } from './types';

export interface ComposeOptions {
  /** 'paper-code' (default: the released code's rules) or 'strict' (non-overlap enforced, √ratio scaling). */
  mode?: ComposeMode;
  /** 'iou-sum' (default, the code) or 'area-desc'. */
  pasteOrder?: PasteOrder;
  /** Output canvas side (px, default the layout's canvas). */
  size?: number;
  /** Per-concept size ratios (largest 1.0) for rule 3; default none (boxes as laid out). */
  ratios?: Record<string, number>;
  /** Fewest boxes a layout may have (default 2, the code's `min_num_objects`). */
  minObjects?: number;
  /** Which view of each concept to paste (by concept id; default 0). */
  views?: Record<string, number>;
  /** Seed recorded with the composition (layouts carry their own). Default 0. */
  seed?: number;
}

const area = (b: Box): number => b[2] * b[3];
function inter(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}
export function boxIou(a: Box, b: Box): number {
  const i = inter(a, b);
  return i / (area(a) + area(b) - i);
}
function shiftInside(b: Box, size: number): Box {
  const w = Math.min(size, b[2]),
    h = Math.min(size, b[3]);
  return [Math.min(size - w, Math.max(0, b[0])), Math.min(size - h, Math.max(0, b[1])), w, h];
}
function scaleAbout(b: Box, kx: number, ky = kx): Box {
  const cx = b[0] + b[2] / 2,
    cy = b[1] + b[3] / 2;
  const w = Math.max(1, Math.round(b[2] * kx)),
    h = Math.max(1, Math.round(b[3] * ky));
  return [Math.round(cx - w / 2), Math.round(cy - h / 2), w, h];
}

/** A_min of the code's minimum-size rule for n objects on a size×size canvas. */
export function minBoxArea(n: number, size: number): number {
  const d = n <= 3 ? 5 : n === 4 ? 6 : 8;
  return (size / d) * (size / d);
}

/** Rules 1–5 (+ strict non-overlap) on the layout's boxes; returns the boxes the objects are fitted into. */
export function postprocessBoxes(layout: Layout, o: ComposeOptions = {}): Box[] {
  const mode = checkOneOf('compose mode', o.mode ?? 'paper-code', ['paper-code', 'strict'] as const);
  const size = checkInt('compose size', o.size ?? layout.canvas, 32, 4096);
  const minObjects = o.minObjects ?? 2;
  const k = size / layout.canvas;
  let boxes = layout.boxes.map((lb) => {
    const b = lb.box;
    if (!(b[2] > 0 && b[3] > 0)) throw new InvalidInput(`layout box of ${describe(lb.name)} [${b.join(', ')}] has zero span`);
    if (b[0] < 0 || b[1] < 0 || b[0] + b[2] > layout.canvas || b[1] + b[3] > layout.canvas)
      throw new InvalidInput(`layout box of ${describe(lb.name)} [${b.join(', ')}] lies outside the ${layout.canvas}² canvas`);
    return [Math.round(b[0] * k), Math.round(b[1] * k), Math.max(1, Math.round(b[2] * k)), Math.max(1, Math.round(b[3] * k))] as Box;
  });
  if (boxes.length < minObjects) throw new InvalidInput(`layout has ${boxes.length} boxes; expected at least ${minObjects} (minObjects)`);
  if (o.ratios) {
    const big = boxes.reduce((m, b) => (area(b) > area(m) ? b : m), boxes[0]!);
    boxes = boxes.map((b, i) => {
      const r = o.ratios![layout.boxes[i]!.name] ?? 1;
      const w = Math.max(1, Math.round(big[2] * r)),
        h = Math.max(1, Math.round(big[3] * r));
      return [Math.round(b[0] + b[2] / 2 - w / 2), Math.round(b[1] + b[3] / 2 - h / 2), w, h] as Box;
    });
  }
  boxes = boxes.map((b) => shiftInside(b, size));
  const amin = minBoxArea(boxes.length, size);
  const smallest = Math.min(...boxes.map(area));
  if (smallest < amin) {
    const f = amin / smallest;
    const g = mode === 'strict' ? Math.sqrt(f) : f;
    boxes = boxes.map((b) => shiftInside(scaleAbout(b, g), size));
  }
  if (mode === 'strict') {
    for (let it = 0; it < 60 && boxes.some((a, i) => boxes.some((b, j) => j > i && inter(a, b) > 0)); it++)
      boxes = boxes.map((b) => shiftInside(scaleAbout(b, 0.93), size));
    if (boxes.some((a, i) => boxes.some((b, j) => j > i && inter(a, b) > 0)))
      throw new InvalidInput(`strict compose: boxes of ${layout.boxes.map((b) => b.name).join(', ')} still overlap after shrinking`);
  }
  return boxes;
}

/** Paste order: indices into the boxes. */
export function pasteOrder(boxes: Box[], order: PasteOrder): number[] {
  const idx = boxes.map((_, i) => i);
  if (order === 'area-desc') return idx.sort((a, b) => area(boxes[b]!) - area(boxes[a]!) || a - b);
  const s = boxes.map((a, i) => boxes.reduce((t, b, j) => (j === i ? t : t + boxIou(a, b)), 0));
  return idx.sort((a, b) => s[b]! - s[a]! || a - b);
}

/** The object of a concept view cropped to its tight box (alpha > 70) and resized to fit `side`×`side`, aspect kept. */
export function fitObject(
  c: Concept,
  view: number,
  side: number,
): { rgb: { width: number; height: number; data: Uint8Array }; alpha: Float32Array } {
  const v = c.views[view];
  if (!v) throw new InvalidInput(`concept ${c.id} has ${c.views.length} views; view ${describe(view)} does not exist`);
  const tb = alphaBounds(v.mask, 70);
  if (!tb) throw new InvalidInput(`concept ${c.id} view ${view}: empty mask`);
  const s = side / Math.max(tb[2], tb[3]);
  const w = Math.max(1, Math.round(tb[2] * s)),
    h = Math.max(1, Math.round(tb[3] * s));
  const crop = cropRgb(v.image, tb[0], tb[1], tb[2], tb[3]);
  const am = new Float32Array(tb[2] * tb[3]);
  for (let y = 0; y < tb[3]; y++)
    for (let x = 0; x < tb[2]; x++) am[y * tb[2] + x] = v.mask.data[(y + tb[1]) * v.mask.width + x + tb[0]]! / 255;
  return { rgb: resizeRgb(crop, h, w), alpha: resizeArea(am, tb[3], tb[2], h, w) };
}

/**
 * Compose concepts on a black canvas following a layout (one box per concept, matched by name). Pure and
 * deterministic: same inputs → same bytes.
 */
export function compose(concepts: readonly Concept[], layout: Layout, o: ComposeOptions = {}): Composition {
  const mode = checkOneOf('compose mode', o.mode ?? 'paper-code', ['paper-code', 'strict'] as const);
  const order = checkOneOf('paste order', o.pasteOrder ?? 'iou-sum', ['iou-sum', 'area-desc'] as const);
  const size = o.size ?? layout.canvas;
  const byName = new Map(concepts.map((c) => [c.id, c]));
  for (const lb of layout.boxes)
    if (!byName.has(lb.name))
      throw new InvalidInput(`layout names ${describe(lb.name)}; no such concept (have ${[...byName.keys()].join(', ')})`);
  if (new Set(layout.boxes.map((b) => b.name)).size !== layout.boxes.length)
    throw new InvalidInput(`layout names a concept twice: ${layout.boxes.map((b) => b.name).join(', ')}`);
  const boxes = postprocessBoxes(layout, { ...o, mode });
  const img = new Uint8Array(size * size * 3);
  const union = new Uint8Array(size * size);
  const instances: Instance[] = [];
  const seq = pasteOrder(boxes, order);
  for (const [rank, i] of seq.entries()) {
    const lb = layout.boxes[i]!;
    const c = byName.get(lb.name)!;
    const b = boxes[i]!;
    const view = o.views?.[c.id] ?? 0;
    const f = fitObject(c, view, Math.min(b[2], b[3]));
    const ox = b[0] + Math.floor((b[2] - f.rgb.width) / 2),
      oy = b[1] + Math.floor((b[3] - f.rgb.height) / 2);
    const m = new Uint8Array(size * size);
    for (let y = 0; y < f.rgb.height; y++)
      for (let x = 0; x < f.rgb.width; x++) {
        const X = ox + x,
          Y = oy + y;
        if (X < 0 || Y < 0 || X >= size || Y >= size) continue;
        const a8 = Math.round(255 * Math.min(1, Math.max(0, f.alpha[y * f.rgb.width + x]!)));
        if (a8 === 0) continue;
        const d = Y * size + X,
          s = y * f.rgb.width + x;
        const a = a8 / 255;
        for (let ch = 0; ch < 3; ch++) img[3 * d + ch] = Math.round(a * f.rgb.data[3 * s + ch]! + (1 - a) * img[3 * d + ch]!);
        m[d] = a8;
      }
    const mask: Alpha8 = { width: size, height: size, data: m };
    instances.push({
      name: c.id,
      label: c.label,
      box: b,
      objectBox: alphaBounds(mask, 0) ?? [ox, oy, 0, 0],
      mask,
      view,
      order: rank,
      occluded: 0,
    });
  }
  // union alpha = the topmost object's alpha where any object is; occlusion = share of an object's pixels a later one covers
  for (const inst of instances) for (let p = 0; p < union.length; p++) if (inst.mask.data[p]! > 0) union[p] = inst.mask.data[p]!;
  for (const inst of instances) {
    let n = 0,
      hidden = 0;
    for (let p = 0; p < union.length; p++)
      if (inst.mask.data[p]! > 0) {
        n++;
        if (instances.some((q) => q.order > inst.order && q.mask.data[p]! > 0)) hidden++;
      }
    inst.occluded = n ? hidden / n : 0;
  }
  instances.sort((a, b) => layout.boxes.findIndex((x) => x.name === a.name) - layout.boxes.findIndex((x) => x.name === b.name));
  return {
    image: { width: size, height: size, data: img },
    mask: { width: size, height: size, data: union },
    instances,
    layout,
    mode,
    pasteOrder: order,
    seed: o.seed ?? 0,
  };
}
