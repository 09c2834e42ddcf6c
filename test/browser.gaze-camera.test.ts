/**
 * The live-camera gaze calibration page in headless Chromium with a fake camera. The camera plays a .y4m video built
 * here from the real face photos shipped in the @vladmandic/face-api npm package (demo/sample1–6.jpg, MIT), decoded by
 * Chromium itself. The page is served by the real loopback server (extension/gaze/server.ts) with its token; the test
 * clicks Start and checks the whole flow: camera → face-api finds faces and eyes in real photos → eye patches →
 * ridge fit → validation error in px and degrees → profile POSTed back, token-checked and validated → onProfile.
 *
 * What this cannot show: accuracy. The photos do not look at the targets, so the validation error here only has to
 * be finite and consistent; the ridge fit's accuracy on eyes that do follow targets is unit-tested on synthetic eye
 * crops (extension/gaze/ridge.test.ts).
 *
 * A second test loads the Gaze Calibration panel's webview page (extension/calibration.ts HTML + its bundle, same
 * CSP with a local origin standing in for the webview's) with a stand-in acquireVsCodeApi wired to a real
 * CalibrationSession in this process: real synthetic users from kernel/gaze, a fake personalization (the model side has
 * its own tests); it checks what the panel draws and that malformed host messages are refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCameraServer, findAssets, type CameraServer } from '../extension/gaze/server';
import type { GazeProfile } from '../extension/gaze/profile';
import type { GazeBatch } from '../extension/gaze/stream';
import { calibrationHtml } from '../extension/gaze/panel-html';
import { CalibrationSession } from '../extension/gaze/session';
import { createKernelGazeApi } from '../extension/gaze/kernel-bridge';
import { fakeKernelApi } from '../extension/gaze/testing';

declare const document: any, window: any, Image: any;

const root = join(import.meta.dirname, '..');
const artifacts = join(root, 'test', 'artifacts');
const photoDir = join(root, 'node_modules', '@vladmandic', 'face-api', 'demo');
const PHOTOS = ['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg', 'sample6.jpg'];
const W = 640,
  H = 480,
  FPS = 10,
  FRAMES_PER_PHOTO = 6,
  FRAMES_PER_TARGET = 1;

let tmp = '',
  y4m = '',
  browser: Browser | undefined,
  server: CameraServer | undefined;
const profiles: GazeProfile[] = [];
const events: string[] = [];

/** RGBA (W×H) → planar I420 (BT.601 full range as C420jpeg means). */
function i420(rgba: Uint8Array): Buffer {
  const out = Buffer.alloc((W * H * 3) / 2);
  const U = W * H,
    V = U + (W / 2) * (H / 2);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4,
        r = rgba[o]!,
        g = rgba[o + 1]!,
        b = rgba[o + 2]!;
      out[y * W + x] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  for (let y = 0; y < H / 2; y++)
    for (let x = 0; x < W / 2; x++) {
      let r = 0,
        g = 0,
        b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const o = ((2 * y + dy) * W + 2 * x + dx) * 4;
        r += rgba[o]!;
        g += rgba[o + 1]!;
        b += rgba[o + 2]!;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      out[U + y * (W / 2) + x] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
      out[V + y * (W / 2) + x] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
    }
  return out;
}

