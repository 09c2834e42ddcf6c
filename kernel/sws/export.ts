/**
 * The SWS layout of a user's model as files to take away (SWS, arXiv:2410.11298 §III): per weighted layer, the int8
 * weights with each output's row sorted by |q| and its zeros moved to the front (`swsLayout`, what the crossbar
 * sections hold), the permutation that sorted them (the input routing the sections need), the dequantization scale and
 * the section table (which crossbar slot holds which run of sorted weights). Undo, per output o:
 * q[o][perm[o][p]] = sorted[o][p] for every p; real weight ≈ q · scale.
 *
 *   sws.exportSorted(table, 'out/', { prune: 0.9 })   // out/sws-sorted.safetensors + out/sws-sorted.json
 *   sws.loadSorted('out/sws-sorted.safetensors')      // per layer: sorted, perm, scale and the unsorted q
 */
import {
  readSafetensors,
  writeSafetensors,
  writeExport,
  provenance,
  safeNames,
  type ExportFile,
  type Provenance,
  type WriteExportOptions,
} from '../core/io';
import { FormatError, InvalidInput, describe, throwIfAborted } from '../core/errors';
import type { AnalyzeCommon, ModelTable } from '../model/types';
import { mapLayer, quantize, type CrossbarConfig, type SortKey } from '../cim';
import { pruneInt8 } from './prune';
import { swsLayout } from './sws';

export interface SwsExportOptions extends AnalyzeCommon {
  /** Magnitude-prune the int8 weights to this sparsity first (as `analyzeModel`'s pruned view), in [0, 1). Default none. */
  prune?: number;
  /** Sort key per output ('abs', 'signed', 'none'). Default 'abs' (the SWS reading, as `swsLayout`). */
  sort?: SortKey;
  /** Move zeros out of the sections (offline remapping). Default true. */
  remapZeros?: boolean;
  /** Crossbar geometry and bits. Default the CIM simulator's DEFAULT_CONFIG (128×128, int8), recorded as 'default' in the provenance. */
  config?: Partial<CrossbarConfig>;
  /** Provenance written into the files. Default: built from the table (source, format, hash) and these options. */
  provenance?: Provenance;
}

/** One layer of a sorted export, as `loadSorted` returns it. */
export interface SortedLayer {
  name: string;
  nOut: number;
  nIn: number;
  /** int8 [nOut][nIn], each row in sorted order. */
  sorted: Int8Array;
  /** [nOut][nIn]: sorted[o][p] = q[o][perm[o][p]]. */
  perm: Int32Array;
  /** Dequantization scale (length 1: per tensor). */
  scale: Float32Array;
  /** The int8 weights in the model's own order ([nOut][nIn], inputs as the layer table orders them). */
  q: Int8Array;
}

const UNDO = 'q[o][perm[o][p]] = sorted[o][p] for every output o and position p; real weight ≈ q · scale (per tensor)';

/** Undo the sort: q[o][perm[o][p]] = sorted[o][p]. @throws InvalidInput when perm is not a permutation of each row. */
export function unsortLayer(sorted: ArrayLike<number>, perm: ArrayLike<number>, nOut: number, nIn: number): Int8Array {
  if (sorted.length !== nOut * nIn || perm.length !== nOut * nIn)
    throw new InvalidInput(`unsortLayer: sorted (${sorted.length}) and perm (${perm.length}) need nOut·nIn = ${nOut * nIn} entries`);
  const q = new Int8Array(nOut * nIn);
  const seen = new Uint8Array(nIn);
  for (let o = 0; o < nOut; o++) {
    seen.fill(0);
    for (let p = 0; p < nIn; p++) {
      const i = perm[o * nIn + p]!;
      if (!(i >= 0 && i < nIn) || seen[i])
        throw new InvalidInput(`unsortLayer: perm row ${o} is not a permutation of 0..${nIn - 1} (at ${p}: ${i})`);
      seen[i] = 1;
      q[o * nIn + i] = sorted[o * nIn + p]!;
    }
  }
  return q;
}

