/**
 * SWS benchmarks (paper B: Sorted Weight Sectioning, arXiv:2410.11298). Run: npm run bench -- --only sws [--quick]
 * Reference setting: 128×128 crossbars, 1 bit/cell, sign-magnitude (per-polarity bit lines), int8 per tensor, 8-bit
 * bit-serial inputs, policy 'sectionMax' (fixed 8-bit ADCs on the columns a section's largest magnitude needs),
 * E ∝ 2^b. Energies are per inference (each layer × the input vectors it sees). Models (kernel/core/models/fashion-mnist): the
 * PoolFormer-style transformer at BERT-large width (the issue's four keys, unsuffixed: like BERT, its token mixing has
 * no crossbar weights), the MLP-Mixer at the same width (*_largemixer), the 4× narrower wide mixer and PoolFormer
 * (*_wide, *_widepool), the CIM I pair (*_mixer, *_cnn); pruned by magnitude in gradual steps with a masked
 * fine-tune (FINE_TUNE below); accuracy on 5000 test images.
 */
import * as tf from '@tensorflow/tfjs';
import { init } from '../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../kernel/core/data';
import { mapLayer, synthQuantized, faceApiLayers, evaluate as cimEvaluate, type MappedLayer } from '../kernel/cim';
import { pruneInt8 } from '../kernel/sws/prune';
import {
  datapathInputs,
  netReduction,
  reduction,
  sortingGain,
  swsEnergy,
  swsLayouts,
  swsStudy,
  type SwsEnergy,
  type SwsStudyResult,
} from '../kernel/sws/study';
import { bitplaneSkip, type BitplaneSkip } from '../kernel/sws/overhead';
import type { AdcEnergyId } from '../kernel/sws/adc';
import { loadSwsModel, type SwsModelKind } from '../kernel/core/models/fashion';
import { record, type BenchContext, type QuickCheck } from './lib';

export const prefix = 'sws';

const SETTING =
  '128×128 crossbars (128-row sections), 1 bit/cell, sign-magnitude, int8 per tensor, 8-bit bit-serial inputs, sectionMax policy, E ∝ 2^b, per-inference energy';
const UNSORTED = 'unsorted grid, same policy (sectionMax)';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
/** Every energy law the issue asks for: 2^b (gate), b·2^b, 4^b, the survey-shaped FoM envelope, and the conversion count. */
const LAWS: AdcEnergyId[] = ['exp2', 'bexp2', 'exp4', 'survey', 'count'];
/** Gather access cost (fraction of one full-resolution conversion, overhead.ts) and the sensitivity sweep reported. */
const ACCESS_COST = 0.25;
const ACCESS_SWEEP = [0, 0.1, 0.5, 1];
/** Resolution caps of the lossy clipped variant (energy). */
const CAPS = [6, 5, 4, 3];
/** Images whose activations measure input bit-plane skipping (first test images). */
const SKIP_IMAGES = 50;
const GATE_FILE = 'bench/declared/sws-gate.json';
/** Net reduction at another access cost: the gather energy is linear in it. */
const netAt = (e: SwsEnergy, cost: number, m = 'exp2') =>
  1 - (e.energy.remapped.sectionPartialSum[m]! + (e.overhead.remapped.energy[m]! * cost) / e.accessCost) / e.energy.unsorted.fixed[m]!;
const lawsNote = (f: (m: string) => number) => LAWS.map((m) => `${m} ${pct(f(m))}`).join(', ');
const red = (e: SwsEnergy, base: 'sectionMax' | 'skipZeroCols' | 'fixed' = 'sectionMax', m = 'exp2') =>
  reduction(e, 'remapped', 'sectionMax', 'unsorted', base, m);

/**
 * Parts to run: env SWS_BENCH (comma list of the PARTS below; default all). E.g. only the gate model:
 * SWS_BENCH=largepool npm run bench -- --only sws (45 min here: 3 × 20,000-image fine-tune epochs of 9.6M weights).
 * 'control' fine-tunes the UNPRUNED gate model with the same schedule (45 min; separate process is fine: results.json
 * is merged key by key): the model is under-trained, so the fine-tune alone can lift accuracy.
 */
const PARTS = ['largepool', 'control', 'large', 'wide', 'widepool', 'mixer', 'cnn', 'imported'] as const;

/**
 * bench-quick: the 'imported' part (face-api's real weights and a synthetic BERT block, pruned by magnitude, energy by
 * counting) is exact and has no --quick difference, 17 CPU-s; the fine-tuned model studies take 45 min per part.
 */
