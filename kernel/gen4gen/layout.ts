/**
 * Step 2 of Gen4Gen (arXiv 2402.15504, §3.1 "LLM-guided object composition"): an LLM proposes a bounding box per object
 * on a 512×512 canvas, given the object list and a background phrase; real-world size ratios (largest object 1.0)
 * make the scene plausible.
 *
 * Providers behind one interface (`LayoutProvider`):
 *  - `offlineLayout`: a seeded rejection sampler with size-ratio priors, objects standing on a shared ground band and
 *    no overlap — never needs a network;
 *  - `llmLayout`: a prompt paraphrasing the released code's "bounding box generator" template, sent to a user callback
 *    `(prompt) => Promise<string>` or to a local OpenAI-compatible server (`{ url, model }`); the answer goes through a
 *    tolerant parser and validators;
 *  - `withFallback(preferred, offline)`: a named failure of the preferred provider (unreachable server, unparsable
 *    answer, box outside the canvas) falls back to the offline one and the layout records why.
 */
import { EdgeLabError, FormatError, InvalidInput, checkInt, describe } from '../core/errors';
import { rng } from '../core/rng';
import type { Box, Layout, LayoutBox, LayoutProvider, LayoutRequest } from './types';

/** Relative real-world sizes by COCO label (largest object of a scene scaled to 1.0, smallest clamped to 0.4). */
export const SIZE_RATIO: Readonly<Record<string, number>> = {
  person: 1.7, motorcycle: 1.2, bicycle: 1.1, dog: 0.6, cat: 0.45, 'potted plant': 0.5, 'teddy bear': 0.35, cup: 0.12,
  apple: 0.09, orange: 0.09, bird: 0.2, sheep: 0.9, chair: 0.9, bench: 1.4, clock: 0.3, book: 0.25, vase: 0.3, bottle: 0.25,
}; // prettier-ignore

/** The paper's background phrases, as in the released code's folder→phrase map. */
export const BACKGROUNDS = ['in the garden', 'on the grass', 'in the forest', 'on a wooden table', 'in a living room', 'on the beach'];

/** Per-object size ratios for a request: largest = 1.0, smallest ≥ 0.4 (the code's GPT-4 ratio prompt rule). */
export function sizeRatios(labels: string[], table: Readonly<Record<string, number>> = SIZE_RATIO): number[] {
  const raw = labels.map((l) => table[l] ?? 0.5);
  const mx = Math.max(...raw);
  return raw.map((r) => Math.max(0.4, r / mx));
}

function overlaps(a: Box, b: Box): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

function checkRequest(req: LayoutRequest): { canvas: number } {
  if (!req || !Array.isArray(req.objects) || req.objects.length === 0)
    throw new InvalidInput(`layout request: objects must be a non-empty array, got ${describe(req?.objects)}`);
  const canvas = checkInt('layout canvas', req.canvas ?? 512, 64, 4096);
  const names = new Set<string>();
  for (const o of req.objects) {
    if (typeof o.name !== 'string' || !o.name)
      throw new InvalidInput(`layout request: object name must be a string, got ${describe(o.name)}`);
    if (names.has(o.name)) throw new InvalidInput(`layout request: object name ${describe(o.name)} appears twice; names must be unique`);
    names.add(o.name);
  }
  return { canvas };
}

/**
 * The offline provider: for each try, the largest object's box height is drawn in [0.3, 0.5]·canvas, the others
 * scale by their size ratio (`ratios` overrides the built-in table), boxes keep the object's aspect, stand with their
 * bottom edge in the lower third of the canvas (a shared ground), and must not overlap (with a `gap` in px).
 * Deterministic in `req.seed`.
 */
