/**
 * Fragments of tfjs LayersModels and stitched chains built back into ordinary tfjs models.
 *
 * A cut point is a tensor that is (a) the only tensor crossing the cut in the model's topological layer order (so no
 * residual add or concat spans it) and (b) consumed only by ordinary Conv2D or Dense layers (depthwise and separable
 * convs are not cut points, as the authors' "Conv with group = 1 or Gemm"). The model input is not a cut point.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, UnsupportedLayer, describe } from '../core/errors';
import { foldKernel, foldBias } from './fit';

type Layer = tf.layers.Layer;
type Sym = tf.SymbolicTensor;

export interface GraphNode {
  layer: Layer;
  inputs: number[];
  output: number;
  className: string;
}

/** A fragment: layers [from, to) of a network in topological order. */
export interface Fragment {
  /** Network name and index of the fragment within it. */
  net: string;
  index: number;
  /** Layer index range [from, to) in topological order (InputLayer excluded). */
  from: number;
  to: number;
  /** Names of its layers. */
  layers: string[];
  /** Input and output shapes without the batch axis. */
  inShape: number[];
  outShape: number[];
  isStart: boolean;
  isEnd: boolean;
  /** Layers that receive the fragment's input (their kernels take the folded stitch). */
  receivers: string[];
  id: string;
}

export interface NetGraph {
  name: string;
  model: tf.LayersModel;
  nodes: GraphNode[];
  inputId: number;
  outputId: number;
  shapes: Map<number, number[]>;
  /** Tensor id at each cut position (index into nodes): cuts[k] = { pos, tensor }. */
  cuts: { pos: number; tensor: number }[];
  fragments: Fragment[];
  /** Symbolic tensors by id (to read activations inside the source model). */
  syms: Map<number, Sym>;
}

const RECEIVERS = new Set(['Conv2D', 'Dense']);

function symList(x: Sym | Sym[]): Sym[] {
  return Array.isArray(x) ? x : [x];
}

/** Analyse a model's layer graph. @throws UnsupportedLayer for nested models, shared layers, multi-input/output models. */
export function analyse(model: tf.LayersModel, name?: string, opts: { cutEvery?: number } = {}): NetGraph {
  const every = opts.cutEvery ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new InvalidInput(`cutEvery must be a positive integer, got ${describe(every)}`);
  if (!(model instanceof tf.LayersModel)) throw new InvalidInput(`expected a tf.LayersModel, got ${describe(model)}`);
  const netName = name ?? model.name;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedLayer(
      `${netName}: StitchNet needs a single-input single-output model, got ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  }
  const nodes: GraphNode[] = [];
  const shapes = new Map<number, number[]>();
  const syms = new Map<number, Sym>();
  const inSym = model.inputs[0]!;
  syms.set(inSym.id, inSym);
  shapes.set(inSym.id, inSym.shape.slice(1) as number[]);
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    if (layer instanceof tf.LayersModel)
      throw new UnsupportedLayer(`${netName}: nested model ${describe(layer.name)} is not supported; flatten it into one functional model`);
    if (layer.inboundNodes.length !== 1)
      throw new UnsupportedLayer(
        `${netName}: layer ${describe(layer.name)} (${cls}) is used ${layer.inboundNodes.length} times; shared layers are not supported`,
      );
    const ins = symList(layer.input as Sym | Sym[]),
      out = layer.output as Sym | Sym[];
    if (Array.isArray(out)) throw new UnsupportedLayer(`${netName}: layer ${describe(layer.name)} (${cls}) has several outputs`);
    shapes.set(out.id, out.shape.slice(1) as number[]);
    syms.set(out.id, out);
    nodes.push({ layer, inputs: ins.map((s) => s.id), output: out.id, className: cls });
  }
  if (nodes.length === 0) throw new InvalidInput(`${netName}: model has no layers`);
  const outputId = model.outputs[0]!.id;
  // consumers and last use of every tensor
  const consumers = new Map<number, number[]>();
  nodes.forEach((nd, i) => {
    for (const t of nd.inputs) consumers.set(t, [...(consumers.get(t) ?? []), i]);
  });
  const producedAt = new Map<number, number>([[inSym.id, -1]]);
  nodes.forEach((nd, i) => producedAt.set(nd.output, i));
  const cuts: { pos: number; tensor: number }[] = [];
  for (let p = 1; p < nodes.length; p++) {
    const live = [...producedAt.entries()].filter(([t, at]) => at < p && ((consumers.get(t) ?? []).some((c) => c >= p) || t === outputId));
    if (live.length !== 1) continue;
    const t = live[0]![0];
    const cons = consumers.get(t) ?? [];
    if (!cons.includes(p)) continue;
    if (!cons.every((c) => RECEIVERS.has(nodes[c]!.className))) continue;
    if (cons.some((c) => nodes[c]!.className === 'Dense' && (shapes.get(t)?.length ?? 0) !== 1)) continue;
    cuts.push({ pos: p, tensor: t });
  }
  // the authors' get_fragments takes candidate inputs[1::n]: the first eligible cut, then every n-th (n = 1: all)
  const kept = cuts.filter((_, i) => i % every === 0);
  cuts.length = 0;
  cuts.push(...kept);
  const g: NetGraph = { name: netName, model, nodes, inputId: inSym.id, outputId, shapes, cuts, fragments: [], syms };
  const bounds = [0, ...cuts.map((c) => c.pos), nodes.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const from = bounds[k]!,
      to = bounds[k + 1]!;
    const inT = k === 0 ? inSym.id : cuts[k - 1]!.tensor;
    const outT = k + 1 === bounds.length - 1 ? outputId : cuts[k]!.tensor;
    const receivers = k === 0 ? [] : (consumers.get(inT) ?? []).map((c) => nodes[c]!.layer.name);
    g.fragments.push({
      net: netName,
      index: k,
      from,
      to,
      layers: nodes.slice(from, to).map((n) => n.layer.name),
      inShape: shapes.get(inT)!,
      outShape: shapes.get(outT)!,
      isStart: k === 0,
      isEnd: k === bounds.length - 2,
      receivers,
      id: `${netName}#${k}`,
    });
  }
  return g;
}

