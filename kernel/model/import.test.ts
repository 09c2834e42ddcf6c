import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { init } from '../core/backend';
import { FormatError, InvalidInput, NotFound } from '../core/errors';
import { writeSafetensorsFile } from '../core/io/safetensors';
import { countWeightValues, loadWeightsManifest } from '../core/io/tfjs-models';
import { faceApiModelDir, tinyCnn } from '../core/models';
import { expectNoLeak } from '../core/testing';
import { assertOrtMatchesTfjs } from './testutil';
import {
  importModel,
  importOnnx,
  importOwn,
  importSafetensors,
  importTfjs,
  layersModelToOnnx,
  mobilenetV2Onnx,
  OnnxWriter,
  resnet18Onnx,
} from '.';

before(async () => {
  await init({ backend: 'wasm' });
});
const dir = mkdtempSync(join(tmpdir(), 'byom-'));

test('ResNet-18 from the ONNX writer: 11,689,512 parameters (torchvision) and 1.814 GMAC at 224² (conv1 and fc by hand)', () => {
  const t = importOnnx(resnet18Onnx({ seed: 3 }));
  assert.equal(t.params, 11_689_512);
  assert.equal(t.complete, true);
  assert.equal(t.layers.length, 21); // 20 convs (incl. 3 downsample) + fc
  const conv1 = t.layers[0]!;
  assert.deepEqual(conv1.outputShape, [1, 64, 112, 112]);
  assert.equal(conv1.macs, 112 * 112 * 64 * 3 * 7 * 7);
  const fc = t.layers.at(-1)!;
  assert.equal(fc.op, 'dense');
  assert.equal(fc.macs, 512 * 1000);
  assert.equal(fc.params, 512 * 1000 + 1000);
  assert.ok(Math.abs(t.macs / 1e9 - 1.81) < 0.01, `ResNet-18 MACs ${t.macs}`);
  assert.equal(t.otherParams, 2 * (64 * 5 + 128 * 5 + 256 * 5 + 512 * 5)); // BN scale+shift of 20 BNs (running stats excluded)
});

test('MobileNetV2 from the ONNX writer: 3,504,872 parameters and 0.30 GMAC; depthwise layers recognised', () => {
  const t = importOnnx(mobilenetV2Onnx({ seed: 3 }));
  assert.equal(t.params, 3_504_872);
  assert.ok(Math.abs(t.macs / 1e9 - 0.3) < 0.005, `MobileNetV2 MACs ${t.macs}`);
  const dw = t.layers.filter((l) => l.op === 'depthwise');
  assert.equal(dw.length, 17);
  assert.equal(dw[0]!.nIn, 9);
  assert.equal(dw[0]!.groups, 32);
  assert.equal(t.complete, true);
});

test('weights: Gemm transB and Conv come back as [out][in] matrices equal to the written tensors', () => {
  const w = new OnnxWriter();
  const x = w.input('x', [1, 2, 4, 4]);
  const K = Float32Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => i - 20);
  const c = w.node('Conv', [x, w.weight('k', [3, 2, 3, 3], K)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'c');
  const f = w.node('Flatten', [c], { axis: 1 });
  const B = Float32Array.from({ length: 48 * 5 }, (_, i) => i / 7);
  w.output(w.node('MatMul', [f, w.weight('m', [48, 5], B)], {}, 'mm'), [1, 5]);
  const t = importOnnx(w.encode());
  assert.deepEqual(Array.from(t.layers[0]!.weight()), Array.from(K));
  const m = t.layers[1]!.weight(); // [5][48] = transpose of [48][5]
  assert.equal(m[1 * 48 + 2], B[2 * 5 + 1]);
  assert.equal(t.layers[1]!.macs, 48 * 5);
});

