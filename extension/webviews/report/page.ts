/**
 * Script of the tour report (out/tour/index.html): draws every figure with the renderer's drawing code
 * (extension/renderer/render.ts, plotly bundled in) instead of its static SVG fallback. Built by scripts/tour as one
 * classic IIFE script (assets/report.js) so it also runs when the report is opened from disk (file://).
 *
 * Each figure in the report is `<div class="edgelab-live" data-payload="<figure JSON>"><img …fallback…></div>`;
 * figures are drawn when they scroll near the viewport, and the fallback stays if drawing fails.
 */
import { renderFigure } from '../../renderer/render';

async function draw(el: HTMLElement): Promise<void> {
  if (el.dataset.state) return;
  el.dataset.state = 'drawing';
  let payload: unknown;
  try {
    payload = JSON.parse(el.dataset.payload ?? '');
  } catch {
    el.dataset.state = 'fallback';
    return;
  }
  const host = document.createElement('div');
  host.className = 'edgelab-host';
  el.appendChild(host);
  await renderFigure(host, payload);
  const err = host.querySelector('.edgelab-error');
  if (err) {
    console.warn(`EdgeLab figure not drawn, static fallback kept: ${err.textContent ?? ''}`);
    host.remove();
    el.dataset.state = 'fallback';
    return;
  }
  el.querySelector(':scope > img.fig')?.remove();
  el.dataset.state = 'drawn';
}

function start(): void {
  const figures = Array.from(document.querySelectorAll<HTMLElement>('.edgelab-live[data-payload]'));
  if (typeof IntersectionObserver === 'undefined') {
    for (const f of figures) void draw(f);
    return;
  }
  const io = new IntersectionObserver(
    (entries) => {
      for (const e of entries)
        if (e.isIntersecting) {
          io.unobserve(e.target);
          void draw(e.target as HTMLElement);
        }
    },
    { rootMargin: '600px 0px' },
  );
  for (const f of figures) io.observe(f);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
