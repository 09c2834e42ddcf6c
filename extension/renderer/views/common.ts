/** DOM helpers shared by the views: figure frame, tooltip, HiDPI canvas, mounted-view registry. */
import type { Figure, FigureKind } from '../../../kernel/viz/types';

/** What a drawn figure leaves behind on its element, so a re-render or dispose can clean it up. */
export interface Mounted {
  kind: FigureKind;
  /** 'plotly' views can be updated in place (Plotly.react); canvas views are rebuilt. */
  engine: 'plotly' | 'canvas' | 'html';
  root: HTMLElement;
  dispose(): void;
}

const mounted = new WeakMap<HTMLElement, Mounted>();

export function getMounted(el: HTMLElement): Mounted | undefined {
  return mounted.get(el);
}
export function setMounted(el: HTMLElement, m: Mounted): void {
  mounted.set(el, m);
}

/** Dispose whatever was drawn in `el` and empty it. */
export function unmount(el: HTMLElement): void {
  const m = mounted.get(el);
  mounted.delete(el);
  if (m) {
    try {
      m.dispose();
    } catch {
      /* already gone */
    }
  }
  el.replaceChildren();
}

export function h<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface Frame {
  root: HTMLDivElement;
  body: HTMLDivElement;
  title: HTMLDivElement;
  caption: HTMLDivElement;
}

/** A fresh `.edgelab-figure` root (title, body, caption) replacing the element's content. */
export function makeFrame(el: HTMLElement, fig: Figure): Frame {
  unmount(el);
  const doc = el.ownerDocument;
  const root = h(doc, 'div', 'edgelab-figure');
  root.dataset.kind = fig.kind;
  const title = h(doc, 'div', 'edgelab-title'),
    body = h(doc, 'div', 'edgelab-body'),
    caption = h(doc, 'div', 'edgelab-caption');
  root.append(title, body, caption);
  setTexts({ title, caption }, fig);
  el.appendChild(root);
  return { root, body, title, caption };
}

export function setTexts(f: { title: HTMLElement; caption: HTMLElement }, fig: Figure): void {
  f.title.textContent = fig.title ?? '';
  f.title.hidden = !fig.title;
  f.caption.textContent = fig.caption ?? '';
  f.caption.hidden = !fig.caption;
}

/** Available width for a figure inside `el` (CSS px), bounded to something sensible. */
export function availableWidth(el: HTMLElement, preferred?: number): number {
  const w = el.getBoundingClientRect().width || el.ownerDocument.documentElement.clientWidth || 800;
  return Math.max(240, Math.min(preferred ?? Infinity, w - 4, 1400));
}

export interface Tooltip {
  el: HTMLDivElement;
  show(x: number, y: number, text: string): void;
  hide(): void;
}

/** A tooltip positioned inside `container` (which must be position: relative). */
export function tooltip(container: HTMLElement): Tooltip {
  const el = h(container.ownerDocument, 'div', 'edgelab-tooltip');
  el.setAttribute('role', 'tooltip');
  container.appendChild(el);
  return {
    el,
    show(x, y, text) {
      el.textContent = text;
      el.style.display = 'block';
      const cw = container.clientWidth || 600;
      const w = el.offsetWidth;
      el.style.left = `${Math.max(0, x + 14 + w > cw ? x - w - 10 : x + 14)}px`;
      el.style.top = `${Math.max(0, y + 12)}px`;
    },
    hide() {
      el.style.display = 'none';
    },
  };
}

export interface Surface {
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  dpr: number;
}

/** A canvas of w×h CSS px backed at device resolution; the context is scaled so drawing uses CSS px. */
export function hidpiCanvas(doc: Document, w: number, h: number): Surface {
  const canvas = doc.createElement('canvas');
  canvas.className = 'edgelab-canvas';
  const dpr = Math.max(1, Math.min(3, doc.defaultView?.devicePixelRatio ?? 1));
  canvas.width = Math.max(1, Math.round(w * dpr));
  canvas.height = Math.max(1, Math.round(h * dpr));
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gave no 2D canvas context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { canvas, ctx, dpr };
}

/** Pointer position relative to an element's top-left, in CSS px. */
export function localXY(el: HTMLElement, e: MouseEvent): [number, number] {
  const r = el.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

/** A legend row: entries of [label, fill, border?]. */
export function legend(doc: Document, entries: [string, string, string?][]): HTMLDivElement {
  const d = h(doc, 'div', 'edgelab-legend');
  for (const [label, fill, border] of entries) {
    const s = h(doc, 'span', undefined, label);
    s.style.setProperty('--sw', fill);
    if (border) s.style.setProperty('--swb', border);
    d.appendChild(s);
  }
  return d;
}
