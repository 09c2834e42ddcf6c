// Live-camera gaze calibration page (browser bundle dist/webviews/gaze-camera.js, served by extension/gaze/server.ts on
// 127.0.0.1 under a token path). Camera → face-api (tiny face detector + 68 landmarks, weights served by the same
// server) → two 10×6 eye patches → ridge regression to screen points (extension/gaze/ridge.ts, WebGazer's recipe) →
// validation error in px and degrees → POST the profile (weights + numbers, never pixels) to ./profile.
import * as faceapi from '@vladmandic/face-api';
import {
  eyeBox,
  frameFeatures,
  fitRidge,
  predictRidge,
  screenErrors,
  PATCH_W,
  PATCH_H,
  type Box,
  type Raster,
  type ScreenGeometry,
} from '../gaze/ridge';
import { PROFILE_KIND, PROFILE_VERSION, type GazeProfile, type ValidationPoint } from '../gaze/profile';
import type { CameraPageOptions, targetLayout } from '../gaze/page';

/** The settings JSON cameraPageHtml embeds in the page: its options (without the nonce) and the target layout. */
type Config = Omit<CameraPageOptions, 'nonce'> & { layout: ReturnType<typeof targetLayout> };
interface Sample {
  f: Float64Array;
  x: number;
  y: number;
  group: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const cfg = JSON.parse($('config').textContent ?? '{}') as Config;
const statusEl = $('status');
const video = $<HTMLVideoElement>('video');
const stage = $('stage');
const dot = $('dot');
const eyesCanvas = $<HTMLCanvasElement>('eyes');
const frame = document.createElement('canvas');
const fctx = frame.getContext('2d', { willReadFrequently: true })!;
/** What tests and curious users can inspect (no pixels). */
const debug = {
  faces: 0,
  misses: 0,
  samples: 0,
  backend: '',
  error: '',
  profile: undefined as GazeProfile | undefined,
  posted: 0,
  /** Gaze batches and samples sent to ./gaze (stream mode). */
  batches: 0,
  streamed: 0,
  boxes: [] as { face: Box; left: Box; right: Box }[],
};
(window as unknown as { edgelabGaze: typeof debug }).edgelabGaze = debug;

function setState(s: string, text?: string) {
  document.body.dataset.state = s;
  if (text !== undefined) statusEl.textContent = text;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loadModels(): Promise<void> {
  const tf = faceapi.tf as unknown as { setBackend(b: string): Promise<boolean>; ready(): Promise<void>; getBackend(): string };
  // WebGL when the browser has it, else tfjs's CPU backend (slower but always there). No wasm: it would need its binary.
  let ok = false;
  if (cfg.backend !== 'cpu') {
    try {
      ok = await tf.setBackend('webgl');
    } catch {
      ok = false;
    }
  }
  if (!ok) await tf.setBackend('cpu');
  await tf.ready();
  debug.backend = tf.getBackend();
  await faceapi.nets.tinyFaceDetector.loadFromUri('models');
  await faceapi.nets.faceLandmark68Net.loadFromUri('models');
}

async function openCamera(): Promise<void> {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    throw new Error(
      `this browser gives no camera to ${location.origin}: the page must be served from localhost/127.0.0.1 or over HTTPS (behind code-server, use its https address)`,
    );
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  for (let i = 0; i < 50 && !video.videoWidth; i++) await sleep(50);
  frame.width = video.videoWidth;
  frame.height = video.videoHeight;
}

/** One camera frame → the 120 features, or undefined when no face is found. Draws the two patches into #eyes. */
async function grab(): Promise<Float64Array | undefined> {
  fctx.drawImage(video, 0, 0, frame.width, frame.height);
  const det = await faceapi
    .detectSingleFace(frame, new faceapi.TinyFaceDetectorOptions({ inputSize: cfg.detectorSize, scoreThreshold: 0.3 }))
    .withFaceLandmarks();
  if (!det) {
    debug.misses++;
    return undefined;
  }
  debug.faces++;
  const lm = det.landmarks;
  const left = eyeBox(lm.getLeftEye()),
    right = eyeBox(lm.getRightEye());
  const fb = det.detection.box;
  debug.boxes.push({ face: { x: fb.x, y: fb.y, w: fb.width, h: fb.height }, left, right });
  if (debug.boxes.length > 500) debug.boxes.shift(); // stream mode grabs until Stop: keep the debug list bounded
  const img = fctx.getImageData(0, 0, frame.width, frame.height);
  const raster: Raster = { width: img.width, height: img.height, data: img.data, channels: 4 };
  const f = frameFeatures(raster, left, right, cfg.equalize);
  drawPatches(f);
  return f;
}

function drawPatches(f: Float64Array): void {
  const c = eyesCanvas.getContext('2d')!;
  const img = c.createImageData(PATCH_W * 2, PATCH_H);
  for (let e = 0; e < 2; e++)
    for (let j = 0; j < PATCH_H; j++)
      for (let i = 0; i < PATCH_W; i++) {
        const v = f[e * PATCH_W * PATCH_H + j * PATCH_W + i]!,
          o = (j * PATCH_W * 2 + e * PATCH_W + i) * 4;
        img.data[o] = img.data[o + 1] = img.data[o + 2] = v;
        img.data[o + 3] = 255;
      }
  const tmp = document.createElement('canvas');
  tmp.width = PATCH_W * 2;
  tmp.height = PATCH_H;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  c.imageSmoothingEnabled = false;
  c.drawImage(tmp, 0, 0, eyesCanvas.width, eyesCanvas.height);
}

function showDot(x: number, y: number) {
  dot.style.left = `${x}px`;
  dot.style.top = `${y}px`;
}

/** Show each target, let the eyes settle, capture frames; returns one sample per frame with a face. */
async function run(targets: { fx: number; fy: number }[], label: string, groupBase: number): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const [k, t] of targets.entries()) {
    const x = t.fx * window.innerWidth,
      y = t.fy * window.innerHeight;
    showDot(x, y);
    dot.dataset.target = `${label}-${k}`;
    statusEl.textContent = `${label} ${k + 1}/${targets.length}`;
    await sleep(cfg.settleMs);
    for (let i = 0; i < cfg.framesPerTarget; i++) {
      const f = await grab();
      if (f) {
        out.push({ f, x, y, group: groupBase + k });
        debug.samples++;
      }
      await sleep(cfg.frameGapMs);
    }
  }
  return out;
}

