/**
 * Inpainting backends behind one interface, shared by the papers that regenerate image regions (GazeGen's edits,
 * arXiv 2411.04335 §3.3; Gen4Gen's background repaint, arXiv 2402.15504 §3.1 step 3). Offline, the default backend is
 * classical (OpenCV inpainting). A user who runs their own diffusion server can point `a1111Backend` at it: an
 * AUTOMATIC1111 stable-diffusion-webui style `POST {url}/sdapi/v1/img2img` with an inpainting mask. It is never required
 * and off by default; when it fails (timeout, HTTP error, an answer that is not an image) the caller gets a named error
 * and keeps the classical result (`fillWithFallback`).
 *
 * Request body (the webui's `StableDiffusionProcessingImg2Img` API model, fields we send):
 *   init_images: [base64 PNG]   mask: base64 PNG (white = repaint)   prompt, negative_prompt
 *   denoising_strength (0..1)   inpainting_fill (0 fill, 1 original, 2 latent noise, 3 latent nothing)
 *   inpaint_full_res (bool)     inpaint_full_res_padding (px)   mask_blur (px)   resize_mode 0
 *   seed, steps, cfg_scale, width, height, sampler_name
 * Response: { images: [base64 PNG, …], parameters, info }.
 */
import { EdgeLabError, FormatError, InvalidInput, describe } from '../errors';
import { type Mask, type RgbImage, checkMask, checkRgb } from './raster';
import { decodeImage, encodeRgbPng } from './rgb';
import { encodePng } from '../../viz/png';
import { type InpaintMethod, inpaintRgb } from './segment';

/** What a backend is asked to do: repaint the masked pixels of `image`, guided by an optional prompt. */
export interface FillRequest {
  image: RgbImage;
  /** 1 = regenerate this pixel. */
  mask: Mask;
  /** Text guidance ("empty table", "a cup"); classical backends ignore it. */
  prompt?: string;
  seed: number;
}

export interface GenerativeBackend {
  readonly name: string;
  /** The image with the masked region regenerated (same size). */
  fill(req: FillRequest, signal?: AbortSignal): Promise<RgbImage>;
}

/** The default: OpenCV inpainting (Telea or Navier–Stokes). Deterministic; ignores the prompt. */
export function classicalBackend(
  opts: {
    /** 'telea' (default) or 'ns'. */
    method?: InpaintMethod;
    /** Inpainting neighbourhood radius (px, default 5). */
    radius?: number;
  } = {},
): GenerativeBackend {
  return { name: `classical-${opts.method ?? 'telea'}`, fill: (req) => inpaintRgb(req.image, req.mask, opts) };
}

/** The diffusion server did not answer in time. */
export class BackendTimeout extends EdgeLabError {
  constructor(message: string) {
    super('BACKEND_ERROR', message);
  }
}
/** The diffusion server answered, but not with an image of the right size (HTTP error, JSON without images, bad PNG). */
export class BackendResponseError extends FormatError {}

export interface A1111Options {
  /** Server base URL, e.g. 'http://127.0.0.1:7860' (required; the backend is off unless you give one). */
  url: string;
  /** Per-request timeout (ms, default 120 000). */
  timeoutMs?: number;
  /** Sampling steps (default 25). */
  steps?: number;
  /** How much the masked area may change (default 0.75). */
  denoisingStrength?: number;
  /** Classifier-free guidance scale (default 7). */
  cfgScale?: number;
  /** What the masked area starts from: 1 = original (default), 0 fill, 2 latent noise, 3 latent nothing. */
  inpaintingFill?: 0 | 1 | 2 | 3;
  /** Mask blur in px done by the server (default 4). */
  maskBlur?: number;
  /** Negative prompt (default ''). */
  negativePrompt?: string;
  /** Sampler name as the server lists it (default 'Euler a'). */
  samplerName?: string;
}

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');

/** The JSON body sent to `/sdapi/v1/img2img` (exported so tests and users can see exactly what goes out). */
export function a1111Request(req: FillRequest, o: A1111Options): Record<string, unknown> {
  const m = new Uint8Array(req.mask.data.length * 3);
  for (let i = 0; i < req.mask.data.length; i++) if (req.mask.data[i]) m.fill(255, 3 * i, 3 * i + 3);
  return {
    init_images: [b64(encodeRgbPng(req.image))],
    mask: b64(encodePng(req.mask.width, req.mask.height, 3, m)),
    prompt: req.prompt ?? '',
    negative_prompt: o.negativePrompt ?? '',
    denoising_strength: o.denoisingStrength ?? 0.75,
    inpainting_fill: o.inpaintingFill ?? 1,
    inpaint_full_res: false,
    inpaint_full_res_padding: 32,
    inpainting_mask_invert: 0,
    mask_blur: o.maskBlur ?? 4,
    resize_mode: 0,
    seed: req.seed,
    steps: o.steps ?? 25,
    cfg_scale: o.cfgScale ?? 7,
    width: req.image.width,
    height: req.image.height,
    sampler_name: o.samplerName ?? 'Euler a',
    batch_size: 1,
    n_iter: 1,
  };
}

