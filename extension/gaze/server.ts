/**
 * The loopback server behind live-camera calibration. VS Code webviews cannot open the camera, so the extension
 * serves a page on 127.0.0.1 (random port, random 128-bit token) that the user opens in the system browser
 * (`env.asExternalUri` + `env.openExternal`, so code-server's /proxy/<port>/ path works too). Every URL lives under
 * `/<token>/`; any request without the right token gets 403. The page, its script, its CSS and the face-api weights it
 * needs (tiny face detector + 68-point landmarks) are all served from here, so the page loads nothing from the network
 * and its CSP allows only 'self'. The page POSTs the fitted profile (no images) to `/<token>/profile`; the body is
 * size-limited and validated by `parseProfile` before `onProfile` sees it.
 *
 * vscode-free (plain node:http), so unit tests and the Chromium test start it directly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { NotFound, InvalidInput } from '../../kernel/core/errors';
import { parseProfile, type GazeProfile } from './profile';
import { cameraPageHtml, cameraPageCsp, type CameraPageOptions } from './page';
import { parseGazeBatch, type GazeBatch } from './stream';

/** face-api weight files the page loads (and the only files under /models/ the server will send). */
export const MODEL_FILES = [
  'tiny_face_detector_model-weights_manifest.json',
  'tiny_face_detector_model.bin',
  'face_landmark_68_model-weights_manifest.json',
  'face_landmark_68_model.bin',
] as const;

export interface CameraAssets {
  /** The esbuild browser bundle of the page (dist/webviews/gaze-camera.js). */
  script: string;
  /** media/gaze-camera.css */
  style: string;
  /** Folder holding MODEL_FILES (dist/webviews/gaze-models, copied by esbuild.mjs and shipped in the .vsix; else node_modules/@vladmandic/face-api/model). */
  models: string;
}

export interface CameraServerOptions {
  assets: CameraAssets;
  /** Called with each validated profile the page posts. */
  onProfile: (p: GazeProfile) => void;
  /**
   * Called with each validated gaze batch a page opened at `/<token>/stream` posts after calibration (the GazeGen
   * Canvas's webcam source). Without it the server offers no stream page and refuses batches (404).
   */
  onGaze?: (b: GazeBatch) => void;
  /** Called for page events worth showing in the panel ("page opened", "bad profile: …"). */
  onEvent?: (e: { type: 'page-opened' | 'profile-rejected' | 'refused'; detail: string }) => void;
  /** Defaults the page shows for its geometry fields. */
  page?: Partial<CameraPageOptions>;
  /** Token (tests); default 32 hex chars from crypto.randomBytes. */
  token?: string;
  /** Port (default 0: the OS picks a free one). */
  port?: number;
  /** Max POST body in bytes (default 256 KiB; a profile is ~10 KB). */
  maxBody?: number;
  /** Bind address (default 127.0.0.1). The extension passes a non-loopback one only when the user opted in through
   *  `edgelab.camera.allowRemote` (settings.ts cameraBindAddress). */
  host?: string;
}

