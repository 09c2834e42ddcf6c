/**
 * Reprogramming study on a trained tfjs model (arXiv:2410.21730 §I: sorting + bit stucking "within a 1% margin"):
 * naive vs sorted layouts under a chosen input routing, bit-stucking sweep, accuracy of the effective (stale-bit)
 * weights, repeated over stucking seeds, and endurance (writes per cell over many reload passes). The model's kernels
 * are restored to their float values afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { checkInt } from '../core/errors';
import { mapModel, setCrossbarWeights, type MapModelOptions, type ModelMapping } from './model';
import type { PackOptions } from './layout';
import { simulateReprogramming, stuckColumnsByMagnitude } from './reprogram';
import { optimizeSharedRouting, routingCost, type RoutingCost } from './routing';
import type { MappedLayer, Routing, SchedulePolicy, WeightError } from './types';

/**
 * An accuracy evaluator. The study first writes the (effective) weights into the model, dequantized, so an evaluator
 * that only calls model.predict measures float activations with int8 weights; `w` carries the crossbar mapping and the
 * stored integers for an evaluator that runs the quantized datapath (e.g. `(m, w) => cim.evaluate(m, data, w)`).
 */
export type Evaluator = (model: tf.LayersModel, w: { mapping: ModelMapping; effective?: readonly Int8Array[] }) => number | Promise<number>;

export interface StudyOptions extends Omit<MapModelOptions, 'sort' | 'pack'> {
  /** Accuracy (0–1) used to choose (k, f): a validation set. */
  evaluate: Evaluator;
  /** Optional second evaluator (the held-out test set), read for the reported numbers only. */
  test?: Evaluator;
  /** Further evaluators (e.g. float-activation test accuracy beside the datapath one), reported per row by name. Default none. */
  extra?: Record<string, Evaluator>;
  /** (k, f) points to try with sorting. Default [[1,0.5],[2,0.5],[2,0.25],[3,0.25]]. */
  stuck?: [number, number][];
  /**
   * Extra points with per-layer k from `stuckColumnsByMagnitude` (data-free): each { maxColumns, budget, f }.
   * Default none.
   */
  stuckByMagnitude?: { maxColumns: number; budget: number; f: number }[];
  /** Physical crossbars. Default ⌈naive tiles / 8⌉ (reference setting). */
  physical?: number;
  /** Schedule of the sorted side. Default 'chunked-zigzag'. The baseline is always round-robin, unsorted grid. */
  policy?: SchedulePolicy;
  /**
   * Input routing of the sorted side. 'shared' (default): the grid with one input order per tile column block,
   * chosen by `optimizeSharedRouting` (identity is a candidate). 'per-output': each output's own sorted order,
   * packed sections by default (see `pack`); its extra input phases are in `routingCost`.
   */
  routing?: Routing;
  /** Per-output routing only: pack sorted sections by value profile (true, default) or keep the grid (false). */
  pack?: boolean | PackOptions;
  /**
   * Selection rule for `chosen`: the largest reduction among rows whose `evaluate` drop vs int8 is ≤ maxDrop (0–1).
   * Default 0.01 (the paper's 1% margin).
   */
  maxDrop?: number;
  /** Seed of the stucking draws for the (k, f) grid. Default 0. */
  seed?: number;
  /** The chosen point is rerun with these stucking seeds (reduction, test drop, endurance per seed). Default [seed]. */
  seeds?: number[];
  /** Reload passes over which writes per cell are counted (after one warm-up pass). Default 20. */
  endurancePasses?: number;
  /** Rows whose `test` / `extra` accuracies are measured: 'all' (default) or 'chosen' (the chosen row and the seeds only). */
  testRows?: 'all' | 'chosen';
}

export interface StudyRow {
  label: string;
  k: number;
  f: number;
  /** Per-layer k (stuckByMagnitude rows). */ ks?: number[];
  cellWrites: number;
  reduction: number;
  accuracy: number;
  drop: number;
  testAccuracy?: number;
  testDrop?: number;
  /** Accuracy of each `extra` evaluator. */
  extra?: Record<string, number>;
  weightError: WeightError;
}

export interface SeedRun {
  seed: number;
  cellWrites: number;
  reduction: number;
  drop: number;
  testDrop?: number;
  /** Max / 99th-percentile writes of one physical cell over `endurancePasses` passes. */
  maxWritesPerCell: number;
  p99WritesPerCell: number;
}

