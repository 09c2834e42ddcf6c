// The runner against a real tslab kernel: streams, display_data, update_display_data, errors, interrupt,
// complete/inspect, restart and clean shutdown. One kernel for most checks (startup costs ~3 s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { startKernel, type Kernel } from '../extension/runner/kernel';
import { runNotebook, sourceOf } from '../extension/runner/notebook';

const root = join(__dirname, '..');
let k: Kernel;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Alive and not a zombie (an orphan's zombie stays until its new parent reaps it). */
const running = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const childrenOf = (pid: number) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      try {
        return Number(/\) \S (\d+)/.exec(readFileSync(`/proc/${p}/stat`, 'utf8'))![1]) === pid;
      } catch {
        return false;
      }
    });

before(async () => {
  k = await startKernel({ kind: 'tslab', cwd: root });
});
after(async () => {
  await k?.shutdown();
});

test('kernel_info_reply identifies tslab and the heartbeat echoes', async () => {
  assert.equal(k.kernelInfo.implementation, 'tslab');
  assert.equal((k.kernelInfo.language_info as { name: string }).name, 'typescript');
  assert.equal(await k.heartbeat(), true);
});

test('execute collects stdout and stderr streams and the last expression', async () => {
  const r = await k.execute('console.log("out-1"); console.error("err-1"); const v = 6 * 7; v');
  assert.equal(r.status, 'ok');
  assert.ok(r.executionCount! >= 1);
  assert.deepEqual(r.outputs, [
    { output_type: 'stream', name: 'stdout', text: 'out-1\n' },
    { output_type: 'stream', name: 'stderr', text: 'err-1\n' },
    { output_type: 'stream', name: 'stdout', text: '42\n' },
  ]);
  const again = await k.execute('v + 1'); // state persists between cells
  assert.deepEqual(again.outputs, [{ output_type: 'stream', name: 'stdout', text: '43\n' }]);
});

test('display_data from tslab.display and update_display_data replacing the output in place', async () => {
  const events: string[] = [];
  const r = await k.execute(
    [
      "import * as tslab from 'tslab';",
      "tslab.display.html('<b>hi</b>');",
      'const d = tslab.newDisplay();',
      "d.text('10%');",
      'await new Promise((r) => setTimeout(r, 30));',
      "d.text('100%');",
      "console.log('after');",
    ].join('\n'),
    { onOutput: (e) => events.push(`${e.kind}:${e.kind === 'clear' ? '' : e.index}`) },
  );
  assert.equal(r.status, 'ok');
  assert.deepEqual(r.outputs, [
    { output_type: 'display_data', data: { 'text/html': '<b>hi</b>' }, metadata: {} },
    { output_type: 'display_data', data: { 'text/plain': '100%' }, metadata: {} },
    { output_type: 'stream', name: 'stdout', text: 'after\n' },
  ]);
  assert.deepEqual(events, ['append:0', 'append:1', 'update:1', 'append:2']);
});

test('a display updated after its cell ended reaches onLateDisplayUpdate with the same output object; replies carry the kernel status', async () => {
  const late: { displayId: string; text: unknown }[] = [];
  const off = k.onLateDisplayUpdate((u) =>
    late.push({ displayId: u.displayId, text: (u.output as { data: Record<string, unknown> }).data['text/plain'] }),
  );
  const r = await k.execute(
    [
      "import * as tslab from 'tslab';",
      'const later = tslab.newDisplay();',
      "later.text('v1');",
      "setTimeout(() => later.text('v2'), 400);",
    ].join('\n'),
  );
  assert.equal(r.status, 'ok');
  assert.equal(late.length, 0, 'nothing late while the cell runs');
  await sleep(1500);
  off();
  assert.equal(late.length, 1, JSON.stringify(late));
  assert.equal(late[0]?.text, 'v2');
  assert.deepEqual(
    r.outputs[0],
    { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: {} },
    "the cell's own output object was updated",
  );
  // the EdgeLab kernel's status in every reply: no backend before el.init(), then the one it chose
  const before = r.reply.edgelab as { backend: unknown; rssBytes: number };
  assert.equal(before.backend, null);
  assert.ok(before.rssBytes > 20 * 2 ** 20 && before.rssBytes < 8 * 2 ** 30, `rss ${before.rssBytes}`);
  const inited = await k.execute("import * as el from 'edgelab';\nawait el.init({ backend: 'cpu' });");
  assert.equal(inited.status, 'ok', JSON.stringify(inited.reply));
  assert.equal((inited.reply.edgelab as { backend: unknown }).backend, 'cpu');
});

test('complete and inspect replies', async () => {
  const c = await k.complete('Math.ma', 7);
  assert.equal(c.status, 'ok');
  assert.ok(c.matches.includes('max'), `matches: ${c.matches.join(',')}`);
  assert.equal(c.cursor_start, 5);
  const i = await k.inspect('Math.max(1, 2)', 6);
  assert.equal(i.found, true);
  assert.match(String(i.data['text/plain']), /Math\.max\(\.\.\.values: number\[\]\): number/);
});

