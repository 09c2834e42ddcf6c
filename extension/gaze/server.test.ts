// The loopback calibration server and the profile gate: token refusal, loopback-only bind, asset whitelist, profile
// validation (shape, sizes, no extra fields), body limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, NotFound } from '../../kernel/core/errors';
import { startCameraServer, findAssets, BIND_HOST, type CameraServer } from './server';
import { parseProfile, type GazeProfile } from './profile';
import { FEATURES } from './ridge';
import { sampleProfile } from './testing';

const root = join(import.meta.dirname, '..', '..');
let srv: CameraServer;
const got: GazeProfile[] = [];
const events: string[] = [];
let dir = '';

const validProfile = () => sampleProfile();

function http(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  host = BIND_HOST,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: srv.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const post = (path: string, v: unknown, type = 'application/json') =>
  http('POST', path, typeof v === 'string' ? v : JSON.stringify(v), { 'content-type': type });

before(async () => {
  srv = await startCameraServer({
    assets: findAssets(root),
    onProfile: (p) => got.push(p),
    onEvent: (e) => events.push(e.type),
    maxBody: 64 * 1024,
  });
  dir = mkdtempSync(join(tmpdir(), 'edgelab-gaze-srv-'));
});
after(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('requests without the token are refused with 403 (page, assets, models, profile)', async () => {
  assert.match(srv.token, /^[0-9a-f]{32}$/);
  for (const p of [
    '/',
    '/calibrate',
    '/gaze-camera.js',
    '/models/tiny_face_detector_model.bin',
    `/${srv.token.slice(1)}x/calibrate`,
    `/${srv.token}x/calibrate`,
    `/calibrate?token=${srv.token}`,
  ]) {
    assert.equal((await http('GET', p)).status, 403, p);
  }
  assert.equal((await post('/profile', validProfile())).status, 403);
  assert.equal((await post(`/${'0'.repeat(32)}/profile`, validProfile())).status, 403);
  assert.equal(got.length, 0, 'no profile got through without the token');
  assert.ok(events.includes('refused'));
  // a second server gets another token
  const other = await startCameraServer({ assets: findAssets(root), onProfile: () => undefined });
  try {
    assert.notEqual(other.token, srv.token);
    assert.notEqual(other.port, srv.port);
  } finally {
    await other.close();
  }
});

test('binds 127.0.0.1 only: the URL is loopback and other interfaces refuse the connection', async () => {
  assert.equal(srv.host, '127.0.0.1');
  assert.equal(new URL(srv.url).hostname, '127.0.0.1');
  assert.equal(new URL(srv.url).pathname, `/${srv.token}/calibrate`);
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4');
  const targets = ['::1', ...(external ? [external.address] : [])];
  for (const host of targets) {
    const err = await new Promise<string>((resolve) => {
      const s = connect({ host, port: srv.port }, () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.notEqual(err, 'connected', `${host}:${srv.port} accepted a connection`);
  }
});

test('with the token: the page (CSP header + nonce), its bundle and the whitelisted face-api weights; nothing else', async () => {
  const page = await http('GET', `/${srv.token}/calibrate`);
  assert.equal(page.status, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(csp)![1]!;
  assert.doesNotMatch(csp, /https?:|\*|unsafe/);
  for (const s of page.body.match(/<script[^>]*src=[^>]*>/g)!) assert.match(s, new RegExp(`nonce="${nonce}"`));
  for (const u of [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!))
    assert.doesNotMatch(u, /^[a-z]+:|^\/\//, `relative URLs only (code-server proxy path): ${u}`);
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal((await http('GET', `/${srv.token}/calibrate`)).body.includes(nonce), false, 'a fresh nonce per load');
  assert.equal((await http('GET', `/${srv.token}/gaze-camera.js`)).status, 200);
  assert.match(String((await http('GET', `/${srv.token}/gaze-camera.css`)).headers['content-type']), /text\/css/);
  const manifest = await http('GET', `/${srv.token}/models/face_landmark_68_model-weights_manifest.json`);
  assert.equal(manifest.status, 200);
  assert.ok(Array.isArray(JSON.parse(manifest.body)));
  for (const p of [
    '/models/face_recognition_model.bin',
    '/models/../../package.json',
    '/models/%2e%2e%2fpackage.json',
    '/package.json',
    '/profile',
  ]) {
    assert.equal((await http('GET', `/${srv.token}${p}`)).status, 404, p);
  }
});

test('POST profile: a valid one reaches onProfile as a clean copy; malformed, oversized or extra-field ones are refused', async () => {
  const ok = await post(`/${srv.token}/profile`, validProfile());
  assert.equal(ok.status, 200, ok.body);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], validProfile());
  const bad: [string, unknown, number][] = [
    ['extra field (e.g. pixels)', { ...validProfile(), frames: [[1, 2, 3]] }, 400],
    ['extra field in model', { ...validProfile(), model: { ...validProfile().model, image: 'data:' } }, 400],
    ['short weights', { ...validProfile(), model: { ...validProfile().model, wx: [1, 2] } }, 400],
    ['non-number weight', { ...validProfile(), model: { ...validProfile().model, bx: 'NaN' } }, 400],
    ['wrong kind', { ...validProfile(), kind: 'other' }, 400],
    ['bad distance', { ...validProfile(), screen: { ...validProfile().screen, distanceCm: -5 } }, 400],
    ['no validation points', { ...validProfile(), validation: { ...validProfile().validation, points: [] } }, 400],
    ['not JSON', '{"kind":', 400],
    ['oversized body', { ...validProfile(), pad: 'x'.repeat(70 * 1024) }, 413],
  ];
  for (const [name, body, status] of bad) {
    const r = await post(`/${srv.token}/profile`, body);
    assert.equal(r.status, status, `${name}: ${r.body}`);
  }
  assert.equal((await post(`/${srv.token}/profile`, validProfile(), 'text/plain')).status, 415);
  assert.equal(got.length, 1, 'only the valid profile got through');
  assert.ok(events.includes('profile-rejected'));
});

test('parseProfile names the bad field; findAssets reports missing weights', () => {
  assert.throws(
    () =>
      parseProfile({
        ...validProfile(),
        model: { ...validProfile().model, wy: new Array(FEATURES).fill(0).map((_, i) => (i === 7 ? null : 0)) },
      }),
    (e: Error) => e instanceof FormatError && /profile\.model\.wy\[7\]/.test(e.message),
  );
  assert.throws(() => parseProfile([]), FormatError);
  assert.throws(() => findAssets(dir), NotFound);
});

test('without onGaze (the calibration panel) there is no stream page and gaze batches are refused', async () => {
  assert.equal(srv.streamUrl, undefined);
  assert.equal((await http('GET', `/${srv.token}/stream`)).status, 404);
  assert.equal((await post(`/${srv.token}/gaze`, { samples: [{ t: 1, x: 1, y: 1 }] })).status, 404);
  assert.equal((await post(`/${'0'.repeat(32)}/gaze`, { samples: [{ t: 1, x: 1, y: 1 }] })).status, 403, 'token first');
});
