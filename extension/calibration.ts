/**
 * "EdgeLab: Open Gaze Calibration": the webview panel. The panel chooses a user source (a synthetic user, an
 * OpenEDS/AEA folder, or the live camera), shows the calibration targets, and plots per-user error before/after
 * personalization. All work runs in the extension host (gaze/session.ts → kernel/gaze through gaze/kernel-bridge.ts);
 * the webview only draws validated messages (gaze/messages.ts).
 *
 * Webviews cannot use the camera (VS Code denies media permission to webview iframes), so the camera step runs in a
 * loopback page (gaze/server.ts: 127.0.0.1, random port and token) opened with env.asExternalUri + env.openExternal,
 * which also works behind code-server's /proxy/<port>/. The page posts the fitted profile back; it lands here.
 *
 * Panel CSP: scripts only with a per-load nonce; styles, images and fonts only from the extension (dist/webviews, media)
 * plus data: images (the figures' SVG fallbacks and eye-image PNGs); no remote content.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { CalibrationSession } from './gaze/session';
import { startCameraServer, findAssets, type CameraServer } from './gaze/server';
import type { GazeKernelApi } from './gaze/kernel-api';

export const CALIBRATION_VIEW = 'edgelab.gazeCalibration';

export function nonce(): string { return randomBytes(16).toString('base64').replace(/[+/=]/g, ''); }

/** The panel HTML (exported for unit tests). */
export function calibrationHtml(opts: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const csp = [
    "default-src 'none'",
    `img-src ${opts.cspSource} data:`,
    `style-src ${opts.cspSource}`,
    `script-src 'nonce-${opts.nonce}'`,
    `font-src ${opts.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${opts.styleUri}">
<title>EdgeLab: Gaze Calibration</title>
</head>
<body>
<main id="edgelab-calibration">
  <h1>Gaze calibration</h1>
  <p class="lead">Personalize the DFT Gaze student (stage-4 adapters, 5 calibration images) for one user and see the
  error before and after, or calibrate a webcam gaze mapping for yourself in your browser (VS Code webviews cannot use
  the camera; the page runs on 127.0.0.1 and only the fitted mapping comes back).</p>
  <section class="sources" aria-label="user source">
    <fieldset>
      <legend>Synthetic user (unseen-users protocol)</legend>
      <label>seed <input id="seed" type="number" min="0" step="1" value="0"></label>
      <label>user <input id="user" type="number" min="0" max="9999" step="1" value="0"></label>
      <label>σκ (°) <input id="kappa" type="number" min="0" max="10" step="0.5" value="2"></label>
      <button id="synthetic" type="button">Load synthetic user</button>
    </fieldset>
    <fieldset>
      <legend>Real near-eye data</legend>
      <button id="folder" type="button">Choose OpenEDS / AEA folder…</button>
      <select id="folderUser" hidden aria-label="user in the folder"></select>
      <span id="folderInfo"></span>
    </fieldset>
    <fieldset>
      <legend>Live camera (webcam, in your browser)</legend>
      <button id="camera" type="button">Open camera calibration page</button>
      <span id="cameraUrl" class="mono"></span>
    </fieldset>
  </section>
  <section id="targets" hidden aria-label="calibration targets">
    <h2 id="userLabel"></h2>
    <div class="targets"><div class="field" id="field" aria-label="calibration targets, yaw/pitch ±30°"></div><div class="thumbs" id="thumbs"></div></div>
    <label>steps <input id="steps" type="number" min="1" max="2000" step="1" value="120"></label>
    <button id="personalize" type="button">Personalize</button>
  </section>
  <p id="status" role="status">Waiting for the panel script…</p>
  <button id="cancel" type="button" hidden>Cancel</button>
  <section id="result" hidden aria-label="result">
    <table id="summary"></table>
    <div id="figures" class="figures"></div>
  </section>
</main>
<script nonce="${opts.nonce}" type="module" src="${opts.scriptUri}"></script>
</body>
</html>`;
}

/** The kernel side, loaded on first use (tfjs is heavy; the panel opens without it). Tests inject their own. */
let kernelFactory: () => Promise<GazeKernelApi> = async () => (await import('./gaze/kernel-bridge')).createKernelGazeApi();
export function setGazeKernelFactory(f: () => Promise<GazeKernelApi>): void { kernelFactory = f; }

/** Lazily created kernel API proxy (so the first message does not wait for tfjs). */
function lazyApi(): GazeKernelApi {
  let p: Promise<GazeKernelApi> | undefined;
  const get = () => (p ??= kernelFactory());
  return {
    syntheticUser: async (o) => (await get()).syntheticUser(o),
    scanFolder: async (path) => (await get()).scanFolder(path),
    folderUser: async (path, user, o) => (await get()).folderUser(path, user, o),
    personalize: async (d, o) => (await get()).personalize(d, o),
  };
}

export function openCalibration(context: vscode.ExtensionContext, log?: { appendLine(m: string): void }): { panel: vscode.WebviewPanel; session: CalibrationSession } {
  const roots = [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webviews'), vscode.Uri.joinPath(context.extensionUri, 'media')];
  const panel = vscode.window.createWebviewPanel(CALIBRATION_VIEW, 'EdgeLab: Gaze Calibration', vscode.ViewColumn.Active, {
    enableScripts: true, localResourceRoots: roots, retainContextWhenHidden: true,
  });
  const w = panel.webview;
  w.html = calibrationHtml({
    cspSource: w.cspSource, nonce: nonce(),
    scriptUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webviews', 'calibration.js')).toString(),
    styleUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'calibration.css')).toString(),
  });
  let server: CameraServer | undefined;
  const session: CalibrationSession = new CalibrationSession(lazyApi(), {
    post: (m) => w.postMessage(m),
    log: (l) => log?.appendLine(l),
    pickFolder: async () => (await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this folder',
      title: 'OpenEDS2020 gaze folder (sequences/, labels/) or Aria recording (mps/eye_gaze/general_eye_gaze.csv + frames/)',
    }))?.[0]?.fsPath,
    openCamera: async () => {
      server ??= await startCameraServer({
        assets: findAssets(context.extensionUri.fsPath),
        onProfile: (p) => session.onProfile(p),
        onEvent: (e) => log?.appendLine(`gaze camera page: ${e.type} ${e.detail}`),
      });
      const external = await vscode.env.asExternalUri(vscode.Uri.parse(server.url));
      const opened = await vscode.env.openExternal(external);
      log?.appendLine(`gaze camera page on ${server.host}:${server.port} → ${external.toString(true).replace(server.token, '<token>')} (opened: ${opened})`);
      return external.toString(true);
    },
  });
  w.onDidReceiveMessage((m: unknown) => { void session.handle(m); });
  panel.onDidDispose(() => { session.dispose(); void server?.close(); server = undefined; });
  return { panel, session };
}
