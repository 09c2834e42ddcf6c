/**
 * Shared pieces of the importers: one row builder (MACs, parameters), one table builder (totals, completeness),
 * shape arithmetic (conv / pool output size, broadcasting) and the weight checks (empty tensor, NaN).
 */
import { FormatError, describe } from '../core/errors';
import { product } from '../core/io/dtypes';
import type { LayerOp, ModelLayer, ModelTable, UnsupportedOp } from './types';

/** Output length of a conv/pool along one axis (floor mode unless `ceil`). */
export function convOutLen(n: number, k: number, stride: number, padBegin: number, padEnd: number, dilation = 1, ceil = false): number {
  const span = n + padBegin + padEnd - dilation * (k - 1) - 1;
  return (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

/** TensorFlow 'same' padding along one axis: [begin, end]. */
export function samePads(n: number, k: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + dilation * (k - 1) + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Numpy-style broadcast of two shapes; null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1,
      y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export { product };

/** FormatError unless the tensor has elements and all of them are finite. Returns `data`. */
export function checkWeights(where: string, name: string, shape: readonly number[], data: ArrayLike<number>): ArrayLike<number> {
  if (data.length === 0 || shape.some((d) => d === 0))
    throw new FormatError(
      `${where}: weight ${JSON.stringify(name)} has shape ${describe([...shape])} (0 elements); expected a non-empty tensor`,
    );
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new FormatError(`${where}: weight ${JSON.stringify(name)}[${i}] is ${describe(data[i])}; expected finite weights`);
  }
  return data;
}

export interface RowSpec {
  name: string;
  op: LayerOp;
  sourceOp: string;
  nOut: number;
  nIn: number;
  groups?: number;
  kernel?: number[];
  strides?: number[];
  inputShape: number[] | null;
  outputShape: number[] | null;
  /** Matmul rows per sample; null when shapes are unknown. */
  positions: number | null;
  bias: boolean;
  weightShape: number[];
  weight: () => Float32Array;
  tensor?: { name: string; transposed: boolean };
}

/** One table row: MACs = positions · nOut · nIn (NaN when positions are unknown); params = weights (+ bias). */
export function layerRow(s: RowSpec): ModelLayer {
  const weights = s.nOut * s.nIn;
  return {
    name: s.name,
    op: s.op,
    sourceOp: s.sourceOp,
    nOut: s.nOut,
    nIn: s.nIn,
    groups: s.groups ?? 1,
    kernel: s.kernel ?? [],
    strides: s.strides ?? [],
    positions: s.positions ?? NaN,
    inputShape: s.inputShape,
    outputShape: s.outputShape,
    macs: s.positions === null ? NaN : s.positions * weights,
    params: weights + (s.bias ? s.nOut : 0),
    bias: s.bias,
    weightShape: s.weightShape,
    weight: s.weight,
    ...(s.tensor ? { tensor: s.tensor } : {}),
  };
}

/** Collects ops the importer could not follow, grouped by op type. */
export class UnsupportedList {
  private readonly m = new Map<string, UnsupportedOp>();
  add(op: string, node: string, reason: string): void {
    const key = `${op}\u0000${reason}`;
    const e = this.m.get(key) ?? { op, nodes: [], reason };
    e.nodes.push(node);
    this.m.set(key, e);
  }
  list(): UnsupportedOp[] {
    return [...this.m.values()];
  }
}

/** Assemble a table: totals, and `complete` only when nothing is unsupported and every layer has shapes. */
export function makeTable(
  p: Pick<ModelTable, 'source' | 'format' | 'inputShape' | 'layers' | 'unsupported' | 'otherParams'> &
    Partial<Pick<ModelTable, 'notes'>> & {
      /** Read every layer's weights once and check them (checkWeights). Default true. */
      validate?: boolean;
    },
): ModelTable {
  if (p.validate !== false) for (const l of p.layers) checkWeights(p.source, l.name, l.weightShape, l.weight());
  const macs = p.layers.reduce((s, l) => s + l.macs, 0);
  const params = p.layers.reduce((s, l) => s + l.params, 0) + p.otherParams;
  return {
    source: p.source,
    format: p.format,
    inputShape: p.inputShape,
    layers: p.layers,
    unsupported: p.unsupported,
    otherParams: p.otherParams,
    params,
    macs,
    complete: p.unsupported.length === 0 && p.layers.every((l) => Number.isFinite(l.macs)),
    notes: p.notes ?? [],
  };
}

/** Transpose a row-major [rows][cols] matrix. */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}
