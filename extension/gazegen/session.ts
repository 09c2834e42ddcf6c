/**
 * The GazeGen Canvas's extension-host side (vscode-free): one photo, a live gaze stream, the dwell that selects, the
 * paper's gaze-restricted detection (GazeGen, Hsieh et al., arXiv 2411.04335, §3: YOLO decoding restricted to the grid
 * cells around the gaze cell; here the COCO CenterNet's 128×128 grid), and the edits — all through `el.gazegen`
 * (canvas-api.ts). The panel only draws what this sends and reports the mouse.
 *
 * Flow: a fixation that dwells (DwellTracker, 800 ms) selects the object under it (selectObject). The operation menu
 * then acts on it: delete and animate at once; move, add and restyle wait for a second dwell (the destination, or the
 * object to restyle; awaitSecondFixation, 30 s). Every edit makes a new state on the undo stack and is saved as a new
 * file (saveEdit: `<name>.gazegen-<op>.png`, never over an existing file); undo returns to the state before it (the
 * saved file stays on disk). Edits of the shipped sample photos are saved in the workspace folder (their originals
 * live in read-only system folders); edits of a user's file next to that file.
 *
 * Gaze sources: the mouse (error 0.5°), or a replayed DFT Gaze stream: the shipped student on a synthetic user's eye
 * frames looking at a scripted point, projected into the photo (dftGazeSource), smoothed by a 300 ms running median
 * and dwelled at 3° dispersion — its raw frame-to-frame jitter (several degrees) never forms a 1.5° I-DT fixation.
 */
import type { CanvasApi, CanvasState, CanvasSelection } from './canvas-api';
import type { CanvasMessage, CanvasOp, GazeSourceKind, HostCanvasMessage } from './messages';
import type { GazeBatch } from '../gaze/stream';
import { profileErrorPx } from '../gaze/stream';
import { TWO_STEP, parseCanvasMessage } from './messages';
import type { DwellState, GazeSample, View } from '../../kernel/gazegen';

export interface CanvasSessionIo {
  post(m: HostCanvasMessage): void;
  log?(line: string): void;
  /** Folder for edits of the shipped sample photos (the workspace folder). */
  samplesDir(): string | undefined;
  /** Ask the user for an image file (undefined: cancelled). */
  pickFile(): Promise<string | undefined>;
  /**
   * Open the camera page that calibrates and then streams gaze (extension/calibration.ts CameraPage with onGaze; it
   * calls onWebcamProfile and onWebcamGaze); resolves with the URL the browser got. Absent: no webcam source.
   */
  openCamera?(): Promise<string>;
}

export interface CanvasSessionOptions {
  /** Dwell to select (ms, default 800) and I-DT dispersion for the mouse (default 1.5°) and for DFT Gaze (3°). */
  dwellMs?: number;
  mouseDispersionDeg?: number;
  replayDispersionDeg?: number;
  /** Mouse gaze error (deg, default 0.5). */
  mouseErrorDeg?: number;
  /** Wait for the second fixation of a two-step operation (ms, default 30 000). */
  secondFixationMs?: number;
  /** Replay playback speed (1 = real time). */
  replaySpeed?: number;
  /** I-DT dispersion for the webcam (deg, default 3: ridge predictions jitter as DFT Gaze's do) and its median window (ms, 300). */
  webcamDispersionDeg?: number;
  webcamSmoothMs?: number;
  /** Webcam error (screen px) assumed until the page's profile arrives (default 150: WebGazer-like accuracy). */
  webcamErrorPx?: number;
}

const PROMPT: Record<CanvasOp, (label: string) => string> = {
  delete: () => '',
  animate: () => '',
  move: (l) => `Move: look at where the ${l} should go (hold your gaze until the ring closes).`,
  add: (l) => `Add: look at where another ${l} should be placed.`,
  restyle: (l) => `Restyle: look at the object that should take the ${l}'s colours and texture.`,
};

