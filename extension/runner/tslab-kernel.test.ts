// The kernel wrapper's pure parts (cell transform, source-map decoding, stack formatting) and a check that every
// tslab 1.0.22 seam tslab-kernel.ts hooks is still where it expects it: if tslab changes (another version, a
// different install), this fails instead of the kernel silently losing a fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { transformCell, originalColumn } from './cell-transform';
import { TSLAB_VERSION, decodeMappings, formatStack, tslabDir, edgelabPackageDir, fallbackSys } from './tslab-kernel';

const tx = (src: string) => transformCell(ts, src).code;

test('object shorthand is written out everywhere in a cell; other properties, bindings and same-cell names keep their text', () => {
  assert.equal(tx('const o = { hw, n: 1, ...rest };'), 'const o = { hw: hw, n: 1, ...rest };');
  assert.equal(tx('f({ a, b: { c } });'), 'f({ a: a, b: { c: c } });');
  assert.equal(tx('const g = () => ({ hw });'), 'const g = () => ({ hw: hw });');
  assert.equal(tx('class C { get d() { return { hw }; } }'), 'class C { get d() { return { hw: hw }; } }');
  assert.equal(tx('({ a, b = 5 } = o);'), '({ a: a, b: b = 5 } = o);', 'destructuring assignment (with a default)');
  assert.equal(
    tx('const { a, b } = o; function f({ x }: { x: number }) { return x; }'),
    'const { a, b } = o; function f({ x }: { x: number }) { return x; }',
    'binding patterns declare, they are left alone',
  );
  assert.equal(tx("const s = '{ hw }'; // { hw }"), "const s = '{ hw }'; // { hw }", 'strings and comments are not code');
});

test('top-level for await is wrapped (outermost only, with its label); one inside a function is left alone', () => {
  assert.equal(
    tx('for await (const v of g()) s += v;'),
    'await Promise.resolve().then(async () => { for await (const v of g()) s += v; });',
  );
  assert.equal(
    tx('outer: for await (const v of g()) { continue outer; }'),
    'await Promise.resolve().then(async () => { outer: for await (const v of g()) { continue outer; } });',
  );
  assert.equal(
    tx('if (x) { for await (const a of g()) for await (const b of h()) s++; }'),
    'if (x) { await Promise.resolve().then(async () => { for await (const a of g()) for await (const b of h()) s++; }); }',
  );
  const inFn = 'async function f() { for await (const v of g()) s += v; }';
  assert.equal(tx(inFn), inFn);
});

test('export on a top-level declaration is blanked to spaces (tslab exports every name itself); export default is kept', () => {
  assert.equal(tx('export const a = 1;\nexport function f() {}'), '       const a = 1;\n       function f() {}');
  assert.equal(tx('export default 1;'), 'export default 1;');
});

test('transforms never add or remove lines, and columns map back to the source', () => {
  const src = 'const x = 1;\nconst o = { hw, n };  const bad: number = "s";\nfor await (const v of g()) o;';
  const t = transformCell(ts, src);
  assert.equal(t.code.split('\n').length, src.split('\n').length);
  const [tLines, sLines] = [t.code.split('\n'), src.split('\n')] as [string[], string[]];
  const [line, src1, src2, t2] = [tLines[1] ?? '', sLines[1] ?? '', sLines[2] ?? '', tLines[2] ?? ''];
  assert.equal(originalColumn(t, src, 1, line.indexOf('bad')), src1.indexOf('bad'));
  assert.equal(
    originalColumn(t, src, 1, line.indexOf('hw: hw')),
    src1.indexOf('hw'),
    'a column inside inserted text maps to the insertion point',
  );
  assert.equal(originalColumn(t, src, 2, t2.indexOf('g()')), src2.indexOf('g()'));
  assert.equal(originalColumn(t, src, 0, 6), 6, 'untouched line');
});

test('source-map mappings decode to absolute [genCol, src, line, col] segments', () => {
  // "AAAA;AACA,IAAI": line 0 → (0,0); line 1 → (1,0), then col 4 → (1,4)
  assert.deepEqual(decodeMappings('AAAA;AACA,IAAI'), [
    [[0, 0, 0, 0]],
    [
      [0, 0, 1, 0],
      [4, 0, 1, 4],
    ],
  ]);
  assert.deepEqual(decodeMappings('AAgBC')[0]?.[0], [0, 0, 16, 1], 'multi-digit VLQ');
});

test('formatStack maps cell frames, drops tslab/node internals and the vm source-line decoration', () => {
  const e = new Error('boom');
  e.stack = [
    'Cell In[2]:7',
    'compiled();',
    '^',
    '',
    'Error: boom',
    '    at Proxy.f (Cell In[2]:7:9)',
    '    at Cell In[2]:9:1',
    '    at Script.runInThisContext (node:vm:1:1)',
    '    at Object.execute (/x/node_modules/tslab/dist/executor.js:1:1)',
    '    at lib (/home/u/lib.js:3:4)',
  ].join('\n');
  const lines = formatStack(e, (file, line) => (file === 'Cell In[2]' && line === 7 ? 'Cell In[2], line 3:5' : null));
  assert.deepEqual(lines, ['Error: boom', '    at f (Cell In[2], line 3:5)', '    at lib (/home/u/lib.js:3:4)']);
});

