/**
 * One entry for every model format: `importModel(src)` picks the reader by extension, then by content.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { FormatError, InvalidInput, NotFound, describe } from '../core/errors';
import { sha256File } from '../core/io/export';
import type { SwsModelKind } from '../core/models';
import { importOnnx } from './onnx';
import { importOwn } from './own';
import { importSafetensors } from './safetensors';
import { importTfjs, isTfjsPath } from './tfjs';
import type { ImportOptions, ModelTable } from './types';

function head(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Import a model into a layer table:
 * - a path ending `.onnx` (ONNX), `.safetensors` (+ optional JSON config), `.json` or a folder with model.json (tfjs
 *   layers/graph model or weights manifest); other paths are recognised by content;
 * - ONNX bytes (Uint8Array);
 * - the project's own models: a shipped Fashion-MNIST kind (`'cnn'`, `'mixer'`, …) or a live tf.LayersModel.
 * tfjs and own models need `await init()`.
 * @throws NotFound (missing file), FormatError (wrong magic, truncated file, malformed content, 0-sized or NaN
 *   weights), InvalidInput (dynamic input shape without `opts.inputShape`, unknown source).
 */
export async function importModel(src: string | Uint8Array | tf.LayersModel, opts: ImportOptions = {}): Promise<ModelTable> {
  const t = await importAny(src, opts);
  // the provenance of exports: the bytes the table came from (ONNX hashes its own bytes; tfjs: its model.json)
  if (!t.sha256 && typeof src === 'string' && existsSync(src)) {
    const f = statSync(src).isDirectory() ? join(src, opts.manifest ?? 'model.json') : src;
    if (existsSync(f)) t.sha256 = sha256File(f);
  }
  return t;
}

async function importAny(src: string | Uint8Array | tf.LayersModel, opts: ImportOptions): Promise<ModelTable> {
  if (src instanceof Uint8Array) return importOnnx(src, opts);
  if (typeof src !== 'string') return importOwn(src, opts);
  if (!existsSync(src)) {
    if (!/[/\\.]/.test(src)) return importOwn(src as SwsModelKind, opts);
    throw new NotFound(`model ${describe(src)} does not exist`);
  }
  const ext = extname(src).toLowerCase();
  if (ext === '.onnx') return importOnnx(src, opts);
  if (ext === '.safetensors') return importSafetensors(src, opts);
  if (isTfjsPath(src) || (opts.manifest && statSync(src).isDirectory())) return importTfjs(src, opts);
  if (statSync(src).isDirectory())
    throw new InvalidInput(`folder ${describe(src)} holds no model.json; pass a model file (.onnx, .safetensors, model.json)`);
  // unknown extension: sniff
  const h = head(src, 16);
  if (h[0] === 0x7b || h[0] === 0x5b) return importTfjs(src, opts);
  if (h.length >= 9 && h[8] === 0x7b) return importSafetensors(src, opts);
  if (h[0] === 0x08) return importOnnx(src, opts); // ModelProto starts with ir_version (field 1, varint)
  throw new FormatError(
    `model ${describe(src)} starts with bytes ${describe(Array.from(h.subarray(0, 8)))}; expected ONNX (0x08 …), safetensors (8-byte length then '{') or tfjs JSON`,
  );
}
