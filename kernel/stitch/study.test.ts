import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { expectNoLeak } from '../core/testing';
import { InvalidInput } from '../core/errors';
import { loadZoo, mnistZooIds } from './zoo';
import { TARGETS, targetSplit, drawStitchingSet, assertDisjoint, type TargetSplit } from './targets';
import { study, pickOnValidation } from './study';
import { summarise, mergeRecords, type StudyRecord } from './records';
import { sweepPoints, sizeFigure, sizeTable } from './figures';
import { fineTune } from './baselines';
import { chainText } from './figures';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

before(async () => {
  await init({ backend: 'wasm', verbose: false });
});

test('targets: validation, test and stitching images never overlap (by id) and were never seen by the zoo', () => {
  const zooMnist = new Set(Array.from(mnistZooIds(), (i) => `mnist/train/${i}`));
  for (const t of TARGETS) {
    const s = targetSplit(t);
    assert.equal(s.validation.n, 100 * t.classes.length);
    assert.equal(s.test.n, 150 * t.classes.length);
    const fit = drawStitchingSet(s, 256, 1);
    assertDisjoint({ stitching: fit, validation: s.validation, test: s.test });
    for (const id of [...fit.ids, ...s.validation.ids, ...s.test.ids]) {
      assert.ok(!zooMnist.has(id), `${id} trained a zoo network`);
      assert.ok(!id.startsWith('fmnist/train'), `${id} is from the Fashion-MNIST train split the zoo trains on`);
    }
    // class-balanced and reproducible; a different seed draws different images
    const counts = new Array(t.classes.length).fill(0);
    for (const l of fit.labels) counts[l]++;
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, String(counts));
    assert.deepEqual(drawStitchingSet(s, 256, 1).ids, fit.ids);
    assert.notDeepEqual(drawStitchingSet(s, 256, 2).ids, fit.ids);
  }
  const s = targetSplit('tops3');
  assert.throws(() => assertDisjoint({ a: { ids: ['x', 'y'] }, b: { ids: ['z', 'y'] } }), /y is in both a and b/);
  assert.throws(() => drawStitchingSet(s, 100000, 0), InvalidInput);
  assert.throws(() => targetSplit('nope'), InvalidInput);
});

test('targets in code match the committed declaration', () => {
  const decl = JSON.parse(readFileSync(join(__dirname, '..', '..', 'bench', 'declared', 'stitch-targets.json'), 'utf8')) as {
    targets: { name: string; classes: string[] }[];
  };
  assert.deepEqual(
    decl.targets.map((t) => t.name),
    TARGETS.map((t) => t.name),
  );
  for (const t of TARGETS) {
    const d = decl.targets.find((x) => x.name === t.name)!;
    assert.deepEqual(
      d.classes.map((c) => c.split(' ').slice(0, 2).join(' ')),
      t.classes.map((c) => `${c.dataset} ${c.label}`),
    );
  }
});

test('pickOnValidation reads validation accuracy only (a higher test accuracy does not win)', () => {
  const items = [
    { id: 'a', valAcc: 0.7, testAcc: 0.99, macs: 10, score: 0.9 },
    { id: 'b', valAcc: 0.8, testAcc: 0.5, macs: 10, score: 0.1 },
    { id: 'c', valAcc: 0.8, testAcc: 0.6, macs: 10, score: 0.5 },
  ];
  assert.equal(pickOnValidation(items)!.id, 'c'); // tie on validation → higher CKA score
  assert.equal(pickOnValidation([])!, null);
});

test('study: the reported networks do not change when the test labels are swapped', async () => {
  const nets = await loadZoo({ names: ['vgg-s1', 'wide', 'dsconv'] });
  try {
    const split = targetSplit('tops3', { valPerClass: 30, testPerClass: 30 });
    const C = split.pool.length;
    const swapped: TargetSplit = { ...split, test: { ...split.test, labels: split.test.labels.map((l) => (l + 1) % C) } };
    const opts = { target: 'tops3', stitchImages: 32, seed: 0, nets, maxNetworks: 6, baselines: false, progress: false } as const;
    const a = await study({ ...opts, split });
    const b = await study({ ...opts, split: swapped });
    assert.ok(a.generated.length >= 2);
    assert.equal(chainText(b.stitched!), chainText(a.stitched!));
    assert.equal(b.bestOriginal.name, a.bestOriginal.name);
    assert.equal(chainText(b.ckaTop!), chainText(a.ckaTop!));
    assert.notEqual(b.stitched!.testAcc, a.stitched!.testAcc); // the swap did reach the test scores
    assert.ok(Number.isFinite(a.stitched!.testAcc) && Number.isFinite(a.ckaTop!.testAcc));
    assert.ok(a.generated.filter((g) => g !== a.stitched && g !== a.ckaTop).every((g) => Number.isNaN(g.testAcc))); // test read for the reported nets only
    assert.deepEqual(
      a.generated.map((g) => g.valAcc),
      b.generated.map((g) => g.valAcc),
    );
    // compute is counted: every zoo network's forward over the 32 images, CKA evaluations, fits, selection
    assert.ok(
      a.compute.search.zooForward > 0 && a.compute.search.ckaEvaluations > 0 && a.compute.search.fits > 0 && a.compute.stitchSelection > 0,
    );
    assert.equal(
      a.compute.stitch,
      a.compute.search.zooForward +
        a.compute.search.cka +
        a.compute.search.fit +
        a.compute.search.stitchedForward +
        a.compute.stitchSelection,
    );
  } finally {
    nets.forEach((n) => n.model.dispose());
  }
});

