/**
 * Files a user takes away from an analysis (pruned weights, sorted layouts, packed arrays, C kernels): built in
 * memory first, then written all at once by `writeExport`, which refuses to overwrite anything (unless told to)
 * before it writes a single file, so a refused export leaves the folder as it was. Every file carries a provenance
 * record (source model hash, options) — in its own metadata where the format has some, else in the manifest.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { InvalidInput, NotFound, describe } from '../errors';

/** Where a file came from: written into every exported file. */
export interface Provenance {
  tool: 'edgelab';
  /** ISO time of the export. */
  created: string;
  /** The analysed model: its path (or name), format and SHA-256 of its bytes (null for a live in-memory model). */
  source: { name: string; format: string; sha256: string | null };
  /** The options the exported numbers depend on (prune target, hardware preset, tile sizes, …). */
  options: Record<string, unknown>;
}

/** One file of an export, relative to the export folder. */
export interface ExportFile {
  path: string;
  data: Uint8Array | string;
  /** What the file is (e.g. 'pruned-onnx', 'sws-sorted', 'manifest'). */
  what: string;
}

/** A file as written: path (relative to the folder), size and SHA-256. */
export interface WrittenFile {
  path: string;
  what: string;
  bytes: number;
  sha256: string;
}

export interface WriteExportOptions {
  /** Replace files that already exist. Default false: any existing file is an InvalidInput and nothing is written. */
  overwrite?: boolean;
}

/** SHA-256 of bytes or a UTF-8 string, as 64 hex digits (provenance hashes, job payload and blob hashes). */
export const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** SHA-256 of a file, read in 4 MB chunks (a large model is never held in memory for hashing). */
export function sha256File(path: string): string {
  if (!existsSync(path)) throw new NotFound(`file ${describe(path)} does not exist`);
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(1 << 22);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** A provenance record for `source` with `options`. */
export function provenance(source: Provenance['source'], options: Record<string, unknown>): Provenance {
  return { tool: 'edgelab', created: new Date().toISOString(), source, options };
}

/**
 * Distinct file/identifier-safe names for `names`, in order: characters outside [A-Za-z0-9_] become '_', a leading
 * digit gets a '_' prefix, and repeats get '_2', '_3', … (layer names like 'layer1.0/conv:0' are not file names).
 */
export function safeNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    let s = n.replace(/[^A-Za-z0-9_]/g, '_') || 'layer';
    if (/^[0-9]/.test(s)) s = `_${s}`;
    const k = (seen.get(s) ?? 0) + 1;
    seen.set(s, k);
    return k === 1 ? s : `${s}_${k}`;
  });
}

/**
 * Write `files` under `dir` (created when missing). Checks first: every path relative and inside `dir`, no
 * duplicates, and — unless `overwrite` — none exists yet; any violation is an InvalidInput naming the files and nothing
 * is written.
 */
export function writeExport(dir: string, files: readonly ExportFile[], opts: WriteExportOptions = {}): WrittenFile[] {
  if (typeof dir !== 'string' || !dir) throw new InvalidInput(`export folder must be a non-empty path, got ${describe(dir)}`);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new InvalidInput(`export folder ${describe(dir)} is a file; expected a folder`);
  if (opts.overwrite !== undefined && typeof opts.overwrite !== 'boolean')
    throw new InvalidInput(`overwrite must be a boolean, got ${describe(opts.overwrite)}`);
  const seen = new Set<string>();
  for (const f of files) {
    const p = normalize(f.path);
    if (isAbsolute(p) || p.startsWith('..' + sep) || p === '..' || !p)
      throw new InvalidInput(`export file path ${describe(f.path)} must be relative and inside the export folder`);
    if (seen.has(p)) throw new InvalidInput(`export lists ${describe(f.path)} twice`);
    seen.add(p);
  }
  if (!opts.overwrite) {
    const exist = files.map((f) => f.path).filter((p) => existsSync(join(dir, p)));
    if (exist.length)
      throw new InvalidInput(
        `export would overwrite ${exist.length} file(s) in ${describe(dir)}: ${exist.slice(0, 5).join(', ')}${exist.length > 5 ? ', …' : ''}; pass overwrite: true or choose another folder`,
      );
  }
  return files.map((f) => {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.data);
    const bytes = typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.byteLength;
    return { path: f.path, what: f.what, bytes, sha256: sha256(f.data) };
  });
}
