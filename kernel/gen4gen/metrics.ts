/**
 * CP-CLIP and TI-CLIP (Gen4Gen, arXiv 2402.15504, §5.1 "Evaluation metrics", Eqs. 1–4), pure over vectors and detections.
 *
 * CP-CLIP (composition + personalization), for a generated image I, the requested concepts O′ with labels l and
 * reference photos X_j of each concept:
 *   B = OWL(I, l)                                   open-vocabulary boxes (Eq. 1)
 *   keep the highest-scoring box per label          |B| = concepts actually present
 *   S_ij = (1/|X_j|) Σ_{x ∈ X_j} cos(e(crop(b_i)), e(x))     (Eq. 2)
 *   S_i  = max_j S_ij                                max over ALL concepts, not only the box's label (Eq. 3)
 *   CP   = Σ_i S_i / |O′|                            a missing concept counts 0; extra boxes are not penalised (Eq. 4)
 * TI-CLIP = cos(e_img(I), e_txt(prompt without the concept tokens)) — an overfitting indicator; it should stay flat.
 * Both are raw cosines (the paper's TI ≈ 0.13–0.17), neither ×100 (torchmetrics CLIPScore) nor ×2.5 (Hessel et al.).
 *
 * What the paper leaves open is an option here (defaults in brackets):
 *  - duplicatePolicy: two concepts with the same label — ['top-m-per-label'] keeps the m best boxes of a label that
 *    occurs m times; 'paper-literal' keeps one box per distinct label;
 *  - scoreThreshold [0.1] and nmsIou [0.3] on the detector's boxes;
 *  - crop handling: the raw crop goes to the embedder (its own preprocessing), optionally padded by `cropPad` [0];
 *  - reference set: whatever images the caller passes as `refs` (raw source photos by default in the study).
 * Every score is stamped with the embedder and detector ids; only CLIP ViT-B/32 + OWL-ViT-B/32 is paper-comparable.
 */
import { InvalidInput, describe } from '../core/errors';
import { cropRgb, type RgbImage } from '../core/vision/rgb';
import type { Box } from './types';

/** A detection: label, score and box [x, y, w, h] in image pixels. */
export interface Detection {
  label: string;
  score: number;
  box: Box;
}
export interface ImageEmbedder {
  readonly id: string;
  embedImages(imgs: RgbImage[]): Promise<Float32Array[]>;
}
export interface TextEmbedder {
  readonly id: string;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
}
export interface OpenVocabDetector {
  readonly id: string;
  detect(img: RgbImage, labels: string[]): Promise<Detection[]>;
}
export type DuplicateLabelPolicy = 'paper-literal' | 'top-m-per-label';

/** Cosine similarity (0 for a zero vector). @throws InvalidInput on a length mismatch. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new InvalidInput(`cosine: vectors of length ${a.length} and ${b.length}; expected equal lengths`);
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) ((d += a[i]! * b[i]!), (na += a[i]! * a[i]!), (nb += b[i]! * b[i]!));
  return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
}

function iouBox(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  const i = w > 0 && h > 0 ? w * h : 0;
  return i / (a[2] * a[3] + b[2] * b[3] - i);
}

export interface SelectOptions {
  /** Boxes below this score are dropped (default 0.1). */
  scoreThreshold?: number;
  /** Per-label NMS IoU (default 0.3). */
  nmsIou?: number;
  /** Default 'top-m-per-label'. */
  duplicatePolicy?: DuplicateLabelPolicy;
}

/**
 * The boxes CP-CLIP scores: only requested labels, score ≥ threshold, per-label NMS, then per label the best box
 * ('paper-literal') or the best m boxes for a label requested m times ('top-m-per-label').
 */
export function selectBoxes(dets: readonly Detection[], labels: readonly string[], o: SelectOptions = {}): Detection[] {
  const thr = o.scoreThreshold ?? 0.1,
    nmsIou = o.nmsIou ?? 0.3;
  const policy = o.duplicatePolicy ?? 'top-m-per-label';
  if (policy !== 'paper-literal' && policy !== 'top-m-per-label')
    throw new InvalidInput(`duplicatePolicy must be 'paper-literal' or 'top-m-per-label', got ${describe(policy)}`);
  const want = new Map<string, number>();
  for (const l of labels) want.set(l, (want.get(l) ?? 0) + 1);
  const out: Detection[] = [];
  for (const [label, m] of want) {
    const cand = dets.filter((d) => d.label === label && d.score >= thr).sort((a, b) => b.score - a.score);
    const kept: Detection[] = [];
    for (const d of cand) if (kept.every((k) => iouBox(k.box, d.box) <= nmsIou)) kept.push(d);
    out.push(...kept.slice(0, policy === 'paper-literal' ? 1 : m));
  }
  return out;
}