export const quickCheck: QuickCheck = {
  env: { SWS_BENCH: 'imported' },
  keys: {
    'sws.adc_energy_reduction_faceapi_dense': { tol: 0, vs: 'full' },
    'sws.adc_energy_reduction_faceapi_sparse': { tol: 0, vs: 'full' },
    'sws.adc_energy_reduction_bert_synthetic_sparse': { tol: 0, vs: 'full' },
    'sws.adc_energy_reduction_sparse_net_faceapi': { tol: 0, vs: 'full' },
    'sws.sorting_gain_same_adc_policy_faceapi': { tol: 0, vs: 'full' },
    'sws.adc_energy_reduction_sparse_net_bert_synthetic': { tol: 0, vs: 'full' },
    'sws.sorting_gain_same_adc_policy_bert_synthetic': { tol: 0, vs: 'full' },
  },
};

export async function run(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm' });
  const env = process.env.SWS_BENCH?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const bad = env?.filter((x) => !(PARTS as readonly string[]).includes(x));
  if (bad?.length) throw new Error(`SWS_BENCH: unknown part(s) ${bad.join(', ')}; expected a comma list of ${PARTS.join(', ')}`);
  const parts = new Set(env ?? PARTS);
  const c = { ...ctx, command: env ? `SWS_BENCH=${[...parts].join(',')} ${ctx.command}` : ctx.command };
  // [model, key suffix]: '' = the gate model
  const studies = (
    [
      [LARGEPOOL, ''],
      [LARGE, '_largemixer'],
      [WIDE, '_wide'],
      [WIDEPOOL, '_widepool'],
      [MIXER, '_mixer'],
      [CNN, '_cnn'],
    ] as const
  ).filter(([info]) => parts.has(info.kind));
  if (studies.length || parts.has('control')) {
    const data = loadData(ctx);
    try {
      for (const [info, suffix] of studies) {
        // the gate model carries its equally fine-tuned dense control in the same run (accuracy drop is against it)
        const gate = suffix === '';
        const skip: { out?: SkipResult } = {};
        const res = await modelStudy(c, info.kind, data, [0, 0.9], gate, gate ? skip : undefined);
        recordModel(c, res, suffix, info, skip.out);
        if (gate) recordControl(c, res, info);
      }
      if (parts.has('control') && !parts.has('largepool'))
        recordControl(c, await modelStudy(c, LARGEPOOL.kind, data, [0], true), LARGEPOOL);
    } finally {
      tf.dispose([data.xTr, data.yTr, data.xTe, data.yTe]);
    }
  }
  if (parts.has('imported')) imported(c);
}

interface Data {
  xTr: tf.Tensor;
  yTr: tf.Tensor;
  xTe: tf.Tensor;
  yTe: tf.Tensor;
  nTr: number;
}

/**
 * Pruning and masked fine-tune per model. Default: one global magnitude threshold. The large models get more images
 * (8–10M weights overfit 4,000) and one epoch per step; the gate model (largepool) is pruned per layer, each crossbar
 * layer to the same sparsity, as BERT pruning studies report it (a global threshold prunes the 4096-input FFN-down
 * far more than the others).
 */
interface FineTune {
  images: number;
  steps: number;
  epochsPerStep: number;
  learningRate: number;
  scope: 'layer' | 'global';
}
const FINE_TUNE_DEFAULT: FineTune = { images: 4000, steps: 3, epochsPerStep: 2, learningRate: 1e-3, scope: 'global' };
const FINE_TUNE: Partial<Record<SwsModelKind, FineTune>> = {
  large: { images: 12000, steps: 3, epochsPerStep: 1, learningRate: 5e-4, scope: 'global' },
  largepool: { images: 20000, steps: 3, epochsPerStep: 1, learningRate: 5e-4, scope: 'layer' },
};
const fineTuneOf = (kind: SwsModelKind): FineTune => FINE_TUNE[kind] ?? FINE_TUNE_DEFAULT;
const ftNote = (kind: SwsModelKind, quick: boolean) => {
  const f = fineTuneOf(kind);
  return `${f.scope === 'global' ? 'global magnitude pruning (one threshold over all conv/fc kernels)' : 'per-layer magnitude pruning (every conv/fc kernel to the same sparsity)'} in ${f.steps} gradual steps, ${f.epochsPerStep} masked fine-tune epoch${f.epochsPerStep > 1 ? 's' : ''} each on ${quick ? 1000 : f.images} training images (Adam ${f.learningRate}, batch 64)`;
};

