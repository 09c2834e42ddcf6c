import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackendResponseError, BackendTimeout, a1111Backend, classicalBackend, configuredBackend, fillWithFallback } from './generative';
import { decodeImage, encodeRgbPng } from '../core/vision/rgb';
import { emptyMask } from '../core/vision/raster';
import { InvalidInput } from '../core/errors';

type Handler = (body: Record<string, unknown>, res: ServerResponse) => void;

/** A stand-in AUTOMATIC1111 server on 127.0.0.1 that checks every request against the documented img2img schema. */
async function server(handler: Handler): Promise<{ url: string; requests: Record<string, unknown>[]; close: () => Promise<void> }> {
  const requests: Record<string, unknown>[] = [];
  const srv = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/sdapi/v1/img2img' || !/application\/json/.test(req.headers['content-type'] ?? '')) {
        res.writeHead(404).end('wrong endpoint');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      requests.push(body);
      handler(body, res);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

function schemaErrors(b: Record<string, unknown>, w: number, h: number): string[] {
  const e: string[] = [];
  const isB64Png = (s: unknown): boolean => typeof s === 'string' && Buffer.from(s, 'base64').subarray(0, 4).toString('hex') === '89504e47';
  if (!Array.isArray(b.init_images) || b.init_images.length !== 1 || !isB64Png(b.init_images[0])) e.push('init_images');
  if (!isB64Png(b.mask)) e.push('mask');
  for (const k of ['prompt', 'negative_prompt', 'sampler_name']) if (typeof b[k] !== 'string') e.push(k);
  for (const k of ['denoising_strength', 'seed', 'steps', 'cfg_scale', 'mask_blur', 'inpainting_fill', 'resize_mode'])
    if (typeof b[k] !== 'number') e.push(k);
  if (!((b.denoising_strength as number) >= 0 && (b.denoising_strength as number) <= 1)) e.push('denoising_strength range');
  if (![0, 1, 2, 3].includes(b.inpainting_fill as number)) e.push('inpainting_fill value');
  if (typeof b.inpaint_full_res !== 'boolean') e.push('inpaint_full_res');
  if (b.width !== w || b.height !== h) e.push('width/height');
  return e;
}

function scene() {
  const w = 24,
    h = 16;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set([40 + (i % w) * 4, 90, 140], 3 * i);
  const mask = emptyMask(w, h);
  for (let y = 5; y < 11; y++) for (let x = 8; x < 15; x++) mask.data[y * w + x] = 1;
  for (let y = 6; y < 10; y++) for (let x = 9; x < 14; x++) data.set([250, 0, 0], 3 * (y * w + x));
  return { image: { width: w, height: h, data }, mask };
}

test('a1111 backend: requests follow the img2img schema; the answer replaces only the masked pixels', async () => {
  const { image, mask } = scene();
  const srv = await server((body, res) => {
    const errs = schemaErrors(body, image.width, image.height);
    if (errs.length) {
      res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: errs }));
      return;
    }
    // the mask sent must be white exactly on the masked pixels
    const m = decodeImage(new Uint8Array(Buffer.from(body.mask as string, 'base64')));
    let bad = 0;
    for (let i = 0; i < mask.data.length; i++) if ((m.data[3 * i]! > 127 ? 1 : 0) !== mask.data[i]) bad++;
    if (bad) {
      res.writeHead(422).end(`mask differs at ${bad} pixels`);
      return;
    }
    const out = { width: image.width, height: image.height, data: new Uint8Array(image.width * image.height * 3).fill(7) };
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ images: [Buffer.from(encodeRgbPng(out)).toString('base64')], parameters: {}, info: '{}' }));
  });
  try {
    const be = a1111Backend({ url: srv.url, timeoutMs: 5000 });
    const r = await fillWithFallback({ image, mask, prompt: 'empty table', seed: 42 }, be);
    assert.equal(r.error, null, `server rejected: ${r.error?.message}`);
    assert.equal(r.backend, be.name);
    assert.equal(srv.requests.length, 1);
    assert.equal(srv.requests[0]!.seed, 42);
    assert.equal(srv.requests[0]!.prompt, 'empty table');
    for (let i = 0; i < mask.data.length; i++)
      for (let c = 0; c < 3; c++) assert.equal(r.image.data[3 * i + c], mask.data[i] ? 7 : image.data[3 * i + c], `pixel ${i}`);
  } finally {
    await srv.close();
  }
});

test('a1111 backend: timeout and non-image answers → named errors, classical result kept', async () => {
  const { image, mask } = scene();
  const classical = await classicalBackend().fill({ image, mask, seed: 0 });
  const cases: [string, Handler, new (...a: never[]) => Error][] = [
    ['timeout', () => {}, BackendTimeout],
    ['html', (_b, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>busy</html>'), BackendResponseError],
    ['no images', (_b, res) => res.writeHead(200).end(JSON.stringify({ images: [] })), BackendResponseError],
    [
      'not a png',
      (_b, res) => res.writeHead(200).end(JSON.stringify({ images: [Buffer.from('hello').toString('base64')] })),
      BackendResponseError,
    ],
    ['http 500', (_b, res) => res.writeHead(500).end('CUDA out of memory'), BackendResponseError],
    [
      'wrong size',
      (_b, res) =>
        res
          .writeHead(200)
          .end(
            JSON.stringify({ images: [Buffer.from(encodeRgbPng({ width: 2, height: 2, data: new Uint8Array(12) })).toString('base64')] }),
          ),
      BackendResponseError,
    ],
  ];
  for (const [name, h, cls] of cases) {
    const srv = await server(h);
    try {
      const be = a1111Backend({ url: srv.url, timeoutMs: 300 });
      await assert.rejects(be.fill({ image, mask, seed: 1 }), cls, name);
      const r = await fillWithFallback({ image, mask, seed: 1 }, be);
      assert.ok(r.error instanceof cls, `${name}: ${r.error?.name}`);
      assert.deepEqual(r.image.data, classical.data, `${name}: classical result kept`);
      assert.match(r.backend, /^classical/);
    } finally {
      await srv.close();
    }
  }
  assert.throws(() => a1111Backend({ url: 'not a url' }), InvalidInput);
  assert.throws(() => a1111Backend({ url: 'file:///etc/passwd' }), InvalidInput);
});

test('configuredBackend: EDGELAB_DIFFUSION_URL (the VS Code setting) picks the diffusion client; unset or blank keeps the classical default', () => {
  assert.match(configuredBackend({}).name, /^classical/);
  assert.match(configuredBackend({ EDGELAB_DIFFUSION_URL: '  ' }).name, /^classical/);
  const b = configuredBackend({ EDGELAB_DIFFUSION_URL: 'http://127.0.0.1:7860' });
  assert.doesNotMatch(b.name, /^classical/);
  assert.equal(b.name, a1111Backend({ url: 'http://127.0.0.1:7860' }).name);
});
