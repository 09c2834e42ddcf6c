/**
 * "EdgeLab: Open GazeGen Canvas": the webview panel. The photo, the gaze cursor, the dwell ring, the restricted grid
 * cells, the detected boxes and the operation menu are drawn by the panel script (extension/webviews/gazegen-canvas.ts);
 * everything else — detection, selection, edits, saving — runs in the extension host through el.gazegen
 * (gazegen/session.ts + gazegen/canvas-api.ts, loaded when the panel opens).
 */
import * as vscode from 'vscode';
import { mkdirSync } from 'node:fs';
import { canvasHtml } from './gazegen/html';
import { CameraPage, openExtensionPanel } from './calibration';
import type { CanvasApi } from './gazegen/canvas-api';

export const CANVAS_VIEW = 'edgelab.gazegenCanvas';

/** The kernel side (tests inject their own). */
let apiFactory: (extensionDir: string) => Promise<CanvasApi> = async (dir) => (await import('./gazegen/canvas-api')).createCanvasApi(dir);
export function setCanvasApiFactory(f: (extensionDir: string) => Promise<CanvasApi>): void {
  apiFactory = f;
}

export async function openGazeGenCanvas(
  context: vscode.ExtensionContext,
  log?: { appendLine(m: string): void },
): Promise<vscode.WebviewPanel> {
  const panel = openExtensionPanel(context, CANVAS_VIEW, 'EdgeLab: GazeGen Canvas', 'gazegen-canvas', canvasHtml);
  const w = panel.webview;
  const queue: unknown[] = [];
  const ref: { session?: import('./gazegen/session').CanvasSession } = {};
  // the webcam source: the calibration's camera page in stream mode (calibrates, then POSTs gaze to this host)
  const camera = new CameraPage(
    context,
    { onProfile: (p) => ref.session?.onWebcamProfile(p), onGaze: (b) => void ref.session?.onWebcamGaze(b) },
    log,
  );
  // messages that arrive while the kernel side loads are handled, in order, once it is there
  w.onDidReceiveMessage((m: unknown) => {
    if (ref.session) void ref.session.handle(m);
    else queue.push(m);
  });
  const [{ CanvasSession }, api] = await Promise.all([import('./gazegen/session'), apiFactory(context.extensionUri.fsPath)]);
  const session = new CanvasSession(api, {
    post: (m) => void w.postMessage(m),
    log: (l) => log?.appendLine(l),
    // the shipped sample photos live in read-only system folders: their edits go to the workspace folder (without
    // one, the extension's storage folder)
    samplesDir: () => {
      const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (ws) return ws;
      mkdirSync(context.globalStorageUri.fsPath, { recursive: true });
      return context.globalStorageUri.fsPath;
    },
    pickFile: async () =>
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { Images: ['png', 'jpg', 'jpeg'] },
          openLabel: 'Edit with gaze',
        })
      )?.[0]?.fsPath,
    openCamera: () => camera.open(),
  });
  ref.session = session;
  for (const m of queue.splice(0)) void session.handle(m);
  panel.onDidDispose(() => {
    session.dispose();
    void camera.close();
  });
  return panel;
}