function geometry(): ScreenGeometry {
  const distanceCm = Number($<HTMLInputElement>('distance').value) || cfg.distanceCm;
  const widthCm = Number($<HTMLInputElement>('screenWidth').value) || 0;
  const cmPerPx = widthCm > 0 ? widthCm / window.screen.width : 2.54 / 96;
  return { distanceCm, cmPerPx, cx: window.innerWidth / 2, cy: window.innerHeight / 2 };
}

function plot(points: ValidationPoint[]): void {
  const svg = $('plot') as unknown as SVGSVGElement;
  const W = window.innerWidth,
    H = window.innerHeight,
    sx = 1000 / W,
    sy = 600 / H;
  svg.replaceChildren();
  const el = (name: string, attrs: Record<string, string | number>) => {
    const e = document.createElementNS('http://www.w3.org/2000/svg', name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    svg.append(e);
    return e;
  };
  el('rect', { x: 0, y: 0, width: 1000, height: 600, fill: 'none', stroke: '#888' });
  for (const p of points) {
    el('line', { x1: p.tx * sx, y1: p.ty * sy, x2: p.px * sx, y2: p.py * sy, stroke: '#999', 'stroke-width': 1 });
    el('circle', { cx: p.px * sx, cy: p.py * sy, r: 4, fill: '#2a9d3a', class: 'pred' });
  }
  for (const t of new Map(points.map((p) => [`${p.tx},${p.ty}`, p])).values())
    el('circle', { cx: t.tx * sx, cy: t.ty * sy, r: 7, fill: 'none', stroke: '#e5484d', 'stroke-width': 3, class: 'target' });
}

/** Page client px → screen CSS px: the offset seen on the last pointer event (screenX − clientX), else the window's. */
let screenOffset: { x: number; y: number } | null = null;
const noteOffset = (e: MouseEvent) => {
  if (e.screenX || e.screenY || e.clientX || e.clientY) screenOffset = { x: e.screenX - e.clientX, y: e.screenY - e.clientY };
};
window.addEventListener('mousemove', noteOffset);
function toScreen(x: number, y: number): { x: number; y: number } {
  const o = screenOffset ?? {
    x: window.screenX + (window.outerWidth - window.innerWidth) / 2,
    y: window.screenY + (window.outerHeight - window.innerHeight),
  };
  return { x: x + o.x, y: y + o.y };
}

let stopStreaming = false;
$('stop').addEventListener('click', () => (stopStreaming = true));

/**
 * Stream mode: predict every frame with the fitted ridge and POST the points (screen px, page clock) to ./gaze in
 * batches until Stop, a refused POST (the Canvas closed its server) or the tab closes. Nothing but the points leaves.
 */
async function streamGaze(model: ReturnType<typeof fitRidge>): Promise<void> {
  setState('streaming', 'Streaming your gaze to the GazeGen Canvas. Keep this window visible; press Stop when done.');
  $('stop').hidden = false;
  let batch: { t: number; x: number; y: number }[] = [];
  let last = performance.now();
  while (!stopStreaming) {
    const f = await grab();
    if (f) {
      const p = predictRidge(model, f);
      const q = toScreen(p.x, p.y);
      batch.push({ t: performance.timeOrigin + performance.now(), x: q.x, y: q.y });
    }
    if (performance.now() - last >= cfg.streamBatchMs && batch.length) {
      const r = await fetch('gaze', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ samples: batch }),
      });
      if (!r.ok) throw new Error(`VS Code stopped taking gaze (${r.status}): is the GazeGen Canvas still open?`);
      debug.batches++;
      debug.streamed += batch.length;
      batch = [];
      last = performance.now();
    }
    await sleep(cfg.frameGapMs);
  }
  $('stop').hidden = true;
  setState('done', 'Streaming stopped. You can close this tab.');
}

