/**
 * A measured per-op latency lookup table beside the analytic cost model (the OFA/FBNet-style latency LUT that
 * hardware-aware NAS uses, as SplitNets' search can, arXiv 2204.04705 Sec. 3–4): every distinct layer of a search space
 * is timed on this machine's tfjs backend at batch 1 (one camera frame), and a network's latency is the sum of its
 * layers' medians. The analytic model predicts T = MACs / rate; the table shows where that is wrong on real hardware
 * (a fixed per-op dispatch cost that dominates small layers; unequal MAC/s across kernel sizes and shapes).
 *
 * Timings depend on the machine's load: a table records the load average it was measured under.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { NotFound, check, checkInt, describe, throwIfAborted } from '../core/errors';
import { rng } from '../core/rng';
import { progress as makeProgress } from '../core/progress';
import { layerCost, splitLayers } from './cost';
import { decode, genomeAt, radices, spaceSize, type SearchSpace } from './search';
import type { LayerCost, SplitConfig } from './types';

/** One measured op. */
export interface LutEntry {
  key: string;
  kind: LayerCost['kind'];
  macs: number;
  /** Median seconds per call at batch 1, and the 10th / 90th percentiles. */
  seconds: number;
  p10: number;
  p90: number;
}

export interface LatencyTable {
  backend: string;
  measuredAt: string;
  /** os.loadavg() (1, 5, 15 min) before and after measuring: timings under load are slower and noisier. */
  loadBefore: number[];
  loadAfter: number[];
  repeats: number;
  entries: Record<string, LutEntry>;
}

/** The table key of a layer: kind, kernel, stride, input shape and output channels (all that decides its cost). */
export function opKey(l: LayerCost): string {
  const stride = l.kind === 'conv' || l.kind === 'dwconv' ? Math.round(l.in.h / l.out.h) : 1;
  const k =
    l.kind === 'conv' || l.kind === 'dwconv'
      ? `k${Math.round(Math.sqrt(l.macs / (l.out.h * l.out.w * l.in.c * (l.kind === 'conv' ? l.out.c : 1))))}`
      : '';
  return `${l.kind}${k ? ' ' + k : ''} s${stride} ${l.in.h}x${l.in.w}x${l.in.c}->${l.out.c}`;
}

/** All layers (sensor and aggregator, one view) of a configuration. */
export function configLayers(cfg: SplitConfig): LayerCost[] {
  const L = splitLayers(cfg);
  return [...L.sensor, ...L.aggregatorPerView, ...L.aggregatorShared];
}

/** The distinct layers of every configuration of a space: its unsplit networks plus each split's reduce and recover. */
export function spaceOps(space: SearchSpace): LayerCost[] {
  const seen = new Map<string, LayerCost>();
  const add = (l: LayerCost) => {
    if (l.kind !== 'gap') seen.set(opKey(l), l);
  };
  const trunks = { ...space, splits: [0], reduces: [space.reduces[0]!], bits: [space.bits[0]!] };
  const n = spaceSize(trunks),
    rad = radices(trunks);
  check(n <= 1_000_000, () => `spaceOps: the space has ${n} networks; expected ≤ 1,000,000`);
  for (let i = 0; i < n; i++) configLayers(decode(trunks, genomeAt(rad, i))).forEach(add);
  for (const res of space.resolutions)
    for (const sp of space.splits.filter((x) => x > 0 && x < space.phases)) {
      const h = Math.ceil(res / 2 ** sp);
      for (const c of space.widths)
        for (const r of space.reduces.filter((x): x is number => x !== null && x <= c)) {
          add(layerCost({ kind: 'conv', name: 'reduce', k: 1, cout: r }, { h, w: h, c }));
          add(layerCost({ kind: 'conv', name: 'recover', k: 1, cout: c }, { h, w: h, c: r }));
        }
    }
  return [...seen.values()];
}

/** The op the supernet runs for a layer (conv + bias + ReLU, or the dense head), as a function of a batch-1 input. */
function opOf(l: LayerCost): { run: (x: tf.Tensor) => tf.Tensor; input: tf.Tensor; weights: tf.Tensor[] } {
  const r = rng(1);
  const t = (shape: number[]) =>
    tf.tensor(
      r.normals(
        shape.reduce((a, b) => a * b, 1),
        0,
        0.1,
      ),
      shape,
    );
  if (l.kind === 'dense') {
    const w = t([l.in.c, l.out.c]),
      b = t([l.out.c]);
    return {
      run: (x) => tf.add(tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, w as tf.Tensor2D), b),
      input: t([1, l.in.h, l.in.w, l.in.c]),
      weights: [w, b],
    };
  }
  check(l.kind === 'conv', () => `measureLatencyTable: ${l.kind} layers are not timed (the supernet has none), got ${describe(l.name)}`);
  const k = Number(/ k(\d+)/.exec(opKey(l))![1]),
    s = Math.round(l.in.h / l.out.h);
  const w = t([k, k, l.in.c, l.out.c]),
    b = t([l.out.c]);
  return {
    run: (x) => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, 'same'), b)),
    input: t([1, l.in.h, l.in.w, l.in.c]),
    weights: [w, b],
  };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
};