export interface StudyResult {
  floatAccuracy: number;
  int8Accuracy: number;
  int8TestAccuracy?: number;
  /** `extra` evaluators on the int8 (no stucking) model. */
  int8Extra?: Record<string, number>;
  baselineWrites: number;
  fullWrites: number;
  /** Tiles of the naive grid (the packed layout never has more). */
  tiles: number;
  physical: number;
  routing: Routing;
  /** Input phases and their cost for the sorted layout and for the naive grid. */
  routingCost: RoutingCost;
  /** Shared routing: every input-order candidate with its cell writes (identity first), and the one chosen. */
  routingCandidates?: { name: string; cellWrites: number }[];
  routingChosen?: string;
  rows: StudyRow[];
  /** Row picked by the maxDrop rule on `evaluate` (rows[0], sorting alone, is lossless and always eligible). */
  chosen: StudyRow;
  /** The chosen point over `seeds`. */
  seedRuns: SeedRun[];
  /** Reduction over seeds: mean and (sample) standard deviation. */
  reductionMean: number;
  reductionStd: number;
  /** Naive baseline over `endurancePasses` passes: max and p99 writes per cell. */
  baselineMaxWritesPerCell: number;
  baselineP99WritesPerCell: number;
  endurancePasses: number;
}

function meanStd(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return [m, s];
}

/**
 * The reprogramming study of arXiv:2410.21730 on one trained model: cell writes of the naive unsorted grid
 * (round-robin) vs weight sorting (lossless) and sorting + bit stucking at every (k, f) point, each point's accuracy
 * (drop vs int8) on `evaluate`; `chosen` = the largest write reduction with a drop ≤ maxDrop, then rerun over `seeds`
 * with endurance (writes per cell over `endurancePasses` passes). Reductions are ratios (naive writes ÷ writes),
 * accuracies and drops fractions 0–1. The model's weights are restored afterwards.
 */