let setupMs = 0;
before(async () => {
  const t0 = Date.now();
  execFileSync(process.execPath, ['esbuild.mjs', '--only', 'webviews'], { cwd: root, stdio: 'pipe' });
  mkdirSync(artifacts, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'edgelab-gaze-cam-'));
  // 1. Decode the photos in Chromium (no JPEG decoder in node_modules), letterboxed into 640×480 frames.
  const decoder = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const page = await decoder.newPage();
  await page.setContent('<canvas id="c"></canvas>');
  const frames: Uint8Array[] = [];
  for (const p of PHOTOS) {
    const b64 = readFileSync(join(photoDir, p)).toString('base64');
    const rgba: string = await page.evaluate(
      async ([src, w, h]) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const c = document.getElementById('c');
        c.width = w;
        c.height = h;
        const ctx = c.getContext('2d');
        ctx.fillStyle = '#808080';
        ctx.fillRect(0, 0, w, h);
        const s = Math.min(w / img.naturalWidth, h / img.naturalHeight);
        const dw = img.naturalWidth * s,
          dh = img.naturalHeight * s;
        ctx.drawImage(img, (w - dw) / 2, (h - dh) / 2, dw, dh);
        const d: Uint8ClampedArray = ctx.getImageData(0, 0, w, h).data;
        let bin = '';
        for (let i = 0; i < d.length; i += 0x8000) bin += String.fromCharCode(...d.subarray(i, i + 0x8000));
        return window.btoa(bin);
      },
      [`data:image/jpeg;base64,${b64}`, W, H] as const,
    );
    frames.push(new Uint8Array(Buffer.from(rgba, 'base64')));
  }
  await decoder.close();
  // 2. A y4m video: each photo held for FRAMES_PER_PHOTO frames; Chromium loops it.
  y4m = join(tmp, 'faces.y4m');
  const fd = openSync(y4m, 'w');
  writeSync(fd, `YUV4MPEG2 W${W} H${H} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  for (const f of frames) {
    const yuv = i420(f);
    for (let k = 0; k < FRAMES_PER_PHOTO; k++) {
      writeSync(fd, 'FRAME\n');
      writeSync(fd, yuv);
    }
  }
  closeSync(fd);

  server = await startCameraServer({
    assets: findAssets(root),
    onProfile: (p) => profiles.push(p),
    onEvent: (e) => events.push(`${e.type}: ${e.detail}`),
    page: { framesPerTarget: FRAMES_PER_TARGET, settleMs: 50, frameGapMs: 0, detectorSize: 320 },
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${y4m}`,
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  setupMs = Date.now() - t0;
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test(
  'camera page: fake camera of real face photos → eyes found → ridge fit → validated profile posted back (token path)',
  { timeout: 90_000 },
  async (t) => {
    const ctx = await browser!.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await ctx.newPage();
    const requests: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(server!.url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    const tClick = Date.now();
    await page.click('#start');
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 75_000 });
    const dbg = await page.evaluate(() => ({
      ...window.edgelabGaze,
      profile: undefined,
      state: document.body.dataset.state,
      status: document.getElementById('status').textContent,
    }));
    await page.screenshot({ path: join(artifacts, 'gaze-camera.png'), fullPage: true });
    t.diagnostic(`setup (build, decode photos, y4m, launch) ${setupMs} ms; calibration run ${Date.now() - tClick} ms`);
    t.diagnostic(`faces ${dbg.faces}, misses ${dbg.misses}, backend ${dbg.backend}; ${dbg.status}`);
    assert.equal(dbg.state, 'done', `page ended in ${dbg.state}: ${dbg.status} ${dbg.error} console: ${consoleErrors.join(' | ')}`);
    // face-api ran on real faces: most frames had a face with eyes.
    const nFrames = 13 * FRAMES_PER_TARGET;
    assert.ok(dbg.faces >= nFrames * 0.5, `faces found in ${dbg.faces}/${nFrames} frames (misses ${dbg.misses}, backend ${dbg.backend})`);
    // the eye boxes sit on two eyes of the detected face: inside the face box, side by side (head tilt < 60°: the demo
    // photos are group shots with small, often tilted faces; eye boxes are 10–15 px wide in these 640×480 frames)
    type B = { x: number; y: number; w: number; h: number };
    const inside = (a: B, f: B) =>
      a.x >= f.x - 0.1 * f.w && a.x + a.w <= f.x + 1.1 * f.w && a.y >= f.y - 0.1 * f.h && a.y + a.h <= f.y + 0.75 * f.h;
    for (const { face, left, right } of dbg.boxes as { face: B; left: B; right: B }[]) {
      assert.ok(inside(left, face) && inside(right, face), JSON.stringify({ face, left, right }));
      assert.ok(left.x + left.w <= right.x + 0.1 * right.w, `eyes overlap: ${JSON.stringify({ left, right })}`);
      const dx = right.x + right.w / 2 - (left.x + left.w / 2),
        dy = right.y + right.h / 2 - (left.y + left.h / 2);
      assert.ok(dx > 0 && Math.abs(dy) < 1.75 * dx, `eyes not side by side (head tilt ≥ 60°): ${JSON.stringify({ left, right })}`);
      assert.ok(left.w > 0.1 * face.w && left.w < 0.5 * face.w, `eye box width ${left.w} vs face ${face.w}`);
    }
    assert.equal(profiles.length, 1, 'the server got one validated profile');
    const p = profiles[0]!;
    assert.equal(p.model.wx.length, 120);
    assert.ok(p.calibration.targets >= 3 && p.calibration.samples >= 5, JSON.stringify(p.calibration));
    assert.ok(p.validation.points.length >= 2 && p.validation.meanPx > 0 && p.validation.meanDeg > 0);
    // degrees follow from pixels under the stated geometry (60 cm, CSS reference pixel): 1 px ≈ 0.0253°
    const degPerPx = (Math.atan(p.screen.cmPerPx / p.screen.distanceCm) * 180) / Math.PI;
    assert.ok(
      p.validation.meanDeg < p.validation.meanPx * degPerPx * 1.05 && p.validation.meanDeg > p.validation.meanPx * degPerPx * 0.5,
      `${p.validation.meanDeg}° vs ${p.validation.meanPx} px`,
    );
    // every request stayed on the loopback server under the token path; nothing external
    for (const u of requests) assert.ok(u.startsWith(`http://127.0.0.1:${server!.port}/${server!.token}/`), u);
    assert.ok(requests.some((u) => u.endsWith('/models/face_landmark_68_model.bin')));
    assert.deepEqual(
      consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e)),
      [],
    );
    assert.ok(events.some((e) => e.startsWith('page-opened')));
    t.diagnostic(
      `validation: mean ${p.validation.meanPx.toFixed(0)} px / ${p.validation.meanDeg.toFixed(2)}°, λ ${p.model.lambda.toPrecision(3)}`,
    );
    await ctx.close();
  },
);

