/**
 * A user's model in Rosko's packed format as files to take away (Rosko, arXiv:2307.03930 §3): per weighted layer, the
 * weight matrix A [out × in] (optionally magnitude-pruned, as `analyzeModel` prunes it) packed by `pack` — nonzero
 * values and their row inside each m_r tile, column segments with their k index, tile prefix sums — with the tile
 * sizes the tile model chose for this machine. `loadPacked` reads them back as `RoskoPacked`, which `unpack` turns into
 * the dense matrix and `roskoSpmm` multiplies.
 *
 *   sparse.exportPacked(table, 'out/', { prune: 0.9 })   // out/rosko-packed.safetensors + out/rosko-packed.json
 *   const pk = sparse.loadPacked('out/rosko-packed.safetensors').get('fc');
 */
import { FormatError, InvalidInput, checkInt, describe, throwIfAborted } from '../core/errors';
import {
  provenance,
  readSafetensors,
  safeNames,
  writeExport,
  writeSafetensors,
  type ExportFile,
  type Provenance,
  type WriteExportOptions,
} from '../core/io';
import type { AnalyzeCommon, ModelTable } from '../model/types';
import { magnitudePrune } from './layer';
import { pack, validatePacked } from './pack';
import { readHardware } from './tiles';
import type { Hardware, RoskoPacked } from './types';

export interface PackExportOptions extends AnalyzeCommon {
  /** Magnitude-prune every layer to this sparsity first, in [0, 1). Default none (the model's own zeros). */
  prune?: number;
  /** Batch size the tile sizes are chosen for (B has positions·batch columns). Default 1. */
  batch?: number;
  /** Cache sizes and cores for the tile model. Default readHardware() (this machine). */
  hardware?: Hardware;
  /** Provenance written into the files. Default: built from the table and these options. */
  provenance?: Provenance;
}

const ARRAYS = [
  ['vals', 'float32'],
  ['loc', 'uint8'],
  ['nnzOuter', 'uint8'],
  ['kInd', 'int32'],
  ['tileNnz', 'int32'],
  ['tileCols', 'int32'],
  ['groupStart', 'int32'],
] as const;
const SCALARS = ['M', 'K', 'mr', 'mc', 'kc', 'p', 'order', 'nr', 'nc', 'Mb', 'Kb', 'ntiles', 'nnz', 'ncols'] as const;

/** The files of a packed export (nothing written): `rosko-packed.safetensors` and its manifest `rosko-packed.json`. */
export function packedFiles(table: ModelTable, opts: PackExportOptions = {}): ExportFile[] {
  if (opts.prune !== undefined && !(typeof opts.prune === 'number' && opts.prune >= 0 && opts.prune < 1))
    throw new InvalidInput(`sparse.exportPacked: prune must be a sparsity in [0, 1), got ${describe(opts.prune)}`);
  const batch = checkInt('sparse.exportPacked: batch', opts.batch ?? 1);
  const hw = opts.hardware ?? readHardware();
  const prov =
    opts.provenance ??
    provenance(
      { name: table.source, format: table.format, sha256: table.sha256 ?? null },
      { prune: opts.prune ?? null, batch, hardware: hw },
    );
  const keys = safeNames(table.layers.map((l) => l.name));
  const tensors = new Map<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>();
  const layers = table.layers.map((l, i) => {
    throwIfAborted(opts.signal);
    const w = opts.prune === undefined ? l.weight() : magnitudePrune(l.weight(), opts.prune);
    const N = (Number.isFinite(l.positions) ? l.positions : 1) * batch;
    const pk = pack({ rows: l.nOut, cols: l.nIn, data: w }, { N, hw });
    const k = keys[i]!;
    for (const [a, dtype] of ARRAYS) tensors.set(`${k}.${a}`, { dtype, shape: [pk[a].length], data: pk[a] });
    opts.onProgress?.(i + 1, table.layers.length, l.name);
    return { name: l.name, key: k, N, sparsity: 1 - pk.nnz / (pk.M * pk.K), ...Object.fromEntries(SCALARS.map((s) => [s, pk[s]])) };
  });
  const manifest = {
    format: 'edgelab-rosko-packed-v1',
    provenance: prov,
    layout:
      'A [M = outputs][K = inputs per output] (conv: im2col, inputs in the source order) in rosko-v1 format: tiles in the order CB row block (p·m_c rows) → k_c block → core → m_r tile; per tile the stored column segments (kInd = column inside the k_c block, nnzOuter = its nonzeros) and their values (vals) with the row inside the tile (loc). tileNnz / tileCols: prefix sums per tile; groupStart: first tile of each (block, k_c block, core).',
    undo: 'sparse.unpack(sparse.loadPacked(file).get(name)) → the dense A',
    layers,
  };
  const meta = { provenance: JSON.stringify(prov), manifest: JSON.stringify({ ...manifest, provenance: undefined }) };
  return [
    {
      path: 'rosko-packed.safetensors',
      what: 'rosko-packed',
      data: writeSafetensors(tensors as Parameters<typeof writeSafetensors>[0], meta),
    },
    { path: 'rosko-packed.json', what: 'manifest', data: JSON.stringify(manifest, null, 1) + '\n' },
  ];
}

/**
 * Pack every layer of `table` (Rosko format) and write `rosko-packed.safetensors` + `rosko-packed.json` to `dir`.
 * Refuses to overwrite existing files unless `overwrite`. Pure typed arrays: no tensors.
 */
export function exportPacked(table: ModelTable, dir: string, opts: PackExportOptions & WriteExportOptions = {}) {
  return writeExport(dir, packedFiles(table, opts), { overwrite: opts.overwrite });
}

/**
 * Read a `rosko-packed.safetensors` back: layer name → RoskoPacked, each checked by `validatePacked`.
 * @throws FormatError when the file is not a packed export or a layer breaks the format; NotFound for a missing file.
 */
export function loadPacked(path: string | Uint8Array): Map<string, RoskoPacked> {
  const st = readSafetensors(path);
  const m = st.metadata?.manifest;
  if (!m)
    throw new FormatError(
      `${typeof path === 'string' ? path : 'bytes'} has no Rosko manifest in its metadata; expected a rosko-packed.safetensors`,
    );
  const man = JSON.parse(m) as { layers: (Record<(typeof SCALARS)[number], number | string> & { name: string; key: string })[] };
  const out = new Map<string, RoskoPacked>();
  for (const l of man.layers) {
    const pk = { format: 'rosko-v1', ...Object.fromEntries(SCALARS.map((s) => [s, l[s]])) } as unknown as Record<string, unknown>;
    for (const [a] of ARRAYS) {
      const t = st.tensors.get(`${l.key}.${a}`);
      if (!t) throw new FormatError(`packed export lacks tensor ${JSON.stringify(`${l.key}.${a}`)}`);
      pk[a] = t.data;
    }
    validatePacked(pk as unknown as RoskoPacked);
    out.set(l.name, pk as unknown as RoskoPacked);
  }
  return out;
}
