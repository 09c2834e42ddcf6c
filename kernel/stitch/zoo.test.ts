import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../core/backend';
import { loadMnist } from '../core/data';
import { NotFound } from '../core/errors';
import { loadZoo, zooDir, zooManifest, ZOO } from './zoo';
import { analyse, buildChain } from './graph';
import { fitStitch } from './fit';
import { boundaryActs, imagesToActs } from './search';
import { knnAccuracy } from './evaluate';

before(async () => {
  await init({ backend: 'wasm', verbose: false });
});

function du(dir: string): number {
  return readdirSync(dir).reduce((a, f) => {
    const p = join(dir, f);
    const s = statSync(p);
    return a + (s.isDirectory() ? du(p) : s.size);
  }, 0);
}

test('the shipped zoo loads: shapes, fragments (no cut inside residual blocks or at depthwise convs), size', async () => {
  const zoo = await loadZoo();
  try {
    assert.deepEqual(
      zoo.map((z) => z.name),
      ZOO.map((z) => z.name),
    );
    const frags: Record<string, number> = {};
    for (const z of zoo) {
      assert.deepEqual(z.model.inputs[0]!.shape, [null, 28, 28, 1], z.name);
      assert.deepEqual(z.model.outputs[0]!.shape, [null, ZOO.find((s) => s.name === z.name)!.train.source === 'both' ? 20 : 10], z.name);
      const g = analyse(z.model, z.name);
      frags[z.name] = g.fragments.length;
      for (const f of g.fragments.slice(1)) {
        for (const r of f.receivers) assert.ok(['Conv2D', 'Dense'].includes(z.model.getLayer(r).getClassName()));
      }
      const classes = g.fragments.map((f) => f.layers.map((l) => z.model.getLayer(l).getClassName()));
      for (const c of classes)
        if (c.includes('Add'))
          assert.ok(c.filter((x) => x === 'Add').length === 1 && c.indexOf('Add') > 0, `${z.name}: add inside a fragment`);
      for (const c of classes.slice(1)) assert.notEqual(c[0], 'DepthwiseConv2D');
    }
    // fragments per family: vgg 6, wide 5, res 3 (no cut inside a residual block), dsconv 4 (no cut at a depthwise conv)
    const perFamily = { vgg: 6, wide: 5, res: 3, dsconv: 4 };
    for (const s of ZOO) assert.equal(frags[s.name], perFamily[s.arch], s.name);
    assert.ok(new Set(ZOO.map((s) => s.arch)).size >= 3 && ZOO.length >= 10);
    assert.ok(du(zooDir()) < 5 * 1024 * 1024, `zoo is ${du(zooDir())} bytes`);
    const manifest = zooManifest();
    for (const s of ZOO) assert.ok(typeof manifest[s.name]?.testAcc === 'number', `${s.name} has a test accuracy in zoo.json`);
  } finally {
    zoo.forEach((z) => z.model.dispose());
  }
  await assert.rejects(loadZoo({ names: ['nope'] }), NotFound);
});

test('zoo self-stitch at every cut of vgg-s1 on 256 MNIST images keeps the k-NN accuracy (±0.5 points)', async () => {
  const [z] = await loadZoo({ names: ['vgg-s1'] });
  try {
    const fit = loadMnist({ split: 'train', limit: 256 });
    const test = loadMnist({ split: 'test', limit: 600 });
    const g = analyse(z!.model, 'vgg-s1');
    const acts = boundaryActs(g, imagesToActs(fit));
    const pieces = g.fragments.map((_, k) => {
      if (k === 0) return { graph: g, fragment: 0, A: null, d1: 0, bias: null, gap: false };
      const s = fitStitch(acts[k]!, acts[k]!);
      return { graph: g, fragment: k, A: s.A, d1: s.d1, bias: null, gap: false };
    });
    const m = buildChain(pieces, [28, 28, 1]);
    const a0 = knnAccuracy(z!.model, { fit, test }),
      a1 = knnAccuracy(m, { fit, test });
    m.dispose();
    assert.ok(Math.abs(a0 - a1) <= 0.005, `${a0} → ${a1}`);
  } finally {
    z!.model.dispose();
  }
});