/** A client for a user's own AUTOMATIC1111-style img2img inpainting server. */
export function a1111Backend(o: A1111Options): GenerativeBackend {
  let base: URL;
  try {
    base = new URL(o.url);
  } catch {
    throw new InvalidInput(`a1111Backend: url must be an http(s) URL like 'http://127.0.0.1:7860', got ${describe(o?.url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new InvalidInput(`a1111Backend: url must be http or https, got ${describe(o.url)}`);
  const endpoint = new URL('sdapi/v1/img2img', base.href.endsWith('/') ? base.href : base.href + '/').href;
  const timeoutMs = o.timeoutMs ?? 120000;
  return {
    name: `a1111@${base.host}`,
    async fill(req, signal) {
      checkRgb(req.image);
      checkMask(req.mask, req.image.width, req.image.height);
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new BackendTimeout(`${endpoint} did not answer within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => ctl.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      let res: Response;
      let text: string;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(a1111Request(req, o)),
          signal: ctl.signal,
        });
        text = await res.text();
      } catch (e) {
        if (ctl.signal.reason instanceof BackendTimeout) throw ctl.signal.reason;
        throw new BackendResponseError(`${endpoint}: request failed (${(e as Error).message})`, { cause: e });
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
      if (!res.ok) throw new BackendResponseError(`${endpoint} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
      let body: { images?: unknown };
      try {
        body = JSON.parse(text) as { images?: unknown };
      } catch {
        throw new BackendResponseError(`${endpoint} answered with non-JSON (${describe(text)}); expected { images: [base64 PNG] }`);
      }
      const first = Array.isArray(body.images) ? body.images[0] : undefined;
      if (typeof first !== 'string')
        throw new BackendResponseError(`${endpoint} answered without images[0]; expected { images: [base64 PNG] }`);
      let img: RgbImage;
      try {
        img = decodeImage(new Uint8Array(Buffer.from(first.replace(/^data:image\/\w+;base64,/, ''), 'base64')), 'images[0]');
      } catch (e) {
        throw new BackendResponseError(`${endpoint}: images[0] is not a PNG/JPEG image (${(e as Error).message})`, { cause: e });
      }
      if (img.width !== req.image.width || img.height !== req.image.height)
        throw new BackendResponseError(`${endpoint} returned ${img.width}×${img.height}; expected ${req.image.width}×${req.image.height}`);
      return img;
    },
  };
}

/** Result of a fill with a fallback: which backend produced it and, if the preferred one failed, why. */
export interface FallbackFill {
  image: RgbImage;
  backend: string;
  error: EdgeLabError | null;
}

/**
 * Try `preferred` (e.g. a diffusion server); on a named backend error keep the classical result. The classical fill
 * is computed first, so it exists whatever the server does. Pixels outside the mask are restored from the input
 * (a server may touch them, e.g. through its own mask blur).
 */
export async function fillWithFallback(
  req: FillRequest,
  preferred: GenerativeBackend | null,
  classical = classicalBackend(),
  signal?: AbortSignal,
): Promise<FallbackFill> {
  const base = await classical.fill(req, signal);
  if (!preferred) return { image: base, backend: classical.name, error: null };
  try {
    const g = await preferred.fill(req, signal);
    const out = req.image.data.slice();
    for (let i = 0; i < req.mask.data.length; i++) if (req.mask.data[i]) for (let c = 0; c < 3; c++) out[3 * i + c] = g.data[3 * i + c]!;
    return { image: { width: req.image.width, height: req.image.height, data: out }, backend: preferred.name, error: null };
  } catch (e) {
    if (e instanceof BackendTimeout || e instanceof BackendResponseError) return { image: base, backend: classical.name, error: e };
    throw e;
  }
}

/**
 * The backend the environment asks for: an AUTOMATIC1111-style server when EDGELAB_DIFFUSION_URL is set (the VS Code
 * setting `edgelab.gazegen.diffusionUrl` reaches kernels as that variable), else the classical default. Nothing is
 * contacted until a fill is requested.
 */
export function configuredBackend(env: Record<string, string | undefined> = process.env): GenerativeBackend {
  const url = env.EDGELAB_DIFFUSION_URL?.trim();
  return url ? a1111Backend({ url }) : classicalBackend();
}
