/**
 * Theme from VS Code's CSS variables (the notebook output iframe defines them), with light fallbacks for plain pages.
 */
import { mix, parseColor, luminance, toHex, type Rgb } from './colors';

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  fontFamily: string;
  fontSize: number;
  monoFamily: string;
  hoverBackground: string;
  hoverForeground: string;
  hoverBorder: string;
  dark: boolean;
  bgRgb: Rgb;
  fgRgb: Rgb;
}

const FALLBACK = {
  background: '#ffffff',
  foreground: '#1f1f1f',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", sans-serif',
  fontSize: '13px',
  monoFamily: 'ui-monospace, Menlo, Consolas, monospace',
};

/** Resolve a CSS variable on `el` (empty → fallback). Works outside the DOM-ready state too (returns fallback). */
function cssVar(style: CSSStyleDeclaration | null, name: string, fallback: string): string {
  const v = style?.getPropertyValue(name).trim();
  return v ? v : fallback;
}

/** Theme values derived from pure inputs (testable without a DOM). */
export function themeFrom(vars: (name: string, fallback: string) => string): Theme {
  const background = vars('--vscode-editor-background', vars('--vscode-notebook-outputContainerBackgroundColor', FALLBACK.background));
  const foreground = vars('--vscode-editor-foreground', vars('--vscode-foreground', FALLBACK.foreground));
  const bgRgb = parseColor(background) ?? [255, 255, 255];
  const fgRgb = parseColor(foreground) ?? (luminance(bgRgb) < 0.5 ? [230, 230, 230] : [31, 31, 31]);
  const dark = luminance(bgRgb) < 0.5;
  const size = parseFloat(vars('--vscode-font-size', FALLBACK.fontSize));
  return {
    background,
    foreground,
    bgRgb,
    fgRgb,
    dark,
    muted: toHex(mix(fgRgb, bgRgb, 0.4)),
    grid: toHex(mix(fgRgb, bgRgb, 0.85)),
    border: vars('--vscode-panel-border', toHex(mix(fgRgb, bgRgb, 0.7))),
    fontFamily: vars('--vscode-font-family', FALLBACK.fontFamily),
    fontSize: Number.isFinite(size) && size > 0 ? size : 13,
    monoFamily: vars('--vscode-editor-font-family', FALLBACK.monoFamily),
    hoverBackground: vars('--vscode-editorHoverWidget-background', dark ? '#252526' : '#f3f3f3'),
    hoverForeground: vars('--vscode-editorHoverWidget-foreground', foreground),
    hoverBorder: vars('--vscode-editorHoverWidget-border', dark ? '#454545' : '#c8c8c8'),
  };
}

export function readTheme(el: HTMLElement): Theme {
  let style: CSSStyleDeclaration | null = null;
  try {
    style = el.ownerDocument.defaultView?.getComputedStyle(el) ?? null;
  } catch {
    style = null;
  }
  return themeFrom((name, fallback) => cssVar(style, name, fallback));
}

export const STYLE_ID = 'edgelab-renderer-style';

/** Renderer CSS, scoped by `edgelab-` class names (all outputs of a notebook share one iframe). */
export const CSS = `
.edgelab-figure { position: relative; max-width: 100%; overflow-x: auto; color: var(--vscode-editor-foreground, ${FALLBACK.foreground});
  font-family: var(--vscode-font-family, ${FALLBACK.fontFamily}); font-size: var(--vscode-font-size, ${FALLBACK.fontSize}); }
.edgelab-title { font-weight: 600; font-size: 1.08em; margin: 4px 0 6px; }
.edgelab-caption { opacity: 0.8; margin: 6px 0 2px; font-size: 0.92em; max-width: 70em; }
.edgelab-body { position: relative; }
.edgelab-error { border: 1px solid var(--vscode-inputValidation-errorBorder, #be1100); border-left-width: 4px;
  background: var(--vscode-inputValidation-errorBackground, #fdf0ee); color: var(--vscode-errorForeground, #a1260d);
  padding: 8px 10px; margin: 2px 0; font-family: var(--vscode-editor-font-family, ${FALLBACK.monoFamily}); font-size: 12px; white-space: pre-wrap; }
.edgelab-error strong { display: block; margin-bottom: 4px; }
.edgelab-tooltip { position: absolute; display: none; pointer-events: none; z-index: 10; white-space: pre; font-size: 12px; line-height: 1.35;
  padding: 4px 7px; border-radius: 3px; background: var(--vscode-editorHoverWidget-background, #f3f3f3);
  color: var(--vscode-editorHoverWidget-foreground, ${FALLBACK.foreground}); border: 1px solid var(--vscode-editorHoverWidget-border, #c8c8c8); }
.edgelab-canvas { display: block; touch-action: none; }
.edgelab-controls { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 4px 0; font-size: 12px; }
.edgelab-controls button { font: inherit; padding: 1px 8px; cursor: pointer; color: var(--vscode-button-secondaryForeground, inherit);
  background: var(--vscode-button-secondaryBackground, transparent); border: 1px solid var(--vscode-panel-border, #bbb); border-radius: 2px; }
.edgelab-controls select { font: inherit; color: var(--vscode-dropdown-foreground, inherit); background: var(--vscode-dropdown-background, transparent);
  border: 1px solid var(--vscode-dropdown-border, #bbb); border-radius: 2px; }
.edgelab-status { opacity: 0.8; font-size: 12px; }
.edgelab-legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; margin: 4px 0; opacity: 0.9; }
.edgelab-legend span:not(.edgelab-status)::before { content: ''; display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px;
  background: var(--sw, #888); border: 1px solid var(--swb, transparent); }
.edgelab-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.edgelab-table th, .edgelab-table td { padding: 3px 10px; border-bottom: 1px solid var(--vscode-panel-border, #ddd); text-align: left; }
.edgelab-table th { border-bottom-width: 2px; font-weight: 600; }
.edgelab-table .num { text-align: right; }
.edgelab-table tr.edgelab-hl td { background: var(--vscode-editor-findMatchHighlightBackground, #fff3bf); font-weight: 600; }
`;

export function ensureStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const s = doc.createElement('style');
  s.id = STYLE_ID;
  s.textContent = CSS;
  (doc.head ?? doc.documentElement).appendChild(s);
}
