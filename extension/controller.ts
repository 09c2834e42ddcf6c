/**
 * The "EdgeLab (TypeScript)" NotebookController for .ipynb (notebook type 'jupyter-notebook'): runs cells on a tslab
 * kernel through the runner (extension/runner/kernel.ts), one kernel per notebook, started on first run.
 *
 *  - execution order from the kernel's execute_reply; cells of one request run in order; a failing or interrupted cell
 *    stops the cells queued after it (as Jupyter does);
 *  - stdout/stderr streams, display_data and execute_result become outputs with serializer metadata (outputs.ts);
 *  - update_display_data (progress bars) replaces the items of the output it targets in place: the runner reports the
 *    index of the updated output, and we keep the NotebookCellOutput per index and per display_id; an update that
 *    arrives after its cell ended (a background timer, a job's progress) opens a short execution on that cell to
 *    replace the items, keeping the cell's order, timing and result (applyLateUpdate);
 *  - kernel status for the status bar (status.ts): starting/busy/idle, and from each execute_reply the backend
 *    el.init() chose and the kernel's memory;
 *  - a failed cell shows the kernel's error output (EdgeLab's kernel names the cell line; plain tslab's stderr report is turned into one);
 *  - interrupt (toolbar stop button / EdgeLab: Interrupt Kernel) sends SIGINT; restart starts a fresh kernel;
 *  - completion and hover come from the kernel's complete/inspect replies (providers.ts).
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import type { ExecuteResult, Kernel, NbOutput, OutputEvent } from './runner/kernel';
import { toOutputSpec, withFailure, type OutputSpec } from './outputs';

export const CONTROLLER_ID = 'edgelab.tslab';
export const CONTROLLER_LABEL = 'EdgeLab (TypeScript)';

/** Starts a kernel for a notebook whose folder is `cwd` (injected so tests can use a fake kernel). */
export type KernelFactory = (cwd: string, notebook: vscode.NotebookDocument) => Promise<Kernel>;

export function toCellOutput(o: NbOutput, displayId?: string): vscode.NotebookCellOutput {
  return specToOutput(toOutputSpec(o, displayId));
}

export function specToOutput(spec: OutputSpec): vscode.NotebookCellOutput {
  const items = spec.items.map((it) => {
    switch (it.kind) {
      case 'stream':
        return it.mime === 'stderr' ? vscode.NotebookCellOutputItem.stderr(it.value) : vscode.NotebookCellOutputItem.stdout(it.value);
      case 'error': {
        const e = new Error(it.value.message);
        e.name = it.value.name;
        e.stack = it.value.stack;
        return vscode.NotebookCellOutputItem.error(e);
      }
      case 'json':
        return vscode.NotebookCellOutputItem.json(it.value, it.mime);
      case 'text':
        return vscode.NotebookCellOutputItem.text(it.value, it.mime);
      case 'bytes':
        return new vscode.NotebookCellOutputItem(it.value, it.mime);
    }
  });
  return new vscode.NotebookCellOutput(items, spec.metadata);
}

/** What the status bar shows for a notebook's kernel (status.ts). */
export interface KernelUiStatus {
  state: 'not started' | 'starting' | 'idle' | 'busy' | 'failed';
  /** Compute backend el.init() chose in the kernel (null until a cell has called it). */
  backend: string | null;
  /** Resident memory of the kernel process after the last cell, in bytes. */
  rssBytes: number | null;
}

interface Session {
  kernel?: Promise<Kernel>;
  queue: Promise<void>;
  /** Bumped by interrupt/restart: batches started before stop queuing further cells. */
  epoch: number;
  /** display_id → the cell outputs showing it (the NotebookCellOutput objects we created), for updates after the cell ended. */
  displays: Map<string, { cell: vscode.NotebookCell; output: vscode.NotebookCellOutput }[]>;
  /** Late display updates applied one after another (each opens a short execution on its cell). */
  late: Promise<void>;
  /** The cell running now and its execution (late updates to it go through this execution). */
  running?: { cell: vscode.NotebookCell; exec: vscode.NotebookCellExecution };
  status: KernelUiStatus;
  unsubscribe?: () => void;
}