test('round trip: a project tfjs CNN exported to ONNX re-imports to the same table, and onnxruntime gives its outputs', async () => {
  const model = tinyCnn({ seed: 5 });
  try {
    const mine = await expectNoLeak(() => importOwn(model));
    const bytes = await expectNoLeak(() => layersModelToOnnx(model));
    const back = importOnnx(bytes);
    assert.deepEqual(
      back.layers.map((l) => [l.name, l.op, l.nOut, l.nIn, l.macs, l.params]),
      mine.layers.map((l) => [l.name, l.op, l.nOut, l.nIn, l.macs, l.params]),
    );
    assert.equal(back.params, mine.params);
    // same weights per layer (the input order inside a row differs: tfjs kh,kw,cin vs ONNX cin,kh,kw)
    for (let i = 0; i < mine.layers.length; i++) {
      const a = Array.from(mine.layers[i]!.weight()).sort(),
        b = Array.from(back.layers[i]!.weight()).sort();
      assert.deepEqual(a, b, mine.layers[i]!.name);
    }
    await assertOrtMatchesTfjs(model, bytes, 7);
  } finally {
    model.dispose();
  }
});

test('ResNet-18 written by the writer runs in onnxruntime and matches its re-import after a file round trip', async () => {
  const p = join(dir, 'r18.onnx');
  const bytes = resnet18Onnx({ seed: 1, size: 64 });
  writeFileSync(p, bytes);
  const a = importOnnx(bytes),
    b = await importModel(p);
  assert.deepEqual(
    b.layers.map((l) => [l.name, l.macs]),
    a.layers.map((l) => [l.name, l.macs]),
  );
  const s = await ort.InferenceSession.create(p);
  try {
    const r = await s.run({ input: new ort.Tensor('float32', new Float32Array(2 * 3 * 64 * 64).fill(0.5), [2, 3, 64, 64]) });
    const y = Object.values(r)[0]!;
    assert.deepEqual(y.dims, [2, 1000]);
    assert.ok((y.data as Float32Array).every(Number.isFinite));
  } finally {
    await s.release();
  }
});

test('tfjs graph models (@vladmandic/human): shapes from tfjs, first conv MACs by hand, all float weights counted once', async () => {
  const json = 'node_modules/@vladmandic/human/models/blazeface.json';
  const t = await expectNoLeak(() => importTfjs(json));
  assert.deepEqual(t.inputShape, [1, 256, 256, 3]);
  const c0 = t.layers[0]!;
  assert.deepEqual(c0.outputShape!.slice(0, 3), [1, 128, 128]); // stride 2 'same'
  assert.equal(c0.macs, 128 * 128 * c0.nOut * c0.nIn);
  const w = loadWeightsManifest('node_modules/@vladmandic/human/models', 'blazeface.json');
  const floats = [...w.values()].filter((v) => v.dtype === 'float32' && v.data.length > 1).reduce((s, v) => s + v.data.length, 0);
  assert.equal(t.params, floats);
  assert.equal(t.complete, true);
});

test('a graph model with dynamic spatial input (handtrack) needs inputShape: InvalidInput naming the dimension', async () => {
  const json = 'node_modules/@vladmandic/human/models/handtrack.json';
  await assert.rejects(importTfjs(json), (e) => e instanceof InvalidInput && /dynamic dimension 1.*inputShape/.test(e.message));
});

test('face-api weights manifests: every weight counted once (params = manifest total); MACs unknown and flagged', async () => {
  for (const m of ['face_recognition_model', 'tiny_face_detector_model']) {
    const manifest = `${m}-weights_manifest.json`;
    const t = await importModel(faceApiModelDir(), { manifest }); // a folder + manifest name goes to the tfjs reader
    assert.equal(t.params, countWeightValues(loadWeightsManifest(faceApiModelDir(), manifest)), m);
    assert.equal(t.complete, false);
    assert.ok(t.layers.length > 2, `${m}: ${t.layers.length} layers`);
  }
});

test('safetensors + config: lazy weights, torch naming, MACs from the config; conv without outputSize listed as unsupported', () => {
  const p = join(dir, 'm.safetensors');
  const cw = Float32Array.from({ length: 8 * 3 * 3 * 3 }, (_, i) => Math.sin(i));
  writeSafetensorsFile(p, {
    'conv.weight': { dtype: 'float32', shape: [8, 3, 3, 3], data: cw },
    'bn.weight': { dtype: 'float32', shape: [8], data: new Float32Array(8).fill(1) },
    'bn.running_mean': { dtype: 'float32', shape: [8], data: new Float32Array(8) },
    'fc.weight': { dtype: 'float32', shape: [10, 8], data: new Float32Array(80).fill(0.5) },
    'fc.bias': { dtype: 'float32', shape: [10], data: new Float32Array(10) },
  });
  const bare = importSafetensors(p);
  assert.equal(bare.complete, false);
  assert.equal(bare.unsupported[0]!.nodes[0], 'conv.weight');
  writeFileSync(join(dir, 'm.json'), JSON.stringify({ tokens: 4, layers: { 'conv.weight': { outputSize: [16, 16] } } }));
  const t = importSafetensors(p);
  assert.equal(t.complete, true);
  assert.equal(t.params, 216 + 8 + 80 + 10);
  assert.equal(t.layers[0]!.macs, 16 * 16 * 8 * 27);
  assert.equal(t.layers[1]!.macs, 4 * 80);
  assert.deepEqual(Array.from(t.layers[0]!.weight()), Array.from(cw));
});