test('fine-tuning all layers leaves the source network untouched and no tensors behind', async () => {
  const [z] = await loadZoo({ names: ['dsconv'] });
  try {
    const split = targetSplit('tops3', { valPerClass: 20, testPerClass: 20 });
    const fit = drawStitchingSet(split, 32, 0);
    const before = z!.model.getWeights().map((w) => Array.from(w.dataSync()));
    const r = await expectNoLeak(() =>
      fineTune(z!.model, 'all', { fit, val: split.validation, test: split.test, classes: 3 }, { maxEpochs: 2, patience: 1 }),
    );
    assert.ok(r.epochs >= 1 && r.epochs <= 2 && r.macs > 0);
    // 3 × forward per training image per epoch + 1 × per validation image per epoch
    assert.equal(r.macs, r.epochs * r.inferenceMacs * (3 * 32 + 60));
    z!.model.getWeights().forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), before[i]));
  } finally {
    z!.model.dispose();
  }
});

function rec(
  target: string,
  seed: number,
  o: { st: number; ft: number; sc: number; px: number; sm: number; fm: number; cm: number; n?: number },
): StudyRecord {
  const net = { chain: 'a#0 → b#1', links: [], score: 0.9, sources: 2, valAcc: 0, testAcc: o.st, macs: 1, params: 1 };
  const tb = (acc: number, macs: number) => ({ valAcc: acc, testAcc: acc, epochs: 1, bestEpoch: 1, macs, inferenceMacs: 1 });
  return {
    target,
    stitchImages: o.n ?? 256,
    seed,
    variant: 'every',
    images: { stitch: o.n ?? 256, validation: 300, test: 450 },
    stitched: net,
    ckaTop: net,
    generated: [net],
    originals: [],
    bestOriginal: { name: 'x', valAcc: 0, testAcc: 0.5, macs: 1, params: 1 },
    spearman: 0,
    pixelKnn: o.px,
    finetune: { last: tb(o.ft, o.fm), all: tb(0, 0), chosen: 'last', testAcc: o.ft },
    scratch: tb(o.sc, o.cm),
    compute: {
      search: { zooForward: 0, cka: 0, ckaEvaluations: 0, fit: 0, fits: 0, stitchedForward: 0 },
      stitchSelection: 0,
      stitch: o.sm,
      originals: 0,
      finetune: o.fm,
      scratch: o.cm,
    },
    seconds: 0,
    measuredAt: '',
  };
}

test('summarise: the declared gate (±2 points of the best trained baseline, ≤ 1/10 of its compute, > pixel k-NN)', () => {
  const pass = summarise([rec('t', 0, { st: 0.8, ft: 0.81, sc: 0.7, px: 0.7, sm: 1, fm: 10, cm: 100 })], 't', 256)!;
  assert.deepEqual(pass.gate, { withinTwoPoints: true, tenthCompute: true, beatsPixelKnn: true, pass: true, against: 'finetune' });
  assert.equal(pass.computeRatio, 10);
  const slow = summarise([rec('t', 0, { st: 0.8, ft: 0.81, sc: 0.7, px: 0.7, sm: 1, fm: 9, cm: 100 })], 't', 256)!;
  assert.equal(slow.gate.tenthCompute, false); // ratio 9 < 10
  const worse = summarise([rec('t', 0, { st: 0.78, ft: 0.7, sc: 0.81, px: 0.7, sm: 1, fm: 100, cm: 100 })], 't', 256)!;
  assert.equal(worse.gate.against, 'scratch');
  assert.equal(worse.gate.withinTwoPoints, false); // 0.78 < 0.81 − 0.02
  const mean = summarise(
    [
      rec('t', 0, { st: 0.8, ft: 0.8, sc: 0.1, px: 0.9, sm: 1, fm: 100, cm: 100 }),
      rec('t', 1, { st: 0.6, ft: 0.8, sc: 0.1, px: 0.5, sm: 1, fm: 100, cm: 100 }),
    ],
    't',
    256,
  )!;
  assert.ok(Math.abs(mean.stitched - 0.7) < 1e-12 && Math.abs(mean.pixelKnn - 0.7) < 1e-12);
  assert.equal(mean.gate.beatsPixelKnn, false); // 0.7 is not > 0.7
  assert.deepEqual(mean.stitchedRange, [0.6, 0.8]);
  assert.equal(summarise([], 't', 256), null);
});

