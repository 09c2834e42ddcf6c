/**
 * The tour's report: one offline HTML file (no network). Every output shows its static fallback (image/svg+xml and
 * image/png as <img> data URIs, so scripts inside an SVG never run; text/html in a sandboxed iframe without
 * allow-scripts; else text/plain). With `figureScript` (the tour passes assets/report.js, built by assets.ts), EdgeLab
 * figures are also drawn by the VS Code renderer's drawing code (extension/renderer/render.ts, plotly bundled
 * offline): each figure is a `.edgelab-live` element carrying its payload, whose fallback the script replaces once the
 * figure is drawn. That script is the page's only script (external, same folder; no inline scripts).
 */
import type { Notebook, RunResult } from '../../extension/runner/notebook';
import type { NbOutput } from '../../extension/runner/kernel';
import { papers } from '../../kernel/papers';

export interface TourEntry {
  name: string;
  file: string;
  result: RunResult;
}
export interface Headline {
  metric: string;
  ours: string;
  paper: string;
}

const TABLE_MIME = 'application/vnd.edgelab.table.v1+json';

export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

interface TablePayload {
  columns: { key: string; label: string; format?: string }[];
  rows: Record<string, unknown>[];
}

export function formatValue(v: unknown, format?: string): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v !== 'number') return String(v);
  switch (format) {
    case 'int':
      return Math.round(v).toLocaleString('en-US');
    case 'fixed1':
    case 'fixed2':
    case 'fixed3':
    case 'fixed4':
      return v.toFixed(Number(format.slice(5)));
    case 'percent':
      return `${(v * 100).toFixed(1)}%`;
    case 'sci':
      return v.toExponential(2);
    default:
      return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  }
}

/** Headline from the last table figure: its first row's 'ours' and 'paper' columns (matched by key or label), else null. */
export function headlineOf(nb: Notebook): Headline | null {
  let table: TablePayload | null = null;
  for (const c of nb.cells)
    for (const o of c.outputs ?? []) {
      if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data[TABLE_MIME]) {
        const p = o.data[TABLE_MIME];
        try {
          table = (typeof p === 'string' ? JSON.parse(p) : p) as TablePayload;
        } catch {
          /* not JSON */
        }
      }
    }
  if (!table || !Array.isArray(table.columns) || !Array.isArray(table.rows) || !table.rows.length) return null;
  const find = (re: RegExp) => table.columns.find((c) => re.test(c.key) || re.test(c.label));
  const ours = find(/\bours\b/i);
  const paper = find(/\bpaper\b/i);
  if (!ours || !paper) return null;
  const row = table.rows[0]!;
  const metricCol = table.columns.find((c) => c !== ours && c !== paper && typeof row[c.key] === 'string');
  return {
    metric: metricCol ? String(row[metricCol.key]) : ours.label,
    ours: formatValue(row[ours.key], ours.format),
    paper: formatValue(row[paper.key], paper.format),
  };
}

const FIGURE_MIME = /^application\/vnd\.edgelab\.[a-z-]+\.v\d+\+json$/;

