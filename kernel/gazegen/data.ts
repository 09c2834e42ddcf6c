/**
 * The hand-labelled selection fixture (labels.json beside this file): real photos from installed packages with every
 * COCO object boxed by hand, and helpers to draw gaze points around each object the way the selection benchmark does.
 *
 *   const photos = loadLabels();                                  // validated against the photo catalogue
 *   const errs = loadFrameErrors();                               // DFT Gaze per-frame errors (deg), unseen users
 *   const pts = gazeAround(view, obj.box, errs, 20, rng(0));      // noisy gaze points around the object centre
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, InvalidInput, NotFound, check, describe } from '../core/errors';
import type { Rng } from '../core/rng';
import { COCO_CLASSES, type Box } from '../core/models/centernet';
import { PHOTOS } from '../core/vision/photos';
import { repoRoots } from '../core/assets';
import type { LabelledPhoto } from './types';
import { offsetByAngle, type View } from './view';

// labels.json is small (≈6 KB): bundled into the kernel by esbuild's JSON loader, so it needs no asset lookup
import labelsJson from './labels.json';

/** Throw InvalidInput unless box is a finite [x, y, w, h] with w, h > 0 inside a width×height image. */
export function checkBox(box: unknown, width: number, height: number, what = 'box'): asserts box is Box {
  const b = box as number[];
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new InvalidInput(`${what} must be [x, y, width, height] of finite numbers, got ${describe(box)}`);
  if (b[2]! <= 0 || b[3]! <= 0) throw new InvalidInput(`${what} ${describe(b)} has a non-positive width or height`);
  if (b[0]! < 0 || b[1]! < 0 || b[0]! + b[2]! > width + 1e-9 || b[1]! + b[3]! > height + 1e-9)
    throw new InvalidInput(`${what} ${describe(b)} is outside the ${width}×${height} image`);
}

/** Validate a fixture: known photos and packages, COCO labels, boxes inside the image. */
export function validateLabels(raw: unknown): LabelledPhoto[] {
  const photos = (raw as { photos?: unknown })?.photos;
  if (!Array.isArray(photos)) throw new FormatError(`labels fixture must have a "photos" array, got ${describe(photos)}`);
  return photos.map((p: LabelledPhoto, i: number) => {
    const where = `labels.photos[${i}] (${describe(p?.photo)})`;
    const src = PHOTOS.find((q) => q.id === p?.photo);
    if (!src) throw new FormatError(`${where}: unknown photo id; the catalogue has ${PHOTOS.map((q) => q.id).join(', ')}`);
    if (p.package !== src.package)
      throw new FormatError(`${where}: package ${describe(p.package)} differs from the catalogue's ${src.package}`);
    if (!Array.isArray(p.objects) || !p.objects.length) throw new FormatError(`${where}: objects must be a non-empty array`);
    for (const [j, o] of p.objects.entries()) {
      if (!COCO_CLASSES.includes(o.label)) throw new FormatError(`${where}.objects[${j}]: ${describe(o.label)} is not a COCO class`);
      try {
        checkBox(o.box, p.width, p.height, `${where}.objects[${j}].box`);
      } catch (e) {
        throw new FormatError((e as Error).message, { cause: e });
      }
    }
    return { photo: p.photo, package: p.package, width: p.width, height: p.height, objects: p.objects };
  });
}

/** The shipped fixture, validated. */
export function loadLabels(): LabelledPhoto[] {
  return validateLabels(labelsJson);
}

export interface FrameErrors {
  units: 'deg';
  model: string;
  users: number;
  errors: number[];
  source: string;
}

/**
 * Per-frame angular errors (deg) of the shipped DFT Gaze student on unseen users (bench/artifacts/gaze-frame-errors.json,
 * written by the gaze bench, `npm run bench -- --only gaze`). Only in a repository checkout; a notebook elsewhere passes
 * its own errors.
 */
export function loadFrameErrors(path?: string): FrameErrors {
  const p =
    path ??
    repoRoots()
      .map((r) => join(r, 'bench/artifacts/gaze-frame-errors.json'))
      .find((f) => existsSync(f));
  if (!p || !existsSync(p))
    throw new NotFound(
      `gaze-frame-errors.json not found${path ? ` at ${path}` : ' in the repository'}; regenerate with: npm run bench -- --only gaze`,
    );
  const j = JSON.parse(readFileSync(p, 'utf8')) as FrameErrors;
  if (j.units !== 'deg' || !Array.isArray(j.errors) || !j.errors.length || !j.errors.every((e) => Number.isFinite(e) && e >= 0))
    throw new FormatError(`${p}: expected { units: "deg", errors: number[] ≥ 0, … }`);
  return j;
}

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  check(xs.length > 0, 'median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * `n` gaze points around the centre of `box`: each is the centre moved by an angular error drawn from `errorsDeg`
 * (with replacement) in a uniformly random direction, through the view. Points that leave the image are clipped to
 * its border (the user still looks inside the photo).
 */
export function gazeAround(
  view: View,
  box: Box,
  errorsDeg: readonly number[],
  n: number,
  r: Rng,
): { x: number; y: number; errDeg: number }[] {
  check(errorsDeg.length > 0, 'gazeAround needs at least one error sample');
  const cx = box[0] + box[2] / 2,
    cy = box[1] + box[3] / 2;
  const out: { x: number; y: number; errDeg: number }[] = [];
  for (let i = 0; i < n; i++) {
    const e = errorsDeg[r.int(errorsDeg.length)]!;
    const [x, y] = offsetByAngle(view, cx, cy, Math.min(e, 60), r.uniform(0, 2 * Math.PI));
    out.push({ x: Math.min(view.width - 1e-6, Math.max(0, x)), y: Math.min(view.height - 1e-6, Math.max(0, y)), errDeg: e });
  }
  return out;
}
