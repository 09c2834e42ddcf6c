/**
 * Test harness: a real redis-server (the Debian package) on 127.0.0.1, a random free port and a temp dir, with AOF
 * `appendfsync always`, and `edgelab worker` processes (scripts/edgelab.mjs). Everything started here is killed by stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why Redis tests cannot run here (null when they can). */
export function redisMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'redis-server not installed (Debian package redis-server; `npm test` provisions it)';
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function waitFor(child: ChildProcess, re: RegExp, what: string, ms = 30_000): Promise<void> {
  return new Promise((res, rej) => {
    let buf = '';
    const t = setTimeout(() => rej(new Error(`${what}: not ready within ${ms} ms; output: ${buf.slice(-500)}`)), ms);
    const on = (d: Buffer): void => {
      buf += d.toString();
      if (re.test(buf)) {
        clearTimeout(t);
        child.stdout?.off('data', on);
        res();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', (d: Buffer) => (buf += d.toString()));
    child.once('exit', (c, s) => {
      clearTimeout(t);
      rej(new Error(`${what} exited (${c ?? s}) before ready: ${buf.slice(-500)}`));
    });
  });
}

export class TestRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'el-redis-'));
  port = 0;
  proc: ChildProcess | null = null;
  private readonly workers: ChildProcess[] = [];
  constructor(readonly password = 'el-test-pw') {}

  get url(): string {
    return `redis://:${this.password}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    const p = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--requirepass',
        this.password,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = p;
    await waitFor(p, /Ready to accept connections/, 'redis-server');
    return this;
  }

  /** kill -9 Redis (nothing flushed beyond what AOF already has), then start it again on the same port and dir. */
  async crashAndRestart(downMs = 300): Promise<void> {
    await this.kill();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  private async kill(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    }
  }

  /** Start `edgelab worker` (a separate Node process) against this Redis; resolves once it serves. */
  async worker(
    o: { concurrency?: number; url?: string; queues?: string[]; args?: string[]; env?: Record<string, string> } = {},
  ): Promise<ChildProcess> {
    const args = [
      join(__dirname, '..', '..', '..', 'scripts', 'edgelab.mjs'),
      'worker',
      '--redis',
      o.url ?? this.url,
      '--concurrency',
      String(o.concurrency ?? 1),
    ];
    if (o.queues) args.push('--queues', o.queues.join(','));
    args.push(...(o.args ?? []));
    const w = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
    this.workers.push(w);
    await waitFor(w, /ready on/, 'edgelab worker');
    w.stdout?.resume();
    w.stderr?.resume();
    return w;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => {
        if (w.exitCode !== null || w.signalCode !== null) return null;
        const gone = new Promise((r) => w.once('exit', r));
        w.kill('SIGKILL');
        return gone;
      }),
    );
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
