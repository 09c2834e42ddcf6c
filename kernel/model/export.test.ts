import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, tf } from '../core/backend';
import { FormatError, InvalidInput } from '../core/errors';
import { decodeOnnxModel, readOnnxInitializers, readSafetensors, sha256 } from '../core/io';
import { tinyCnn } from '../core/models';
import { expectNoLeak } from '../core/testing';
import * as cim from '../cim';
import * as sparse from '../sparse';
import * as sws from '../sws';
import { analyzeModel, exportAnalysis, importModel, importOnnx, layersModelToOnnx } from '.';
import { assertOrtMatchesTfjs } from './testutil';

before(async () => {
  await init({ backend: 'wasm' });
});
const tmp = () => mkdtempSync(join(tmpdir(), 'byom-export-'));

test('pruned ONNX: re-imports with each layer magnitude-pruned, runs in onnxruntime like the tfjs model with the same pruned kernels', async () => {
  const model = tinyCnn({ seed: 3 });
  try {
    const bytes = layersModelToOnnx(model);
    const dir = tmp();
    const ex = await expectNoLeak(() => exportAnalysis(bytes, dir, { what: ['pruned'], prune: 0.6 }));
    assert.deepEqual(
      ex.files.map((f) => f.path),
      ['pruned.onnx', 'manifest.json'],
    );
    const pruned = readFileSync(join(dir, 'pruned.onnx'));
    const orig = importOnnx(bytes),
      back = importOnnx(pruned);
    assert.deepEqual(
      back.layers.map((l) => [l.name, l.nOut, l.nIn, l.macs]),
      orig.layers.map((l) => [l.name, l.nOut, l.nIn, l.macs]),
    );
    for (const [i, l] of back.layers.entries()) {
      const w = l.weight();
      assert.deepEqual(w, sparse.magnitudePrune(orig.layers[i]!.weight(), 0.6), l.name);
      assert.equal(w.filter((v) => v === 0).length, Math.round(0.6 * w.length), `${l.name} sparsity`);
    }
    // everything that is not a layer weight (biases, shapes) is untouched
    const a = readOnnxInitializers(bytes),
      b = readOnnxInitializers(pruned);
    const weights = new Set(orig.layers.map((l) => l.tensor!.name));
    for (const [k, v] of a) if (!weights.has(k)) assert.deepEqual(b.get(k)!.data, v.data, k);
    // provenance in the model's metadata: the source hash and the prune target
    const prov = JSON.parse(decodeOnnxModel(pruned).metadataProps!.find((p) => p.key === 'edgelab.provenance')!.value!);
    assert.equal(prov.source.sha256, sha256(bytes));
    assert.equal(prov.options.prune, 0.6);
    // the same pruning applied to the tfjs kernels (tfjs layout; no ties in random weights) gives the ONNX outputs
    for (const l of model.layers) {
      const ws = l.getWeights();
      if (!ws.length) continue;
      const k = tf.tensor(sparse.magnitudePrune(ws[0]!.dataSync() as Float32Array, 0.6), ws[0]!.shape);
      l.setWeights([k, ...ws.slice(1)]);
      k.dispose();
    }
    await assertOrtMatchesTfjs(model, pruned, 9);
  } finally {
    model.dispose();
  }
});

