import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerCost, chainCost, systemCost, splitLayers, preset, checkPreset, transferSeconds, PRESET_NAMES } from './cost';
import { InvalidInput } from '../core/errors';
import type { Preset, SplitConfig } from './types';

test('layerCost: conv, depthwise, dense and GAP counts match hand computation', () => {
  const c1 = layerCost({ kind: 'conv', name: 'c', k: 3, cout: 8, stride: 2 }, { h: 28, w: 28, c: 1 });
  assert.deepEqual([c1.out, c1.macs, c1.params], [{ h: 14, w: 14, c: 8 }, 14 * 14 * 9 * 1 * 8, 9 * 8 + 8]);
  const c2 = layerCost({ kind: 'conv', name: 'c', k: 5, cout: 16 }, { h: 7, w: 7, c: 16 });
  assert.deepEqual([c2.out, c2.macs, c2.params], [{ h: 7, w: 7, c: 16 }, 313600, 6416]);
  // 'same' padding with stride 2 on an odd size rounds up
  assert.deepEqual(layerCost({ kind: 'conv', name: 'c', k: 3, cout: 4, stride: 2 }, { h: 7, w: 7, c: 2 }).out, { h: 4, w: 4, c: 4 });
  const dw = layerCost({ kind: 'dwconv', name: 'd', k: 3 }, { h: 14, w: 14, c: 8 });
  assert.deepEqual([dw.out, dw.macs, dw.params], [{ h: 14, w: 14, c: 8 }, 14112, 80]);
  const nb = layerCost({ kind: 'conv', name: 'c', k: 1, cout: 4, bias: false }, { h: 2, w: 2, c: 3 });
  assert.equal(nb.params, 12);
  const d = layerCost({ kind: 'dense', name: 'fc', cout: 10 }, { h: 1, w: 1, c: 32 });
  assert.deepEqual([d.macs, d.params], [320, 330]);
  assert.equal(layerCost({ kind: 'dense', name: 'fc', cout: 5 }, { h: 2, w: 2, c: 3 }).macs, 60);
  const g = layerCost({ kind: 'gap', name: 'g' }, { h: 4, w: 4, c: 8 });
  assert.deepEqual([g.out, g.macs, g.params, g.inElems, g.outElems], [{ h: 1, w: 1, c: 8 }, 0, 0, 128, 8]);
  assert.equal(
    chainCost(
      [
        { kind: 'conv', name: 'a', k: 3, cout: 4, stride: 2 },
        { kind: 'gap', name: 'g' },
      ],
      { h: 8, w: 8, c: 1 },
    )[1]!.in.c,
    4,
  );
});

const tiny: SplitConfig = {
  resolution: 8,
  split: 1,
  reduce: 2,
  bits: 4,
  phases: [
    { width: 4, kernel: 3, nPre: 0, nPost: 0 },
    { width: 8, kernel: 3, nPre: 0, nPost: 0 },
  ],
};
function unitPreset(shared = true): Preset {
  return preset('weak-sensor-mipi', {
    sensor: { macsPerSecond: 1000, utilization: 0.5, memoryBytes: 1e6, energyPerMac: 1 },
    aggregator: { macsPerSecond: 1360, utilization: 1, energyPerMac: 10 },
    link: { bitsPerSecond: 100, packetBits: 100, overheadSeconds: 0.5, energyPerBit: 0.01, shared },
    bytesPerActivation: 1,
    bytesPerWeight: 1,
  });
}

test('systemCost: latency, bits, memory and energy of a hand-computed two-phase split', () => {
  const c = systemCost(tiny, unitPreset());
  // sensor: p1.down 8×8×1→4×4×4 (576 MACs, 40 params) + reduce 4→2 (128 MACs, 10 params)
  assert.equal(c.sensorMacs, 704);
  assert.equal(c.sensorParams, 50);
  // aggregator: recover 2→4 (128) + p2.down 4×4×4→2×2×8 (1152) + fc 8→10 (80)
  assert.equal(c.aggregatorMacs, 1360);
  assert.equal(c.bitsPerView, 4 * 4 * 2 * 4);
  assert.equal(c.linkBits, 200); // two 100-bit packets
  assert.equal(c.sensorSeconds, 704 / 500);
  assert.equal(c.linkSeconds, 2 + 0.5);
  assert.equal(c.aggregatorSeconds, 1);
  assert.ok(Math.abs(c.latencySeconds - 4.908) < 1e-12);
  assert.equal(c.sensorPeakBytes, 64 + 64 + 50);
  assert.ok(Math.abs(c.energyJoules - (704 + 13600 + 2)) < 1e-9);
  assert.equal(c.feasible, true);
  assert.equal(
    systemCost(tiny, preset('weak-sensor-mipi', { ...unitPreset(), sensor: { ...unitPreset().sensor, memoryBytes: 177 } })).feasible,
    false,
  );
});