/** The EdgeLab figure payload of a display bundle, if it has one. */
function figurePayload(d: Record<string, unknown>): unknown {
  const mime = Object.keys(d).find((k) => FIGURE_MIME.test(k));
  if (!mime) return undefined;
  const v = d[mime];
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

function renderOutput(o: NbOutput, live = false): string {
  if (live && (o.output_type === 'display_data' || o.output_type === 'execute_result')) {
    const payload = figurePayload(o.data);
    if (payload !== undefined)
      return `<div class="edgelab-live" data-payload="${esc(JSON.stringify(payload))}">${renderOutput(o, false)}</div>`;
  }
  switch (o.output_type) {
    case 'stream':
      return `<pre class="stream ${o.name}">${esc(stripAnsi(joined(o.text)))}</pre>`;
    case 'error':
      return `<pre class="error">${esc(`${o.ename}: ${o.evalue}`)}\n${esc(stripAnsi(o.traceback.join('\n')))}</pre>`;
    default: {
      const d = o.data;
      if (d['image/svg+xml'] !== undefined)
        return `<img class="fig" alt="${esc(joined(d['text/plain']))}" src="data:image/svg+xml;base64,${Buffer.from(joined(d['image/svg+xml'])).toString('base64')}">`;
      if (d['image/png'] !== undefined)
        return `<img class="fig" alt="${esc(joined(d['text/plain']))}" src="data:image/png;base64,${joined(d['image/png']).replace(/\s/g, '')}">`;
      if (d['text/html'] !== undefined) return `<iframe class="html" sandbox="" srcdoc="${esc(joined(d['text/html']))}"></iframe>`;
      if (d['text/markdown'] !== undefined) return `<div class="md">${markdown(joined(d['text/markdown']))}</div>`;
      if (d['text/plain'] !== undefined) return `<pre class="plain">${esc(stripAnsi(joined(d['text/plain'])))}</pre>`;
      return `<pre class="plain">[${esc(Object.keys(d).join(', '))}]</pre>`;
    }
  }
}

/** A small, escaping Markdown subset: headings, paragraphs, lists, `code`, **bold**, *italic*. */
export function markdown(src: string): string {
  const inline = (s: string) =>
    esc(s)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
      .replace(/\*([^*]+)\*/g, '<i>$1</i>');
  const out: string[] = [];
  for (const block of src.split(/\n\s*\n/)) {
    const h = /^(#{1,6})\s+(.*)$/.exec(block.trim());
    if (h) {
      const n = Math.min(6, h[1]!.length + 1);
      out.push(`<h${n}>${inline(h[2]!)}</h${n}>`);
      continue;
    }
    const lines = block.trim().split('\n');
    if (lines.every((l) => /^\s*[-*]\s+/.test(l))) {
      out.push(`<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*]\s+/, ''))}</li>`).join('')}</ul>`);
      continue;
    }
    if (block.trim()) out.push(`<p>${inline(block.trim())}</p>`);
  }
  return out.join('\n');
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table.summary{border-collapse:collapse;margin:1em 0}table.summary td,table.summary th{border:1px solid #ccc;padding:4px 10px;text-align:left}
.ok{color:#186a18}.failed{color:#b00020}pre{background:#f6f8fa;padding:8px;overflow:auto;margin:4px 0}pre.stderr{background:#fff5e6}
pre.error{background:#fdecec}.cell{border-left:3px solid #ddd;padding-left:10px;margin:12px 0}.cell.failedcell{border-color:#b00020}
.src{background:#f0f3ff}img.fig{max-width:100%;display:block;margin:6px 0}iframe.html{width:100%;border:1px solid #eee;min-height:80px}
.count{color:#888;font-size:12px}h2{border-top:1px solid #ddd;padding-top:1em}.edgelab-live{margin:6px 0;max-width:100%;overflow-x:auto}`;

export interface ReportOptions {
  generatedAt: string;
  /** Relative URL of the figure script (the tour writes assets/report.js); without it the report is script-free. */
  figureScript?: string;
}

/** The paper a tour entry's notebook belongs to (from the paper index, kernel/papers.ts), as a table cell's HTML. */
export function paperCell(file: string): string {
  const p = papers.find((x) => x.notebook === file || x.notebook.endsWith(`/${file.split('/').pop()}`));
  if (!p) return '—';
  return `${esc(p.title.split(':')[0])}${p.arxiv ? ` <span class="count">arXiv ${esc(p.arxiv)}</span>` : ''} <code>el.${esc(p.namespace)}</code>`;
}

export function renderReport(entries: TourEntry[], opts: ReportOptions): string {
  const live = !!opts.figureScript;
  const rows = entries
    .map((e) => {
      const r = e.result;
      const h = headlineOf(r.notebook);
      const status = r.ok
        ? '<span class="ok">ok</span>'
        : `<span class="failed">failed${r.failedCell !== undefined ? ` at cell ${r.failedCell}` : ''}: ${esc(r.error?.ename)}: ${esc(r.error?.evalue)}</span>`;
      return `<tr><td><a href="#${esc(e.name)}">${esc(e.name)}</a></td><td>${paperCell(e.file)}</td><td>${status}</td><td>${(r.totalMs / 1000).toFixed(1)} s</td><td>${h ? esc(h.metric) : '—'}</td><td>${h ? esc(h.ours) : '—'}</td><td>${h ? esc(h.paper) : '—'}</td></tr>`;
    })
    .join('\n');
  const sections = entries
    .map((e) => {
      const r = e.result;
      const cells = r.notebook.cells
        .map((c, i) => {
          if (c.cell_type === 'markdown') return `<div class="cell md">${markdown(joined(c.source))}</div>`;
          if (c.cell_type !== 'code') return '';
          const ms = r.cellMs[i];
          const outs = (c.outputs ?? []).map((o) => renderOutput(o, live)).join('\n');
          return `<div class="cell${r.failedCell === i ? ' failedcell' : ''}"><div class="count">[${c.execution_count ?? ' '}]${ms !== undefined ? ` ${(ms / 1000).toFixed(1)} s` : ''}</div><pre class="src">${esc(joined(c.source))}</pre>${outs}</div>`;
        })
        .join('\n');
      return `<h2 id="${esc(e.name)}">${esc(e.name)}</h2><p><a href="${esc(e.file)}">executed notebook</a></p>\n${cells}`;
    })
    .join('\n');
  const failed = entries.filter((e) => !e.result.ok).length;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:${live ? ' blob:' : ''}; style-src 'unsafe-inline'; frame-src 'self'${live ? "; script-src 'self'" : ''}">
<title>EdgeLab tour</title><style>${CSS}</style>${live ? `<script src="${esc(opts.figureScript)}" defer></script>` : ''}</head><body>
<h1>EdgeLab tour</h1><p>${entries.length - failed} of ${entries.length} notebooks ran. Generated ${esc(opts.generatedAt)}.</p>
<p>API reference: <a href="../api/index.html">out/api/index.html</a> (every public verb with its options, units and defaults; <code>npm run docs</code>).</p>
<table class="summary"><tr><th>notebook</th><th>paper</th><th>status</th><th>time</th><th>headline</th><th>ours</th><th>paper</th></tr>
${rows}</table>
${sections}
</body></html>
`;
}
