/**
 * A Jupyter kernel driven directly over zeromq (no Python, no Jupyter server in the loop).
 *
 *   const k = await startKernel({ kind: 'tslab', cwd });
 *   const r = await k.execute('console.log(1)', { onOutput: (e) => … });
 *   await k.shutdown();
 *
 * The kernel runs in its own process group (so an interrupt or a kill reaches whatever it spawned) under a small
 * watchdog process that leads the group: it forwards SIGINT/SIGTERM/SIGHUP to the kernel, exits with the kernel's
 * status, and kills the group when the process that started it dies (a crashed or SIGKILLed VS Code extension host
 * would otherwise leave detached kernels running). shutdown() sends shutdown_request on control, then kills the group.
 * vscode-free: used by the VS Code controller, the tour and the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as zmq from 'zeromq';
import { decode, encode, makeMessage, newSession, type JupyterMessage } from './protocol';

export type KernelKind = 'tslab' | 'ipykernel' | { argv: string[]; interruptMode?: 'signal' | 'message'; name?: string };

export interface StartKernelOptions {
  kind: KernelKind;
  /** Working directory of the kernel (tslab resolves `import … from 'x'` from here). Default: process.cwd(). */
  cwd?: string;
  /** Extra environment (merged over process.env). */
  env?: Record<string, string | undefined>;
  /** How long to wait for the first kernel_info_reply. Default 60 s (tslab warms up the TypeScript compiler). */
  startTimeoutMs?: number;
}

/** One nbformat 4 output. */
export type NbOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: 'execute_result'; data: Record<string, unknown>; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

/** What execute() reports while a cell runs: an output appended, an existing output replaced in place, or outputs cleared. */
export type OutputEvent =
  | { kind: 'append'; output: NbOutput; index: number; outputs: NbOutput[]; displayId?: string }
  | { kind: 'update'; output: NbOutput; index: number; outputs: NbOutput[]; displayId: string }
  | { kind: 'clear'; outputs: NbOutput[] };

export interface ExecuteOptions {
  onOutput?: (e: OutputEvent) => void;
  /** Interrupt the cell after this long, then fail with KernelTimeout. Default: no limit. */
  timeoutMs?: number;
  /** Default true (a failing cell aborts queued requests, as in Jupyter). */
  stopOnError?: boolean;
}

export interface ExecuteResult {
  status: 'ok' | 'error' | 'aborted';
  executionCount: number | null;
  outputs: NbOutput[];
  /** The execute_reply content (ename/evalue/traceback when the kernel sends them). */
  reply: Record<string, unknown>;
}

/**
 * An update_display_data for a display whose cell is no longer running (a background timer, a job's progress, a figure
 * refreshed later): `output` is the updated output object (the same object execute() returned for that cell).
 */
export interface LateDisplayUpdate {
  displayId: string;
  output: NbOutput;
}

export class KernelError extends Error {
  override name = 'KernelError';
}
/** The kernel process exited while requests were pending. */
export class KernelDied extends KernelError {
  override name = 'KernelDied';
}
/** A request did not finish in time. */
export class KernelTimeout extends KernelError {
  override name = 'KernelTimeout';
}

