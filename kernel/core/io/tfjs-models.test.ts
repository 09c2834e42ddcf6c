import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init } from '../backend';
import { FormatError, NotFound } from '../errors';
import { rng } from '../rng';
import { expectNoLeak } from '../testing';
import { countWeightValues, loadGraphModel, loadLayersModel, loadWeightsManifest, saveLayersModel } from './tfjs-models';

const FACE = join(__dirname, '../../../node_modules/@vladmandic/face-api/model');
let dir = '';
before(async () => {
  await init({ backend: 'cpu' });
  dir = mkdtempSync(join(tmpdir(), 'tfjsio-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function smallModel(seed: number): tf.LayersModel {
  const r = rng(seed);
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      inputShape: [5],
      units: 7,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }),
      biasInitializer: tf.initializers.randomNormal({ seed: r.seedInt() }),
    }),
  );
  m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }));
  return m;
}
const input = () =>
  tf.tensor2d(
    Array.from({ length: 20 }, (_, i) => Math.sin(i + 1)),
    [4, 5],
  );

test('LayersModel save → load gives identical predictions (multi-shard)', async () => {
  const path = join(dir, 'layers');
  const ref = await expectNoLeak(async () => {
    const m = smallModel(7);
    const x = input();
    const y = m.predict(x) as tf.Tensor;
    const out = y.dataSync().slice();
    x.dispose();
    y.dispose();
    const res = await saveLayersModel(m, path, { shardBytes: 64 });
    assert.equal(res.modelArtifactsInfo.weightDataBytes, (5 * 7 + 7 + 7 * 3 + 3) * 4);
    m.dispose();
    return out;
  }, 'save');
  const json = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
  assert.equal(json.weightsManifest[0].paths.length, Math.ceil((66 * 4) / 64));
  const got = await expectNoLeak(async () => {
    const m = await loadLayersModel(path);
    const x = input();
    const y = m.predict(x) as tf.Tensor;
    const out = y.dataSync().slice();
    x.dispose();
    y.dispose();
    return { m, out };
  }, 'load');
  assert.deepEqual(Array.from(got.out), Array.from(ref));
  // a different seed gives different predictions, so the comparison above is not vacuous
  const other = await expectNoLeak(() => {
    const m = smallModel(8);
    const x = input();
    const y = m.predict(x) as tf.Tensor;
    const o = y.dataSync().slice();
    x.dispose();
    y.dispose();
    m.dispose();
    return o;
  });
  assert.notDeepEqual(Array.from(other), Array.from(ref));
});

test('LayersModel load errors: missing, malformed, shard mismatch', async () => {
  const path = join(dir, 'bad');
  const m = smallModel(1);
  await saveLayersModel(m, path);
  m.dispose();
  const good = readFileSync(join(path, 'model.json'), 'utf8');
  const shard = readFileSync(join(path, 'group1-shard1of1.bin'));
  const rejects = (p: Promise<unknown>, cls: typeof NotFound | typeof FormatError, re: RegExp) =>
    assert.rejects(p, (e: unknown) => e instanceof cls && re.test(e.message), String(re));
  await rejects(loadLayersModel(join(dir, 'nope')), NotFound, /nope\/model\.json" does not exist/);
  writeFileSync(join(path, 'model.json'), '{"modelTopology": ');
  await rejects(loadLayersModel(path), FormatError, /not valid JSON/);
  writeFileSync(join(path, 'model.json'), JSON.stringify({ weightsManifest: [] }));
  await rejects(loadLayersModel(path), FormatError, /no modelTopology/);
  writeFileSync(join(path, 'model.json'), JSON.stringify({ ...JSON.parse(good), weightsManifest: { paths: [] } }));
  await rejects(loadLayersModel(path), FormatError, /weightsManifest must be an array/);
  const topo = JSON.parse(good);
  topo.modelTopology.class_name = 'NoSuchModel';
  writeFileSync(join(path, 'model.json'), JSON.stringify(topo));
  await rejects(loadLayersModel(path), FormatError, /loadLayersModel .* failed: .*NoSuchModel/);
  writeFileSync(join(path, 'model.json'), good);
  writeFileSync(join(path, 'group1-shard1of1.bin'), shard.subarray(0, shard.length - 4));
  await rejects(
    loadLayersModel(path),
    FormatError,
    new RegExp(`hold ${shard.length - 4} bytes but the weight specs need ${shard.length} \\(shard size mismatch\\)`),
  );
  rmSync(join(path, 'group1-shard1of1.bin'));
  await rejects(loadLayersModel(path), NotFound, /weight shard "group1-shard1of1.bin" .* does not exist/);
  writeFileSync(join(path, 'group1-shard1of1.bin'), shard);
  const before = tf.memory().numTensors;
  const ok = await loadLayersModel(join(path, 'model.json'));
  ok.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('GraphModel: hand-written MatMul + BiasAdd graph loads and predicts', async () => {
  const path = join(dir, 'graph');
  mkdirSync(path);
  const W = [1, 2, 3, -1, 0.5, 4],
    b = [0.25, -1, 10];
  const dim = (...s: number[]) => ({ dim: s.map((n) => ({ size: String(n) })) });
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'edgelab test',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim(-1, 2) } } },
        { name: 'w', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(2, 3) } }, dtype: { type: 'DT_FLOAT' } } },
        { name: 'b', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(3) } }, dtype: { type: 'DT_FLOAT' } } },
        {
          name: 'mm',
          op: 'MatMul',
          input: ['x', 'w'],
          attr: { transpose_a: { b: false }, transpose_b: { b: false }, T: { type: 'DT_FLOAT' } },
        },
        { name: 'y', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: { type: 'DT_FLOAT' }, data_format: { s: 'TkhXQw==' } } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['w.bin'],
        weights: [
          { name: 'w', shape: [2, 3], dtype: 'float32' },
          { name: 'b', shape: [3], dtype: 'float32' },
        ],
      },
    ],
  };
  writeFileSync(join(path, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(path, 'w.bin'), new Uint8Array(new Float32Array([...W, ...b]).buffer));
  const X = [1, 2, -3, 0.5];
  const out = await expectNoLeak(async () => {
    const g = await loadGraphModel(path);
    assert.deepEqual(g.outputNodes, ['y']);
    const x = tf.tensor2d(X, [2, 2]);
    const y = g.predict(x) as tf.Tensor;
    const o = y.dataSync().slice();
    x.dispose();
    y.dispose();
    g.dispose();
    return o;
  }, 'graph');
  const want = [0, 1].flatMap((i) => [0, 1, 2].map((j) => X[i * 2]! * W[j]! + X[i * 2 + 1]! * W[3 + j]! + b[j]!));
  assert.deepEqual(Array.from(out), want);
  writeFileSync(join(path, 'w.bin'), new Uint8Array(new Float32Array(W).buffer));
  await assert.rejects(
    loadGraphModel(path),
    (e: unknown) => e instanceof FormatError && /hold 24 bytes but the weight specs need 36/.test(e.message),
  );
});

