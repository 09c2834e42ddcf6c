/**
 * ONNX → layer table. The ModelProto is decoded with onnx-proto (kernel/core/io/onnx.ts); weight tensors stay
 * undecoded views into the file bytes until a layer's `weight()` is called. Shapes are inferred node by node (NCHW)
 * for the ops below; any other op is listed in `unsupported` and the shapes downstream of it stay unknown (their
 * layers get MACs = NaN and the table is not `complete`).
 *
 * Weighted ops: Conv (groups, depthwise), Gemm (transA = 0, transB), MatMul with an initializer operand.
 * Shape ops: BatchNormalization, the unary activations, Add/Sub/Mul/Div (broadcast), MaxPool/AveragePool,
 * GlobalAveragePool/GlobalMaxPool, Flatten, Reshape (constant shape), Concat, Transpose, Softmax, Dropout, Identity,
 * MatMul between two activations (attention scores; no weights, not a table row).
 */
import { dirname, resolve } from 'node:path';
import { onnx } from 'onnx-proto';
import { FormatError, InvalidInput, describe } from '../core/errors';
import { bytesOf } from '../core/io/dtypes';
import { sha256 } from '../core/io/export';
import { decodeOnnxModel, decodeOnnxTensor } from '../core/io/onnx';
import { UnsupportedList, broadcastShapes, convOutLen, layerRow, makeTable, product, transpose } from './table';
import type { ImportOptions, ModelLayer, ModelTable } from './types';

type Shape = number[] | null;
type LongLike = number | { toString(): string };
const num = (v: LongLike | null | undefined): number => (v === null || v === undefined ? 0 : Number(v.toString()));

