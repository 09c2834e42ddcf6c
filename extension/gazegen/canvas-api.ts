/**
 * The GazeGen Canvas's kernel side: el.gazegen (kernel/gazegen/index.ts, its public API only) running in the extension
 * host, the way the gaze calibration panel runs el.gaze (extension/gaze/kernel-bridge.ts). Loaded lazily when the
 * canvas opens (tfjs, the CenterNet detector and OpenCV.js start only then). session.ts talks to it through
 * `CanvasApi`, so its flow is unit-tested with a fake.
 *
 * Models and libraries come from the installed extension: the COCO CenterNet beside the kernel bundle
 * (dist/kernel/human-models, copied from @vladmandic/human by esbuild.mjs) and OpenCV.js from dist/node_modules
 * (@techstark/opencv-js, shipped in the .vsix); from the repository, node_modules.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import * as gazegen from '../../kernel/gazegen';
import type { CanvasBox, CanvasOp, CanvasWindow } from './messages';

export interface CanvasState {
  image: gazegen.RgbImage;
  /** The file this state is: the original photo, or the saved edit. */
  file: string;
  /** The edit that made it (undefined: the original). */
  op?: CanvasOp;
  /** One detector run on this image (restricted decodes reuse it). */
  out: gazegen.CenterNetOutput;
  /** Full-decode boxes, drawn as the scene's objects. */
  boxes: CanvasBox[];
}

export interface CanvasSelection {
  selected: CanvasBox | null;
  rule: string;
  window: CanvasWindow | null;
  cellFraction: number;
}

export interface EditOutcome {
  image?: gazegen.RgbImage;
  gif?: Uint8Array;
  ms: number;
}

export interface CanvasApi {
  photos(): { id: string; label: string }[];
  loadSample(id: string): { image: gazegen.RgbImage; path: string; name: string };
  loadFile(path: string): { image: gazegen.RgbImage; path: string; name: string };
  /** Run the detector on an image: the state the canvas shows. */
  analyze(image: gazegen.RgbImage, file: string, op?: CanvasOp): Promise<CanvasState>;
  view(width: number, height: number): gazegen.View;
  errorPx(view: gazegen.View, deg: number, x: number, y: number): number;
  dwellTracker(view: gazegen.View, o: gazegen.DwellOptions): { push(s: gazegen.GazeSample): gazegen.DwellState; reset(): void };
  /** Gaze-restricted selection at (x, y) with error errPx. */
  select(st: CanvasState, x: number, y: number, errPx: number): CanvasSelection;
  awaitSecondFixation<T>(next: Promise<T>, o: gazegen.SecondFixationOptions): Promise<T>;
  edit(
    op: CanvasOp,
    st: CanvasState,
    first: CanvasSelection,
    second: { point: { x: number; y: number } | null; target: CanvasSelection | null },
    seed: number,
    photoName: string,
  ): Promise<EditOutcome>;
  save(original: string, op: string, content: gazegen.RgbImage | { bytes: Uint8Array; ext: 'gif' }, dir?: string): string;
  png(image: gazegen.RgbImage): string;
  /** A replayed DFT Gaze stream looking at the script's points, smoothed by a 300 ms running median. */
  replayStream(view: gazegen.View, script: gazegen.ScriptStep[]): Promise<gazegen.GazeSample[]>;
  /** Causal running median of a gaze trace (gazegen.smoothTrace), for the live webcam stream. */
  smooth(samples: readonly gazegen.GazeSample[], windowMs: number): gazegen.GazeSample[];
  dispose(): void;
}

/** Horizontal field of view the photo is assumed to span (GazeGen's view; the gazegen bench uses 90°). */
export const CANVAS_FOV_DEG = 90;

const toBox = (d: gazegen.Detection): CanvasBox => ({
  box: d.box.map((v) => Math.round(v * 10) / 10) as [number, number, number, number],
  label: d.label,
  score: Math.round(d.score * 1000) / 1000,
});

