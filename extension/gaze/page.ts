/**
 * HTML of the live-camera calibration page (served by server.ts) and the target layout it uses.
 * CSP: everything from 'self' only (the loopback server, or code-server's proxy path to it), the one script by nonce,
 * camera frames as blob:/mediastream: media; no external URL anywhere. The page's settings travel in a JSON data
 * block (not executed, so CSP-neutral).
 */

export interface CameraPageOptions {
  nonce: string;
  /** Eye-to-screen distance assumed for degree numbers (cm; default 60). */
  distanceCm: number;
  /** Physical width of the screen in cm; 0 = assume the CSS reference pixel (1/96 inch). Default 0. */
  screenWidthCm: number;
  /** Frames captured per target (default 8). */
  framesPerTarget: number;
  /** Time to let the eyes settle on a new target before capturing (ms, default 900). */
  settleMs: number;
  /** Pause between captured frames (ms, default 80). */
  frameGapMs: number;
  /** face-api TinyFaceDetector input size (multiple of 32; default 320). */
  detectorSize: number;
  /** tfjs backend for face-api: 'auto' = WebGL when the browser has it, else CPU (default); 'cpu' forces the CPU backend. */
  backend: 'auto' | 'cpu';
  /** Histogram-equalise each eye patch (WebGazer's default, true). It evens out lighting changes; on synthetic crops
   * under fixed lighting it costs accuracy (ridge.test.ts: error/baseline 0.42–0.47 with, 0.20–0.30 without). */
  equalize: boolean;
  /**
   * After calibration, keep predicting and POST the gaze (screen px) to ./gaze every `streamBatchMs` until Stop or the
   * tab closes (the GazeGen Canvas's webcam source; server.ts serves this page at /<token>/stream). Default false.
   */
  stream: boolean;
  streamBatchMs: number;
}

export const CAMERA_PAGE_DEFAULTS: Omit<CameraPageOptions, 'nonce'> = {
  distanceCm: 60,
  screenWidthCm: 0,
  framesPerTarget: 8,
  settleMs: 900,
  frameGapMs: 80,
  detectorSize: 320,
  backend: 'auto',
  equalize: true,
  stream: false,
  streamBatchMs: 200,
};

/** Target positions as fractions of the page: a 3×3 calibration grid and 4 validation points between its rows/columns. */
export function targetLayout(): { calibration: { fx: number; fy: number }[]; validation: { fx: number; fy: number }[] } {
  const g = [0.1, 0.5, 0.9];
  return {
    calibration: g.flatMap((fy) => g.map((fx) => ({ fx, fy }))),
    validation: [
      { fx: 0.3, fy: 0.3 },
      { fx: 0.7, fy: 0.3 },
      { fx: 0.3, fy: 0.7 },
      { fx: 0.7, fy: 0.7 },
    ],
  };
}

/** Escape for a double-quoted attribute or text (single quotes stay: CSP source expressions use them). */
export const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `<!DOCTYPE html>` through `</head>` for the panel and the camera page: charset, CSP meta, viewport, one stylesheet. */
/** CSP of our webview panels: scripts only by nonce; images from the extension and data:, styles and fonts from the extension. */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function htmlHead(o: { csp: string; style: string; title: string; extra?: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(o.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">${o.extra ? `\n${o.extra}` : ''}
<link rel="stylesheet" href="${esc(o.style)}">
<title>${esc(o.title)}</title>
</head>`;
}

/** The page's CSP. `frame-ancestors` only works as a header, so the server sends `cameraPageCsp(n, true)` as one too. */
export function cameraPageCsp(nonce: string, header = false): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(header ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

export function cameraPageHtml(o: Partial<CameraPageOptions> & { nonce: string }): string {
  const cfg = { ...CAMERA_PAGE_DEFAULTS, ...o };
  const { nonce, ...settings } = cfg;
  const csp = cameraPageCsp(nonce);
  // JSON in a data block: escape '<' so the text cannot close the script element.
  const json = JSON.stringify({ ...settings, layout: targetLayout() }).replace(/</g, '\\u003c');
  return `${htmlHead({ csp, style: 'gaze-camera.css', title: 'EdgeLab: camera gaze calibration', extra: '<meta name="referrer" content="no-referrer">' })}
<body data-state="idle">
<main id="intro">
  <h1>EdgeLab camera gaze calibration</h1>
  <p>This page runs on your machine (127.0.0.1). Camera frames stay in this tab: a face-landmark model (face-api,
  shipped with EdgeLab) finds your eyes, and a ridge regression maps 10×6 eye patches to screen points, as WebGazer does.
  Only the fitted mapping and its error numbers go back to VS Code.</p>
  <ol>
    <li>Sit at your usual distance, face lit from the front, head still.</li>
    <li>Press <b>Start</b> and look at each red dot until it moves (9 calibration dots, then 4 validation dots).</li>
  </ol>
  <fieldset>
    <legend>Viewing geometry (for the error in degrees)</legend>
    <label>Eye-to-screen distance (cm) <input id="distance" type="number" min="10" max="300" step="1" value="${cfg.distanceCm}"></label>
    <label>Visible screen width (cm; 0 = assume 96 CSS px per inch) <input id="screenWidth" type="number" min="0" max="500" step="0.1" value="${cfg.screenWidthCm}"></label>
  </fieldset>
  ${cfg.stream ? '<p id="streamNote"><b>Gaze streaming:</b> after the validation dots this page keeps sending your gaze (screen positions only) to the GazeGen Canvas. Keep this window visible beside VS Code (browsers slow down hidden tabs) and press Stop when done.</p>' : ''}
  <button id="start" type="button">Start</button>
  <button id="stop" type="button" hidden>Stop streaming</button>
  <p id="status" role="status">Press Start to allow the camera.</p>
  <div class="previews"><video id="video" playsinline muted></video><canvas id="eyes" width="200" height="60" title="what the model sees: both eye patches"></canvas></div>
  <section id="result" hidden>
    <h2>Validation</h2>
    <p id="summary"></p>
    <svg id="plot" viewBox="0 0 1000 600" role="img" aria-label="validation targets and predictions"></svg>
  </section>
</main>
<div id="stage" hidden><div id="dot"></div></div>
<script type="application/json" id="config">${json}</script>
<script nonce="${nonce}" type="module" src="gaze-camera.js"></script>
</body>
</html>`;
}
