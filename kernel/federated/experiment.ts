/**
 * The five ablation arms on Fashion-MNIST, one (α, seed) at a time:
 *   fedavg        FedAvg (or FedProx), learned linear head, CE
 *   fedavg_ridge  the same trained extractor + closed-form ridge head from the calibration round (Fed3R-like)
 *   sphere        fixed orthonormal head, L2-normalised features, logits s·ĥᵀW — uncalibrated
 *   spherefed     the same + closed-form calibration (SphereFed)
 *   centralized   the same MLP + learned head trained on the pooled data (same epochs, lr, batch)
 * Every federated round also runs a diagnostic calibration round so the calibrated arms have per-round curves.
 * Clients load their own rows (only indices cross to them); the server holds the public test split for evaluation.
 */
import { check, checkOneOf } from '../core/errors';
import { rng } from '../core/rng';
import { Mlp, headAccuracy, trainLocal, type ClientData, type ModelSpec } from './model';
import { fashionMnistData, subset } from './data';
import { partition, partitionStats, type PartitionScheme, type PartitionStats } from './partition';
import { makeHosts } from './transport';
import { runFederated, type FedResult, type Strategy } from './server';

export const ARMS = ['fedavg', 'fedavg_ridge', 'sphere', 'spherefed', 'centralized'] as const;
export type Arm = (typeof ARMS)[number];

export interface ExperimentOptions {
  /** Dirichlet α (per-class convention by default). */
  alpha: number;
  /** Partition scheme. Default 'dirichlet-per-class' (NIID-Bench's convention). */
  scheme?: PartitionScheme;
  /** Default 10. */
  clients?: number;
  /** Training pool (seeded subset of the 60k split). Default 6000. */
  trainSize?: number;
  /** Test images (first of a seeded shuffle of the 10k split). Default 2000. */
  testSize?: number;
  /** Average-pool factor on 28×28 images. Default 2 (→ 196 inputs). */
  pool?: number;
  /** Default [64]. */
  hidden?: number[];
  /** Feature width d. Default 32. */
  features?: number;
  /** Sphere logit scale s. Default 16. */
  scale?: number;
  /** Loss of the sphere arm. Default 'ce'. */
  sphereLoss?: 'ce' | 'mse';
  /** Append a constant 1 to the calibration features of the FedAvg + ridge arm (an intercept, like the learned head's bias).
   *  Default false. The sphere arms never use it (their fixed head has no bias). */
  ridgeBias?: boolean;
  /** Fixed classifier of the sphere arms: 'orthonormal' (default, as the third-party re-implementations) or 'etf'. */
  fixedHead?: 'orthonormal' | 'etf';
  /** Federated rounds (and centralized epochs-per-round). Default 20. */
  rounds?: number;
  /** Local epochs per round. Default 2. */
  localEpochs?: number;
  /** SGD minibatch. Default 32. */
  batchSize?: number;
  /** Plain-SGD learning rate, every arm. Default 0.1 (runFederated's own default is 0.05, which left the learned-head
   *  FedAvg visibly under-trained — α = 0.05, seed 0: FedAvg 0.645 at lr 0.05 vs 0.700 at 0.1 — and flattered the other arms). */
  lr?: number;
  /** 'fedavg' (default) or 'fedprox'. */
  strategy?: Strategy;
  /** FedProx proximal weight μ (strategy 'fedprox' only). Default 0.01. */
  mu?: number;
  /** Fraction of clients sampled per round. Default 1 (runFederated's). */
  clientFraction?: number;
  /** Default 10 samples per client. */
  minSize?: number;
  /** Run seed: the training pool (seed 1000 + seed), the partition (17 + seed) and the federated runs. Default 0. */
  seed?: number;
  /** Worker threads ('worker', default) or in-process clients. */
  hostKind?: 'worker' | 'in-process';
  /** Number of hosts. Default: one per core, at most one per client (makeHosts'). */
  hosts?: number;
  /** Which arms to run (default all). */
  arms?: Arm[];
  /** Show each federated run's progress bar. Default false. */
  progress?: boolean;
  /** Checked before every round; aborting throws `Aborted` (default: none). */
  signal?: AbortSignal;
}

