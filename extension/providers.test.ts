// Completion and hover providers answered by the notebook's running kernel (vscode mocked).
import { state } from './testing/vscode-mock';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromCodePoints, registerProviders, toCodePoints, CELL_SELECTOR } from './providers';
import type { EdgeLabController } from './controller';

test('cursor offsets: UTF-16 ↔ code points (Jupyter counts code points)', () => {
  const s = 'a😀b.c';
  assert.equal(toCodePoints(s, 4), 3);
  assert.equal(fromCodePoints(s, 3), 4);
  assert.equal(fromCodePoints(s, toCodePoints(s, s.length)), s.length);
});

function doc(text: string) {
  return {
    getText: () => text,
    offsetAt: (p: { offset: number }) => p.offset,
    positionAt: (o: number) => ({ offset: o }),
    getWordRangeAtPosition: () => 'word',
    uri: { toString: () => 'cell:1' },
  };
}
const token = { isCancellationRequested: false };

test('completion: kernel matches become items over the kernel cursor range; none without a running kernel', async () => {
  state.completionProviders.length = 0;
  state.hoverProviders.length = 0;
  const calls: [string, number][] = [];
  let running = true;
  const kernel = {
    complete: async (code: string, pos: number) => {
      calls.push([code, pos]);
      return { status: 'ok', matches: ['max', 'min'], cursor_start: 5, cursor_end: 7, metadata: {} };
    },
  };
  const ctl = { notebookOf: () => ({}), runningKernel: async () => (running ? kernel : undefined) } as unknown as EdgeLabController;
  registerProviders(ctl);
  const [reg] = state.completionProviders;
  assert.ok(reg, 'a completion provider is registered');
  const { selector, provider, triggers } = reg;
  assert.deepEqual(selector, CELL_SELECTOR);
  assert.deepEqual(triggers, ['.']);
  const list = await provider.provideCompletionItems(doc('Math.ma'), { offset: 7 }, token);
  assert.deepEqual(calls, [['Math.ma', 7]]);
  assert.deepEqual(
    list.items.map((i: { label: string }) => i.label),
    ['max', 'min'],
  );
  assert.deepEqual({ ...list.items[0].range }, { start: { offset: 5 }, end: { offset: 7 } });
  running = false;
  assert.equal(await provider.provideCompletionItems(doc('Math.ma'), { offset: 7 }, token), undefined, 'never starts a kernel');
});

test('hover: the kernel quick info as a TypeScript code block, marked as coming from the kernel', async () => {
  state.completionProviders.length = 0;
  state.hoverProviders.length = 0;
  const kernel = {
    inspect: async (_c: string, _p: number) => ({
      status: 'ok',
      found: true,
      data: { 'text/plain': '(method) Math.max(...values: number[]): number\n\nReturns the larger.' },
      metadata: {},
    }),
  };
  registerProviders({ notebookOf: () => ({}), runningKernel: async () => kernel } as unknown as EdgeLabController);
  const hover = state.hoverProviders[0];
  assert.ok(hover, 'a hover provider is registered');
  const h = await hover.provider.provideHover(doc('Math.max(1)'), { offset: 6 }, token);
  assert.match(h.contents.value, /```typescript\n\(method\) Math\.max\(\.\.\.values: number\[\]\): number\n```/);
  assert.match(h.contents.value, /Returns the larger\./);
  assert.match(h.contents.value, /EdgeLab kernel/);
  const none = { inspect: async () => ({ status: 'ok', found: false, data: {}, metadata: {} }) };
  state.hoverProviders.length = 0;
  registerProviders({ notebookOf: () => ({}), runningKernel: async () => none } as unknown as EdgeLabController);
  const hoverNone = state.hoverProviders[0];
  assert.ok(hoverNone, 'a hover provider is registered');
  assert.equal(await hoverNone.provider.provideHover(doc('x'), { offset: 0 }, token), undefined);
});
