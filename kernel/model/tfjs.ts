/**
 * tfjs models → layer table: layers models (Keras topology, model.json), graph models (converter output, e.g. the
 * `@vladmandic/human` nets) and bare weights manifests (face-api nets, no topology: parameters only).
 *
 * Shapes come from tfjs itself: a layers model knows each layer's input/output shape; a graph model is run once on a
 * zero input of its signature shape and every weighted node's input/output shape is read (tensors disposed right
 * away). Weights are read once into plain typed arrays; the model is disposed before the table is returned.
 */
import { basename, dirname, extname, join } from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { FormatError, InvalidInput, NotFound, describe } from '../core/errors';
import { loadGraphModel, loadLayersModel, loadWeightsManifest, type NamedWeight } from '../core/io/tfjs-models';
import { UnsupportedList, layerRow, makeTable, product, transpose } from './table';
import type { ImportOptions, ModelFormat, ModelLayer, ModelTable } from './types';

/** model.json path of a folder or file. */
export function modelJsonPath(path: string): string {
  if (!existsSync(path)) throw new NotFound(`model ${describe(path)} does not exist`);
  return statSync(path).isDirectory() ? join(path, 'model.json') : path;
}

/** Keras layer → table rows; returns false when the layer's weights are not analysed. */
function kerasRows(l: tf.layers.Layer, vals: Float32Array[], shapes: number[][], layers: ModelLayer[]): boolean {
  const cls = l.getClassName();
  const inShape = ([...(l.input as tf.SymbolicTensor).shape] as (number | null)[]).map((d) => d ?? 1);
  const outShape = ([...(l.output as tf.SymbolicTensor).shape] as (number | null)[]).map((d) => d ?? 1);
  const cfg = l.getConfig() as Record<string, unknown>;
  const useBias = cfg.useBias !== false && vals.length > 1;
  const positionsOf = (s: number[]) => product(s.slice(1, -1));
  if (cls === 'Conv2D' || cls === 'Conv1D') {
    const ws = shapes[0]!,
      cout = ws.at(-1)!,
      nIn = product(ws.slice(0, -1));
    const w = vals[0]!;
    layers.push(
      layerRow({
        name: l.name,
        op: 'conv',
        sourceOp: cls,
        nOut: cout,
        nIn,
        kernel: ws.slice(0, -2),
        strides: (cfg.strides as number[]) ?? [],
        inputShape: inShape,
        outputShape: outShape,
        positions: positionsOf(outShape),
        bias: useBias,
        weightShape: ws,
        weight: () => transpose(w, nIn, cout),
      }),
    );
    return true;
  }
  if (cls === 'DepthwiseConv2D' || cls === 'SeparableConv2D') {
    const ws = shapes[0]!;
    const [kh, kw, cin, mult] = ws as [number, number, number, number];
    const w = vals[0]!;
    const dwOut = cls === 'SeparableConv2D' ? [...outShape.slice(0, -1), cin * mult] : outShape;
    layers.push(
      layerRow({
        name: cls === 'SeparableConv2D' ? `${l.name}/depthwise` : l.name,
        op: 'depthwise',
        sourceOp: cls,
        nOut: cin * mult,
        nIn: kh * kw,
        groups: cin,
        kernel: [kh, kw],
        strides: (cfg.strides as number[]) ?? [],
        inputShape: inShape,
        outputShape: dwOut,
        positions: positionsOf(dwOut),
        bias: cls === 'DepthwiseConv2D' && useBias,
        weightShape: ws,
        weight: () => transpose(w, kh * kw, cin * mult),
      }),
    );
    if (cls === 'SeparableConv2D') {
      const ps = shapes[1]!,
        pin = ps[2]!,
        pout = ps[3]!,
        pw = vals[1]!;
      layers.push(
        layerRow({
          name: `${l.name}/pointwise`,
          op: 'conv',
          sourceOp: cls,
          nOut: pout,
          nIn: pin,
          kernel: [1, 1],
          strides: [1, 1],
          inputShape: dwOut,
          outputShape: outShape,
          positions: positionsOf(outShape),
          bias: vals.length > 2,
          weightShape: ps,
          weight: () => transpose(pw, pin, pout),
        }),
      );
    }
    return true;
  }
  if (cls === 'Dense') {
    const [nIn, nOut] = shapes[0]! as [number, number];
    const w = vals[0]!;
    layers.push(
      layerRow({
        name: l.name,
        op: 'dense',
        sourceOp: cls,
        nOut,
        nIn,
        inputShape: inShape,
        outputShape: outShape,
        positions: positionsOf(outShape),
        bias: useBias,
        weightShape: shapes[0]!,
        weight: () => transpose(w, nIn, nOut),
      }),
    );
    return true;
  }
  return false;
}

