/**
 * The Gaze Calibration panel's logic on the extension-host side, vscode-free: it validates each panel message,
 * loads a user source through the kernel API (synthetic user, OpenEDS/AEA folder) or starts the camera page, runs
 * personalization in this process, and posts results (validated with parseHostMessage before they leave).
 * calibration.ts wires it to a real webview, the folder picker and env.openExternal.
 */
import { gazeErrorsDeg, type GazeKernelApi, type UserData } from './kernel-api';
import { parseHostMessage, parsePanelMessage, type HostMessage, type PanelMessage } from './messages';
import { errorQuantileFigure, framePngs, gazeScatterFigure, profileFigure, svgDataUrl } from './figures';
import { mean, median } from './ridge';
import type { GazeProfile } from './profile';

export interface SessionHost {
  /** Deliver a message to the webview. */
  post(m: HostMessage): void | Thenable<unknown>;
  /** Ask the user for a folder (OpenEDS / AEA layout); undefined = cancelled. */
  pickFolder(): Promise<string | undefined>;
  /** Start the loopback camera page and open it in the browser; resolves with the URL the browser got. */
  openCamera(): Promise<string>;
  /** Ask where to save the camera profile (JSON) and write it; resolves with the path, undefined = cancelled. */
  saveProfile?(json: string): Promise<string | undefined>;
  log?(line: string): void;
}
interface Thenable<T> {
  then<R>(f: (v: T) => R): unknown;
}

const DEG = 180 / Math.PI;

export class CalibrationSession {
  private user: UserData | undefined;
  private folder: string | undefined;
  private abort: AbortController | undefined;
  /** Last results (tests and the command's return value read them). */
  last: { result?: Extract<HostMessage, { type: 'result' }>; profile?: GazeProfile } = {};

  constructor(
    private readonly api: GazeKernelApi,
    private readonly host: SessionHost,
  ) {}

