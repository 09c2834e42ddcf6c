/**
 * Accuracy through the quantized crossbar datapath [OURS; the reprogramming paper, arXiv:2410.21730 §I, claims "model
 * accuracy within a 1% margin" without stating its datapath]. A tfjs Sequential model runs layer by layer; every mapped
 * Conv2D / Dense layer is replaced by its crossbar:
 *
 *   1. DAC: the layer input is quantized to `inputBits` integers with a per-layer scale calibrated on the float model
 *      (max |activation| over calibration images; unsigned when the calibration inputs are all ≥ 0, else two's
 *      complement), streamed one bit per cycle (1-bit DAC).
 *   2. Array: for every section (tile, slot) and converted line (sign-magnitude: a + and a − bit line per magnitude
 *      column, summed digitally after the ADCs; 'pair': each column; 'offset': each column plus the digital offset
 *      correction), the line current is Σ_rows xbit_t · cell value · g, with g = 1, or exp(σ·z) (lognormal programming
 *      noise, median 1, one draw per programmed cell) when `noiseSigma` > 0.
 *   3. ADC, per line: round, then `adcBits` b (a number or per line): 'saturate' (unit LSB, clipped at 2^b − 1) or
 *      'scaled' (LSB 2^(full − b), full = the bits the line's largest possible sum needs). Absent = lossless.
 *   4. Shift-and-add over columns and input bits (MSB cycle −2^(n−1) for two's-complement inputs), dequantize with the
 *      weight and input scales, add the bias in float, apply the layer's activation.
 * Other layers (pooling, LayerNorm, …) run in float.
 *
 * Two implementations: 'bit-serial' (the steps above, any setting) and 'integer' (Σ q·x exactly, valid only for
 * lossless settings: no ADC limit, σ = 0). Both return the integer sum as (lo, hi) float32 tensors with y = lo + 16·hi,
 * each part an exact integer below 2^24, so both paths give bitwise identical logits when lossless (tested).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, UnsupportedLayer, checkInt, checkOneOf, describe, throwIfAborted } from '../core/errors';
import { rng } from '../core/rng';
import { columnLayout, slotSource, type ColumnRole } from './crossbar';
import { mapModel, type ModelMapping } from './model';
import type { InputMode, MappedLayer } from './types';

/** One converted line (one ADC conversion per input bit), as passed to an `adcBits` function. */
export interface AdcSite {
  /** Index into mapping.layers. */
  layer: number;
  tile: number;
  slot: number;
  /** Output the slot accumulates into. */
  out: number;
  /** Column index inside the output's group (columnLayout order). */
  column: number;
  role: ColumnRole;
  /** 'pos' / 'neg': the + / − bit line of a sign-magnitude column; 'single' otherwise. */
  line: 'pos' | 'neg' | 'single';
  /** Rows the section uses. */
  rows: number;
  /** Largest sum this line can produce with the stored cells (cells on the line × max cell value). */
  maxSum: number;
}

export interface DatapathOptions {
  /** Input (activation) bits streamed bit-serially, 1 bit per cycle. Default 8. */
  inputBits?: number;
  /** ADC resolution per converted line: bits, or a function of the line. Default: lossless (no saturation). */
  adcBits?: number | ((site: AdcSite) => number);
  /** 'saturate' (default: unit LSB, output clipped at 2^b − 1) or 'scaled' (LSB 2^(full−b) covering the line's range). */
  adcMode?: 'saturate' | 'scaled';
  /** Lognormal σ of programmed conductances (g = exp(σ·z), median 1, per ON cell). Default 0. */
  noiseSigma?: number;
  /** Seed of the programming noise. Default 0. */
  seed?: number;
  /** 'auto' (default): 'integer' when lossless (no adcBits, σ = 0), else 'bit-serial'. */
  path?: 'auto' | 'integer' | 'bit-serial';
}

export interface CrossbarRunOptions extends DatapathOptions {
  /** Crossbar layout (from mapModel; its sort/routing/packing matter only for lossy settings). Default mapModel(model). */
  mapping?: ModelMapping;
  /** Weights actually stored per mapped layer ([out][in], e.g. stale-bit weights from simulateReprogramming). Default the layers' q. */
  effective?: readonly Int8Array[];
  /** Images whose float-model activations set the per-layer input scales. Default the first min(256, n) images run. */
  calibration?: tf.Tensor;
  /** Images per batch. Default 100. */
  batchSize?: number;
  /** Called after every batch with (images done, total). Default none. */
  progress?: (done: number, total: number) => void;
  /** Stops the run between batches (throws Aborted). Default none. */
  signal?: AbortSignal;
}