test('interrupt stops a pending await and a busy synchronous loop (SIGINT; tslab runs cells with breakOnSigint)', async () => {
  for (const code of ['await new Promise((r) => setTimeout(r, 60_000));', 'while (true) {}']) {
    await sleep(300); // tslab aborts requests arriving < 200 ms after a failed cell
    const t0 = Date.now();
    const p = k.execute(code);
    await sleep(1000);
    await k.interrupt();
    const r = await p;
    assert.equal(r.status, 'error', code);
    assert.ok(Date.now() - t0 < 15_000);
    // EdgeLab's kernel reports the interrupt as a Jupyter error (tslab alone printed it to stderr)
    const errs = r.outputs.filter((o) => o.output_type === 'error');
    assert.equal(errs.length, 1, code);
    const err = errs[0];
    assert.match(err?.output_type === 'error' ? err.evalue : '', /Interrupted asynchronously|interrupted by `SIGINT`/, code);
    assert.equal(r.reply.evalue, err?.output_type === 'error' ? err.evalue : undefined, 'the execute_reply carries the same error');
  }
  await sleep(300);
  const ok = await k.execute('1 + 1');
  assert.deepEqual(ok.outputs, [{ output_type: 'stream', name: 'stdout', text: '2\n' }], 'kernel still usable after interrupts');
});

test('a per-cell timeout interrupts the cell and fails the run', async () => {
  await sleep(300);
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'code' as const, source: 'await new Promise((r) => setTimeout(r, 60_000));', metadata: {}, outputs: [] }],
  };
  const r = await runNotebook(nb, { kernel: k, timeoutPerCellMs: 1500 });
  assert.equal(r.ok, false);
  assert.equal(r.failedCell, 0);
  assert.equal(r.error?.ename, 'KernelTimeout');
});

test('runNotebook stops at the first failing cell and reports its index and error', async () => {
  await sleep(300);
  const seen: number[] = [];
  const r = await runNotebook(join(root, 'test/fixtures/notebooks/fails.ipynb'), {
    kernel: k,
    onCell: (e) => {
      if (e.phase === 'start') seen.push(e.index);
    },
  });
  assert.equal(r.ok, false);
  assert.equal(r.failedCell, 1);
  assert.equal(r.error?.ename, 'Error');
  assert.match(r.error.evalue, /boom at cell 1/);
  assert.deepEqual(seen, [0, 1]);
  assert.deepEqual(r.notebook.cells[0]?.outputs, [{ output_type: 'stream', name: 'stdout', text: 'before\n' }]);
  assert.deepEqual(r.notebook.cells[2]?.outputs, [], 'cells after the failure are not run');
  assert.match(sourceOf(r.notebook.cells[2]), /never runs/);
});

test('restart gives a fresh kernel; shutdown leaves no process behind', async () => {
  await sleep(300);
  await k.execute('const keep = 1;');
  const pid1 = k.pid!;
  await k.restart();
  assert.equal(running(pid1), false, 'old kernel process is gone');
  const r = await k.execute('keep');
  assert.equal(r.status, 'error', 'declarations of the old kernel are gone');
  assert.deepEqual(r.outputs, [
    {
      output_type: 'error',
      ename: 'CompileError',
      evalue: "line 1:1 - Cannot find name 'keep'.",
      traceback: ["line 1:1 - Cannot find name 'keep'.", 'Cell In[1], line 1', '  keep', '  ^'],
    },
  ]);
  const own = await startKernel({ kind: 'tslab', cwd: root });
  const pid2 = own.pid!;
  assert.equal(running(pid2), true);
  await own.shutdown();
  assert.equal(running(pid2), false, 'kernel process was killed');
  assert.equal(own.isAlive, false);
  await assert.rejects(own.execute('1'), { name: 'KernelDied' });
});

test('a kernel does not outlive the process that started it, even one killed by SIGKILL (watchdog)', async () => {
  const parent = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/kernel-parent.ts'), root], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: parent.stdout }).once('line', resolve);
      parent.once('exit', (c) => reject(new Error(`kernel-parent exited with ${c}`)));
    });
    const watchdog = (JSON.parse(line) as { watchdog: number }).watchdog;
    const kernels = childrenOf(watchdog);
    const kernel = kernels[0];
    assert.ok(kernel !== undefined, 'the watchdog started a kernel');
    const connection = /--config-path\0([^\0]+)/.exec(readFileSync(`/proc/${kernel}/cmdline`, 'utf8'))?.[1];
    assert.ok(connection && existsSync(connection), 'the kernel reads its connection file');
    assert.equal(kernels.length, 1, 'the watchdog runs exactly one kernel');
    assert.match(readFileSync(`/proc/${kernel}/cmdline`, 'utf8'), /tslab/);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (running(watchdog) || running(kernel))) await sleep(200);
    assert.equal(running(kernel), false, 'the kernel exited after its starter was killed');
    assert.equal(running(watchdog), false, 'the watchdog exited too');
    assert.equal(existsSync(dirname(connection)), false, 'the connection file and its folder are removed');
  } finally {
    parent.kill('SIGKILL');
  }
});