test('sweep: mean and seed range per method and size; dotted min/max only where several seeds ran; gate per size', () => {
  const base = { px: 0.6, sm: 1, fm: 100, cm: 100 };
  const rs = [
    rec('t', 0, { ...base, n: 32, st: 0.7, ft: 0.5, sc: 0.4 }),
    rec('t', 1, { ...base, n: 32, st: 0.8, ft: 0.7, sc: 0.5 }),
    rec('t', 0, { ...base, n: 256, st: 0.8, ft: 0.9, sc: 0.85, fm: 5 }),
    rec('u', 0, { ...base, n: 32, st: 0.1, ft: 0.1, sc: 0.1 }), // another target: must not leak in
  ];
  const pts = sweepPoints(rs, 't');
  const st32 = pts.find((p) => p.method.startsWith('stitched') && p.stitchImages === 32)!;
  assert.ok(Math.abs(st32.mean - 0.75) < 1e-12);
  assert.deepEqual([st32.lo, st32.hi, st32.seeds], [0.7, 0.8, 2]);
  const ft256 = pts.find((p) => p.method.startsWith('fine-tuned') && p.stitchImages === 256)!;
  assert.deepEqual([ft256.mean, ft256.lo, ft256.hi, ft256.seeds], [0.9, 0.9, 0.9, 1]);
  const fig = sizeFigure(rs, 't');
  const band = fig.series.filter((t) => t.dash === 'dot');
  // stitched, fine-tune, scratch get min and max traces at the one size with 2 seeds; originals and pixel k-NN do not
  assert.equal(band.length, 6);
  assert.ok(band.every((t) => t.x.length === 1 && t.x[0] === 32));
  assert.deepEqual(band.find((t) => t.name.startsWith('stitched') && t.name.endsWith('(seed max)'))!.y, [0.8]);
  const tab = sizeTable(rs, 't');
  assert.deepEqual(
    tab.rows.map((r) => [r.n, r.seeds]),
    [
      [32, 2],
      [256, 1],
    ],
  );
  assert.equal(tab.rows.find((r) => r.n === 32)!.gate, 'pass'); // 0.75 ≥ 0.6 − 0.02, ratio 100 ≥ 10, 0.75 > 0.6
  assert.equal(tab.rows.find((r) => r.n === 256)!.gate, 'fail (accuracy, compute)'); // 0.8 < 0.9 − 0.02; ratio 5 < 10
  assert.match(String(tab.rows.find((r) => r.n === 32)!['stitched (chosen on validation)']), /^0\.750 \[0\.700–0\.800\]$/);
});

test('mergeRecords: one record per cell; a record with trained baselines beats one without, then the newer wins', () => {
  const a = { ...rec('t', 0, { st: 0.1, ft: 0.5, sc: 0.5, px: 0.5, sm: 1, fm: 1, cm: 1 }), measuredAt: '2026-01-01T00:00:00Z' };
  const newerNoBaselines = {
    ...rec('t', 0, { st: 0.2, ft: 0.5, sc: 0.5, px: 0.5, sm: 1, fm: 1, cm: 1 }),
    measuredAt: '2026-02-01T00:00:00Z',
    finetune: undefined,
  };
  const newer = { ...a, stitched: { ...a.stitched!, testAcc: 0.3 }, measuredAt: '2026-03-01T00:00:00Z' };
  const other = { ...a, seed: 1 };
  const m = mergeRecords([a, other], [newerNoBaselines]);
  assert.equal(m.length, 2);
  assert.equal(m.find((r) => r.seed === 0)!.stitched!.testAcc, 0.1); // kept: it has baselines
  assert.equal(mergeRecords([a], [newer]).find((r) => r.seed === 0)!.stitched!.testAcc, 0.3);
  assert.equal(mergeRecords([newer], [a])[0]!.stitched!.testAcc, 0.3); // order of the lists does not matter
});