const NORM = new Set(['BatchNormalization', 'LayerNormalization', 'PReLU']);

/**
 * Table of a live tfjs LayersModel (not disposed; the caller keeps ownership). Weights are copied out once.
 * Leaves no tensors behind.
 */
export function tableFromLayersModel(model: tf.LayersModel, source: string, format: ModelFormat, opts: ImportOptions = {}): ModelTable {
  const layers: ModelLayer[] = [];
  const unsupported = new UnsupportedList();
  let otherParams = 0;
  for (const l of model.layers) {
    const ws = l.getWeights();
    if (!ws.length) continue;
    const vals = ws.map((t) => t.dataSync() as Float32Array);
    const shapes = ws.map((t) => t.shape as number[]);
    if (kerasRows(l, vals, shapes, layers)) continue;
    const trainable = l.trainableWeights.reduce((s, v) => s + product(v.shape as number[]), 0);
    otherParams += trainable;
    if (!NORM.has(l.getClassName())) unsupported.add(l.getClassName(), l.name, 'weighted op not analysed');
  }
  const inputShape = ([...model.inputs[0]!.shape] as (number | null)[]).map((d) => d ?? 1);
  const table = makeTable({
    source,
    format,
    inputShape,
    layers,
    unsupported: unsupported.list(),
    otherParams,
    validate: opts.validate,
    notes: ['batch dimension set to 1'],
  });
  return table;
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; b?: boolean; list?: { s?: string[]; i?: string[] } }>;
}