test('face-api face_recognition manifest (uint8-quantized) decodes to float32 arrays', async () => {
  const manifestFile = 'face_recognition_model-weights_manifest.json';
  const weights = await expectNoLeak(() => loadWeightsManifest(FACE, manifestFile), 'manifest');
  const manifest = JSON.parse(readFileSync(join(FACE, manifestFile), 'utf8')) as tf.io.WeightsManifestConfig;
  const specs = manifest.flatMap((g) => g.weights);
  assert.equal(weights.size, specs.length);
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  const total = countWeightValues(weights);
  assert.equal(total, expected);
  assert.ok(total > 5.5e6 && total < 5.7e6, `~5.6M parameters, got ${total}`);
  console.log(`face_recognition_model: ${weights.size} tensors, ${total} parameters`);
  // first weight is uint8-quantized: value = min + scale * byte
  const first = specs[0]!;
  assert.equal(first.quantization?.dtype, 'uint8');
  const bin = readFileSync(join(FACE, 'face_recognition_model.bin'));
  const w0 = weights.get(first.name)!;
  assert.deepEqual(w0.shape, first.shape);
  assert.ok(w0.data instanceof Float32Array);
  for (let i = 0; i < 5; i++) assert.equal(w0.data[i], Math.fround(first.quantization.min! + first.quantization.scale! * bin[i]!));
  for (const w of weights.values()) for (let i = 0; i < w.data.length; i += 997) assert.ok(Number.isFinite(w.data[i] as number));
});

test('weights manifest errors', async () => {
  const p = join(dir, 'manifest');
  mkdirSync(p);
  const m = [
    { paths: ['a.bin'], weights: [{ name: 'q', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } }] },
  ];
  writeFileSync(join(p, 'm.json'), JSON.stringify(m));
  writeFileSync(join(p, 'a.bin'), new Uint8Array([0, 1, 2, 10]));
  const w = await expectNoLeak(() => loadWeightsManifest(p, 'm.json'));
  assert.deepEqual(Array.from(w.get('q')!.data as Float32Array), [-1, -0.5, 0, 4]);
  writeFileSync(join(p, 'a.bin'), new Uint8Array([0, 1, 2]));
  assert.throws(
    () => loadWeightsManifest(p, 'm.json'),
    (e: unknown) => e instanceof FormatError && /hold 3 bytes but the weight specs need 4/.test(e.message),
  );
  assert.throws(() => loadWeightsManifest(p, 'missing.json'), NotFound);
  writeFileSync(
    join(p, 'm.json'),
    JSON.stringify([{ paths: ['a.bin'], weights: [{ name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'int4' } }] }]),
  );
  assert.throws(
    () => loadWeightsManifest(p, 'm.json'),
    (e: unknown) => e instanceof FormatError && /quantization dtype "int4"/.test(e.message),
  );
  writeFileSync(join(p, 'm.json'), JSON.stringify({ weights: [] }));
  assert.throws(
    () => loadWeightsManifest(p, 'm.json'),
    (e: unknown) => e instanceof FormatError && /weightsManifest must be an array/.test(e.message),
  );
});
