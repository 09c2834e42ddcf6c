/**
 * The paper's metrics (arXiv 2403.16451 reports RMSE, MAE and CORR): MAE = mean |ŷ − y|, RMSE = √mean (ŷ − y)²,
 * CORR = Pearson r, pooled over every test station of every workpiece, and per station.
 */
import { InvalidInput } from '../core/errors';

export interface Metrics {
  mae: number;
  rmse: number;
  corr: number;
  n: number;
}

/** MAE, RMSE and Pearson r of `pred` against `y` (same units as the inputs), pooled over all entries. */
export function metrics(pred: ArrayLike<number>, y: ArrayLike<number>): Metrics {
  if (pred.length !== y.length || y.length === 0)
    throw new InvalidInput(`metrics needs equal, non-empty arrays; got ${pred.length} predictions for ${y.length} targets`);
  const n = y.length;
  let ae = 0,
    se = 0,
    mp = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i]! - y[i]!;
    ae += Math.abs(d);
    se += d * d;
    mp += pred[i]!;
    my += y[i]!;
  }
  mp /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const a = pred[i]! - mp,
      b = y[i]! - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return { mae: ae / n, rmse: Math.sqrt(se / n), corr: sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0, n };
}

/** Metrics per group (e.g. per station position), keyed by the group value. */
export function metricsBy(pred: ArrayLike<number>, y: ArrayLike<number>, group: ArrayLike<number>): Map<number, Metrics> {
  const keys = [...new Set(Array.from(group))].sort((a, b) => a - b);
  return new Map(
    keys.map((k) => {
      const idx = Array.from(group).flatMap((g, i) => (g === k ? [i] : []));
      return [
        k,
        metrics(
          idx.map((i) => pred[i]!),
          idx.map((i) => y[i]!),
        ),
      ];
    }),
  );
}