interface Conn {
  transport: 'tcp';
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: 'hmac-sha256';
  kernel_name?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function here(): string {
  // CJS (tsx, esbuild bundle) has __filename; fall back to cwd.
  return typeof __filename === 'string' ? __filename : join(process.cwd(), 'x.js');
}

/**
 * EdgeLab's kernel entry (tslab-kernel.ts, bundled): tslab 1.0.22 with our cell fixes, package resolution and Jupyter
 * errors. Looked up beside this bundle (dist/runner/, dist/extension/runner/) and, from the sources, in dist/runner/
 * (built by `node esbuild.mjs`). Override with EDGELAB_KERNEL_ENTRY.
 */
export function kernelEntry(): string {
  if (process.env.EDGELAB_KERNEL_ENTRY) return process.env.EDGELAB_KERNEL_ENTRY;
  const d = dirname(here());
  const candidates = [
    join(d, 'tslab-kernel.js'),
    join(d, 'runner', 'tslab-kernel.js'),
    join(d, '..', '..', 'dist', 'runner', 'tslab-kernel.js'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new KernelError(
      `EdgeLab's kernel entry tslab-kernel.js is missing (looked in ${candidates.join(', ')}); build it with: node esbuild.mjs --only runner`,
    );
  return found;
}

/** argv (with `{connection_file}` placeholder) and interrupt mode for a kernel kind. */
export function kernelArgv(kind: KernelKind): { argv: string[]; interruptMode: 'signal' | 'message'; name: string } {
  if (kind === 'tslab')
    return { argv: [process.execPath, kernelEntry(), '--config-path', '{connection_file}'], interruptMode: 'signal', name: 'tslab' };
  if (kind === 'ipykernel')
    return { argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], interruptMode: 'signal', name: 'python3' };
  if (!Array.isArray(kind.argv) || kind.argv.length === 0)
    throw new KernelError(`kernel argv must be a non-empty array, got ${JSON.stringify(kind.argv)}`);
  return { argv: kind.argv, interruptMode: kind.interruptMode ?? 'signal', name: kind.name ?? 'custom' };
}

/**
 * The watchdog (`node -e WATCHDOG <parentPid> <keepElectronRunAsNode> <cleanupDir> <argv…>`): the kernel is its child,
 * in the watchdog's process group. It polls once a second whether it was re-parented (its parent died, even by
 * SIGKILL, which no exit hook sees) and then removes cleanupDir (the connection file's folder) and kills the whole
 * group. Kept inline so the bundle needs no extra file.
 */
const WATCHDOG = `
process.title = 'edgelab-kernel-watchdog';
const { spawn } = require('node:child_process');
const [parent, keepElectron, cleanup, cmd, ...args] = process.argv.slice(1);
const env = { ...process.env };
if (keepElectron !== '1') delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(cmd, args, { stdio: 'inherit', env });
const forward = (s) => () => { try { child.kill(s); } catch {} };
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, forward(s));
child.on('error', (e) => { process.stderr.write('cannot start the kernel: ' + e.message + '\\n'); process.exit(127); });
child.on('exit', (code, signal) => {
  if (signal) { process.removeAllListeners(signal); process.kill(process.pid, signal); } else process.exit(code ?? 1);
});
setInterval(() => {
  if (String(process.ppid) === parent) return;
  if (cleanup) try { require('node:fs').rmSync(cleanup, { recursive: true, force: true }); } catch {}
  try { process.kill(-process.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); process.exit(1); }
}, 1000);
`;

/** argv and env that start `argv` under the watchdog, watched on behalf of this process. */
function watchedArgv(argv: string[], env: NodeJS.ProcessEnv, cleanupDir = ''): { argv: string[]; env: NodeJS.ProcessEnv } {
  const keepElectron = env.ELECTRON_RUN_AS_NODE === '1' ? '1' : '0';
  // under Electron (desktop VS Code) process.execPath is the app; the watchdog itself must run as plain Node
  const wenv = process.versions.electron ? { ...env, ELECTRON_RUN_AS_NODE: '1' } : env;
  return { argv: [process.execPath, '-e', WATCHDOG, String(process.pid), keepElectron, cleanupDir, ...argv], env: wenv };
}

/** Kernels whose process group is alive; killed synchronously if this process exits without shutting them down. */
const live = new Set<number>();
let exitHook = false;
function track(pid: number | undefined): void {
  if (!pid) return;
  live.add(pid);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of live) {
        try {
          process.kill(-p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    });
  }
}

interface Pending {
  resolve: (m: JupyterMessage) => void;
  reject: (e: Error) => void;
}
interface Exec {
  outputs: NbOutput[];
  onOutput?: (e: OutputEvent) => void;
  idle: boolean;
  clearWait: boolean;
  onIdle?: () => void;
}

export class Kernel {
  readonly session = newSession();
  readonly name: string;
  kernelInfo: Record<string, unknown> = {};
  private conn!: Conn;
  private dir!: string;
  private proc!: ChildProcess;
  private shell!: zmq.Dealer;
  private control!: zmq.Dealer;
  private stdin!: zmq.Dealer;
  private iopub!: zmq.Subscriber;
  private hb!: zmq.Dealer;
  private pending = new Map<string, Pending>();
  private execs = new Map<string, Exec>();
  /** display_id → the output objects showing it (updated in place by update_display_data). */
  private displays = new Map<string, NbOutput[]>();
  private iopubSeen = new Set<string>();
  private lateListeners = new Set<(u: LateDisplayUpdate) => void>();
  private exited: Promise<number | null> = Promise.resolve(null);
  private alive = false;
  private log = '';
  private readonly argv: string[];
  private readonly interruptMode: 'signal' | 'message';

