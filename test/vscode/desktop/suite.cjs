// Runs inside the desktop VS Code extension host (see run.mjs). Plain CommonJS, no build step.
const vscode = require('vscode');
const assert = require('node:assert/strict');
const { join } = require('node:path');
const { existsSync, lstatSync } = require('node:fs');

const KINDS = ['heatmap', 'series', 'image-overlay', 'table', 'crossbar-map', 'sparsity-pattern', 'cka-matrix'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run() {
  const ws = process.env.EDGELAB_DESKTOP_WS;
  const ext = vscode.extensions.getExtension('edgelab.edgelab');
  assert.ok(ext, 'extension edgelab.edgelab is loaded');
  await ext.activate();
  const cmds = await vscode.commands.getCommands(true);
  for (const c of [
    'edgelab.newFromTemplate',
    'edgelab.openGazeCalibration',
    'edgelab.installKernel',
    'edgelab.restartKernel',
    'edgelab.interruptKernel',
  ])
    assert.ok(cmds.includes(c), c);

  const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(join(ws, 'figures-all-kinds.ipynb')));
  await vscode.window.showNotebookDocument(nb);
  await vscode.commands.executeCommand('notebook.selectKernel', { id: 'edgelab.tslab', extension: 'edgelab.edgelab' });
  await vscode.commands.executeCommand('notebook.execute');
  const code = () => nb.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
  for (let i = 0; i < 240 && code().some((c) => c.executionSummary?.success === undefined); i++) await sleep(500);
  const cells = code();
  assert.deepEqual(
    cells.map((c) => c.executionSummary?.executionOrder),
    cells.map((_, i) => i + 1),
    'execution order 1..N',
  );
  assert.ok(
    cells.every((c) => c.executionSummary?.success === true),
    'every cell succeeded',
  );
  const mimes = cells.flatMap((c) => c.outputs.flatMap((o) => o.items.map((i) => i.mime)));
  for (const k of KINDS) assert.ok(mimes.includes(`application/vnd.edgelab.${k}.v1+json`), `${k} output item`);
  const progress = cells[cells.length - 1];
  assert.equal(progress.outputs.length, 1, 'progress updated in place');
  assert.ok(
    lstatSync(join(ws, 'node_modules', 'edgelab')).isSymbolicLink() || existsSync(join(ws, 'node_modules', 'edgelab', 'package.json')),
  );

  await vscode.commands.executeCommand('edgelab.openGazeCalibration');
  await sleep(500);
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
  assert.ok(tabs.includes('EdgeLab: Gaze Calibration'), `calibration panel open (tabs: ${tabs.join(', ')})`);
  await vscode.commands.executeCommand('edgelab.interruptKernel');
}
module.exports = { run };
