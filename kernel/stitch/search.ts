/**
 * The authors' recursive search (`generate_networks` / `recursive_stitching` / `find_next_fragment`):
 * from every start fragment, depth-first: score every non-first fragment of every network by CKA between the
 * current composite's output and that fragment's native input on the stitching set, keep the top K (K applied
 * before the filters), drop fragments already in the chain and scores ≤ T, skip candidates whose running product
 * of scores falls below TT, fit + fold the stitch, and yield when an end fragment is appended. At depth ≥ maxDepth−1
 * only end fragments are candidates. Branch failures are reported (onError) and pruned, as the authors' try/except.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe, throwIfAborted, checkInt } from '../core/errors';
import type { ImageDataset } from '../core/data';
import { type Acts, type ActsLike, asActs } from './acts';
import { cka, ckaMacs, type CkaOptions } from './cka';
import { fitStitch, type FitOptions } from './fit';
import { analyse, buildChain, countMacs, fragmentIo, type NetGraph, type Piece, type Fragment } from './graph';

export type NetInput = tf.LayersModel | { name: string; model: tf.LayersModel };
/** Images as a dataset from core/data, a [N, H, W, C] tensor (caller keeps it) or typed array with shape. */
export type ImagesLike = Pick<ImageDataset, 'images' | 'n' | 'height' | 'width'> | ActsLike;

export interface SearchOptions {
  /** The pool of pretrained networks (names must be unique; a bare model uses model.name). */
  nets: NetInput[];
  /** Stitching set (unlabelled images of the target task). */
  data: ImagesLike;
  /** Top-K candidates per step (default 2, the paper's cats-vs-dogs figures; Infinity = all). */
  K?: number;
  /** Per-stitch CKA threshold: keep scores > T (default 0). */
  T?: number;
  /** Threshold on the product of scores (default 0.5, the paper's cats-vs-dogs and beans runs). */
  TT?: number;
  /** Maximum fragments per network (default 8; the paper used 16 for nets with up to 16 fragments). */
  maxDepth?: number;
  /** Only start from these networks (default: all). */
  starts?: string[];
  /** How each compatibility score is computed (default: cka()'s defaults — biased linear CKA, the 'paper' conv policy). */
  cka?: CkaOptions;
  /** How each stitch is fitted (default: fitStitch()'s defaults — the plain pseudo-inverse, no bias, no refinement). */
  fit?: FitOptions;
  /** Called for every pruned branch whose stitch failed (shape errors, unsupported transitions…). */
  onError?: (chain: string[], error: Error) => void;
  /** Checked at every search node; aborting throws `Aborted` from the iteration (default: none). */
  signal?: AbortSignal;
  /** Inference batch size (default 128). */
  batchSize?: number;
  /**
   * Cut points: 1 (default) = every eligible Conv2D/Dense input; 3 = the authors' experiments' `inputs[1::3]`
   * (arXiv 2301.01947 code release, get_fragments): the first eligible cut and every third after it.
   */
  cutEvery?: number;
  /** Filled in as the search runs: multiply-adds spent (everything the search computes on the stitching set). */
  cost?: SearchCost;
}

/** Multiply-adds spent by a search, by kind (all on the stitching set). */
export interface SearchCost {
  /** Every zoo network's forward pass over the stitching set (activations at all cut points). */
  zooForward: number;
  /** Every CKA evaluation (including candidates pruned afterwards). */
  cka: number;
  ckaEvaluations: number;
  /** Least-squares fits (and any SGD refinement). */
  fit: number;
  fits: number;
  /** Forward passes of each newly stitched fragment over the stitching set. */
  stitchedForward: number;
}
/** A zeroed SearchCost to pass as `SearchOptions.cost` (the search adds to it as it runs). */
export function emptyCost(): SearchCost {
  return { zooForward: 0, cka: 0, ckaEvaluations: 0, fit: 0, fits: 0, stitchedForward: 0 };
}
/** All multiply-adds a search spent: zoo forwards + CKA evaluations + fits + stitched forwards (the counts excluded). */
export function totalCost(c: SearchCost): number {
  return c.zooForward + c.cka + c.fit + c.stitchedForward;
}

export interface ChainLink {
  net: string;
  fragment: number;
  id: string;
  layers: string[];
  inShape: number[];
  outShape: number[];
}

export interface StitchedNet {
  chain: ChainLink[];
  /** CKA of each stitch (one fewer than links) and their product, the network's score. */
  stitchScores: number[];
  score: number;
  /** Distinct source networks. */
  sources: number;
  macs: number;
  params: number;
  /** Output of the network on the stitching set (features for a k-NN head). */
  output: Acts;
  /** Internal recipe (fragments + folded stitches); not enumerable, since it references the caller's source models. */
  readonly pieces: Piece[];
  inputShape: number[];
  /** Build it as an ordinary tfjs model; the caller owns (disposes) it. */
  toModel(): tf.LayersModel;
}

