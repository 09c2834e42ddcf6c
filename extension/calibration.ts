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
import { startCameraServer, findAssets, type CameraServer, type CameraServerOptions } from './gaze/server';
import { cameraBindAddress } from './settings';
import type { GazeKernelApi } from './gaze/kernel-api';
import { calibrationHtml } from './gaze/panel-html';

export { calibrationHtml };

export const CALIBRATION_VIEW = 'edgelab.gazeCalibration';

export function nonce(): string {
  return randomBytes(16).toString('base64').replace(/[+/=]/g, '');
}

/**
 * A webview panel of ours: scripts enabled, resources only from dist/webviews and media/, its HTML from `html` with a
 * fresh nonce, dist/webviews/<name>.js and media/<name>.css.
 */
export function openExtensionPanel(
  context: vscode.ExtensionContext,
  viewType: string,
  title: string,
  name: string,
  html: (o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }) => string,
): vscode.WebviewPanel {
  const roots = [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webviews'), vscode.Uri.joinPath(context.extensionUri, 'media')];
  const panel = vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: roots,
    retainContextWhenHidden: true,
  });
  const w = panel.webview;
  w.html = html({
    cspSource: w.cspSource,
    nonce: nonce(),
    scriptUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webviews', `${name}.js`)).toString(),
    styleUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', `${name}.css`)).toString(),
  });
  return panel;
}

/** The kernel side, loaded on first use (tfjs is heavy; the panel opens without it). Tests inject their own. */
let kernelFactory: () => Promise<GazeKernelApi> = async () => (await import('./gaze/kernel-bridge')).createKernelGazeApi();
export function setGazeKernelFactory(f: () => Promise<GazeKernelApi>): void {
  kernelFactory = f;
}

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

/**
 * The loopback camera page (gaze/server.ts) as a panel uses it: started on first open on the bind address the
 * settings give (a changed address restarts it), opened in the system browser, closed with the panel. With `onGaze`
 * the page opened is the calibrate-then-stream one (the GazeGen Canvas's webcam source); else calibration only.
 */
export class CameraPage {
  private server: CameraServer | undefined;
  private host = '127.0.0.1';
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly handlers: Pick<CameraServerOptions, 'onProfile' | 'onGaze'>,
    private readonly log?: { appendLine(m: string): void },
  ) {}

  /** Start the server if needed and open the page; resolves with the URL the browser got. */
  async open(): Promise<string> {
    const log = this.log;
    // the camera settings are read on every open: a changed bind address restarts the page's server on it
    const bind = cameraBindAddress((k) => vscode.workspace.getConfiguration('edgelab').get(k));
    if (this.server && bind.address !== this.host) {
      await this.server.close();
      this.server = undefined;
    }
    if (!this.server) {
      if (bind.warning) void vscode.window.showWarningMessage(bind.warning);
      this.host = bind.address;
    }
    const server = (this.server ??= await startCameraServer({
      host: this.host,
      assets: findAssets(this.context.extensionUri.fsPath),
      ...this.handlers,
      onEvent: (e) => log?.appendLine(`gaze camera page: ${e.type} ${e.detail}`),
    }));
    // Map the server's ORIGIN, then add the path: code-server's asExternalUri returns its /proxy/<port>/ root and drops
    // the path of the URI it is given (seen in code-server 4.100.3); desktop VS Code returns loopback URIs unchanged.
    const base = await vscode.env.asExternalUri(vscode.Uri.parse(`http://${server.host}:${server.port}/`));
    const page = this.handlers.onGaze ? 'stream' : 'calibrate';
    const external = base.with({ path: `${base.path.replace(/\/+$/, '')}/${server.token}/${page}` });
    const opened = await vscode.env.openExternal(external);
    log?.appendLine(
      `gaze camera page on ${server.host}:${server.port} → ${external.toString(true).replace(server.token, '<token>')} (opened: ${opened})`,
    );
    return external.toString(true);
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    await s?.close();
  }
}

export function openCalibration(
  context: vscode.ExtensionContext,
  log?: { appendLine(m: string): void },
): { panel: vscode.WebviewPanel; session: CalibrationSession } {
  const panel = openExtensionPanel(context, CALIBRATION_VIEW, 'EdgeLab: Gaze Calibration', 'calibration', calibrationHtml);
  const w = panel.webview;
  const camera = new CameraPage(context, { onProfile: (p) => session.onProfile(p) }, log);
  const session: CalibrationSession = new CalibrationSession(lazyApi(), {
    post: (m) => w.postMessage(m),
    log: (l) => log?.appendLine(l),
    pickFolder: async () =>
      (
        await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          canSelectMany: false,
          openLabel: 'Use this folder',
          title: 'OpenEDS2020 gaze folder (sequences/, labels/) or Aria recording (mps/eye_gaze/general_eye_gaze.csv + frames/)',
        })
      )?.[0]?.fsPath,
    saveProfile: async (json) => {
      const dir = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri = await vscode.window.showSaveDialog({
        title: 'Save the camera gaze profile (ridge weights and validation error; no images)',
        filters: { JSON: ['json'] },
        ...(dir ? { defaultUri: vscode.Uri.joinPath(dir, 'gaze-profile.json') } : {}),
      });
      if (!uri) return undefined;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(json));
      return uri.fsPath;
    },
    openCamera: () => camera.open(),
  });
  w.onDidReceiveMessage((m: unknown) => {
    void session.handle(m);
  });
  panel.onDidDispose(() => {
    session.dispose();
    void camera.close();
  });
  return { panel, session };
}