/** Per-box S_i and the CP score from embeddings: crops[i] is e(crop(b_i)), refs[j] the embeddings of X_j. */
export function cpFromEmbeddings(
  crops: readonly Float32Array[],
  refs: readonly (readonly Float32Array[])[],
  nConcepts = refs.length,
): { cp: number; perBox: number[]; bestConcept: number[] } {
  if (!(Number.isInteger(nConcepts) && nConcepts >= 1))
    throw new InvalidInput(`cpFromEmbeddings: |O′| must be ≥ 1, got ${describe(nConcepts)}`);
  if (refs.length === 0 || refs.some((r) => r.length === 0))
    throw new InvalidInput('cpFromEmbeddings: every concept needs at least one reference embedding');
  const perBox: number[] = [],
    bestConcept: number[] = [];
  for (const c of crops) {
    let best = -Infinity,
      arg = -1;
    refs.forEach((X, j) => {
      const s = X.reduce((t, x) => t + cosine(c, x), 0) / X.length;
      if (s > best) ((best = s), (arg = j));
    });
    perBox.push(best);
    bestConcept.push(arg);
  }
  return { cp: perBox.reduce((a, b) => a + b, 0) / nConcepts, perBox, bestConcept };
}

export interface CpClipInput extends SelectOptions {
  image: RgbImage;
  concepts: { id: string; label: string; refs: RgbImage[] }[];
  detector: OpenVocabDetector;
  embedder: ImageEmbedder;
  /** Pad each crop by this fraction of its box side before embedding (default 0 = the raw crop). */
  cropPad?: number;
  /** Precomputed reference embeddings per concept (skips embedding `refs`; same order as concepts). */
  refEmbeddings?: Float32Array[][];
}

/** A CP-CLIP score with what made it. `paperComparable` only for CLIP ViT-B/32 + OWL-ViT-B/32. */
export interface CpClipResult {
  cp: number;
  boxes: (Detection & { s: number; bestConcept: string })[];
  nConcepts: number;
  embedder: string;
  detector: string;
  paperComparable: boolean;
}

/** True only for CLIP ViT-B/32 + OWL-ViT-B/32 (by id): the paper's scorer. */
export const isPaperComparable = (embedder: string, detector: string): boolean =>
  /clip-vit-base-patch32/i.test(embedder) && /owlvit-base-patch32/i.test(detector);

/** Crop a box (optionally padded), clipped to the image. */
export function cropBox(img: RgbImage, b: Box, pad = 0): RgbImage {
  const px = Math.round(pad * b[2]),
    py = Math.round(pad * b[3]);
  const x0 = Math.max(0, Math.floor(b[0] - px)),
    y0 = Math.max(0, Math.floor(b[1] - py));
  const x1 = Math.min(img.width, Math.ceil(b[0] + b[2] + px)),
    y1 = Math.min(img.height, Math.ceil(b[1] + b[3] + py));
  return cropRgb(img, x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
}

/** CP-CLIP of one image (Eqs. 1–4). */
export async function cpClip(inp: CpClipInput): Promise<CpClipResult> {
  if (!inp.concepts?.length) throw new InvalidInput('cpClip: concepts must be a non-empty array (the composition O′)');
  const labels = inp.concepts.map((c) => c.label);
  const dets = selectBoxes(await inp.detector.detect(inp.image, [...new Set(labels)]), labels, inp);
  const refs = inp.refEmbeddings ?? (await Promise.all(inp.concepts.map((c) => inp.embedder.embedImages(c.refs))));
  const crops = dets.length ? await inp.embedder.embedImages(dets.map((d) => cropBox(inp.image, d.box, inp.cropPad ?? 0))) : [];
  const r = cpFromEmbeddings(crops, refs, inp.concepts.length);
  return {
    cp: r.cp,
    boxes: dets.map((d, i) => ({ ...d, s: r.perBox[i]!, bestConcept: inp.concepts[r.bestConcept[i]!]!.id })),
    nConcepts: inp.concepts.length,
    embedder: inp.embedder.id,
    detector: inp.detector.id,
    paperComparable: isPaperComparable(inp.embedder.id, inp.detector.id),
  };
}

/**
 * The prompt TI-CLIP compares with: the caption with concept tokens (`<…>`) and their category words removed, i.e.
 * the background description ("a photo of <a> cat and <b> dog in the garden" → "a photo in the garden").
 */
export function backgroundPrompt(caption: string, labels: readonly string[] = []): string {
  let s = caption.replace(/<[^>]*>/g, ' ');
  for (const l of [...labels].sort((a, b) => b.length - a.length))
    s = s.replace(new RegExp(`\\b${l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), ' ');
  s = s.replace(/\b(and|the|to the left of)\b(?=\s*(,|and|$|\s+(in|on|by)\b))/g, ' ').replace(/\s*,\s*/g, ' ');
  return s.replace(/\s+/g, ' ').trim();
}

/** TI-CLIP: cosine of the whole image's embedding and the background prompt's (raw cosine). */
export async function tiClip(
  image: RgbImage,
  prompt: string,
  img: ImageEmbedder,
  txt: TextEmbedder,
): Promise<{ ti: number; embedder: string; textEmbedder: string }> {
  const [e] = await img.embedImages([image]);
  const [t] = await txt.embedTexts([prompt]);
  return { ti: cosine(e!, t!), embedder: img.id, textEmbedder: txt.id };
}
