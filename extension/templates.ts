/**
 * Paper tutorials shipped in the extension's notebooks/ folder, offered by "EdgeLab: New Notebook from Template…"
 * and copied into the user's folder (vscode-free). Each tutorial is matched to its paper through the paper index
 * (kernel/papers.ts), which also gives the picker's order: the welcome notebook, then the papers as the index lists them.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { foundation, papers, type Paper } from '../kernel/papers';

export interface Template {
  file: string;
  /** File name, e.g. 00-welcome.ipynb. */
  name: string;
  /** The first markdown heading, or the file name. */
  title: string;
  /** First sentence after the heading (quick pick detail). */
  detail: string;
  /** The paper this tutorial belongs to (kernel/papers.ts), if any. */
  paper?: Paper;
  /** Quick pick description: the file name, plus the paper's arXiv id and namespace. */
  description: string;
}

/** The paper whose tutorial is this file name, if any. */
export function paperOfNotebook(name: string): Paper | undefined {
  return papers.find((p) => basename(p.notebook) === name);
}

function text(src: unknown): string {
  return Array.isArray(src) ? src.join('') : typeof src === 'string' ? src : '';
}

export function describeNotebook(file: string): Template {
  const name = basename(file);
  let title = name.replace(/\.ipynb$/, '');
  let detail = '';
  try {
    const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells?: { cell_type: string; source: unknown }[] };
    const md = nb.cells?.find((c) => c.cell_type === 'markdown');
    if (md) {
      const body = text(md.source);
      const h = /^#+\s+(.+)$/m.exec(body);
      if (h) title = h[1]!.trim();
      const rest = body
        .replace(/^#+\s+.+$/m, '')
        .trim()
        .replace(/\s+/g, ' ');
      detail = (/^(.+?[.!?])(\s|$)/.exec(rest)?.[1] ?? rest).slice(0, 160);
    }
  } catch {
    /* unreadable: keep the file name */
  }
  const paper = paperOfNotebook(name);
  const description = paper ? `${name} · ${paper.arxiv ? `arXiv ${paper.arxiv} · ` : ''}el.${paper.namespace}` : name;
  return { file, name, title, detail, ...(paper ? { paper } : {}), description };
}

/** The tutorials in `dir`: the welcome notebook first, then the papers' tutorials in index order, then any others by file name. */
export function listTemplates(dir: string): Template[] {
  if (!existsSync(dir)) return [];
  const rank = (f: string): number => {
    if (f === basename(foundation.notebook)) return -1;
    const i = papers.findIndex((p) => basename(p.notebook) === f);
    return i >= 0 ? i : papers.length;
  };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((f) => describeNotebook(join(dir, f)));
}

/** A file name in `dir` that does not exist yet: name.ipynb, name-1.ipynb, … */
export function freeName(dir: string, name: string): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let candidate = name;
  for (let i = 1; existsSync(join(dir, candidate)); i++) candidate = `${stem}-${i}${ext}`;
  return join(dir, candidate);
}

/** Copies the template into `dir` under a free name; returns the new path. */
export function copyTemplate(t: Template, dir: string): string {
  const dest = freeName(dir, t.name);
  copyFileSync(t.file, dest);
  return dest;
}