export interface EvaluateOptions extends CrossbarRunOptions {
  /** Evaluate only the first `limit` images. Default all. */
  limit?: number;
}

export interface EvaluateResult {
  accuracy: number;
  correct: number;
  n: number;
  /** Wilson 95% interval of the accuracy over the n images. */
  interval: [number, number];
  path: 'integer' | 'bit-serial';
  /** Per mapped layer: input scale (real value of one LSB) and input mode. */
  inputScales: number[];
  inputModes: InputMode[];
}

/** Wilson score interval (95%) for k successes out of n. */
export function wilson(k: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n,
    d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d,
    h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

interface Lines {
  /** Per tile: input indices used, kernel [|U| × lines] (cell value × noise), ADC step/levels per line, R [lines × nOut]. */
  tiles: { inputs: tf.Tensor1D; K: tf.Tensor2D; step: tf.Tensor1D; levels: tf.Tensor1D; R: tf.Tensor2D }[];
}

interface Prepared {
  L: MappedLayer;
  index: number;
  kind: 'conv' | 'dense';
  conv?: { kh: number; kw: number; cin: number; strides: [number, number]; padding: 'same' | 'valid' };
  /** Per output: weight scale. */
  wScale: tf.Tensor1D;
  bias: tf.Tensor | null;
  activation: string;
  q: Int8Array;
  inScale: number;
  inMode: InputMode;
  kInt?: tf.Tensor2D;
  lines?: Lines;
  eye?: tf.Tensor4D;
}

function checkDatapath(o: DatapathOptions): { bits: number; lossless: boolean; sigma: number; path: 'integer' | 'bit-serial' } {
  const bits = checkInt('inputBits', o.inputBits ?? 8, 1, 16);
  const sigma = o.noiseSigma ?? 0;
  if (typeof sigma !== 'number' || !(sigma >= 0) || !Number.isFinite(sigma))
    throw new InvalidInput(`noiseSigma must be a finite number ≥ 0, got ${describe(sigma)}`);
  if (o.adcBits !== undefined && typeof o.adcBits !== 'function') checkInt('adcBits', o.adcBits, 1, 32);
  if (o.adcMode !== undefined) checkOneOf('adcMode', o.adcMode, ['saturate', 'scaled'] as const);
  const want = checkOneOf('path', o.path ?? 'auto', ['auto', 'integer', 'bit-serial'] as const);
  const lossless = o.adcBits === undefined && sigma === 0;
  if (want === 'integer' && !lossless)
    throw new InvalidInput(`path 'integer' is exact only for lossless settings (no adcBits, noiseSigma 0); use 'bit-serial' or 'auto'`);
  return { bits, lossless, sigma, path: want === 'auto' ? (lossless ? 'integer' : 'bit-serial') : want };
}

/** Kernel [nIn, nOut] (float32 integers) from [out][in] weights. */
function kernelOf(q: Int8Array, nOut: number, nIn: number): Float32Array {
  const k = new Float32Array(nIn * nOut);
  for (let o = 0; o < nOut; o++) for (let p = 0; p < nIn; p++) k[p * nOut + o] = q[o * nIn + p]!;
  return k;
}

/**
 * Converted lines of `L` per tile (see the file comment), with stored weights `q` ([out][in]).
 * `layerIndex` is only reported to `adcBits`. The caller disposes the tensors.
 */
export function buildLines(
  L: MappedLayer,
  q: Int8Array,
  opts: DatapathOptions & {
    /** Layer index reported to an `adcBits` function. Default 0. */
    layerIndex?: number;
  } = {},
): Lines {
  const cfg = L.config;
  const roles = columnLayout(cfg);
  const mode = opts.adcMode ?? 'saturate';
  const sigma = opts.noiseSigma ?? 0;
  const r = rng(opts.seed ?? 0);
  const cellMax = (1 << cfg.cellBits) - 1;
  const off = 2 ** (cfg.weightBits - 1);
  const tiles: Lines['tiles'] = [];
  for (let t = 0; t < L.tiles; t++) {
    const used = new Map<number, number>(); // input → row of K
    const inputs: number[] = [];
    type Line = { cells: [number, number][]; sig: number; out: number; digital: boolean; site?: AdcSite };
    const lines: Line[] = [];
    for (let k = 0; k < L.slots; k++) {
      const { out, start, len } = slotSource(L, t, k);
      if (out < 0 || len === 0) continue;
      const idx: number[] = [];
      for (let row = 0; row < len; row++) {
        const i = L.perm ? L.perm[out * L.nIn + start + row]! : start + row;
        if (!used.has(i)) {
          used.set(i, inputs.length);
          inputs.push(i);
        }
        idx.push(i);
      }
      roles.forEach((role, c) => {
        if (role.kind === 'sign') return;
        const shift = role.slice * cfg.cellBits;
        const cellOf = (v: number): number => {
          const u =
            role.kind === 'mag' ? Math.abs(v) : role.kind === 'pos' ? Math.max(v, 0) : role.kind === 'neg' ? Math.max(-v, 0) : v + off;
          return (u >> shift) & cellMax;
        };
        const polarities: ('pos' | 'neg' | 'single')[] = role.kind === 'mag' ? ['pos', 'neg'] : ['single'];
        for (const pol of polarities) {
          const cells: [number, number][] = [];
          for (const i of idx) {
            const v = q[out * L.nIn + i]!;
            if (pol === 'pos' && v < 0) continue;
            if (pol === 'neg' && v >= 0) continue;
            const u = cellOf(v);
            if (u) cells.push([i, u]);
          }
          const sig = (pol === 'neg' || role.kind === 'neg' ? -1 : 1) * 2 ** shift;
          const maxSum = cells.reduce((a, [, u]) => a + u, 0);
          lines.push({
            cells,
            sig,
            out,
            digital: false,
            site: { layer: opts.layerIndex ?? 0, tile: t, slot: k, out, column: c, role, line: pol, rows: len, maxSum },
          });
        }
      });
      if (cfg.signMode === 'offset') lines.push({ cells: idx.map((i): [number, number] => [i, 1]), sig: -off, out, digital: true });
    }
    const nl = lines.length,
      nu = inputs.length;
    const K = new Float32Array(nu * nl),
      step = new Float32Array(nl).fill(1),
      levels = new Float32Array(nl).fill(Infinity),
      R = new Float32Array(nl * L.nOut);
    lines.forEach((ln, j) => {
      for (const [i, u] of ln.cells) K[used.get(i)! * nl + j] = ln.digital || sigma === 0 ? u : u * Math.exp(sigma * r.normal());
      R[j * L.nOut + ln.out] = ln.sig;
      if (ln.digital || opts.adcBits === undefined) return;
      const b = typeof opts.adcBits === 'function' ? opts.adcBits(ln.site!) : opts.adcBits;
      checkInt(`adcBits(layer ${ln.site!.layer}, tile ${t}, slot ${ln.site!.slot}, column ${ln.site!.column})`, b, 1, 32);
      levels[j] = 2 ** b - 1;
      if (mode === 'scaled') {
        const full = Math.ceil(Math.log2(ln.site!.rows * cellMax + 1));
        step[j] = 2 ** Math.max(0, full - b);
      }
    });
    tiles.push({
      inputs: tf.tensor1d(inputs, 'int32'),
      K: tf.tensor2d(K, [nu, nl]),
      step: tf.tensor1d(step),
      levels: tf.tensor1d(levels),
      R: tf.tensor2d(R, [nl, L.nOut]),
    });
  }
  return { tiles };
}

/** Bits of unsigned integer tensor u (0 ≤ u < 2^nBits), one plane per cycle. */
function bitPlane(u: tf.Tensor, t: number): tf.Tensor {
  return tf.mod(tf.floorDiv(u, 2 ** t), 2);
}

/**
 * Integer crossbar outputs of rows of `x` (a [m, nIn] tensor of integers in the input range): y = lo + 16·hi, both
 * float32 exact integers. 'integer': nibble-split exact matmul; 'bit-serial': the lines above.
 */
export function crossbarMatmul(
  x: tf.Tensor2D,
  how: { kInt: tf.Tensor2D } | { lines: Lines; inputBits: number; inputMode: InputMode },
): { lo: tf.Tensor2D; hi: tf.Tensor2D } {
  return tf.tidy(() => {
    if ('kInt' in how) {
      const hi = tf.floorDiv(x, 16);
      const lo = tf.sub(x, tf.mul(hi, 16));
      return { lo: tf.matMul(lo as tf.Tensor2D, how.kInt), hi: tf.matMul(hi as tf.Tensor2D, how.kInt) };
    }
    const n = how.inputBits;
    const u = how.inputMode === 'twos-complement' ? tf.where(tf.less(x, 0), tf.add(x, 2 ** n), x) : x;
    const m = x.shape[0],
      nOut = how.lines.tiles[0]!.R.shape[1];
    let lo: tf.Tensor = tf.zeros([m, nOut]),
      hi: tf.Tensor = tf.zeros([m, nOut]);
    for (const T of how.lines.tiles) {
      if (T.K.shape[1] === 0) continue;
      const xg = tf.gather(u, T.inputs, 1);
      for (let t = 0; t < n; t++) {
        const S = tf.matMul(bitPlane(xg, t) as tf.Tensor2D, T.K);
        const conv = tf.mul(tf.minimum(tf.round(tf.div(S, T.step)), T.levels), T.step);
        const part = tf.matMul(conv as tf.Tensor2D, T.R);
        const w = (how.inputMode === 'twos-complement' && t === n - 1 ? -1 : 1) * 2 ** (t < 4 ? t : t - 4);
        if (t < 4) lo = tf.add(lo, tf.mul(part, w));
        else hi = tf.add(hi, tf.mul(part, w));
      }
    }
    return { lo: lo as tf.Tensor2D, hi: hi as tf.Tensor2D };
  });
}

function layerSpec(layer: tf.layers.Layer, L: MappedLayer): Pick<Prepared, 'kind' | 'conv' | 'activation'> {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const activation = String(cfg.activation ?? 'linear');
  const cls = layer.getClassName();
  if (cls === 'Dense') return { kind: 'dense', activation };
  if (cls !== 'Conv2D') throw new UnsupportedLayer(`layer ${layer.name} (${cls}) cannot run on crossbars; expected Conv2D or Dense`);
  const ks = cfg.kernelSize as number[],
    st = cfg.strides as number[],
    dil = cfg.dilationRate as number[] | number | undefined;
  if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast')
    throw new UnsupportedLayer(`layer ${layer.name}: dataFormat ${describe(cfg.dataFormat)}; expected channelsLast`);
  if (dil !== undefined && (Array.isArray(dil) ? dil.some((d) => d !== 1) : dil !== 1))
    throw new UnsupportedLayer(`layer ${layer.name}: dilation ${describe(dil)}; only 1 is supported`);
  const kh = ks[0]!,
    kw = ks[1]!,
    cin = L.nIn / (kh * kw);
  const padding = cfg.padding === 'same' ? 'same' : 'valid';
  if (cfg.padding !== 'same' && cfg.padding !== 'valid')
    throw new UnsupportedLayer(`layer ${layer.name}: padding ${describe(cfg.padding)}; expected 'same' or 'valid'`);
  return { kind: 'conv', conv: { kh, kw, cin, strides: [st[0]!, st[1]!], padding }, activation };
}

/** Sequential layers of `model`, checked. */
function chain(model: tf.LayersModel): tf.layers.Layer[] {
  if (!(model instanceof tf.LayersModel)) throw new InvalidInput(`model must be a tf.LayersModel, got ${describe(model)}`);
  const ls = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  for (const l of ls)
    if (l.inboundNodes.length > 1 || (l.inboundNodes[0]?.inboundLayers.length ?? 1) > 1)
      throw new UnsupportedLayer(`layer ${l.name} has several inputs or uses; cim.evaluate runs sequential models only`);
  return ls;
}

/** Integer input of a mapped layer, quantized: x_int = clip(round(x / scale)). */
function quantizeInput(x: tf.Tensor, P: Prepared, bits: number): tf.Tensor {
  const lo = P.inMode === 'unsigned' ? 0 : -(2 ** (bits - 1)),
    hi = P.inMode === 'unsigned' ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
  return tf.clipByValue(tf.round(tf.div(x, P.inScale)), lo, hi);
}

/** Rows of the layer's matmul: dense [.., nIn] → [m, nIn]; conv → im2col patches [m, kh·kw·cin] (exact, one-hot conv). */
function rowsOf(x: tf.Tensor, P: Prepared): { rows: tf.Tensor2D; outShape: number[] } {
  if (P.kind === 'dense') {
    const shape = x.shape.slice(0, -1);
    return { rows: tf.reshape(x, [-1, P.L.nIn]), outShape: [...shape, P.L.nOut] };
  }
  const c = P.conv!;
  // round: a fast conv (e.g. Winograd in XNNPACK) may return a copied integer a few ulp off
  const patches = tf.round(tf.conv2d(x as tf.Tensor4D, P.eye!, c.strides, c.padding));
  const [b, h, w] = patches.shape;
  return { rows: tf.reshape(patches, [-1, P.L.nIn]), outShape: [b, h, w, P.L.nOut] };
}

/** Logits of `x` through the crossbars (see the file comment). The caller owns the returned tensor. */
export function crossbarPredict(model: tf.LayersModel, x: tf.Tensor, opts: CrossbarRunOptions = {}): tf.Tensor {
  const run = prepare(model, x, opts);
  try {
    return forwardAll(run, x, opts);
  } finally {
    run.dispose();
  }
}

interface Run {
  layers: tf.layers.Layer[];
  prepared: Map<tf.layers.Layer, Prepared>;
  bits: number;
  path: 'integer' | 'bit-serial';
  dispose(): void;
}

function prepare(model: tf.LayersModel, x: tf.Tensor, opts: CrossbarRunOptions): Run {
  const dp = checkDatapath(opts);
  const layers = chain(model);
  const mapping = opts.mapping ?? mapModel(model);
  if (opts.effective && opts.effective.length !== mapping.layers.length)
    throw new InvalidInput(`effective has ${opts.effective.length} entries; expected one per mapped layer (${mapping.layers.length})`);
  const prepared = new Map<tf.layers.Layer, Prepared>();
  const owned: tf.Tensor[] = [];
  const dispose = () => tf.dispose(owned);
  try {
    mapping.layers.forEach((L, n) => {
      const layer = model.layers[mapping.modelIndex[n]!];
      if (!layer || !layers.includes(layer)) throw new InvalidInput(`mapping.modelIndex[${n}] does not name a layer of this model`);
      const q = opts.effective ? opts.effective[n]! : L.q;
      if (q.length !== L.q.length) throw new InvalidInput(`effective[${n}] has ${q.length} entries; expected ${L.q.length}`);
      const spec = layerSpec(layer, L);
      const ws = layer.getWeights();
      const sc = new Float32Array(L.nOut);
      for (let o = 0; o < L.nOut; o++) sc[o] = L.scale.length === 1 ? L.scale[0]! : L.scale[o]!;
      const P: Prepared = {
        ...spec,
        L,
        index: n,
        q,
        wScale: tf.tensor1d(sc),
        bias: ws.length > 1 ? ws[1]!.clone() : null,
        inScale: 1,
        inMode: 'unsigned',
      };
      owned.push(P.wScale);
      if (P.bias) owned.push(P.bias);
      if (P.kind === 'conv') {
        const { kh, kw, cin } = P.conv!;
        P.eye = tf.tidy(() => tf.reshape(tf.oneHot(tf.range(0, L.nIn, 1, 'int32'), L.nIn).toFloat(), [kh, kw, cin, L.nIn]) as tf.Tensor4D);
        owned.push(P.eye);
      }
      if (dp.path === 'integer') {
        P.kInt = tf.tensor2d(kernelOf(q, L.nOut, L.nIn), [L.nIn, L.nOut]);
        owned.push(P.kInt);
      } else {
        P.lines = buildLines(L, q, { ...opts, seed: (opts.seed ?? 0) * 1009 + n, layerIndex: n });
        for (const T of P.lines.tiles) owned.push(T.inputs, T.K, T.step, T.levels, T.R);
      }
      prepared.set(layer, P);
    });
    // calibration: per mapped layer, input range of the float model on the calibration images
    tf.tidy(() => {
      let h: tf.Tensor = opts.calibration ?? x.slice(0, Math.min(256, x.shape[0]!));
      for (const l of layers) {
        const P = prepared.get(l);
        if (P) {
          const mn = h.min().dataSync()[0]!,
            mx = h.abs().max().dataSync()[0]!;
          P.inMode = mn >= 0 ? 'unsigned' : 'twos-complement';
          const qmax = P.inMode === 'unsigned' ? 2 ** dp.bits - 1 : 2 ** (dp.bits - 1) - 1;
          P.inScale = mx > 0 ? mx / qmax : 1;
        }
        h = l.apply(h) as tf.Tensor;
      }
    });
  } catch (e) {
    dispose();
    throw e;
  }
  return { layers, prepared, bits: dp.bits, path: dp.path, dispose };
}

function forwardBatch(run: Run, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    let h = x;
    for (const l of run.layers) {
      const P = run.prepared.get(l);
      if (!P) {
        h = l.apply(h) as tf.Tensor;
        continue;
      }
      const xi = quantizeInput(h, P, run.bits);
      const { rows, outShape } = rowsOf(xi, P);
      const { lo, hi } = crossbarMatmul(
        rows,
        run.path === 'integer' ? { kInt: P.kInt! } : { lines: P.lines!, inputBits: run.bits, inputMode: P.inMode },
      );
      let y = tf.mul(tf.add(lo, tf.mul(hi, 16)), tf.mul(P.wScale, P.inScale));
      if (P.bias) y = tf.add(y, P.bias);
      y = tf.reshape(y, outShape);
      h = P.activation === 'linear' ? y : (tf.layers.activation({ activation: P.activation as 'relu' }).apply(y) as tf.Tensor);
    }
    return h;
  });
}

