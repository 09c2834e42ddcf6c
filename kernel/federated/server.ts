/**
 * The federated server: rounds, client sampling, local epochs, weighted aggregation (FedAvg; FedProx = FedAvg
 * aggregation + a proximal term μ/2‖w − w_global‖² in every local loss), and the closed-form calibration round.
 * It only ever holds parameters, client sample counts and calibration statistics: every byte string it receives passes
 * decodeClientMessage (declared types only) and a shape check against the model.
 * A client that errors, times out, crashes or sends a malformed reply is dropped from that round; the aggregate is the
 * n-weighted mean over the clients that answered, summed in client-id order (independent of arrival order).
 */
import { rng } from '../core/rng';
import { Aborted, EdgeLabError, FormatError, InvalidInput, NotFound, check, checkInt, checkOneOf } from '../core/errors';
import { progress as mkProgress } from '../core/progress';
import { Mlp, type ModelSpec } from './model';
import { decodeClientMessage, encode, type ClientMessage, type ServerMessage } from './protocol';
import { solveRidge, sumStats, type CalibStats, type RidgeOptions } from './calibrate';
import { packedLength } from './linalg64';
import { fingerprint } from './head';
import { ClientDropped, type ClientHost } from './transport';

export type Strategy = 'fedavg' | 'fedprox';

export interface FedOptions {
  spec: ModelSpec;
  hosts: ClientHost[];
  /** Default 20. */
  rounds?: number;
  /** Default 'fedavg'. */
  strategy?: Strategy;
  /** FedProx μ. Default 0.01 (used only with strategy 'fedprox'). */
  mu?: number;
  /** Default 2. */
  localEpochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 0.05 (plain SGD). */
  lr?: number;
  /** Fraction of clients sampled each round (at least one). Default 1. */
  clientFraction?: number;
  /** Seeds initialisation, sampling and every client's batch order. Default 0. */
  seed?: number;
  /** Start from these parameters instead of a seeded init. */
  initParams?: Float64Array;
  /** Precision of parameters on the wire. Default 'float32' (calibration statistics are always float64). */
  wire?: 'float32' | 'float64';
  /** Per-request timeout (ms); a client that does not answer in time is dropped from the round. Default 120 000. */
  timeoutMs?: number;
  /** Run the calibration round every N rounds as a diagnostic (0 = only after the last round). Default 0. */
  calibrateEvery?: number;
  /** Run the final calibration round. Default true. */
  calibrate?: boolean;
  /** Append a constant 1 to the calibration features (a bias row in W*). Default false. */
  bias?: boolean;
  /** Ridge λ of the calibration solve (default: RidgeOptions' — λ = 1e-3 · tr(G)/d). */
  ridge?: RidgeOptions;
  /** Server-side evaluation after each round (e.g. on a held-out test set); W is the calibrated head when computed. */
  evaluate?: (params: Float64Array, round: number, W: Float64Array | null) => Record<string, number>;
  /** Checked before every round; aborting throws `Aborted` (default: none). */
  signal?: AbortSignal;
  /** Show the in-place progress bar over rounds. Default true. */
  progress?: boolean;
  /** Progress-bar label. Default `federated <strategy>`. */
  label?: string;
}

export interface Dropped {
  clientId: string;
  reason: string;
}
export interface RoundLog {
  round: number;
  sampled: string[];
  survivors: string[];
  dropped: Dropped[];
  /** Mean local training loss (n-weighted) of the survivors. */
  loss: number;
  bytesDown: number;
  bytesUp: number;
  /** Calibration-round bytes this round (0 when none ran). */
  calibBytesUp: number;
  calibBytesDown: number;
  metrics: Record<string, number>;
  seconds: number;
}
export interface FedResult {
  params: Float64Array;
  /** Calibrated head W* (d×C, or (d+1)×C with bias), from the final calibration round (null when calibrate = false). */
  W: Float64Array | null;
  lambda: number | null;
  history: RoundLog[];
  /** Bytes of one client's calibration message (G packed + B as float64, plus header). */
  calibBytesPerClient: number;
  headHash: string | null;
  seconds: number;
}