test(
  'camera page in stream mode (GazeGen Canvas webcam source): calibrates, then POSTs validated screen-px gaze batches until Stop',
  { timeout: 120_000 },
  async (t) => {
    const batches: GazeBatch[] = [];
    const got: GazeProfile[] = [];
    const srv = await startCameraServer({
      assets: findAssets(root),
      onProfile: (p) => got.push(p),
      onGaze: (b) => batches.push(b),
      page: { framesPerTarget: FRAMES_PER_TARGET, settleMs: 50, frameGapMs: 0, detectorSize: 320, streamBatchMs: 100 },
    });
    const ctx = await browser!.newContext({ viewport: { width: 1000, height: 700 } });
    try {
      const page = await ctx.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(srv.streamUrl!);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
      assert.ok(await page.isVisible('#streamNote'), 'the page says it will stream');
      await page.click('#start');
      await page.waitForSelector('body[data-state="streaming"], body[data-state="error"]', { timeout: 90_000 });
      const until = Date.now() + 20_000;
      while (batches.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      await page.click('#stop');
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 20_000 });
      const dbg = await page.evaluate(() => ({ ...window.edgelabGaze, profile: undefined, state: document.body.dataset.state }));
      assert.equal(dbg.state, 'done', `${dbg.state}: ${dbg.error}`);
      assert.equal(got.length, 1, 'the profile came first');
      assert.ok(batches.length >= 3, `${batches.length} gaze batches`);
      const samples = batches.flatMap((b) => b.samples);
      assert.equal(samples.length, dbg.streamed, 'every sample the page sent arrived (validated)');
      for (const [i, q] of samples.entries()) {
        assert.ok(Number.isFinite(q.x) && Number.isFinite(q.y), JSON.stringify(q));
        if (i) assert.ok(q.t >= samples[i - 1]!.t, 'page clock increases');
      }
      assert.ok(Math.abs(samples.at(-1)!.t - Date.now()) < 60_000, 'epoch-ms clock');
      for (const u of requests) assert.ok(u.startsWith(`http://127.0.0.1:${srv.port}/${srv.token}/`), u);
      t.diagnostic(
        `${batches.length} batches, ${samples.length} samples; last (${samples.at(-1)!.x.toFixed(0)}, ${samples.at(-1)!.y.toFixed(0)}) screen px`,
      );
    } finally {
      await ctx.close();
      await srv.close();
    }
  },
);