export function offlineLayout(
  o: {
    /** Size ratios by label, overriding SIZE_RATIO (default none). */ ratios?: Record<string, number>;
    /** Minimum gap between boxes (px, default 4). */ gap?: number;
    /** Rejection-sampling tries before InvalidInput (default 2000). */ tries?: number;
  } = {},
): LayoutProvider {
  const gap = o.gap ?? 4;
  const tries = o.tries ?? 2000;
  return {
    id: 'offline-sampler',
    async layout(req) {
      const { canvas } = checkRequest(req);
      const r = rng(req.seed);
      const bgs = req.backgrounds?.length ? req.backgrounds : BACKGROUNDS;
      const background = bgs[r.int(bgs.length)]!;
      const ratios = sizeRatios(
        req.objects.map((x) => x.label),
        { ...SIZE_RATIO, ...(o.ratios ?? {}) },
      );
      for (let t = 0; t < tries; t++) {
        // shrink the scale as tries go by, so crowded scenes still fit
        const shrink = 1 - 0.5 * (t / tries);
        const h0 = r.uniform(0.3, 0.5) * canvas * shrink * (req.objects.length > 3 ? 0.75 : 1);
        const boxes: LayoutBox[] = [];
        let ok = true;
        for (const [i, ob] of req.objects.entries()) {
          const aspect = ob.aspect && ob.aspect > 0 ? Math.min(3, Math.max(1 / 3, ob.aspect)) : 1;
          let h = h0 * ratios[i]!,
            w = h * aspect;
          const s = Math.min(1, (0.9 * canvas) / Math.max(w, h));
          ((w = Math.max(8, Math.round(w * s))), (h = Math.max(8, Math.round(h * s))));
          const bottom = r.uniform(0.62, 0.97) * canvas;
          const y = Math.round(Math.min(canvas - h, Math.max(0, bottom - h)));
          const x = r.int(Math.max(1, canvas - w + 1));
          const box: Box = [x, y, w, h];
          const grown: Box = [x - gap, y - gap, w + 2 * gap, h + 2 * gap];
          if (boxes.some((b) => overlaps(grown, b.box))) {
            ok = false;
            break;
          }
          boxes.push({ name: ob.name, box });
        }
        if (ok) return { canvas, boxes, background, provider: 'offline-sampler' };
      }
      throw new InvalidInput(
        `offlineLayout: could not place ${req.objects.length} objects without overlap in ${tries} tries on ${canvas}²`,
      );
    },
  };
}

/** One few-shot example: a caption and its boxes (already on the prompt's canvas). */
export interface FewShot {
  caption: string;
  boxes: { name: string; box: Box }[];
}

/**
 * The layout prompt (a paraphrase of the released code's "intelligent bounding box generator" template): a
 * `canvas`×`canvas` image, one `('name', [x, y, w, h])` per object, boxes inside the image, not overlapping, as large
 * as possible; few-shot examples, then the request (object phrase + background).
 */
export function layoutPrompt(req: LayoutRequest, background: string, fewShots: readonly FewShot[] = []): string {
  const { canvas } = checkRequest(req);
  const rule = `Boxes must not overlap each other; each box holds exactly one object.`;
  const lines = [
    `You are a careful bounding box generator. Given a caption and the objects in it, place one box per object in a ${canvas}×${canvas} image.`,
    `Answer with one line per object, formatted ('object name', [x, y, width, height]), where (x, y) is the top-left corner in pixels.`,
    `Every box lies inside the image (0 ≤ x, x + width ≤ ${canvas}, 0 ≤ y, y + height ≤ ${canvas}). Make the boxes as large as possible.`,
    ...Array.from({ length: 5 }, () => rule),
    `Use exactly these object names: ${req.objects.map((o) => `'${o.name}'`).join(', ')}.`,
    '',
  ];
  for (const f of fewShots) {
    lines.push(`Caption: ${f.caption}`, `Objects: ${f.boxes.map((b) => `('${b.name}', [${b.box.join(', ')}])`).join(', ')}`, '');
  }
  const phrase = req.objects.map((o) => `one ${o.label} (${o.name})`).join(', ');
  lines.push(`Caption: a realistic photo of ${phrase} ${background}`, 'Objects:');
  return lines.join('\n');
}

