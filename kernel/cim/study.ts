/**
 * Reprogramming study on a trained tfjs model: naive vs sorted schedules, bit-stucking sweep, accuracy of the
 * effective (stale-bit) weights. The model's kernels are restored to their float values afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { checkInt } from '../core/errors';
import { mapModel, setCrossbarWeights, type MapModelOptions } from './model';
import type { PackOptions } from './layout';
import { simulateReprogramming, stuckColumnsByMagnitude } from './reprogram';
import type { SchedulePolicy, WeightError } from './types';

export interface StudyOptions extends Omit<MapModelOptions, 'sort' | 'pack'> {
  /** Accuracy (0–1) of the model as it currently is. */
  evaluate: (model: tf.LayersModel) => number | Promise<number>;
  /** Optional second evaluator (e.g. a held-out test set when `evaluate` is a validation set used to pick (k, f)). */
  test?: (model: tf.LayersModel) => number | Promise<number>;
  /** (k, f) points to try with sorting. Default [[1,0.5],[2,0.5],[2,0.25],[3,0.25]]. */
  stuck?: [number, number][];
  /**
   * Extra points with per-layer k from `stuckColumnsByMagnitude` (data-free): each { maxColumns, budget, f }.
   * Default none.
   */
  stuckByMagnitude?: { maxColumns: number; budget: number; f: number }[];
  physical?: number;
  /** Schedule of the sorted side. Default 'chunked-zigzag'. The baseline is always round-robin, unsorted grid. */
  policy?: SchedulePolicy;
  /**
   * Layout of the sorted side: true (default) packs each layer's sorted sections by value profile (`packSections`);
   * false keeps the grid (tile (rb, cb) = output block cb, rank block rb). Default true (false with routing 'shared',
   * which packing cannot use): trained outputs differ in mean
   * and spread, so same-rank sections of different outputs still differ in the low bits (Fashion-MNIST CNN: sorting
   * alone 1.30× on the grid, 3.17× packed).
   */
  pack?: boolean | PackOptions;
  /**
   * Selection rule for `chosen`: the largest reduction among rows whose `evaluate` drop vs int8 is ≤ maxDrop (0–1).
   * Default 0.01 (the paper's 1% margin). Pass a validation set as `evaluate` and the test set as `test`, so the
   * choice of (k, f) never sees the test set.
   */
  maxDrop?: number;
  seed?: number;
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
  weightError: WeightError;
}
export interface StudyResult {
  floatAccuracy: number;
  int8Accuracy: number;
  int8TestAccuracy?: number;
  baselineWrites: number;
  fullWrites: number;
  /** Tiles of the naive grid (the packed layout never has more). */
  tiles: number;
  physical: number;
  rows: StudyRow[];
  /** Row picked by the maxDrop rule on `evaluate` (rows[0], sorting alone, is lossless and always eligible). */
  chosen: StudyRow;
}

export async function reprogramStudy(model: tf.LayersModel, opts: StudyOptions): Promise<StudyResult> {
  const saved = model.getWeights().map((t) => t.clone());
  try {
    const floatAccuracy = await opts.evaluate(model);
    const naive = mapModel(model, { ...opts, sort: 'none' });
    const sorted = mapModel(model, { ...opts, sort: 'signed', pack: opts.pack ?? opts.routing !== 'shared' });
    const physical = opts.physical ?? Math.ceil(naive.layers.reduce((a, l) => a + l.tiles, 0) / 8);
    checkInt('physical', physical);
    setCrossbarWeights(model, naive);
    const int8Accuracy = await opts.evaluate(model);
    const int8TestAccuracy = opts.test ? await opts.test(model) : undefined;
    const base = simulateReprogramming(naive.layers, { physical });
    const rows: StudyRow[] = [];
    const policy = opts.policy ?? 'chunked-zigzag';
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
        const ks = stuckColumnsByMagnitude(sorted.layers, { maxColumns, budget });
        return [ks, f, `sorted + stuck k=[${ks.join(',')}] (≤${maxColumns}, budget ${budget}) f=${f}`];
      }),
    ];
    for (const [kk, f, label] of points) {
      const k = Array.isArray(kk) ? Math.max(...kk) : kk;
      const r = simulateReprogramming(sorted.layers, {
        physical,
        policy,
        stuckColumns: kk,
        rewriteFraction: f,
        seed: opts.seed ?? 0,
        returnEffective: true,
      });
      setCrossbarWeights(model, sorted, r.effective);
      const acc = await opts.evaluate(model);
      const ta = opts.test ? await opts.test(model) : undefined;
      rows.push({
        label,
        k,
        f,
        ...(Array.isArray(kk) ? { ks: kk } : {}),
        ...(ta !== undefined ? { testAccuracy: ta, testDrop: int8TestAccuracy! - ta } : {}),
        cellWrites: r.cellWrites,
        reduction: base.cellWrites / r.cellWrites,
        accuracy: acc,
        drop: int8Accuracy - acc,
        weightError: r.weightError,
      });
    }
    const maxDrop = opts.maxDrop ?? 0.01;
    const chosen = rows.filter((row) => row.drop <= maxDrop).reduce((a, b) => (b.reduction > a.reduction ? b : a), rows[0]!);
    return {
      chosen,
      floatAccuracy,
      int8Accuracy,
      ...(int8TestAccuracy !== undefined ? { int8TestAccuracy } : {}),
      baselineWrites: base.cellWrites,
      fullWrites: base.fullWrites,
      tiles: base.tiles,
      physical,
      rows,
    };
  } finally {
    model.setWeights(saved);
    saved.forEach((t) => t.dispose());
  }
}