test(
  'calibration panel webview: source → targets and eye images → personalize → error table and figures; malformed host messages refused',
  { timeout: 60_000 },
  async (t) => {
    execFileSync(process.execPath, ['esbuild.mjs', '--only', 'webviews'], { cwd: root, stdio: 'pipe' });
    let origin = '';
    const web: Server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0]!;
      const files: Record<string, [string, string]> = {
        '/calibration.js': ['dist/webviews/calibration.js', 'text/javascript'],
        '/calibration.css': ['media/calibration.css', 'text/css'],
      };
      if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          calibrationHtml({
            cspSource: origin,
            nonce: 'TestNonce123',
            scriptUri: `${origin}/calibration.js`,
            styleUri: `${origin}/calibration.css`,
          }),
        );
      } else if (files[url]) {
        res.writeHead(200, { 'content-type': files[url][1] });
        res.end(readFileSync(join(root, files[url][0])));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    const ctx = await browser!.newContext({ viewport: { width: 1100, height: 1300 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    const real = createKernelGazeApi({ framesPerUser: 40 });
    const api = { ...fakeKernelApi(), syntheticUser: real.syntheticUser };
    const session = new CalibrationSession(api, {
      post: (m) => page.evaluate((msg) => window.postMessage(msg, '*'), m),
      pickFolder: async () => undefined,
      openCamera: async () => 'http://127.0.0.1:1/x',
    });
    await page.exposeFunction('__toHost', (m: unknown) => session.handle(m));
    await page.addInitScript(
      'window.__name = (f) => f; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__toHost(m), getState: () => undefined, setState: () => undefined });',
    );
    try {
      await page.goto(origin + '/');
      await page.waitForSelector('#edgelab-calibration[data-script="ok"][data-host="ok"]', { timeout: 15_000 });
      assert.match((await page.textContent('#status')) ?? '', /^Ready/);
      await page.fill('#user', '3');
      await page.click('#synthetic');
      await page.waitForSelector('#edgelab-calibration[data-user="loaded"]', { timeout: 20_000 });
      assert.equal(await page.locator('#field .target').count(), 5);
      const thumbs = await page.evaluate(() =>
        Array.from(document.querySelectorAll('#thumbs img')).map((i: any) => [i.naturalWidth, i.naturalHeight]),
      );
      assert.deepEqual(thumbs, Array(5).fill([64, 32]), 'five 64×32 synthetic eye images drawn from PNG data URLs');
      assert.match((await page.textContent('#userLabel')) ?? '', /synthetic user 3/);
      await page.click('#personalize');
      await page.waitForSelector('#edgelab-calibration[data-result="personalized"]', { timeout: 20_000 });
      const cells = await page.evaluate(() =>
        Array.from(document.querySelectorAll('#summary tr')).map((r: any) => Array.from(r.children).map((c: any) => c.textContent)),
      );
      assert.equal(cells[1]![0], 'mean error (°)');
      assert.ok(Number(cells[1]![1]) > Number(cells[1]![2]), JSON.stringify(cells));
      const figs = await page.evaluate(() => Array.from(document.querySelectorAll('#figures img')).map((i: any) => i.naturalWidth));
      assert.equal(figs.length, 2);
      assert.ok(
        figs.every((w: number) => w > 100),
        `SVG figures decoded under the CSP: ${figs}`,
      );
      await page.screenshot({ path: join(artifacts, 'gaze-panel.png'), fullPage: true });
      // the panel refuses what the host must never send, and draws nothing from it
      await page.evaluate(() => {
        window.postMessage(
          { type: 'user', label: '<img src=x onerror=alert(1)>', targets: [], heldOut: 0, images: ['javascript:alert(1)'] },
          '*',
        );
        window.postMessage({ type: 'status', text: 'x', busy: false, html: '<b>' }, '*');
      });
      await page.waitForSelector('#edgelab-calibration[data-rejected="2"]', { timeout: 5000 });
      assert.match((await page.textContent('#userLabel')) ?? '', /synthetic user 3/);
      assert.deepEqual(
        errors.filter((e) => /Content Security Policy|Refused/.test(e)),
        [],
      );
      t.diagnostic(`panel table: ${JSON.stringify(cells)}`);
    } finally {
      await ctx.close();
      await new Promise<void>((r) => web.close(() => r()));
    }
  },
);