export async function reprogramStudy(model: tf.LayersModel, opts: StudyOptions): Promise<StudyResult> {
  const saved = model.getWeights().map((t) => t.clone());
  try {
    const routing = opts.routing ?? 'shared';
    const naive = mapModel(model, { ...opts, sort: 'none' });
    const physical = opts.physical ?? Math.ceil(naive.layers.reduce((a, l) => a + l.tiles, 0) / 8);
    checkInt('physical', physical);
    const policy = opts.policy ?? 'chunked-zigzag';
    let sortedLayers: MappedLayer[];
    let candidates: { name: string; cellWrites: number }[] | undefined, routingChosen: string | undefined;
    if (routing === 'shared') {
      const opt = optimizeSharedRouting(naive.layers, { physical, policy });
      sortedLayers = opt.layers;
      candidates = opt.candidates;
      routingChosen = opt.chosen;
    } else {
      sortedLayers = mapModel(model, { ...opts, sort: 'signed', routing: 'per-output', pack: opts.pack ?? true }).layers;
    }
    const sorted: ModelMapping = { layers: sortedLayers, modelIndex: naive.modelIndex };
    const floatAccuracy = await opts.evaluate(model, { mapping: naive });
    const run = async (ev: Evaluator | undefined, effective?: Int8Array[]) => {
      if (!ev) return undefined;
      return ev(model, { mapping: sorted, ...(effective ? { effective } : {}) });
    };
    const extras = async (effective?: Int8Array[]) => {
      if (!opts.extra) return undefined;
      const out: Record<string, number> = {};
      for (const [k, ev] of Object.entries(opts.extra)) out[k] = (await run(ev, effective))!;
      return out;
    };
    setCrossbarWeights(model, naive);
    const int8Accuracy = (await run(opts.evaluate))!;
    const int8TestAccuracy = await run(opts.test);
    const int8Extra = await extras();
    const base = simulateReprogramming(naive.layers, { physical });
    const rows: StudyRow[] = [];
    const points: [number | number[], number, string][] = [
      [0, 1, 'sorted'],
      ...(
        opts.stuck ?? [
          [1, 0.5],
          [2, 0.5],
          [2, 0.25],
          [3, 0.25],
        ]
      ).map(([k, f]): [number, number, string] => [k, f, `sorted + stuck k=${k} f=${f}`]),
      ...(opts.stuckByMagnitude ?? []).map(({ maxColumns, budget, f }): [number[], number, string] => {
        const ks = stuckColumnsByMagnitude(sortedLayers, { maxColumns, budget });
        return [ks, f, `sorted + stuck k=[${ks.join(',')}] (≤${maxColumns}, budget ${budget}) f=${f}`];
      }),
    ];
    const simulate = (kk: number | number[], f: number, seed: number, passes = 2, track = false) =>
      simulateReprogramming(sortedLayers, {
        physical,
        policy,
        stuckColumns: kk,
        rewriteFraction: f,
        seed,
        passes,
        returnEffective: true,
        ...(track ? { trackCells: true, countPasses: passes - 1 } : {}),
      });
    const pointOf = new Map<StudyRow, number | number[]>();
    for (const [kk, f, label] of points) {
      const k = Array.isArray(kk) ? Math.max(...kk) : kk;
      const r = simulate(kk, f, opts.seed ?? 0);
      setCrossbarWeights(model, sorted, r.effective);
      const acc = (await run(opts.evaluate, r.effective))!;
      const all = (opts.testRows ?? 'all') === 'all';
      const ta = all ? await run(opts.test, r.effective) : undefined;
      const ex = all ? await extras(r.effective) : undefined;
      const row: StudyRow = {
        label,
        k,
        f,
        ...(Array.isArray(kk) ? { ks: kk } : {}),
        ...(ta !== undefined ? { testAccuracy: ta, testDrop: int8TestAccuracy! - ta } : {}),
        ...(ex ? { extra: ex } : {}),
        cellWrites: r.cellWrites,
        reduction: base.cellWrites / r.cellWrites,
        accuracy: acc,
        drop: int8Accuracy - acc,
        weightError: r.weightError,
      };
      rows.push(row);
      pointOf.set(row, kk);
    }
    const maxDrop = opts.maxDrop ?? 0.01;
    const chosen = rows.filter((row) => row.drop <= maxDrop).reduce((a, b) => (b.reduction > a.reduction ? b : a), rows[0]!);
    if ((opts.testRows ?? 'all') === 'chosen') {
      const r = simulate(pointOf.get(chosen)!, chosen.f, opts.seed ?? 0);
      setCrossbarWeights(model, sorted, r.effective);
      const ta = await run(opts.test, r.effective);
      if (ta !== undefined) Object.assign(chosen, { testAccuracy: ta, testDrop: int8TestAccuracy! - ta });
      const ex = await extras(r.effective);
      if (ex) chosen.extra = ex;
    }
    // endurance and seed spread at the chosen point: one warm-up pass + endurancePasses counted passes
    const E = checkInt('endurancePasses', opts.endurancePasses ?? 20, 1, 10000);
    const baseE = simulateReprogramming(naive.layers, { physical, passes: E + 1, countPasses: E, trackCells: true });
    const seedRuns: SeedRun[] = [];
    for (const seed of opts.seeds ?? [opts.seed ?? 0]) {
      const r = simulate(pointOf.get(chosen)!, chosen.f, seed, E + 1, true);
      setCrossbarWeights(model, sorted, r.effective);
      const acc = (await run(opts.evaluate, r.effective))!;
      const ta = await run(opts.test, r.effective);
      seedRuns.push({
        seed,
        cellWrites: r.cellWrites,
        reduction: base.cellWrites / r.cellWrites,
        drop: int8Accuracy - acc,
        ...(ta !== undefined ? { testDrop: int8TestAccuracy! - ta } : {}),
        maxWritesPerCell: r.maxWritesPerCell,
        p99WritesPerCell: r.p99WritesPerCell,
      });
    }
    const [reductionMean, reductionStd] = meanStd(seedRuns.map((s) => s.reduction));
    return {
      chosen,
      floatAccuracy,
      int8Accuracy,
      ...(int8TestAccuracy !== undefined ? { int8TestAccuracy } : {}),
      ...(int8Extra ? { int8Extra } : {}),
      baselineWrites: base.cellWrites,
      fullWrites: base.fullWrites,
      tiles: base.tiles,
      physical,
      routing,
      routingCost: routingCost(sortedLayers),
      ...(candidates ? { routingCandidates: candidates, routingChosen } : {}),
      rows,
      seedRuns,
      reductionMean,
      reductionStd,
      baselineMaxWritesPerCell: baseE.maxWritesPerCell,
      baselineP99WritesPerCell: baseE.p99WritesPerCell,
      endurancePasses: E,
    };
  } finally {
    model.setWeights(saved);
    saved.forEach((t) => t.dispose());
  }
}
