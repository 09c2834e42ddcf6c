/**
 * renderFigure(element, payload): draw any EdgeLab figure payload into an element. Used by the VS Code notebook
 * renderer (index.ts) and by static pages (the tour report). Never throws: a bad payload or a drawing failure
 * becomes a readable error box. Rendering the same element again replaces (canvas/table) or updates (plotly)
 * what is there, so display updates do not duplicate content.
 */
import type { Figure, FigureKind } from '../../kernel/viz/types';
import { PayloadError } from './packed';
import { ensureStyles, readTheme } from './theme';
import { validateFigure } from './validate';
import { h, unmount } from './views/common';
import { renderCrossbar } from './views/crossbar';
import { renderImageOverlay } from './views/image';
import { renderSparsity } from './views/sparsity';
import { renderTable } from './views/table';

export interface RenderOptions {
  /** Kind announced by the output's MIME type; a payload of another kind is an error. */
  expectedKind?: FigureKind;
  /** Stop quietly when aborted (VS Code passes one to renderOutputItem). */
  signal?: AbortSignal;
}

/** Latest render request per element: an older, slower render (waiting for plotly) must not overwrite a newer one. */
const generation = new WeakMap<HTMLElement, number>();

/** Replace the element's content with an error box: a bold headline and the detail text. */
export function showError(element: HTMLElement, headline: string, detail: string): void {
  ensureStyles(element.ownerDocument);
  unmount(element);
  const box = h(element.ownerDocument, 'div', 'edgelab-error');
  box.setAttribute('role', 'alert');
  box.append(h(element.ownerDocument, 'strong', undefined, headline), detail);
  element.appendChild(box);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function renderFigure(element: HTMLElement, payload: unknown, opts: RenderOptions = {}): Promise<void> {
  const gen = (generation.get(element) ?? 0) + 1;
  generation.set(element, gen);
  const current = () => generation.get(element) === gen && !opts.signal?.aborted;
  let fig: Figure;
  try {
    ensureStyles(element.ownerDocument);
    fig = validateFigure(payload, opts.expectedKind);
  } catch (e) {
    showError(element, 'EdgeLab figure: invalid payload', message(e));
    return;
  }
  try {
    const theme = readTheme(element);
    switch (fig.kind) {
      case 'heatmap':
      case 'series':
      case 'cka-matrix': {
        const m = await import('./views/plotly');
        if (!current()) return;
        await m.renderPlotly(element, fig, theme);
        break;
      }
      case 'table':
        renderTable(element, fig);
        break;
      case 'image-overlay':
        renderImageOverlay(element, fig);
        break;
      case 'crossbar-map':
        renderCrossbar(element, fig, theme);
        break;
      case 'sparsity-pattern':
        renderSparsity(element, fig, theme);
        break;
    }
  } catch (e) {
    if (!current()) return;
    // PayloadErrors (e.g. bytes that do not decode) carry the field name; anything else is a drawing failure.
    showError(
      element,
      `EdgeLab figure: could not draw this ${fig.kind}`,
      e instanceof PayloadError ? message(e) : `${e instanceof Error ? e.name : 'Error'}: ${message(e)}`,
    );
  }
}

/** Release listeners and plotly state held by a figure drawn in `element`, and empty it. */
export function disposeFigure(element: HTMLElement): void {
  generation.set(element, (generation.get(element) ?? 0) + 1);
  unmount(element);
}