test('systemCost: multi-view takes Σ transfers on a shared link, the slowest on independent links, and counts concat fusion', () => {
  const shared = systemCost(tiny, unitPreset(true), { views: 2, fusion: 'concat' });
  const indep = systemCost(tiny, unitPreset(false), { views: 2, fusion: 'concat' });
  assert.equal(shared.linkSeconds, 5);
  assert.equal(indep.linkSeconds, 2.5);
  assert.equal(shared.linkBits, 400);
  // recover per view (2·128) + concat 1×1 on 4×4×8→4 (512) + p2.down (1152) + fc (80)
  assert.equal(shared.aggregatorMacs, 2000);
  assert.equal(systemCost(tiny, unitPreset(), { views: 2, fusion: 'max' }).aggregatorMacs, 2 * 128 + 1152 + 80);
  assert.equal(shared.sensorSeconds, 704 / 500); // sensors run in parallel
});

test('systemCost: split 0 sends the native uint8 image; split P sends float logits; no reduce sends the full width', () => {
  const p = unitPreset();
  const agg = systemCost({ ...tiny, split: 0 }, p);
  assert.equal(agg.bitsPerView, 28 * 28 * 1 * 8);
  assert.equal(agg.sensorMacs, 0);
  assert.equal(agg.sensorPeakBytes, 0);
  const sen = systemCost({ ...tiny, split: 2 }, p);
  assert.equal(sen.bitsPerView, 10 * 32);
  assert.equal(sen.aggregatorMacs, 0);
  assert.equal(sen.sensorMacs, 576 + 1152 + 80);
  const plain = systemCost({ ...tiny, reduce: null, bits: null }, p);
  assert.equal(plain.bitsPerView, 4 * 4 * 4 * 32);
  assert.equal(plain.sensorMacs, 576);
  assert.deepEqual(
    splitLayers({ ...tiny, split: 0 }, { views: 3 }).aggregatorPerView.map((l) => l.name),
    ['p1.down', 'p2.down'],
  );
});

test('transferSeconds rounds up to packets and sends nothing for 0 bits', () => {
  const link = unitPreset().link;
  assert.equal(transferSeconds(0, link), 0);
  assert.equal(transferSeconds(1, link), 1 + 0.5);
  assert.equal(transferSeconds(100, link), 1 + 0.5);
  assert.equal(transferSeconds(101, link), 2 + 0.5);
});

test('named errors: split past the last phase, c′ above the channels, missing preset field, negative bandwidth, unknown preset', () => {
  assert.throws(
    () => systemCost({ ...tiny, split: 3 }, unitPreset()),
    (e: Error) => e instanceof InvalidInput && /split = 3 is past the last phase/.test(e.message),
  );
  assert.throws(
    () => systemCost({ ...tiny, reduce: 5 }, unitPreset()),
    (e: Error) => e instanceof InvalidInput && /reduce = 5 exceeds the 4 channels/.test(e.message),
  );
  const missing = JSON.parse(JSON.stringify(unitPreset())) as { link: Record<string, unknown> };
  delete missing.link.packetBits;
  assert.throws(
    () => checkPreset(missing as unknown as Preset),
    (e: Error) => e instanceof InvalidInput && /missing the field link\.packetBits/.test(e.message),
  );
  assert.throws(
    () => preset('slow-wireless', { link: { bitsPerSecond: -5 } }),
    (e: Error) => e instanceof InvalidInput && /link\.bitsPerSecond must be > 0, got -5/.test(e.message),
  );
  assert.throws(
    () => preset('nope'),
    (e: Error) => e instanceof InvalidInput && /unknown preset "nope"/.test(e.message),
  );
  assert.throws(() => layerCost({ kind: 'conv', name: 'c', k: 0, cout: 1 }, { h: 2, w: 2, c: 1 }), InvalidInput);
});

test('presets: all three load, validate and name a source for every numeric constant', () => {
  assert.ok(PRESET_NAMES.length >= 3);
  for (const n of PRESET_NAMES) {
    const p = preset(n);
    for (const f of [
      'sensor.macsPerSecond',
      'sensor.memoryBytes',
      'link.bitsPerSecond',
      'link.overheadSeconds',
      'aggregator.macsPerSecond',
      'link.energyPerBit',
    ]) {
      assert.ok(typeof p.sources[f] === 'string' && p.sources[f]!.length > 0, `${n}: no source for ${f}`);
    }
  }
  // a copy: changing it does not change the next preset() call
  const p = preset() as { link: { bitsPerSecond: number } };
  p.link.bitsPerSecond = 1;
  assert.notEqual(preset().link.bitsPerSecond, 1);
});