/** The LLM's answer did not parse into boxes, or named the wrong objects. */
export class LayoutParseError extends FormatError {}
/** A parsed box violates the canvas (outside, zero span). */
export class LayoutBoundsError extends InvalidInput {}
/** The layout server could not be reached or answered with an HTTP error / no text. */
export class LayoutServerError extends EdgeLabError {
  constructor(message: string, options?: ErrorOptions) {
    super('BACKEND_ERROR', message, options);
  }
}

/**
 * Tolerant parser of an LLM's layout answer. Accepts `('name', [x, y, w, h])`, `name: [x, y, w, h]`, JSON objects
 * `{ "name": [..] }` or `[{ "name": .., "box": [..] }]`, with quotes, code fences and prose around them. Validators:
 * exactly one box per requested name (the code assigns by list index and can lose a concept silently; we refuse),
 * finite numbers, w, h > 0, the box inside the canvas (`clamp: true` shifts a box back inside instead, as the code does).
 */
export function parseLayoutAnswer(
  text: string,
  names: readonly string[],
  canvas: number,
  o: {
    /** Shift a box that leaves the canvas back inside instead of throwing (default false). */
    clamp?: boolean;
  } = {},
): LayoutBox[] {
  if (typeof text !== 'string') throw new LayoutParseError(`layout answer must be text, got ${describe(text)}`);
  const found = new Map<string, number[]>();
  const re =
    /["'`]?([A-Za-z_<>][\w <>.\-]*?)["'`]?\s*["']?\s*[:,(]?\s*["']?\s*(?:"box"\s*:\s*)?\[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\]/g;
  for (const m of text.matchAll(re)) {
    const name = m[1]!.trim().replace(/^(name|box)$/i, '');
    const key = names.find((n) => n === name) ?? names.find((n) => name.endsWith(n) || name.includes(`'${n}'`));
    if (!key) continue;
    if (!found.has(key)) found.set(key, [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])]);
  }
  // JSON array form [{"name": "a", "box": [..]}]: the regex above sees `"box": [..]` without the name; try JSON too
  if (found.size < names.length) {
    const j = text.match(/\[[\s\S]*\]|\{[\s\S]*\}/);
    if (j) {
      try {
        const v = JSON.parse(j[0]) as unknown;
        const items = Array.isArray(v) ? v : Object.entries(v as object).map(([name, box]) => ({ name, box }));
        for (const it of items as { name?: unknown; box?: unknown }[])
          if (typeof it?.name === 'string' && names.includes(it.name) && Array.isArray(it.box) && !found.has(it.name))
            found.set(it.name, (it.box as unknown[]).map(Number));
      } catch {
        /* not JSON: keep what the regex found */
      }
    }
  }
  const missing = names.filter((n) => !found.has(n));
  if (missing.length)
    throw new LayoutParseError(
      `layout answer has no box for ${missing.map((n) => `'${n}'`).join(', ')}; answer began ${describe(text.slice(0, 120))}`,
    );
  return names.map((name) => {
    const b = found.get(name)!;
    if (b.length !== 4 || !b.every(Number.isFinite)) throw new LayoutParseError(`box of '${name}' is ${describe(b)}; expected 4 numbers`);
    const [x0, y0, w, h] = b.map((v) => Math.round(v)) as Box;
    let x = x0,
      y = y0;
    if (!(w > 0 && h > 0)) throw new LayoutBoundsError(`box of '${name}' [${b.join(', ')}] has zero or negative span; expected w, h > 0`);
    if (w > canvas || h > canvas) throw new LayoutBoundsError(`box of '${name}' [${b.join(', ')}] is larger than the ${canvas}² canvas`);
    if (x < 0 || y < 0 || x + w > canvas || y + h > canvas) {
      if (!o.clamp) throw new LayoutBoundsError(`box of '${name}' [${b.join(', ')}] lies outside the ${canvas}×${canvas} canvas`);
      x = Math.min(canvas - w, Math.max(0, x));
      y = Math.min(canvas - h, Math.max(0, y));
    }
    return { name, box: [x, y, w, h] };
  });
}