function loadData(ctx: BenchContext): Data {
  // fine-tune on the first images of the models' own training shuffle (seed 1); test on 5000 test images (seed 2)
  const nTr = ctx.quick ? 1000 : Math.max(FINE_TUNE_DEFAULT.images, ...Object.values(FINE_TUNE).map((f) => f.images));
  const tr = asTensors(loadFashionMnist({ split: 'train', limit: nTr, seed: 1 }), { oneHot: true });
  tr.y.dispose();
  const te = asTensors(loadFashionMnist({ split: 'test', limit: ctx.quick ? 1000 : 5000, seed: 2 }));
  return { xTr: tr.x, yTr: tr.yOneHot!, xTe: te.x, yTe: te.y, nTr };
}

interface SkipResult {
  sws: BitplaneSkip;
  grid: BitplaneSkip;
  images: number;
}

async function modelStudy(
  ctx: BenchContext,
  kind: SwsModelKind,
  d: Data,
  sparsities: number[],
  fineTuneDense = false,
  skip?: { out?: SkipResult },
): Promise<SwsStudyResult> {
  const model = await loadSwsModel(kind);
  const yTe = d.yTe.dataSync();
  const evaluate = (m: tf.LayersModel) =>
    tf.tidy(() => {
      const p = (m.predict(d.xTe, { batchSize: 256 }) as tf.Tensor).argMax(-1).dataSync();
      let c = 0;
      for (let i = 0; i < p.length; i++) if (p[i] === yTe[i]) c++;
      return c / p.length;
    });
  const t0 = Date.now();
  const f = fineTuneOf(kind),
    n = Math.min(d.nTr, f.images);
  const x = n < d.nTr ? d.xTr.slice(0, n) : d.xTr,
    y = n < d.nTr ? d.yTr.slice(0, n) : d.yTr;
  // quantized datapath (cim.evaluate, arXiv:2410.21730 simulator): 8-bit bit-serial inputs, per-layer input scales
  // calibrated on 256 TRAINING images, lossless ADCs → the exact integer path (equal to the bit-serial one, tested in cim)
  const xCal = d.xTr.slice(0, 256);
  let lastQ: { inputScales: number[]; inputModes: ('unsigned' | 'twos-complement')[] } | undefined;
  const evaluateDatapath = async (m: tf.LayersModel) => {
    const r = await cimEvaluate(m, { x: d.xTe, y: yTe }, { inputBits: 8, calibration: xCal, batchSize: 100 });
    lastQ = { inputScales: r.inputScales, inputModes: r.inputModes };
    ctx.log(`${kind}: quantized datapath (${r.path}) ${pct(r.accuracy)} [${pct(r.interval[0])}, ${pct(r.interval[1])}]`);
    return { accuracy: r.accuracy, interval: r.interval };
  };
  const res = await swsStudy(model, {
    evaluate,
    evaluateDatapath,
    models: LAWS,
    accessCost: ACCESS_COST,
    caps: CAPS,
    inspect: skip
      ? (m, mapping, s) => {
          if (s !== 0.9 || !lastQ) return;
          // input bit planes the DAC would send, first SKIP_IMAGES test images, through the gate layouts
          const n = Math.min(SKIP_IMAGES, d.xTe.shape[0]!);
          const xs = d.xTe.slice(0, n);
          const ins = datapathInputs(m, mapping, xs, lastQ);
          xs.dispose();
          const sum = (a: BitplaneSkip, b: BitplaneSkip): BitplaneSkip => ({
            vectors: a.vectors + b.vectors,
            cycles: a.cycles + b.cycles,
            skippedCycles: a.skippedCycles + b.skippedCycles,
            energy: Object.fromEntries(Object.keys(b.energy).map((k) => [k, (a.energy[k] ?? 0) + b.energy[k]!])),
            skippedEnergy: Object.fromEntries(Object.keys(b.energy).map((k) => [k, (a.skippedEnergy[k] ?? 0) + b.skippedEnergy[k]!])),
          });
          const zero: BitplaneSkip = { vectors: 0, cycles: 0, skippedCycles: 0, energy: {}, skippedEnergy: {} };
          let sws = zero,
            grid = zero;
          mapping.layers.forEach((L, i) => {
            const lay = swsLayouts(L);
            sws = sum(sws, bitplaneSkip(lay.remapped, ins[i]!, { policy: 'sectionPartialSum', models: LAWS }));
            grid = sum(grid, bitplaneSkip(lay.unsorted, ins[i]!, { policy: 'fixed', models: LAWS }));
          });
          skip.out = { sws, grid, images: n };
          ctx.log(
            `${kind}: input bit-plane skip on ${n} test images: SWS (remapped, sectionPartialSum) ${pct(sws.skippedEnergy.exp2! / sws.energy.exp2!)} of ADC energy, unsorted grid (fixed) ${pct(grid.skippedEnergy.exp2! / grid.energy.exp2!)}`,
          );
        }
      : undefined,
    sparsities,
    sectionRows: ctx.quick ? [] : [16, 32, 64],
    scope: f.scope,
    fineTuneDense,
    fineTune: {
      x,
      y,
      steps: f.steps,
      epochsPerStep: f.epochsPerStep,
      batchSize: 64,
      learningRate: f.learningRate,
      progress: (i, n) => ctx.log(`${kind}: prune + fine-tune step ${i}/${n} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
    },
    progress: (i, n) => ctx.log(`${kind}: ${i}/${n} sparsities (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
  });
  model.dispose();
  xCal.dispose();
  if (x !== d.xTr) tf.dispose([x, y]);
  ctx.log(`${kind}: float ${pct(res.floatAccuracy)}, int8 ${pct(res.int8Accuracy)}`);
  for (const r of res.rows) {
    const byRows = Object.entries(r.byRows ?? {})
      .map(([k, e]) => `${k} rows ${pct(red(e))}`)
      .join(', ');
    ctx.log(
      `  s=${r.sparsity} (int8 zeros ${pct(r.weightSparsity)}): acc ${pct(r.accuracy)} (drop ${r.drop.toFixed(2)} pts); remapped vs unsorted sectionMax ${pct(red(r.result))}, vs skip-zero ${pct(red(r.result, 'skipZeroCols'))}, vs fixed ${pct(red(r.result, 'fixed'))}; tiles ${JSON.stringify(r.result.tiles)}; smaller sections: ${byRows}`,
    );
    ctx.log(
      `    per layer (unsorted → remapped, share of the unsorted total): ${r.result.perLayer.map((l) => `${l.name} ${l.nOut}×${l.nIn} ${(l.energy.unsorted / 1e6).toFixed(2)}M → ${(l.energy.remapped / 1e6).toFixed(2)}M`).join('; ')}`,
    );
  }
  return res;
}

function at(res: SwsStudyResult, s: number) {
  const r = res.rows.find((row) => row.sparsity === s);
  if (!r) throw new Error(`no row at sparsity ${s}`);
  return r;
}

interface ModelInfo {
  kind: SwsModelKind;
  name: string;
  fan: string;
}
const LARGEPOOL: ModelInfo = {
  kind: 'largepool',
  name: 'PoolFormer-style transformer-like model at BERT-large width (7×7 patches → 16 tokens × 1024, 3×3 average-pool token mixing without weights, projection 1024→1024, channel MLP 1024→4096→1024, flattened 16384→10 classifier; 9.6M weights)',
  fan: 'fan-in 49, 1024, 1024, 4096, 16384: as in BERT, token mixing has no crossbar weights; every layer but the patch embedding (0.5 % of the weights) has 8–128 sections of 128 rows per output',
};
const LARGE: ModelInfo = {
  kind: 'large',
  name: 'transformer-like mixer at BERT-large width (7×7 patches → 16 tokens × 1024, token MLP 16→32→16, channel MLP 1024→4096→1024; 8.46M weights)',
  fan: "fan-in 49, 16, 32, 1024, 4096, 1024: the channel MLP (99 % of the weights and of the ADC energy) has 8 and 32 sections of 128 rows per output, as BERT-large's FFN",
};
const WIDE: ModelInfo = {
  kind: 'wide',
  name: 'wide transformer-like mixer (7×7 patches → 16 tokens × 256, token MLP 16→32→16, channel MLP 256→1024→256; 541K weights)',
  fan: 'fan-in 49, 16, 32, 256, 1024, 256: the channel MLP (97 % of the weights, most of the ADC energy) has 2 and 8 sections of 128 rows per output',
};
const WIDEPOOL: ModelInfo = {
  kind: 'widepool',
  name: 'wide PoolFormer-style transformer-like model (7×7 patches → 16 tokens × 256, 3×3 average-pool token mixing without weights, projection 256→256, channel MLP 256→1024→256; 605K weights)',
  fan: 'fan-in 49, 256, 256, 1024, 256: like BERT, token mixing has no crossbar weights, and every layer but the patch embedding has 2–8 sections of 128 rows per output',
};
const MIXER: ModelInfo = {
  kind: 'mixer',
  name: 'small CIM I transformer-like mixer (20K weights)',
  fan: 'every mixer layer has fan-in ≤ 128 (28, 28, 64, 128, 64), so each output is ONE 128-row section: sorting cannot lower its largest magnitude and remapping cannot drop a section, whatever the sparsity',
};
const CNN: ModelInfo = {
  kind: 'cnn',
  name: 'CIM I CNN (106K weights)',
  fan: 'fan-in 9, 144, 1568, 64: only the 1568→64 dense layer has several sections per output',
};

/** The issue's four keys for one model (suffix '' = the BERT-large-width PoolFormer the gate is measured on). */
function recordModel(ctx: BenchContext, res: SwsStudyResult, suffix: string, info: ModelInfo, skip?: SkipResult): void {
  const r90 = at(res, 0.9),
    r0 = at(res, 0);
  const e = (x: SwsEnergy, l: 'unsorted' | 'remapped', p: 'sectionMax' | 'skipZeroCols' | 'fixed' = 'sectionMax') => x.energy[l][p].exp2!;
  const rowsNote = (r: typeof r90) =>
    Object.entries(r.byRows ?? {})
      .map(([k, x]) => `${k}-row sections ${pct(red(x))} (vs skip-zero ${pct(red(x, 'skipZeroCols'))}, vs fixed ${pct(red(x, 'fixed'))})`)
      .join('; ');
  const laws = ['bexp2', 'survey', 'count'].map((m) => `${m} ${pct(red(r90.result, 'sectionMax', m))}`).join(', ');
  const perLayer = (r: typeof r90) =>
    r.result.perLayer
      .map((l) => `${l.nOut}×${l.nIn} (${pct(l.sparsity)} zeros) ${pct(1 - l.energy.remapped / l.energy.unsorted)}`)
      .join(', ');
  const ft = ftNote(info.kind, ctx.quick);
  const gate =
    suffix === ''
      ? ` Round-1 threshold 0.85 ${red(r90.result) >= 0.85 ? 'reached' : 'not reached'} (the gate is now on sws.adc_energy_reduction_sparse_net).`
      : '';
  record(
    {
      [`sws.adc_energy_reduction_sparse${suffix}`]: {
        value: red(r90.result),
        unit: 'fraction',
        baseline: {
          name: `${UNSORTED}, same pruned model`,
          value: e(r90.result, 'unsorted'),
          unit: 'ADC energy (2^b units) per inference',
        },
        notes: `${info.name} at ${pct(r90.weightSparsity)} int8 weight sparsity (${ft}); ${info.fan}.${gate} Per layer (unsorted → sorted+remapped reduction): ${perLayer(r90)}. Smaller sections on the same weights: ${rowsNote(r90)}. Other energy laws: ${laws}. ${SETTING}`,
      },
      [`sws.adc_energy_reduction_vs_skipzero_sparse${suffix}`]: {
        value: red(r90.result, 'skipZeroCols'),
        unit: 'fraction',
        baseline: {
          name: 'unsorted grid, skip-zero-columns policy (all-zero columns and sections get no ADC), same pruned model',
          value: e(r90.result, 'unsorted', 'skipZeroCols'),
          unit: 'ADC energy (2^b units) per inference',
        },
        notes: `sorted + remapped (sectionMax) vs the unsorted layout that simply skips all-zero columns; ${info.name} at ${pct(r90.weightSparsity)} sparsity; vs fixed ADCs on every column: ${pct(red(r90.result, 'fixed'))}; ${SETTING}`,
      },
      [`sws.adc_energy_reduction_dense${suffix}`]: {
        value: red(r0.result),
        unit: 'fraction',
        baseline: {
          name: `${UNSORTED}, unpruned int8 model`,
          value: e(r0.result, 'unsorted'),
          unit: 'ADC energy (2^b units) per inference',
        },
        notes: `unpruned int8 ${info.name} (${pct(r0.weightSparsity)} zeros from int8 rounding); ${info.fan}; per layer: ${perLayer(r0)}; smaller sections: ${rowsNote(r0)}; ${SETTING}`,
      },
      ...accuracyKey(ctx, res, suffix, info, ft),
      ...netKeys(ctx, r90.result, suffix, info, `${pct(r90.weightSparsity)} int8 weight sparsity (${ft})`),
      ...(skip
        ? {
            [`sws.input_bitplane_skip_saving${suffix}`]: {
              value: skip.sws.skippedEnergy.exp2! / skip.sws.energy.exp2!,
              unit: 'fraction',
              baseline: {
                name: 'ADC energy of the same layout without skipping (sorted + remapped, sectionPartialSum), same images',
                value: skip.sws.energy.exp2!,
                unit: 'ADC energy (2^b units)',
              },
              notes: `share of the SWS configuration's ADC energy (sorted + remapped, resolution-aware sectionPartialSum ADCs) whose conversions can be skipped because every input the section's rows see has that bit = 0 in that cycle; real activations: the first ${skip.images} test images through the ${pct(r90.weightSparsity)}-sparse int8 model, each crossbar layer's input quantized with cim.evaluate's 8-bit per-layer scales (unsigned after ReLU, else two's complement: negative codes set the high planes); ${pct(skip.sws.skippedCycles / skip.sws.cycles)} of section-cycles skipped; other laws: ${LAWS.map((m) => `${m} ${pct(skip.sws.skippedEnergy[m]! / skip.sws.energy[m]!)}`).join(', ')}. The same trick on the unsorted grid (fixed ADCs; a tile's row block is shared by its slots, so a plane must be zero over 128 inputs): ${pct(skip.grid.skippedEnergy.exp2! / skip.grid.energy.exp2!)}. A separate saving, not folded into the net key. ${info.name}.`,
            },
          }
        : {}),
    },
    { command: ctx.command },
  );
}

/**
 * sws.accuracy_drop_sparse: pruned vs the EQUALLY fine-tuned dense control, both through the quantized datapath
 * (cim.evaluate: 8-bit bit-serial inputs, lossless ADCs). Without a control in the run: vs the unpruned model, labelled.
 */
function accuracyKey(ctx: BenchContext, res: SwsStudyResult, suffix: string, info: ModelInfo, ft: string) {
  const r90 = at(res, 0.9);
  const short = info.name.split(' (')[0];
  const iv = (d?: { accuracy: number; interval: [number, number] }) =>
    d ? `${pct(d.accuracy)} [${pct(d.interval[0])}, ${pct(d.interval[1])}] (Wilson 95%)` : 'n/a';
  const ctrl = res.denseFineTunedDatapath,
    pruned = r90.datapath;
  const nTe = ctx.quick ? 1000 : 5000;
  const floatSide = `float-activation accuracies beside it: pruned ${pct(r90.accuracy)}, unpruned ${pct(res.int8Accuracy)}${res.denseFineTunedAccuracy !== undefined ? `, fine-tuned control ${pct(res.denseFineTunedAccuracy)}` : ''}; float weights ${pct(res.floatAccuracy)}`;
  if (ctrl && pruned) {
    const drop = (ctrl.accuracy - pruned.accuracy) * 100;
    return {
      [`sws.accuracy_drop_sparse${suffix}`]: {
        value: drop,
        unit: 'points',
        baseline: {
          name: `unpruned ${short}, fine-tuned with the same schedule (no masks), quantized datapath`,
          value: ctrl.accuracy * 100,
          unit: '%',
        },
        notes: `${nTe} test images through the quantized crossbar datapath (cim.evaluate: 8-bit bit-serial inputs, per-layer scales calibrated on 256 training images, int8 weights, lossless ADCs — the integer path, equal to the bit-serial simulation): pruned to ${pct(r90.weightSparsity)} (${ft}) ${iv(pruned)} vs the equally fine-tuned dense control ${iv(ctrl)}; unpruned as shipped ${iv(res.int8Datapath)}. SWS layouts and lossless ADC policies are exact, so every layout has this accuracy. ${floatSide}.${suffix === '' ? ` Gate ≤ 1 pt (${GATE_FILE}): ${drop <= 1 ? 'met' : 'NOT met'}.` : ''}`,
      },
    };
  }
  const d = pruned && res.int8Datapath ? (res.int8Datapath.accuracy - pruned.accuracy) * 100 : r90.drop;
  return {
    [`sws.accuracy_drop_sparse${suffix}`]: {
      value: d,
      unit: 'points',
      baseline: {
        name: `unpruned int8 ${short} (NOT fine-tuned: no control in this run)`,
        value: (res.int8Datapath?.accuracy ?? res.int8Accuracy) * 100,
        unit: '%',
      },
      notes: `${nTe} test images, ${pruned ? 'quantized datapath (cim.evaluate, 8-bit inputs, lossless ADCs)' : 'float activations'}: pruned to ${pct(r90.weightSparsity)} (${ft}) ${iv(pruned)} vs the unpruned model as shipped (no equally fine-tuned control for this model; the fine-tune also adds training, so this flatters pruning). ${floatSide}.`,
    },
  };
}

/** The net and sorting-gain keys (resolution-aware ADCs, index/gather overhead counted) of one energy result. */
function netKeys(ctx: BenchContext, e: SwsEnergy, suffix: string, info: { name: string }, what: string) {
  const o = e.overhead.remapped;
  const res = e.energy.remapped.sectionPartialSum.exp2!;
  const caps = CAPS.map(
    (c) =>
      `≤${c} bits: net ${pct(1 - (e.clipped[c]!.remapped.exp2! + o.energy.exp2!) / e.energy.unsorted.fixed.exp2!)}, unsorted same cap ${pct(1 - e.clipped[c]!.unsorted.exp2! / e.energy.unsorted.fixed.exp2!)}`,
  ).join('; ');
  const overheadNote = `index/gather overhead counted: ⌈log2 nIn⌉-bit input index per stored row (${o.indexBitsPerWeight.toFixed(3)} index bits per weight of the layers, ${(o.indexBits / 8 / 2 ** 20).toFixed(2)} MiB), one gather access (index read + indirect activation read) per stored row per input vector at ${e.accessCost} × one full-resolution conversion per access = ${pct(o.energy.exp2! / e.energy.unsorted.fixed.exp2!)} of the baseline's energy (2^b); the grid's own input reads are neither counted nor credited (pessimistic for SWS)`;
  const sens = ACCESS_SWEEP.map((c) => `${c}× → ${pct(netAt(e, c))}`).join(', ');
  return {
    [`sws.adc_energy_reduction_sparse_net${suffix}`]: {
      value: netReduction(e),
      unit: 'fraction',
      baseline: {
        name: 'unsorted grid, fixed 8-bit ADC on every column of every mapped section, same weights',
        value: e.energy.unsorted.fixed.exp2!,
        unit: 'ADC energy (2^b units)',
      },
      notes: `sorted + zero-remapped sections with resolution-aware ADCs (sectionPartialSum: one lossless resolution per section from its largest possible column sum, only columns holding a set cell) plus index/gather overhead, vs the unsorted grid with fixed 8-bit ADCs; ${what}; ${overheadNote}. ADC energy alone ${pct(1 - res / e.energy.unsorted.fixed.exp2!)}. Every law (net): ${lawsNote((m) => netReduction(e, m))}. Access-cost sensitivity (2^b): ${sens}. Lossy clipped variant (resolution capped; energy only, accuracy not measured on this model): ${caps}. Sorting's own share: sws.sorting_gain_same_adc_policy${suffix}. ${suffix === '' ? `Gate ≥ 0.85 (${GATE_FILE}): ${netReduction(e) >= 0.85 ? 'met' : 'NOT met'}. ` : ''}${info.name}. ${SETTING.replace('sectionMax policy', 'policies as named')}`,
    },
    [`sws.sorting_gain_same_adc_policy${suffix}`]: {
      value: sortingGain(e),
      unit: 'fraction',
      baseline: {
        name: 'unsorted grid, the SAME resolution-aware policy (sectionPartialSum), same weights',
        value: e.energy.unsorted.sectionPartialSum.exp2!,
        unit: 'ADC energy (2^b units)',
      },
      notes: `what sorting + zero remapping add once the ADCs are resolution-aware: sorted + remapped (with its index/gather overhead, ${e.accessCost} × a full conversion per access) vs the unsorted grid under the same sectionPartialSum policy (no index needed); ${what}. Resolution alone (unsorted sectionPartialSum vs unsorted fixed): ${pct(1 - e.energy.unsorted.sectionPartialSum.exp2! / e.energy.unsorted.fixed.exp2!)}; sorting without its overhead: ${pct(1 - res / e.energy.unsorted.sectionPartialSum.exp2!)}. Every law: ${lawsNote((m) => sortingGain(e, m))}. Per-column lossless resolution (popcountLossless) instead: unsorted ${pct(1 - e.energy.unsorted.popcountLossless.exp2! / e.energy.unsorted.fixed.exp2!)}, sorted + remapped + overhead ${pct(1 - (e.energy.remapped.popcountLossless.exp2! + o.energy.exp2!) / e.energy.unsorted.fixed.exp2!)} vs unsorted fixed. ${info.name}.`,
    },
  };
}

/** The gate model's dense control: unpruned, fine-tuned with the pruned model's schedule, int8 accuracy. */
function recordControl(ctx: BenchContext, res: SwsStudyResult, info: ModelInfo): void {
  record(
    {
      'sws.int8_accuracy_dense_finetuned': {
        value: res.denseFineTunedAccuracy! * 100,
        unit: '%',
        baseline: { name: `unpruned int8 ${info.name.split(' (')[0]} without the fine-tune`, value: res.int8Accuracy * 100, unit: '%' },
        notes:
          `the UNPRUNED model after the same fine-tune (${ftNote(info.kind, ctx.quick)}, no masks), int8 weights, float activations, ${ctx.quick ? 1000 : 5000} test images. ` +
          'The shipped model is under-trained, so the fine-tune alone adds accuracy. sws.accuracy_drop_sparse is measured against this control through the quantized datapath (its baseline); this key keeps the float-activation number beside it.',
      },
    },
    { command: ctx.command },
  );
}

/** Imported face-api weights and BERT-base-shaped synthetic Laplace weights: no accuracy, energy per MVM (1 vector per layer). */
function imported(ctx: BenchContext): void {
  const perMvm = (layers: MappedLayer[]) =>
    swsEnergy(
      layers.map((layer) => ({ layer, vectors: 1 })),
      { models: LAWS, caps: CAPS, accessCost: ACCESS_COST },
    );
  const face = faceApiLayers();
  const f0 = perMvm(face),
    f90 = perMvm(face.map((L) => pruneInt8(L, 0.9)));
  // one BERT-base encoder block: Q, K, V, O (768×768), FFN up 3072×768, FFN down 768×3072 ([nOut, nIn])
  const shapes: [number, number][] = [
    [768, 768],
    [768, 768],
    [768, 768],
    [768, 768],
    [3072, 768],
    [768, 3072],
  ];
  const bert = shapes.map(([o, i], s) =>
    mapLayer({
      name: `bert_${['q', 'k', 'v', 'o', 'ffn_up', 'ffn_down'][s]}`,
      q: synthQuantized({ nOut: o, nIn: i, seed: s }),
      nOut: o,
      nIn: i,
    }),
  );
  const bert90 = bert.map((L) => pruneInt8(L, 0.9));
  const b0 = perMvm(bert),
    b90 = perMvm(bert90);
  const b90s = swsEnergy(
      bert90.map((layer) => ({ layer, vectors: 1 })),
      { sort: 'signed' },
    ),
    b0s = swsEnergy(
      bert.map((layer) => ({ layer, vectors: 1 })),
      { sort: 'signed' },
    );
  ctx.log(
    `face-api: dense ${pct(red(f0))}, 90% ${pct(red(f90))} (vs skip-zero ${pct(red(f90, 'skipZeroCols'))}, vs fixed ${pct(red(f90, 'fixed'))}); BERT block synthetic: dense ${pct(red(b0))}, 90% ${pct(red(b90))} (vs skip-zero ${pct(red(b90, 'skipZeroCols'))}, vs fixed ${pct(red(b90, 'fixed'))})`,
  );
  const e = (x: SwsEnergy) => x.energy.unsorted.sectionMax.exp2!;
  record(
    {
      'sws.adc_energy_reduction_faceapi_dense': {
        value: red(f0),
        unit: 'fraction',
        baseline: { name: `${UNSORTED}, face-api weights`, value: e(f0), unit: 'ADC energy (2^b units) per MVM' },
        notes: `face-api face_recognition_model (ResNet-34-like, real trained weights, fan-in up to 4608), one MVM per layer; vs fixed ${pct(red(f0, 'fixed'))}; ${SETTING.replace(', per-inference energy', '')}`,
      },
      'sws.adc_energy_reduction_faceapi_sparse': {
        value: red(f90),
        unit: 'fraction',
        baseline: { name: `${UNSORTED}, same pruned weights`, value: e(f90), unit: 'ADC energy (2^b units) per MVM' },
        notes: `face-api weights magnitude-pruned to 90% per layer on the int8 values (no labels ship, so no accuracy); vs skip-zero ${pct(red(f90, 'skipZeroCols'))}, vs fixed ${pct(red(f90, 'fixed'))}; crossbars ${f90.tiles.unsorted} → ${f90.tiles.remapped}`,
      },
      'sws.adc_energy_reduction_bert_synthetic_sparse': {
        value: red(b90),
        unit: 'fraction',
        baseline: { name: `${UNSORTED}, same pruned weights`, value: e(b90), unit: 'ADC energy (2^b units) per MVM' },
        notes: `one BERT-base encoder block's matrices (4×768×768, 3072×768, 768×3072) with synthetic Laplace int8 weights, 90% magnitude-pruned: the paper's regime (fan-in 768–3072 ≫ 128 rows); vs skip-zero ${pct(red(b90, 'skipZeroCols'))}, vs fixed ${pct(red(b90, 'fixed'))}; dense ${pct(red(b0))}; signed sort (single-sign sections): 90% ${pct(red(b90s))}, dense ${pct(red(b0s))}; crossbars ${b90.tiles.unsorted} → ${b90.tiles.remapped}. Paper: −89.5% on unstructured-sparse BERT`,
      },
      ...netKeys(
        ctx,
        f90,
        '_faceapi',
        { name: 'face-api face_recognition_model weights (ResNet-34-like, real trained), one MVM per layer' },
        'weights magnitude-pruned to 90% per layer on the int8 values (no labels ship: no accuracy)',
      ),
      ...netKeys(
        ctx,
        b90,
        '_bert_synthetic',
        {
          name: 'one BERT-base encoder block (4×768×768, 3072×768, 768×3072), synthetic i.i.d. Laplace int8 weights — a labelled synthetic check, one MVM per matrix',
        },
        '90% magnitude pruning per matrix',
      ),
    },
    { command: ctx.command },
  );
}
