import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFailure, bundleItems, toOutputSpec, withFailure } from './outputs';

test('bundleItems: vendor JSON first, text/plain last; JSON text is parsed; PNG base64 becomes bytes; SVG stays text', () => {
  const items = bundleItems({
    'text/plain': ['a', 'b'],
    'image/svg+xml': '<svg/>',
    'image/png': 'iVBO\nRw==',
    'application/vnd.edgelab.heatmap.v1+json': '{"kind":"heatmap"}',
  });
  assert.deepEqual(
    items.map((i) => i.mime),
    ['application/vnd.edgelab.heatmap.v1+json', 'image/svg+xml', 'image/png', 'text/plain'],
  );
  assert.deepEqual(items[0], { mime: 'application/vnd.edgelab.heatmap.v1+json', kind: 'json', value: { kind: 'heatmap' } });
  assert.deepEqual(items[1], { mime: 'image/svg+xml', kind: 'text', value: '<svg/>' });
  assert.equal(items[2]?.kind, 'bytes');
  assert.deepEqual([...(items[2]?.value as Uint8Array)], [...Buffer.from('iVBORw==', 'base64')]);
  assert.deepEqual(items[3], { mime: 'text/plain', kind: 'text', value: 'ab' });
  assert.equal(bundleItems({ 'application/json': 'not json' })[0]?.kind, 'text', 'broken JSON text is kept as text');
});

test('toOutputSpec: serializer metadata per output type', () => {
  assert.deepEqual(toOutputSpec({ output_type: 'stream', name: 'stderr', text: 'x' }), {
    items: [{ mime: 'stderr', kind: 'stream', value: 'x' }],
    metadata: { outputType: 'stream' },
  });
  assert.deepEqual(toOutputSpec({ output_type: 'display_data', data: {}, metadata: { m: 1 } }, 'bar').metadata, {
    outputType: 'display_data',
    metadata: { m: 1 },
    transient: { display_id: 'bar' },
  });
  assert.deepEqual(toOutputSpec({ output_type: 'execute_result', data: {}, metadata: {}, execution_count: 3 }).metadata, {
    outputType: 'execute_result',
    metadata: {},
    executionCount: 3,
  });
  const e = toOutputSpec({ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['a', 'b'] });
  assert.deepEqual(e.items, [{ mime: 'error', kind: 'error', value: { name: 'E', message: 'v', stack: 'a\nb' } }]);
  assert.equal(e.metadata.outputType, 'error');
});

// stderr texts as tslab 1.0.22 sends them (captured from a real kernel)
const RUNTIME =
  'evalmachine.<anonymous>:4\n    throw new Error("boom");\n    ^\n\nError: boom\n    at f (evalmachine.<anonymous>:4:11)\n    at evalmachine.<anonymous>:9:22\n    at sigintHandlersWrap (node:vm:280:12)\n    at Script.runInThisContext (node:vm:135:14)\n    at Object.execute (/x/node_modules/tslab/dist/executor.js:160:38)\n    at JupyterHandlerImpl.handleExecuteImpl (/x/node_modules/tslab/dist/jupyter.js:250:38)\n';

test('analyzeFailure: TypeScript errors give line and column in the cell', () => {
  const f = analyzeFailure("2:7 - Type 'string' is not assignable to type 'number'.\n", 'const a = 1;\nconst b: number = "x";\n');
  assert.deepEqual(
    { ...f, detail: undefined },
    {
      ename: 'TypeScriptError',
      evalue: "Type 'string' is not assignable to type 'number'.",
      line: 2,
      column: 7,
      lineText: 'const b: number = "x";',
      detail: undefined,
    },
  );
});

test('analyzeFailure: runtime errors are located by the printed source line, and tslab internals are dropped', () => {
  const src = 'function f() {\n  const q = 1;\n  throw new Error("boom");\n}\nf();\n';
  const f = analyzeFailure(RUNTIME, src)!;
  assert.equal(f.ename, 'Error');
  assert.equal(f.evalue, 'boom');
  assert.equal(f.line, 3, 'line 3 of the TypeScript source, though the compiled JS said 4');
  assert.equal(f.lineText, '  throw new Error("boom");');
  assert.doesNotMatch(f.detail, /sigintHandlersWrap|tslab[\\/]dist/);
  assert.match(f.detail, /at f \(evalmachine/);
  assert.equal(analyzeFailure('just a warning\n', src), null);
  const intr = analyzeFailure(
    'Error: Interrupted asynchronously\n    at createExecutor (/e/dist/node_modules/tslab/dist/executor.js:87:23)\n    at Command.listener [as _actionHandler] (/e/dist/node_modules/commander/lib/command.js:482:17)\n    at /e/dist/node_modules/commander/lib/command.js:1283:65\n',
    src,
  )!;
  assert.deepEqual([intr.ename, intr.evalue, intr.detail], ['Error', 'Interrupted asynchronously', 'Error: Interrupted asynchronously']);
});

test('withFailure: the explaining stderr stream becomes one error output; kernel error outputs are left alone', () => {
  const outs = [
    { output_type: 'stream' as const, name: 'stdout' as const, text: 'hi\n' },
    { output_type: 'stream' as const, name: 'stderr' as const, text: RUNTIME },
  ];
  const w = withFailure(outs, 'throw new Error("boom");', {})!;
  assert.equal(w.index, 1);
  assert.equal(w.outputs[0], outs[0]);
  assert.equal(w.failure.output_type, 'error');
  assert.match((w.failure as { evalue: string }).evalue, /boom \(at line 1: throw new Error\("boom"\);\)/);
  assert.equal(withFailure([{ output_type: 'error', ename: 'E', evalue: '', traceback: [] }], '', {}), null);
  const fromReply = withFailure([], 'x', { ename: 'KeyboardInterrupt', evalue: 'stop', traceback: ['t'] })!;
  assert.deepEqual(fromReply.outputs, [{ output_type: 'error', ename: 'KeyboardInterrupt', evalue: 'stop', traceback: ['t'] }]);
});