  constructor(private readonly opts: StartKernelOptions) {
    const k = kernelArgv(opts.kind);
    this.argv = k.argv;
    this.interruptMode = k.interruptMode;
    this.name = k.name;
  }

  /** pid of the kernel's watchdog, the leader of the kernel's process group (the kernel is its child). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  /** Last ~8 KB of the kernel's own stdout/stderr (not cell output). */
  get processLog(): string {
    return this.log;
  }
  get isAlive(): boolean {
    return this.alive;
  }

  /** @internal used by startKernel and restart. */
  async launch(): Promise<void> {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    this.conn = {
      transport: 'tcp',
      ip: '127.0.0.1',
      shell_port: ports[0],
      iopub_port: ports[1],
      stdin_port: ports[2],
      control_port: ports[3],
      hb_port: ports[4],
      key: randomBytes(32).toString('hex'),
      signature_scheme: 'hmac-sha256',
      kernel_name: this.name,
    };
    this.dir = mkdtempSync(join(tmpdir(), 'edgelab-kernel-'));
    const file = join(this.dir, 'connection.json');
    writeFileSync(file, JSON.stringify(this.conn, null, 1), { mode: 0o600 });
    const argv = this.argv.map((a) => a.replace('{connection_file}', file));
    this.log = '';
    const w = watchedArgv(argv, { ...process.env, ...this.opts.env }, this.dir);
    this.proc = spawn(w.argv[0]!, w.argv.slice(1), {
      cwd: this.opts.cwd ?? process.cwd(),
      env: w.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.log = (this.log + b.toString()).slice(-8192);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.alive = true;
    const proc = this.proc;
    track(proc.pid);
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code) => {
        this.alive = false;
        this.failAll(
          new KernelDied(`kernel ${this.name} exited with code ${code}${this.log ? `; its log ends with:\n${this.log.slice(-2000)}` : ''}`),
        );
        resolve(code);
      });
      proc.on('error', (e) => {
        this.alive = false;
        this.failAll(new KernelDied(`kernel ${this.name} failed to start: ${e.message}`));
        resolve(null);
      });
    });

