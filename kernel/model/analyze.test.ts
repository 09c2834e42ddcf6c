import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { Aborted, InvalidInput } from '../core/errors';
import { tinyCnn } from '../core/models';
import { expectNoLeak } from '../core/testing';
import { analyzeModel, importOnnx, layersModelToOnnx } from '.';
import * as cim from '../cim';
import * as mema from '../mema';

before(async () => {
  await init({ backend: 'wasm' });
});

const onnxBytes = async () => {
  const m = tinyCnn({ seed: 2 });
  try {
    return layersModelToOnnx(m);
  } finally {
    m.dispose();
  }
};

test('el.analyzeModel: every paper view of a small ONNX CNN, figures of the four kinds, monotone progress to 1', async () => {
  const bytes = await onnxBytes();
  const seen: number[] = [];
  const r = await analyzeModel(bytes, { papers: 'all', prune: 0.5, batch: [1, 4], onProgress: (f) => seen.push(f) });
  const t = r.table;
  // CIM: 16 outputs per 128-column crossbar (int8 sign-magnitude, 1-bit cells), 128 rows: tiles by hand
  assert.deepEqual(
    r.cim!.layers.map((l) => l.tiles),
    t.layers.map((l) => Math.ceil(l.nIn / 128) * Math.ceil(l.nOut / 16)),
  );
  assert.ok(r.cim!.optimized.cellWrites < r.cim!.baseline.cellWrites, 'sorting + stucking writes fewer cells');
  // SWS: pruning to 50 % zeroes at least half of every layer's int8 weights, and SWS never costs more than the grid
  for (const l of r.sws!.pruned!.layers) assert.ok(l.sparsity >= 0.5 - 1e-9, `${l.name} ${l.sparsity}`);
  const p = 'sectionPartialSum';
  assert.ok(r.sws!.pruned!.total.sws[p]! < r.sws!.own.total.sws[p]!, 'pruning lowers SWS ADC energy');
  // Rosko view: the pruned sparsity, two batch sizes with N = positions·batch, measured times
  for (const [i, l] of r.sparse!.layers.entries()) {
    assert.ok(Math.abs(l.sparsity - 0.5) < 0.01, `${l.name} sparsity ${l.sparsity}`);
    assert.deepEqual(
      l.batches.map((b) => b.N),
      [1, 4].map((b) => t.layers[i]!.positions * b),
    );
    assert.ok(l.batches.every((b) => b.measuredMs && b.measuredMs.rosko > 0));
  }
  // MEMA: the depthwise layer is skipped, every other layer's external words ≥ its lower bound
  assert.deepEqual(
    r.mema!.skipped.map((s) => s.name),
    t.layers.filter((l) => l.op === 'depthwise').map((l) => l.name),
  );
  for (const l of r.mema!.layers) assert.ok(l.external >= l.lowerBound * (1 - 1e-9), `${l.name}: ${l.external} < ${l.lowerBound}`);
  assert.deepEqual(
    r.figures.map((f) => f.kind),
    ['table', 'heatmap', 'table', 'crossbar-map', 'sparsity-pattern'],
  );
  assert.deepEqual(Object.keys(r.seconds), ['import', 'cim', 'sws', 'sparse', 'mema']);
  assert.equal(seen.at(-1), 1);
  assert.ok(
    seen.every((v, i) => i === 0 || v >= seen[i - 1]!),
    'progress never goes back',
  );
});

test('el.analyzeModel on a shipped own model leaves no tensors behind; per-paper verbs agree with the report', async () => {
  const r = await expectNoLeak(() => analyzeModel('cnn', { papers: ['cim', 'mema'] }));
  assert.equal(r.sws, undefined);
  const again = cim.analyzeModel(r.table, { physical: r.cim!.physical });
  assert.equal(again.optimized.cellWrites, r.cim!.optimized.cellWrites);
  assert.deepEqual(mema.analyzeModel(r.table).layers, r.mema!.layers);
});

test('abort and bad options: Aborted from the signal, InvalidInput naming the bad paper / prune', async () => {
  const bytes = await onnxBytes();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(analyzeModel(bytes, { signal: ac.signal }), Aborted);
  const ac2 = new AbortController();
  await assert.rejects(analyzeModel(bytes, { signal: ac2.signal, onProgress: (f) => f > 0.3 && ac2.abort() }), Aborted);
  await assert.rejects(
    analyzeModel(bytes, { papers: ['cim', 'gpu' as 'cim'] }),
    (e) => e instanceof InvalidInput && /"gpu"/.test(e.message),
  );
  await assert.rejects(analyzeModel(bytes, { papers: ['sws'], prune: 1.5 }), (e) => e instanceof InvalidInput && /1\.5/.test(e.message));
  assert.ok(importOnnx(bytes).complete);
});