/** Per-(seed, round, client) batch-order seed: independent of sampling and of which host runs the client. */
export function clientSeed(seed: number, round: number, clientIndex: number): number {
  let h = (seed ^ 0x9e3779b9) | 0;
  h = Math.imul(h ^ (round + 0x632be5ab), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ (clientIndex + 0x2545f491), 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

interface Reply {
  host: ClientHost;
  clientId: string;
  msg: ClientMessage | null;
  bytes: number;
  error: string | null;
}

async function ask(
  host: ClientHost,
  clientId: string,
  bytes: Uint8Array,
  timeoutMs: number,
  expect: ClientMessage['type'],
  round: number,
  check: (m: ClientMessage) => string | null,
): Promise<Reply> {
  try {
    const r = await host.request(bytes, { timeoutMs });
    let msg: ClientMessage;
    try {
      msg = decodeClientMessage(r);
    } catch (e) {
      return { host, clientId, msg: null, bytes: r.length, error: `malformed: ${(e as Error).message}` };
    }
    if (msg.type === 'error') return { host, clientId, msg: null, bytes: r.length, error: `client error: ${msg.message}` };
    if (msg.type === 'hello' || msg.type !== expect)
      return { host, clientId, msg: null, bytes: r.length, error: `malformed: expected ${expect}, got ${msg.type}` };
    if (msg.clientId !== clientId || msg.round !== round)
      return {
        host,
        clientId,
        msg: null,
        bytes: r.length,
        error: `malformed: reply for ${msg.clientId}/round ${msg.round}, expected ${clientId}/round ${round}`,
      };
    const bad = check(msg);
    if (bad) return { host, clientId, msg: null, bytes: r.length, error: `malformed: ${bad}` };
    return { host, clientId, msg, bytes: r.length, error: null };
  } catch (e) {
    if (e instanceof ClientDropped) return { host, clientId, msg: null, bytes: 0, error: `${e.reason}: ${e.message}` };
    throw e;
  }
}

/** Strict check of one reply outside the runner (throws FormatError), e.g. for a custom transport's tests. */
export function validateUpdate(bytes: Uint8Array, nParams: number): ClientMessage & { type: 'update' } {
  const m = decodeClientMessage(bytes);
  if (m.type !== 'update') throw new FormatError(`client message: expected update, got ${m.type}`);
  if (m.params.length !== nParams)
    throw new FormatError(`client message: update has ${m.params.length} parameters; the model has ${nParams}`);
  return m;
}

/** One calibration round over `clients`: returns summed statistics of those that answered. */
async function calibrationRound(o: {
  hosts: Map<string, ClientHost>;
  clients: string[];
  params: Float64Array;
  round: number;
  bias: boolean;
  d: number;
  C: number;
  wire: 'float32' | 'float64';
  timeoutMs: number;
}) {
  const dd = o.d + (o.bias ? 1 : 0);
  const wireParams = o.wire === 'float32' ? Float32Array.from(o.params) : o.params;
  let down = 0;
  const replies = await Promise.all(
    o.clients.map((id) => {
      const b = encode({ type: 'stats', clientId: id, round: o.round, bias: o.bias, params: wireParams } satisfies ServerMessage);
      down += b.length;
      return ask(o.hosts.get(id)!, id, b, o.timeoutMs, 'stats', o.round, (m) => {
        const s = m as ClientMessage & { type: 'stats' };
        if (s.G.length !== packedLength(dd)) return `G has ${s.G.length} values; expected d(d+1)/2 = ${packedLength(dd)}`;
        if (s.B.length !== dd * o.C) return `B has ${s.B.length} values; expected d·C = ${dd * o.C}`;
        return null;
      });
    }),
  );
  const ok = replies.filter((r) => r.msg).sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  const stats: CalibStats[] = ok.map((r) => {
    const m = r.msg as ClientMessage & { type: 'stats' };
    return { n: m.n, d: dd, classes: o.C, G: m.G, B: m.B };
  });
  return {
    stats,
    ids: ok.map((r) => r.clientId),
    down,
    up: replies.reduce((a, r) => a + r.bytes, 0),
    dropped: replies.filter((r) => r.error).map((r) => ({ clientId: r.clientId, reason: r.error! })),
    perClient: ok[0]?.bytes ?? 0,
  };
}

/** Start every host; check parameter counts, unique client ids and that all clients (and the server) derived the same fixed head. */
async function provision(
  hosts: ClientHost[],
  net: Mlp,
): Promise<{ hostOf: Map<string, ClientHost>; ids: string[]; headHash: string | null }> {
  const hellos = await Promise.all(hosts.map((h) => h.start()));
  const hostOf = new Map<string, ClientHost>();
  hellos.forEach((hl, i) => {
    if (hl.nParams !== net.nParams)
      throw new InvalidInput(`${hosts[i]!.label}: clients report ${hl.nParams} parameters; the server's model has ${net.nParams}`);
    for (const id of hl.clientIds) {
      if (hostOf.has(id)) throw new InvalidInput(`client id ${id} appears on two hosts`);
      hostOf.set(id, hosts[i]!);
    }
  });
  const headHash = net.fixedW ? fingerprint(net.fixedW) : null;
  if (hellos.some((h) => h.headHash !== headHash))
    throw new InvalidInput(`clients derived different fixed classifiers: ${hellos.map((h) => h.headHash).join(', ')} (server ${headHash})`);
  return { hostOf, ids: [...hostOf.keys()].sort(), headHash };
}

export interface CalibrationOptions {
  spec: ModelSpec;
  hosts: ClientHost[];
  /** Extractor parameters every client evaluates (e.g. FedResult.params). */
  params: Float64Array;
  /** Append a constant 1 to the features (bias row in W). Default false. */
  bias?: boolean;
  /** Ridge λ of the solve (default: RidgeOptions' — λ = 1e-3 · tr(G)/d). */
  ridge?: RidgeOptions;
  /** Default 'float32' (the statistics themselves are always float64). */
  wire?: 'float32' | 'float64';
  /** Per-request timeout (ms); a client that does not answer in time is dropped. Default 120 000. */
  timeoutMs?: number;
}
export interface CalibrationResult {
  /** W* = (ΣG + λI)⁻¹ ΣB, d×C row-major (or (d+1)×C with bias). */
  W: Float64Array;
  lambda: number;
  /** Samples behind the statistics, and the clients that answered / were dropped. */
  n: number;
  clients: string[];
  dropped: Dropped[];
  bytesUp: number;
  bytesDown: number;
}

const WIRES = ['float32', 'float64'] as const;

/** A stand-alone calibration round: every client sends G_k (packed) and B_k in float64; the server solves by Cholesky. */
export async function federatedCalibration(o: CalibrationOptions): Promise<CalibrationResult> {
  check(o != null && Array.isArray(o.hosts) && o.hosts.length > 0, 'federatedCalibration: hosts (at least one ClientHost) required');
  const net = new Mlp(o.spec);
  check(
    o.params instanceof Float64Array && o.params.length === net.nParams,
    () => `federatedCalibration: params must be a Float64Array of ${net.nParams} values`,
  );
  const { hostOf, ids } = await provision(o.hosts, net);
  const c = await calibrationRound({
    hosts: hostOf,
    clients: ids,
    params: o.params,
    round: 0,
    bias: o.bias ?? false,
    d: net.spec.features,
    C: net.spec.classes,
    wire: checkOneOf('federatedCalibration: wire', o.wire ?? 'float32', WIRES),
    timeoutMs: o.timeoutMs ?? 120_000,
  });
  if (!c.stats.length)
    throw new NotFound(`federatedCalibration: no client answered (${c.dropped.map((d) => `${d.clientId}: ${d.reason}`).join('; ')})`);
  const sum = sumStats(c.stats),
    s = solveRidge(sum, o.ridge);
  return {
    W: s.W,
    lambda: s.lambda,
    n: sum.n,
    clients: c.stats.map((_, i) => c.ids[i]!),
    dropped: c.dropped,
    bytesUp: c.up,
    bytesDown: c.down,
  };
}

/**
 * Train over the hosts' clients for `rounds` rounds of FedAvg (McMahan et al., arXiv 1602.05629) or FedProx (arXiv
 * 1812.06127): sample a `clientFraction` of clients, `localEpochs` of plain SGD each, n-weighted average of the survivors.
 * Then, unless `calibrate` is false, SphereFed's closed-form calibration round (arXiv 2207.09413 §3.3): every client
 * sends G_k = Σhhᵀ and B_k = Σhyᵀ once and the server solves W* = (ΣG + λI)⁻¹ΣB. Defaults are FedOptions'
 * (20 rounds, FedAvg, 2 local epochs, batch 32, lr 0.05, seed 0). A client that fails is dropped from that round.
 */
export async function runFederated(o: FedOptions): Promise<FedResult> {
  check(o != null && Array.isArray(o.hosts) && o.hosts.length > 0, 'runFederated: hosts (at least one ClientHost) required');
  const net = new Mlp(o.spec);
  const rounds = checkInt('rounds', o.rounds ?? 20, 1);
  const strategy = o.strategy ?? 'fedavg';
  check(strategy === 'fedavg' || strategy === 'fedprox', `strategy must be 'fedavg' or 'fedprox', got ${String(strategy)}`);
  const mu = strategy === 'fedprox' ? (o.mu ?? 0.01) : 0;
  check(Number.isFinite(mu) && mu >= 0, `mu must be ≥ 0, got ${mu}`);
  const localEpochs = checkInt('localEpochs', o.localEpochs ?? 2, 1),
    batchSize = checkInt('batchSize', o.batchSize ?? 32, 1);
  const lr = o.lr ?? 0.05;
  check(Number.isFinite(lr) && lr > 0, `lr must be > 0, got ${lr}`);
  const frac = o.clientFraction ?? 1;
  check(frac > 0 && frac <= 1, `clientFraction must be in (0, 1], got ${frac}`);
  const seed = o.seed ?? 0,
    wire = checkOneOf('runFederated: wire', o.wire ?? 'float32', WIRES),
    timeoutMs = o.timeoutMs ?? 120_000;
  const calibEvery = checkInt('calibrateEvery', o.calibrateEvery ?? 0, 0),
    bias = o.bias ?? false;
  const t0 = Date.now();
  const { hostOf, ids, headHash } = await provision(o.hosts, net);
  const idx = new Map(ids.map((id, i) => [id, i]));
  const r = rng(seed);
  let params = o.initParams ? Float64Array.from(o.initParams) : net.init(r.fork(1).seedInt());
  check(params.length === net.nParams, `initParams has ${params.length} values; the model has ${net.nParams}`);
  const sampler = r.fork(2);
  const m = Math.max(1, Math.round(frac * ids.length));
  const history: RoundLog[] = [];
  let W: Float64Array | null = null,
    lambda: number | null = null,
    calibBytesPerClient = 0;
  const bar = (o.progress ?? true) ? mkProgress(rounds, o.label ?? `federated ${strategy}`) : null;
  try {
    for (let t = 1; t <= rounds; t++) {
      if (o.signal?.aborted) throw new Aborted('federated run aborted');
      const ts = Date.now();
      const sampled =
        m === ids.length
          ? ids
          : Array.from(sampler.sample(ids.length, m))
              .sort((a, b) => a - b)
              .map((i) => ids[i]!);
      const wireParams = wire === 'float32' ? Float32Array.from(params) : Float64Array.from(params);
      let down = 0;
      const replies = await Promise.all(
        sampled.map((id) => {
          const b = encode({
            type: 'train',
            clientId: id,
            round: t,
            seed: clientSeed(seed, t, idx.get(id)!),
            epochs: localEpochs,
            batchSize,
            lr,
            mu,
            params: wireParams,
          } satisfies ServerMessage);
          down += b.length;
          return ask(hostOf.get(id)!, id, b, timeoutMs, 'update', t, (msg) => {
            const u = msg as ClientMessage & { type: 'update' };
            return u.params.length !== net.nParams
              ? `update has ${u.params.length} parameters; the model has ${net.nParams}`
              : u.n < 1
                ? `update reports n = ${u.n}`
                : null;
          });
        }),
      );
      const ok = replies.filter((x) => x.msg).sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
      const dropped = replies.filter((x) => x.error).map((x) => ({ clientId: x.clientId, reason: x.error! }));
      let loss = NaN;
      if (ok.length) {
        const agg = new Float64Array(net.nParams);
        let ntot = 0;
        loss = 0;
        for (const x of ok) {
          const u = x.msg as ClientMessage & { type: 'update' };
          for (let i = 0; i < agg.length; i++) agg[i]! += u.n * u.params[i]!;
          ntot += u.n;
          loss += u.n * u.loss;
        }
        for (let i = 0; i < agg.length; i++) agg[i]! /= ntot;
        loss /= ntot;
        params = agg;
      }
      let calibDown = 0,
        calibUp = 0,
        Wt: Float64Array | null = null;
      const last = t === rounds;
      if ((calibEvery > 0 && t % calibEvery === 0) || (last && (o.calibrate ?? true))) {
        const c = await calibrationRound({
          hosts: hostOf,
          clients: ids,
          params,
          round: t,
          bias,
          d: net.spec.features,
          C: net.spec.classes,
          wire,
          timeoutMs,
        });
        calibDown = c.down;
        calibUp = c.up;
        dropped.push(...c.dropped.map((d) => ({ ...d, reason: `calibration: ${d.reason}` })));
        if (c.stats.length) {
          const s = solveRidge(sumStats(c.stats), o.ridge);
          Wt = s.W;
          if (last) {
            W = s.W;
            lambda = s.lambda;
            calibBytesPerClient = c.perClient;
          }
        }
      }
      const metrics = o.evaluate ? o.evaluate(params, t, Wt) : {};
      history.push({
        round: t,
        sampled,
        survivors: ok.map((x) => x.clientId),
        dropped,
        loss,
        bytesDown: down,
        bytesUp: replies.reduce((a, x) => a + x.bytes, 0),
        calibBytesDown: calibDown,
        calibBytesUp: calibUp,
        metrics,
        seconds: (Date.now() - ts) / 1000,
      });
      bar?.tick(
        1,
        `round ${t}: loss ${loss.toFixed(3)}${Object.entries(metrics)
          .map(([k, v]) => ` ${k} ${v.toFixed(3)}`)
          .join('')}${dropped.length ? `, ${dropped.length} dropped` : ''}`,
      );
    }
    bar?.done();
  } catch (e) {
    bar?.stop(e instanceof EdgeLabError ? e.message : 'failed');
    throw e;
  }
  return { params, W, lambda, history, calibBytesPerClient, headHash, seconds: (Date.now() - t0) / 1000 };
}
