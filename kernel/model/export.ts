/**
 * Export back: the analysed model's weights and kernels as files a user takes away. A thin orchestrator over the
 * papers' own export verbs — SWS's sorted layout (`sws.exportSorted`), Rosko's packed arrays (`sparse.exportPacked`),
 * MEMA's C kernels (`mema.exportKernels`) — plus the pruned model itself, written here because it is a model file:
 * an ONNX source gets a pruned ONNX (the original graph with every table layer's weight initializer replaced by its
 * magnitude-pruned copy, runnable in onnxruntime), any other source a safetensors of the pruned [out][in] matrices.
 * Everything is built in memory, then written at once; an existing file is never overwritten unless `overwrite`.
 *
 *   const r = await el.analyzeModel('resnet18.onnx', { prune: 0.9 });
 *   const ex = await el.exportAnalysis(r, 'resnet18-export');   // pruned.onnx, sws-sorted.*, rosko-packed.*, mema/*.c
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { FormatError, InvalidInput, describe, throwIfAborted } from '../core/errors';
import { encodeElements, type DType } from '../core/io/dtypes';
import {
  decodeOnnxModel,
  decodeOnnxTensor,
  provenance,
  safeNames,
  sha256,
  writeExport,
  writeSafetensors,
  type ExportFile,
  type Provenance,
  type WrittenFile,
} from '../core/io';
import * as mema from '../mema';
import * as sparse from '../sparse';
import * as sws from '../sws';
import type { ModelAnalysis } from './analyze';
import { importModel } from './import';
import { transpose } from './table';
import type { ImportOptions, ModelTable } from './types';

export const EXPORTS = ['pruned', 'sorted', 'rosko', 'mema-c'] as const;
/** 'pruned': the pruned model; 'sorted': SWS layout; 'rosko': Rosko-packed arrays; 'mema-c': MEMA C kernels. */
export type ExportKind = (typeof EXPORTS)[number];

export interface ExportAnalysisOptions extends ImportOptions {
  /** What to write. Default: all four when a prune target is known (given, or the analysis's), else all but 'pruned'. */
  what?: ExportKind[];
  /** Magnitude-pruning target in [0, 1) for 'pruned', 'sorted' and 'rosko'. Default: the analysis's `prune`, else none. */
  prune?: number;
  /** MCU preset of the MEMA kernels. Default: the analysis's, else 'cortex-m4'. */
  hardware?: string;
  /** Batch size Rosko's tile sizes are chosen for. Default 1. */
  batch?: number;
  /** Replace existing files. Default false: any existing file is an InvalidInput and nothing is written. */
  overwrite?: boolean;
  /** Stops between layers (Aborted). Default none. */
  signal?: AbortSignal;
  /** Overall progress: fraction done (0–1) and what is running. */
  onProgress?: (fraction: number, stage: string) => void;
}

export interface ExportResult {
  dir: string;
  /** Every file written (the manifest last), with size and SHA-256. */
  files: WrittenFile[];
  /** Layers an export could not cover, with the reason (e.g. depthwise convs have no MEMA kernel). */
  skipped: { what: ExportKind; name: string; reason: string }[];
  provenance: Provenance;
}

const ONNX_FLOAT: Partial<Record<number, DType>> = {
  [onnx.TensorProto.DataType.FLOAT]: 'float32',
  [onnx.TensorProto.DataType.FLOAT16]: 'float16',
  [onnx.TensorProto.DataType.DOUBLE]: 'float64',
};

/**
 * The ONNX model `bytes` with every layer of `table` (imported from those bytes) magnitude-pruned to `sparsity`
 * (`sparse.magnitudePrune` on the layer's [out][in] matrix, written back in the initializer's own layout and element
 * type) and the provenance in the model's metadata_props. External-data initializers are inlined, so the file stands
 * alone. @throws FormatError when a layer's initializer is missing or not floating point.
 */
