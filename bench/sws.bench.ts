/**
 * SWS benchmarks (paper B: Sorted Weight Sectioning, arXiv:2410.11298). Run: npm run bench -- --only sws [--quick]
 * Reference setting: 128×128 crossbars, 1 bit/cell, sign-magnitude (per-polarity bit lines), int8 per tensor, 8-bit
 * bit-serial inputs, policy 'sectionMax' (fixed 8-bit ADCs on the columns a section's largest magnitude needs),
 * E ∝ 2^b. Energies are per inference (each layer × the input vectors it sees). Models: the shipped dense CIM I pair
 * (kernel/cim/sws-models), pruned by global magnitude with a short masked fine-tune; accuracy on 5000 test images.
 */
import * as tf from '@tensorflow/tfjs';
import { init } from '../kernel/core/backend';
import { loadFashionMnist, asTensors } from '../kernel/core/data';
import { mapLayer } from '../kernel/cim/crossbar';
import { synthQuantized } from '../kernel/cim/data';
import { faceApiLayers } from '../kernel/cim/real';
import { pruneInt8 } from '../kernel/cim/prune';
import { loadSwsModel, reduction, swsEnergy, swsStudy, type SwsEnergy, type SwsModelKind, type SwsStudyResult } from '../kernel/cim/sws-study';
import type { MappedLayer } from '../kernel/cim/types';
import { record, type BenchContext } from './lib';

export const prefix = 'sws';

const SETTING = '128×128 crossbars (128-row sections), 1 bit/cell, sign-magnitude, int8 per tensor, 8-bit bit-serial inputs, sectionMax policy, E ∝ 2^b, per-inference energy';
const UNSORTED = 'unsorted grid, same policy (sectionMax)';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const red = (e: SwsEnergy, base: 'sectionMax' | 'skipZeroCols' | 'fixed' = 'sectionMax', m = 'exp2') => reduction(e, 'remapped', 'sectionMax', 'unsorted', base, m);

export async function run(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm' });
  const data = loadData(ctx);
  try {
    const mixer = await modelStudy(ctx, 'mixer', data, ctx.quick ? [0, 0.9] : [0, 0.5, 0.8, 0.9]);
    const cnn = await modelStudy(ctx, 'cnn', data, [0, 0.9]);
    recordModels(ctx, mixer, cnn);
  } finally {
    tf.dispose([data.xTr, data.yTr, data.xTe, data.yTe]);
  }
  imported(ctx);
}

interface Data { xTr: tf.Tensor; yTr: tf.Tensor; xTe: tf.Tensor; yTe: tf.Tensor; nTr: number }

function loadData(ctx: BenchContext): Data {
  // fine-tune on the first images of the models' own training shuffle (seed 1); test on 5000 test images (seed 2)
  const nTr = ctx.quick ? 1000 : 4000;
  const tr = asTensors(loadFashionMnist({ split: 'train', limit: nTr, seed: 1 }), { oneHot: true });
  tr.y.dispose();
  const te = asTensors(loadFashionMnist({ split: 'test', limit: ctx.quick ? 1000 : 5000, seed: 2 }));
  return { xTr: tr.x, yTr: tr.yOneHot!, xTe: te.x, yTe: te.y, nTr };
}

