/**
 * Client partitions of a labelled dataset. Every scheme assigns every sample to exactly one client (tested).
 *
 * Two Dirichlet conventions share the letter α and differ by ~C× (10× for 10 classes) — always name the convention:
 *  - 'per-class' (NIID-Bench / MOON / Flower DirichletPartitioner): for each class c, the class's samples are split over
 *    the K clients in proportions p_c ~ Dir(α·1_K).
 *  - 'per-client' (Hsu et al. 2019): each client k draws class proportions q_k ~ Dir(α·p) where p is the global class
 *    prior (so the per-component concentration is α/C for balanced classes); clients get equal sizes.
 * Both re-draw until every client holds ≥ minSize samples (MOON's min_require_size; Flower PR #2795).
 */
import { rng, type Rng } from '../core/rng';
import { InvalidInput, check, checkInt, describe } from '../core/errors';

export type PartitionScheme = 'iid' | 'dirichlet-per-class' | 'dirichlet-per-client' | 'k-classes';

export interface PartitionOptions {
  /** Labels of the pool to split (0..classes−1). */
  labels: ArrayLike<number>;
  /** Number of clients K. */
  clients: number;
  /** Default 'dirichlet-per-class' (the NIID-Bench convention most FL papers quote α in). */
  scheme?: PartitionScheme;
  /** Dirichlet concentration (schemes 'dirichlet-*'). Default 0.5. */
  alpha?: number;
  /** Classes per client (scheme 'k-classes'). Default 2. */
  k?: number;
  /** Every client must hold at least this many samples; Dirichlet schemes re-draw until it holds. Default 10 (MOON). */
  minSize?: number;
  /** Re-draws before giving up with InvalidInput. Default 1000. */
  maxTries?: number;
  /** Number of classes (default max label + 1). */
  classes?: number;
  /** 'dirichlet-per-class' only: NIID-Bench's balancing step (the released code of arXiv 2102.02079 and MOON): a client
   *  already holding ≥ n/K samples gets no share of the classes drawn after that. Default false (pure Dir(α·1_K)). */
  capAtMean?: boolean;
  /** Seed of the draw (Dirichlet proportions, shuffles, class assignment). Default 0. */
  seed?: number;
}

export interface Partition {
  scheme: PartitionScheme;
  /** Human-readable convention, e.g. "per-class Dirichlet Dir(α·1_K), α = 0.05 (NIID-Bench)". */
  convention: string;
  alpha?: number;
  k?: number;
  /** Sample indices of each client (sorted ascending). */
  clients: Int32Array[];
  classes: number;
  /** Re-draws needed to satisfy minSize (0 = first draw). */
  redraws: number;
}

/** log of a Gamma(a, 1) variate (Marsaglia–Tsang; boosted for a < 1 in log space so tiny α never underflows). */
export function logGamma(r: Rng, a: number): number {
  if (a < 1) return logGamma(r, a + 1) + Math.log(1 - r.next()) / a;
  const d = a - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = r.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - r.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** A Dirichlet(conc) draw (conc[i] > 0), computed from log-Gamma variates (stable for concentrations ≪ 1). */
export function dirichlet(r: Rng, conc: ArrayLike<number>): Float64Array {
  const n = conc.length,
    lg = new Float64Array(n);
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    lg[i] = logGamma(r, conc[i]!);
    if (lg[i]! > mx) mx = lg[i]!;
  }
  let s = 0;
  for (let i = 0; i < n; i++) {
    lg[i] = Math.exp(lg[i]! - mx);
    s += lg[i]!;
  }
  for (let i = 0; i < n; i++) lg[i]! /= s;
  return lg;
}

function byClass(labels: ArrayLike<number>, C: number): number[][] {
  const out: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < labels.length; i++) out[labels[i]!]!.push(i);
  return out;
}

/**
 * Split a labelled pool over `clients` clients by `scheme`: every sample goes to exactly one client. The label-skewed
 * Dirichlet splits are how SphereFed (arXiv 2207.09413 §5) and the federated literature simulate non-IID clients; name
 * the α convention ('dirichlet-per-class' vs 'dirichlet-per-client', ~C× apart) whenever you quote α. Seeded (default 0).
 */