export interface ArmCurve {
  arm: Arm;
  acc: number[];
  final: number;
}
export interface ExperimentResult {
  alpha: number;
  seed: number;
  scheme: PartitionScheme;
  convention: string;
  config: Required<
    Pick<
      ExperimentOptions,
      | 'clients'
      | 'trainSize'
      | 'testSize'
      | 'pool'
      | 'hidden'
      | 'features'
      | 'scale'
      | 'sphereLoss'
      | 'rounds'
      | 'localEpochs'
      | 'batchSize'
      | 'lr'
      | 'strategy'
      | 'mu'
    >
  >;
  stats: PartitionStats;
  curves: ArmCurve[];
  /** Bytes per training round (all sampled clients; down = server→clients, up = clients→server), per federated arm. */
  bytes: { arm: 'fedavg' | 'sphere'; downPerRound: number; upPerRound: number; calibUpPerClient: number; nParams: number }[];
  dropped: number;
  lambda: { fedavg: number | null; sphere: number | null };
  seconds: number;
}

const curve = (arm: Arm, acc: number[]): ArmCurve => ({ arm, acc, final: acc[acc.length - 1] ?? NaN });

/** Centralized arm: the learned-head MLP trained on the pooled data; `localEpochs` epochs per "round". */
export function trainCentralized(o: {
  spec: ModelSpec;
  train: ClientData;
  test: ClientData;
  rounds: number;
  localEpochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}): number[] {
  const net = new Mlp(o.spec),
    r = rng(o.seed);
  let p = net.init(r.fork(1).seedInt());
  const acc: number[] = [];
  for (let t = 1; t <= o.rounds; t++) {
    p = trainLocal(net, p, o.train, { epochs: o.localEpochs, batchSize: o.batchSize, lr: o.lr, rng: r.fork(100 + t) }).params;
    acc.push(net.accuracy(p, o.test));
  }
  return acc;
}

/**
 * SphereFed's ablation (arXiv 2207.09413 §5) at one (α, seed) on Fashion-MNIST: partition the training pool over the
 * clients (Dirichlet α), run the federated arms on worker-thread clients and the centralized reference, and return every
 * arm's per-round test accuracy, the bytes on the wire and the ridge λ used. Defaults are ExperimentOptions' (10 clients,
 * 6000 training / 2000 test images pooled to 14×14, MLP 196-64-32, 20 rounds × 2 local epochs, batch 32, lr 0.1).
 */
