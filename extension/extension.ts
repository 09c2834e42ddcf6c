/**
 * EdgeLab VS Code extension host entry (bundled by esbuild to dist/extension/extension.js).
 *
 * Contributes (package.json "contributes"):
 *  - notebook renderer `edgelab.viz` (dist/renderer/index.js, one MIME per figure kind; drawing code in extension/renderer);
 *  - NotebookController "EdgeLab (TypeScript)" for .ipynb (controller.ts), with completion/hover from the kernel (providers.ts);
 *  - commands: New Notebook from Template…, Open Gaze Calibration, Open GazeGen Canvas (gazegenCanvas.ts), Install Jupyter
 *    Kernel, Restart Kernel, Interrupt Kernel;
 *  - settings (settings.ts; kernel settings reach a kernel we start as environment variables), a kernel status bar
 *    item (status.ts) and a Get Started walkthrough (walkthrough.ts, media/walkthrough/).
 *
 * In a user's folder, `import * as el from 'edgelab'` resolves because the controller links
 * `<workspace folder or notebook folder>/node_modules/edgelab` to this extension's folder before it starts a kernel
 * (link.ts). The extension folder is the `edgelab` package: dist/kernel/index.js + .d.ts and, in the .vsix, the runtime
 * packages in dist/node_modules (tfjs + wasm backend, tslab, zeromq with its native binding).
 */
import * as vscode from 'vscode';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startKernel } from './runner/kernel';
import { installKernelspec } from './runner/kernelspec';
import { EdgeLabController, CONTROLLER_ID } from './controller';
import { registerProviders } from './providers';
import { ensureEdgelabLink } from './link';
import { copyTemplate, listTemplates } from './templates';
import { openCalibration } from './calibration';
import { openGazeGenCanvas } from './gazegenCanvas';
import { kernelEnv, classifyChange, restartPrompt } from './settings';
import { registerStatusBar } from './status';
import { initWalkthrough, markStep } from './walkthrough';
import { registerAnalyzeModel } from './analyzeModel';

let ctl: EdgeLabController | undefined;

/** Environment for processes we start with the extension host's executable (Electron in desktop VS Code). */
function nodeEnv(): Record<string, string> {
  return process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
}