    const addr = (p: number) => `tcp://127.0.0.1:${p}`;
    this.shell = new zmq.Dealer({ linger: 0 });
    this.control = new zmq.Dealer({ linger: 0 });
    this.stdin = new zmq.Dealer({ linger: 0 });
    this.hb = new zmq.Dealer({ linger: 0 });
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.shell.connect(addr(this.conn.shell_port));
    this.control.connect(addr(this.conn.control_port));
    this.stdin.connect(addr(this.conn.stdin_port));
    this.hb.connect(addr(this.conn.hb_port));
    this.iopub.connect(addr(this.conn.iopub_port));
    this.iopub.subscribe();
    void this.readReplies(this.shell);
    void this.readReplies(this.control);
    void this.readIopub();
    void this.readStdin();
    await this.waitReady(this.opts.startTimeoutMs ?? 60_000);
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private async readReplies(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        let msg: JupyterMessage;
        try {
          msg = decode(frames as Buffer[], this.conn.key);
        } catch (e) {
          this.log += `\n[runner] dropped reply: ${(e as Error).message}`;
          continue;
        }
        const id = msg.parent_header.msg_id;
        const p = id ? this.pending.get(id) : undefined;
        if (p) {
          this.pending.delete(id!);
          p.resolve(msg);
        }
      }
    } catch {
      /* socket closed */
    }
  }

  private async readStdin(): Promise<void> {
    // allow_stdin is false in our requests; answer any input_request with an empty string so a kernel never hangs.
    try {
      for await (const frames of this.stdin) {
        try {
          const msg = decode(frames as Buffer[], this.conn.key);
          if (msg.header.msg_type === 'input_request')
            await this.stdin.send(
              encode(makeMessage('input_reply', { value: '' }, { session: this.session, parent: msg.header }), this.conn.key),
            );
        } catch {
          /* ignore */
        }
      }
    } catch {
      /* closed */
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        let msg: JupyterMessage;
        try {
          msg = decode(frames as Buffer[], this.conn.key);
        } catch (e) {
          this.log += `\n[runner] dropped iopub message: ${(e as Error).message}`;
          continue;
        }
        const parent = msg.parent_header.msg_id;
        if (parent) {
          this.iopubSeen.add(parent);
          if (this.iopubSeen.size > 1000) this.iopubSeen.clear();
        }
        this.onIopub(msg);
      }
    } catch {
      /* closed */
    }
  }

  private onIopub(msg: JupyterMessage): void {
    const type = msg.header.msg_type;
    const c = msg.content as Record<string, any>;
    // Display updates may target outputs of earlier cells, so handle them before looking up the execution.
    if (type === 'update_display_data') {
      const id = c.transient?.display_id as string | undefined;
      const targets = id ? this.displays.get(id) : undefined;
      for (const o of targets ?? []) {
        if (o.output_type === 'display_data' || o.output_type === 'execute_result') {
          o.data = c.data ?? {};
          o.metadata = c.metadata ?? {};
        }
      }
      const ex = this.execs.get(msg.parent_header.msg_id ?? '');
      for (const o of targets ?? []) {
        const index = ex ? ex.outputs.indexOf(o) : -1;
        if (ex && index >= 0) ex.onOutput?.({ kind: 'update', output: o, index, outputs: ex.outputs, displayId: id! });
        else for (const l of this.lateListeners) l({ displayId: id!, output: o });
      }
      return;
    }
    const ex = this.execs.get(msg.parent_header.msg_id ?? '');
    if (!ex) return;
    let out: NbOutput | null = null;
    switch (type) {
      case 'status':
        if (c.execution_state === 'idle') {
          ex.idle = true;
          ex.onIdle?.();
        }
        return;
      case 'stream': {
        if (ex.clearWait) this.clear(ex);
        const last = ex.outputs[ex.outputs.length - 1];
        if (last && last.output_type === 'stream' && last.name === c.name) {
          // Consecutive writes to the same stream form one output (as nbclient does).
          last.text += String(c.text ?? '');
          ex.onOutput?.({ kind: 'update', output: last, index: ex.outputs.length - 1, outputs: ex.outputs, displayId: '' });
          return;
        }
        out = { output_type: 'stream', name: c.name === 'stderr' ? 'stderr' : 'stdout', text: String(c.text ?? '') };
        break;
      }
      case 'display_data':
        out = { output_type: 'display_data', data: c.data ?? {}, metadata: c.metadata ?? {} };
        break;
      case 'execute_result':
        out = { output_type: 'execute_result', data: c.data ?? {}, metadata: c.metadata ?? {}, execution_count: c.execution_count ?? null };
        break;
      case 'error':
        out = {
          output_type: 'error',
          ename: String(c.ename ?? 'Error'),
          evalue: String(c.evalue ?? ''),
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        };
        break;
      case 'clear_output':
        if (c.wait) ex.clearWait = true;
        else this.clear(ex);
        return;
      default:
        return;
    }
    if (ex.clearWait) this.clear(ex);
    ex.outputs.push(out);
    const id = c.transient?.display_id as string | undefined;
    if (id && (out.output_type === 'display_data' || out.output_type === 'execute_result')) {
      const list = this.displays.get(id) ?? [];
      list.push(out);
      this.displays.set(id, list);
    }
    ex.onOutput?.({ kind: 'append', output: out, index: ex.outputs.length - 1, outputs: ex.outputs, ...(id ? { displayId: id } : {}) });
  }

  /** Listen for display updates that arrive after their cell finished (see LateDisplayUpdate). Returns a disposer. */
  onLateDisplayUpdate(listener: (u: LateDisplayUpdate) => void): () => void {
    this.lateListeners.add(listener);
    return () => this.lateListeners.delete(listener);
  }

  private clear(ex: Exec): void {
    ex.outputs.length = 0;
    ex.clearWait = false;
    ex.onOutput?.({ kind: 'clear', outputs: ex.outputs });
  }

  /** Sends a request on shell (or control) and resolves with its reply. */
  async request(
    channel: 'shell' | 'control',
    msgType: string,
    content: Record<string, unknown>,
    timeoutMs = 30_000,
  ): Promise<JupyterMessage> {
    if (!this.alive) throw new KernelDied(`kernel ${this.name} is not running`);
    const msg = makeMessage(msgType, content, { session: this.session });
    return this.send(channel, msg, timeoutMs);
  }

  private send(channel: 'shell' | 'control', msg: JupyterMessage<unknown>, timeoutMs: number): Promise<JupyterMessage> {
    const sock = channel === 'shell' ? this.shell : this.control;
    return new Promise<JupyterMessage>((resolve, reject) => {
      if (!this.alive) {
        reject(new KernelDied(`kernel ${this.name} is not running`));
        return;
      }
      const t =
        timeoutMs > 0 && Number.isFinite(timeoutMs)
          ? setTimeout(() => {
              this.pending.delete(msg.header.msg_id);
              reject(new KernelTimeout(`no ${msg.header.msg_type.replace('_request', '_reply')} from ${this.name} within ${timeoutMs} ms`));
            }, timeoutMs)
          : null;
      this.pending.set(msg.header.msg_id, {
        resolve: (m) => {
          if (t) clearTimeout(t);
          resolve(m);
        },
        reject: (e) => {
          if (t) clearTimeout(t);
          reject(e);
        },
      });
      const sent = (() => {
        try {
          return sock.send(encode(msg, this.conn.key));
        } catch (e) {
          return Promise.reject(e as Error);
        }
      })();
      sent.catch((e: Error) => {
        this.pending.delete(msg.header.msg_id);
        if (t) clearTimeout(t);
        reject(new KernelError(`cannot send ${msg.header.msg_type}: ${e.message}`));
      });
    });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    // Repeat kernel_info_request until a reply arrives AND its iopub status is seen (the subscription is live).
    const deadline = Date.now() + timeoutMs;
    let lastErr: Error | null = null;
    while (Date.now() < deadline) {
      if (!this.alive) throw new KernelDied(`kernel ${this.name} exited during startup; log:\n${this.log.slice(-2000)}`);
      const msg = makeMessage('kernel_info_request', {}, { session: this.session });
      try {
        const reply = await this.send('shell', msg, Math.min(2000, Math.max(1, deadline - Date.now())));
        this.kernelInfo = reply.content;
        const until = Date.now() + 1000;
        while (Date.now() < until && !this.iopubSeen.has(msg.header.msg_id)) await new Promise((r) => setTimeout(r, 20));
        if (this.iopubSeen.has(msg.header.msg_id)) return;
      } catch (e) {
        lastErr = e as Error;
        if (e instanceof KernelDied) throw e;
      }
    }
    await this.kill();
    throw new KernelTimeout(
      `kernel ${this.name} did not answer kernel_info_request within ${timeoutMs} ms (${lastErr?.message ?? 'iopub never connected'}); log:\n${this.log.slice(-2000)}`,
    );
  }

  /** Runs code; resolves once the execute_reply arrived and the kernel went idle for this request. */
  async execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    const msg = makeMessage(
      'execute_request',
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: opts.stopOnError ?? true },
      { session: this.session },
    );
    const ex: Exec = { outputs: [], onOutput: opts.onOutput, idle: false, clearWait: false };
    this.execs.set(msg.header.msg_id, ex);
    let timer: NodeJS.Timeout | null = null;
    let timedOut = false;
    try {
      const replyP = this.send('shell', msg, 0);
      const raced = opts.timeoutMs
        ? Promise.race([
            replyP,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                timedOut = true;
                void this.interrupt().catch(() => undefined);
                // Give the interrupted cell a moment to reply; otherwise fail.
                timer = setTimeout(
                  () => reject(new KernelTimeout(`cell did not finish within ${opts.timeoutMs} ms and did not stop after an interrupt`)),
                  10_000,
                );
              }, opts.timeoutMs);
            }),
          ])
        : replyP;
      const reply = await raced;
      if (!ex.idle) {
        // The idle status travels on iopub and may arrive just after the reply.
        await new Promise<void>((resolve) => {
          ex.onIdle = resolve;
          setTimeout(resolve, 5000);
        });
      }
      const content = reply.content as Record<string, unknown>;
      const status = content.status === 'ok' ? 'ok' : content.status === 'aborted' || content.status === 'abort' ? 'aborted' : 'error';
      if (timedOut && status !== 'ok') {
        throw new KernelTimeout(`cell did not finish within ${opts.timeoutMs} ms and was interrupted`);
      }
      return {
        status,
        executionCount: typeof content.execution_count === 'number' ? content.execution_count : null,
        outputs: ex.outputs,
        reply: content,
      };
    } finally {
      if (timer) clearTimeout(timer);
      this.execs.delete(msg.header.msg_id);
    }
  }

  /** complete_request: `{ matches, cursor_start, cursor_end, status, metadata }`. */
  async complete(
    code: string,
    cursorPos: number,
  ): Promise<{ matches: string[]; cursor_start: number; cursor_end: number; status: string; metadata: Record<string, unknown> }> {
    const r = await this.request('shell', 'complete_request', { code, cursor_pos: cursorPos });
    return r.content as never;
  }

  /** inspect_request: `{ status, found, data, metadata }` (tslab: data['text/plain'] is the quick info). */
  async inspect(
    code: string,
    cursorPos: number,
    detailLevel: 0 | 1 = 0,
  ): Promise<{ status: string; found: boolean; data: Record<string, unknown>; metadata: Record<string, unknown> }> {
    const r = await this.request('shell', 'inspect_request', { code, cursor_pos: cursorPos, detail_level: detailLevel });
    return r.content as never;
  }

  /** Interrupts the running cell: SIGINT to the kernel process via its watchdog (tslab, ipykernel), or interrupt_request on control in message mode. */
  async interrupt(): Promise<void> {
    if (!this.alive) return;
    if (this.interruptMode === 'message') {
      await this.request('control', 'interrupt_request', {}, 5000);
      return;
    }
    try {
      this.proc.kill('SIGINT');
    } catch {
      /* gone */
    }
  }

  /** Round-trips a heartbeat ping; false if no echo within timeoutMs. */
  async heartbeat(timeoutMs = 2000): Promise<boolean> {
    if (!this.alive) return false;
    const ping = Buffer.from(randomBytes(8).toString('hex'));
    await this.hb.send([Buffer.alloc(0), ping]);
    const got = await Promise.race([
      this.hb.receive().then((f) => f.some((b) => b.equals(ping))),
      new Promise<false>((r) => setTimeout(() => r(false), timeoutMs)),
    ]);
    return got;
  }

  /** Stops the kernel and starts a fresh one with the same options (all state is lost). */
  async restart(): Promise<void> {
    await this.shutdown();
    this.displays.clear();
    await this.launch();
  }

  /** shutdown_request on control, then SIGTERM/SIGKILL to the process group; closes sockets and removes the connection file. */
  async shutdown(): Promise<void> {
    if (this.alive) {
      try {
        await this.request('control', 'shutdown_request', { restart: false }, 2000);
      } catch {
        /* kill below */
      }
      const exited = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1500))]);
      if (!exited) await this.kill();
    }
    this.killGroup('SIGKILL'); // stragglers the kernel itself spawned
    if (this.proc?.pid) live.delete(this.proc.pid);
    for (const s of [this.shell, this.control, this.stdin, this.hb, this.iopub]) {
      try {
        s?.close();
      } catch {
        /* closed */
      }
    }
    this.failAll(new KernelDied(`kernel ${this.name} was shut down`));
    if (this.dir && existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }

  private killGroup(sig: NodeJS.Signals): void {
    const pid = this.proc?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, sig);
    } catch {
      /* group gone */
    }
  }

  private async kill(): Promise<void> {
    this.killGroup('SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1500))]);
    if (!exited) {
      this.killGroup('SIGKILL');
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 1500))]);
    }
  }
}

/** Writes a connection file, spawns the kernel in its own process group, connects the five channels and waits for kernel_info_reply. */
export async function startKernel(opts: StartKernelOptions): Promise<Kernel> {
  const k = new Kernel(opts);
  try {
    await k.launch();
  } catch (e) {
    await k.shutdown().catch(() => undefined);
    throw e;
  }
  return k;
}
