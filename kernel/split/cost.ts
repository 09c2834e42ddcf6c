/**
 * The SplitNets system cost model (arXiv 2204.04705, Sec. 3: the end-to-end latency of a distributed network is the
 * on-sensor compute, the sensor→aggregator transfer and the aggregator compute; peak sensor memory is a hard
 * constraint; multi-view systems run one sensor network per camera in parallel).
 *
 *   T = T_sensor + T_link + T_aggregator
 *   T_sensor = MACs_sensor / (macsPerSecond_s · util_s)             (views run in parallel: the max over sensors)
 *   T_link   = ceil(bits / packetBits) · packetBits / bitsPerSecond + overheadSeconds   per transfer;
 *              a shared link carries every view's transfer one after another, independent links take the slowest one
 *   T_agg    = MACs_aggregator / (macsPerSecond_a · util_a)
 *   energy   = Σ MACs · e_MAC + wire bits · e_bit
 *   sensor memory = max over sensor layers (input + output activations) · bytesPerActivation + sensor weights · bytesPerWeight
 *
 * The paper's hardware constants are not published in a recoverable form; every constant here is a field of a named
 * preset (presets.json) whose `sources` say which values are ours.
 */
import { InvalidInput, check, describe } from '../core/errors';
import presetsJson from './presets.json';
import type { CostBreakdown, LayerCost, LayerSpec, PhaseConfig, Preset, Shape, SplitConfig } from './types';

// ---------------------------------------------------------------------------------------------------------------
// Layers

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new InvalidInput(`${name} must be a positive integer, got ${describe(v)}`);
  return v;
}

/**
 * Exact cost of one layer on input `inp`:
 *   conv (k×k, 'same', stride s):  H_out = ceil(H/s), MACs = H_out·W_out·k²·C_in·C_out, params = k²·C_in·C_out (+ C_out bias)
 *   depthwise conv:                MACs = H_out·W_out·k²·C,        params = k²·C (+ C)
 *   dense:                         MACs = C_in·C_out,              params = C_in·C_out (+ C_out); a spatial input is flattened
 *   global average pooling:        0 MACs (additions only), 0 params
 */
export function layerCost(spec: LayerSpec, inp: Shape): LayerCost {
  positiveInt('layerCost: input h', inp.h);
  positiveInt('layerCost: input w', inp.w);
  positiveInt('layerCost: input c', inp.c);
  const inElems = inp.h * inp.w * inp.c;
  const bias = spec.kind !== 'gap' && spec.bias !== false ? 1 : 0;
  let out: Shape, macs: number, params: number;
  switch (spec.kind) {
    case 'conv':
    case 'dwconv': {
      const k = positiveInt(`layerCost(${spec.name}): k`, spec.k);
      const s = positiveInt(`layerCost(${spec.name}): stride`, spec.stride ?? 1);
      const cout = spec.kind === 'conv' ? positiveInt(`layerCost(${spec.name}): cout`, spec.cout) : inp.c;
      out = { h: Math.ceil(inp.h / s), w: Math.ceil(inp.w / s), c: cout };
      macs = spec.kind === 'conv' ? out.h * out.w * k * k * inp.c * cout : out.h * out.w * k * k * inp.c;
      params = spec.kind === 'conv' ? k * k * inp.c * cout + bias * cout : k * k * inp.c + bias * inp.c;
      break;
    }
    case 'dense': {
      const cout = positiveInt(`layerCost(${spec.name}): cout`, spec.cout);
      out = { h: 1, w: 1, c: cout };
      macs = inElems * cout;
      params = inElems * cout + bias * cout;
      break;
    }
    case 'gap':
      out = { h: 1, w: 1, c: inp.c };
      macs = 0;
      params = 0;
      break;
    default:
      throw new InvalidInput(
        `layerCost: unknown layer kind ${describe((spec as { kind?: unknown }).kind)}; expected conv, dwconv, dense or gap`,
      );
  }
  return { name: spec.name, kind: spec.kind, in: inp, out, macs, params, inElems, outElems: out.h * out.w * out.c };
}