export function prunedOnnx(bytes: Uint8Array, table: ModelTable, sparsity: number, prov: Provenance, baseDir?: string): Uint8Array {
  const model = decodeOnnxModel(bytes);
  const inits = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const l of table.layers) {
    const t = l.tensor ? inits.get(l.tensor.name) : undefined;
    if (!l.tensor || !t) throw new FormatError(`layer ${JSON.stringify(l.name)}: its weight initializer is not in the ONNX model`);
    const dtype = ONNX_FLOAT[t.dataType ?? 0];
    if (!dtype)
      throw new FormatError(
        `layer ${JSON.stringify(l.name)}: initializer ${JSON.stringify(t.name)} has element type ${t.dataType}; expected float32, float16 or float64`,
      );
    const pruned = sparse.magnitudePrune(l.weight(), sparsity);
    const stored = l.tensor.transposed ? transpose(pruned, l.nOut, l.nIn) : pruned;
    Object.assign(t, {
      rawData: encodeElements(stored, dtype, l.tensor.name),
      floatData: [],
      doubleData: [],
      int32Data: [],
      externalData: [],
      dataLocation: 0,
    });
  }
  for (const t of inits.values())
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      const a = decodeOnnxTensor(t, baseDir);
      Object.assign(t, { rawData: encodeElements(a.data as ArrayLike<number>, a.dtype, t.name ?? ''), externalData: [], dataLocation: 0 });
    }
  model.metadataProps = [
    ...(model.metadataProps ?? []).filter((p) => p.key !== 'edgelab.provenance'),
    { key: 'edgelab.provenance', value: JSON.stringify(prov) },
  ];
  return onnx.ModelProto.encode(model).finish();
}

/** The pruned model's file: `pruned.onnx` for an ONNX source (needs its bytes), else `pruned.safetensors`. */
function prunedFiles(
  table: ModelTable,
  sparsity: number,
  prov: Provenance,
  onnxBytes: Uint8Array | undefined,
  baseDir?: string,
): ExportFile {
  if (table.format === 'onnx') {
    if (!onnxBytes)
      throw new InvalidInput(
        `the analysed ONNX model ${describe(table.source)} is not on disk: pass its bytes, exportAnalysis(bytes, dir, { prune })`,
      );
    return { path: 'pruned.onnx', what: 'pruned-onnx', data: prunedOnnx(onnxBytes, table, sparsity, prov, baseDir) };
  }
  const keys = safeNames(table.layers.map((l) => l.name));
  const tensors = new Map(
    table.layers.map((l, i) => [
      keys[i]!,
      { dtype: 'float32' as const, shape: [l.nOut, l.nIn], data: sparse.magnitudePrune(l.weight(), sparsity) },
    ]),
  );
  const layers = table.layers.map((l, i) => ({ name: l.name, key: keys[i], sourceOp: l.sourceOp, weightShape: l.weightShape }));
  return {
    path: 'pruned.safetensors',
    what: 'pruned-safetensors',
    data: writeSafetensors(tensors, {
      provenance: JSON.stringify(prov),
      layout: '[out][in] per layer (conv: inputs in the source order; tfjs: kh, kw, cin)',
      layers: JSON.stringify(layers),
    }),
  };
}

const isAnalysis = (x: unknown): x is ModelAnalysis => typeof x === 'object' && x !== null && 'table' in x && 'figures' in x;
const isTable = (x: unknown): x is ModelTable => typeof x === 'object' && x !== null && 'layers' in x && 'format' in x;

/**
 * Write the analysed model's pruned weights, SWS sorted layout, Rosko-packed arrays and MEMA C kernels to `dir`,
 * with `manifest.json` (provenance, every file's SHA-256, what was skipped and why). `src`: an `analyzeModel` result,
 * a layer table, or anything `importModel` reads (path, ONNX bytes, a tf.LayersModel, a shipped model name).
 * Needs `await init()` for tfjs sources. Leaves no tensors behind.
 * @throws InvalidInput (bad options, 'pruned' without a prune target, files that exist without `overwrite`),
 *   FormatError (the source file changed since it was analysed), the importer's errors, Aborted.
 */
