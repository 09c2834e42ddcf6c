// The NotebookController against a fake kernel, with the vscode module mocked (extension/testing/vscode-mock.ts).
import { state, MockCell, MockController, NotebookCellKind } from './testing/vscode-mock';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecuteOptions, ExecuteResult, Kernel, NbOutput } from './runner/kernel';
import { EdgeLabController } from './controller';

type Script = (
  code: string,
  emit: (o: NbOutput) => number,
  update: (i: number, o: NbOutput, id: string) => void,
) => Promise<Partial<ExecuteResult>>;

class FakeKernel {
  count = 0;
  interrupts = 0;
  shutdowns = 0;
  isAlive = true;
  ran: string[] = [];
  private abort: (() => void) | null = null;
  constructor(private script: Script) {}
  async execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    this.ran.push(code);
    const outputs: NbOutput[] = [];
    const emit = (o: NbOutput) => {
      outputs.push(o);
      opts.onOutput?.({ kind: 'append', output: o, index: outputs.length - 1, outputs });
      return outputs.length - 1;
    };
    const update = (i: number, o: NbOutput, displayId: string) => {
      outputs[i] = o;
      opts.onOutput?.({ kind: 'update', output: o, index: i, outputs, displayId });
    };
    const interrupted = new Promise<Partial<ExecuteResult>>((resolve) => {
      this.abort = () => {
        emit({ output_type: 'stream', name: 'stderr', text: 'Error: Interrupted asynchronously\n' });
        resolve({ status: 'error' });
      };
    });
    const r = await Promise.race([this.script(code, emit, update), interrupted]);
    this.abort = null;
    return { status: 'ok', executionCount: ++this.count, outputs, reply: {}, ...r } as ExecuteResult;
  }
  async interrupt() {
    this.interrupts++;
    this.abort?.();
  }
  async restart() {
    this.count = 0;
  }
  async shutdown() {
    this.shutdowns++;
    this.isAlive = false;
  }
}

const nb = {
  uri: { scheme: 'file', fsPath: '/tmp/nb/x.ipynb', toString: () => 'file:///tmp/nb/x.ipynb' },
  notebookType: 'jupyter-notebook',
  metadata: { metadata: { kernelspec: { name: 'tslab' } } },
  getCells: () => [],
};
const texts = (o: { items: { mime: string; text: string }[] }) => o.items.map((i) => `${i.mime}=${i.text}`);

function setup(script: Script) {
  state.executions.length = 0;
  const k = new FakeKernel(script);
  const cwds: string[] = [];
  const ctl = new EdgeLabController(async (cwd) => {
    cwds.push(cwd);
    // a restart asks for a new kernel: the same fake, alive again with its count reset (a new process counts from 1)
    if (!k.isAlive) Object.assign(k, { isAlive: true, count: 0 });
    return k as unknown as Kernel;
  });
  const c = state.controllers[state.controllers.length - 1] as MockController;
  return { k, ctl, c, cwds };
}

test('controller: registered for jupyter-notebook with execution order, TypeScript cells, and prefers tslab notebooks', () => {
  const { c, ctl } = setup(async () => ({}));
  assert.equal(c.notebookType, 'jupyter-notebook');
  assert.equal(c.label, 'EdgeLab (TypeScript)');
  assert.ok(c.supportsExecutionOrder);
  assert.deepEqual(c.supportedLanguages, ['typescript', 'javascript']);
  ctl.prefer(nb as never);
  assert.equal(c.affinity.get(nb), 2);
  const py = { ...nb, metadata: { metadata: { kernelspec: { name: 'python3', language: 'python' } } } };
  ctl.prefer(py as never);
  assert.equal(c.affinity.get(py), undefined);
});

