/**
 * EdgeLab's TypeScript kernel: tslab 1.0.22 (pinned; no longer released) started through a thin wrapper that fixes
 * what tslab gets wrong, without editing tslab's files. Bundled to dist/runner/tslab-kernel.js; kernel.ts and the
 * installed kernelspec start it as `node tslab-kernel.js --config-path <connection file>`.
 *
 * What the wrapper adds, each at one documented tslab seam:
 *  1. Cells are pre-transformed (cell-transform.ts): object shorthand written out, top-level `for await` wrapped.
 *     Seam: the executor's `execute(src)`.
 *  2. `edgelab` (and the packages installed beside it) resolve from any folder: when normal resolution from the
 *     kernel's folder fails, Node's require and tslab's TypeScript fall back to the EdgeLab installation this file
 *     belongs to. Seams: `Module._resolveFilename`, and `resolveModuleNames` on the compiler host tslab creates.
 *  3. Errors are Jupyter errors: a failed cell sends an iopub `error` message and an execute_reply carrying
 *     ename/evalue/traceback (tslab only printed to stderr, so nbconvert showed an empty `<Error>:`). TypeScript
 *     diagnostics and stack frames name the cell line (`at f (Cell In[3]:5:9)`, then `Cell In[3], line 5` + the source): tslab's emit is compiled with inline
 *     source maps and the second (ESM → CommonJS) pass maps are composed, so a frame maps back through both passes.
 *     Seams: the `console` tslab's executor reports through, `ZmqServer.handleExecute`, and a copy of tslab's
 *     TypeScript module (`createWatchCompilerHost` options, `transpileModule`) placed in the require cache before
 *     tslab loads it.
 *  4. Each execute_reply carries `edgelab: { backend, rssBytes }` for the editor's status bar. Seam: the same
 *     `ZmqServer.handleExecute`.
 * Everything else is tslab's own code path (converter, executor, Jupyter server, interrupt via SIGINT).
 * tslab-kernel.test.ts fails when any seam is gone (e.g. a different tslab version).
 */