const UNARY = new Set([
  'Relu',
  'Clip',
  'Sigmoid',
  'Tanh',
  'LeakyRelu',
  'HardSigmoid',
  'HardSwish',
  'Elu',
  'Selu',
  'Erf',
  'Gelu',
  'Sqrt',
  'Neg',
  'Abs',
  'Exp',
  'Log',
  'Softmax',
  'LogSoftmax',
  'Dropout',
  'Identity',
  'Cast',
  'PRelu',
  'LayerNormalization',
  'Not',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Equal', 'Where']);

function attrs(n: onnx.INodeProto): Map<string, onnx.IAttributeProto> {
  return new Map((n.attribute ?? []).map((a) => [a.name ?? '', a]));
}
const ints = (a: onnx.IAttributeProto | undefined): number[] | undefined =>
  a?.ints?.length ? a.ints.map((v) => num(v as LongLike)) : undefined;
const int = (a: onnx.IAttributeProto | undefined, dflt: number): number =>
  a && a.i !== undefined && a.i !== null ? num(a.i as LongLike) : dflt;

/** Spatial output size of a conv/pool node on `x` ([N, C, ...spatial]). */
function spatialOut(x: number[], k: number[], a: Map<string, onnx.IAttributeProto>, node: string): number[] {
  const nd = k.length;
  const strides = ints(a.get('strides')) ?? Array(nd).fill(1);
  const dil = ints(a.get('dilations')) ?? Array(nd).fill(1);
  const autoPad = a.get('auto_pad')?.s ? new TextDecoder().decode(a.get('auto_pad')!.s!) : 'NOTSET';
  const ceil = int(a.get('ceil_mode'), 0) === 1;
  const pads = ints(a.get('pads')) ?? Array(2 * nd).fill(0);
  return k.map((kk, i) => {
    const n = x[2 + i]!;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(n / strides[i]!);
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID')
      throw new FormatError(`ONNX node ${JSON.stringify(node)} has auto_pad ${describe(autoPad)}`);
    const o = convOutLen(n, kk, strides[i]!, pads[i]!, pads[i + nd]!, dil[i]!, ceil);
    if (o < 1)
      throw new FormatError(`ONNX node ${JSON.stringify(node)} gives output size ${o} along axis ${2 + i} (input ${n}, kernel ${kk})`);
    return o;
  });
}

/** The graph input shape with a symbolic batch set to 1; InvalidInput for other dynamic dims without `inputShape`. */
function inputShapeOf(vi: onnx.IValueInfoProto, given: number[] | undefined, notes: string[], where: string): number[] {
  const dims = vi.type?.tensorType?.shape?.dim ?? [];
  if (given) {
    if (given.length !== dims.length || !given.every((d) => Number.isInteger(d) && d > 0))
      throw new InvalidInput(
        `inputShape ${describe(given)} must have ${dims.length} positive integers for input ${JSON.stringify(vi.name)}${where}`,
      );
    return given;
  }
  return dims.map((d, i) => {
    if (d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue as LongLike) > 0) return num(d.dimValue as LongLike);
    if (i === 0) {
      notes.push(`input ${JSON.stringify(vi.name)}: symbolic batch ${describe(d.dimParam ?? '?')} set to 1`);
      return 1;
    }
    throw new InvalidInput(
      `ONNX input ${JSON.stringify(vi.name)}${where} has dynamic dimension ${i} (${describe(d.dimParam ?? '?')}); pass inputShape, e.g. [1, 3, 224, 224]`,
    );
  });
}

/** Import an ONNX model (path or bytes) into a layer table. See the module comment for the ops followed. */
export function importOnnx(src: string | Uint8Array, opts: ImportOptions = {}): ModelTable {
  const bytes = bytesOf(src, 'ONNX model');
  const where = typeof src === 'string' ? ` (${src})` : '';
  const model = decodeOnnxModel(bytes, where);
  const g = model.graph!;
  if (!(g.node ?? []).length) throw new FormatError(`ONNX model${where} has no nodes; expected a graph with at least one op`);
  const baseDir = typeof src === 'string' ? dirname(resolve(src)) : undefined;
  const inits = new Map<string, onnx.ITensorProto>();
  for (const t of g.initializer ?? []) inits.set(t.name ?? '', t);
  const dimsOf = (t: onnx.ITensorProto) => (t.dims ?? []).map((d) => num(d as LongLike));
  const consts = new Map<string, number[]>(); // small int tensors (Reshape shapes) from initializers / Constant nodes
  const constOf = (name: string): number[] | undefined => {
    if (consts.has(name)) return consts.get(name);
    const t = inits.get(name);
    if (!t || product(dimsOf(t)) > 64) return undefined;
    const v = Array.from(decodeOnnxTensor(t, baseDir).data as ArrayLike<number | bigint>, Number);
    consts.set(name, v);
    return v;
  };
  const notes: string[] = [];
  const shapes = new Map<string, Shape>();
  for (const [name, t] of inits) shapes.set(name, dimsOf(t));
  const graphInputs = (g.input ?? []).filter((vi) => !inits.has(vi.name ?? ''));
  if (!graphInputs.length) throw new FormatError(`ONNX model${where} has no graph input besides its initializers`);
  if (opts.inputShape && graphInputs.length > 1)
    throw new InvalidInput(
      `inputShape applies to one graph input; this model has ${graphInputs.length}: ${graphInputs.map((v) => v.name).join(', ')}`,
    );
  for (const vi of graphInputs) shapes.set(vi.name ?? '', inputShapeOf(vi, opts.inputShape, notes, where));
  const inputShape = shapes.get(graphInputs[0]!.name ?? '') ?? null;

  const unsupported = new UnsupportedList();
  const layers: ModelLayer[] = [];
  const used = new Set<string>(); // initializers counted as layer weights or BN running stats
  let otherParams = 0;
  const weightOf = (name: string, rows: number, cols: number, transposed: boolean) => () => {
    const t = inits.get(name)!;
    const a = decodeOnnxTensor(t, baseDir);
    const f = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>);
    return transposed ? transpose(f, cols, rows) : f;
  };

  for (const n of g.node ?? []) {
    const op = n.opType ?? '';
    const name = n.name || n.output?.[0] || op;
    const ins = (n.input ?? []).map((i) => (i ? (shapes.get(i) ?? null) : null));
    const x = ins[0] ?? null;
    const a = attrs(n);
    const setOut = (s: Shape) => (n.output ?? []).forEach((o) => shapes.set(o, s));
    const weightInit = (i: number) => (n.input?.[i] ? inits.get(n.input[i]!) : undefined);
    switch (op) {
      case 'Conv': {
        const W = weightInit(1);
        if (!W) {
          unsupported.add(op, name, 'weights are not an initializer (not analysed)');
          setOut(null);
          break;
        }
        const ws = dimsOf(W);
        const [cout, cinG, ...k] = ws as [number, number, ...number[]];
        const groups = int(a.get('group'), 1);
        let y: Shape = null;
        if (x) {
          if (x[1] !== cinG * groups)
            throw new FormatError(
              `ONNX Conv ${JSON.stringify(name)} has ${x[1]} input channels but weight ${describe(ws)} with group ${groups} expects ${cinG * groups}`,
            );
          y = [x[0]!, cout, ...spatialOut(x, k, a, name)];
        }
        const depthwise = groups > 1 && cinG === 1 && groups === x?.[1];
        layers.push(
          layerRow({
            name,
            op: depthwise || (groups > 1 && cinG === 1) ? 'depthwise' : 'conv',
            sourceOp: op,
            nOut: cout,
            nIn: cinG * product(k),
            groups,
            kernel: k,
            strides: ints(a.get('strides')) ?? k.map(() => 1),
            inputShape: x,
            outputShape: y,
            positions: y ? product(y.slice(2)) : null,
            bias: !!weightInit(2),
            weightShape: ws,
            weight: weightOf(n.input![1]!, cout, cinG * product(k), false),
            tensor: { name: n.input![1]!, transposed: false },
          }),
        );
        used.add(n.input![1]!);
        if (n.input?.[2]) used.add(n.input[2]);
        setOut(y);
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const wi = op === 'Gemm' ? 1 : inits.has(n.input?.[1] ?? '') ? 1 : inits.has(n.input?.[0] ?? '') ? 0 : -1;
        if (wi === -1) {
          // activation × activation (attention scores): shapes only
          const b = ins[1] ?? null;
          setOut(x && b ? [...(broadcastShapes(x.slice(0, -2), b.slice(0, -2)) ?? x.slice(0, -2)), x.at(-2)!, b.at(-1)!] : null);
          break;
        }
        const W = weightInit(wi);
        if (!W || wi === 0 || (op === 'Gemm' && int(a.get('transA'), 0) !== 0)) {
          unsupported.add(
            op,
            name,
            wi === 0 ? 'weight on the left of MatMul (not analysed)' : 'Gemm with transA or non-initializer B (not analysed)',
          );
          setOut(null);
          break;
        }
        const ws = dimsOf(W);
        if (ws.length !== 2) {
          unsupported.add(op, name, `weight of rank ${ws.length} (not analysed)`);
          setOut(null);
          break;
        }
        const transB = op === 'Gemm' && int(a.get('transB'), 0) === 1;
        const [K, N] = transB ? [ws[1]!, ws[0]!] : [ws[0]!, ws[1]!];
        if (x && x.at(-1) !== K)
          throw new FormatError(
            `ONNX ${op} ${JSON.stringify(name)}: input ${describe(x)} has ${x.at(-1)} features, weight ${describe(ws)} expects ${K}`,
          );
        const y = x ? [...x.slice(0, -1), N] : null;
        layers.push(
          layerRow({
            name,
            op: op === 'Gemm' ? 'dense' : 'matmul',
            sourceOp: op,
            nOut: N,
            nIn: K,
            inputShape: x,
            outputShape: y,
            positions: x ? product(x.slice(1, -1)) : null,
            bias: op === 'Gemm' && !!weightInit(2),
            weightShape: ws,
            weight: weightOf(n.input![1]!, N, K, !transB),
            tensor: { name: n.input![1]!, transposed: !transB },
          }),
        );
        used.add(n.input![1]!);
        if (op === 'Gemm' && n.input?.[2]) used.add(n.input[2]);
        setOut(y);
        break;
      }
      case 'BatchNormalization':
      case 'InstanceNormalization':
        for (const i of [1, 2]) if (weightInit(i)) otherParams += product(dimsOf(weightInit(i)!));
        for (const i of [1, 2, 3, 4]) if (n.input?.[i]) used.add(n.input[i]!);
        setOut(x);
        break;
      case 'MaxPool':
      case 'AveragePool': {
        const k = ints(a.get('kernel_shape'));
        if (!k) throw new FormatError(`ONNX ${op} ${JSON.stringify(name)} has no kernel_shape`);
        setOut(x ? [x[0]!, x[1]!, ...spatialOut(x, k, a, name)] : null);
        break;
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        setOut(x ? [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] : null);
        break;
      case 'Flatten': {
        const ax = int(a.get('axis'), 1);
        setOut(x ? [product(x.slice(0, ax)), product(x.slice(ax))] : null);
        break;
      }
      case 'Reshape': {
        const target = constOf(n.input?.[1] ?? '');
        if (!target) {
          unsupported.add(op, name, 'shape is not a constant (shapes stop here)');
          setOut(null);
          break;
        }
        if (!x) {
          setOut(null);
          break;
        }
        const t = target.map((d, i) => (d === 0 ? x[i]! : d));
        const known = product(t.filter((d) => d !== -1));
        setOut(t.map((d) => (d === -1 ? product(x) / known : d)));
        break;
      }
      case 'Concat': {
        const ax = int(a.get('axis'), 0);
        if (ins.some((s) => !s)) {
          setOut(null);
          break;
        }
        const r = ins[0]!.length,
          axis = ax < 0 ? ax + r : ax;
        const out = ins[0]!.slice();
        out[axis] = ins.reduce((s, v) => s + v![axis]!, 0);
        setOut(out);
        break;
      }
      case 'Transpose': {
        const perm = ints(a.get('perm'));
        setOut(x ? (perm ?? x.map((_, i) => x.length - 1 - i)).map((p) => x[p]!) : null);
        break;
      }
      case 'Constant': {
        const v = a.get('value')?.t;
        if (v && product(dimsOf(v)) <= 64)
          consts.set(n.output![0]!, Array.from(decodeOnnxTensor(v).data as ArrayLike<number | bigint>, Number));
        setOut(v ? dimsOf(v) : null);
        break;
      }
      default:
        if (UNARY.has(op)) {
          setOut(x);
          // trainable extra inputs (PReLU slope, LayerNorm scale/shift); Clip bounds etc. are constants, not parameters
          if (op === 'PRelu' || op === 'LayerNormalization')
            for (const i of (n.input ?? []).slice(1)) if (inits.has(i) && !used.has(i)) otherParams += product(shapes.get(i) ?? []);
        } else if (BINARY.has(op)) {
          let s: Shape = x;
          for (const t of ins.slice(1)) s = s && t ? broadcastShapes(s, t) : null;
          setOut(s);
        } else {
          unsupported.add(op, name, 'unknown op (shapes stop here)');
          setOut(null);
        }
    }
  }
  // weights behind unsupported weighted ops are still parameters of the model
  for (const [name, t] of inits) {
    if (used.has(name)) continue;
    const d = dimsOf(t);
    const float =
      t.dataType === onnx.TensorProto.DataType.FLOAT ||
      t.dataType === onnx.TensorProto.DataType.FLOAT16 ||
      t.dataType === onnx.TensorProto.DataType.DOUBLE;
    if (float && (g.node ?? []).some((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.opType ?? '') && n.input?.includes(name)))
      otherParams += product(d);
  }
  const table = makeTable({
    source: typeof src === 'string' ? src : 'onnx bytes',
    format: 'onnx',
    inputShape,
    layers,
    unsupported: unsupported.list(),
    otherParams,
    notes,
    validate: opts.validate,
  });
  table.sha256 = sha256(bytes);
  return table;
}