async function start(): Promise<void> {
  $<HTMLButtonElement>('start').disabled = true;
  try {
    setState('camera', 'Opening the camera…');
    await openCamera();
    setState('models', 'Loading the face-landmark model (from this machine)…');
    await loadModels();
    stage.hidden = false;
    setState('calibrating');
    const cal = await run(cfg.layout.calibration, 'calibration', 0);
    const calTargets = new Set(cal.map((s) => s.group)).size;
    if (cal.length < 3 || calTargets < 3)
      throw new Error(
        `the face was found in only ${cal.length} frames (${calTargets} targets); need frames at ≥ 3 targets. Light your face and try again.`,
      );
    const model = fitRidge(
      cal.map((s) => s.f),
      cal,
      { groups: cal.map((s) => s.group) },
    );
    setState('validating');
    const val = await run(cfg.layout.validation, 'validation', 100);
    stage.hidden = true;
    if (!val.length) throw new Error('no face found during validation');
    const g = geometry();
    const points = val.map((s) => {
      const p = predictRidge(model, s.f);
      return { tx: s.x, ty: s.y, px: p.x, py: p.y };
    });
    const err = screenErrors(g, points);
    const profile: GazeProfile = {
      kind: PROFILE_KIND,
      version: PROFILE_VERSION,
      createdAt: new Date().toISOString(),
      features: {
        patchW: PATCH_W,
        patchH: PATCH_H,
        eyes: 2,
        equalize: cfg.equalize,
        landmarks: `face-api ${faceapi.version} tinyFaceDetector+faceLandmark68Net`,
      },
      model: { lambda: model.lambda, mean: model.mean, wx: model.wx, wy: model.wy, bx: model.bx, by: model.by, looPx: model.looPx },
      screen: { widthPx: window.innerWidth, heightPx: window.innerHeight, distanceCm: g.distanceCm, cmPerPx: g.cmPerPx },
      calibration: { targets: calTargets, samples: cal.length },
      validation: { targets: new Set(val.map((s) => s.group)).size, ...err, points },
    };
    debug.profile = profile;
    $('result').hidden = false;
    $('summary').textContent =
      `Validation error: mean ${err.meanPx.toFixed(0)} px (${err.meanDeg.toFixed(1)}°), median ${err.medianPx.toFixed(0)} px (${err.medianDeg.toFixed(1)}°) over ${points.length} frames at ${profile.validation.targets} targets; assumed ${g.distanceCm} cm from the screen, ${(g.cmPerPx * 10).toFixed(3)} mm per px.`;
    plot(points);
    setState('posting', 'Sending the profile (weights and error numbers only) to VS Code…');
    const r = await fetch('profile', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile) });
    if (!r.ok) throw new Error(`VS Code refused the profile (${r.status}): ${await r.text()}`);
    debug.posted++;
    if (cfg.stream) await streamGaze(model);
    else setState('done', 'Done: the profile is in the VS Code panel. You can close this tab.');
  } catch (e) {
    stage.hidden = true;
    debug.error = (e as Error).message;
    setState('error', `Error: ${(e as Error).message}`);
    $<HTMLButtonElement>('start').disabled = false;
  } finally {
    (video.srcObject as MediaStream | null)?.getTracks().forEach((t) => t.stop());
  }
}

$('start').addEventListener('click', (e) => {
  noteOffset(e);
  void start();
});
setState('ready');
