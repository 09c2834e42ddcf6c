/**
 * VS Code notebook renderer entry (ES module loaded into the notebook's output iframe; never imports 'vscode').
 * One renderer for the 7 EdgeLab figure MIME types (application/vnd.edgelab.<kind>.v1+json); drawing is in
 * render.ts so static pages can reuse it (`renderFigure` is re-exported here).
 */
import { FIGURE_MIMES } from '../../kernel/viz/types';
import { disposeFigure, renderFigure, showError } from './render';
import type { ActivationFunction } from './vscode-renderer';
import { kindOfMime } from './validate';

export { renderFigure, disposeFigure } from './render';
export { FIGURE_MIMES };

export const activate: ActivationFunction = () => {
  const elements = new Map<string, HTMLElement>();
  return {
    async renderOutputItem(item, element, signal) {
      elements.set(item.id, element);
      const kind = kindOfMime(item.mime);
      if (!kind) {
        showError(element, 'EdgeLab figure: unsupported output type', `${item.mime} is not one of ${FIGURE_MIMES.join(', ')}`);
        return;
      }
      let payload: unknown;
      try {
        payload = item.json();
      } catch (e) {
        showError(element, 'EdgeLab figure: the output is not valid JSON', e instanceof Error ? e.message : String(e));
        return;
      }
      await renderFigure(element, payload, { expectedKind: kind, signal });
    },
    disposeOutputItem(id) {
      if (id === undefined) {
        for (const el of elements.values()) disposeFigure(el);
        elements.clear();
        return;
      }
      const el = elements.get(id);
      if (el) {
        disposeFigure(el);
        elements.delete(id);
      }
    },
  };
};