/** Where the LLM lives: a user callback, or a local OpenAI-compatible server (`POST {url}/v1/chat/completions`). */
export type LlmTarget =
  | { complete: (prompt: string, signal?: AbortSignal) => Promise<string> }
  | { url: string; model?: string; timeoutMs?: number; temperature?: number };

async function askServer(
  t: { url: string; model?: string; timeoutMs?: number; temperature?: number },
  prompt: string,
  signal?: AbortSignal,
): Promise<string> {
  let endpoint: string;
  try {
    const base = new URL(t.url);
    endpoint = new URL('v1/chat/completions', base.href.endsWith('/') ? base.href : base.href + '/').href;
  } catch {
    throw new InvalidInput(`llmLayout: url must be an http(s) URL like 'http://127.0.0.1:8080', got ${describe(t.url)}`);
  }
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), t.timeoutMs ?? 60000);
  const onAbort = (): void => ctl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: t.model ?? 'local', temperature: t.temperature ?? 1.0, messages: [{ role: 'user', content: prompt }] }),
      signal: ctl.signal,
    });
    const body = await res.text();
    if (!res.ok) throw new LayoutServerError(`${endpoint} answered HTTP ${res.status}: ${body.slice(0, 200)}`);
    const j = JSON.parse(body) as { choices?: { message?: { content?: unknown } }[] };
    const c = j.choices?.[0]?.message?.content;
    if (typeof c !== 'string') throw new LayoutServerError(`${endpoint} answered without choices[0].message.content`);
    return c;
  } catch (e) {
    if (e instanceof EdgeLabError) throw e;
    throw new LayoutServerError(`${endpoint}: request failed (${(e as Error).message})`, { cause: e });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** An LLM-backed provider (callback or local server). Failures are LayoutParseError / LayoutBoundsError / LayoutServerError. */
export function llmLayout(
  target: LlmTarget,
  o: {
    /** Few-shot examples for the prompt (default none). */ fewShots?: readonly FewShot[];
    /** Shift out-of-canvas boxes back inside (default false: LayoutBoundsError). */ clamp?: boolean;
  } = {},
): LayoutProvider {
  const isCb = 'complete' in target && typeof target.complete === 'function';
  if (!isCb && !('url' in target)) throw new InvalidInput(`llmLayout: expected { complete(prompt) } or { url }, got ${describe(target)}`);
  return {
    id: isCb ? 'llm-callback' : `llm@${(target as { url: string }).url}`,
    async layout(req, signal) {
      const { canvas } = checkRequest(req);
      const r = rng(req.seed);
      const bgs = req.backgrounds?.length ? req.backgrounds : BACKGROUNDS;
      const background = bgs[r.int(bgs.length)]!;
      const prompt = layoutPrompt(req, background, o.fewShots);
      let answer: string;
      try {
        answer = isCb
          ? await (target as { complete: (p: string, s?: AbortSignal) => Promise<string> }).complete(prompt, signal)
          : await askServer(target as { url: string }, prompt, signal);
      } catch (e) {
        if (e instanceof EdgeLabError) throw e;
        throw new LayoutServerError(`layout callback failed (${(e as Error).message})`, { cause: e });
      }
      const boxes = parseLayoutAnswer(
        answer,
        req.objects.map((x) => x.name),
        canvas,
        o.clamp ? { clamp: true } : {},
      );
      return { canvas, boxes, background, provider: this.id };
    },
  };
}

/** Try `preferred`; on a named layout failure use `fallback` (default: offlineLayout) and record the reason. */
export function withFallback(preferred: LayoutProvider, fallback: LayoutProvider = offlineLayout()): LayoutProvider {
  return {
    id: `${preferred.id}→${fallback.id}`,
    async layout(req, signal): Promise<Layout> {
      try {
        return await preferred.layout(req, signal);
      } catch (e) {
        if (!(e instanceof LayoutParseError || e instanceof LayoutBoundsError || e instanceof LayoutServerError)) throw e;
        const l = await fallback.layout(req, signal);
        return { ...l, fallbackReason: `${preferred.id}: ${(e as Error).message}` };
      }
    },
  };
}

/**
 * Few-shot examples from a user's COCO val2017 annotations (instances + captions JSON objects, already parsed): per
 * category up to `perCategory` images whose boxes each cover `minArea`…`maxArea` of the image (3–25 %), then `n` of
 * them at random. Boxes are scaled to the prompt's canvas (`scaling: 'strict'`); `'paper-code'` keeps the original pixel
 * boxes, as the released code does by mistake.
 */
export function cocoFewShots(
  instances: {
    images: { id: number; width: number; height: number }[];
    annotations: { image_id: number; category_id: number; bbox: number[] }[];
    categories: { id: number; name: string }[];
  },
  captions: { annotations: { image_id: number; caption: string }[] },
  o: {
    seed: number;
    /** Examples to draw (default 50). */ n?: number;
    /** Images kept per category (default 10). */ perCategory?: number;
    /** Smallest box area as a fraction of the image (default 0.03). */ minArea?: number;
    /** Largest box area as a fraction of the image (default 0.25). */ maxArea?: number;
    /** Prompt canvas side (px, default 512). */ canvas?: number;
    /** 'strict' (default: boxes scaled to the canvas) or 'paper-code' (original pixel boxes, as the released code). */ scaling?:
      'strict' | 'paper-code';
  },
): FewShot[] {
  const canvas = o.canvas ?? 512;
  const [lo, hi] = [o.minArea ?? 0.03, o.maxArea ?? 0.25];
  const imgs = new Map(instances.images.map((i) => [i.id, i]));
  const cat = new Map(instances.categories.map((c) => [c.id, c.name]));
  const byImg = new Map<number, { category_id: number; bbox: number[] }[]>();
  for (const a of instances.annotations) (byImg.get(a.image_id) ?? byImg.set(a.image_id, []).get(a.image_id)!).push(a);
  const cap = new Map<number, string>();
  for (const c of captions.annotations) if (!cap.has(c.image_id)) cap.set(c.image_id, c.caption.trim());
  const chosen: number[] = [];
  const perCat = new Map<number, number>();
  for (const [id, anns] of [...byImg.entries()].sort((a, b) => a[0] - b[0])) {
    const im = imgs.get(id);
    if (!im || !cap.has(id)) continue;
    const area = im.width * im.height;
    if (!anns.every((a) => a.bbox[2]! * a.bbox[3]! >= lo * area && a.bbox[2]! * a.bbox[3]! <= hi * area)) continue;
    const c = anns[0]!.category_id;
    if ((perCat.get(c) ?? 0) >= (o.perCategory ?? 10)) continue;
    perCat.set(c, (perCat.get(c) ?? 0) + 1);
    chosen.push(id);
  }
  const r = rng(o.seed);
  const pick = Array.from(r.sample(chosen.length, Math.min(o.n ?? 50, chosen.length)), (i) => chosen[i]!);
  return pick.map((id) => {
    const im = imgs.get(id)!;
    const sx = o.scaling === 'paper-code' ? 1 : canvas / im.width,
      sy = o.scaling === 'paper-code' ? 1 : canvas / im.height;
    return {
      caption: cap.get(id)!,
      boxes: byImg.get(id)!.map((a) => ({
        name: cat.get(a.category_id) ?? `category ${a.category_id}`,
        box: [Math.round(a.bbox[0]! * sx), Math.round(a.bbox[1]! * sy), Math.round(a.bbox[2]! * sx), Math.round(a.bbox[3]! * sy)] as Box,
      })),
    };
  });
}
