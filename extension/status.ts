/**
 * The kernel status bar item: for the active notebook when it runs on the EdgeLab controller, shows the kernel's state
 * (starting / busy / idle), the compute backend el.init() chose there and the kernel's memory; a click offers restart
 * and interrupt. Hidden for other editors.
 */
import * as vscode from 'vscode';
import type { EdgeLabController, KernelUiStatus } from './controller';

const ICON: Record<KernelUiStatus['state'], string> = {
  'not started': '$(circle-outline)',
  starting: '$(loading~spin)',
  idle: '$(circle-filled)',
  busy: '$(sync~spin)',
  failed: '$(error)',
};

/** The item's text and tooltip for a status (pure: tested without VS Code). */
export function statusText(s: KernelUiStatus): { text: string; tooltip: string } {
  const parts = [`EdgeLab: ${s.state}`];
  if (s.backend) parts.push(s.backend);
  if (s.rssBytes !== null) parts.push(`${Math.round(s.rssBytes / 2 ** 20)} MB`);
  const tooltip =
    `EdgeLab kernel ${s.state}` +
    (s.backend ? `, backend ${s.backend}` : ', backend not chosen yet (el.init() picks it)') +
    (s.rssBytes !== null ? `, ${(s.rssBytes / 2 ** 20).toFixed(0)} MB resident after the last cell` : '') +
    '. Click to restart or interrupt.';
  return { text: `${ICON[s.state]} ${parts.join(' · ')}`, tooltip };
}

export function registerStatusBar(ctl: EdgeLabController): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('edgelab.kernelStatus', vscode.StatusBarAlignment.Right, 100);
  item.name = 'EdgeLab kernel';
  item.command = 'edgelab.kernelActions';
  const refresh = () => {
    const ed = vscode.window.activeNotebookEditor;
    const selected = ed && ctl.isSelectedFor(ed.notebook);
    if (!ed || !selected) {
      item.hide();
      return;
    }
    const { text, tooltip } = statusText(ctl.statusOf(ed.notebook));
    item.text = text;
    item.tooltip = tooltip;
    item.show();
  };
  refresh();
  return [
    item,
    ctl.onDidChangeStatus(refresh),
    vscode.window.onDidChangeActiveNotebookEditor(refresh),
    ctl.onDidChangeSelection(refresh),
    vscode.commands.registerCommand('edgelab.kernelActions', async () => {
      const pick = await vscode.window.showQuickPick(
        [
          { label: '$(debug-restart) Restart Kernel', id: 'edgelab.restartKernel' },
          { label: '$(debug-stop) Interrupt Kernel', id: 'edgelab.interruptKernel' },
        ],
        { title: 'EdgeLab kernel' },
      );
      if (pick) await vscode.commands.executeCommand(pick.id);
    }),
  ];
}