/**
 * Eligible cut points and fragments of a model — the pieces StitchNet composes (arXiv 2301.01947; the cut rule is in
 * the module comment). The model stays owned by the caller.
 */
export function fragmentize(
  model: tf.LayersModel,
  opts: {
    /** Network name used in fragment ids `<name>#<k>` (default model.name). */
    name?: string;
    /**
     * Keep every n-th eligible cut point, starting with the first (default 1 = all; 3 = the authors' experiments'
     * `inputs[1::3]`, arXiv 2301.01947 code release).
     */
    cutEvery?: number;
  } = {},
): Fragment[] {
  return analyse(model, opts.name, opts).fragments;
}

/** The tensor id entering fragment k, and the one leaving it. */
export function fragmentIo(g: NetGraph, k: number): { inT: number; outT: number } {
  const last = g.fragments.length - 1;
  return { inT: k === 0 ? g.inputId : g.cuts[k - 1]!.tensor, outT: k === last ? g.outputId : g.cuts[k]!.tensor };
}

/** One piece of a stitched chain: a fragment, with the stitch folded into its receiving layers (none for a start). */
export interface Piece {
  graph: NetGraph;
  fragment: number;
  /** y ≈ A·x, A [d2×d1]; null = no stitch (start fragment or identity). */
  A: Float64Array | null;
  d1: number;
  bias: Float64Array | null;
  /** Insert GlobalAveragePooling2D before the receiving Dense (4-D → 2-D stitch). */
  gap: boolean;
}

let uid = 0;

function cloneLayer(layer: Layer, tag: string): Layer {
  const cfg = { ...layer.getConfig() } as Record<string, unknown>;
  delete cfg.batchInputShape;
  delete cfg.inputShape;
  delete cfg.batchSize;
  cfg.name = `${tag}_${layer.name}_${++uid}`;
  const Ctor = layer.constructor as unknown as new (c: Record<string, unknown>) => Layer;
  return new Ctor(cfg);
}

/**
 * Build a chain of pieces into one ordinary tfjs LayersModel taking `inputShape` (without batch).
 * Stitches are folded into the receiving Conv2D/Dense kernels (no layer added, except GlobalAveragePooling2D for a
 * 4-D → 2-D stitch, as the authors insert). The caller owns the returned model (dispose it).
 */
