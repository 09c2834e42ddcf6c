/**
 * "EdgeLab: Open Gaze Calibration": the webview panel shell. Webviews cannot use the camera (VS Code denies media
 * permission to webview iframes), so the calibration itself will run in a loopback page in the system browser
 * (DFT Gaze issue); this panel shows status and results. Strict CSP: scripts only with a per-load nonce, styles and
 * scripts only from the extension (dist/webviews, media), no remote content.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

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
  const dots = Array.from({ length: 9 }, (_, i) => `<span class="dot" data-i="${i}"></span>`).join('');
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
  <p class="lead">Nine-point calibration for the DFT gaze tracker. The camera runs in a page on this machine that opens in
  your browser (VS Code webviews cannot use the camera); this panel shows the fit and its error.</p>
  <div class="grid" aria-label="calibration targets">${dots}</div>
  <p id="status" role="status">Waiting for the panel script…</p>
  <button id="start" type="button" disabled title="Comes with the DFT Gaze module">Start calibration</button>
</main>
<script nonce="${opts.nonce}" type="module" src="${opts.scriptUri}"></script>
</body>
</html>`;
}

export function openCalibration(context: vscode.ExtensionContext): vscode.WebviewPanel {
  const roots = [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webviews'), vscode.Uri.joinPath(context.extensionUri, 'media')];
  const panel = vscode.window.createWebviewPanel(CALIBRATION_VIEW, 'EdgeLab: Gaze Calibration', vscode.ViewColumn.Active, {
    enableScripts: true, localResourceRoots: roots, retainContextWhenHidden: false,
  });
  const w = panel.webview;
  panel.webview.html = calibrationHtml({
    cspSource: w.cspSource, nonce: nonce(),
    scriptUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webviews', 'calibration.js')).toString(),
    styleUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'calibration.css')).toString(),
  });
  panel.webview.onDidReceiveMessage((m: { type?: string }) => {
    if (m?.type === 'ready') void panel.webview.postMessage({ type: 'status', text: 'Ready. The camera step arrives with the DFT Gaze module.' });
  });
  return panel;
}
