/**
 * Completion and hover in TypeScript cells of .ipynb notebooks, answered by the notebook's running EdgeLab kernel
 * (complete_request / inspect_request). No kernel running → no items (they never start one).
 */
import * as vscode from 'vscode';
import type { EdgeLabController } from './controller';

export const CELL_SELECTOR: vscode.DocumentSelector = [
  { notebookType: 'jupyter-notebook', language: 'typescript' },
  { notebookType: 'jupyter-notebook', language: 'javascript' },
];

/** Jupyter counts cursor positions in Unicode code points; VS Code offsets count UTF-16 units. */
export function toCodePoints(text: string, utf16Offset: number): number {
  return [...text.slice(0, utf16Offset)].length;
}
export function fromCodePoints(text: string, cp: number): number {
  return [...text].slice(0, cp).join('').length;
}

export function registerProviders(ctl: EdgeLabController): vscode.Disposable[] {
  const kernelFor = async (doc: vscode.TextDocument) => {
    const nb = ctl.notebookOf(doc);
    return nb ? ctl.runningKernel(nb) : undefined;
  };
  const completion = vscode.languages.registerCompletionItemProvider(
    CELL_SELECTOR,
    {
      async provideCompletionItems(doc, pos, token) {
        const k = await kernelFor(doc);
        if (!k || token.isCancellationRequested) return undefined;
        const text = doc.getText();
        const r = await k.complete(text, toCodePoints(text, doc.offsetAt(pos))).catch(() => undefined);
        if (!r || r.status !== 'ok' || !r.matches?.length) return undefined;
        const range = new vscode.Range(
          doc.positionAt(fromCodePoints(text, r.cursor_start)),
          doc.positionAt(fromCodePoints(text, r.cursor_end)),
        );
        return new vscode.CompletionList(
          r.matches.map((m, i) => {
            const item = new vscode.CompletionItem(m, vscode.CompletionItemKind.Variable);
            item.range = range;
            item.sortText = String(i).padStart(5, '0');
            item.detail = 'EdgeLab kernel';
            return item;
          }),
          false,
        );
      },
    },
    '.',
  );
  const hover = vscode.languages.registerHoverProvider(CELL_SELECTOR, {
    async provideHover(doc, pos, token) {
      const k = await kernelFor(doc);
      if (!k || token.isCancellationRequested) return undefined;
      const text = doc.getText();
      const r = await k.inspect(text, toCodePoints(text, doc.offsetAt(pos)), 0).catch(() => undefined);
      const info = r?.found ? r.data?.['text/plain'] : undefined;
      if (typeof info !== 'string' || !info.trim()) return undefined;
      const [sig, ...doc_] = info.split('\n');
      const md = new vscode.MarkdownString();
      md.appendCodeblock(sig!, 'typescript');
      const rest = doc_.join('\n').trim();
      if (rest) md.appendText(rest);
      md.appendMarkdown('\n\n*EdgeLab kernel*');
      return new vscode.Hover(md, doc.getWordRangeAtPosition(pos));
    },
  });
  return [completion, hover];
}
