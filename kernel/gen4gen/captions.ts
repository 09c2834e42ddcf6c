/**
 * Captions of Gen4Gen (arXiv 2402.15504, §3.1 "Recaptioning", §4 prompting): every image gets a short template caption
 * (concept tokens + background phrase); a recaptioner (LLaVA-1.5 in the paper, limited to 30 words to stay under CLIP's
 * 77-token context) may add a detailed one; training prompts follow the paper's three strategies — a global composition
 * token, repeated concept tokens, and the background always stated.
 */
import { InvalidInput, FormatError, describe } from '../core/errors';
import type { Composition, Concept } from './types';

/** "a, b and c" */
export function joinList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The short caption: "a photo of <a> <label>, <b> <label> and <c> <label> {background}". Each concept token exactly once,
 * in left-to-right order of the objects' centres. With `spatial: true`, neighbours are related by "to the left of"
 * (derived from box centres, so it always agrees with the image).
 */
export function shortCaption(
  c: Composition,
  concepts: readonly Concept[],
  o: {
    /** Relate neighbours with "to the left of" (default false). */
    spatial?: boolean;
  } = {},
): string {
  const tok = new Map(concepts.map((k) => [k.id, k]));
  const inst = [...c.instances].sort((a, b) => a.objectBox[0] + a.objectBox[2] / 2 - (b.objectBox[0] + b.objectBox[2] / 2));
  const words = inst.map((i) => {
    const k = tok.get(i.name);
    if (!k) throw new InvalidInput(`shortCaption: composition has ${describe(i.name)} but no such concept was given`);
    return `${k.token} ${k.label}`;
  });
  if (o.spatial && words.length > 1) return `a photo of ${words.join(' to the left of ')} ${c.layout.background}`;
  return `a photo of ${joinList(words)} ${c.layout.background}`;
}

/** Words of a caption (whitespace-separated). */
export const wordCount = (s: string): number => s.trim().split(/\s+/).filter(Boolean).length;

/** A recaptioner: image caption from a VLM the user runs (callback), `tokenize` optional (CLIP's BPE, for the 77 limit). */
export interface Recaptioner {
  readonly id: string;
  describe(image: Composition['image'], instruction: string): Promise<string>;
  tokenize?: (text: string) => number[];
}

/** The paper's recaptioning instruction. */
export const RECAPTION_INSTRUCTION = 'Describe what you see in this image in detail. The number of words is limited to 30.';

/** A caption over the limits (> 30 words, or > 77 tokens when a tokenizer is given). */
export class CaptionTooLong extends FormatError {}

/** Ask the recaptioner and enforce ≤ `maxWords` (30) words and, when it has a tokenizer, ≤ 77 tokens. */
export async function recaption(
  r: Recaptioner,
  image: Composition['image'],
  o: {
    /** Word limit (default 30, the paper). */ maxWords?: number;
    /** Token limit when the recaptioner has a tokenizer (default 77, CLIP's context). */ maxTokens?: number;
  } = {},
): Promise<string> {
  const text = (await r.describe(image, RECAPTION_INSTRUCTION)).trim().replace(/\s+/g, ' ');
  const maxW = o.maxWords ?? 30;
  if (wordCount(text) > maxW)
    throw new CaptionTooLong(`recaptioner ${r.id} gave ${wordCount(text)} words; expected ≤ ${maxW}: ${describe(text)}`);
  if (r.tokenize) {
    const n = r.tokenize(text).length;
    if (n > (o.maxTokens ?? 77))
      throw new CaptionTooLong(`recaptioner ${r.id} gave ${n} tokens; expected ≤ ${o.maxTokens ?? 77} (CLIP context)`);
  }
  return text;
}

export type PromptStrategy = 'global-token' | 'repeat-tokens' | 'background';

/**
 * A training prompt with the paper's strategies (all three by default): `global-token` prefixes the composition
 * token once; `repeat-tokens` names each concept token twice ("<a> cat, the <a> cat"); `background` keeps the background phrase.
 */
export function trainingPrompt(
  c: Composition,
  concepts: readonly Concept[],
  o: {
    /** Composition token (default `<a+b+c>`). */ globalToken?: string;
    /** Prompting strategies (default all three). */ strategies?: readonly PromptStrategy[];
  } = {},
): string {
  const st = new Set(o.strategies ?? ['global-token', 'repeat-tokens', 'background']);
  const tok = new Map(concepts.map((k) => [k.id, k]));
  const parts = c.instances.map((i) => {
    const k = tok.get(i.name)!;
    return st.has('repeat-tokens') ? `${k.token} ${k.label}, the ${k.token} ${k.label}` : `${k.token} ${k.label}`;
  });
  const g = o.globalToken ?? `<${c.instances.map((i) => i.name).join('+')}>`;
  return [st.has('global-token') ? `${g}:` : '', `a photo of ${joinList(parts)}`, st.has('background') ? c.layout.background : '']
    .filter(Boolean)
    .join(' ');
}