import Module, { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import type * as TS from 'typescript';
import { transformCell, originalColumn, type CellTransform } from './cell-transform';

export const TSLAB_VERSION = '1.0.22';

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

// ───────────────────────────── where things are ─────────────────────────────

function here(): string {
  return typeof __filename === 'string' ? __filename : join(process.cwd(), 'x.js');
}

/** The EdgeLab package folder this kernel belongs to: the nearest ancestor with a package.json named "edgelab". */
export function edgelabPackageDir(from = dirname(here())): string | null {
  for (let d = from; ; d = dirname(d)) {
    try {
      if ((JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name === 'edgelab') return d;
    } catch {
      /* keep walking */
    }
    if (dirname(d) === d) return null;
  }
}

/** tslab's folder, checked against the pinned version (the seams below are tslab 1.0.22's internals). */
export function tslabDir(): string {
  const dir = dirname(createRequire(here()).resolve('tslab/package.json'));
  const v = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (v !== TSLAB_VERSION)
    throw new Error(`EdgeLab's kernel wraps tslab ${TSLAB_VERSION}, found tslab ${v} in ${dir}; reinstall with npm ci`);
  return dir;
}

// ───────────────────────────── kernel status ─────────────────────────────

/** Registry key under which the edgelab library publishes the backend it initialised (kernel/core/backend.ts). */
export const ACTIVE_BACKEND_KEY = Symbol.for('edgelab.activeBackend');

/** What every execute_reply carries in `content.edgelab`: the backend el.init() chose (null before init) and the RSS. */
export interface KernelStatus {
  backend: string | null;
  rssBytes: number;
}
export function kernelStatus(): KernelStatus {
  const b = (globalThis as Record<symbol, unknown>)[ACTIVE_BACKEND_KEY];
  return { backend: typeof b === 'string' ? b : null, rssBytes: process.memoryUsage().rss };
}

// ───────────────────────────── source maps ─────────────────────────────

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Decoded mappings: per generated line, segments [genCol, srcIndex, srcLine, srcCol] (all 0-based). */
/** Per generated line, segments [generated column, source index, source line, source column] (absolute). */
type Segment = [number, number, number, number];
type Mappings = Segment[][];
export function decodeMappings(mappings: string): Mappings {
  const lines: Mappings = [];
  let srcIdx = 0,
    srcLine = 0,
    srcCol = 0;
  for (const line of mappings.split(';')) {
    const segs: Segment[] = [];
    let genCol = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const vals: number[] = [];
      let shift = 0,
        value = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) {
          shift += 5;
          continue;
        }
        vals.push(value & 1 ? -(value >>> 1) : value >>> 1);
        shift = 0;
        value = 0;
      }
      genCol += vals[0] ?? 0;
      if (vals.length >= 4) {
        srcIdx += vals[1]!;
        srcLine += vals[2]!;
        srcCol += vals[3]!;
        segs.push([genCol, srcIdx, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

function lookup(m: Mappings, line: number, col: number): [number, number] | null {
  const segs = m[line];
  if (!segs?.length) return null;
  let best = segs[0]!; // non-empty (checked above)
  for (const s of segs) {
    if (s[0] <= col) best = s;
    else break;
  }
  return [best[2], best[3]];
}

/** A compiled cell: the two maps (CommonJS → ESM → cell source) and the cell transform. */
interface CellMap {
  count: number;
  source: string;
  transform: CellTransform;
  esmToTs: Mappings | null;
  cjsToEsm: Mappings | null;
  prefixLen: number;
}

/** Maps a 1-based (line, column) of the code run by vm to a 1-based (line, column) of the cell source. */
function toCell(c: CellMap, line: number, col: number): { line: number; col: number } | null {
  if (!c.esmToTs || !c.cjsToEsm) return null;
  const l0 = line - 1;
  const c0 = l0 === 0 ? col - 1 - c.prefixLen : col - 1;
  const esm = lookup(c.cjsToEsm, l0, Math.max(0, c0));
  if (!esm) return null;
  const ts = lookup(c.esmToTs, esm[0], esm[1]);
  if (!ts) return null;
  const cellLine = ts[0] - 1; // tslab compiles `export {};\n` + cell
  if (cellLine < 0) return null;
  return { line: cellLine + 1, col: originalColumn(c.transform, c.source, cellLine, ts[1]) + 1 };
}

// ───────────────────────────── the kernel ─────────────────────────────

/** State shared by the seams (one kernel per process). */
const cells = new Map<string, CellMap>(); // vm filename → map
let pending: { esmToTs: Mappings | null; cjsToEsm: Mappings | null } | null = null;
let current: { count: number; source: string; transform: CellTransform } | null = null;

const cellFile = (count: number) => `Cell In[${count}]`;

/** `at f (Cell In[3]:5:9)` frames mapped to the cell source; tslab/Node internals dropped. */
export function formatStack(e: Error, mapFrame: (file: string, line: number, col: number) => string | null): string[] {
  let lines = String(e.stack ?? '').split('\n');
  // Node decorates an error thrown by vm code with `file:line`, the (compiled) source line and a caret: drop them
  const head = lines.findIndex((l) => l.startsWith(`${e.name}:`) || l === e.name);
  if (head > 0) lines = lines.slice(head);
  const out: string[] = [];
  for (const l of lines) {
    const m = /^\s+at (?:(.*) \()?(.+?):(\d+):(\d+)\)?$/.exec(l);
    if (!m) {
      if (!/^\s+at /.test(l) && !out.some((o) => /^\s+at /.test(o))) out.push(l);
      continue;
    }
    const [, fn, file, line, col] = m;
    const mapped = mapFrame(file!, Number(line), Number(col)); // the regex's file group is required
    if (mapped) {
      out.push(`    at ${fn ? `${fn.replace(/^Proxy\./, '')} (${mapped})` : mapped}`);
      continue;
    }
    if (/tslab[\\/]dist[\\/]|^node:|tslab-kernel\.js|^evalmachine|^Cell In\[/.test(file!)) continue;
    out.push(l);
  }
  return out;
}

function describe(value: unknown, mapFrame: (file: string, line: number, col: number) => string | null): CellError {
  if (value instanceof Error || (value && typeof value === 'object' && 'stack' in value && 'message' in value)) {
    const e = value as Error;
    const ename = e.name || e.constructor?.name || 'Error';
    const tb = formatStack(e, mapFrame);
    // the first cell frame, shown with its source line
    const first = tb.map((l) => /\(?(Cell In\[(\d+)\]):(\d+):(\d+)\)?$/.exec(l)).find(Boolean);
    const src = first ? [...cells.values()].find((c) => c.count === Number(first[2]))?.source.split('\n')[Number(first[3]) - 1] : undefined;
    return {
      ename,
      evalue: String(e.message ?? ''),
      traceback: src !== undefined ? [...tb, '', `${first![1]}, line ${first![3]}`, `  ${src}`] : tb,
    };
  }
  return {
    ename: 'Error',
    evalue: `non-Error value thrown: ${
      typeof value === 'string'
        ? value
        : (() => {
            try {
              return JSON.stringify(value);
            } catch {
              return String(value);
            }
          })()
    }`,
    traceback: [],
  };
}

/**
 * The file system tslab's compiler sees, with `<cwd>/node_modules/<pkg>` made to exist for packages the kernel's
 * folder lacks: `edgelab` → the EdgeLab package folder, any other package → the one installed with EdgeLab. `realpath`
 * maps such a path to the real file, so the imports inside those files resolve where they are installed. Forwarding
 * only paths (not resolutions) keeps TypeScript's watch-mode resolution cache, which makes each cell's compile cheap.
 */
export function fallbackSys(sys: TS.System, cwd: string, pkgDir: string): TS.System {
  const slash = (p: string) => p.replace(/\\/g, '/'); // tslab's compiler paths use '/' on every platform
  const nm = slash(join(cwd, 'node_modules')) + '/';
  const roots = [slash(join(pkgDir, 'node_modules')), slash(join(pkgDir, 'dist', 'node_modules'))];
  const forward = (p: string): string | null => {
    if (!p.startsWith(nm)) return null;
    const rel = p.slice(nm.length);
    const parts = rel.split('/');
    const name = parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (!name || name === 'tslab' || name.startsWith('@types')) return null; // tslab forwards itself; type roots stay the user's
    if (sys.directoryExists(nm + name)) return null; // the user's own install wins
    if (name === 'edgelab') return slash(pkgDir) + rel.slice(name.length);
    for (const r of roots) if (sys.directoryExists(`${r}/${name}`)) return `${r}/${rel}`;
    return null;
  };
  const s: TS.System = Object.create(sys) as TS.System;
  s.fileExists = (p) => sys.fileExists(p) || ((f) => !!f && sys.fileExists(f))(forward(p));
  s.directoryExists = (p) => sys.directoryExists(p) || ((f) => !!f && sys.directoryExists(f))(forward(p));
  s.readFile = (p, enc) => sys.readFile(p, enc) ?? ((f) => (f ? sys.readFile(f, enc) : undefined))(forward(p));
  s.realpath = (p) => {
    const f = sys.fileExists(p) || sys.directoryExists(p) ? null : forward(p);
    return f ? (sys.realpath?.(f) ?? f) : (sys.realpath?.(p) ?? p);
  };
  return s;
}

export function main(argv = process.argv.slice(2)): void {
  const ci = argv.indexOf('--config-path');
  const configPath = ci >= 0 ? argv[ci + 1] : '';
  if (!configPath) {
    process.stderr.write('usage: tslab-kernel.js --config-path <connection file>\n');
    process.exit(2);
  }

  const tdir = tslabDir();
  const treq = createRequire(join(tdir, 'dist', 'converter.js'));
  const tsPath = treq.resolve('@tslab/typescript-for-tslab');
  const tsOrig = treq(tsPath) as typeof TS;
  const pkgDir = edgelabPackageDir();

  // (2) runtime fallback: a bare specifier that does not resolve from the cell's folder resolves from EdgeLab's install
  if (pkgDir) {
    const M = Module as unknown as { _resolveFilename: (req: string, parent: unknown, ...rest: unknown[]) => string };
    const orig = M._resolveFilename;
    const fromPkg = createRequire(join(pkgDir, 'package.json'));
    const fromKernel = createRequire(join(pkgDir, 'dist', 'kernel', 'index.js'));
    M._resolveFilename = function (req: string, parent: unknown, ...rest: unknown[]) {
      try {
        return orig.call(this, req, parent, ...rest);
      } catch (e) {
        if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND' || /^[./]|^node:/.test(req)) throw e;
        try {
          return req === 'edgelab' || req.startsWith('edgelab/') ? fromPkg.resolve(req) : fromKernel.resolve(req);
        } catch {
          throw e;
        }
      }
    };
  }

  // (2, 3) tslab's TypeScript, with the compiler host and the CommonJS pass hooked; placed in the require cache
  const ts: typeof TS = { ...tsOrig };
  (ts as { createWatchCompilerHost: unknown }).createWatchCompilerHost = (
    rootFiles: string[],
    options: TS.CompilerOptions,
    sys: TS.System,
    ...rest: unknown[]
  ) =>
    (tsOrig.createWatchCompilerHost as (...a: unknown[]) => unknown)(
      rootFiles,
      { ...options, inlineSourceMap: true },
      pkgDir ? fallbackSys(sys, process.cwd(), pkgDir) : sys,
      ...rest,
    );
  (ts as { transpileModule: unknown }).transpileModule = (input: string, opts: TS.TranspileOptions) => {
    if (opts.fileName !== 'custom.js') return tsOrig.transpileModule(input, opts);
    const m = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(input);
    if (!m) {
      pending = null;
      return tsOrig.transpileModule(input, opts);
    }
    const r = tsOrig.transpileModule(input.slice(0, m.index), { ...opts, compilerOptions: { ...opts.compilerOptions, sourceMap: true } });
    const map1 = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as { mappings: string };
    const map2 = r.sourceMapText ? (JSON.parse(r.sourceMapText) as { mappings: string }) : null;
    pending = { esmToTs: decodeMappings(map1.mappings), cjsToEsm: map2 ? decodeMappings(map2.mappings) : null };
    return { ...r, outputText: r.outputText.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n'), sourceMapText: undefined };
  };
  const cached = new Module(tsPath);
  cached.filename = tsPath;
  cached.exports = ts;
  cached.loaded = true;
  require.cache[tsPath] = cached;

  // (3) name the code each cell runs so stack frames can be mapped back to it
  const runInThisContext = vm.runInThisContext;
  vm.runInThisContext = function (code: string, options?: vm.RunningScriptOptions | string) {
    if (
      current &&
      typeof code === 'string' &&
      /^\(?(async )?function\(exports, require\) \{ /.test(code) &&
      typeof options === 'object' &&
      !options.filename
    ) {
      const filename = cellFile(current.count);
      const prefixLen = code.indexOf('{ ') + 2; // tslab's wrapper `(function(exports, require) { ` shares line 1 with the cell's code
      cells.set(filename, { ...current, esmToTs: pending?.esmToTs ?? null, cjsToEsm: pending?.cjsToEsm ?? null, prefixLen });
      return runInThisContext.call(vm, code, { ...options, filename });
    }
    return runInThisContext.call(vm, code, options as vm.RunningScriptOptions);
  } as typeof vm.runInThisContext;

  const mapFrame = (file: string, line: number, col: number): string | null => {
    const c = cells.get(file);
    if (!c) return null;
    const p = toCell(c, line, col);
    // `Cell In[3]:5:9` in frames; `Cell In[3], line 5` (IPython's form, which VS Code and JupyterLab turn into a link to
    // the cell line, dropping the rest of that line) only on a line of its own
    return p ? `${file}:${p.line}:${p.col}` : null;
  };

  const { createExecutor } = treq('./executor.js') as {
    createExecutor: (
      root: string,
      convs: unknown,
      console: { log: (...a: unknown[]) => void; error: (...a: unknown[]) => void },
    ) => Executor;
  };
  const { createConverter } = treq('./converter.js') as {
    createConverter: (o: { isJS: boolean; isBrowser: boolean }) => { close(): void };
  };
  const jupyter = treq('./jupyter.js') as {
    JupyterHandlerImpl: new (e: Executor, isJs: boolean) => Handler;
    ZmqServer: new (h: Handler, configPath: string) => Server;
  };

  interface Executor {
    execute(src: string): Promise<boolean>;
    inspect(src: string, pos: number): unknown;
    complete(src: string, pos: number): unknown;
    interrupt(): void;
    locals: unknown;
    reset(): void;
    close(): void;
  }
  interface Handler {
    execCount: number;
    execQueue: { prev: Promise<unknown>; add(task: () => Promise<unknown>): Promise<unknown>; reset(delayMs: number): void };
    handleExecute(req: ExecuteRequest, ws: unknown, wdd: unknown): Promise<{ status: string; execution_count?: number }>;
    handleExecuteImpl(req: ExecuteRequest, ws: unknown, wdd: unknown): Promise<unknown>;
  }
  interface ExecuteRequest {
    code: string;
    stop_on_error?: boolean;
  }
  interface Msg {
    content: ExecuteRequest;
    createReply(): { header: { msg_type: string }; content: unknown; signAndSend(key: string, sock: unknown): void };
  }
  interface Server {
    connInfo: { key: string };
    iopub: unknown;
    init(): void;
    handleExecute(sock: unknown, msg: Msg): Promise<void>;
  }

  // a ConverterSet as tslab's main.js builds it (node converter warmed now, browser converter on first use)
  const convs = {
    _node: null as null | { close(): void },
    _browser: null as null | { close(): void },
    get node() {
      return (this._node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (this._browser ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      this._node?.close();
      this._browser?.close();
    },
  };
  void convs.node;

  // (3) tslab's executor reports diagnostics and thrown values through this console; we keep them as the cell's error
  const failures = new WeakMap<object, CellError>();
  let failureKey: object | null = null;
  const record = (f: CellError) => {
    if (failureKey && !failures.has(failureKey)) failures.set(failureKey, f);
  };
  const diagLines: string[] = [];
  const reporter = {
    log: (...a: unknown[]) => console.log(...a),
    error: (...a: unknown[]) => {
      if (typeof a[0] === 'string' && a[0] === '%s%d:%d - %s' && current) {
        // a TypeScript diagnostic: "<file >line:col - message", line/col of the transformed cell
        const [, file, line, col, msg] = a as [string, string, number, number, string];
        const l = Number(line),
          c = file ? Number(col) : originalColumn(current.transform, current.source, l - 1, Number(col) - 1) + 1;
        diagLines.push(`${file}line ${l}:${c} - ${msg}`);
        if (!file) {
          const s = current.source.split('\n')[l - 1];
          if (s !== undefined) diagLines.push(`${cellFile(current.count)}, line ${l}`, `  ${s}`, `  ${' '.repeat(Math.max(0, c - 1))}^`);
        }
        return;
      }
      record(describe(a[0], mapFrame));
    },
  };
  const executor = createExecutor(process.cwd(), convs, reporter);
  const execute = executor.execute.bind(executor);
  executor.execute = async (src: string) => {
    diagLines.length = 0;
    const transform = transformCell(tsOrig, src);
    current = { count: handler.execCount, source: src, transform };
    const ok = await execute(transform.code);
    if (!ok && diagLines.length) {
      const first = diagLines.find((l) => /line \d+:\d+ - /.test(l))!;
      record({ ename: 'CompileError', evalue: first, traceback: [...diagLines] });
    }
    return ok;
  };

  const handler = new jupyter.JupyterHandlerImpl(executor, false);
  // requests queue up in tslab (execQueue); the request whose failure we record is the one whose code is running
  const handleExecuteImpl = handler.handleExecuteImpl.bind(handler);
  handler.handleExecuteImpl = async (req, ws, wdd) => {
    failureKey = req;
    return handleExecuteImpl(req, ws, wdd);
  };
  // tslab's handleExecute, except for `stop_on_error: false` (nbclient's `raises-exception` cells, our runner's
  // stopOnError: false): tslab chains every request on the previous one, so a failure cancels the requests queued
  // behind it and those arriving in the next 200 ms; such a request's failure now cancels nothing. Replies say
  // 'aborted' as the protocol spells it.
  const { TaskCanceledError } = treq('./util.js') as { TaskCanceledError: new () => Error };
  handler.handleExecute = async (req, ws, wdd) => {
    let status = 'ok';
    let count: { count: number } | null = null;
    try {
      const q = handler.execQueue;
      const task = q.add(() => handler.handleExecuteImpl(req, ws, wdd));
      if (req.stop_on_error === false) q.prev = task.catch(() => undefined);
      count = (await task) as { count: number };
    } catch (e) {
      if (e instanceof TaskCanceledError) status = 'aborted';
      else {
        status = 'error';
        if (e && typeof e === 'object' && typeof (e as { count?: unknown }).count === 'number') count = e as { count: number };
        else console.error('unexpected error:', e);
        if (req.stop_on_error !== false) handler.execQueue.reset(200);
      }
    }
    return { status, execution_count: count ? count.count : undefined };
  };

  const server = new jupyter.ZmqServer(handler, configPath);
  // tslab's ZmqServer.handleExecute, plus the error message and the reply's ename/evalue/traceback
  server.handleExecute = async function (this: Server, sock: unknown, msg: Msg) {
    const reply = msg.createReply();
    reply.header.msg_type = 'execute_reply';
    const send = (type: string, content: unknown) => {
      const r = msg.createReply();
      r.header.msg_type = type;
      r.content = content;
      r.signAndSend(this.connInfo.key, this.iopub);
    };
    const writeStream = (name: string, text: string) => send('stream', { name, text });
    const writeDisplayData = (data: unknown, update: boolean) => send(update ? 'update_display_data' : 'display_data', data);
    const content: Record<string, unknown> = await handler.handleExecute(msg.content, writeStream, writeDisplayData);
    if (content.status === 'error') {
      const f = failures.get(msg.content) ?? { ename: 'Error', evalue: 'the cell failed without reporting an error', traceback: [] };
      send('error', f);
      Object.assign(content, f);
    }
    // (4) the kernel's state for the editor's status bar: the compute backend el.init() chose (kernel/core/backend.ts
    // publishes it under a registry symbol) and this process's resident memory; clients ignore unknown reply fields
    content.edgelab = kernelStatus();
    reply.content = content;
    reply.signAndSend(this.connInfo.key, sock);
  };

  process.on('SIGINT', () => {
    executor.interrupt();
  });
  process.on('uncaughtException', (err) => {
    console.error('UncaughtException:', err);
  });
  process.on('unhandledRejection', (reason) => {
    console.error('UnhandledPromiseRejection:', reason);
  });
  server.init();
}

if (typeof require !== 'undefined' && require.main === module) main();
