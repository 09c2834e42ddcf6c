/**
 * Runs a notebook's code cells in order on one kernel and writes nbformat 4 outputs.
 * Stops at the first failing cell: `{ ok: false, failedCell, error }`. vscode-free.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { startKernel, type ExecuteResult, type Kernel, type KernelKind, type NbOutput, type OutputEvent } from './kernel';

export interface NbCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NbOutput[];
  execution_count?: number | null;
  id?: string;
  attachments?: Record<string, unknown>;
}
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown> & {
    kernelspec?: { name: string; display_name: string; language?: string };
    language_info?: Record<string, unknown>;
  };
  cells: NbCell[];
}

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface RunOptions {
  /** A kind to start (default: from the notebook's kernelspec: python* → ipykernel, else tslab), or a running kernel to reuse (not shut down). */
  kernel?: KernelKind | Kernel;
  /** Working directory for a started kernel. Default: the notebook's folder (for a path) or process.cwd(). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Per-cell limit; the cell is interrupted and the run fails. Default 5 min. */
  timeoutPerCellMs?: number;
  /** Called before a cell runs (phase 'start'), on each output change, and when it ends. */
  onCell?: (e: { index: number; phase: 'start' | 'output' | 'end'; cell: NbCell; result?: ExecuteResult; event?: OutputEvent }) => void;
}

export interface RunResult {
  ok: boolean;
  notebook: Notebook;
  /** Index into notebook.cells of the first failing cell. */
  failedCell?: number;
  error?: CellError;
  /** Wall time per executed cell (ms), by cell index. */
  cellMs: Record<number, number>;
  totalMs: number;
}

export function sourceOf(cell: NbCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

export function readNotebook(path: string): Notebook {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as Notebook;
  if (!nb || !Array.isArray(nb.cells) || nb.nbformat !== 4)
    throw new Error(`${path} is not an nbformat 4 notebook (nbformat=${nb?.nbformat}); expected { nbformat: 4, cells: [...] }`);
  return nb;
}

function kindFor(nb: Notebook): KernelKind {
  const name = nb.metadata.kernelspec?.name ?? '';
  const lang = nb.metadata.kernelspec?.language ?? '';
  return /^python/.test(name) || lang === 'python' ? 'ipykernel' : 'tslab';
}

/** The error of a failed execute: the kernel's error output (ipykernel), or tslab's stderr text (tslab reports errors only on stderr). */
export function errorOf(r: ExecuteResult): CellError {
  const err = r.outputs.find((o) => o.output_type === 'error');
  if (err && err.output_type === 'error') return { ename: err.ename, evalue: err.evalue, traceback: err.traceback };
  const reply = r.reply as { ename?: string; evalue?: string; traceback?: string[] };
  if (reply.ename) return { ename: reply.ename, evalue: reply.evalue ?? '', traceback: reply.traceback ?? [] };
  const stderr = r.outputs
    .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
    .map((o) => (o as { text: string }).text)
    .join('');
  // tslab prints TypeScript diagnostics as `line:col - message` and does not run the cell.
  const diags = stderr.split('\n').filter((l) => /^(\S+ )?\d+:\d+ - /.test(l));
  if (diags.length) return { ename: 'CompileError', evalue: diags.join('; '), traceback: stderr.split('\n') };
  // A thrown error prints as `Name: message` followed by `    at …` frames; EdgeLab's errors are named after what went
  // wrong (`NotFound`, `InvalidInput`), not `…Error`, so look for the line the stack follows first.
  const lines = stderr.split('\n');
  const head = lines.findIndex((l, i) => /^\s+at /.test(lines[i + 1] ?? '') && /^[A-Za-z_$][\w$]*: /.test(l));
  const m = head >= 0 ? /^([A-Za-z_$][\w$]*): (.*)$/.exec(lines[head]!) : /^(\w*Error|\w*Exception)\b:?\s*(.*)$/m.exec(stderr);
  return {
    ename: m?.[1] ?? (r.status === 'aborted' ? 'Aborted' : 'Error'),
    evalue: m?.[2] ?? (stderr.trim().split('\n').slice(-1)[0] || `execute_reply status ${r.status}`),
    traceback: stderr ? stderr.split('\n') : [],
  };
}

/** Executes code cells in order; returns the executed notebook (a copy; the input is not modified). */
export async function runNotebook(input: string | Notebook, opts: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  const nb: Notebook = structuredClone(typeof input === 'string' ? readNotebook(input) : input);
  const cwd = opts.cwd ?? (typeof input === 'string' ? dirname(resolve(input)) : process.cwd());
  const own = !opts.kernel || typeof opts.kernel === 'string' || !('execute' in opts.kernel);
  const kernel = own
    ? await startKernel({ kind: (opts.kernel as KernelKind | undefined) ?? kindFor(nb), cwd, env: opts.env })
    : (opts.kernel as Kernel);
  const cellMs: Record<number, number> = {};
  try {
    const li = kernel.kernelInfo.language_info as Record<string, unknown> | undefined;
    if (li) nb.metadata.language_info = { ...li };
    for (let i = 0; i < nb.cells.length; i++) {
      const cell = nb.cells[i]!;
      if (cell.cell_type !== 'code') continue;
      cell.outputs = [];
      cell.execution_count = null;
      const code = sourceOf(cell);
      if (!code.trim()) continue;
      opts.onCell?.({ index: i, phase: 'start', cell });
      const c0 = Date.now();
      // a cell tagged `raises-exception` (nbclient's convention) is expected to fail: its error is kept and the run goes on
      const expectsError = Array.isArray(cell.metadata?.tags) && (cell.metadata.tags as unknown[]).includes('raises-exception');
      let result: ExecuteResult;
      try {
        result = await kernel.execute(code, {
          stopOnError: !expectsError,
          timeoutMs: opts.timeoutPerCellMs ?? 300_000,
          onOutput: (event) => {
            cell.outputs = event.outputs;
            opts.onCell?.({ index: i, phase: 'output', cell, event });
          },
        });
      } catch (e) {
        cellMs[i] = Date.now() - c0;
        const err = e as Error;
        const error = { ename: err.name, evalue: err.message, traceback: [] };
        cell.outputs = [...(cell.outputs ?? []), { output_type: 'error', ...error }];
        return { ok: false, notebook: nb, failedCell: i, error, cellMs, totalMs: Date.now() - t0 };
      }
      cellMs[i] = Date.now() - c0;
      cell.outputs = result.outputs;
      cell.execution_count = result.executionCount;
      for (const o of cell.outputs) if (o.output_type === 'execute_result') o.execution_count = result.executionCount;
      opts.onCell?.({ index: i, phase: 'end', cell, result });
      if (result.status !== 'ok' && !(expectsError && result.status === 'error'))
        return { ok: false, notebook: nb, failedCell: i, error: errorOf(result), cellMs, totalMs: Date.now() - t0 };
    }
    return { ok: true, notebook: nb, cellMs, totalMs: Date.now() - t0 };
  } finally {
    if (own) await kernel.shutdown();
  }
}
