/**
 * Saving edits: every edit is written as a new file next to the original whose name says which edit it is
 * (`photo.jpg` → `photo.gazegen-delete.png`, then `photo.gazegen-delete-2.png`, …). The original is never
 * overwritten, and no existing file is: the name is chosen so that it does not exist, and the write uses the
 * exclusive-create flag, so a file that appears in between is not clobbered either.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InvalidInput, describe } from '../core/errors';
import { type RgbImage } from '../core/vision/raster';
import { encodeRgbPng } from '../core/vision/rgb';

const OPS = /^[a-z][a-z0-9-]{0,31}$/;

/** The path an edit of `original` would be saved to (first free name). */
export function editPath(original: string, op: string, ext: 'png' | 'gif' | 'mp4' = 'png', dir?: string): string {
  if (typeof original !== 'string' || !original) throw new InvalidInput(`original must be a file path, got ${describe(original)}`);
  if (!OPS.test(op)) throw new InvalidInput(`edit name must be lowercase letters, digits and '-', got ${describe(op)}`);
  const stem = basename(original, extname(original));
  const folder = dir ?? dirname(original);
  for (let k = 1; k < 10000; k++) {
    const p = join(folder, `${stem}.gazegen-${op}${k > 1 ? `-${k}` : ''}.${ext}`);
    if (!existsSync(p) && resolve(p) !== resolve(original)) return p;
  }
  throw new InvalidInput(`no free file name for ${describe(op)} next to ${describe(original)} (9999 taken)`);
}

export interface SaveOptions {
  /** Folder to write into (default: the original's folder). */
  dir?: string;
}

/** Save an edited image (PNG) or encoded bytes (GIF/MP4) next to the original; returns the new path. */
export function saveEdit(
  original: string,
  op: string,
  content: RgbImage | { bytes: Uint8Array; ext: 'gif' | 'mp4' },
  opts: SaveOptions = {},
): string {
  const isBytes = 'bytes' in content;
  const path = editPath(original, op, isBytes ? content.ext : 'png', opts.dir);
  writeFileSync(path, isBytes ? content.bytes : encodeRgbPng(content), { flag: 'wx' });
  return path;
}
