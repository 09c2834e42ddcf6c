// The kernel status bar item and the controller's status: state, backend and memory from the kernel's replies.
import { state, MockCell, MockController, MockStatusBarItem, setActiveNotebook } from './testing/vscode-mock';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecuteOptions, ExecuteResult, Kernel } from './runner/kernel';
import { EdgeLabController } from './controller';
import { registerStatusBar, statusText } from './status';

test('status text names state, backend and memory, and says when no backend was chosen yet', () => {
  const t = statusText({ state: 'busy', backend: 'wasm', rssBytes: 512 * 2 ** 20 });
  assert.match(t.text, /EdgeLab: busy · wasm · 512 MB/);
  assert.match(statusText({ state: 'idle', backend: null, rssBytes: null }).tooltip, /backend not chosen yet/);
  assert.doesNotMatch(statusText({ state: 'idle', backend: null, rssBytes: null }).text, /MB/);
});

test('the status bar follows a cell: starting → busy → idle with the backend and memory the reply carries; hidden for other notebooks', async () => {
  state.executions.length = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const kernel = {
    isAlive: true,
    async execute(_code: string, _o: ExecuteOptions): Promise<ExecuteResult> {
      await gate;
      return {
        status: 'ok',
        executionCount: 1,
        outputs: [],
        reply: { status: 'ok', edgelab: { backend: 'wasm', rssBytes: 300 * 2 ** 20 } },
      };
    },
    async shutdown() {},
  };
  let startKernel!: (k: Kernel) => void;
  const ctl = new EdgeLabController(() => new Promise<Kernel>((r) => (startKernel = r)));
  const c = state.controllers[state.controllers.length - 1] as MockController;
  registerStatusBar(ctl);
  const item = state.statusItems[state.statusItems.length - 1] as MockStatusBarItem;
  const nb = {
    uri: { scheme: 'file', fsPath: '/tmp/s/a.ipynb', toString: () => 'file:///tmp/s/a.ipynb' },
    notebookType: 'jupyter-notebook',
    metadata: {},
  };
  const other = {
    uri: { scheme: 'file', fsPath: '/tmp/s/b.ipynb', toString: () => 'file:///tmp/s/b.ipynb' },
    notebookType: 'jupyter-notebook',
    metadata: {},
  };
  setActiveNotebook(nb);
  assert.equal(item.visible, false, 'hidden until the notebook uses our controller');
  c.selection.fire({ notebook: nb, selected: true });
  assert.equal(item.visible, true);
  assert.match(item.text, /not started/);
  const run = ctl.execute([new MockCell('1') as never], nb as never);
  await new Promise((r) => setImmediate(r));
  assert.match(item.text, /starting/);
  startKernel(kernel as unknown as Kernel);
  await new Promise((r) => setImmediate(r));
  assert.match(item.text, /busy/);
  release();
  await run;
  assert.match(item.text, /EdgeLab: idle · wasm · 300 MB/);
  setActiveNotebook(other);
  assert.equal(item.visible, false, 'another notebook (not on our controller) hides it');
  setActiveNotebook(nb);
  assert.equal(item.visible, true);
  await ctl.dispose();
});
