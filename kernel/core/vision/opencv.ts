/**
 * OpenCV.js (the official Emscripten build, packaged as npm `@techstark/opencv-js`, pinned 4.12.0; its npm `latest`
 * tag is an old 4.5.2): loaded lazily from node_modules (wasm inlined in the .js, nothing downloaded), once per
 * process, ≈1–4 s. We use GrabCut (segmentation in a box) and inpaint (Telea / Navier–Stokes). The build has no
 * `seamlessClone` (Poisson blending lives in poisson.ts) and no image decoding.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { NotFound } from '../errors';
import type { Mask, RgbImage } from './raster';

/** The slice of the OpenCV.js API this project uses (the package's own typings are large; these are the calls). */
export interface CvMat {
  rows: number;
  cols: number;
  data: Uint8Array;
  delete(): void;
}
export interface OpenCv {
  Mat: {
    new (): CvMat;
    new (rows: number, cols: number, type: number): CvMat;
  };
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvMat;
  Rect: new (x: number, y: number, w: number, h: number) => unknown;
  CV_8UC1: number;
  CV_8UC3: number;
  CV_64FC1: number;
  GC_INIT_WITH_RECT: number;
  GC_INIT_WITH_MASK: number;
  GC_BGD: number;
  GC_FGD: number;
  GC_PR_BGD: number;
  GC_PR_FGD: number;
  INPAINT_TELEA: number;
  INPAINT_NS: number;
  grabCut(img: CvMat, mask: CvMat, rect: unknown, bgd: CvMat, fgd: CvMat, iterCount: number, mode: number): void;
  inpaint(src: CvMat, mask: CvMat, dst: CvMat, radius: number, flags: number): void;
  setRNGSeed?(seed: number): void;
}

let loading: Promise<{ cv: OpenCv }> | null = null;

/** Load OpenCV.js once (later calls share the instance). Not installed → NotFound. */
export async function loadOpenCv(): Promise<OpenCv> {
  loading ??= (async () => {
    // resolved next to this module (sources, bundle) and then from the working directory (a notebook's workspace)
    let mod: { default?: unknown } | undefined;
    let err: unknown;
    for (const base of [typeof __filename === 'string' ? __filename : '', join(process.cwd(), 'package.json')]) {
      if (!base || mod) continue;
      try {
        mod = createRequire(base)('@techstark/opencv-js') as { default?: unknown };
      } catch (e) {
        err = e;
      }
    }
    if (!mod) {
      loading = null;
      throw new NotFound(
        `OpenCV.js is not installed: npm package @techstark/opencv-js (pinned 4.12.0-release.1) could not be loaded (${(err as Error).message})`,
        { cause: err },
      );
    }
    const cv = (mod.default ?? mod) as OpenCv & { onRuntimeInitialized?: () => void };
    if (typeof (cv as { Mat?: unknown }).Mat !== 'function')
      await new Promise<void>((resolve) => {
        cv.onRuntimeInitialized = () => resolve();
      });
    // Emscripten's module object is a thenable; once initialised its `then` only gets in the way (an async function
    // returning it, or `await cv`, would adopt it and never settle), so it is removed.
    delete (cv as { then?: unknown }).then;
    return { cv };
  })();
  return (await loading).cv;
}

/** An RgbImage as a CV_8UC3 Mat (caller deletes it). */
export function rgbToMat(cv: OpenCv, img: RgbImage): CvMat {
  return cv.matFromArray(img.height, img.width, cv.CV_8UC3, img.data);
}

/** A binary mask as a CV_8UC1 Mat with 0/255 (caller deletes it). */
export function maskToMat(cv: OpenCv, m: Mask): CvMat {
  const d = new Uint8Array(m.data.length);
  for (let i = 0; i < d.length; i++) d[i] = m.data[i] ? 255 : 0;
  return cv.matFromArray(m.height, m.width, cv.CV_8UC1, d);
}

/** Run `fn` with Mats that are all deleted afterwards, whatever happens. */
export function withMats<T>(mats: CvMat[], fn: () => T): T {
  try {
    return fn();
  } finally {
    for (const m of mats) m.delete();
  }
}
