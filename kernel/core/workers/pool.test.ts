import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Aborted, InvalidInput } from '../errors';
import { WorkerExited, WorkerPool, shared, TaskTimeout } from './pool';
import { workerEntry } from './entry';
import type { FixtureReq } from './fixture-entry';

const entry = workerEntry('core/workers/fixture-entry');
const pool = (o: { size?: number; init?: unknown } = {}) => new WorkerPool<FixtureReq, unknown>({ entry, label: 'fixture', ...o });

test('an error thrown in a worker arrives as the same class, message and stack', async () => {
  const p = pool();
  try {
    await assert.rejects(p.run({ op: 'throw', kind: 'InvalidInput' }), (e: Error) => {
      assert.ok(e instanceof InvalidInput, `${e.name} is InvalidInput`);
      assert.equal(e.message, 'bad value 42; expected < 10');
      assert.equal((e as InvalidInput).code, 'INVALID_INPUT');
      assert.match(e.stack ?? '', /fixture-entry\.ts/, 'the worker-side stack is kept');
      return true;
    });
    await assert.rejects(
      p.run({ op: 'throw', kind: 'TypeError' }),
      (e: Error) => e instanceof TypeError && e.message === 'x is not a function',
    );
    await assert.rejects(p.run({ op: 'throw', kind: 'Custom' }), (e: Error) => e.name === 'MyError' && e.message === 'custom failure');
    assert.deepEqual(await p.run({ op: 'echo', v: [1, 'a'] }), { v: [1, 'a'], setup: null }, 'the thread survives its errors');
  } finally {
    await p.close();
  }
});

test('transfer moves buffers without copying (the source is detached) both ways; a SharedArrayBuffer is shared', async () => {
  const p = pool();
  try {
    const a = new Float64Array([1, 2, 3.5]);
    const r = (await p.run({ op: 'sum', buf: a.buffer }, { transfer: [a.buffer] })) as { sum: Float64Array; received: number };
    assert.equal(a.buffer.byteLength, 0, "the caller's buffer is detached: it moved, it was not copied");
    assert.equal(r.received, 24);
    assert.deepEqual(Array.from(r.sum), [6.5]);
    const copy = new Float64Array([1, 1]);
    await p.run({ op: 'sum', buf: copy.buffer });
    assert.equal(copy.buffer.byteLength, 16, 'without transfer the buffer is copied');
    const s = shared(new Float64Array(4));
    await p.run({ op: 'fill', sab: s, v: 7 });
    assert.deepEqual(Array.from(s), [7, 7, 7, 7], 'the worker wrote into the shared memory the caller reads');
  } finally {
    await p.close();
  }
});

test('abort drops queued tasks before they reach a worker and cancels the running one; timeouts reject', async () => {
  const p = pool();
  try {
    const ac1 = new AbortController(),
      ac2 = new AbortController();
    const running = p.run({ op: 'wait', ms: 5000 }, { signal: ac1.signal });
    const queued = p.run({ op: 'echo', v: 'never' }, { signal: ac2.signal });
    ac2.abort();
    await assert.rejects(queued, (e: Error) => e instanceof Aborted && /before it started/.test(e.message));
    const t0 = Date.now();
    ac1.abort();
    await assert.rejects(running, Aborted);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(await p.run({ op: 'handled' }), 2, 'the worker saw the wait and this task, never the aborted queued one');
    await assert.rejects(p.run({ op: 'wait', ms: 400 }, { timeoutMs: 50 }), TaskTimeout);
    await assert.rejects(p.run({ op: 'echo', v: 1 }, { signal: AbortSignal.abort() }), Aborted);
  } finally {
    await p.close();
  }
});

test('init runs once per thread; a thread that exits fails its task with WorkerExited and restarts (init again)', async () => {
  const p = pool({ size: 2, init: { seed: 3 } });
  try {
    const ready = (await p.start()) as { pid: number; setup: unknown }[];
    assert.deepEqual(
      ready.map((r) => r.setup),
      [{ seed: 3 }, { seed: 3 }],
    );
    assert.deepEqual(await p.run({ op: 'echo', v: 1 }, { worker: 1 }), { v: 1, setup: { seed: 3 } });
    await assert.rejects(p.run({ op: 'exit', code: 3 }, { worker: 0 }), (e: Error) => e instanceof WorkerExited && e.exitCode === 3);
    assert.equal(p.exits(0), 1);
    assert.deepEqual(await p.run({ op: 'echo', v: 2 }, { worker: 0 }), { v: 2, setup: { seed: 3 } }, 'restarted with its init');
    assert.equal(await p.run({ op: 'handled' }, { worker: 0 }), 2, 'a fresh thread');
  } finally {
    await p.close();
  }
  await assert.rejects(p.run({ op: 'echo', v: 0 }), /closed/);
  await assert.rejects(p.ready(0), /closed/, 'a closed pool starts no thread');
});

test('shutdown leaves no thread behind: close() ends even a busy thread and the process exits; idle threads do not hold it', () => {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const head = `
    const { WorkerPool } = require(${JSON.stringify(join(__dirname, 'pool.ts'))});
    const { workerEntry } = require(${JSON.stringify(join(__dirname, 'entry.ts'))});
    const p = new WorkerPool({ entry: workerEntry('core/workers/fixture-entry'), size: 2, init: 1 });`;
  const busy = `${head}
    const long = p.run({ op: 'wait', ms: 600000 }, { worker: 0 }).catch((e) => console.log('long task:', e.name));
    p.run({ op: 'echo', v: 1 }, { worker: 1 }).then(() => p.close()).then(() => long).then(() => console.log('done'));`;
  const idle = `${head}
    Promise.all([p.run({ op: 'echo', v: 1 }, { worker: 0 }), p.run({ op: 'echo', v: 2 }, { worker: 1 })]).then(() => console.log('done'));`;
  for (const [what, src] of [
    ['busy thread, close()', busy],
    ['idle threads, no close()', idle],
  ] as const) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', tsx, '-e', src], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `${what}: the process had to be killed (a thread kept it alive)`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done/);
    if (what.startsWith('busy')) assert.match(r.stdout, /long task: WorkerExited/);
    assert.ok(Date.now() - t0 < 50_000, what);
  }
});