test('malformed corpus: truncated, wrong magic, unsupported op, dynamic shape, 0-sized and NaN weights → named errors or an unsupported list', async () => {
  const good = resnet18Onnx({ seed: 2, size: 32 });
  for (const frac of [0.001, 0.3, 0.7, 0.999]) {
    const cut = good.subarray(0, Math.floor(good.length * frac));
    assert.throws(() => importOnnx(cut), FormatError, `truncated at ${frac}`);
  }
  const png = join(dir, 'fake.onnx');
  writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  await assert.rejects(importModel(png), FormatError);
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, Buffer.from('GIF89a-not-a-model'));
  await assert.rejects(importModel(junk), FormatError);
  await assert.rejects(importModel(join(dir, 'missing.onnx')), NotFound);
  const st = join(dir, 'bad.safetensors');
  writeFileSync(st, Buffer.from('PK\u0003\u0004 this is a zip'));
  await assert.rejects(importModel(st), FormatError);
  const mj = join(dir, 'model.json');
  writeFileSync(mj, '{"modelTopology": ');
  await assert.rejects(importModel(mj), FormatError);

  // unknown op: listed by name, shapes downstream unknown, table not complete
  const w = new OnnxWriter();
  let x = w.input('x', [1, 4]);
  x = w.node('Gemm', [x, w.weight('a', [4, 4], new Float32Array(16).fill(1))], { transB: 1 }, 'fc1');
  x = w.node('FancyNorm', [x], {}, 'fancy');
  x = w.node('Gemm', [x, w.weight('b', [2, 4], new Float32Array(8).fill(1))], { transB: 1 }, 'fc2');
  w.output(x, [1, 2]);
  const t = importOnnx(w.encode());
  assert.deepEqual(
    t.unsupported.map((u) => [u.op, u.nodes]),
    [['FancyNorm', ['fancy']]],
  );
  assert.equal(t.complete, false);
  assert.ok(Number.isNaN(t.layers[1]!.macs) && Number.isNaN(t.macs));
  assert.equal(t.params, 24); // weights behind the unknown op still counted

  const dyn = new OnnxWriter();
  const d = dyn.input('x', ['N', 3, 'H', 'W']);
  dyn.output(dyn.node('Conv', [d, dyn.weight('k', [2, 3, 1, 1], new Float32Array(6).fill(1))], { kernel_shape: [1, 1] }, 'c'), [
    'N',
    2,
    'H',
    'W',
  ]);
  const db = dyn.encode();
  assert.throws(
    () => importOnnx(db),
    (e) => e instanceof InvalidInput && /dynamic dimension 2.*inputShape/.test(e.message),
  );
  assert.equal(importOnnx(db, { inputShape: [1, 3, 8, 8] }).macs, 64 * 6);

  const mk = (data: Float32Array, shape: number[]) => {
    const z = new OnnxWriter();
    const i = z.input('x', [1, shape[1]!]);
    z.output(z.node('Gemm', [i, z.weight('w', shape, data)], { transB: 1 }, 'fc'), [1, shape[0]!]);
    return z.encode();
  };
  assert.throws(
    () => importOnnx(mk(new Float32Array(0), [0, 3])),
    (e) => e instanceof FormatError && /0 elements/.test(e.message),
  );
  const nan = new Float32Array(6).fill(1);
  nan[4] = NaN;
  assert.throws(
    () => importOnnx(mk(nan, [2, 3])),
    (e) => e instanceof FormatError && /\[4\] is NaN/.test(e.message),
  );
  assert.doesNotThrow(() => importOnnx(mk(nan, [2, 3]), { validate: false }));
});
