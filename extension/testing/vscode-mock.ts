/**
 * A tiny stand-in for the `vscode` module so extension logic runs in plain Node unit tests (as vscode-jupyter's
 * vscode-mock does). Import this module FIRST in a test file: it makes `require('vscode')` return `vscodeMock`.
 * It records what the code under test does (registered commands, controllers, executions and their outputs).
 */
import Module from 'node:module';

type Listener<T> = (e: T) => void;
export class EventEmitter<T> {
  private ls: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.ls.push(l);
    return {
      dispose: () => {
        this.ls = this.ls.filter((x) => x !== l);
      },
    };
  };
  fire(e: T) {
    for (const l of this.ls) l(e);
  }
  dispose() {
    this.ls = [];
  }
}

export class NotebookCellOutputItem {
  constructor(
    public data: Uint8Array,
    public mime: string,
  ) {}
  static text(v: string, mime = 'text/plain') {
    return new NotebookCellOutputItem(Buffer.from(v), mime);
  }
  static json(v: unknown, mime = 'text/x-json') {
    return new NotebookCellOutputItem(Buffer.from(JSON.stringify(v, undefined, '\t')), mime);
  }
  static stdout(v: string) {
    return NotebookCellOutputItem.text(v, 'application/vnd.code.notebook.stdout');
  }
  static stderr(v: string) {
    return NotebookCellOutputItem.text(v, 'application/vnd.code.notebook.stderr');
  }
  static error(e: Error) {
    return NotebookCellOutputItem.json({ name: e.name, message: e.message, stack: e.stack }, 'application/vnd.code.notebook.error');
  }
  /** Test helper: the item as text. */
  get text() {
    return Buffer.from(this.data).toString('utf8');
  }
}
let outputIds = 0;
export class NotebookCellOutput {
  id = `out-${++outputIds}`;
  constructor(
    public items: NotebookCellOutputItem[],
    public metadata?: Record<string, unknown>,
  ) {}
}

export class CancellationTokenSource {
  private em = new EventEmitter<void>();
  token = { isCancellationRequested: false, onCancellationRequested: this.em.event };
  cancel() {
    this.token.isCancellationRequested = true;
    this.em.fire();
  }
}

/** One recorded cell execution. Outputs live on the cell (as in VS Code), so a later execution can update them. */
export class MockExecution {
  executionOrder: number | undefined;
  started = false;
  startTime: number | undefined;
  ended: boolean | undefined | 'pending' = 'pending';
  get outputs(): NotebookCellOutput[] {
    return this.cell.outputs;
  }
  set outputs(o: NotebookCellOutput[]) {
    this.cell.outputs = o;
  }
  cts = new CancellationTokenSource();
  get token() {
    return this.cts.token;
  }
  constructor(public cell: MockCell) {}
  start(t?: number) {
    if (this.cell.executing) throw new Error('cell is already executing');
    this.cell.executing = true;
    this.started = true;
    this.startTime = t;
  }
  end(success: boolean | undefined, t?: number) {
    this.cell.executing = false;
    this.ended = success;
    this.cell.executionSummary = {
      executionOrder: this.executionOrder,
      success,
      timing: { startTime: this.startTime ?? 0, endTime: t ?? 0 },
    };
  }
  async clearOutput() {
    this.outputs = [];
  }
  async replaceOutput(o: NotebookCellOutput | NotebookCellOutput[]) {
    this.outputs = Array.isArray(o) ? [...o] : [o];
  }
  async appendOutput(o: NotebookCellOutput | NotebookCellOutput[]) {
    this.outputs.push(...(Array.isArray(o) ? o : [o]));
  }
  async replaceOutputItems(items: NotebookCellOutputItem[], output: NotebookCellOutput) {
    const t = this.outputs.find((x) => x === output || x.id === output.id);
    if (!t) throw new Error('replaceOutputItems: unknown output');
    t.items = items;
  }
}

export enum NotebookCellKind {
  Markup = 1,
  Code = 2,
}
export class MockCell {
  kind = NotebookCellKind.Code;
  outputs: NotebookCellOutput[] = [];
  executing = false;
  executionSummary: { executionOrder?: number; success?: boolean; timing?: { startTime: number; endTime: number } } | undefined;
  document: { uri: { toString(): string }; getText(): string };
  constructor(
    public source: string,
    public index = 0,
    kind: NotebookCellKind = NotebookCellKind.Code,
  ) {
    this.kind = kind;
    this.document = { uri: { toString: () => `cell:${index}` }, getText: () => source };
  }
}

export const state = {
  commands: new Map<string, (...a: unknown[]) => unknown>(),
  controllers: [] as MockController[],
  executions: [] as MockExecution[],
  messages: [] as string[],
  statusItems: [] as MockStatusBarItem[],
  settings: {} as Record<string, unknown>,
  activeNotebookEditor: undefined as unknown,
  quickPicks: [] as unknown[],
  notebookDocuments: [] as unknown[],
  completionProviders: [] as { selector: unknown; provider: any; triggers: string[] }[],
  hoverProviders: [] as { selector: unknown; provider: any }[],
};