export class CanvasSession {
  private readonly o: Required<CanvasSessionOptions>;
  /** Undo stack; the last entry is what the panel shows. */
  private history: CanvasState[] = [];
  private selection: CanvasSelection | null = null;
  private pending: { op: CanvasOp; resolve: (p: { x: number; y: number; errPx: number }) => void } | null = null;
  private dwell: { push(s: GazeSample): DwellState; reset(): void } | null = null;
  private dwellSource: GazeSourceKind = 'mouse';
  /** Webcam source: the photo's place on screen (from the panel), the profile's p95 error, recent samples, last sample time. */
  private screen: Extract<CanvasMessage, { type: 'screen' }> | null = null;
  private webcamErrPx: number | null = null;
  private webcamBuf: GazeSample[] = [];
  private webcamAt = -Infinity;
  private warnedNoScreen = false;
  private busy = false;
  private replaying = false;
  private disposed = false;
  private photoName = '';
  /** Where edits of the original go: the workspace folder for a shipped sample photo, else next to the file. */
  private sampleDir: string | undefined;
  private lastT = -Infinity;

  constructor(
    private readonly api: CanvasApi,
    private readonly io: CanvasSessionIo,
    options: CanvasSessionOptions = {},
  ) {
    this.o = {
      dwellMs: options.dwellMs ?? 800,
      mouseDispersionDeg: options.mouseDispersionDeg ?? 1.5,
      replayDispersionDeg: options.replayDispersionDeg ?? 3,
      mouseErrorDeg: options.mouseErrorDeg ?? 0.5,
      secondFixationMs: options.secondFixationMs ?? 30_000,
      replaySpeed: options.replaySpeed ?? 1,
      webcamDispersionDeg: options.webcamDispersionDeg ?? 3,
      webcamSmoothMs: options.webcamSmoothMs ?? 300,
      webcamErrorPx: options.webcamErrorPx ?? 150,
    };
  }

  get current(): CanvasState | undefined {
    return this.history.at(-1);
  }

  /** Handle one (untrusted) panel message; errors become an 'error' message, never a throw. */
  async handle(raw: unknown): Promise<void> {
    let m: CanvasMessage;
    try {
      m = parseCanvasMessage(raw);
    } catch (e) {
      this.io.post({ type: 'error', text: (e as Error).message });
      return;
    }
    try {
      await this.dispatch(m);
    } catch (e) {
      this.busy = false;
      this.io.log?.(`gazegen canvas: ${(e as Error).stack ?? e}`);
      this.io.post({ type: 'error', text: `${(e as Error).name}: ${(e as Error).message}` });
      this.io.post({ type: 'status', text: 'Ready.', busy: false });
    }
  }

  private async dispatch(m: CanvasMessage): Promise<void> {
    switch (m.type) {
      case 'ready': {
        const items = this.api.photos();
        this.io.post({ type: 'photos', items });
        // the coffee cup: one clear object, no people (edits of photos with people are better kept local)
        const first = items.find((p) => p.id === 'coffee') ?? items[0];
        if (first && !this.history.length) await this.open({ sample: first.id });
        else if (!first) this.io.post({ type: 'status', text: 'No sample photos installed: use "Open image…".', busy: false });
        return;
      }
      case 'open':
        return this.open({ sample: m.photo });
      case 'openFile': {
        const path = await this.io.pickFile();
        if (path) await this.open({ file: path });
        return;
      }
      case 'gaze':
        if (this.replaying) return; // the replayed stream owns the cursor until it ends
        if (Date.now() - this.webcamAt < 1000) return; // so does a live webcam stream
        return this.onGaze({ t: m.t, x: m.x, y: m.y, errPx: NaN }, 'mouse');
      case 'screen':
        this.screen = m;
        return;
      case 'webcam': {
        if (!this.io.openCamera) {
          this.io.post({ type: 'error', text: 'The webcam gaze source needs the camera page, which this host does not offer.' });
          return;
        }
        const url = await this.io.openCamera();
        this.io.post({
          type: 'prompt',
          text: `Webcam: calibrate in the browser page that opened (${url.replace(/\/[0-9a-f]{32}\//, '/…/')}); then your gaze drives this Canvas. Keep that window visible, and move the mouse over the photo once so the Canvas knows where it is on screen.`,
          op: null,
        });
        return;
      }
      case 'replay':
        return this.replay();
      case 'op':
        return this.op(m.op);
      case 'undo':
        return this.undo();
      case 'cancel':
        this.cancelPending('Cancelled.');
        return;
    }
  }

