/**
 * safetensors (+ a small JSON config) → layer table. Only the header is read at import; each layer's `weight()` reads
 * its own bytes from the file, so a large file is never held in memory whole.
 *
 * Without a topology the file says only tensor names and shapes, read with torch's conventions: a 4-D `*.weight` is a
 * conv [cout, cin/groups, kh, kw], a 2-D `*.weight` a linear layer [out, in], a 1-D `*.bias` beside it its bias, other
 * float tensors are parameters outside the table (norm scales), BatchNorm running statistics are buffers.
 * The config (JSON; `<file>.json` beside the model, or `opts.config`) gives what the tensors cannot:
 *
 *   { "tokens": 197,                                  // rows of every linear layer's matmul per sample (default 1)
 *     "layers": { "features.0.weight": { "outputSize": [112, 112], "groups": 1, "stride": [2, 2] },
 *                 "blocks.0.attn.qkv.weight": { "tokens": 197 } } }
 *
 * A conv without `outputSize` gets MACs = NaN and is listed under `unsupported` (the table is not complete).
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { FormatError, NotFound, describe } from '../core/errors';
import { type DType, ITEMSIZE, decodeElements, isValidShape } from '../core/io/dtypes';
import { MAX_HEADER_BYTES, ST_TO_DTYPE } from '../core/io/safetensors';
import { UnsupportedList, layerRow, makeTable, product } from './table';
import type { ImportOptions, ModelLayer, ModelTable } from './types';

interface Entry {
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}
interface LayerConfig {
  outputSize?: number[];
  groups?: number;
  stride?: number[];
  tokens?: number;
}
interface SafetensorsConfig {
  tokens?: number;
  layers?: Record<string, LayerConfig>;
}

/** Header of a safetensors file, validated against the file size. */
function readHeader(path: string): { entries: Map<string, Entry>; dataStart: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new NotFound(`safetensors file ${describe(path)} could not be opened: ${(e as Error).message}`, { cause: e });
  }
  try {
    const size = fstatSync(fd).size;
    const lenBuf = Buffer.alloc(8);
    if (size < 8 || readSync(fd, lenBuf, 0, 8, 0) !== 8)
      throw new FormatError(`safetensors file ${describe(path)} is ${size} bytes; expected at least 8 (the header length)`);
    const n64 = lenBuf.readBigUInt64LE(0);
    if (n64 > BigInt(MAX_HEADER_BYTES) || n64 + 8n > BigInt(size))
      throw new FormatError(
        `safetensors file ${describe(path)}: header length ${n64} is not sane for a ${size}-byte file (wrong magic or truncated)`,
      );
    const n = Number(n64);
    const hb = Buffer.alloc(n);
    readSync(fd, hb, 0, n, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(hb));
    } catch (e) {
      throw new FormatError(`safetensors header of ${describe(path)} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    if (!header || typeof header !== 'object' || Array.isArray(header))
      throw new FormatError(`safetensors header of ${describe(path)} is not a JSON object`);
    const dataLen = size - 8 - n;
    const entries = new Map<string, Entry>();
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const t = raw as { dtype?: string; shape?: unknown; data_offsets?: unknown };
      const dtype = ST_TO_DTYPE[t?.dtype ?? ''];
      const off = t?.data_offsets as number[] | undefined;
      if (!dtype || !isValidShape(t.shape) || !Array.isArray(off) || off.length !== 2)
        throw new FormatError(
          `safetensors tensor ${JSON.stringify(name)} in ${describe(path)} has a bad entry ${describe(JSON.stringify(raw))}`,
        );
      const need = product(t.shape) * ITEMSIZE[dtype];
      if (off[1]! - off[0]! !== need)
        throw new FormatError(
          `safetensors tensor ${JSON.stringify(name)} in ${describe(path)}: ${off[1]! - off[0]!} bytes for shape ${describe(t.shape)} of ${dtype} (need ${need})`,
        );
      if (off[1]! > dataLen)
        throw new FormatError(
          `safetensors tensor ${JSON.stringify(name)} in ${describe(path)} ends at byte ${off[1]} of a ${dataLen}-byte data section (truncated file?)`,
        );
      entries.set(name, { dtype, shape: t.shape, begin: off[0]!, end: off[1]! });
    }
    return { entries, dataStart: 8 + n };
  } finally {
    closeSync(fd);
  }
}

function readTensor(path: string, dataStart: number, e: Entry): Float32Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(e.end - e.begin);
    const got = readSync(fd, buf, 0, buf.length, dataStart + e.begin);
    if (got !== buf.length) throw new FormatError(`safetensors file ${describe(path)}: short read (${got} of ${buf.length} bytes)`);
    const d = decodeElements(buf, e.dtype, product(e.shape));
    return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
  } finally {
    closeSync(fd);
  }
}

const FLOAT: ReadonlySet<DType> = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/** Import a .safetensors file with torch naming (see the module comment for the config). */
export function importSafetensors(path: string, opts: ImportOptions = {}): ModelTable {
  if (!existsSync(path)) throw new NotFound(`safetensors file ${describe(path)} does not exist`);
  const { entries, dataStart } = readHeader(path);
  const cfgPath = opts.config ?? [path.replace(/\.safetensors$/, '.json'), `${path}.json`].find((p) => p !== path && existsSync(p));
  let cfg: SafetensorsConfig = {};
  if (cfgPath) {
    try {
      cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as SafetensorsConfig;
    } catch (e) {
      throw new FormatError(`safetensors config ${describe(cfgPath)} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  const layers: ModelLayer[] = [];
  const unsupported = new UnsupportedList();
  const used = new Set<string>();
  for (const [name, e] of entries) {
    if (!name.endsWith('weight') || !FLOAT.has(e.dtype) || (e.shape.length !== 2 && e.shape.length !== 4)) continue;
    const lc = cfg.layers?.[name] ?? {};
    const biasName = name.replace(/weight$/, 'bias');
    const bias = entries.has(biasName) && entries.get(biasName)!.shape.length === 1;
    const read = () => readTensor(path, dataStart, e);
    used.add(name);
    if (bias) used.add(biasName);
    if (e.shape.length === 2) {
      const [nOut, nIn] = e.shape as [number, number];
      const tokens = lc.tokens ?? cfg.tokens ?? 1;
      layers.push(
        layerRow({
          name,
          op: 'dense',
          sourceOp: 'linear',
          nOut,
          nIn,
          inputShape: [1, tokens, nIn],
          outputShape: [1, tokens, nOut],
          positions: tokens,
          bias,
          weightShape: e.shape,
          weight: read,
        }),
      );
    } else {
      const [cout, cinG, kh, kw] = e.shape as [number, number, number, number];
      const groups = lc.groups ?? 1;
      const out = lc.outputSize;
      if (!out) unsupported.add('conv', name, `no config.layers[${JSON.stringify(name)}].outputSize: MACs unknown`);
      layers.push(
        layerRow({
          name,
          op: groups > 1 && cinG === 1 ? 'depthwise' : 'conv',
          sourceOp: 'conv',
          nOut: cout,
          nIn: cinG * kh * kw,
          groups,
          kernel: [kh, kw],
          strides: lc.stride ?? [],
          inputShape: null,
          outputShape: out ? [1, cout, ...out] : null,
          positions: out ? product(out) : null,
          bias,
          weightShape: e.shape,
          weight: read,
        }),
      );
    }
  }
  let otherParams = 0;
  for (const [name, e] of entries)
    if (!used.has(name) && FLOAT.has(e.dtype) && !/running_(mean|var)$|num_batches_tracked$/.test(name)) otherParams += product(e.shape);
  const table = makeTable({
    source: path,
    format: 'safetensors',
    inputShape: null,
    layers,
    unsupported: unsupported.list(),
    otherParams,
    validate: opts.validate,
    notes: cfgPath ? [`config: ${cfgPath}`] : ['no config: linear layers read as one token per sample, conv MACs unknown'],
  });
  return table;
}