test('controller: runs cells in order, sets execution order, streams and display bundles with serializer metadata', async () => {
  const { c, k, cwds } = setup(async (code, emit) => {
    emit({ output_type: 'stream', name: 'stdout', text: `ran ${code}\n` });
    if (code === 'b')
      emit({
        output_type: 'display_data',
        data: {
          'text/plain': 'T',
          'application/vnd.edgelab.table.v1+json': { kind: 'table' },
          'image/png': Buffer.from([137, 80]).toString('base64'),
        },
        metadata: { a: 1 },
      });
    return {};
  });
  await c.executeHandler!([new MockCell('a', 0), new MockCell('# md', 1, NotebookCellKind.Markup), new MockCell('b', 2)], nb, c);
  assert.deepEqual(cwds, ['/tmp/nb']);
  assert.deepEqual(k.ran, ['a', 'b']);
  const [ea, eb] = state.executions;
  assert.equal(state.executions.length, 2, 'markdown cells are not executed');
  assert.ok(ea && eb);
  assert.deepEqual([ea.executionOrder, eb.executionOrder], [1, 2]);
  assert.deepEqual([ea.ended, eb.ended], [true, true]);
  assert.deepEqual(ea.outputs[0]?.metadata, { outputType: 'stream' });
  assert.deepEqual(texts(ea.outputs[0] as never), ['application/vnd.code.notebook.stdout=ran a\n']);
  const d = eb.outputs[1];
  assert.ok(d, 'the display_data output');
  assert.equal(d.metadata?.outputType, 'display_data');
  assert.deepEqual(d.metadata?.metadata, { a: 1 });
  assert.deepEqual(
    d.items.map((i) => i.mime),
    ['application/vnd.edgelab.table.v1+json', 'image/png', 'text/plain'],
  );
  assert.deepEqual(JSON.parse((d.items[0] as never as { text: string }).text), { kind: 'table' });
  assert.deepEqual([...(d.items[1]?.data ?? [])], [137, 80], 'base64 PNG becomes bytes');
});

test('controller: update_display_data replaces the items of the same output in place (progress bars)', async () => {
  const { c } = setup(async (_code, emit, update) => {
    const i = emit({ output_type: 'display_data', data: { 'text/plain': '0%' }, metadata: {} });
    for (const p of ['50%', '100%']) update(i, { output_type: 'display_data', data: { 'text/plain': p }, metadata: {} }, 'bar');
    emit({ output_type: 'stream', name: 'stdout', text: 'done\n' });
    return {};
  });
  await c.executeHandler!([new MockCell('x')], nb, c);
  const e = state.executions[0];
  assert.ok(e);
  assert.equal(e.outputs.length, 2, 'one progress output, one stream');
  assert.deepEqual(texts(e.outputs[0] as never), ['text/plain=100%']);
});

test('controller: a failing cell shows one error output with the failing line and stops the queued cells', async () => {
  const { c, k } = setup(async (code, emit) => {
    if (code.includes('boom')) {
      emit({ output_type: 'stream', name: 'stdout', text: 'before\n' });
      emit({
        output_type: 'stream',
        name: 'stderr',
        text: 'evalmachine.<anonymous>:4\n    throw new Error("boom");\n    ^\n\nError: boom\n    at f (evalmachine.<anonymous>:4:11)\n    at sigintHandlersWrap (node:vm:280:12)\n',
      });
      return { status: 'error' };
    }
    return {};
  });
  await c.executeHandler!([new MockCell('const a = 1;\nthrow new Error("boom");\n', 0), new MockCell('next', 1)], nb, c);
  const [e1, e2] = state.executions;
  assert.ok(e1 && e2);
  assert.equal(e1.ended, false);
  assert.deepEqual(k.ran.length, 1, 'the queued cell did not run');
  assert.equal(e2.ended, undefined);
  const err = e1.outputs[1];
  assert.ok(err, 'the error output');
  assert.equal(err.metadata?.outputType, 'error');
  const body = JSON.parse((err.items[0] as never as { text: string }).text);
  assert.equal(body.name, 'Error');
  assert.match(body.message, /^boom \(at line 2: throw new Error\("boom"\);\)$/);
  assert.doesNotMatch(body.stack, /sigintHandlersWrap/);
  assert.deepEqual((err.metadata?.originalError as { ename: string }).ename, 'Error');
});