  private async open(what: { sample: string } | { file: string }): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.cancelPending();
    this.io.post({ type: 'status', text: 'Loading the photo and running the detector…', busy: true });
    const loaded = 'sample' in what ? this.api.loadSample(what.sample) : this.api.loadFile(what.file);
    this.sampleDir = 'sample' in what ? this.io.samplesDir() : undefined;
    this.photoName = loaded.name;
    const state = await this.api.analyze(loaded.image, loaded.path);
    this.history = [state];
    this.selection = null;
    this.resetDwell('mouse');
    this.busy = false;
    this.postState();
    this.io.post({
      type: 'status',
      text: `${state.boxes.length} objects detected. Look at one (hold the mouse still on it) to select it.`,
      busy: false,
    });
  }

  private postState(): void {
    const s = this.current;
    if (!s) return;
    this.io.post({
      type: 'image',
      png: this.api.png(s.image),
      width: s.image.width,
      height: s.image.height,
      name: this.photoName,
      file: s.file,
      undo: this.history.length - 1,
      history: this.history.map((h) => h.op ?? 'original'),
    });
    this.io.post({ type: 'boxes', boxes: s.boxes });
  }

  private view(): View | null {
    const s = this.current;
    return s ? this.api.view(s.image.width, s.image.height) : null;
  }

  private resetDwell(source: GazeSourceKind): void {
    const v = this.view();
    this.dwellSource = source;
    this.lastT = -Infinity;
    this.dwell = v
      ? this.api.dwellTracker(v, {
          dwellMs: this.o.dwellMs,
          dispersionDeg:
            source === 'mouse' ? this.o.mouseDispersionDeg : source === 'webcam' ? this.o.webcamDispersionDeg : this.o.replayDispersionDeg,
        })
      : null;
  }

  /** One gaze sample (image pixels). */
  async onGaze(s: GazeSample, source: GazeSourceKind): Promise<void> {
    const st = this.current;
    if (!st || this.busy) return;
    const v = this.view()!;
    if (source !== this.dwellSource) this.resetDwell(source);
    const x = Math.min(Math.max(s.x, 0), v.width - 1e-6),
      y = Math.min(Math.max(s.y, 0), v.height - 1e-6);
    const errPx = Number.isFinite(s.errPx) ? s.errPx : this.api.errorPx(v, this.o.mouseErrorDeg, x, y);
    if (s.t < this.lastT) this.resetDwell(source); // a new mouse stream (the panel reloaded)
    this.lastT = s.t;
    const d = this.dwell!.push({ t: s.t, x, y, errPx });
    this.io.post({
      type: 'gaze',
      x,
      y,
      progress: d.progress,
      source,
      fixation: d.fixation ? [d.fixation.x, d.fixation.y] : null,
    });
    if (!d.selected) return;
    this.dwell!.reset();
    const at = { x: Math.min(Math.max(d.selected.x, 0), v.width - 1e-6), y: Math.min(Math.max(d.selected.y, 0), v.height - 1e-6), errPx };
    if (this.pending) {
      this.pending.resolve(at);
      return;
    }
    const sel = this.api.select(st, at.x, at.y, errPx);
    this.selection = sel.selected ? sel : null;
    this.io.post({
      type: 'selection',
      selected: sel.selected,
      rule: sel.rule,
      window: sel.window,
      cellFraction: sel.cellFraction,
      step: 1,
    });
    this.io.post({
      type: 'prompt',
      text: sel.selected
        ? `Selected the ${sel.selected.label} (${sel.rule === 'contains' ? 'the gaze is on its box' : 'nearest box to the gaze'}). Choose an operation.`
        : 'Nothing there: no detected object at or near that point. Look at another object.',
      op: null,
    });
  }

  /** The camera page's profile arrived: its 95th-percentile validation error (screen px) becomes the webcam error. */
  onWebcamProfile(p: Parameters<typeof profileErrorPx>[0]): void {
    this.webcamErrPx = profileErrorPx(p);
    this.io.post({
      type: 'status',
      text: `Webcam calibrated: 95% of validation frames within ${Math.round(this.webcamErrPx)} screen px. Gaze streams from the camera page now.`,
      busy: false,
    });
  }

  /**
   * A batch of webcam gaze (screen px, page clock) from the camera page: mapped into photo pixels through where the
   * panel reported the photo on screen, smoothed by a causal running median (webcamSmoothMs), then the same dwell and
   * selection as every source. Points off the photo are dropped (not clamped to its edge). The error estimate is the
   * profile's p95 in screen px, scaled to photo px.
   */
  async onWebcamGaze(b: GazeBatch): Promise<void> {
    const st = this.current,
      sc = this.screen;
    if (!st || this.replaying) return; // a replayed DFT Gaze stream owns the cursor until it ends
    this.webcamAt = Date.now();
    if (!sc) {
      if (!this.warnedNoScreen)
        this.io.post({
          type: 'status',
          text: 'Webcam gaze is arriving: move the mouse over the photo once so the Canvas knows where it is on screen.',
          busy: false,
        });
      this.warnedNoScreen = true;
      return;
    }
    const kx = st.image.width / sc.width,
      ky = st.image.height / sc.height;
    const errPx = (this.webcamErrPx ?? this.o.webcamErrorPx) * kx;
    for (const q of b.samples) {
      const x = (q.x - sc.ox - sc.left) * kx,
        y = (q.y - sc.oy - sc.top) * ky;
      if (!(x >= 0 && y >= 0 && x < st.image.width && y < st.image.height)) continue;
      const buf = this.webcamBuf.filter((p) => p.t >= q.t - this.o.webcamSmoothMs && p.t <= q.t);
      buf.push({ t: q.t, x, y, errPx });
      this.webcamBuf = buf;
      await this.onGaze(this.api.smooth(buf, this.o.webcamSmoothMs).at(-1)!, 'webcam');
    }
  }

  private cancelPending(text?: string): void {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      p.resolve({ x: NaN, y: NaN, errPx: NaN });
    }
    if (text) this.io.post({ type: 'prompt', text, op: null });
  }

  private async op(op: CanvasOp): Promise<void> {
    const st = this.current;
    const first = this.selection;
    if (!st || this.busy) return;
    if (!first?.selected) {
      this.io.post({ type: 'prompt', text: 'Select an object first: look at it until the ring closes.', op: null });
      return;
    }
    this.cancelPending();
    let second: { x: number; y: number; errPx: number } | null = null;
    let target: CanvasSelection | null = null;
    if (TWO_STEP.has(op)) {
      this.io.post({ type: 'prompt', text: PROMPT[op](first.selected.label), op });
      const next = new Promise<{ x: number; y: number; errPx: number }>((resolve) => (this.pending = { op, resolve }));
      try {
        second = await this.api.awaitSecondFixation(next, {
          timeoutMs: this.o.secondFixationMs,
          what: op === 'restyle' ? 'the object to restyle' : 'the destination',
        });
      } catch (e) {
        this.pending = null;
        this.io.post({ type: 'prompt', text: (e as Error).message, op: null });
        return;
      }
      this.pending = null;
      if (!Number.isFinite(second.x)) return; // cancelled
      if (op === 'restyle') {
        target = this.api.select(st, second.x, second.y, second.errPx);
        this.io.post({
          type: 'selection',
          selected: target.selected,
          rule: target.rule,
          window: target.window,
          cellFraction: target.cellFraction,
          step: 2,
        });
        if (!target.selected) {
          this.io.post({ type: 'prompt', text: 'Nothing there to restyle; choose Restyle again and look at an object.', op: null });
          return;
        }
      }
    }
    this.busy = true;
    this.io.post({ type: 'status', text: `${op}…`, busy: true });
    const seed = this.history.length;
    // an edit of the original sample photo goes to the workspace folder; an edit of an edit, next to that file
    const dir = this.history.length === 1 ? this.sampleDir : undefined;
    const r = await this.api.edit(op, st, first, { point: second, target }, seed, this.photoName);
    if (r.gif) {
      const file = this.api.save(st.file, op, { bytes: r.gif, ext: 'gif' }, dir);
      this.io.post({ type: 'edited', op, file, ms: r.ms, gif: `data:image/gif;base64,${Buffer.from(r.gif).toString('base64')}` });
    } else if (r.image) {
      const file = this.api.save(st.file, op, r.image, dir);
      const next = await this.api.analyze(r.image, file, op);
      this.history.push(next);
      this.selection = null;
      this.postState();
      this.io.post({ type: 'selection', selected: null, rule: 'none', window: null, cellFraction: 0, step: 1 });
      this.io.post({ type: 'edited', op, file, ms: r.ms });
    }
    this.busy = false;
    this.resetDwell('mouse');
    this.io.post({ type: 'status', text: `Done: ${op} in ${Math.round(r.ms)} ms. Look at an object to select it.`, busy: false });
    this.io.post({ type: 'prompt', text: '', op: null });
  }

  private undo(): void {
    if (this.busy || this.history.length < 2) return;
    this.cancelPending();
    const gone = this.history.pop()!;
    this.selection = null;
    this.resetDwell('mouse');
    this.postState();
    this.io.post({ type: 'selection', selected: null, rule: 'none', window: null, cellFraction: 0, step: 1 });
    this.io.post({ type: 'status', text: `Undid ${gone.op} (its file ${gone.file} stays on disk).`, busy: false });
  }

  /** Replay a DFT Gaze stream looking at a point chosen for the current step, through the same dwell and selection. */
  private async replay(): Promise<void> {
    const st = this.current;
    if (!st || this.busy || this.replaying) return;
    const v = this.view()!;
    const aim = this.replayTarget(st);
    this.replaying = true;
    try {
      this.io.post({ type: 'status', text: 'Rendering a synthetic user\u2019s eye frames and running DFT Gaze…', busy: true });
      const samples = await this.api.replayStream(v, [{ x: aim.x, y: aim.y, durationMs: 2000 }]);
      this.io.post({ type: 'status', text: `Replaying ${samples.length} DFT Gaze samples.`, busy: false });
      this.resetDwell('dft-gaze');
      const t0 = samples[0]?.t ?? 0;
      const start = Date.now();
      for (const s of samples) {
        if (this.disposed) return;
        const due = (s.t - t0) / this.o.replaySpeed - (Date.now() - start);
        if (due > 0) await new Promise((r) => setTimeout(r, due));
        await this.onGaze(s, 'dft-gaze');
      }
    } finally {
      this.replaying = false;
      this.resetDwell('mouse');
    }
  }

  /** Where the replayed user looks: the destination of a pending two-step op, else the largest detected object. */
  private replayTarget(st: CanvasState): { x: number; y: number } {
    // boxes are [x, y, width, height] (the detector's convention)
    const centre = (b: [number, number, number, number]) => ({ x: b[0] + b[2] / 2, y: b[1] + b[3] / 2 });
    const area = (b: [number, number, number, number]) => b[2] * b[3];
    const sel = this.selection?.selected;
    if (this.pending && sel) {
      if (this.pending.op === 'restyle') {
        const other = st.boxes.filter((b) => b !== sel && area(b.box) > 0).sort((a, b) => area(b.box) - area(a.box))[0];
        if (other) return centre(other.box);
      }
      const c = centre(sel.box);
      return { x: Math.min(Math.max(st.image.width - c.x, 0), st.image.width - 1), y: c.y };
    }
    const big = [...st.boxes].sort((a, b) => area(b.box) - area(a.box))[0];
    return big ? centre(big.box) : { x: st.image.width / 2, y: st.image.height / 2 };
  }

  dispose(): void {
    this.disposed = true;
    this.cancelPending();
    this.api.dispose();
  }
}
