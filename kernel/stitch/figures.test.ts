import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { search, type StitchedNet } from './search';
import { ckaMatrix } from './evaluate';
import { ckaFigure, networksTable, chainFigure } from './figures';
import { paperVsOurs } from './paper';
import { spearman } from './study';
import { toyA, toyB, toyImages } from './toy.test-util';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

test('CKA matrix layer by layer: diagonal of a model with itself is 1, figure payloads build', async () => {
  const a = toyA(),
    b = toyB();
  try {
    const data = toyImages(16);
    const m = await expectNoLeak(() => ckaMatrix(a, a, data));
    assert.equal(m.rows, 4); // conv, conv, gap, dense
    for (let i = 0; i < m.rows; i++) assert.ok(Math.abs(m.values[i * m.cols + i]! - 1) < 1e-9);
    const ab = ckaMatrix(a, b, data, { points: 'cuts' });
    assert.deepEqual([ab.rows, ab.cols], [3, 3]);
    const fig = ckaFigure(ab);
    assert.equal(fig.kind, 'cka-matrix');
    assert.equal(fig.highlight!.length, 3);
    const nets: StitchedNet[] = [];
    for await (const n of search({ nets: [a, b], data, K: 2, TT: 0 })) nets.push(n);
    assert.equal(networksTable(nets.map((n) => ({ ...n, acc: 0.5 }))).rows.length, nets.length);
    assert.equal(chainFigure(nets[0]!).rows.length, nets[0]!.chain.length);
    const row = {
      target: 'tops3',
      stitchImages: 256,
      seeds: [0, 1, 2],
      stitched: 0.8,
      bestOriginal: 0.78,
      ckaTop: 0.7,
      pixelKnn: 0.75,
      finetune: 0.81,
      scratch: 0.7,
      spearman: 0.2,
      stitchMacs: 1e9,
      finetuneMacs: 2e9,
      scratchMacs: 3e10,
      computeRatio: 2,
      gate: { withinTwoPoints: true, tenthCompute: false, beatsPixelKnn: true, pass: false, against: 'finetune' as const },
      stitchedRange: [0.79, 0.81] as [number, number],
    };
    const pv = paperVsOurs([row]);
    assert.equal(pv.kind, 'table');
    assert.match(JSON.stringify(pv.rows), /fail \(compute\)/);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('spearman: monotone maps give ±1, ties get average ranks', () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 400]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  const r = spearman([1, 1, 2, 3], [1, 2, 3, 4]);
  assert.ok(Math.abs(r - 0.9486832980505138) < 1e-12, String(r)); // scipy.stats.spearmanr
});