/** Images → float32 [N, H, W, C] typed array + shape. */
export function imagesToActs(data: ImagesLike, name = 'data'): Acts {
  const d = data as Pick<ImageDataset, 'images' | 'n' | 'height' | 'width'>;
  if (d && typeof d === 'object' && d.images instanceof Float32Array) {
    return asActs({ shape: [d.n, d.height, d.width, d.images.length / (d.n * d.height * d.width)], data: d.images }, name);
  }
  const a = asActs(data as ActsLike, name);
  if (a.shape.length !== 4) throw new InvalidInput(`${name} must be images [N, H, W, C], got shape [${a.shape.join(', ')}]`);
  return a;
}

/** Run a model on activations in batches; returns float32 outputs. Leaves no tensors. */
export function runModel(model: tf.LayersModel, x: Acts, batchSize = 128): Acts {
  const n = x.shape[0]!,
    per = x.data.length / n;
  const parts: Float32Array[] = [];
  let outShape: number[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const y = tf.tidy(() => {
      const t = tf.tensor(
        x.data instanceof Float32Array ? x.data.subarray(s * per, e * per) : Float32Array.from(x.data.subarray(s * per, e * per)),
        [e - s, ...x.shape.slice(1)],
      );
      return model.predict(t) as tf.Tensor;
    });
    outShape = y.shape.slice(1);
    parts.push(y.dataSync() as Float32Array);
    y.dispose();
  }
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { shape: [n, ...outShape], data };
}

/** Activations of a network at every fragment boundary: acts[k] = input of fragment k (k ≥ 1), acts[last+1] = output. */
export function boundaryActs(g: NetGraph, x: Acts, batchSize = 128): Acts[] {
  const ids = g.fragments.map((_, k) => fragmentIo(g, k).outT);
  const probe = tf.model({ inputs: g.model.inputs, outputs: ids.map((id) => g.syms.get(id)!) });
  const n = x.shape[0]!,
    per = x.data.length / n;
  const chunks: Float32Array[][] = ids.map(() => []);
  let shapes: number[][] = [];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const ys = tf.tidy(() => {
      const t = tf.tensor(Float32Array.from(x.data.subarray(s * per, e * per)), [e - s, ...x.shape.slice(1)]);
      const r = probe.predict(t);
      return Array.isArray(r) ? r : [r];
    });
    shapes = ys.map((y) => y.shape.slice(1));
    ys.forEach((y, i) => {
      chunks[i]!.push(y.dataSync() as Float32Array);
      y.dispose();
    });
  }
  const out: Acts[] = [x];
  chunks.forEach((c, i) => {
    const data = new Float32Array(c.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of c) {
      data.set(p, o);
      o += p.length;
    }
    out.push({ shape: [n, ...shapes[i]!], data });
  });
  return out;
}

function link(g: NetGraph, k: number): ChainLink {
  const f: Fragment = g.fragments[k]!;
  return { net: g.name, fragment: k, id: f.id, layers: f.layers, inShape: f.inShape, outShape: f.outShape };
}

export function namedNets(nets: NetInput[]): { name: string; model: tf.LayersModel }[] {
  if (!Array.isArray(nets) || nets.length === 0) throw new InvalidInput(`nets must be a non-empty array of models, got ${describe(nets)}`);
  const out = nets.map((n, i) => {
    if (n instanceof tf.LayersModel) return { name: n.name, model: n };
    if (n && typeof n === 'object' && typeof n.name === 'string' && n.model instanceof tf.LayersModel) return n;
    throw new InvalidInput(`nets[${i}] must be a tf.LayersModel or { name, model }, got ${describe(n)}`);
  });
  const seen = new Set<string>();
  for (const n of out) {
    if (seen.has(n.name)) throw new InvalidInput(`duplicate network name ${describe(n.name)}; pass { name, model } with unique names`);
    seen.add(n.name);
  }
  return out;
}

/** Finish a chain: build once to count MACs and parameters. */
function finish(pieces: Piece[], scores: number[], output: Acts, inputShape: number[]): StitchedNet {
  const m = buildChain(pieces, inputShape);
  const macs = countMacs(m),
    params = m.countParams();
  m.dispose();
  const chain = pieces.map((p) => link(p.graph, p.fragment));
  const net = {
    chain,
    stitchScores: scores,
    score: scores.reduce((a, b) => a * b, 1),
    sources: new Set(chain.map((c) => c.net)).size,
    macs,
    params,
    output,
    inputShape,
    toModel: () => buildChain(pieces, inputShape),
  } as StitchedNet;
  // not enumerable: the pieces reference the caller's source models, which a stitched net does not own
  Object.defineProperty(net, 'pieces', { value: pieces, enumerable: false });
  return net;
}

/**
 * Generate stitched networks by the recursive search of arXiv 2301.01947 (CKA-scored candidates, least-squares stitches
 * folded into the receiving layer, no backpropagation; details in the module comment). An async generator: iterate
 * with `for await`; each yielded network carries its stitch CKAs, their product (`score`), MACs and parameters.
 * Yielded networks hold typed arrays only; `toModel()` builds a tfjs model the caller owns. Source models stay owned
 * by the caller and must outlive the iteration (and any `toModel()` call).
 */
