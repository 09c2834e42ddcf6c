/**
 * Types of Gen4Gen (Yeh, Cheng, Hsieh et al., arXiv 2402.15504): personal concepts, layouts, compositions, repainted
 * scenes, captions and the CP-CLIP / TI-CLIP scores. Images are core's RgbImage (8-bit sRGB, interleaved, row-major);
 * masks here are 8-bit alpha planes (0 = background … 255 = object), as the paper's released code writes them.
 */
import type { RgbImage } from '../core/vision/rgb';

export type { RgbImage };

/** Box in canvas pixels: [x, y, width, height], (x, y) the top-left corner (the project's box convention). */
export type Box = [number, number, number, number];

/** An 8-bit alpha plane (0…255), one byte per pixel. */
export interface Alpha8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One source photograph of a concept with its foreground alpha. */
export interface ConceptView {
  image: RgbImage;
  /** Foreground alpha of `image` (same size). */
  mask: Alpha8;
  /** Where the view came from (file path or catalogue id + box), for provenance. */
  source: string;
}

/** A personal concept: one object the user photographed (n ≥ 1 views), its COCO-style label and its token. */
export interface Concept {
  /** Unique id (the folder name in the released code's layout). */
  id: string;
  /** Category word used by detectors and captions ("cat", "potted plant"). */
  label: string;
  /** The concept's token in prompts, e.g. "<cat1>" (default `<${id}>`). */
  token: string;
  views: ConceptView[];
  /** Which segmenter made the masks (id), for provenance. */
  segmenter: string;
}

/** A box for one named object in a layout. */
export interface LayoutBox {
  /** Concept id the box belongs to. */
  name: string;
  box: Box;
}

/** A layout: boxes on a square canvas plus the background phrase it was drawn for. */
export interface Layout {
  canvas: number;
  boxes: LayoutBox[];
  /** Background phrase ("in the garden"). */
  background: string;
  /** Which provider made it (id), and, if a preferred provider failed, why the fallback was used. */
  provider: string;
  fallbackReason?: string;
}

/** What a layout provider is asked for. */
export interface LayoutRequest {
  /** One entry per object to place: concept id, its label and (optional) its width/height aspect. */
  objects: { name: string; label: string; aspect?: number }[];
  /** Canvas side in px (default 512, the paper's LLM canvas). */
  canvas?: number;
  /** Candidate background phrases (one is picked). */
  backgrounds?: string[];
  seed: number;
}

export interface LayoutProvider {
  readonly id: string;
  layout(req: LayoutRequest, signal?: AbortSignal): Promise<Layout>;
}

/** `paper-code`: the released code's rules (overlap allowed and reported, area ratio applied to lengths);
 *  `strict`: non-overlap enforced, √ratio scaling. */
export type ComposeMode = 'paper-code' | 'strict';
/** `iou-sum`: the code's order (descending sum of pairwise IoU); `area-desc`: largest box first (the code's comment). */
export type PasteOrder = 'iou-sum' | 'area-desc';

/** One pasted object in a composition. */
export interface Instance {
  name: string;
  label: string;
  /** The layout box after post-processing. */
  box: Box;
  /** Where the object's pixels landed (tight box of its pasted alpha > 0). */
  objectBox: Box;
  /** Its pasted alpha as laid down (before later pastes occluded it). */
  mask: Alpha8;
  /** Which view of the concept was pasted. */
  view: number;
  /** 0-based paste order. */
  order: number;
  /** Fraction of its pasted pixels hidden by later pastes (0 in strict mode). */
  occluded: number;
}

/** A composed scene on black (step 2 of the pipeline), before the background repaint. */
export interface Composition {
  image: RgbImage;
  /** Union alpha of the visible objects (0…255). */
  mask: Alpha8;
  instances: Instance[];
  layout: Layout;
  mode: ComposeMode;
  pasteOrder: PasteOrder;
  seed: number;
}

/** Soft-mask variants: the paper's 5×5 average, or the code's BoxBlur(5) (= 11×11) + rescale [127.5, 255] → [0, 255]. */
export type SoftMaskMode = 'paper-5x5-avg' | 'code-box11+rescale';

/** A repainted scene (step 3) with what made it. */
export interface Scene {
  image: RgbImage;
  composition: Composition;
  /** Background id (photo id or user key). */
  background: string;
  /** Repainter id; the offline default says it is not diffusion. */
  repainter: string;
  softMask: SoftMaskMode;
}

export interface Repainter {
  readonly id: string;
  repaint(c: Composition, o: { background: string; seed: number }, signal?: AbortSignal): Promise<Scene>;
}