async function modelStudy(ctx: BenchContext, kind: SwsModelKind, d: Data, sparsities: number[]): Promise<SwsStudyResult> {
  const model = await loadSwsModel(kind);
  const yTe = d.yTe.dataSync();
  const evaluate = (m: tf.LayersModel) => tf.tidy(() => {
    const p = (m.predict(d.xTe, { batchSize: 256 }) as tf.Tensor).argMax(-1).dataSync();
    let c = 0; for (let i = 0; i < p.length; i++) if (p[i] === yTe[i]) c++; return c / p.length;
  });
  const t0 = Date.now();
  const res = await swsStudy(model, {
    evaluate, sparsities, sectionRows: [16, 32, 64], scope: 'global',
    fineTune: { x: d.xTr, y: d.yTr, steps: 3, epochsPerStep: 2, batchSize: 64, learningRate: 1e-3 },
    progress: (i, n) => ctx.log(`${kind}: ${i}/${n} sparsities (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
  });
  model.dispose();
  ctx.log(`${kind}: float ${pct(res.floatAccuracy)}, int8 ${pct(res.int8Accuracy)}`);
  for (const r of res.rows) {
    const byRows = Object.entries(r.byRows ?? {}).map(([k, e]) => `${k} rows ${pct(red(e))}`).join(', ');
    ctx.log(`  s=${r.sparsity} (int8 zeros ${pct(r.weightSparsity)}): acc ${pct(r.accuracy)} (drop ${r.drop.toFixed(2)} pts); remapped vs unsorted sectionMax ${pct(red(r.result))}, vs skip-zero ${pct(red(r.result, 'skipZeroCols'))}, vs fixed ${pct(red(r.result, 'fixed'))}; tiles ${JSON.stringify(r.result.tiles)}; smaller sections: ${byRows}`);
    ctx.log(`    per layer (unsorted → remapped, share of the unsorted total): ${r.result.perLayer.map((l) => `${l.name} ${l.nOut}×${l.nIn} ${(l.energy.unsorted / 1e6).toFixed(2)}M → ${(l.energy.remapped / 1e6).toFixed(2)}M`).join('; ')}`);
  }
  return res;
}

function at(res: SwsStudyResult, s: number) {
  const r = res.rows.find((row) => row.sparsity === s);
  if (!r) throw new Error(`no row at sparsity ${s}`);
  return r;
}

function recordModels(ctx: BenchContext, mixer: SwsStudyResult, cnn: SwsStudyResult): void {
  const m90 = at(mixer, 0.9), m0 = at(mixer, 0), c90 = at(cnn, 0.9), c0 = at(cnn, 0);
  const e = (x: SwsEnergy, l: 'unsorted' | 'remapped', p: 'sectionMax' | 'skipZeroCols' | 'fixed' = 'sectionMax') => x.energy[l][p].exp2!;
  const rowsNote = (r: typeof m90) => Object.entries(r.byRows ?? {}).map(([k, x]) => `${k}-row sections ${pct(red(x))} (vs skip-zero ${pct(red(x, 'skipZeroCols'))}, vs fixed ${pct(red(x, 'fixed'))})`).join('; ');
  const laws = (r: typeof m90) => ['bexp2', 'survey', 'count'].map((m) => `${m} ${pct(red(r.result, 'sectionMax', m))}`).join(', ');
  const curve = mixer.rows.map((r) => `s=${r.sparsity}: ${pct(red(r.result))}, acc drop ${r.drop.toFixed(2)} pts`).join('; ');
  const fan = 'every mixer layer has fan-in ≤ 128 (28, 28, 64, 128, 64), so each output is ONE 128-row section: sorting cannot lower its largest magnitude and remapping cannot drop a section, whatever the sparsity';
  const ft = 'global magnitude pruning (one threshold over all conv/fc kernels) in 3 gradual steps, 2 masked fine-tune epochs each on 4000 training images (Adam 1e-3)';
  record({
    'sws.adc_energy_reduction_sparse': { value: red(m90.result), unit: 'fraction', baseline: { name: `${UNSORTED}, same pruned model`, value: e(m90.result, 'unsorted'), unit: 'ADC energy (2^b units) per inference' },
      notes: `transformer-like CIM I mixer at ${pct(m90.weightSparsity)} int8 weight sparsity (${ft}); ${fan}. Gate ≥ 0.85 NOT met at 128-row sections. Smaller sections on the same weights: ${rowsNote(m90)}. Other energy laws: ${laws(m90)}. CNN at 90%: ${pct(red(c90.result))}. Curve: ${curve}; ${SETTING}` },
    'sws.adc_energy_reduction_vs_skipzero_sparse': { value: red(m90.result, 'skipZeroCols'), unit: 'fraction', baseline: { name: 'unsorted grid, skip-zero-columns policy (all-zero columns and sections get no ADC), same pruned model', value: e(m90.result, 'unsorted', 'skipZeroCols'), unit: 'ADC energy (2^b units) per inference' },
      notes: `sorted + remapped (sectionMax) vs the unsorted layout that simply skips all-zero columns; transformer-like mixer at ${pct(m90.weightSparsity)} sparsity; vs fixed ADCs on every column: ${pct(red(m90.result, 'fixed'))}; CNN at 90%: ${pct(red(c90.result, 'skipZeroCols'))}; ${SETTING}` },
    'sws.adc_energy_reduction_dense': { value: red(m0.result), unit: 'fraction', baseline: { name: `${UNSORTED}, unpruned int8 model`, value: e(m0.result, 'unsorted'), unit: 'ADC energy (2^b units) per inference' },
      notes: `unpruned int8 transformer-like mixer (${pct(m0.weightSparsity)} zeros from int8 rounding); ${fan}; smaller sections: ${rowsNote(m0)}. Dense CNN: ${pct(red(c0.result))} (see sws.adc_energy_reduction_dense_cnn); ${SETTING}` },
    'sws.accuracy_drop_sparse': { value: m90.drop, unit: 'points', baseline: { name: 'unpruned int8 mixer test accuracy', value: mixer.int8Accuracy * 100, unit: '%' },
      notes: `test accuracy (5000 test images) of the int8 mixer pruned to ${pct(m90.weightSparsity)} (${ft}) vs the unpruned int8 mixer; float ${pct(mixer.floatAccuracy)}; layouts are exact, so every layout has this accuracy. CNN at 90%: drop ${c90.drop.toFixed(2)} pts (int8 ${pct(cnn.int8Accuracy)})` },
    'sws.adc_energy_reduction_sparse_cnn': { value: red(c90.result), unit: 'fraction', baseline: { name: `${UNSORTED}, same pruned model`, value: e(c90.result, 'unsorted'), unit: 'ADC energy (2^b units) per inference' },
      notes: `CIM I CNN at ${pct(c90.weightSparsity)} sparsity (${ft}); accuracy drop ${c90.drop.toFixed(2)} pts; vs skip-zero ${pct(red(c90.result, 'skipZeroCols'))}, vs fixed ${pct(red(c90.result, 'fixed'))}; smaller sections: ${rowsNote(c90)}; ${SETTING}` },
    'sws.adc_energy_reduction_dense_cnn': { value: red(c0.result), unit: 'fraction', baseline: { name: `${UNSORTED}, unpruned int8 model`, value: e(c0.result, 'unsorted'), unit: 'ADC energy (2^b units) per inference' },
      notes: `unpruned int8 CIM I CNN; smaller sections: ${rowsNote(c0)}; ${SETTING}` },
    'sws.accuracy_drop_sparse_cnn': { value: c90.drop, unit: 'points', baseline: { name: 'unpruned int8 CNN test accuracy', value: cnn.int8Accuracy * 100, unit: '%' },
      notes: `CNN pruned to ${pct(c90.weightSparsity)} (${ft}), 5000 test images` },
  }, { command: ctx.command });
}

/** Imported face-api weights and BERT-base-shaped synthetic Laplace weights: no accuracy, energy per MVM (1 vector per layer). */
function imported(ctx: BenchContext): void {
  const perMvm = (layers: MappedLayer[]) => swsEnergy(layers.map((layer) => ({ layer, vectors: 1 })));
  const face = faceApiLayers();
  const f0 = perMvm(face), f90 = perMvm(face.map((L) => pruneInt8(L, 0.9)));
  // one BERT-base encoder block: Q, K, V, O (768×768), FFN up 3072×768, FFN down 768×3072 ([nOut, nIn])
  const shapes: [number, number][] = [[768, 768], [768, 768], [768, 768], [768, 768], [3072, 768], [768, 3072]];
  const bert = shapes.map(([o, i], s) => mapLayer({ name: `bert_${['q', 'k', 'v', 'o', 'ffn_up', 'ffn_down'][s]}`, q: synthQuantized({ nOut: o, nIn: i, seed: s }), nOut: o, nIn: i }));
  const bert90 = bert.map((L) => pruneInt8(L, 0.9));
  const b0 = perMvm(bert), b90 = perMvm(bert90);
  const b90s = swsEnergy(bert90.map((layer) => ({ layer, vectors: 1 })), { sort: 'signed' }), b0s = swsEnergy(bert.map((layer) => ({ layer, vectors: 1 })), { sort: 'signed' });
  ctx.log(`face-api: dense ${pct(red(f0))}, 90% ${pct(red(f90))} (vs skip-zero ${pct(red(f90, 'skipZeroCols'))}, vs fixed ${pct(red(f90, 'fixed'))}); BERT block synthetic: dense ${pct(red(b0))}, 90% ${pct(red(b90))} (vs skip-zero ${pct(red(b90, 'skipZeroCols'))}, vs fixed ${pct(red(b90, 'fixed'))})`);
  const e = (x: SwsEnergy) => x.energy.unsorted.sectionMax.exp2!;
  record({
    'sws.adc_energy_reduction_faceapi_dense': { value: red(f0), unit: 'fraction', baseline: { name: `${UNSORTED}, face-api weights`, value: e(f0), unit: 'ADC energy (2^b units) per MVM' },
      notes: `face-api face_recognition_model (ResNet-34-like, real trained weights, fan-in up to 4608), one MVM per layer; vs fixed ${pct(red(f0, 'fixed'))}; ${SETTING.replace(', per-inference energy', '')}` },
    'sws.adc_energy_reduction_faceapi_sparse': { value: red(f90), unit: 'fraction', baseline: { name: `${UNSORTED}, same pruned weights`, value: e(f90), unit: 'ADC energy (2^b units) per MVM' },
      notes: `face-api weights magnitude-pruned to 90% per layer on the int8 values (no labels ship, so no accuracy); vs skip-zero ${pct(red(f90, 'skipZeroCols'))}, vs fixed ${pct(red(f90, 'fixed'))}; crossbars ${f90.tiles.unsorted} → ${f90.tiles.remapped}` },
    'sws.adc_energy_reduction_bert_synthetic_sparse': { value: red(b90), unit: 'fraction', baseline: { name: `${UNSORTED}, same pruned weights`, value: e(b90), unit: 'ADC energy (2^b units) per MVM' },
      notes: `one BERT-base encoder block's matrices (4×768×768, 3072×768, 768×3072) with synthetic Laplace int8 weights, 90% magnitude-pruned: the paper's regime (fan-in 768–3072 ≫ 128 rows); vs skip-zero ${pct(red(b90, 'skipZeroCols'))}, vs fixed ${pct(red(b90, 'fixed'))}; dense ${pct(red(b0))}; signed sort (single-sign sections): 90% ${pct(red(b90s))}, dense ${pct(red(b0s))}; crossbars ${b90.tiles.unsorted} → ${b90.tiles.remapped}. Paper: −89.5% on unstructured-sparse BERT` },
  }, { command: ctx.command });
}
