// Manifest ↔ code consistency and the calibration panel's CSP, with the vscode module mocked.
import { state } from './testing/vscode-mock';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURE_KINDS, mimeOf } from '../kernel/viz/types';
import { activate } from './extension';
import { calibrationHtml } from './calibration';
import { STEP_IDS, WALKTHROUGH_ID } from './walkthrough';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));

test('manifest: one renderer MIME per figure kind, entry dist/renderer/index.js', () => {
  const [r] = pkg.contributes.notebookRenderer;
  assert.equal(r.entrypoint, './dist/renderer/index.js');
  assert.deepEqual(r.mimeTypes, FIGURE_KINDS.map(mimeOf));
});

test('manifest: every contributed command is registered by activate(), and nothing else', () => {
  const ctx = {
    subscriptions: [] as unknown[],
    extensionUri: { fsPath: join(__dirname, '..'), scheme: 'file' },
    extension: { id: 'edgelab.edgelab' },
  };
  activate(ctx as never);
  const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual([...state.commands.keys()].sort(), declared);
  assert.ok(
    declared.includes('edgelab.newFromTemplate') &&
      declared.includes('edgelab.openGazeCalibration') &&
      declared.includes('edgelab.installKernel'),
  );
  assert.deepEqual(pkg.activationEvents, ['onNotebook:jupyter-notebook']);
  assert.equal(state.controllers.at(-1)?.id, 'edgelab.tslab');
  for (const m of pkg.contributes.menus['notebook/toolbar']) assert.match(m.when, /notebookKernel == edgelab\.edgelab\/edgelab\.tslab/);
});

test('calibration panel: nonce-only scripts, no remote content', () => {
  const html = calibrationHtml({
    cspSource: 'https://x.vscode-cdn.net',
    nonce: 'N0nce',
    scriptUri: 'https://x.vscode-cdn.net/dist/webviews/calibration.js',
    styleUri: 'https://x.vscode-cdn.net/media/calibration.css',
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  const scripts = [...html.matchAll(/<script[^>]*>/g)].map((m) => m[0]);
  assert.ok(scripts.length > 0);
  for (const s of scripts) assert.match(s, /nonce="N0nce"/);
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  for (const u of urls) assert.ok(u.startsWith('https://x.vscode-cdn.net/'), u);
  assert.match(html, /id="edgelab-calibration"/);
});

test('walkthrough: every step ticks on a real action the extension reports, and the welcome template by id ticks its step', async () => {
  const [w] = pkg.contributes.walkthroughs as {
    id: string;
    steps: { id: string; completionEvents: string[]; media: { markdown: string } }[];
  }[];
  assert.ok(w && w.steps.length >= 5 && w.steps.length <= 7);
  assert.equal(w.id, WALKTHROUGH_ID);
  assert.deepEqual(w.steps.map((s) => s.id).sort(), [...STEP_IDS].sort(), 'the extension reports an action for every step');
  for (const s of w.steps) {
    assert.ok(s.completionEvents.length >= 1, s.id);
    for (const e of s.completionEvents) {
      const [kind, arg] = e.split(/:(.*)/s);
      // no onContext: a key already true when VS Code's walkthrough service starts never ticks its step (walkthrough.ts)
      if (kind === 'onCommand')
        assert.ok(state.commands.has(arg!) || arg === 'notebook.execute', `${s.id}: ${arg} is a command we register (or Run All)`);
      else assert.equal(kind, 'onSettingChanged', s.id);
    }
    assert.ok(readFileSync(join(__dirname, '..', s.media.markdown), 'utf8').length > 100, `${s.id}: media text exists`);
  }
  // the step's link passes the template id: it must copy 00-welcome without a picker and tick the step, before the
  // kernel selection (which can wait on a picker that never closes)
  const calls: unknown[][] = [];
  const { vscodeMock } = await import('./testing/vscode-mock');
  const orig = vscodeMock.commands.executeCommand;
  const tmp = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'edgelab-wt-'));
  Object.assign(vscodeMock.commands, {
    executeCommand: (...a: unknown[]) => {
      calls.push(a);
      return a[0] === 'notebook.selectKernel' ? new Promise(() => undefined) : Promise.resolve(undefined);
    },
  });
  Object.assign(vscodeMock.workspace, {
    workspaceFolders: [{ uri: { fsPath: tmp } }],
    openNotebookDocument: async () => ({}),
  });
  Object.assign(vscodeMock.window, { showNotebookDocument: async () => undefined });
  try {
    void state.commands.get('edgelab.newFromTemplate')!('00-welcome');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(readdirSync(tmp).includes('00-welcome.ipynb'), 'copied without a picker');
    assert.deepEqual(
      calls.filter((c) => c[0] === 'welcome.markStepComplete'),
      [['welcome.markStepComplete', 'edgelab.edgelab#edgelab.getStarted#openWelcome']],
      'the first step is reported with its fully qualified id while the kernel picker is still open',
    );
  } finally {
    Object.assign(vscodeMock.commands, { executeCommand: orig });
    Object.assign(vscodeMock.workspace, { workspaceFolders: undefined });
  }
});