export function partition(o: PartitionOptions): Partition {
  check(o != null && o.labels != null && typeof o.labels.length === 'number', 'partition: labels (an array of class ids) is required');
  const K = checkInt('partition: clients', o.clients, 1);
  const n = o.labels.length;
  let maxL = -1;
  for (let i = 0; i < n; i++) {
    const l = o.labels[i]!;
    if (!Number.isInteger(l) || l < 0)
      throw new InvalidInput(`partition: labels[${i}] = ${describe(l)}; expected a non-negative integer class id`);
    if (l > maxL) maxL = l;
  }
  const C = o.classes !== undefined ? checkInt('partition: classes', o.classes, 1) : maxL + 1;
  check(maxL < C, `partition: label ${maxL} ≥ classes = ${C}`);
  const scheme = o.scheme ?? 'dirichlet-per-class';
  const minSize = checkInt('partition: minSize', o.minSize ?? 10, 0);
  const maxTries = checkInt('partition: maxTries', o.maxTries ?? 1000, 1);
  check(minSize * K <= n, `partition: minSize ${minSize} × ${K} clients = ${minSize * K} exceeds the ${n} samples`);
  const r = rng(o.seed ?? 0);
  const alpha = o.alpha ?? 0.5;
  if (scheme === 'dirichlet-per-class' || scheme === 'dirichlet-per-client') {
    check(
      typeof alpha === 'number' && Number.isFinite(alpha) && alpha > 0,
      () => `partition: alpha must be a finite number > 0, got ${describe(alpha)}`,
    );
  }
  const cls = byClass(o.labels, C);
  const finish = (lists: number[][], redraws: number, convention: string, extra: Partial<Partition> = {}): Partition => ({
    scheme,
    convention,
    clients: lists.map((l) => Int32Array.from(l).sort()),
    classes: C,
    redraws,
    ...extra,
  });
  switch (scheme) {
    case 'iid': {
      const perm = r.permutation(n);
      const lists: number[][] = Array.from({ length: K }, () => []);
      for (let i = 0; i < n; i++) lists[Math.floor((i * K) / n)]!.push(perm[i]!);
      return finish(lists, 0, 'IID: uniform random split into equal sizes');
    }
    case 'k-classes': {
      const k = checkInt('partition: k', o.k ?? 2, 1, C);
      // Client j holds classes (perm[(j·k + t) mod C]), t < k: every class is held by someone when K·k ≥ C.
      const cperm = r.permutation(C);
      const holders: number[][] = Array.from({ length: C }, () => []);
      for (let j = 0; j < K; j++) for (let t = 0; t < k; t++) holders[cperm[(j * k + t) % C]!]!.push(j);
      const lists: number[][] = Array.from({ length: K }, () => []);
      for (let c = 0; c < C; c++) {
        const ids = r.shuffle([...cls[c]!]),
          h = holders[c]!;
        if (!h.length) continue; // class held by nobody (K·k < C): its samples are unused
        for (let i = 0; i < ids.length; i++) lists[h[Math.floor((i * h.length) / ids.length)]!]!.push(ids[i]!);
      }
      const small = lists.findIndex((l) => l.length < minSize);
      if (small >= 0)
        throw new InvalidInput(`partition: client ${small} holds ${lists[small]!.length} < minSize = ${minSize} samples with k = ${k}`);
      return finish(lists, 0, `${k} classes per client (pathological non-IID)`, { k });
    }
    case 'dirichlet-per-class': {
      for (let t = 0; t < maxTries; t++) {
        const lists: number[][] = Array.from({ length: K }, () => []);
        for (let c = 0; c < C; c++) {
          const ids = r.shuffle([...cls[c]!]);
          const p = dirichlet(r, new Float64Array(K).fill(alpha));
          if (o.capAtMean) {
            let tot = 0;
            for (let j = 0; j < K; j++) {
              if (lists[j]!.length >= n / K) p[j] = 0;
              tot += p[j]!;
            }
            for (let j = 0; j < K; j++) p[j] = tot > 0 ? p[j]! / tot : 1 / K;
          }
          let acc = 0,
            start = 0;
          for (let j = 0; j < K; j++) {
            acc += p[j]!;
            const end = j === K - 1 ? ids.length : Math.min(ids.length, Math.floor(acc * ids.length));
            for (let i = start; i < end; i++) lists[j]!.push(ids[i]!);
            start = Math.max(start, end);
          }
        }
        if (lists.every((l) => l.length >= minSize)) {
          return finish(
            lists,
            t,
            `per-class Dirichlet: each class split over clients by Dir(α·1_K), α = ${alpha} (NIID-Bench/MOON/Flower convention; ≈ per-client α·C)` +
              (o.capAtMean ? '; clients at ≥ n/K samples drop out of later classes (NIID-Bench balancing)' : ''),
            { alpha },
          );
        }
      }
      throw new InvalidInput(
        `partition: no per-class Dirichlet draw with α = ${alpha} gave every one of ${K} clients ≥ minSize = ${minSize} samples in ${maxTries} tries; lower minSize or raise α`,
      );
    }
    case 'dirichlet-per-client': {
      const prior = cls.map((l) => l.length / n);
      const size = Math.floor(n / K);
      for (let t = 0; t < maxTries; t++) {
        const pools = cls.map((l) => r.shuffle([...l]));
        const lists: number[][] = Array.from({ length: K }, () => []);
        for (let j = 0; j < K; j++) {
          const conc = prior.map((p) => Math.max(alpha * p, 1e-300));
          const q = dirichlet(r, conc);
          const want = j === K - 1 ? pools.reduce((a, p) => a + p.length, 0) : size;
          for (let i = 0; i < want; i++) {
            let tot = 0;
            for (let c = 0; c < C; c++) if (pools[c]!.length) tot += q[c]!;
            let c = 0;
            if (tot > 0) {
              let u = r.next() * tot;
              for (c = 0; c < C; c++) {
                if (!pools[c]!.length) continue;
                u -= q[c]!;
                if (u < 0) break;
              }
              if (c === C) c = pools.findIndex((p, cc) => p.length > 0 && q[cc]! > 0);
            } else c = pools.findIndex((p) => p.length > 0); // preferred classes exhausted: fall back to what remains
            lists[j]!.push(pools[c]!.pop()!);
          }
        }
        if (lists.every((l) => l.length >= minSize)) {
          return finish(
            lists,
            t,
            `per-client Dirichlet: each client's class mix q_k ~ Dir(α·p), α = ${alpha} (Hsu et al. 2019; ≈ per-class α/C)`,
            { alpha },
          );
        }
      }
      throw new InvalidInput(
        `partition: no per-client Dirichlet draw gave every client ≥ minSize = ${minSize} samples in ${maxTries} tries`,
      );
    }
    default:
      throw new InvalidInput(
        `partition: unknown scheme ${describe(scheme)}; expected iid, dirichlet-per-class, dirichlet-per-client or k-classes`,
      );
  }
}