test(`tslab ${TSLAB_VERSION} still has every seam the kernel hooks`, () => {
  const dir = tslabDir(); // throws on another version
  const src = (f: string) => readFileSync(join(dir, 'dist', f), 'utf8');
  const conv = src('converter.js');
  assert.match(
    conv,
    /const ts = __importStar\(require\("@tslab\/typescript-for-tslab"\)\);/,
    'converter reads TypeScript through require (our cache entry)',
  );
  assert.match(conv, /ts\.createWatchCompilerHost\(Array\.from\(rootFiles\), \{/, 'compiler host created through the ts namespace');
  assert.match(
    conv,
    /let out = ts\.transpileModule\(js, \{\s*fileName: "custom\.js",/,
    'the CommonJS pass is ts.transpileModule on "custom.js"',
  );
  assert.match(conv, /sys\.readFile = function \(path, encoding\)/);
  const exe = src('executor.js');
  assert.match(
    exe,
    /\? "\(async function\(exports, require\) \{ "\s*: "\(function\(exports, require\) \{ ";/,
    'the wrapper our frame mapping offsets by',
  );
  assert.match(
    exe,
    /vm_1\.default\.runInThisContext\(wrapped, \{\s*breakOnSigint: true,\s*\}\)/,
    'cells run through vm.runInThisContext without a filename',
  );
  assert.match(
    exe,
    /console\.error\("%s%d:%d - %s", diag\.fileName \? diag\.fileName \+ " " : "", diag\.start\.line \+ 1, diag\.start\.character \+ 1, diag\.messageText\)/,
  );
  assert.match(exe, /catch \(e\) \{\s*console\.error\(e\);\s*return false;/, 'thrown values go to the console we pass');
  const treq = createRequire(join(dir, 'dist', 'converter.js'));
  const jup = treq('./jupyter.js') as {
    JupyterHandlerImpl: { prototype: Record<string, unknown> };
    ZmqServer: { prototype: Record<string, unknown> };
  };
  for (const m of ['handleExecute', 'handleExecuteImpl']) assert.equal(typeof jup.JupyterHandlerImpl.prototype[m], 'function', m);
  assert.equal(typeof jup.ZmqServer.prototype.handleExecute, 'function');
  assert.match(
    src('jupyter.js'),
    /count = await this\.execQueue\.add\(\(\) => this\.handleExecuteImpl\(req, writeStream, writeDisplayData\)\);/,
  );
  assert.match(
    src('jupyter.js'),
    /let count = new ExecutionCount\(\+\+this\.execCount\);\s*let ok = await this\.executor\.execute\(req\.code\);/,
  );
  const util = treq('./util.js') as { TaskCanceledError: unknown; TaskQueue: new () => { prev: unknown } };
  assert.equal(typeof util.TaskCanceledError, 'function');
  assert.ok('prev' in new util.TaskQueue());
  const tsmod = treq('@tslab/typescript-for-tslab') as { version: string };
  assert.equal(tsmod.version, '5.0.4');
});

test('the kernel knows the EdgeLab package it belongs to', () => {
  const d = edgelabPackageDir(__dirname);
  assert.equal(d, join(__dirname, '..', '..'));
  assert.equal(
    dirname(createRequire(join(d!, 'package.json')).resolve('edgelab')),
    join(d!, 'dist', 'kernel'),
    'edgelab self-resolves from its package folder',
  );
});

test("the compiler's file system: a package the notebook folder lacks is found where EdgeLab is installed; the folder's own wins", () => {
  const files = new Set([
    '/pkg/package.json',
    '/pkg/dist/kernel/index.d.ts',
    '/pkg/node_modules/@tensorflow/tfjs/package.json',
    '/user/node_modules/mine/index.d.ts',
  ]);
  const dirs = new Set(['/pkg', '/pkg/dist/kernel', '/pkg/node_modules/@tensorflow/tfjs', '/user/node_modules/mine', '/user/node_modules']);
  const base = {
    fileExists: (p: string) => files.has(p),
    directoryExists: (p: string) => dirs.has(p),
    readFile: (p: string) => (files.has(p) ? `<${p}>` : undefined),
    realpath: (p: string) => p,
  } as unknown as ts.System;
  const s = fallbackSys(base, '/user', '/pkg');
  assert.equal(s.fileExists('/user/node_modules/edgelab/dist/kernel/index.d.ts'), true);
  assert.equal(s.readFile('/user/node_modules/edgelab/package.json'), '</pkg/package.json>');
  assert.equal(
    s.realpath!('/user/node_modules/edgelab/dist/kernel/index.d.ts'),
    '/pkg/dist/kernel/index.d.ts',
    'imports inside resolve from the real place',
  );
  assert.equal(s.directoryExists('/user/node_modules/@tensorflow/tfjs'), true);
  assert.equal(s.fileExists('/user/node_modules/nothing/index.d.ts'), false);
  assert.equal(s.fileExists('/elsewhere/node_modules/edgelab/package.json'), false, 'only the kernel folder is forwarded');
  dirs.add('/user/node_modules/edgelab');
  assert.equal(s.fileExists('/user/node_modules/edgelab/dist/kernel/index.d.ts'), false, "the user's own edgelab is not replaced");
});
