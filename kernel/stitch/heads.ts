/**
 * Heads for stitched networks: k-NN on the network's output features (the authors' `Net.fit`, sklearn
 * KNeighborsClassifier(n_neighbors=5): uniform vote, ties to the smallest label) and an argmax label mapping.
 */
import { InvalidInput, checkInt, describe } from '../core/errors';
import { type ActsLike, asActs } from './acts';

export interface KnnHead {
  k: number;
  d: number;
  n: number;
  predict(features: ActsLike): Int32Array;
}

function flat(x: ActsLike, name: string): { F: Float64Array; n: number; d: number } {
  const a = asActs(x, name);
  const n = a.shape[0]!,
    d = a.data.length / n;
  return { F: a.data instanceof Float64Array ? a.data : Float64Array.from(a.data), n, d };
}

/** Fit a k-NN head (Euclidean) on features [N, ...] (flattened per sample) and integer labels. */
export function knnHead(
  features: ActsLike,
  labels: ArrayLike<number>,
  opts: {
    /** Neighbours voting (default 5, the authors' `Net.fit`); must not exceed the number of training samples. */
    k?: number;
  } = {},
): KnnHead {
  const k = checkInt('k', opts.k ?? 5, 1);
  const { F, n, d } = flat(features, 'features');
  if (labels.length !== n) throw new InvalidInput(`knnHead: ${n} feature rows but ${labels.length} labels`);
  if (k > n) throw new InvalidInput(`knnHead: k = ${k} exceeds the ${n} training samples`);
  const Y = Int32Array.from(labels);
  for (let i = 0; i < n; i++)
    if (!(Y[i]! >= 0)) throw new InvalidInput(`labels[${i}] = ${describe(labels[i])}; expected a non-negative integer`);
  const nc = Math.max(...Y) + 1;
  return {
    k,
    d,
    n,
    predict(x: ActsLike): Int32Array {
      const { F: Q, n: m, d: dq } = flat(x, 'features');
      if (dq !== d) throw new InvalidInput(`knnHead.predict: features have ${dq} values per sample, the head was fitted on ${d}`);
      const out = new Int32Array(m);
      const bestD = new Float64Array(k),
        bestI = new Int32Array(k);
      const votes = new Int32Array(nc);
      for (let q = 0; q < m; q++) {
        bestD.fill(Infinity);
        bestI.fill(-1);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < d; j++) {
            const t = Q[q * d + j]! - F[i * d + j]!;
            s += t * t;
          }
          if (s < bestD[k - 1]!) {
            let p = k - 1;
            while (p > 0 && bestD[p - 1]! > s) {
              bestD[p] = bestD[p - 1]!;
              bestI[p] = bestI[p - 1]!;
              p--;
            }
            bestD[p] = s;
            bestI[p] = i;
          }
        }
        votes.fill(0);
        for (let t = 0; t < k; t++) votes[Y[bestI[t]!]!]!++;
        let best = 0;
        for (let c = 1; c < nc; c++) if (votes[c]! > votes[best]!) best = c;
        out[q] = best;
      }
      return out;
    },
  };
}

/** Argmax over source-class scores [N, C], mapped to target labels (unmapped classes → -1, counted wrong). */
export function labelMapHead(mapping: ArrayLike<number> | Record<number, number>): { predict(scores: ActsLike): Int32Array } {
  if (mapping === null || typeof mapping !== 'object')
    throw new InvalidInput(`mapping must be an array or object from source class to target label, got ${describe(mapping)}`);
  const get = (c: number): number => {
    const v = (mapping as Record<number, number>)[c];
    return typeof v === 'number' ? v : -1;
  };
  return {
    predict(x: ActsLike): Int32Array {
      const a = asActs(x, 'scores');
      if (a.shape.length !== 2) throw new InvalidInput(`labelMapHead expects scores [N, C], got [${a.shape.join(', ')}]`);
      const [n, c] = a.shape as [number, number];
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let b = 0;
        for (let j = 1; j < c; j++) if (a.data[i * c + j]! > a.data[i * c + b]!) b = j;
        out[i] = get(b);
      }
      return out;
    },
  };
}

/** Fraction (0–1) of predictions equal to their labels. @throws InvalidInput when the lengths differ. */
export function accuracy(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (pred.length !== labels.length) throw new InvalidInput(`accuracy: ${pred.length} predictions but ${labels.length} labels`);
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) ok++;
  return ok / pred.length;
}