export function activate(context: vscode.ExtensionContext) {
  const log = vscode.window.createOutputChannel('EdgeLab');
  context.subscriptions.push(log);
  const packageDir = context.extensionUri.fsPath;
  initWalkthrough(context.extension.id);

  ctl = new EdgeLabController(async (cwd, nb) => {
    // saved notebooks: link in the workspace folder that holds them (else their own folder); untitled ones run in the
    // first workspace folder (controller.ts), so link there
    const root = vscode.workspace.getWorkspaceFolder(nb.uri)?.uri.fsPath ?? cwd;
    if (nb.uri.scheme === 'file' || vscode.workspace.workspaceFolders?.some((f) => f.uri.fsPath === cwd)) {
      try {
        const r = ensureEdgelabLink({ from: cwd, root, packageDir });
        log.appendLine(`edgelab package: ${r.action} ${r.path} → ${r.target}`);
      } catch (e) {
        log.appendLine(`could not make 'edgelab' resolvable from ${cwd}: ${(e as Error).message}`);
      }
    }
    // settings reach the kernel as the environment variables a notebook run elsewhere would use (settings.ts)
    const fromSettings = kernelEnv((key) => vscode.workspace.getConfiguration('edgelab', nb.uri).get(key));
    log.appendLine(`starting tslab in ${cwd}${Object.keys(fromSettings).length ? ` with ${Object.keys(fromSettings).join(', ')}` : ''}`);
    const k = await startKernel({ kind: 'tslab', cwd, env: { ...fromSettings, ...nodeEnv() } });
    log.appendLine(`kernel ${k.name} pid ${k.pid} ready`);
    return k;
  }, log);
  context.subscriptions.push({
    dispose: () => {
      void ctl?.dispose();
    },
  });
  context.subscriptions.push(...registerProviders(ctl), ...registerStatusBar(ctl));
  // walkthrough steps complete on the real actions (walkthrough.ts): a cell that ran without error on this controller
  context.subscriptions.push(
    ctl.onDidChangeStatus((nb) => {
      if (ctl?.statusOf(nb).state === 'idle') markStep('runWelcome');
    }),
  );

  context.subscriptions.push(registerAnalyzeModel(vscode, context, CONTROLLER_ID));
  const activeNotebook = () => vscode.window.activeNotebookEditor?.notebook;

  // a settings change while VS Code runs (Settings editor or settings.json): kernel settings reach a kernel when it
  // starts (environment variables), so running kernels are offered a restart; camera settings apply to the camera
  // page's next start (calibration.ts reads them then); kernels started later read them anyway
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('edgelab')) return;
      markStep('settings');
      const changed = classifyChange((key) => e.affectsConfiguration(`edgelab.${key}`));
      log.appendLine(
        `settings changed: ${[...changed.kernel, ...changed.extension].map((s) => `edgelab.${s.key}`).join(', ') || '(other edgelab keys)'}`,
      );
      if (!ctl || !changed.kernel.length) return;
      const running = (await ctl.runningNotebooks()).filter((nb) =>
        changed.kernel.some((s) => e.affectsConfiguration(`edgelab.${s.key}`, nb.uri)),
      );
      const question = restartPrompt(
        changed.kernel,
        running.map((nb) => nb.uri.path.split('/').pop() ?? nb.uri.toString()),
      );
      if (!question) return;
      const answer = await vscode.window.showInformationMessage(question, 'Restart Kernel', 'Later');
      if (answer !== 'Restart Kernel') return;
      for (const nb of running) await ctl.restart(nb);
      void vscode.window.showInformationMessage(
        `EdgeLab: kernel restarted with the new settings (${running.length} notebook${running.length === 1 ? '' : 's'}).`,
      );
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('edgelab.newFromTemplate', async (templateId?: unknown) => {
      const templates = listTemplates(vscode.Uri.joinPath(context.extensionUri, 'notebooks').fsPath);
      if (!templates.length) {
        void vscode.window.showErrorMessage('EdgeLab: no tutorial notebooks found in the extension.');
        return;
      }
      // a template id (file name without .ipynb, e.g. from a walkthrough link) skips the picker
      const named = typeof templateId === 'string' ? templates.find((t) => t.name.replace(/\.ipynb$/, '') === templateId) : undefined;
      const pick = named
        ? { t: named }
        : await vscode.window.showQuickPick(
            templates.map((t) => ({ label: t.title, description: t.description, detail: t.detail, t })),
            {
              title: 'EdgeLab: New Notebook from Template',
              placeHolder: 'Pick a paper tutorial to copy into your folder',
              matchOnDescription: true,
              matchOnDetail: true,
            },
          );
      if (!pick) return;
      let folder: vscode.Uri | undefined;
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (folders.length === 1) folder = folders[0]!.uri;
      else if (folders.length > 1)
        folder = (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Folder for the new notebook' }))?.uri;
      else
        folder = (
          await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Copy the notebook here' })
        )?.[0];
      if (!folder) return;
      const dest = copyTemplate(pick.t, folder.fsPath);
      const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(dest));
      await vscode.window.showNotebookDocument(nb);
      // before the kernel selection: that call can wait on a picker, and the step is done once the notebook is open
      markStep(pick.t.name === '00-welcome.ipynb' ? 'openWelcome' : 'openTutorial');
      await vscode.commands.executeCommand('notebook.selectKernel', { id: CONTROLLER_ID, extension: context.extension.id });
      return dest;
    }),
    // the walkthrough's first step: the welcome template without a picker
    vscode.commands.registerCommand('edgelab.openWelcome', () => vscode.commands.executeCommand('edgelab.newFromTemplate', '00-welcome')),
    vscode.commands.registerCommand('edgelab.openGazeCalibration', () => {
      openCalibration(context, log);
      markStep('calibrate');
    }),
    vscode.commands.registerCommand('edgelab.openGazeGenCanvas', async () => {
      try {
        await openGazeGenCanvas(context, log);
      } catch (e) {
        log.appendLine(`GazeGen Canvas: ${(e as Error).stack ?? e}`);
        void vscode.window.showErrorMessage(`EdgeLab: the GazeGen Canvas could not start: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('edgelab.installKernel', () => {
      try {
        const file = installKernelspec();
        const env = nodeEnv();
        if (Object.keys(env).length) {
          // kernel.json starts tslab with this host's executable: under Electron it must run as plain Node
          const spec = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
          writeFileSync(file, JSON.stringify({ ...spec, env }, null, 1) + '\n');
        }
        log.appendLine(`kernelspec written: ${file}`);
        markStep('installKernel');
        void vscode.window.showInformationMessage(`EdgeLab: Jupyter kernel "TypeScript (EdgeLab)" installed in ${dirname(file)}`);
        return file;
      } catch (e) {
        void vscode.window.showErrorMessage(`EdgeLab: could not install the kernelspec: ${(e as Error).message}`);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('edgelab.restartKernel', async () => {
      const nb = activeNotebook();
      if (!nb || !ctl) return;
      const ok = await ctl.restart(nb);
      void vscode.window.showInformationMessage(ok ? 'EdgeLab: kernel restarted.' : 'EdgeLab: no kernel is running for this notebook.');
    }),
    vscode.commands.registerCommand('edgelab.interruptKernel', async () => {
      const nb = activeNotebook();
      if (nb && ctl) await ctl.interrupt(nb);
    }),
  );
  return { controller: ctl };
}

export async function deactivate(): Promise<void> {
  await ctl?.dispose();
  ctl = undefined;
}
