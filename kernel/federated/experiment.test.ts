import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExperiment, ARMS } from './experiment';
import { partitionFigure, curvesFigure, calibrationFigure, bytesFigure, summaryTable, paperTable, gates } from './figures';
import { packedLength } from './linalg64';

test('a tiny Fashion-MNIST experiment runs every arm (in-process clients; worker hosts are covered in server.test.ts) and its figures build', async () => {
  const r = await runExperiment({
    alpha: 0.1,
    seed: 3,
    trainSize: 400,
    testSize: 200,
    rounds: 2,
    localEpochs: 1,
    hidden: [16],
    features: 12,
    clients: 4,
    minSize: 5,
    hostKind: 'in-process',
  });
  assert.deepEqual(r.curves.map((c) => c.arm).sort(), [...ARMS].sort());
  for (const c of r.curves) {
    assert.equal(c.acc.length, 2);
    assert.ok(c.acc.every((a) => a >= 0 && a <= 1) && c.final === c.acc[1]);
  }
  // the calibrated arms are a different head on the same extractor: they report their own accuracies
  assert.equal(
    r.stats.sizes.reduce((a, b) => a + b, 0),
    400,
  );
  assert.equal(r.dropped, 0);
  const b = r.bytes.find((x) => x.arm === 'sphere')!;
  assert.ok(
    b.calibUpPerClient >= 8 * (packedLength(12) + 12 * 10) && b.calibUpPerClient < 8 * (packedLength(12) + 120) + 200,
    `${b.calibUpPerClient} bytes`,
  );
  // the sphere run sends fewer parameters (no head) than FedAvg
  assert.ok(b.nParams < r.bytes.find((x) => x.arm === 'fedavg')!.nParams);
  const figs = [
    partitionFigure(r.stats, { convention: r.convention }),
    curvesFigure([r], 0.1),
    calibrationFigure([r]),
    bytesFigure(r),
    summaryTable([r]),
    paperTable([r], { alpha: 0.1 }),
  ];
  assert.deepEqual(
    figs.map((f) => f.kind),
    ['heatmap', 'series', 'series', 'table', 'table', 'table'],
  );
  assert.equal(gates([r], { alpha: 0.1, iidAlpha: 100 }).length, 3);
  assert.throws(() => curvesFigure([r], 0.5), /no run at α = 0.5/);
});
