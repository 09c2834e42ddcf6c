/**
 * Small statistics shared by the paper folders: the mean of a few seeds' results and its 95% Student-t interval.
 */

/** Two-sided 95% Student-t quantiles t(0.975, df) for df = 1..9; larger samples use the normal 1.96. */
const T975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262];

/** Mean and 95% t-interval half-width over seeds (n = 1: half-width NaN; n = 0: mean NaN). */
export function meanCi(xs: number[]): { mean: number; half: number; n: number } {
  const n = xs.length;
  if (!n) return { mean: NaN, half: NaN, n };
  const m = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean: m, half: NaN, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
  return { mean: m, half: (T975[n - 1] ?? 1.96) * (sd / Math.sqrt(n)), n };
}

/** "mean ± half (n = k)" with `digits` decimals (n = 1: no interval). */
export function formatCi(c: { mean: number; half: number; n: number }, digits = 2): string {
  return Number.isNaN(c.half)
    ? `${c.mean.toFixed(digits)} (n = ${c.n})`
    : `${c.mean.toFixed(digits)} ± ${c.half.toFixed(digits)} (n = ${c.n})`;
}
