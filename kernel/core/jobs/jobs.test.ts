import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, InvalidInput, NotFound } from '../errors';
import { EmbeddedBackend, JobsFailed, argsHash, decodeValue, encodeValue, map, mapSettled, run } from '.';
import { bad, count, echo, expectedTrace, progressTrace, steps } from './fixture-jobs';
import { defineJob } from './registry';
import { TaskTimeout } from '../workers';

test('codec: typed arrays become content-hashed blobs; key order does not change the hash; a missing blob is a FormatError', () => {
  const w = new Float32Array([1.5, -2, 3]);
  const a = encodeValue({ b: 1, a: { w, s: 'x' } }),
    b = encodeValue({ a: { s: 'x', w: Float32Array.from(w) }, b: 1 });
  assert.equal(a.json, b.json, 'canonical JSON: same value, same text');
  assert.equal(argsHash('t.x', 1, a.json), argsHash('t.x', 1, b.json));
  assert.notEqual(argsHash('t.x', 1, a.json), argsHash('t.x', 2, a.json), 'the version is part of the identity');
  assert.equal(a.blobs.size, 1);
  const back = decodeValue(a.json, (h) => a.blobs.get(h)) as { a: { w: Float32Array } };
  assert.ok(back.a.w instanceof Float32Array);
  assert.deepEqual(Array.from(back.a.w), [1.5, -2, 3]);
  assert.throws(
    () => decodeValue(a.json, () => undefined),
    (e: Error) => e instanceof FormatError && /missing/.test(e.message),
  );
  assert.throws(() => decodeValue('{"x":', () => undefined), FormatError);
  assert.throws(() => encodeValue({ f: () => 1 }), FormatError);
  const odd = { nan: NaN, inf: [Infinity, -Infinity], z: -0, one: 1 };
  const oe = encodeValue(odd);
  const od = decodeValue(oe.json, () => undefined) as typeof odd;
  assert.ok(Number.isNaN(od.nan) && od.inf[0] === Infinity && od.inf[1] === -Infinity && Object.is(od.z, -0) && od.one === 1, oe.json);
  assert.throws(() => decodeValue('{"$num":"1e9"}', () => undefined), FormatError);
});

test('embedded: results in order; the same arguments run once per backend (in one call and on rerun); blobs cross both ways', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-jobs-'));
  const be = new EmbeddedBackend({ threads: 2 });
  try {
    const file = join(dir, 'exec.log');
    const args = [3, 1, 3, 2, 1].map((i) => ({ i, file }));
    const events: string[] = [];
    const r = await map(count, args, { backend: be, onProgress: (d, t, e) => events.push(`${d}/${t}:${e.type}`) });
    assert.deepEqual(
      r.map((x) => x.sq),
      [9, 1, 9, 4, 1],
    );
    assert.ok(r[0]!.w instanceof Float64Array && r[0]!.w[1] === 1.5, 'a typed array result comes back as itself');
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').sort(), ['1', '2', '3'], 'each distinct argument ran exactly once');
    assert.equal(events.filter((e) => e.endsWith(':done')).length, 5);
    assert.ok(events.includes('5/5:done'));
    const again = await mapSettled(count, args, { backend: be });
    assert.ok(
      again.every((x) => x.ok && x.cached),
      'a rerun is served from the stored results',
    );
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 3, 'and runs nothing');
  } finally {
    await be.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('embedded: a failing job gives its named error in the caller, the others their results (JobsFailed); the thread survives', async () => {
  const be = new EmbeddedBackend({ threads: 1 });
  try {
    await assert.rejects(map(bad, [{ v: 1 }, { v: 42 }, { v: 3 }], { backend: be }), (e: Error) => {
      assert.ok(e instanceof JobsFailed, e.name);
      assert.deepEqual(e.results, [1, undefined, 3]);
      assert.equal(e.failures.length, 1);
      assert.equal(e.failures[0]!.index, 1);
      assert.ok(e.failures[0]!.error instanceof FormatError, 'the class crosses the thread');
      assert.match(e.failures[0]!.error.message, /v = 42; expected < 10/);
      return true;
    });
    assert.equal(be.executions, 3, 'a named (bad input) error is not retried');
    assert.deepEqual(await run(echo, { ok: [1, 'two'] }, { backend: be }), { ok: [1, 'two'] });
    await assert.rejects(run('test.nope', {}, { backend: be }), NotFound);
    await assert.rejects(map(echo, [1], { backend: 'http://x' }), InvalidInput);
  } finally {
    await be.close();
  }
});

const hang = defineJob({
  name: 'test.hangOnce',
  version: 1,
  module: 'core/jobs/fixture-jobs',
  run: async () => new Promise(() => undefined),
});

test('embedded: a job past its timeout has its thread stopped and is retried by policy, then fails with TaskTimeout', async () => {
  const be = new EmbeddedBackend({ threads: 1 });
  try {
    // the job is defined here, not in its module: the thread cannot load it (NotFound, not retried)
    const [x] = await mapSettled(hang, [{}], { backend: be });
    assert.ok(!x!.ok && x!.error instanceof NotFound);
    const t0 = Date.now();
    const [s] = await mapSettled('test.spin', [{ i: 1, ms: 5000 }], { backend: be, timeoutMs: 150, attempts: 2, backoffMs: 10 });
    assert.ok(!s!.ok && s!.error instanceof TaskTimeout, `timed out: ${!s!.ok && s!.error.name}`);
    assert.ok(Date.now() - t0 < 2500, `stopped, not waited for (${Date.now() - t0} ms)`);
    assert.equal(be.executions, 3, 'one attempt for the unknown job, two for the timed-out one');
    assert.deepEqual(await run(echo, 7, { backend: be }), 7, 'a fresh thread took the slot');
  } finally {
    await be.close();
  }
});

test('embedded: an AbortSignal stops a running sweep at once (its threads are stopped) with Aborted', async () => {
  const { Aborted } = await import('../errors');
  const be = new EmbeddedBackend({ threads: 2 });
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = Date.now();
    const s = await mapSettled(
      'test.spin',
      [0, 1, 2, 3].map((i) => ({ i, ms: 10_000 })),
      { backend: be, signal: ac.signal },
    );
    assert.ok(Date.now() - t0 < 5000, `stopped within ${Date.now() - t0} ms, not after the 10 s jobs`);
    assert.ok(
      s.every((x) => !x.ok && x.error instanceof Aborted),
      s.map((x) => (x.ok ? 'ok' : x.error.name)).join(','),
    );
    assert.deepEqual(await run(echo, 'next', { backend: be }), 'next', 'the backend still works');
  } finally {
    await be.close();
  }
});

test('embedded: a job progress(fraction, message) reaches the caller in order, before its done; a bad fraction is InvalidInput', async () => {
  const be = new EmbeddedBackend({ threads: 2 });
  try {
    const { events, result } = await progressTrace(be, 'e');
    assert.deepEqual(result, [3, 3]);
    assert.deepEqual(events, [expectedTrace('e', 0), expectedTrace('e', 1)]);
    const [x] = await mapSettled(steps, [{ n: 1, ms: 1, badFraction: 1.5 }], { backend: be });
    assert.ok(!x!.ok && x!.error instanceof InvalidInput && /progress\(1.5\)/.test(x!.error.message), !x!.ok ? x!.error.message : 'ok');
  } finally {
    await be.close();
  }
});