export async function exportAnalysis(
  src: ModelAnalysis | ModelTable | string | Uint8Array | tf.LayersModel,
  dir: string,
  opts: ExportAnalysisOptions = {},
): Promise<ExportResult> {
  const analysis = isAnalysis(src) ? src : undefined;
  const report = opts.onProgress ?? (() => {});
  report(0, 'import');
  const table = analysis ? analysis.table : isTable(src) ? src : await importModel(src as string | Uint8Array | tf.LayersModel, opts);
  const prune = opts.prune ?? analysis?.options?.prune;
  if (prune !== undefined && !(typeof prune === 'number' && prune >= 0 && prune < 1))
    throw new InvalidInput(`exportAnalysis: prune must be a sparsity in [0, 1), got ${describe(prune)}`);
  const what = opts.what ?? (prune === undefined ? EXPORTS.filter((w) => w !== 'pruned') : [...EXPORTS]);
  if (!Array.isArray(what) || !what.length)
    throw new InvalidInput(`exportAnalysis: what must be a non-empty list of ${EXPORTS.join(', ')}, got ${describe(what)}`);
  for (const w of what)
    if (!(EXPORTS as readonly string[]).includes(w))
      throw new InvalidInput(`exportAnalysis: what[] = ${describe(w)}; expected one of ${EXPORTS.join(', ')}`);
  if (what.includes('pruned') && prune === undefined)
    throw new InvalidInput("exportAnalysis: 'pruned' needs a prune target, e.g. { prune: 0.9 } (or analyse with prune)");
  if (!table.layers.length) throw new InvalidInput(`exportAnalysis: ${describe(table.source)} has no weighted layers to export`);
  const hardware = opts.hardware ?? analysis?.options?.hardware ?? 'cortex-m4';
  const prov = provenance(
    { name: table.source, format: table.format, sha256: table.sha256 ?? null },
    { prune: prune ?? null, hardware, batch: opts.batch ?? 1, what },
  );
  // the ONNX bytes the pruned model is written from: given, or re-read and checked against the analysed hash
  let onnxBytes: Uint8Array | undefined = src instanceof Uint8Array ? src : undefined;
  if (what.includes('pruned') && table.format === 'onnx' && !onnxBytes && existsSync(table.source)) {
    onnxBytes = readFileSync(table.source);
    if (table.sha256 && sha256(onnxBytes) !== table.sha256)
      throw new FormatError(`${describe(table.source)} changed since it was analysed (SHA-256 differs); analyse it again before exporting`);
  }
  const files: ExportFile[] = [];
  const skipped: ExportResult['skipped'] = [];
  const n = what.length;
  for (const [i, w] of what.entries()) {
    throwIfAborted(opts.signal);
    const onProgress = (d: number, t: number, l: string) => report((i + d / t) / n, `${w}: ${l}`);
    report(i / n, w);
    const common = { signal: opts.signal, onProgress, provenance: prov };
    if (w === 'pruned') files.push(prunedFiles(table, prune!, prov, onnxBytes, table.format === 'onnx' ? dirOf(table.source) : undefined));
    if (w === 'sorted') files.push(...sws.sortedFiles(table, { ...common, prune }));
    if (w === 'rosko') files.push(...sparse.packedFiles(table, { ...common, prune, batch: opts.batch }));
    if (w === 'mema-c') {
      const k = mema.kernelFiles(table, { ...common, hardware });
      files.push(...k.files);
      skipped.push(...k.skipped.map((s) => ({ what: w, ...s })));
    }
  }
  const manifest = {
    format: 'edgelab-export-v1',
    provenance: prov,
    files: files.map((f) => ({ path: f.path, what: f.what, sha256: sha256(f.data) })),
    skipped,
    read: {
      'pruned.onnx': 'onnxruntime / any ONNX runtime; el.model.importModel',
      'pruned.safetensors': '[out][in] float32 per layer; layer names in the metadata',
      'sws-sorted.safetensors': 'el.sws.loadSorted(path) → per layer sorted, perm, scale and the unsorted q',
      'rosko-packed.safetensors': 'el.sparse.loadPacked(path) → name → RoskoPacked; el.sparse.unpack(pk) → dense A',
      'mema/': 'C99 sources; see mema/manifest.json for the call of each layer',
    },
  };
  files.push({ path: 'manifest.json', what: 'manifest', data: JSON.stringify(manifest, null, 1) + '\n' });
  const written = writeExport(dir, files, { overwrite: opts.overwrite });
  report(1, 'done');
  return { dir, files: written, skipped, provenance: prov };
}

const dirOf = (p: string): string | undefined => (existsSync(p) ? dirname(resolve(p)) : undefined);