test('controller: interrupt stops the running cell and the rest of the batch; restart starts a new kernel', async () => {
  const { c, k, ctl, cwds } = setup(async (code) => {
    if (code === 'long') await new Promise(() => undefined);
    return {};
  });
  const run = c.executeHandler!([new MockCell('long', 0), new MockCell('after', 1)], nb, c) as Promise<void>;
  while (k.ran.length === 0) await new Promise((r) => setTimeout(r, 5));
  await c.interruptHandler!(nb);
  await run;
  assert.equal(k.interrupts, 1);
  assert.deepEqual(k.ran, ['long']);
  assert.equal(state.executions[0]?.ended, false);
  assert.match(JSON.parse((state.executions[0]?.outputs[0]?.items[0] as never as { text: string }).text).message, /Interrupted/);
  assert.equal(await ctl.restart(nb as never), true);
  assert.equal(k.shutdowns, 1, 'the old kernel process was shut down');
  assert.equal(cwds.length, 2, 'a new kernel came from the factory (it reads the settings of now), not a respawn of the old one');
  await c.executeHandler!([new MockCell('again', 2)], nb, c);
  assert.equal(state.executions[2]?.executionOrder, 1, 'fresh count after restart');
});

test('controller: a kernel that fails to start becomes an error output, and the next run retries', async () => {
  state.executions.length = 0;
  let tries = 0;
  new EdgeLabController(async () => {
    tries++;
    throw new Error('tslab not found');
  });
  const c = state.controllers[state.controllers.length - 1] as MockController;
  await c.executeHandler!([new MockCell('a')], nb, c);
  await c.executeHandler!([new MockCell('a')], nb, c);
  assert.equal(tries, 2);
  const body = JSON.parse((state.executions[0]?.outputs[0]?.items[0] as never as { text: string }).text);
  assert.equal(body.name, 'KernelStartError');
  assert.match(body.message, /tslab not found/);
});

test('controller: a display updated after its cell ended is updated in place through a short execution that keeps the cell as it was', async () => {
  state.executions.length = 0;
  let late!: (u: { displayId: string; output: NbOutput }) => void;
  const kernel = {
    isAlive: true,
    count: 0,
    onLateDisplayUpdate(l: typeof late) {
      late = l;
      return () => undefined;
    },
    async execute(code: string, o: ExecuteOptions): Promise<ExecuteResult> {
      const outputs: NbOutput[] = [];
      if (code === 'fig') {
        const out: NbOutput = { output_type: 'display_data', data: { 'text/plain': 'v1' }, metadata: {} };
        outputs.push(out);
        o.onOutput?.({ kind: 'append', output: out, index: 0, outputs, displayId: 'fig-1' });
      }
      return { status: 'ok', executionCount: ++this.count, outputs, reply: {} };
    },
    async shutdown() {},
  };
  new EdgeLabController(async () => kernel as unknown as Kernel);
  const c = state.controllers[state.controllers.length - 1] as MockController;
  const figCell = new MockCell('fig', 0);
  const other = new MockCell('other', 1);
  await c.executeHandler!([figCell, other], nb, c);
  assert.deepEqual(figCell.executionSummary?.executionOrder, 1);
  const endedAt = figCell.executionSummary?.timing?.endTime;
  late({ displayId: 'fig-1', output: { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: {} } });
  late({ displayId: 'fig-1', output: { output_type: 'display_data', data: { 'text/plain': 'v3' }, metadata: {} } });
  late({ displayId: 'unknown', output: { output_type: 'display_data', data: { 'text/plain': 'x' }, metadata: {} } });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(figCell.outputs.length, 1, 'still one output: updated, not appended');
  assert.deepEqual(texts(figCell.outputs[0] as never), ['text/plain=v3']);
  assert.equal(state.executions.length, 4, 'two short executions, one per update; none for an unknown display');
  assert.equal(figCell.executionSummary?.executionOrder, 1, 'execution order kept');
  assert.equal(figCell.executionSummary?.success, true, 'result kept');
  assert.equal(figCell.executionSummary?.timing?.endTime, endedAt, 'timing kept');
  assert.deepEqual(other.outputs, [], 'other cells untouched');
});