  private send(m: HostMessage): void {
    // the same validator the webview runs: a bug here shows up in the host log, not as a half-drawn panel
    void this.host.post(parseHostMessage(m));
  }
  private status(text: string, busy = false): void {
    this.send({ type: 'status', text, busy });
  }
  private fail(e: unknown): void {
    const err = e as Error;
    const text =
      err?.name === 'Aborted' || err?.name === 'AbortError' ? 'Cancelled.' : `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    this.host.log?.(`gaze calibration: ${text}`);
    this.send({ type: 'error', text: text.slice(0, 2000) });
  }

  /** Handle one raw message from the webview. Malformed messages are reported and ignored. */
  async handle(raw: unknown): Promise<void> {
    let m: PanelMessage;
    try {
      m = parsePanelMessage(raw);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (m.type === 'ready') {
      this.status('Ready. Choose a user source: a synthetic user, an OpenEDS/AEA folder, or the live camera.');
      return;
    }
    if (m.type === 'cancel') {
      this.abort?.abort();
      return;
    }
    if (m.type === 'saveProfile') {
      try {
        if (!this.last.profile || !this.host.saveProfile) throw new RangeError('no camera profile to save yet');
        const path = await this.host.saveProfile(JSON.stringify(this.last.profile, null, 1) + '\n');
        if (path) this.status(`Camera profile saved to ${path}.`);
      } catch (e) {
        this.fail(e);
      }
      return;
    }
    if (this.abort) {
      this.send({ type: 'error', text: 'Busy: wait for the current step or press Cancel.' });
      return;
    }
    const ac = new AbortController();
    this.abort = ac;
    try {
      if (m.type === 'source') await this.source(m.source, ac.signal);
      else await this.personalize(m.steps, ac.signal);
    } catch (e) {
      this.fail(e);
    } finally {
      this.abort = undefined;
    }
  }

  private async source(s: Extract<PanelMessage, { type: 'source' }>['source'], signal: AbortSignal): Promise<void> {
    if (s.kind === 'camera') {
      this.status('Starting the camera page on 127.0.0.1…', true);
      const url = await this.host.openCamera();
      this.send({ type: 'camera', url });
      this.status('The calibration page is open in your browser. Follow it there; the result appears here.');
      return;
    }
    if (s.kind === 'synthetic') {
      this.status(`Rendering synthetic user ${s.user} (seed ${s.seed}, σκ ${s.sigmaKappaDeg}°)…`, true);
      this.showUser(await this.api.syntheticUser({ ...s, signal }));
      return;
    }
    if (s.user === undefined) {
      const path = await this.host.pickFolder();
      if (!path) {
        this.status('No folder chosen.');
        return;
      }
      this.status(`Reading ${path}…`, true);
      const info = await this.api.scanFolder(path);
      this.folder = path;
      this.send({ type: 'folder', path, format: info.format, users: info.users });
      if (info.users.length !== 1) {
        this.status(`${info.format} folder with ${info.users.length} users: pick one.`);
        return;
      }
      s = { kind: 'folder', user: info.users[0]! };
    }
    if (!this.folder) throw new RangeError('choose a folder first');
    this.status(`Loading ${s.user}…`, true);
    this.showUser(await this.api.folderUser(this.folder, s.user!, { signal }));
  }

  private showUser(u: UserData): void {
    this.user = u;
    const targets = Array.from({ length: u.calib.n }, (_, i) => ({
      yawDeg: u.calib.gaze[2 * i]! * DEG,
      pitchDeg: u.calib.gaze[2 * i + 1]! * DEG,
    }));
    this.send({ type: 'user', label: u.label, targets, heldOut: u.heldOut.n, images: framePngs(u.calib) });
    this.status(`${u.label}: ${u.calib.n} calibration frames, ${u.heldOut.n} held-out frames. Press Personalize.`);
  }

  private async personalize(steps: number, signal: AbortSignal): Promise<void> {
    const u = this.user;
    if (!u) throw new RangeError('choose a synthetic user or a folder user first');
    const t0 = Date.now();
    let lastPost = 0;
    this.status(`Personalizing on ${u.calib.n} frames (${steps} steps)…`, true);
    const run = await this.api.personalize(u, {
      steps,
      signal,
      onProgress: (f, phase) => {
        const now = Date.now();
        if (now - lastPost > 250) {
          lastPost = now;
          this.status(`${phase}: ${Math.round(f * 100)}%`, true);
        }
      },
    });
    const before = gazeErrorsDeg(run.before, u.heldOut.gaze),
      after = gazeErrorsDeg(run.after, u.heldOut.gaze);
    const b = Array.from(before),
      a = Array.from(after);
    const result: Extract<HostMessage, { type: 'result' }> = {
      type: 'result',
      summary: {
        user: u.label,
        model: run.model,
        calibFrames: u.calib.n,
        heldOutFrames: u.heldOut.n,
        steps: run.steps,
        ms: Date.now() - t0,
        beforeMeanDeg: mean(b),
        afterMeanDeg: mean(a),
        beforeMedianDeg: median(b),
        afterMedianDeg: median(a),
      },
      figures: [svgDataUrl(gazeScatterFigure(u, run)), svgDataUrl(errorQuantileFigure(u.label, before, after))],
    };
    this.last.result = result;
    this.send(result);
    const s = result.summary;
    this.status(
      `Done: mean error ${s.beforeMeanDeg.toFixed(2)}° → ${s.afterMeanDeg.toFixed(2)}° (median ${s.beforeMedianDeg.toFixed(2)}° → ${s.afterMedianDeg.toFixed(2)}°) in ${(s.ms / 1000).toFixed(1)} s.`,
    );
  }

  /** A validated profile from the camera page (server.ts calls this through calibration.ts). */
  onProfile(p: GazeProfile): void {
    this.last.profile = p;
    const v = p.validation;
    this.send({
      type: 'profile',
      figures: [svgDataUrl(profileFigure(p))],
      summary: {
        meanPx: v.meanPx,
        medianPx: v.medianPx,
        meanDeg: v.meanDeg,
        medianDeg: v.medianDeg,
        distanceCm: p.screen.distanceCm,
        cmPerPx: p.screen.cmPerPx,
        calibTargets: p.calibration.targets,
        calibSamples: p.calibration.samples,
        valPoints: v.points.length,
      },
    });
    this.status(`Camera profile received: validation error ${v.meanPx.toFixed(0)} px / ${v.meanDeg.toFixed(2)}° (mean).`);
  }

  dispose(): void {
    this.abort?.abort();
  }
}