/** The files of a sorted export (nothing written): `sws-sorted.safetensors` and its manifest `sws-sorted.json`. */
export function sortedFiles(table: ModelTable, opts: SwsExportOptions = {}): ExportFile[] {
  if (opts.prune !== undefined && !(typeof opts.prune === 'number' && opts.prune >= 0 && opts.prune < 1))
    throw new InvalidInput(`sws.exportSorted: prune must be a sparsity in [0, 1), got ${describe(opts.prune)}`);
  const sort = opts.sort ?? 'abs',
    remapZeros = opts.remapZeros ?? true;
  const prov =
    opts.provenance ??
    provenance(
      { name: table.source, format: table.format, sha256: table.sha256 ?? null },
      { prune: opts.prune ?? null, sort, remapZeros, config: opts.config ?? 'default' },
    );
  const keys = safeNames(table.layers.map((l) => l.name));
  const tensors = new Map<string, { dtype: 'int8' | 'int32' | 'uint16' | 'float32'; shape: number[]; data: ArrayLike<number> }>();
  const layers = table.layers.map((l, i) => {
    throwIfAborted(opts.signal);
    const { q, scale } = quantize({ weights: l.weight(), nOut: l.nOut, nIn: l.nIn, bits: opts.config?.weightBits ?? 8 });
    let L = mapLayer({ name: l.name, q, nOut: l.nOut, nIn: l.nIn, scale, config: opts.config });
    if (opts.prune !== undefined) L = pruneInt8(L, opts.prune);
    const S = swsLayout(L, { sort, remapZeros });
    const perm = S.perm!;
    const sorted = new Int8Array(L.q.length);
    for (let o = 0; o < l.nOut; o++) for (let p = 0; p < l.nIn; p++) sorted[o * l.nIn + p] = L.q[o * l.nIn + perm[o * l.nIn + p]!]!;
    const k = keys[i]!;
    const sec = S.sections!;
    tensors.set(`${k}.sorted`, { dtype: 'int8', shape: [l.nOut, l.nIn], data: sorted });
    tensors.set(`${k}.perm`, { dtype: l.nIn <= 65536 ? 'uint16' : 'int32', shape: [l.nOut, l.nIn], data: perm });
    tensors.set(`${k}.scale`, { dtype: 'float32', shape: [scale.length], data: scale });
    const secs = new Int32Array(3 * sec.out.length);
    secs.set(sec.out, 0);
    secs.set(sec.start, sec.out.length);
    secs.set(sec.len, 2 * sec.out.length);
    tensors.set(`${k}.sections`, { dtype: 'int32', shape: [3, sec.out.length], data: secs });
    let zeros = 0;
    for (const v of L.q) if (v === 0) zeros++;
    opts.onProgress?.(i + 1, table.layers.length, l.name);
    return { name: l.name, key: k, nOut: l.nOut, nIn: l.nIn, tiles: S.tiles, slots: S.slots, sparsity: zeros / L.q.length };
  });
  const manifest = {
    format: 'edgelab-sws-sorted-v1',
    provenance: prov,
    undo: UNDO,
    tensors:
      '<key>.sorted int8 [nOut, nIn]; <key>.perm uint16|int32 [nOut, nIn]; <key>.scale float32 [1]; <key>.sections int32 [3, tiles·slots] = (output, start in the sorted row, length) per crossbar slot, output −1 = empty slot',
    layers,
  };
  const meta = { provenance: JSON.stringify(prov), manifest: JSON.stringify({ ...manifest, provenance: undefined }) };
  return [
    { path: 'sws-sorted.safetensors', what: 'sws-sorted', data: writeSafetensors(tensors, meta) },
    { path: 'sws-sorted.json', what: 'manifest', data: JSON.stringify(manifest, null, 1) + '\n' },
  ];
}

/**
 * Write the SWS sorted layout of every layer of `table` to `dir` (`sws-sorted.safetensors`, `sws-sorted.json`).
 * Refuses to overwrite existing files unless `overwrite`. Pure typed arrays: no tensors.
 */
export function exportSorted(table: ModelTable, dir: string, opts: SwsExportOptions & WriteExportOptions = {}) {
  return writeExport(dir, sortedFiles(table, opts), { overwrite: opts.overwrite });
}

/**
 * Read a `sws-sorted.safetensors` back: per layer the sorted weights, the permutation, the scale and the unsorted q.
 * @throws FormatError when the file is not a sorted export (missing manifest or tensors); NotFound for a missing file.
 */
export function loadSorted(path: string | Uint8Array): SortedLayer[] {
  const st = readSafetensors(path);
  const m = st.metadata?.manifest;
  if (!m)
    throw new FormatError(
      `${typeof path === 'string' ? path : 'bytes'} has no SWS manifest in its metadata; expected a sws-sorted.safetensors`,
    );
  const man = JSON.parse(m) as { layers: { name: string; key: string; nOut: number; nIn: number }[] };
  return man.layers.map((l) => {
    const get = (s: string) => {
      const t = st.tensors.get(`${l.key}.${s}`);
      if (!t) throw new FormatError(`sorted export lacks tensor ${JSON.stringify(`${l.key}.${s}`)}`);
      return t;
    };
    const sorted = get('sorted').data as Int8Array;
    const perm = Int32Array.from(get('perm').data as ArrayLike<number>);
    return {
      name: l.name,
      nOut: l.nOut,
      nIn: l.nIn,
      sorted,
      perm,
      scale: get('scale').data as Float32Array,
      q: unsortLayer(sorted, perm, l.nOut, l.nIn),
    };
  });
}