export interface PartitionStats {
  /** counts[k][c]: samples of class c on client k. */
  counts: number[][];
  sizes: number[];
  /** Classes with ≥ 1 sample, per client. */
  classesPresent: number[];
  /** Shannon entropy (bits) of each client's label histogram. */
  entropy: number[];
  /** Mean total-variation distance between a client's label distribution and the global one (0 = IID, → 1 = disjoint). */
  meanTv: number;
  minSize: number;
  maxSize: number;
}

/** How skewed a partition is: per-client class counts, sizes, classes present, label entropy (bits) and the mean
 *  total-variation distance to the global label mix (0 = IID). `labels` are the same labels the partition was drawn from. */
export function partitionStats(p: Partition, labels: ArrayLike<number>): PartitionStats {
  const C = p.classes;
  const counts = p.clients.map((ids) => {
    const h = new Array<number>(C).fill(0);
    for (const i of ids) h[labels[i]!]!++;
    return h;
  });
  const glob = new Array<number>(C).fill(0);
  let tot = 0;
  for (const h of counts)
    for (let c = 0; c < C; c++) {
      glob[c]! += h[c]!;
      tot += h[c]!;
    }
  const sizes = counts.map((h) => h.reduce((a, b) => a + b, 0));
  const entropy = counts.map((h, k) => -h.reduce((a, x) => (x ? a + (x / sizes[k]!) * Math.log2(x / sizes[k]!) : a), 0));
  const tv = counts.map((h, k) => 0.5 * h.reduce((a, x, c) => a + Math.abs(x / Math.max(1, sizes[k]!) - glob[c]! / tot), 0));
  return {
    counts,
    sizes,
    classesPresent: counts.map((h) => h.filter((x) => x > 0).length),
    entropy,
    meanTv: tv.reduce((a, b) => a + b, 0) / Math.max(1, tv.length),
    minSize: Math.min(...sizes),
    maxSize: Math.max(...sizes),
  };
}