function forwardAll(run: Run, x: tf.Tensor, opts: CrossbarRunOptions): tf.Tensor {
  const n = x.shape[0]!;
  const bs = checkInt('batchSize', opts.batchSize ?? 100);
  const outs: tf.Tensor[] = [];
  try {
    for (let i = 0; i < n; i += bs) {
      throwIfAborted(opts.signal);
      const b = Math.min(bs, n - i);
      const xb = x.slice(i, b);
      outs.push(forwardBatch(run, xb));
      xb.dispose();
      opts.progress?.(i + b, n);
    }
    return outs.length === 1 ? outs[0]! : tf.concat(outs);
  } finally {
    if (outs.length > 1) tf.dispose(outs);
  }
}

/**
 * Top-1 accuracy of `model` on (x, y) through the quantized crossbar datapath (see the file comment). `y`: class
 * labels (ArrayLike or a 1-D tensor). Leaves no tensors behind; the model is not modified.
 */
export async function evaluate(
  model: tf.LayersModel,
  data: { x: tf.Tensor; y: ArrayLike<number> | tf.Tensor },
  opts: EvaluateOptions = {},
): Promise<EvaluateResult> {
  if (!data || !(data.x instanceof tf.Tensor)) throw new InvalidInput(`data.x must be a tensor of images, got ${describe(data?.x)}`);
  const nAll = data.x.shape[0]!;
  const n = opts.limit === undefined ? nAll : Math.min(nAll, checkInt('limit', opts.limit));
  const labels = data.y instanceof tf.Tensor ? data.y.dataSync() : data.y;
  if (labels.length < n) throw new InvalidInput(`data.y has ${labels.length} labels; expected at least ${n}`);
  const x = n === nAll ? data.x : data.x.slice(0, n);
  const run = prepare(model, x, opts);
  try {
    const logits = forwardAll(run, x, opts);
    const pred = tf.tidy(() => logits.argMax(-1).dataSync());
    logits.dispose();
    let correct = 0;
    for (let i = 0; i < n; i++) if (pred[i] === labels[i]) correct++;
    const ps = [...run.prepared.values()].sort((a, b) => a.index - b.index);
    return {
      accuracy: correct / n,
      correct,
      n,
      interval: wilson(correct, n),
      path: run.path,
      inputScales: ps.map((p) => p.inScale),
      inputModes: ps.map((p) => p.inMode),
    };
  } finally {
    run.dispose();
    if (x !== data.x) x.dispose();
  }
}