/** Time each layer `repeats` times at batch 1 on the current tfjs backend (after 3 warm-up calls). */
export async function measureLatencyTable(
  ops: readonly LayerCost[],
  o: {
    /** Timed runs per op after 3 warm-up runs; the median is kept (default 25, at least 3). */
    repeats?: number;
    /** Stops between ops with an AbortError (default none). */
    signal?: AbortSignal;
    /** Show in-place progress (default true). */
    progress?: boolean;
  } = {},
): Promise<LatencyTable> {
  const repeats = checkInt('repeats', o.repeats ?? 25, 3);
  const loadBefore = loadavg();
  const bar = o.progress === false ? null : makeProgress(ops.length, 'per-op latency', { unit: 'op' });
  const entries: Record<string, LutEntry> = {};
  for (const l of ops) {
    throwIfAborted(o.signal);
    const { run, input, weights } = opOf(l);
    const times: number[] = [];
    for (let i = 0; i < repeats + 3; i++) {
      const t0 = performance.now();
      const y = tf.tidy(() => run(input));
      y.dataSync();
      const dt = (performance.now() - t0) / 1000;
      y.dispose();
      if (i >= 3) times.push(dt);
    }
    tf.dispose([input, ...weights]);
    const key = opKey(l);
    entries[key] = { key, kind: l.kind, macs: l.macs, seconds: quantile(times, 0.5), p10: quantile(times, 0.1), p90: quantile(times, 0.9) };
    bar?.tick(1, key);
    await new Promise((res) => setImmediate(res));
  }
  bar?.done();
  return { backend: tf.getBackend(), measuredAt: new Date().toISOString(), loadBefore, loadAfter: loadavg(), repeats, entries };
}

/** Latency of a list of layers from a table: the sum of their median op times (global average pooling, a few hundred additions, is not timed). */
export function tableSeconds(layers: readonly LayerCost[], table: LatencyTable): number {
  let s = 0;
  for (const l of layers) {
    if (l.kind === 'gap') continue;
    const e = table.entries[opKey(l)];
    if (!e) throw new NotFound(`latency table has no entry for ${opKey(l)} (layer ${l.name}); measure the space it comes from`);
    s += e.seconds;
  }
  return s;
}

/**
 * Compare the table with the analytic model T = MACs / rate: the rate fitted to the table (total MACs ÷ total time),
 * the affine fit T = a + MACs / rate' (a = per-op fixed cost), and per op the ratio measured ÷ analytic.
 */
export function compareWithAnalytic(table: LatencyTable): {
  macsPerSecond: number;
  affine: { fixedSeconds: number; macsPerSecond: number };
  ops: { key: string; macs: number; measured: number; analytic: number; ratio: number }[];
} {
  const es = Object.values(table.entries);
  check(es.length >= 2, () => `compareWithAnalytic: needs ≥ 2 entries, got ${es.length}`);
  const M = es.reduce((a, e) => a + e.macs, 0),
    T = es.reduce((a, e) => a + e.seconds, 0);
  const rate = M / T;
  const mx = M / es.length,
    my = T / es.length;
  const slope = es.reduce((a, e) => a + (e.macs - mx) * (e.seconds - my), 0) / es.reduce((a, e) => a + (e.macs - mx) ** 2, 0);
  return {
    macsPerSecond: rate,
    affine: { fixedSeconds: my - slope * mx, macsPerSecond: 1 / slope },
    ops: es.map((e) => ({ key: e.key, macs: e.macs, measured: e.seconds, analytic: e.macs / rate, ratio: e.seconds / (e.macs / rate) })),
  };
}

/** Kendall's τ-a between two equally long lists (1: same order, −1: reversed; ties count 0). */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  check(a.length === b.length && a.length >= 2, () => `kendallTau: needs two lists of equal length ≥ 2, got ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) s += Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
  return s / ((a.length * (a.length - 1)) / 2);
}

/**
 * Rank agreement of the analytic model and the table on `n` configurations sampled uniformly from a space (seeded): each
 * configuration's whole network (one device) by analytic MACs and by table latency.
 */
export function rankAgreement(
  table: LatencyTable,
  space: SearchSpace,
  n = 200,
  seed = 0,
): { tau: number; n: number; macs: number[]; seconds: number[] } {
  const r = rng(seed),
    radix = radices(space);
  const macs: number[] = [],
    seconds: number[] = [];
  for (let i = 0; i < n; i++) {
    const cfg = {
      ...decode(
        space,
        radix.map((b) => r.int(b)),
      ),
      split: 0,
      reduce: null,
      bits: null,
    };
    const ls = configLayers(cfg);
    macs.push(ls.reduce((a, l) => a + l.macs, 0));
    seconds.push(tableSeconds(ls, table));
  }
  return { tau: kendallTau(macs, seconds), n, macs, seconds };
}