export class EdgeLabController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private sessions = new Map<string, Session>();
  private disposables: vscode.Disposable[] = [];
  readonly log: vscode.OutputChannel | undefined;
  private readonly statusEmitter = new vscode.EventEmitter<vscode.NotebookDocument>();
  /** Fires when a notebook's kernel status (state, backend, memory) changes; read it with statusOf(). */
  readonly onDidChangeStatus = this.statusEmitter.event;
  private selected = new Set<string>();
  private readonly selectionEmitter = new vscode.EventEmitter<vscode.NotebookDocument>();
  /** Fires when a notebook selects or leaves this controller. */
  readonly onDidChangeSelection = this.selectionEmitter.event;

  constructor(
    private readonly startKernelFor: KernelFactory,
    log?: vscode.OutputChannel,
  ) {
    this.log = log;
    const c = vscode.notebooks.createNotebookController(CONTROLLER_ID, 'jupyter-notebook', CONTROLLER_LABEL);
    c.supportedLanguages = ['typescript', 'javascript'];
    c.supportsExecutionOrder = true;
    c.description = 'tslab kernel with the edgelab library';
    c.detail = 'Runs cells in a tslab kernel started by the EdgeLab extension (no Jupyter needed).';
    c.executeHandler = (cells, nb) => this.execute(cells, nb);
    c.interruptHandler = (nb) => this.interrupt(nb);
    this.controller = c;
    this.disposables.push(
      c,
      c.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (selected) this.selected.add(notebook.uri.toString());
        else this.selected.delete(notebook.uri.toString());
        this.selectionEmitter.fire(notebook);
      }),
    );
    for (const nb of vscode.workspace.notebookDocuments) this.prefer(nb);
    this.disposables.push(
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.prefer(nb)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => {
        void this.shutdown(nb);
      }),
    );
  }

  /** EdgeLab notebooks (tslab kernelspec or TypeScript language) prefer this controller. */
  prefer(nb: vscode.NotebookDocument): void {
    if (nb.notebookType !== 'jupyter-notebook') return;
    const md = (nb.metadata?.metadata ?? nb.metadata ?? {}) as {
      kernelspec?: { name?: string; language?: string };
      language_info?: { name?: string };
    };
    const lang = md.kernelspec?.language ?? md.language_info?.name;
    if (md.kernelspec?.name === 'tslab' || lang === 'typescript')
      this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
  }

  private session(nb: vscode.NotebookDocument): Session {
    const key = nb.uri.toString();
    let s = this.sessions.get(key);
    if (!s) {
      s = {
        queue: Promise.resolve(),
        epoch: 0,
        displays: new Map(),
        late: Promise.resolve(),
        status: { state: 'not started', backend: null, rssBytes: null },
      };
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Whether a notebook runs on this controller (selected in the kernel picker, or has run a cell here). */
  isSelectedFor(nb: vscode.NotebookDocument): boolean {
    const key = nb.uri.toString();
    return this.selected.has(key) || this.sessions.has(key);
  }

  /** The kernel status of a notebook (state 'not started' when no cell has run). */
  statusOf(nb: vscode.NotebookDocument): KernelUiStatus {
    return this.sessions.get(nb.uri.toString())?.status ?? { state: 'not started', backend: null, rssBytes: null };
  }

  private setStatus(nb: vscode.NotebookDocument, s: Session, patch: Partial<KernelUiStatus>): void {
    s.status = { ...s.status, ...patch };
    this.statusEmitter.fire(nb);
  }

  /**
   * An update_display_data that arrived after its cell ended (a background timer, a job's progress): VS Code only lets
   * an execution change outputs, so open a short execution on the cell that shows the display, replace the output's
   * items, and end it with the cell's previous order, timing and result (the cell is not re-run).
   */
  private applyLateUpdate(nb: vscode.NotebookDocument, s: Session, displayId: string, o: NbOutput): void {
    const targets = s.displays.get(displayId);
    if (!targets?.length) return;
    const items = toCellOutput(o, displayId).items;
    s.late = s.late.then(async () => {
      for (const t of targets) {
        try {
          if (s.running?.cell === t.cell) {
            await s.running.exec.replaceOutputItems(items, t.output);
            continue;
          }
          const before = t.cell.executionSummary;
          const exec = this.controller.createNotebookCellExecution(t.cell);
          if (before?.executionOrder !== undefined) exec.executionOrder = before.executionOrder;
          exec.start(before?.timing?.startTime ?? Date.now());
          try {
            await exec.replaceOutputItems(items, t.output);
          } finally {
            exec.end(before?.success, before?.timing?.endTime ?? Date.now());
          }
        } catch (e) {
          // the output is gone (cell re-run or cleared) or the cell is queued to run: the update has nothing to show
          this.log?.appendLine(`display ${displayId}: late update not shown (${(e as Error).message})`);
        }
      }
    });
  }

  /** The running kernel of a notebook, if one was started (completion and hover never start one). */
  async runningKernel(nb: vscode.NotebookDocument): Promise<Kernel | undefined> {
    const k = this.sessions.get(nb.uri.toString())?.kernel;
    if (!k) return undefined;
    try {
      const kernel = await k;
      return kernel.isAlive ? kernel : undefined;
    } catch {
      return undefined;
    }
  }

  private kernelOf(nb: vscode.NotebookDocument, s: Session): Promise<Kernel> {
    if (!s.kernel) {
      const cwd = nb.uri.scheme === 'file' ? dirname(nb.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
      this.setStatus(nb, s, { state: 'starting' });
      s.kernel = this.startKernelFor(cwd, nb);
      s.kernel.then(
        (k) => {
          s.unsubscribe?.();
          s.unsubscribe = k.onLateDisplayUpdate?.((u) => this.applyLateUpdate(nb, s, u.displayId, u.output));
          this.setStatus(nb, s, { state: 'busy' });
        },
        () => {
          s.kernel = undefined;
          this.setStatus(nb, s, { state: 'failed' });
        },
      );
    }
    return s.kernel;
  }

  execute(cells: vscode.NotebookCell[], nb: vscode.NotebookDocument): Promise<void> {
    const s = this.session(nb);
    const execs = cells.filter((c) => c.kind === vscode.NotebookCellKind.Code).map((c) => this.controller.createNotebookCellExecution(c));
    const epoch = s.epoch;
    const run = s.queue.then(() => this.runBatch(execs, nb, s, epoch));
    s.queue = run.catch(() => undefined);
    return run;
  }

  private async runBatch(execs: vscode.NotebookCellExecution[], nb: vscode.NotebookDocument, s: Session, epoch: number): Promise<void> {
    let stop = false;
    for (const exec of execs) {
      if (stop || s.epoch !== epoch || exec.token.isCancellationRequested) {
        exec.start(Date.now());
        exec.end(undefined, Date.now());
        continue;
      }
      if (s.kernel) this.setStatus(nb, s, { state: 'busy' });
      s.running = { cell: exec.cell, exec };
      try {
        const ok = await this.runCell(exec, nb, s);
        if (!ok) stop = true;
      } finally {
        s.running = undefined;
      }
    }
    if (s.status.state === 'busy') this.setStatus(nb, s, { state: 'idle' });
  }

  /** Runs one cell; resolves false if it failed or was interrupted. */
  async runCell(exec: vscode.NotebookCellExecution, nb: vscode.NotebookDocument, s: Session): Promise<boolean> {
    exec.start(Date.now());
    await exec.clearOutput();
    const source = exec.cell.document.getText();
    let kernel: Kernel;
    try {
      kernel = await this.kernelOf(nb, s);
    } catch (e) {
      const err = e as Error;
      await exec.replaceOutput([
        toCellOutput({
          output_type: 'error',
          ename: 'KernelStartError',
          evalue: `the EdgeLab kernel did not start: ${err.message}`,
          traceback: (err.stack ?? '').split('\n'),
        }),
      ]);
      exec.end(false, Date.now());
      return false;
    }
    const cancel = exec.token.onCancellationRequested(() => {
      void kernel.interrupt();
    });
    const shown: vscode.NotebookCellOutput[] = [];
    let chain: Promise<unknown> = Promise.resolve();
    const enqueue = (f: () => Thenable<unknown>) => {
      chain = chain.then(f, f);
    };
    const onOutput = (e: OutputEvent) => {
      if (e.kind === 'append') {
        const o = toCellOutput(e.output, e.displayId);
        shown[e.index] = o;
        if (e.displayId) s.displays.set(e.displayId, [...(s.displays.get(e.displayId) ?? []), { cell: exec.cell, output: o }]);
        enqueue(() => exec.appendOutput(o));
      } else if (e.kind === 'update') {
        const target = shown[e.index];
        if (!target) return;
        const fresh = toCellOutput(e.output, e.displayId || undefined);
        enqueue(() => exec.replaceOutputItems(fresh.items, target));
      } else {
        shown.length = 0;
        enqueue(() => exec.clearOutput());
      }
    };
    let result: ExecuteResult;
    try {
      result = await kernel.execute(source, { onOutput, stopOnError: false });
    } catch (e) {
      cancel.dispose();
      await chain;
      const err = e as Error;
      await exec.appendOutput(toCellOutput({ output_type: 'error', ename: err.name, evalue: err.message, traceback: [] }));
      exec.end(false, Date.now());
      return false;
    }
    cancel.dispose();
    await chain;
    const ks = result.reply?.edgelab as { backend?: unknown; rssBytes?: unknown } | undefined;
    if (ks && typeof ks === 'object')
      this.setStatus(nb, s, {
        backend: typeof ks.backend === 'string' ? ks.backend : s.status.backend,
        rssBytes: typeof ks.rssBytes === 'number' ? ks.rssBytes : s.status.rssBytes,
      });
    if (result.executionCount !== null) exec.executionOrder = result.executionCount;
    if (result.status !== 'ok') {
      // EdgeLab's kernel already sent an error output (then this does nothing); plain tslab reports the failure on
      // stderr: show (and save) it as one error output naming the failing line
      const f = withFailure(result.outputs, source, result.reply);
      if (f) {
        // clear + append rather than replaceOutput: VS Code's output webview merges adjacent stream outputs and kept
        // showing the replaced stderr block after a replaceOutput (code-server 4.100.3)
        await exec.clearOutput();
        await exec.appendOutput(f.outputs.map((o) => toCellOutput(o)));
      }
    }
    exec.end(result.status === 'ok', Date.now());
    return result.status === 'ok';
  }

  async interrupt(nb: vscode.NotebookDocument): Promise<void> {
    const s = this.sessions.get(nb.uri.toString());
    if (!s) return;
    s.epoch++;
    const k = await this.runningKernel(nb);
    await k?.interrupt();
  }

  /**
   * Restart: a new kernel process from the factory, not the old process respawned with its old environment, so the
   * settings of now (settings.ts: they reach the kernel as environment variables) apply to the fresh kernel.
   */
  async restart(nb: vscode.NotebookDocument): Promise<boolean> {
    const s = this.sessions.get(nb.uri.toString());
    const k = s && (await this.runningKernel(nb));
    if (!s || !k) return false;
    s.epoch++;
    s.displays.clear();
    s.unsubscribe?.();
    s.unsubscribe = undefined;
    this.setStatus(nb, s, { state: 'starting', backend: null, rssBytes: null });
    await k.shutdown().catch(() => undefined);
    s.kernel = undefined;
    await this.kernelOf(nb, s);
    this.setStatus(nb, s, { state: 'idle' });
    return true;
  }

  /** Notebooks whose kernel is running now. */
  async runningNotebooks(): Promise<vscode.NotebookDocument[]> {
    const open = vscode.workspace.notebookDocuments.filter((nb) => this.sessions.has(nb.uri.toString()));
    const alive = await Promise.all(open.map(async (nb) => ((await this.runningKernel(nb)) ? nb : undefined)));
    return alive.filter((nb): nb is vscode.NotebookDocument => !!nb);
  }

  async shutdown(nb: vscode.NotebookDocument): Promise<void> {
    const key = nb.uri.toString();
    const s = this.sessions.get(key);
    this.sessions.delete(key);
    s?.unsubscribe?.();
    const k = s?.kernel ? await s.kernel.catch(() => undefined) : undefined;
    await k?.shutdown().catch(() => undefined);
    this.statusEmitter.fire(nb);
  }

  /** The notebook a cell's text document belongs to. */
  notebookOf(doc: vscode.TextDocument): vscode.NotebookDocument | undefined {
    const key = doc.uri.toString();
    return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === key));
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      all.map(async (s) => {
        const k = s.kernel ? await s.kernel.catch(() => undefined) : undefined;
        await k?.shutdown().catch(() => undefined);
      }),
    );
    for (const d of this.disposables) d.dispose();
    this.statusEmitter.dispose();
    this.selectionEmitter.dispose();
  }
}