const GRAPH_CONV = new Set(['Conv2D', '_FusedConv2D']);
const GRAPH_DW = new Set(['DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
const GRAPH_MM = new Set(['MatMul', '_FusedMatMul']);
const GRAPH_WEIGHTED_OTHER = new Set(['Conv2DBackpropInput', 'Conv3D', 'BatchMatMulV2']);

const nodeOf = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');

/** Import a tfjs graph model (model.json with format "graph-model"). Runs the graph once on zeros for the shapes. */
async function importGraph(json: string, topo: { node?: GraphNode[] }, opts: ImportOptions): Promise<ModelTable> {
  const weights = loadWeightsManifest(dirname(json), basename(json));
  const nodes = topo.node ?? [];
  const weighted = nodes.filter(
    (n) => (GRAPH_CONV.has(n.op) || GRAPH_DW.has(n.op) || GRAPH_MM.has(n.op)) && weights.has(nodeOf(n.input?.[1] ?? '')),
  );
  const model = await loadGraphModel(json);
  const shapes = new Map<string, number[]>();
  let inputShape: number[];
  try {
    if (model.inputs.length !== 1)
      throw new InvalidInput(`graph model ${describe(json)} has ${model.inputs.length} inputs; only single-input models are analysed`);
    const sig = model.inputs[0]!;
    const given = opts.inputShape;
    const s = (sig.shape ?? []).map((d, i) => {
      if (given) return given[i]!;
      if (d > 0) return d;
      if (i === 0) return 1;
      throw new InvalidInput(
        `graph model ${describe(json)} input ${JSON.stringify(sig.name)} has dynamic dimension ${i} (shape ${describe(sig.shape)}); pass inputShape, e.g. [1, 224, 224, 3]`,
      );
    });
    if (given && (given.length !== (sig.shape ?? []).length || !given.every((d) => Number.isInteger(d) && d > 0)))
      throw new InvalidInput(
        `inputShape ${describe(given)} must have ${(sig.shape ?? []).length} positive integers for ${JSON.stringify(sig.name)}`,
      );
    inputShape = s;
    const want = [...new Set(weighted.flatMap((n) => [n.name, n.input![0]!.replace(/:0$/, '')]))];
    const x = tf.zeros(s, sig.dtype as tf.DataType);
    try {
      // execute() for plain graphs (executeAsync warns on them); executeAsync for control flow (centernet's NMS loop)
      let outs: tf.Tensor | tf.Tensor[];
      try {
        outs = model.execute(x, want);
      } catch {
        outs = (await model.executeAsync(x, want)) as tf.Tensor | tf.Tensor[];
      }
      const arr = Array.isArray(outs) ? outs : [outs];
      arr.forEach((t, i) => shapes.set(want[i]!, t.shape.slice()));
      tf.dispose(arr);
    } finally {
      x.dispose();
    }
  } finally {
    model.dispose();
  }
  const layers: ModelLayer[] = [];
  const usedW = new Set<string>();
  const unsupported = new UnsupportedList();
  for (const n of weighted) {
    const wn = nodeOf(n.input![1]!);
    const W = weights.get(wn)!;
    const ws = W.shape;
    const inS = shapes.get(n.input![0]!.replace(/:0$/, '')) ?? null,
      outS = shapes.get(n.name) ?? null;
    const fused = (n.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
    const biasName = fused.includes('BiasAdd') ? nodeOf(n.input?.[2] ?? '') : '';
    const bias = !!biasName && weights.has(biasName);
    usedW.add(wn);
    if (bias) usedW.add(biasName);
    const data = W.data as Float32Array;
    const strides = (n.attr?.strides?.list?.i ?? []).map(Number).slice(1, 3);
    if (GRAPH_MM.has(n.op)) {
      const tb = !!n.attr?.transpose_b?.b;
      const [K, N] = tb ? [ws[1]!, ws[0]!] : [ws[0]!, ws[1]!];
      layers.push(
        layerRow({
          name: n.name,
          op: 'matmul',
          sourceOp: n.op,
          nOut: N,
          nIn: K,
          inputShape: inS,
          outputShape: outS,
          positions: outS ? product(outS.slice(1, -1)) : null,
          bias,
          weightShape: ws,
          weight: () => (tb ? data.slice() : transpose(data, K, N)),
        }),
      );
    } else if (GRAPH_DW.has(n.op)) {
      const [kh, kw, cin, mult] = ws as [number, number, number, number];
      layers.push(
        layerRow({
          name: n.name,
          op: 'depthwise',
          sourceOp: n.op,
          nOut: cin * mult,
          nIn: kh * kw,
          groups: cin,
          kernel: [kh, kw],
          strides,
          inputShape: inS,
          outputShape: outS,
          positions: outS ? product(outS.slice(1, -1)) : null,
          bias,
          weightShape: ws,
          weight: () => transpose(data, kh * kw, cin * mult),
        }),
      );
    } else {
      const cout = ws[3]!,
        nIn = ws[0]! * ws[1]! * ws[2]!;
      layers.push(
        layerRow({
          name: n.name,
          op: 'conv',
          sourceOp: n.op,
          nOut: cout,
          nIn,
          kernel: ws.slice(0, 2),
          strides,
          inputShape: inS,
          outputShape: outS,
          positions: outS ? product(outS.slice(1, -1)) : null,
          bias,
          weightShape: ws,
          weight: () => transpose(data, nIn, cout),
        }),
      );
    }
  }
  for (const n of nodes) if (GRAPH_WEIGHTED_OTHER.has(n.op)) unsupported.add(n.op, n.name, 'weighted op not analysed');
  // float constants outside the table's layers (PReLU slopes, folded scales, …); shape/index tensors are int32
  let otherParams = 0;
  for (const [name, w] of weights) if (!usedW.has(name) && w.dtype === 'float32' && product(w.shape) > 1) otherParams += product(w.shape);
  const table = makeTable({
    source: json,
    format: 'tfjs-graph',
    inputShape,
    layers,
    unsupported: unsupported.list(),
    otherParams,
    validate: opts.validate,
    notes: ['otherParams = float constants of the graph outside the table layers (PReLU slopes, scales, anchors, …)'],
  });
  return table;
}

/**
 * A bare weights manifest (face-api): no topology, so no shapes. Every 4-D kernel is a conv row (depthwise when its
 * last dim is 1 and its name says so), every 2-D matrix a dense row; MACs are NaN and the table is not complete.
 */
function importManifest(dir: string, manifest: string, opts: ImportOptions): ModelTable {
  const weights = loadWeightsManifest(dir, manifest);
  const layers: ModelLayer[] = [];
  let otherParams = 0;
  const used = new Set<string>();
  for (const [name, w] of weights as Map<string, NamedWeight>) {
    const s = w.shape,
      data = w.data as Float32Array;
    const biasName = [name.replace(/(filters?|weights|kernel)$/, 'bias'), name.replace(/(filters?|weights|kernel)$/, 'biases')].find(
      (b) => b !== name && weights.has(b),
    );
    if (s.length === 4 && /filters?$|weights$|kernel$/.test(name)) {
      const dw = /depthwise/.test(name) && s[3] === 1;
      const nOut = dw ? s[2]! : s[3]!,
        nIn = dw ? s[0]! * s[1]! : s[0]! * s[1]! * s[2]!;
      layers.push(
        layerRow({
          name,
          op: dw ? 'depthwise' : 'conv',
          sourceOp: 'manifest',
          nOut,
          nIn,
          groups: dw ? s[2]! : 1,
          kernel: s.slice(0, 2),
          inputShape: null,
          outputShape: null,
          positions: null,
          bias: !!biasName,
          weightShape: s,
          weight: () => transpose(data, nIn, nOut),
        }),
      );
    } else if (s.length === 2 && /weights|kernel/.test(name)) {
      layers.push(
        layerRow({
          name,
          op: 'dense',
          sourceOp: 'manifest',
          nOut: s[1]!,
          nIn: s[0]!,
          inputShape: null,
          outputShape: null,
          positions: null,
          bias: !!biasName,
          weightShape: s,
          weight: () => transpose(data, s[0]!, s[1]!),
        }),
      );
    } else continue;
    used.add(name);
    if (biasName) used.add(biasName);
  }
  for (const [name, w] of weights) if (!used.has(name)) otherParams += product(w.shape);
  const table = makeTable({
    source: join(dir, manifest),
    format: 'tfjs-weights',
    inputShape: null,
    layers,
    unsupported: [],
    otherParams,
    validate: opts.validate,
    notes: [
      'weights manifest without topology: shapes and MACs unknown (NaN); pass the architecture as ONNX or a tfjs model.json for MACs',
    ],
  });
  return table;
}

/**
 * Import a tfjs model: a folder or model.json (layers or graph model), or a weights manifest (`*-weights_manifest.json`,
 * or a folder plus `opts.manifest`). Needs `await init()` (tfjs backend) for layers and graph models.
 * @throws NotFound, FormatError (malformed JSON / shards / NaN weights), InvalidInput (dynamic input without inputShape).
 */
export async function importTfjs(path: string, opts: ImportOptions = {}): Promise<ModelTable> {
  if (existsSync(path) && statSync(path).isDirectory() && opts.manifest) return importManifest(path, opts.manifest, opts);
  const json = modelJsonPath(path);
  if (!existsSync(json)) throw new NotFound(`tfjs model ${describe(json)} does not exist`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(json, 'utf8'));
  } catch (e) {
    throw new FormatError(`tfjs model ${describe(json)} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (Array.isArray(parsed)) return importManifest(dirname(json), basename(json), opts);
  const obj = parsed as { format?: string; modelTopology?: { node?: GraphNode[]; class_name?: string; model_config?: unknown } };
  if (!obj || typeof obj !== 'object' || !obj.modelTopology)
    throw new FormatError(
      `tfjs model ${describe(json)} has no modelTopology; expected a tfjs model.json (layers or graph model) or a weights manifest array`,
    );
  if (obj.format === 'graph-model' || Array.isArray(obj.modelTopology.node)) return importGraph(json, obj.modelTopology, opts);
  const model = await loadLayersModel(json);
  try {
    return tableFromLayersModel(model, json, 'tfjs-layers', opts);
  } finally {
    model.dispose();
  }
}

/** True for paths importTfjs reads (model.json, *.json manifests, folders holding model.json). */
export function isTfjsPath(path: string): boolean {
  if (extname(path) === '.json') return true;
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'model.json'));
}
