/**
 * The BullMQ backend against a real redis-server (Debian package) on 127.0.0.1, a random port and a temp dir (AOF,
 * appendfsync always), with `edgelab worker` processes. Skips, saying why, when redis-server is not installed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { FormatError } from '../errors';
import { BullBackend, EmbeddedBackend, JobsFailed, RedisRefused, map, mapSettled, queueName } from '.';
import { count, echo, bad, expectedTrace, progressTrace } from './fixture-jobs';
import { TestRedis, redisMissing } from './redis-testing';

const missing = redisMissing();
if (missing) console.log(`# skipping BullMQ tests: ${missing}`);
const opts = { skip: missing ?? false };

let redis: TestRedis;
let be: BullBackend;
before(async () => {
  if (missing) return;
  redis = await new TestRedis().start();
  be = new BullBackend({ url: redis.url });
  await Promise.all([redis.worker({ concurrency: 2 }), redis.worker({ concurrency: 2 }), redis.worker({ concurrency: 2 })]);
});
after(async () => {
  await be?.close();
  await redis?.stop();
});

const lines = (f: string): string[] => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : []);

test('3 worker processes give the embedded results, in order; 1,000 small jobs: none lost, none run twice', opts, async () => {
  const file = join(redis.dir, 'load.log');
  const N = 1000;
  const args = Array.from({ length: N }, (_, i) => ({ i, file }));
  const t0 = Date.now();
  const workers = new Set<string>();
  const r = await map(count, args, { backend: be, progress: false, onEvent: (_, e) => e.type === 'started' && workers.add(e.worker) });
  const ms = Date.now() - t0;
  console.log(
    `# ${N} jobs on 3 BullMQ workers: ${ms} ms (${(ms / N).toFixed(2)} ms/job, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`,
  );
  assert.deepEqual(
    r.map((x) => x.sq),
    args.map((a) => a.i * a.i),
    'results in argument order',
  );
  const ran = lines(file);
  assert.equal(ran.length, N, 'executions: each job exactly once');
  assert.equal(new Set(ran).size, N, 'no job ran twice');
  assert.ok(workers.size >= 2, `spread over workers: ${[...workers].join(', ')}`);
  const emb = new EmbeddedBackend({ threads: 1 });
  try {
    const some = args.slice(0, 5).map((a) => ({ ...a, file: join(redis.dir, 'emb.log') }));
    const e = await map(count, some, { backend: emb });
    const b = await map(count, some, { backend: be });
    assert.deepEqual(b, e, 'the same values (typed arrays included) from either backend');
  } finally {
    await emb.close();
  }
});

test('a rerun runs nothing; a result delivered twice (a duplicate job) is counted once', opts, async () => {
  const file = join(redis.dir, 'dup.log');
  const args = [1, 2, 3].map((i) => ({ i, file }));
  await map(count, args, { backend: be });
  assert.equal(lines(file).length, 3);
  const before = (await be.stats('test.count', 1)).duplicates;
  // a second delivery of job #2 (as after a stalled worker's redelivery), under another BullMQ id
  const q = new Queue(queueName('test.count', 1), {
    connection: { host: '127.0.0.1', port: redis.port, password: redis.password },
    prefix: 'edgelab',
  });
  const first = await mapSettled(count, [args[1]!], { backend: be });
  const { encodeValue, argsHash } = await import('./codec');
  const json = encodeValue(args[1]).json;
  await q.add(
    'test.count',
    { n: 'test.count', v: 1, m: 'core/jobs/fixture-jobs', a: json, h: argsHash('test.count', 1, json) },
    { jobId: 'dup-1' },
  );
  for (let k = 0; k < 200 && (await be.stats('test.count', 1)).duplicates === before; k++) await new Promise((r) => setTimeout(r, 50));
  await q.close();
  assert.equal((await be.stats('test.count', 1)).duplicates, before + 1, 'the duplicate delivery was seen');
  assert.equal(lines(file).length, 3, 'and not executed');
  const again = await mapSettled(count, args, { backend: be });
  assert.ok(first[0]!.ok && again.every((x) => x.ok), 'all results');
  assert.equal(lines(file).length, 3, 'a rerun executes nothing');
});

test('a malformed job payload and bad input give named errors in the caller; the workers survive', opts, async () => {
  await assert.rejects(map(bad, [{ v: 1 }, { v: 99 }], { backend: be }), (e: Error) => {
    assert.ok(e instanceof JobsFailed);
    assert.deepEqual(e.results, [1, undefined]);
    assert.ok(e.failures[0]!.error instanceof FormatError, `${e.failures[0]!.error.name} is FormatError`);
    return true;
  });
  assert.deepEqual(await map(echo, [0], { backend: be }), [0]);
  // a payload that is not our JSON at all, put on the queue directly
  const q = new Queue(queueName('test.echo', 1), {
    connection: { host: '127.0.0.1', port: redis.port, password: redis.password },
    prefix: 'edgelab',
  });
  const h = 'f'.repeat(64);
  await q.add('test.echo', { n: 'test.echo', v: 1, m: 'core/jobs/fixture-jobs', a: '{not json', h }, { jobId: h, removeOnFail: true });
  await q.add('test.echo', { junk: true }, { jobId: 'junk-1', removeOnFail: true });
  await q.close();
  const { Redis } = await import('ioredis');
  const r = new Redis(redis.url);
  let fails: Record<string, string> = {};
  for (let k = 0; k < 200 && Object.keys(fails).length < 2; k++) {
    fails = await r.hgetall(`edgelab:jobs:fail:${queueName('test.echo', 1)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  r.disconnect();
  assert.match(fails[h] ?? '', /FormatError.*not JSON/);
  assert.match(fails['junk-1'] ?? '', /FormatError.*expected \{ n, v, m, a, h \}/);
  assert.deepEqual(
    await map(echo, [{ still: 'alive' }, 2, 3, 4, 5, 6], { backend: be }),
    [{ still: 'alive' }, 2, 3, 4, 5, 6],
    'workers still serve',
  );
});

test('a worker or caller with the wrong password is refused (named error, exit code 2)', opts, async () => {
  const wrong = `redis://:nope@127.0.0.1:${redis.port}`;
  const bad = new BullBackend({ url: wrong });
  await assert.rejects(map(echo, [1], { backend: bad }), (e: Error) => {
    assert.ok(e instanceof RedisRefused, `${e.name}: ${e.message}`);
    assert.match(e.message, /refused the credentials/);
    assert.ok(!e.message.includes('nope'), 'the password is not printed');
    return true;
  });
  await bad.close();
  const w = spawn(process.execPath, [join(__dirname, '..', '..', '..', 'scripts', 'edgelab.mjs'), 'worker', '--redis', wrong], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  w.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((res) => w.once('exit', res));
  assert.equal(code, 2, err);
  assert.match(err, /RedisRefused: .*refused the credentials/);
  assert.ok(!err.includes(':nope@'), 'the password is not printed');
});

test('Redis killed and restarted mid-sweep (AOF, appendfsync always): the sweep resumes, nothing lost or recomputed', opts, async () => {
  const file = join(redis.dir, 'restart.log');
  const N = 60;
  const args = Array.from({ length: N }, (_, i) => ({ i, file, ms: 30, salt: 'r' }));
  let done = 0;
  let crashed: Promise<void> | null = null;
  let doneAtCrash = -1;
  const p = map(count, args, {
    backend: be,
    progress: false,
    onEvent: (_, e) => {
      if (e.type !== 'done') return;
      done++;
      if (done === 15 && !crashed) {
        doneAtCrash = lines(file).length;
        crashed = redis.crashAndRestart(500);
      }
    },
  });
  const r = await p;
  await crashed;
  assert.ok(doneAtCrash >= 15, `the crash happened mid-sweep (${doneAtCrash} executed)`);
  assert.deepEqual(
    r.map((x) => x.sq),
    args.map((a) => a.i * a.i),
  );
  const ran = lines(file);
  assert.equal(new Set(ran).size, N, 'every job ran');
  assert.equal(ran.length, N, `none ran twice (${ran.length} executions for ${N} jobs)`);
});

test(
  'blobs over the size limit go to the shared folder, not Redis; a blob whose bytes do not match its hash is a FormatError',
  opts,
  async () => {
    const { mkdtempSync, readdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { runWorker } = await import('./bullmq');
    const { sha256 } = await import('./codec');
    const dir = mkdtempSync(join(tmpdir(), 'el-blobs-'));
    // its own prefix: only this in-process worker (which mounts the folder) serves these queues
    const w = await runWorker({ url: redis.url, prefix: 'blobtest', blobDir: dir, maxBlobBytes: 64 });
    const b = new BullBackend({ url: redis.url, prefix: 'blobtest', blobDir: dir, maxBlobBytes: 64 });
    const { Redis } = await import('ioredis');
    const r = new Redis(redis.url);
    try {
      const big = Float64Array.from({ length: 100 }, (_, i) => i / 7),
        small = new Float64Array([1, 2]);
      const [out] = await map(echo, [{ big, small }], { backend: b });
      assert.deepEqual(out, { big, small });
      const hBig = sha256(new Uint8Array(big.buffer)),
        hSmall = sha256(new Uint8Array(small.buffer));
      assert.deepEqual(readdirSync(dir), [hBig], 'the 800-byte blob is a file named by its hash');
      assert.equal(await r.exists(`blobtest:jobs:blob:${hBig}`), 0, 'and not in Redis');
      assert.equal(await r.exists(`blobtest:jobs:blob:${hSmall}`), 1, 'the 16-byte blob is in Redis');
      // a tampered file: the worker refuses it by name
      const evil = Float64Array.from({ length: 100 }, (_, i) => -i);
      const hEvil = sha256(new Uint8Array(evil.buffer));
      writeFileSync(join(dir, hEvil), new Uint8Array(800)); // planted before the caller writes (it never overwrites)
      const [s] = await mapSettled(echo, [{ evil }], { backend: b });
      assert.ok(!s!.ok && s!.error instanceof FormatError && /hash to/.test(s!.error.message), !s!.ok ? s!.error.message : 'ok');
    } finally {
      r.disconnect();
      await b.close();
      await w.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('progress: reports from jobs on `edgelab worker` processes reach the caller in order, each before its job is done', opts, async () => {
  const { events, result } = await progressTrace(be, 'b');
  assert.deepEqual(result, [3, 3]);
  assert.deepEqual(events, [expectedTrace('b', 0), expectedTrace('b', 1)]);
});

test(
  'object store: blobs over the limit are PUT to <url>/<sha256> with the bearer token, read back verified; a corrupted blob is a FormatError, a refused token a BackendError',
  opts,
  async () => {
    const { createServer } = await import('node:http');
    const { sha256 } = await import('./codec');
    const { BackendError } = await import('../errors');
    const store = new Map<string, Buffer>();
    const seen: string[] = [];
    const srv = createServer((req, res) => {
      const h = /^\/bucket\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
      seen.push(`${req.method} ${h?.slice(0, 8) ?? req.url}`);
      if (req.headers.authorization !== 'Bearer s3cret') return void res.writeHead(403).end();
      if (!h) return void res.writeHead(400).end();
      if (req.method === 'PUT') {
        const parts: Buffer[] = [];
        req.on('data', (d: Buffer) => parts.push(d));
        req.on('end', () => {
          store.set(h, Buffer.concat(parts));
          res.writeHead(201).end();
        });
        return;
      }
      const b = store.get(h);
      if (!b) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': b.length });
      res.end(req.method === 'HEAD' ? undefined : b);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/bucket/`;
    const headers = { authorization: 'Bearer s3cret' };
    // its own prefix: only this `edgelab worker` (which knows the store; its token from the environment) serves these queues
    const w = await redis.worker({
      args: ['--prefix', 'objtest', '--blob-url', url, '--max-blob-bytes', '64'],
      env: { EDGELAB_BLOB_TOKEN: 's3cret' },
    });
    const b = new BullBackend({ url: redis.url, prefix: 'objtest', blobUrl: url, blobHeaders: headers, maxBlobBytes: 64 });
    const { Redis } = await import('ioredis');
    const r = new Redis(redis.url);
    try {
      const big = Float64Array.from({ length: 100 }, (_, i) => i / 3),
        small = new Float64Array([1, 2]);
      const [out] = await map(echo, [{ big, small }], { backend: b });
      assert.deepEqual(out, { big, small });
      const hBig = sha256(new Uint8Array(big.buffer)),
        hSmall = sha256(new Uint8Array(small.buffer));
      assert.deepEqual([...store.keys()], [hBig], 'the 800-byte blob is in the store under its hash');
      assert.ok(seen.includes(`PUT ${hBig.slice(0, 8)}`) && seen.includes(`GET ${hBig.slice(0, 8)}`), seen.join(', '));
      assert.equal(await r.exists(`objtest:jobs:blob:${hBig}`), 0, 'and not in Redis');
      assert.equal(await r.exists(`objtest:jobs:blob:${hSmall}`), 1, 'the 16-byte blob is in Redis');
      // a corrupted copy in the store (planted first: the caller sees it there and does not upload again)
      const evil = Float64Array.from({ length: 100 }, (_, i) => -i);
      const hEvil = sha256(new Uint8Array(evil.buffer));
      store.set(hEvil, Buffer.alloc(800));
      const [s] = await mapSettled(echo, [{ evil }], { backend: b });
      assert.ok(!s!.ok && s!.error instanceof FormatError && /hash to/.test(s!.error.message), !s!.ok ? s!.error.message : 'ok');
      // a wrong token: the caller's upload is refused by name
      const nope = new BullBackend({
        url: redis.url,
        prefix: 'objtest',
        blobUrl: url,
        blobHeaders: { authorization: 'Bearer x' },
        maxBlobBytes: 64,
      });
      await assert.rejects(
        map(echo, [{ other: Float64Array.from({ length: 100 }, (_, i) => i + 0.5) }], { backend: nope }),
        (e: Error) => e instanceof BackendError && /403/.test(e.message),
      );
      await nope.close();
      assert.throws(() => new BullBackend({ url: redis.url, blobUrl: url, blobDir: '/tmp' }), /one place/);
      assert.throws(() => new BullBackend({ url: redis.url, blobUrl: 'ftp://x/y' }), /expected http/);
    } finally {
      r.disconnect();
      await b.close();
      w.kill();
      await new Promise((res) => srv.close(res));
    }
  },
);
