/**
 * HTML of the GazeGen Canvas webview (vscode-free, so a unit test checks its CSP). Scripts only with the per-load
 * nonce; styles from the extension; images from the extension and data: (the photo and its edits arrive as PNG/GIF
 * data URLs); no remote content.
 */
import { htmlHead, panelCsp } from '../gaze/page';

export function canvasHtml(opts: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const csp = panelCsp(opts.cspSource, opts.nonce);
  return `${htmlHead({ csp, style: opts.styleUri, title: 'EdgeLab: GazeGen Canvas' })}
<body>
<main id="gazegen-canvas" data-image="none" data-selected="" data-last-edit="" data-undo="0">
  <header class="bar">
    <label>Photo <select id="photo" aria-label="sample photo"></select></label>
    <button id="openFile" type="button">Open image…</button>
    <span class="sep"></span>
    <button id="replay" type="button" title="A synthetic user's eye frames through the shipped DFT Gaze student, projected into the photo">Replay DFT Gaze</button>
    <button id="webcam" type="button" title="Your own gaze from the webcam: a page on 127.0.0.1 opens in the browser (webviews cannot use the camera), calibrates, then streams gaze points here">Webcam gaze</button>
    <button id="undo" type="button" disabled>Undo</button>
  </header>
  <nav class="ops" aria-label="operations on the selected object">
    <button id="op-delete" data-op="delete" type="button" disabled>Delete</button>
    <button id="op-move" data-op="move" type="button" disabled>Move…</button>
    <button id="op-restyle" data-op="restyle" type="button" disabled>Restyle…</button>
    <button id="op-add" data-op="add" type="button" disabled>Add…</button>
    <button id="op-animate" data-op="animate" type="button" disabled>Animate</button>
    <button id="cancel" type="button" hidden>Cancel</button>
  </nav>
  <p id="prompt" role="status" aria-live="polite"></p>
  <div class="stage"><canvas id="view" aria-label="photo with the gaze cursor, the dwell ring, the restricted grid cells and the detected boxes"></canvas></div>
  <p id="status">Waiting for the panel script…</p>
  <p id="file" class="mono"></p>
  <p id="legend">Gaze cursor: the mouse (hold it still on an object for 0.8 s), a replayed DFT Gaze stream, or your webcam
  gaze (after calibrating in the page that opens). Thin boxes: the
  detector's objects; cells: the grid the gaze-restricted decode looked at; thick box: the selection.</p>
  <figure id="gifBox" hidden><img id="gif" alt="animation"><figcaption id="gifCaption"></figcaption></figure>
</main>
<script nonce="${opts.nonce}" type="module" src="${opts.scriptUri}"></script>
</body>
</html>`;
}
