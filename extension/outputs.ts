/**
 * Jupyter outputs → the plain description of VS Code output items (vscode-free, so it is unit-tested in Node).
 *
 * One nbformat output becomes one NotebookCellOutput whose metadata lets the built-in ipynb serializer save it
 * back unchanged: `{ outputType: 'display_data' | 'execute_result' | 'stream' | 'error', metadata, executionCount? }`.
 * A figure bundle becomes one item per MIME type, the EdgeLab vendor JSON first (so VS Code picks our renderer),
 * then images, HTML/markdown, and text/plain last.
 *
 * EdgeLab's kernel (runner/tslab-kernel.ts) sends failures as Jupyter `error` outputs naming the cell line, shown as
 * they are. Plain tslab reports them on stderr only: TypeScript errors as `L:C - message` lines, runtime errors as
 * Node's `evalmachine.<anonymous>:N` block (N counts lines of the *compiled* JS); for such a kernel `withFailure` turns
 * that into one error output that names the failing line of the cell source.
 */
import type { NbOutput } from './runner/kernel';

export type ItemSpec =
  | { mime: string; kind: 'json'; value: unknown }
  | { mime: string; kind: 'text'; value: string }
  | { mime: string; kind: 'bytes'; value: Uint8Array }
  | { mime: 'stdout' | 'stderr'; kind: 'stream'; value: string }
  | { mime: 'error'; kind: 'error'; value: { name: string; message: string; stack: string } };

export interface OutputSpec {
  items: ItemSpec[];
  metadata: Record<string, unknown>;
}

const joinText = (v: unknown): string => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : JSON.stringify(v));

/** Display order inside one output: vendor JSON (our renderer) first, text/plain last. */
export function mimeRank(mime: string): number {
  if (mime.startsWith('application/vnd.edgelab.')) return 0;
  if (mime.startsWith('application/vnd.')) return 1;
  if (mime === 'image/svg+xml') return 2;
  if (mime.startsWith('image/')) return 3;
  if (mime === 'text/html') return 4;
  if (mime === 'text/markdown') return 5;
  if (mime === 'application/json' || mime.endsWith('+json')) return 6;
  if (mime === 'text/plain') return 9;
  return 7;
}

/** One item per MIME of a Jupyter bundle. JSON MIME values may arrive as objects or as JSON text; both become JSON items. */
export function bundleItems(data: Record<string, unknown>): ItemSpec[] {
  const out: ItemSpec[] = [];
  for (const mime of Object.keys(data).sort((a, b) => mimeRank(a) - mimeRank(b) || a.localeCompare(b))) {
    const v = data[mime];
    if (mime === 'application/json' || /\+json$/.test(mime)) {
      let value: unknown = v;
      if (typeof v === 'string') {
        try {
          value = JSON.parse(v);
        } catch {
          out.push({ mime, kind: 'text', value: v });
          continue;
        }
      }
      out.push({ mime, kind: 'json', value });
    } else if (mime.startsWith('image/') && mime !== 'image/svg+xml') {
      // nbformat stores binary images as base64 text
      out.push({ mime, kind: 'bytes', value: new Uint8Array(Buffer.from(joinText(v).replace(/\s+/g, ''), 'base64')) });
    } else {
      out.push({ mime, kind: 'text', value: joinText(v) });
    }
  }
  return out;
}

/** nbformat output → output spec (items + serializer metadata). */
export function toOutputSpec(o: NbOutput, displayId?: string): OutputSpec {
  switch (o.output_type) {
    case 'stream':
      return { items: [{ mime: o.name, kind: 'stream', value: o.text }], metadata: { outputType: 'stream' } };
    case 'display_data':
      return {
        items: bundleItems(o.data),
        metadata: {
          outputType: 'display_data',
          metadata: o.metadata ?? {},
          ...(displayId ? { transient: { display_id: displayId } } : {}),
        },
      };
    case 'execute_result':
      return {
        items: bundleItems(o.data),
        metadata: { outputType: 'execute_result', metadata: o.metadata ?? {}, executionCount: o.execution_count },
      };
    case 'error':
      return {
        items: [{ mime: 'error', kind: 'error', value: { name: o.ename, message: o.evalue, stack: o.traceback.join('\n') } }],
        metadata: {
          outputType: 'error',
          originalError: { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback },
        },
      };
  }
}