export function buildChain(pieces: Piece[], inputShape: number[], name = 'stitched'): tf.LayersModel {
  if (pieces.length === 0) throw new InvalidInput('buildChain needs at least one piece');
  const inp = tf.input({ shape: inputShape });
  let cur: Sym = inp;
  const clones: { src: Layer; dst: Layer; piece: Piece; receiver: boolean }[] = [];
  pieces.forEach((pc, pi) => {
    const fr = pc.graph.fragments[pc.fragment];
    if (!fr) throw new InvalidInput(`${pc.graph.name} has no fragment ${pc.fragment}`);
    const { inT, outT } = fragmentIo(pc.graph, pc.fragment);
    const map = new Map<number, Sym>();
    if (pc.gap) cur = tf.layers.globalAveragePooling2d({ name: `stitch_gap_${++uid}` }).apply(cur) as Sym;
    map.set(inT, cur);
    for (let i = fr.from; i < fr.to; i++) {
      const nd = pc.graph.nodes[i]!;
      const dst = cloneLayer(nd.layer, `p${pi}`);
      const ins = nd.inputs.map((t) => {
        const s = map.get(t);
        if (!s) throw new UnsupportedLayer(`${pc.graph.name}: layer ${nd.layer.name} reads a tensor from outside fragment ${pc.fragment}`);
        return s;
      });
      map.set(nd.output, dst.apply(ins.length === 1 ? ins[0]! : ins) as Sym);
      clones.push({ src: nd.layer, dst, piece: pc, receiver: pc.A !== null && nd.inputs.includes(inT) });
    }
    cur = map.get(outT)!;
  });
  const model = tf.model({ inputs: inp, outputs: cur, name: `${name}_${++uid}` });
  for (const c of clones) {
    const ws = c.src.getWeights();
    if (!c.receiver) {
      c.dst.setWeights(ws);
      continue;
    }
    const pc = c.piece;
    const d2 = pc.A!.length / pc.d1;
    const kd = { shape: ws[0]!.shape, data: ws[0]!.dataSync() };
    const k2 = foldKernel(kd, pc.A!, pc.d1, d2);
    const news: tf.Tensor[] = [tf.tensor(k2.data, k2.shape)];
    if (ws.length > 1) news.push(pc.bias ? tf.tensor(foldBias(kd, ws[1]!.dataSync(), pc.bias), ws[1]!.shape) : ws[1]!);
    else if (pc.bias) {
      news.forEach((t) => t.dispose());
      model.dispose();
      throw new UnsupportedLayer(`${c.src.name} has no bias to take the stitch bias; fit without bias`);
    }
    c.dst.setWeights(news);
    news[0]!.dispose();
    if (pc.bias && news[1]) news[1].dispose();
  }
  return model;
}

/** Exact multiply–accumulate count per image for Conv2D, DepthwiseConv2D, SeparableConv2D and Dense layers. */
export function countMacs(model: tf.LayersModel): number {
  let macs = 0;
  for (const l of model.layers) {
    const cls = l.getClassName();
    const out = (l.output as Sym).shape,
      inp = symList(l.input as Sym | Sym[])[0]!.shape;
    const cfg = l.getConfig() as { kernelSize?: number | number[]; depthMultiplier?: number };
    const ks = Array.isArray(cfg.kernelSize) ? cfg.kernelSize : [cfg.kernelSize ?? 1, cfg.kernelSize ?? 1];
    const kk = (ks[0] ?? 1) * (ks[1] ?? 1);
    const cin = inp[inp.length - 1] as number,
      cout = out[out.length - 1] as number;
    const pos = out.length === 4 ? (out[1] as number) * (out[2] as number) : 1;
    if (cls === 'Conv2D') macs += pos * kk * cin * cout;
    else if (cls === 'DepthwiseConv2D') macs += pos * kk * cin * (cfg.depthMultiplier ?? 1);
    else if (cls === 'SeparableConv2D') macs += pos * (kk * cin * (cfg.depthMultiplier ?? 1) + cin * (cfg.depthMultiplier ?? 1) * cout);
    else if (cls === 'Dense') macs += (inp.slice(1) as number[]).reduce((a, b) => a * b, 1) * cout;
  }
  return macs;
}