export async function* search(opts: SearchOptions): AsyncGenerator<StitchedNet> {
  const nets = namedNets(opts.nets);
  const K = opts.K ?? 2;
  if (!(K === Infinity || (Number.isInteger(K) && K >= 1)))
    throw new InvalidInput(`K must be a positive integer or Infinity, got ${describe(K)}`);
  const T = opts.T ?? 0,
    TT = opts.TT ?? 0.5;
  if (typeof T !== 'number' || !Number.isFinite(T)) throw new InvalidInput(`T must be a finite number, got ${describe(T)}`);
  if (typeof TT !== 'number' || !Number.isFinite(TT)) throw new InvalidInput(`TT must be a finite number, got ${describe(TT)}`);
  const maxDepth = checkInt('maxDepth', opts.maxDepth ?? 8, 2);
  const bs = checkInt('batchSize', opts.batchSize ?? 128, 1);
  const x = imagesToActs(opts.data);
  const graphs = nets.map((n) => analyse(n.model, n.name, { cutEvery: opts.cutEvery }));
  const cost = opts.cost;
  for (const g of graphs) {
    const want = g.model.inputs[0]!.shape.slice(1);
    if (want.some((s, i) => s !== null && s !== x.shape[i + 1]))
      throw new InvalidInput(`${g.name} expects inputs [${want.join(', ')}] but data is [${x.shape.slice(1).join(', ')}]`);
  }
  const starts = opts.starts ?? graphs.map((g) => g.name);
  for (const s of starts)
    if (!graphs.some((g) => g.name === s))
      throw new InvalidInput(`starts: unknown network ${describe(s)}; have ${graphs.map((g) => g.name).join(', ')}`);
  const acts = new Map<NetGraph, Acts[]>();
  for (const g of graphs) {
    acts.set(g, boundaryActs(g, x, bs));
    if (cost) cost.zooForward += countMacs(g.model) * x.shape[0]!;
  }
  const inputShape = x.shape.slice(1);
  const cands: { g: NetGraph; k: number }[] = [];
  for (const g of graphs) for (let k = 1; k < g.fragments.length; k++) cands.push({ g, k });

  async function* dfs(pieces: Piece[], X: Acts, scores: number[], total: number): AsyncGenerator<StitchedNet> {
    throwIfAborted(opts.signal);
    await new Promise((r) => setImmediate(r));
    const depth = pieces.length;
    const inChain = new Set(pieces.map((p) => p.graph.fragments[p.fragment]!.id));
    const scored: { g: NetGraph; k: number; s: number; Y: Acts }[] = [];
    for (const c of cands) {
      const f = c.g.fragments[c.k]!;
      if (depth >= maxDepth - 1 && !f.isEnd) continue;
      const Y = acts.get(c.g)![c.k]!;
      if (X.shape.length === 2 && Y.shape.length === 4) continue; // linear → conv: unsupported (pruned before scoring)
      try {
        if (cost) {
          cost.cka += ckaMacs(X.shape, Y.shape, opts.cka);
          cost.ckaEvaluations++;
        }
        scored.push({ ...c, s: cka(X, Y, opts.cka), Y });
      } catch (e) {
        opts.onError?.([...pieces.map((p) => p.graph.fragments[p.fragment]!.id), f.id], e as Error);
      }
    }
    scored.sort((a, b) => b.s - a.s);
    const top = scored
      .slice(0, K === Infinity ? scored.length : K)
      .filter((c) => !inChain.has(c.g.fragments[c.k]!.id))
      .filter((c) => c.s > T);
    for (const c of top) {
      if (total * c.s < TT) continue;
      const f = c.g.fragments[c.k]!;
      let next: Piece, out: Acts;
      try {
        const st = fitStitch(X, c.Y, opts.fit);
        if (cost) {
          cost.fit += st.macs;
          cost.fits++;
        }
        next = { graph: c.g, fragment: c.k, A: st.A, d1: st.d1, bias: st.bias, gap: st.transform === 'gap' };
        const m = buildChain([next], X.shape.slice(1));
        if (cost) cost.stitchedForward += countMacs(m) * X.shape[0]!;
        try {
          out = runModel(m, X, bs);
        } finally {
          m.dispose();
        }
      } catch (e) {
        opts.onError?.([...pieces.map((p) => p.graph.fragments[p.fragment]!.id), f.id], e as Error);
        continue;
      }
      const ps = [...pieces, next],
        sc = [...scores, c.s];
      if (f.isEnd) yield finish(ps, sc, out, inputShape);
      else yield* dfs(ps, out, sc, total * c.s);
    }
  }

  for (const g of graphs) {
    if (!starts.includes(g.name) || g.fragments.length < 2) continue;
    yield* dfs([{ graph: g, fragment: 0, A: null, d1: 0, bias: null, gap: false }], acts.get(g)![1]!, [], 1);
  }
}
