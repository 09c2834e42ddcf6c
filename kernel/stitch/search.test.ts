import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, tf } from '../core/backend';
import { expectNoLeak, relErr } from '../core/testing';
import { InvalidInput } from '../core/errors';
import { saveLayersModel, loadLayersModel } from '../core/io';
import { analyse } from './graph';
import { search, runModel, imagesToActs, type SearchOptions, type StitchedNet } from './search';
import { chainText } from './figures';
import { toyA, toyB, toyC, toyImages } from './toy.test-util';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

async function collect(opts: SearchOptions): Promise<StitchedNet[]> {
  const out: StitchedNet[] = [];
  for await (const n of search(opts)) out.push(n);
  return out;
}

/** Every valid chain, enumerated independently: start fragment, then distinct non-first fragments, an end last,
 *  at most maxDepth fragments, and no 2-D output feeding a 4-D input. */
function allChains(models: tf.LayersModel[], maxDepth: number): string[] {
  const frs = models.flatMap((m) => analyse(m).fragments.map((f) => ({ ...f, net: m.name })));
  const out: string[] = [];
  const rec = (chain: typeof frs) => {
    const last = chain[chain.length - 1]!;
    if (last.isEnd && chain.length > 1) {
      out.push(chain.map((f) => `${f.net}#${f.index}`).join(' → '));
      return;
    }
    if (chain.length >= maxDepth) return;
    for (const f of frs) {
      if (f.isStart || chain.includes(f)) continue;
      if (last.outShape.length === 1 && f.inShape.length === 3) continue;
      if (chain.length + 1 === maxDepth && !f.isEnd) continue;
      rec([...chain, f]);
    }
  };
  for (const f of frs) if (f.isStart) rec([f]);
  return out.sort();
}

test('K = ∞, T = TT = 0 yields exactly every valid chain; raising T or TT only removes networks', async () => {
  const models = [toyA(), toyB(), toyC()];
  const data = toyImages(16);
  try {
    for (const maxDepth of [3, 5]) {
      const all = await collect({ nets: models, data, K: Infinity, T: 0, TT: 0, maxDepth });
      const got = all.map(chainText).sort();
      assert.equal(new Set(got).size, got.length, 'no duplicates');
      assert.deepEqual(got, allChains(models, maxDepth));
      const scores = all.flatMap((n) => n.stitchScores).sort((a, b) => a - b);
      const base = new Set(got);
      let prev = base;
      for (const q of [0.25, 0.5, 0.75]) {
        const T = scores[Math.floor(q * scores.length)]!;
        const sub = (await collect({ nets: models, data, K: Infinity, T, TT: 0, maxDepth })).map(chainText);
        assert.ok(
          sub.every((c) => prev.has(c)),
          `T = ${T} added a network`,
        );
        assert.ok(sub.length < base.size);
        prev = new Set(sub);
      }
      const totals = all.map((n) => n.score).sort((a, b) => a - b);
      prev = base;
      for (const q of [0.3, 0.6, 0.9]) {
        const TT = totals[Math.floor(q * totals.length)]!;
        const nets = await collect({ nets: models, data, K: Infinity, T: 0, TT, maxDepth });
        assert.ok(
          nets.every((n) => prev.has(chainText(n)) && n.score >= TT - 1e-12),
          `TT = ${TT}`,
        );
        prev = new Set(nets.map(chainText));
      }
      // K applies before the filters: K = 2 with a threshold is a subset of K = 2 without
      const k2 = new Set((await collect({ nets: models, data, K: 2, T: 0, TT: 0, maxDepth })).map(chainText));
      const k2t = (await collect({ nets: models, data, K: 2, T: scores[scores.length >> 1]!, TT: 0, maxDepth })).map(chainText);
      assert.ok([...k2].every((c) => base.has(c)) && k2t.every((c) => k2.has(c)));
      // K = 1 is a greedy path: at most one network per start fragment
      const k1 = await collect({ nets: models, data, K: 1, T: 0, TT: 0, maxDepth });
      const perStart = new Map<string, number>();
      for (const n of k1) perStart.set(n.chain[0]!.id, (perStart.get(n.chain[0]!.id) ?? 0) + 1);
      assert.ok([...perStart.values()].every((v) => v === 1) && k1.every((n) => base.has(chainText(n))));
    }
  } finally {
    models.forEach((m) => m.dispose());
  }
});

test('a search leaves no tensors; stitched networks export as ordinary tfjs models and reload with the same outputs', async () => {
  const models = [toyA(), toyB(), toyC()];
  const data = toyImages(16);
  const dir = mkdtempSync(join(tmpdir(), 'stitch-'));
  try {
    const nets = await expectNoLeak(() => collect({ nets: models, data, K: 2, TT: 0, maxDepth: 4 }), 'search');
    assert.ok(nets.length > 0);
    const multi = nets.find((n) => n.sources >= 2)!;
    assert.ok(multi, 'some network mixes sources');
    const m = multi.toModel();
    assert.equal(m.countParams(), multi.params);
    const x = imagesToActs(data);
    const y0 = runModel(m, x);
    assert.ok(relErr(y0.data, multi.output.data) < 1e-5, 'toModel reproduces the search-time output');
    await saveLayersModel(m, dir);
    m.dispose();
    const back = await loadLayersModel(dir);
    assert.ok(relErr(runModel(back, x).data, y0.data) < 1e-6);
    back.dispose();
  } finally {
    models.forEach((mm) => mm.dispose());
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search validates its options and data', async () => {
  const a = toyA();
  try {
    await assert.rejects(collect({ nets: [a], data: toyImages(8), K: 0 }), InvalidInput);
    await assert.rejects(
      collect({ nets: [a, a], data: toyImages(8) }),
      (e: Error) => e instanceof InvalidInput && /duplicate/.test(e.message),
    );
    await assert.rejects(collect({ nets: [a], data: { images: new Float32Array(8 * 100), n: 8, height: 10, width: 10 } }), InvalidInput);
    const bad = toyImages(8);
    bad.images[5] = NaN;
    await assert.rejects(collect({ nets: [a], data: bad }), (e: Error) => e instanceof InvalidInput && /NaN/.test(e.message));
    await assert.rejects(collect({ nets: [a], data: toyImages(8), starts: ['nope'] }), InvalidInput);
  } finally {
    a.dispose();
  }
});
