/**
 * HTML of the Gaze Calibration webview panel (vscode-free, so browser tests load the same page). CSP: scripts only
 * with the per-load nonce; styles, images and fonts only from the extension (`cspSource`) plus data: images (figure
 * SVGs and eye-image PNGs); no remote content. The script is dist/webviews/calibration.js (extension/webviews/calibration.ts).
 */
import { htmlHead, panelCsp } from './page';

/** The panel HTML (exported for unit tests). */
export function calibrationHtml(opts: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const csp = panelCsp(opts.cspSource, opts.nonce);
  return `${htmlHead({ csp, style: opts.styleUri, title: 'EdgeLab: Gaze Calibration' })}
<body>
<main id="edgelab-calibration">
  <h1>Gaze calibration</h1>
  <p class="lead">Personalize the DFT Gaze student (stage-4 adapters, 5 calibration images) for one user and see the
  error before and after, or calibrate a webcam gaze mapping for yourself in your browser (VS Code webviews cannot use
  the camera; the page runs on 127.0.0.1 and only the fitted mapping comes back).</p>
  <section class="sources" aria-label="user source">
    <fieldset>
      <legend>Synthetic user (unseen-users protocol)</legend>
      <label>seed <input id="seed" type="number" min="0" step="1" value="0"></label>
      <label>user <input id="user" type="number" min="0" max="49" step="1" value="0"></label>
      <label>σκ (°) <input id="kappa" type="number" min="0" max="10" step="0.5" value="2"></label>
      <button id="synthetic" type="button">Load synthetic user</button>
    </fieldset>
    <fieldset>
      <legend>Real near-eye data</legend>
      <button id="folder" type="button">Choose OpenEDS / AEA folder…</button>
      <select id="folderUser" hidden aria-label="user in the folder"></select>
      <span id="folderInfo"></span>
    </fieldset>
    <fieldset>
      <legend>Live camera (webcam, in your browser)</legend>
      <button id="camera" type="button">Open camera calibration page</button>
      <span id="cameraUrl" class="mono"></span>
      <button id="saveProfile" type="button" hidden>Save profile…</button>
    </fieldset>
  </section>
  <section id="targets" hidden aria-label="calibration targets">
    <h2 id="userLabel"></h2>
    <div class="targets"><div class="field" id="field" aria-label="calibration targets, yaw/pitch ±30°"></div><div class="thumbs" id="thumbs"></div></div>
    <label>steps <input id="steps" type="number" min="1" max="2000" step="1" value="60"></label>
    <button id="personalize" type="button">Personalize</button>
  </section>
  <p id="status" role="status">Waiting for the panel script…</p>
  <button id="cancel" type="button" hidden>Cancel</button>
  <section id="result" hidden aria-label="result">
    <table id="summary"></table>
    <div id="figures" class="figures"></div>
  </section>
</main>
<script nonce="${opts.nonce}" type="module" src="${opts.scriptUri}"></script>
</body>
</html>`;
}