/** Costs of a chain of layers applied one after another from `inp`. */
export function chainCost(specs: readonly LayerSpec[], inp: Shape): LayerCost[] {
  const out: LayerCost[] = [];
  let s = inp;
  for (const spec of specs) {
    const c = layerCost(spec, s);
    out.push(c);
    s = c.out;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The searchable network as layers

/** The layers of phase `p` (1-based): nPre stride-1 convs, one stride-2 conv, nPost stride-1 convs (all k×k, `width` out). */
export function phaseLayers(p: number, ph: PhaseConfig): LayerSpec[] {
  const conv = (name: string, stride: number): LayerSpec => ({ kind: 'conv', name, k: ph.kernel, cout: ph.width, stride });
  const out: LayerSpec[] = [];
  for (let i = 0; i < ph.nPre; i++) out.push(conv(`p${p}.pre${i}`, 1));
  out.push(conv(`p${p}.down`, 2));
  for (let i = 0; i < ph.nPost; i++) out.push(conv(`p${p}.post${i}`, 1));
  return out;
}

export interface NetworkOptions {
  /** Input channels of the image (1 for Fashion-MNIST and MultiViewSolids). Default 1. */
  inChannels?: number;
  /** Classes of the head. Default 10. */
  classes?: number;
}

/** Check a configuration against the network it describes; throws InvalidInput naming the bad field. */
export function checkConfig(cfg: SplitConfig): void {
  check(
    cfg != null && Array.isArray(cfg.phases) && cfg.phases.length >= 1,
    () => `config.phases must be a non-empty array, got ${describe(cfg?.phases)}`,
  );
  positiveInt('config.resolution', cfg.resolution);
  const P = cfg.phases.length;
  cfg.phases.forEach((ph, i) => {
    positiveInt(`config.phases[${i}].width`, ph.width);
    positiveInt(`config.phases[${i}].kernel`, ph.kernel);
    check(Number.isInteger(ph.nPre) && ph.nPre >= 0, () => `config.phases[${i}].nPre must be an integer ≥ 0, got ${describe(ph.nPre)}`);
    check(Number.isInteger(ph.nPost) && ph.nPost >= 0, () => `config.phases[${i}].nPost must be an integer ≥ 0, got ${describe(ph.nPost)}`);
  });
  check(Number.isInteger(cfg.split) && cfg.split >= 0, () => `config.split must be an integer in [0, ${P}], got ${describe(cfg.split)}`);
  check(cfg.split <= P, () => `config.split = ${cfg.split} is past the last phase (the network has ${P} phases; expected 0..${P})`);
  if (cfg.reduce !== null && cfg.split > 0 && cfg.split < P) {
    positiveInt('config.reduce', cfg.reduce);
    const c = cfg.phases[cfg.split - 1]!.width;
    check(cfg.reduce <= c, () => `config.reduce = ${cfg.reduce} exceeds the ${c} channels at split ${cfg.split}; expected c′ ≤ ${c}`);
  }
  if (cfg.bits !== null)
    check(
      Number.isInteger(cfg.bits) && cfg.bits >= 1 && cfg.bits <= 32,
      () => `config.bits must be null or an integer in [1, 32], got ${describe(cfg.bits)}`,
    );
}

/** The sensor and aggregator layer lists of one view, and the shape at the split. */
export interface SplitLayers {
  readonly sensor: LayerCost[];
  /** Aggregator layers before fusion (per view: recover and, at split 0, the whole trunk). */
  readonly aggregatorPerView: LayerCost[];
  /** Aggregator layers after fusion (run once). */
  readonly aggregatorShared: LayerCost[];
  /** Shape of what one view sends (the reduced features, the raw image, or the logits). */
  readonly sent: Shape;
}

/**
 * Lay out a configuration as layers. Split 0: the aggregator runs every phase per view and fuses before the head.
 * 0 < s < P: sensor phases 1..s and reduce; aggregator recover per view, fusion, phases s+1..P and head.
 * s = P: the sensor runs everything and sends logits; the aggregator averages the views' logits (0 MACs counted).
 * Resizing the image to `resolution` is not counted (it is free on an image signal processor).
 */
export function splitLayers(
  cfg: SplitConfig,
  opts: NetworkOptions & {
    /** Number of camera views (default 1). */
    views?: number;
    /** How the aggregator fuses views; only 'concat' adds a layer (a 1×1 conv) (default 'max'). */
    fusion?: FusionKind;
    /** Shape sent over the link when split = 0, i.e. the sensor's native image (default the network input). */
    native?: Shape;
  } = {},
): SplitLayers {
  checkConfig(cfg);
  const inC = opts.inChannels ?? 1,
    classes = opts.classes ?? 10,
    V = opts.views ?? 1;
  const P = cfg.phases.length,
    s = cfg.split;
  const head: LayerSpec[] = [
    { kind: 'gap', name: 'head.gap' },
    { kind: 'dense', name: 'head.fc', cout: classes },
  ];
  const phases = (from: number, to: number): LayerSpec[] => cfg.phases.slice(from, to).flatMap((ph, i) => phaseLayers(from + i + 1, ph));
  const input: Shape = { h: cfg.resolution, w: cfg.resolution, c: inC };
  const fuse = (c: number): LayerSpec[] =>
    V > 1 && (opts.fusion ?? 'max') === 'concat' ? [{ kind: 'conv', name: 'fuse.concat1x1', k: 1, cout: c }] : [];
  if (s === 0) {
    const trunk = chainCost(phases(0, P), input);
    const last = trunk[trunk.length - 1]!.out;
    const fuseL = chainCost(fuse(last.c), { ...last, c: last.c * V });
    const headL = chainCost(head, last);
    return { sensor: [], aggregatorPerView: trunk, aggregatorShared: [...fuseL, ...headL], sent: opts.native ?? input };
  }
  if (s === P) {
    const all = chainCost([...phases(0, P), ...head], input);
    return { sensor: all, aggregatorPerView: [], aggregatorShared: [], sent: { h: 1, w: 1, c: classes } };
  }
  const pre = chainCost(phases(0, s), input);
  const at = pre[pre.length - 1]!.out;
  const sensor = [...pre];
  let sent = at;
  const perView: LayerCost[] = [];
  if (cfg.reduce !== null) {
    const red = layerCost({ kind: 'conv', name: `split${s}.reduce`, k: 1, cout: cfg.reduce }, at);
    sensor.push(red);
    sent = red.out;
    perView.push(layerCost({ kind: 'conv', name: `split${s}.recover`, k: 1, cout: at.c }, red.out));
  }
  const fuseL = chainCost(fuse(at.c), { ...at, c: at.c * V });
  const rest = chainCost([...phases(s, P), ...head], at);
  return { sensor, aggregatorPerView: perView, aggregatorShared: [...fuseL, ...rest], sent };
}

export type FusionKind = 'max' | 'mean' | 'concat';

// ---------------------------------------------------------------------------------------------------------------
// Presets

const PRESETS = presetsJson as unknown as Record<string, Preset>;
export const PRESET_NAMES: readonly string[] = Object.keys(PRESETS);
export const DEFAULT_PRESET = 'weak-sensor-mipi';

const NUMERIC_FIELDS = [
  'sensor.macsPerSecond',
  'sensor.utilization',
  'sensor.memoryBytes',
  'sensor.energyPerMac',
  'aggregator.macsPerSecond',
  'aggregator.utilization',
  'aggregator.energyPerMac',
  'link.bitsPerSecond',
  'link.packetBits',
  'link.overheadSeconds',
  'link.energyPerBit',
  'bytesPerActivation',
  'bytesPerWeight',
] as const;
const MUST_BE_POSITIVE = new Set([
  'sensor.macsPerSecond',
  'sensor.utilization',
  'sensor.memoryBytes',
  'aggregator.macsPerSecond',
  'aggregator.utilization',
  'link.bitsPerSecond',
  'link.packetBits',
  'bytesPerActivation',
  'bytesPerWeight',
]);

function field(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((a, k) => (a && typeof a === 'object' ? (a as Record<string, unknown>)[k] : undefined), o);
}

/** Validate a preset (every field present and finite; rates, utilizations, memory and packet size positive; energies and overhead ≥ 0). */
export function checkPreset(p: Preset): Preset {
  check(p != null && typeof p === 'object', () => `preset must be an object, got ${describe(p)}`);
  const name = typeof p.name === 'string' ? p.name : '(unnamed)';
  for (const f of NUMERIC_FIELDS) {
    const v = field(p, f);
    check(v !== undefined, () => `preset ${name} is missing the field ${f}`);
    check(typeof v === 'number' && Number.isFinite(v), () => `preset ${name}: ${f} must be a finite number, got ${describe(v)}`);
    const n = v as number;
    if (MUST_BE_POSITIVE.has(f)) check(n > 0, () => `preset ${name}: ${f} must be > 0, got ${n}`);
    else check(n >= 0, () => `preset ${name}: ${f} must be ≥ 0, got ${n}`);
  }
  check(
    p.sensor.utilization <= 1 && p.aggregator.utilization <= 1,
    () => `preset ${name}: utilization must be ≤ 1, got sensor ${p.sensor.utilization}, aggregator ${p.aggregator.utilization}`,
  );
  check(typeof p.link.shared === 'boolean', () => `preset ${name}: link.shared must be true or false, got ${describe(p.link.shared)}`);
  const ni = p.nativeImage;
  check(
    ni != null && [ni.h, ni.w, ni.c].every((x) => Number.isInteger(x) && x > 0),
    () => `preset ${name}: nativeImage must be { h, w, c } positive integers, got ${describe(ni)}`,
  );
  return p;
}

/** A named preset (a deep copy, so callers may change fields), optionally with fields overridden. */
export function preset(name: string = DEFAULT_PRESET, override: PresetOverride = {}): Preset {
  const base = PRESETS[name];
  if (!base) throw new InvalidInput(`unknown preset ${describe(name)}; expected one of ${PRESET_NAMES.join(', ')}`);
  const c = JSON.parse(JSON.stringify(base)) as Preset;
  const merged = {
    ...c,
    ...override,
    sensor: { ...c.sensor, ...override.sensor },
    aggregator: { ...c.aggregator, ...override.aggregator },
    link: { ...c.link, ...override.link },
    nativeImage: { ...c.nativeImage, ...override.nativeImage },
  } as Preset;
  return checkPreset(merged);
}
export type PresetOverride = { -readonly [K in keyof Preset]?: Preset[K] extends object ? Partial<Preset[K]> : Preset[K] };

// ---------------------------------------------------------------------------------------------------------------
// System cost

/** Time of one transfer of `bits` payload bits: ceil(bits/packet)·packet/rate + overhead; 0 when nothing is sent. */
export function transferSeconds(bits: number, link: Preset['link']): number {
  check(Number.isFinite(bits) && bits >= 0, () => `transferSeconds: bits must be ≥ 0, got ${describe(bits)}`);
  check(link.bitsPerSecond > 0, () => `transferSeconds: link.bitsPerSecond must be > 0, got ${describe(link.bitsPerSecond)}`);
  if (bits === 0) return 0;
  return wireBits(bits, link) / link.bitsPerSecond + link.overheadSeconds;
}
/** Bits on the wire for `bits` payload bits (whole packets). */
export function wireBits(bits: number, link: Preset['link']): number {
  return Math.ceil(bits / link.packetBits) * link.packetBits;
}

export interface CostOptions extends NetworkOptions {
  /** Number of camera views (each runs its own sensor network in parallel). Default 1. */
  views?: number;
  /** How the aggregator fuses views (concat + 1×1 costs MACs; max and mean are counted as 0). Default 'max'. */
  fusion?: FusionKind;
}

const sum = (xs: readonly LayerCost[], f: (l: LayerCost) => number) => xs.reduce((a, l) => a + f(l), 0);

/** Peak sensor memory: max over sensor layers of (in + out activations) · bytes/activation, plus all sensor weights · bytes/weight. */
export function sensorPeakBytes(sensor: readonly LayerCost[], p: Pick<Preset, 'bytesPerActivation' | 'bytesPerWeight'>): number {
  if (sensor.length === 0) return 0;
  const act = Math.max(...sensor.map((l) => l.inElems + l.outElems));
  return act * p.bytesPerActivation + sum(sensor, (l) => l.params) * p.bytesPerWeight;
}

/** Latency, bits, energy and sensor memory of one configuration under one preset. */
export function systemCost(cfg: SplitConfig, p: Preset, opts: CostOptions = {}): CostBreakdown {
  checkPreset(p);
  const V = opts.views ?? 1;
  check(Number.isInteger(V) && V >= 1, () => `views must be an integer ≥ 1, got ${describe(V)}`);
  const L = splitLayers(cfg, { ...opts, views: V, native: p.nativeImage });
  const P = cfg.phases.length;
  const sensorMacs = sum(L.sensor, (l) => l.macs);
  const aggregatorMacs = V * sum(L.aggregatorPerView, (l) => l.macs) + sum(L.aggregatorShared, (l) => l.macs);
  const valueBits = cfg.split === 0 ? 8 : cfg.split === P ? 32 : (cfg.bits ?? 32);
  const bitsPerView = L.sent.h * L.sent.w * L.sent.c * valueBits;
  const perTransfer = transferSeconds(bitsPerView, p.link);
  const linkSeconds = p.link.shared ? V * perTransfer : perTransfer;
  const linkBits = V * wireBits(bitsPerView, p.link);
  const sensorSeconds = sensorMacs / (p.sensor.macsPerSecond * p.sensor.utilization);
  const aggregatorSeconds = aggregatorMacs / (p.aggregator.macsPerSecond * p.aggregator.utilization);
  const peak = sensorPeakBytes(L.sensor, p);
  return {
    sensorMacs,
    aggregatorMacs,
    bitsPerView,
    linkBits,
    sensorSeconds,
    linkSeconds,
    aggregatorSeconds,
    latencySeconds: sensorSeconds + linkSeconds + aggregatorSeconds,
    energyJoules: V * sensorMacs * p.sensor.energyPerMac + aggregatorMacs * p.aggregator.energyPerMac + linkBits * p.link.energyPerBit,
    sensorPeakBytes: peak,
    sensorParams: sum(L.sensor, (l) => l.params),
    aggregatorParams: sum(L.aggregatorPerView, (l) => l.params) + sum(L.aggregatorShared, (l) => l.params),
    feasible: peak <= p.sensor.memoryBytes,
    views: V,
  };
}