export interface CameraServer {
  /** Local URL of the calibration page (give it to asExternalUri). */
  url: string;
  /** Local URL of the calibrate-then-stream page (only with onGaze). */
  streamUrl?: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The default bind address: loopback (frames and faces stay on this machine); another needs an explicit opt-in. */
export const BIND_HOST = '127.0.0.1';

/** Locate the page assets for an extension (or repo) root folder. */
export function findAssets(root: string): CameraAssets {
  const script = join(root, 'dist', 'webviews', 'gaze-camera.js');
  const style = join(root, 'media', 'gaze-camera.css');
  const models = [join(root, 'dist', 'webviews', 'gaze-models'), join(root, 'node_modules', '@vladmandic', 'face-api', 'model')].find((d) =>
    MODEL_FILES.every((f) => existsSync(join(d, f))),
  );
  if (!existsSync(script)) throw new NotFound(`camera page bundle ${script} is missing: run \`node esbuild.mjs\``);
  if (!models)
    throw new NotFound(
      `face-api weights (${MODEL_FILES[0]} …) found neither in dist/webviews/gaze-models nor in node_modules/@vladmandic/face-api/model under ${root}`,
    );
  return { script, style, models };
}

function tokenOk(given: string, token: string): boolean {
  const a = Buffer.from(given),
    b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** A JSON body its parser refused: 413 when it was too large, else 400, with the parser's message. */
function sendRejected(res: ServerResponse, e: unknown): void {
  const msg = (e as Error).message;
  send(res, e instanceof InvalidInput && /exceeds/.test(msg) ? 413 : 400, JSON.stringify({ ok: false, error: msg }), 'application/json');
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= max) chunks.push(c);
      else if (n > 16 * max) req.destroy(); // drain a little so the 413 reaches the client, not forever
    });
    req.on('end', () =>
      n > max ? reject(new InvalidInput(`profile body exceeds ${max} bytes`)) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/** Start the calibration server on 127.0.0.1 unless `host` says otherwise (random port unless given). */
export async function startCameraServer(opts: CameraServerOptions): Promise<CameraServer> {
  const token = opts.token ?? randomBytes(16).toString('hex');
  if (!/^[A-Za-z0-9_-]{16,}$/.test(token)) throw new InvalidInput(`token must be ≥ 16 URL-safe characters, got ${token.length}`);
  const maxBody = opts.maxBody ?? 256 * 1024;
  const { assets } = opts;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const m = /^\/([^/]+)(\/.*)?$/.exec(path);
    if (!m || !tokenOk(m[1]!, token)) {
      opts.onEvent?.({ type: 'refused', detail: `${req.method} without a valid token` });
      send(res, 403, 'forbidden: this page needs the link EdgeLab opened (with its token)');
      return;
    }
    const rest = m[2] ?? '/';
    const streamPage = rest === '/stream' && !!opts.onGaze;
    if (req.method === 'GET' && (rest === '/' || rest === '/calibrate' || streamPage)) {
      const nonce = randomBytes(16).toString('base64').replace(/[+/=]/g, '');
      const html = cameraPageHtml({ ...opts.page, ...(streamPage ? { stream: true } : {}), nonce });
      opts.onEvent?.({ type: 'page-opened', detail: req.headers['user-agent'] ?? '' });
      send(res, 200, html, 'text/html; charset=utf-8', {
        'permissions-policy': 'camera=(self), microphone=()',
        'content-security-policy': cameraPageCsp(nonce, true),
      });
      return;
    }
    if (req.method === 'GET' && rest === '/gaze-camera.js') {
      send(res, 200, readFileSync(assets.script), 'text/javascript; charset=utf-8');
      return;
    }
    if (req.method === 'GET' && rest === '/gaze-camera.css') {
      send(res, 200, readFileSync(assets.style), 'text/css; charset=utf-8');
      return;
    }
    const mm = /^\/models\/([A-Za-z0-9_.-]+)$/.exec(rest);
    if (req.method === 'GET' && mm && (MODEL_FILES as readonly string[]).includes(mm[1]!)) {
      send(res, 200, readFileSync(join(assets.models, mm[1]!)), mm[1]!.endsWith('.json') ? 'application/json' : 'application/octet-stream');
      return;
    }
    if (req.method === 'POST' && rest === '/gaze' && opts.onGaze) {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        send(res, 415, 'expected application/json');
        return;
      }
      let batch: GazeBatch;
      try {
        batch = parseGazeBatch(JSON.parse(await readBody(req, 64 * 1024)));
      } catch (e) {
        sendRejected(res, e);
        return;
      }
      opts.onGaze(batch);
      send(res, 200, JSON.stringify({ ok: true }), 'application/json');
      return;
    }
    if (req.method === 'POST' && rest === '/profile') {
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        send(res, 415, 'expected application/json');
        return;
      }
      let profile: GazeProfile;
      try {
        profile = parseProfile(JSON.parse(await readBody(req, maxBody)));
      } catch (e) {
        opts.onEvent?.({ type: 'profile-rejected', detail: (e as Error).message });
        sendRejected(res, e);
        return;
      }
      opts.onProfile(profile);
      send(res, 200, JSON.stringify({ ok: true }), 'application/json');
      return;
    }
    send(res, 404, 'not found');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, (e as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? BIND_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${BIND_HOST}:${addr.port}/${token}/calibrate`,
    ...(opts.onGaze ? { streamUrl: `http://${BIND_HOST}:${addr.port}/${token}/stream` } : {}),
    host: addr.address,
    port: addr.port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
