// Script of the Gaze Calibration panel (browser, no vscode import). Talks to the extension with postMessage only.
export {};
declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

const api = acquireVsCodeApi();
const statusEl = document.getElementById('status');
const root = document.getElementById('edgelab-calibration');
if (statusEl) statusEl.textContent = 'Panel script loaded.';
root?.setAttribute('data-script', 'ok');
window.addEventListener('message', (e: MessageEvent<{ type?: string; text?: string }>) => {
  if (e.data?.type === 'status' && statusEl) { statusEl.textContent = e.data.text ?? ''; root?.setAttribute('data-host', 'ok'); }
});
let i = 0;
const dots = Array.from(document.querySelectorAll<HTMLElement>('.dot'));
setInterval(() => { dots.forEach((d, j) => d.classList.toggle('on', j === i)); i = (i + 1) % Math.max(1, dots.length); }, 600);
api.postMessage({ type: 'ready' });