export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  check(o != null && typeof o.alpha === 'number' && o.alpha > 0, `runExperiment: alpha must be > 0, got ${String(o?.alpha)}`);
  if (o.sphereLoss !== undefined) checkOneOf('runExperiment: sphereLoss', o.sphereLoss, ['ce', 'mse'] as const);
  if (o.hostKind !== undefined) checkOneOf('runExperiment: hostKind', o.hostKind, ['worker', 'in-process'] as const);
  const t0 = Date.now();
  const cfg = {
    clients: o.clients ?? 10,
    trainSize: o.trainSize ?? 6000,
    testSize: o.testSize ?? 2000,
    pool: o.pool ?? 2,
    hidden: o.hidden ?? [64],
    features: o.features ?? 32,
    scale: o.scale ?? 16,
    sphereLoss: o.sphereLoss ?? 'ce',
    rounds: o.rounds ?? 20,
    localEpochs: o.localEpochs ?? 2,
    batchSize: o.batchSize ?? 32,
    lr: o.lr ?? 0.1,
    strategy: o.strategy ?? 'fedavg',
    mu: o.mu ?? 0.01,
  } as ExperimentResult['config'];
  const seed = o.seed ?? 0,
    scheme = o.scheme ?? 'dirichlet-per-class';
  const arms = new Set<Arm>(o.arms ?? ARMS);
  const dataSeed = 1000 + seed;
  // the server side holds only the labels of the pool (to draw the partition) and the public test split
  const pool = fashionMnistData({ split: 'train', limit: cfg.trainSize, seed: dataSeed, pool: cfg.pool });
  const test = fashionMnistData({ split: 'test', limit: cfg.testSize, seed: 7, pool: cfg.pool });
  const input = pool.x.length / pool.n;
  const part = partition({
    labels: pool.y,
    clients: cfg.clients,
    scheme,
    alpha: o.alpha,
    minSize: o.minSize ?? 10,
    seed: 17 + seed,
    classes: 10,
  });
  const stats = partitionStats(part, pool.y);
  const clients = part.clients.map((ix, k) => ({
    id: `client-${String(k).padStart(2, '0')}`,
    data: { kind: 'fashion-mnist' as const, split: 'train' as const, limit: cfg.trainSize, seed: dataSeed, pool: cfg.pool, indices: ix },
  }));
  const base = { input, hidden: cfg.hidden, features: cfg.features, classes: 10 };
  const curves: ArmCurve[] = [];
  const bytes: ExperimentResult['bytes'] = [];
  let dropped = 0;
  const lambda: ExperimentResult['lambda'] = { fedavg: null, sphere: null };
  const fed = async (head: 'learned' | 'sphere'): Promise<{ own: number[]; cal: number[]; r: FedResult }> => {
    const spec: ModelSpec =
      head === 'learned'
        ? { ...base, head }
        : { ...base, head, scale: cfg.scale, loss: cfg.sphereLoss, fixedHead: o.fixedHead ?? 'orthonormal' };
    const net = new Mlp(spec);
    const own: number[] = [],
      cal: number[] = [];
    const hosts = makeHosts({ spec, clients, kind: o.hostKind ?? 'worker', hosts: o.hosts });
    try {
      const r = await runFederated({
        spec,
        hosts,
        rounds: cfg.rounds,
        strategy: cfg.strategy,
        mu: cfg.mu,
        localEpochs: cfg.localEpochs,
        batchSize: cfg.batchSize,
        lr: cfg.lr,
        clientFraction: o.clientFraction,
        seed,
        calibrateEvery: 1,
        signal: o.signal,
        progress: o.progress ?? false,
        bias: head === 'learned' && (o.ridgeBias ?? false),
        label: `${head === 'learned' ? cfg.strategy : 'sphere'} α=${o.alpha} seed ${seed}`,
        evaluate: (p, _t, W) => {
          const a = net.accuracy(p, test),
            c = W ? headAccuracy(net.features(p, test), test.y, W, cfg.features, 10, head === 'learned' && (o.ridgeBias ?? false)) : NaN;
          own.push(a);
          cal.push(c);
          return { acc: a, calibrated: c };
        },
      });
      const h = r.history;
      bytes.push({
        arm: head === 'learned' ? 'fedavg' : 'sphere',
        downPerRound: h.reduce((a, x) => a + x.bytesDown, 0) / h.length,
        upPerRound: h.reduce((a, x) => a + x.bytesUp, 0) / h.length,
        calibUpPerClient: r.calibBytesPerClient,
        nParams: net.nParams,
      });
      dropped += h.reduce((a, x) => a + x.dropped.length, 0);
      return { own, cal, r };
    } finally {
      await Promise.all(hosts.map((x) => x.close()));
    }
  };
  if (arms.has('fedavg') || arms.has('fedavg_ridge')) {
    const f = await fed('learned');
    lambda.fedavg = f.r.lambda;
    if (arms.has('fedavg')) curves.push(curve('fedavg', f.own));
    if (arms.has('fedavg_ridge')) curves.push(curve('fedavg_ridge', f.cal));
  }
  if (arms.has('sphere') || arms.has('spherefed')) {
    const f = await fed('sphere');
    lambda.sphere = f.r.lambda;
    if (arms.has('sphere')) curves.push(curve('sphere', f.own));
    if (arms.has('spherefed')) curves.push(curve('spherefed', f.cal));
  }
  if (arms.has('centralized')) {
    curves.push(
      curve(
        'centralized',
        trainCentralized({
          spec: { ...base, head: 'learned' },
          train: subset(
            pool,
            Int32Array.from({ length: pool.n }, (_, i) => i),
          ),
          test,
          rounds: cfg.rounds,
          localEpochs: cfg.localEpochs,
          batchSize: cfg.batchSize,
          lr: cfg.lr,
          seed,
        }),
      ),
    );
  }
  return {
    alpha: o.alpha,
    seed,
    scheme,
    convention: part.convention,
    config: cfg,
    stats,
    curves,
    bytes,
    dropped,
    lambda,
    seconds: (Date.now() - t0) / 1000,
  };
}