/** The el.gazegen-backed API. `extensionDir`: the installed extension (models beside its kernel bundle). */
export function createCanvasApi(extensionDir: string): CanvasApi {
  let detector: Promise<gazegen.CenterNet> | undefined;
  const getDetector = () =>
    (detector ??= (async () => {
      await init({ backend: 'wasm' });
      const shipped = join(extensionDir, 'dist', 'kernel', 'human-models');
      return gazegen.loadCenterNet(existsSync(join(shipped, 'centernet.json')) ? { dir: shipped } : {});
    })());
  const asSelectionBox = (b: CanvasBox): gazegen.EditSelection => ({ box: b.box, label: b.label });
  const centre = (b: CanvasBox) => ({ x: b.box[0] + b.box[2] / 2, y: b.box[1] + b.box[3] / 2 });

  return {
    photos: () =>
      gazegen.availablePhotos().map((id) => {
        const p = gazegen.PHOTOS.find((q) => q.id === id);
        return { id, label: p ? `${id} — ${p.package}` : id };
      }),
    loadSample: (id) => {
      const path = gazegen.photoPath(id);
      return { image: gazegen.loadPhoto(id), path, name: id };
    },
    loadFile: (path) => ({ image: gazegen.readImage(path), path, name: path.split(/[\\/]/).pop() ?? path }),
    analyze: async (image, file, op) => {
      const det = await getDetector();
      const out = await det.run(image);
      const boxes = gazegen.decodeCenterNet(out).detections.map(toBox);
      return { image, file, out, boxes, ...(op ? { op } : {}) };
    },
    view: (w, h) => gazegen.makeView(w, h, CANVAS_FOV_DEG),
    errorPx: (v, deg, x, y) => gazegen.errorPx(v, deg, x, y),
    dwellTracker: (v, o) => new gazegen.DwellTracker(v, o),
    select: (st, x, y, errPx) => {
      const s = gazegen.selectObject(st.out, x, y, errPx);
      return {
        selected: s.selected ? toBox(s.selected) : null,
        rule: s.rule,
        window: s.window ? { ...s.window, gridW: st.out.gridW, gridH: st.out.gridH } : null,
        cellFraction: s.cellFraction,
      };
    },
    awaitSecondFixation: (next, o) => gazegen.awaitSecondFixation(next, o),
    edit: async (op, st, first, second, seed, photoName) => {
      const sel = asSelectionBox(first.selected!);
      const t0 = performance.now();
      switch (op) {
        case 'delete':
          return { image: (await gazegen.deleteObject(st.image, sel, {}, seed)).image, ms: performance.now() - t0 };
        case 'move':
          return { image: (await gazegen.moveObject(st.image, sel, second.point!, {}, seed)).image, ms: performance.now() - t0 };
        case 'restyle':
          return {
            image: (await gazegen.restyleObject(st.image, sel, asSelectionBox(second.target!.selected!), {}, seed)).image,
            ms: performance.now() - t0,
          };
        case 'add': {
          const lib = await gazegen.makeLibraryObject(st.image, sel.box, first.selected!.label, photoName, seed);
          return { image: (await gazegen.addObject(st.image, lib, second.point!, {}, seed)).image, ms: performance.now() - t0 };
        }
        case 'animate': {
          const r = await gazegen.animate(st.image, centre(first.selected!), sel, { mode: 'zoom', frames: 12, mp4: false }, seed);
          return { gif: r.gif, ms: performance.now() - t0 };
        }
      }
    },
    save: (original, op, content, dir) => gazegen.saveEdit(original, op, content, dir ? { dir } : {}),
    png: (image) => `data:image/png;base64,${Buffer.from(gazegen.encodeRgbPng(image)).toString('base64')}`,
    replayStream: async (view, script) => {
      await init({ backend: 'wasm' });
      const src = gazegen.dftGazeSource({ view, script, seed: 0 });
      return gazegen.smoothTrace(await gazegen.collect(src), 300);
    },
    smooth: (samples, windowMs) => gazegen.smoothTrace(samples, windowMs),
    dispose: () => {
      void detector?.then((d) => d.dispose()).catch(() => undefined);
      detector = undefined;
    },
  };
}