export interface CellFailure {
  ename: string;
  evalue: string;
  /** 1-based line in the cell source, when it could be located. */
  line?: number;
  column?: number;
  lineText?: string;
  /** The kernel's report without tslab/node internals. */
  detail: string;
}

/** Frames that belong to tslab or node, not to the user's cell. */
const INTERNAL =
  /^\s+at (sigintHandlersWrap|Script\.runInThisContext|Object\.runInThisContext|Object\.execute|JupyterHandlerImpl|async JupyterHandlerImpl|node:)|^\s+at .*[\\/]node_modules[\\/](tslab|@tslab|commander)[\\/]|^\s+at .*\(node:/;

/**
 * Reads tslab's stderr report of a failed cell.
 *  - TypeScript errors: `2:7 - Type 'string' is not assignable to type 'number'.` (line:column in the cell source);
 *  - runtime errors: `evalmachine.<anonymous>:N\n<the compiled source line>\n    ^\n\nError: boom\n    at …`; the compiled
 *    line is looked up in the cell source to find the TypeScript line.
 */
export function analyzeFailure(stderr: string, source: string): CellFailure | null {
  const text = stderr.replace(/\r\n/g, '\n');
  const lines = source.split('\n');
  const ts = /^(\d+):(\d+) - (.*)$/m.exec(text);
  if (ts) {
    const line = Number(ts[1]);
    return { ename: 'TypeScriptError', evalue: ts[3]!, line, column: Number(ts[2]), lineText: lines[line - 1], detail: text.trim() };
  }
  const m = /^(?:evalmachine\.<anonymous>|[^\n]*):(\d+)\n(.*)\n\s*\^+\s*\n/m.exec(text);
  const errLine =
    /^([A-Za-z_$][\w$]*(?:Error|Exception|Interrupt)?|Uncaught [\w$]+): (.*)$/m.exec(m ? text.slice(m.index + m[0].length) : text) ??
    /^([A-Za-z_$][\w$]*Error): ?(.*)$/m.exec(text);
  if (!m && !errLine) return null;
  const detail = text
    .split('\n')
    .filter((l) => !INTERNAL.test(l))
    .join('\n')
    .trim();
  const f: CellFailure = { ename: errLine?.[1] ?? 'Error', evalue: errLine?.[2] ?? text.trim().split('\n').pop() ?? '', detail };
  if (m) {
    const printed = m[2]!.trim();
    const at = printed ? lines.findIndex((l) => l.trim() === printed) : -1;
    const loose = at >= 0 || !printed ? at : lines.findIndex((l) => l.trim() && printed.includes(l.trim()));
    if (loose >= 0) {
      f.line = loose + 1;
      f.lineText = lines[loose];
    }
  }
  return f;
}

/** The error output shown for a failed cell: name, message and the failing line of the cell. */
export function failureOutput(f: CellFailure): NbOutput {
  const where = f.line ? `line ${f.line}${f.column ? `:${f.column}` : ''}: ${f.lineText?.trim() ?? ''}` : '';
  return {
    output_type: 'error',
    ename: f.ename,
    evalue: where ? `${f.evalue} (at ${where})` : f.evalue,
    traceback: [...(where ? [`at cell ${where}`] : []), ...f.detail.split('\n')],
  };
}

/**
 * Outputs of a failed cell: when the kernel sent no `error` output, the last stderr stream that explains the failure is
 * replaced by one error output (so the saved notebook carries a proper nbformat error). Returns null if nothing changes.
 */
export function withFailure(
  outputs: NbOutput[],
  source: string,
  reply: Record<string, unknown>,
): { outputs: NbOutput[]; index: number; failure: NbOutput } | null {
  if (outputs.some((o) => o.output_type === 'error')) return null;
  for (let i = outputs.length - 1; i >= 0; i--) {
    const o = outputs[i]!;
    if (o.output_type !== 'stream' || o.name !== 'stderr') continue;
    const f = analyzeFailure(o.text, source);
    if (!f) continue;
    const failure = failureOutput(f);
    const next = outputs.slice();
    next[i] = failure;
    return { outputs: next, index: i, failure };
  }
  if (typeof reply.ename === 'string') {
    const failure: NbOutput = {
      output_type: 'error',
      ename: reply.ename,
      evalue: String(reply.evalue ?? ''),
      traceback: Array.isArray(reply.traceback) ? reply.traceback.map(String) : [],
    };
    return { outputs: [...outputs, failure], index: outputs.length, failure };
  }
  return null;
}