test('an analysis exports its SWS sorted layout (unsorts to the int8 weights), Rosko arrays (unpack to A) and a manifest of hashes', async () => {
  const model = tinyCnn({ seed: 4 });
  const dir = tmp();
  const src = join(dir, 'tiny.onnx');
  writeFileSync(src, layersModelToOnnx(model));
  model.dispose();
  const r = await analyzeModel(src, { papers: ['sws', 'mema'], prune: 0.5 });
  const out = join(dir, 'out');
  const ex = await exportAnalysis(r, out);
  const t = r.table;
  // SWS: q = the analysis's int8 weights pruned to 50 %, each sorted row zeros first then by |q| ascending
  const sorted = sws.loadSorted(join(out, 'sws-sorted.safetensors'));
  assert.deepEqual(
    sorted.map((l) => l.name),
    t.layers.map((l) => l.name),
  );
  for (const [i, l] of sorted.entries()) {
    const L = t.layers[i]!;
    const { q, scale } = cim.quantize({ weights: L.weight(), nOut: L.nOut, nIn: L.nIn });
    const want = sws.pruneInt8(cim.mapLayer({ q, nOut: L.nOut, nIn: L.nIn, scale }), 0.5).q;
    assert.deepEqual(l.q, want, `${l.name}: unsorted ≠ the pruned int8 weights`);
    assert.deepEqual(l.scale, scale);
    for (let o = 0; o < l.nOut; o++)
      for (let p = 1; p < l.nIn; p++)
        assert.ok(Math.abs(l.sorted[o * l.nIn + p]!) >= Math.abs(l.sorted[o * l.nIn + p - 1]!), `${l.name} row ${o} not sorted at ${p}`);
  }
  assert.throws(() => sws.unsortLayer(new Int8Array(4), Int32Array.from([0, 0, 1, 0]), 2, 2), InvalidInput);
  // Rosko: every layer unpacks to its pruned dense matrix, bit for bit
  const packed = sparse.loadPacked(join(out, 'rosko-packed.safetensors'));
  for (const L of t.layers) {
    const A = sparse.unpack(packed.get(L.name)!);
    assert.deepEqual([A.rows, A.cols], [L.nOut, L.nIn]);
    assert.deepEqual(A.data, sparse.magnitudePrune(L.weight(), 0.5), `${L.name}: unpack ≠ A`);
  }
  // the manifest lists every other file with its hash; MEMA skipped the depthwise layer, naming it
  const man = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(man.provenance.source.sha256, sha256(readFileSync(src)));
  for (const f of man.files) assert.equal(f.sha256, sha256(readFileSync(join(out, f.path))), f.path);
  assert.deepEqual(
    ex.skipped.map((s) => s.name),
    t.layers.filter((l) => l.op === 'depthwise').map((l) => l.name),
  );
  assert.ok(
    ex.files.some((f) => f.path === 'pruned.onnx'),
    'the analysis prune target selects the pruned export',
  );
  assert.equal(JSON.parse(readSafetensors(join(out, 'rosko-packed.safetensors')).metadata.provenance!).options.prune, 0.5);
  // a non-ONNX source gets pruned.safetensors with [out][in] matrices
  const own = await exportAnalysis(await importModel('cnn'), join(dir, 'own'), { what: ['pruned'], prune: 0.3 });
  const st = readSafetensors(join(dir, 'own', 'pruned.safetensors'));
  assert.equal(own.files[0]!.path, 'pruned.safetensors');
  assert.equal(st.tensors.size, (await importModel('cnn')).layers.length);
});

test('export refuses to overwrite (nothing written), bad options and a changed source are named errors', async () => {
  const model = tinyCnn({ seed: 5 });
  const dir = tmp();
  const src = join(dir, 'm.onnx');
  writeFileSync(src, layersModelToOnnx(model));
  model.dispose();
  const out = join(dir, 'out');
  await exportAnalysis(src, out, { what: ['rosko'] });
  const before = statSync(join(out, 'rosko-packed.safetensors')).mtimeMs;
  await assert.rejects(
    exportAnalysis(src, out, { what: ['sorted', 'rosko'] }),
    (e) => e instanceof InvalidInput && /rosko-packed\.safetensors/.test(e.message) && /overwrite: true/.test(e.message),
  );
  assert.throws(() => statSync(join(out, 'sws-sorted.safetensors')), /ENOENT/, 'a refused export writes nothing');
  assert.equal(statSync(join(out, 'rosko-packed.safetensors')).mtimeMs, before);
  await exportAnalysis(src, out, { what: ['sorted', 'rosko'], overwrite: true });
  await assert.rejects(
    exportAnalysis(src, join(dir, 'o2'), { what: ['gpu' as 'rosko'] }),
    (e) => e instanceof InvalidInput && /"gpu"/.test(e.message),
  );
  await assert.rejects(
    exportAnalysis(src, join(dir, 'o3'), { what: ['pruned'] }),
    (e) => e instanceof InvalidInput && /prune target/.test(e.message),
  );
  await assert.rejects(exportAnalysis(src, join(dir, 'o4'), { prune: 1.2 }), (e) => e instanceof InvalidInput && /1\.2/.test(e.message));
  await assert.rejects(exportAnalysis(src, src, { what: ['rosko'] }), (e) => e instanceof InvalidInput && /is a file/.test(e.message));
  // a table from in-memory bytes cannot give back its graph
  await assert.rejects(
    exportAnalysis(importOnnx(readFileSync(src)), join(dir, 'o5'), { what: ['pruned'], prune: 0.5 }),
    (e) => e instanceof InvalidInput && /pass its bytes/.test(e.message),
  );
  // the file changed after the analysis: refuse to write a pruned model of different weights
  const t = await importModel(src);
  const m2 = tinyCnn({ seed: 6 });
  writeFileSync(src, layersModelToOnnx(m2));
  m2.dispose();
  await assert.rejects(exportAnalysis(t, join(dir, 'o6'), { what: ['pruned'], prune: 0.5 }), FormatError);
});