export class Range {
  constructor(
    public start: unknown,
    public end: unknown,
  ) {}
}
export class CompletionItem {
  range: unknown;
  sortText?: string;
  detail?: string;
  constructor(
    public label: string,
    public kind?: number,
  ) {}
}
export class CompletionList {
  constructor(
    public items: CompletionItem[],
    public isIncomplete = false,
  ) {}
}
export class MarkdownString {
  value = '';
  appendCodeblock(code: string, lang = '') {
    this.value += `\n\`\`\`${lang}\n${code}\n\`\`\`\n`;
    return this;
  }
  appendText(t: string) {
    this.value += t;
    return this;
  }
  appendMarkdown(t: string) {
    this.value += t;
    return this;
  }
}
export class Hover {
  constructor(
    public contents: MarkdownString,
    public range?: unknown,
  ) {}
}

export class MockController {
  supportedLanguages: string[] = [];
  supportsExecutionOrder = false;
  description = '';
  detail = '';
  executeHandler: ((cells: MockCell[], nb: unknown, c: unknown) => unknown) | undefined;
  interruptHandler: ((nb: unknown) => unknown) | undefined;
  affinity = new Map<unknown, number>();
  constructor(
    public id: string,
    public notebookType: string,
    public label: string,
  ) {}
  selection = new EventEmitter<{ notebook: unknown; selected: boolean }>();
  onDidChangeSelectedNotebooks = this.selection.event;
  createNotebookCellExecution(cell: MockCell) {
    const e = new MockExecution(cell);
    state.executions.push(e);
    return e;
  }
  updateNotebookAffinity(nb: unknown, a: number) {
    this.affinity.set(nb, a);
  }
  dispose() {}
}

export class MockStatusBarItem {
  text = '';
  tooltip: unknown = '';
  name = '';
  command: unknown;
  visible = false;
  constructor(
    public id: string,
    public alignment: number,
    public priority: number,
  ) {}
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  dispose() {}
}
const activeEditorChanged = new EventEmitter<unknown>();
/** Fire with `{ affectsConfiguration(key) }` to simulate a settings change. */
export const configurationChanged = new EventEmitter<{ affectsConfiguration(key: string, scope?: unknown): boolean }>();
/** Test helper: make `nb` the active notebook editor's document (undefined: no notebook editor). */
export function setActiveNotebook(nb: unknown) {
  state.activeNotebookEditor = nb ? { notebook: nb } : undefined;
  activeEditorChanged.fire(state.activeNotebookEditor);
}

const disposable = { dispose() {} };
export const vscodeMock = {
  EventEmitter,
  Range,
  CompletionItem,
  CompletionList,
  MarkdownString,
  Hover,
  NotebookCellOutputItem,
  NotebookCellOutput,
  NotebookCellKind,
  CancellationTokenSource,
  NotebookControllerAffinity: { Default: 1, Preferred: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  CompletionItemKind: { Variable: 5 },
  ViewColumn: { Active: -1, One: 1 },
  Uri: {
    file: (p: string) => ({ scheme: 'file', fsPath: p, path: p, toString: () => `file://${p}` }),
    joinPath: (u: { fsPath: string }, ...parts: string[]) => vscodeMock.Uri.file([u.fsPath, ...parts].join('/')),
  },
  notebooks: {
    createNotebookController: (id: string, type: string, label: string) => {
      const c = new MockController(id, type, label);
      state.controllers.push(c);
      return c;
    },
  },
  workspace: {
    get notebookDocuments() {
      return state.notebookDocuments;
    },
    workspaceFolders: undefined as unknown,
    onDidOpenNotebookDocument: () => disposable,
    onDidCloseNotebookDocument: () => disposable,
    onDidChangeConfiguration: configurationChanged.event,
    getWorkspaceFolder: () => undefined,
    getConfiguration: (section: string) => ({ get: (k: string) => state.settings[`${section}.${k}`] }),
  },
  window: {
    createOutputChannel: () => ({ appendLine: (m: string) => state.messages.push(m), dispose() {} }),
    showInformationMessage: (m: string) => {
      state.messages.push(m);
      return Promise.resolve(undefined);
    },
    showErrorMessage: (m: string) => {
      state.messages.push(m);
      return Promise.resolve(undefined);
    },
    get activeNotebookEditor() {
      return state.activeNotebookEditor;
    },
    onDidChangeActiveNotebookEditor: activeEditorChanged.event,
    createStatusBarItem: (id: string, alignment: number, priority: number) => {
      const it = new MockStatusBarItem(id, alignment, priority);
      state.statusItems.push(it);
      return it;
    },
    showWarningMessage: (m: string) => {
      state.messages.push(m);
      return Promise.resolve(undefined);
    },
    showQuickPick: (items: unknown) => {
      state.quickPicks.push(items);
      return Promise.resolve(undefined);
    },
  },
  commands: {
    registerCommand: (id: string, f: (...a: unknown[]) => unknown) => {
      state.commands.set(id, f);
      return disposable;
    },
    executeCommand: () => Promise.resolve(undefined),
  },
  languages: {
    registerCompletionItemProvider: (selector: unknown, provider: unknown, ...triggers: string[]) => {
      state.completionProviders.push({ selector, provider, triggers });
      return disposable;
    },
    registerHoverProvider: (selector: unknown, provider: unknown) => {
      state.hoverProviders.push({ selector, provider });
      return disposable;
    },
  },
};

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const M = Module as unknown as { _load: Load };
const orig = M._load;
M._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === 'vscode') return vscodeMock;
  return orig.call(this, request, parent, isMain);
};
