import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInput } from '../core/errors';
import { readHardware, sparseCacheDims, tileModel } from './tiles';

// Golden rows computed by hand from the authors' formulas (Rosko's block_sizing_sp.cpp get_sparse_cache_dims, arXiv:2307.03930), m_r×n_r = 6×16.
const VM = { l2: 1 << 20, l3: 32 << 20, p: 2, mr: 6, nr: 16 };
const I9 = { l2: 256 << 10, l3: 20 << 20, p: 10, mr: 6, nr: 16 };
const BIG = { M: 10000, K: 10000, N: 10000 };
const GOLDEN: [string, Parameters<typeof sparseCacheDims>[0], [number, number, number]][] = [
  ['vm alg2 d=0.1', { ...VM, ...BIG, density: 0.1, alg: 2 }, [936, 10000, 1872]],
  ['vm alg2 d=0.02', { ...VM, ...BIG, density: 0.02, alg: 2 }, [1314, 10000, 2624]],
  ['vm alg0 d=0.1', { ...VM, ...BIG, density: 0.1, alg: 0 }, [1134, 960, 2256]],
  ['vm alg0 512x2048x2048 (fallback quirk)', { ...VM, M: 512, K: 2048, N: 2048, density: 0.1, alg: 0 }, [6, 960, 2048]],
  ['i9 alg2 d=0.1', { ...I9, ...BIG, density: 0.1, alg: 2 }, [186, 3280, 1856]],
  ['i9 alg0 d=0.1', { ...I9, ...BIG, density: 0.1, alg: 0 }, [210, 450, 2096]],
];

test('sparseCacheDims reproduces the golden table exactly', () => {
  for (const [name, input, [mc, kc, nc]] of GOLDEN) assert.deepEqual(sparseCacheDims(input), { mc, kc, nc }, name);
});

test('sparseCacheDims: alg 1 and 3 follow their equations; caps and clamps hold', () => {
  for (const d of [0.3, 0.1, 0.02, 0.002])
    for (const p of [1, 2, 10]) {
      const o = { ...VM, p, ...BIG, density: d };
      const a1 = sparseCacheDims({ ...o, alg: 1 });
      const mc1 = Math.trunc(Math.sqrt(VM.l3 / 4 / (p * (3 * d + 1 + p))));
      assert.equal(a1.mc, mc1 - (mc1 % 6));
      assert.equal(a1.kc, Math.trunc((VM.l2 / 4 - 16 * (mc1 - (mc1 % 6))) / (3 * d * (mc1 - (mc1 % 6)) + 16)));
      const a3 = sparseCacheDims({ ...o, alg: 3 });
      assert.equal(a3.mc % 6, 0);
      assert.ok(a3.kc - a3.mc < 6 && a3.kc >= a3.mc);
      const a2 = sparseCacheDims({ ...o, alg: 2 });
      assert.ok(a2.kc <= BIG.K && a2.mc % 6 === 0 && a2.nc % 16 === 0, `alg2 d=${d} p=${p}`);
      // A_sp + B panel + C block fit L3 (words) with the computed m_c
      assert.ok(p * p * a2.mc ** 2 + 2.5 * d * p * a2.kc * a2.mc + 16 * a2.kc <= (VM.l3 / 4) * 1.0001);
    }
  // small-M clamp: ⌊M/p⌋ rounded up to m_r (adds m_r even when already a multiple, as in the code)
  assert.equal(sparseCacheDims({ ...VM, M: 512, K: 4096, N: 4096, density: 0.01, alg: 2 }).mc, 258);
  assert.equal(sparseCacheDims({ ...VM, M: 7, K: 4096, N: 4096, density: 0.01, alg: 2 }).mc, 6);
});

test('readHardware parses sysfs and honours overrides', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sysfs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const put = (i: number, level: number, type: string, size: string) => {
    mkdirSync(join(dir, `index${i}`));
    for (const [f, v] of [
      ['level', `${level}\n`],
      ['type', `${type}\n`],
      ['size', `${size}\n`],
    ])
      writeFileSync(join(dir, `index${i}`, f!), v!);
  };
  put(0, 1, 'Data', '48K');
  put(1, 1, 'Instruction', '32K');
  put(2, 2, 'Unified', '1024K');
  put(3, 3, 'Unified', '32M');
  const hw = readHardware({ cores: 2 }, dir);
  assert.equal(hw.l1, 48 * 1024);
  assert.equal(hw.l2, 1 << 20);
  assert.equal(hw.l3, 32 << 20);
  assert.equal(hw.cores, 2);
  assert.match(hw.source, /sysfs\+override/);
  assert.equal(readHardware({ l2: 512 * 1024 }, dir).l2, 512 * 1024);
  assert.throws(() => readHardware({ l2: -1 }, dir), InvalidInput);
  assert.equal(readHardware({}, join(dir, 'missing')).source, 'default');
});

test('tileModel: picks alg by density, clamps, explains, rejects bad input', () => {
  const hw = { l1: 48 * 1024, l2: 1 << 20, l3: 32 << 20, cores: 2, source: 'test' };
  const t = tileModel(hw, { M: 1024, K: 1024, N: 1024 }, 0.1);
  assert.equal(t.alg, 0);
  assert.equal(t.mr, 128);
  assert.equal(t.nr, 32);
  assert.ok(t.mc >= t.mr && t.kc <= 1024 && t.nc % t.nr === 0);
  assert.ok(
    t.why.some((w) => /fell back/.test(w)),
    'alg-0 fallback is replaced and explained',
  );
  assert.equal(tileModel(hw, { M: 1024, K: 1024, N: 1024 }, 0.1, { quirks: true }).mc, 128);
  assert.equal(tileModel(hw, { M: 1024, K: 1024, N: 1024 }, 0.02).alg, 2);
  assert.throws(() => tileModel(hw, { M: 1024, K: -1, N: 4 }, 0.1), InvalidInput);
  assert.throws(() => tileModel(hw, { M: 4, K: 4, N: 4 }, NaN), InvalidInput);
  assert.throws(() => tileModel(hw, { M: 4, K: 4, N: 4 }, 0.5, { nr: 24 as 16 }), InvalidInput);
});

test("C_p cap: a core's C_p block is shrunk into L2 (2048×512×2048 at 90% picks an 8 MiB block uncapped)", () => {
  const hw = { l1: 48 << 10, l2: 1 << 20, l3: 32 << 20, cores: 2, source: 'test' };
  const raw = tileModel(hw, { M: 2048, K: 512, N: 2048 }, 0.1, { maxCpBytes: 0 });
  assert.ok(raw.mc * raw.nc * 4 >= 8 << 20, `uncapped ${raw.mc}×${raw.nc}`);
  const t = tileModel(hw, { M: 2048, K: 512, N: 2048 }, 0.1);
  assert.ok(t.mc * t.nc * 4 <= hw.l2, `capped ${t.mc}×${t.nc}`);
  assert.equal(t.mc % t.mr, 0);
  assert.equal(t.nc % t.nr, 0);
  assert.ok(
    t.mc >= 2 * t.mr && t.nc >= 4 * t.nr && t.mc < raw.mc && t.nc < raw.nc,
    `shrunk in both dimensions, not to a sliver: ${t.mc}×${t.nc}`,
  );
  assert.match(t.why.join('\n'), /exceeds/);
  // a block already within L2 is left alone
  const small = tileModel(hw, { M: 512, K: 512, N: 256 }, 0.1);
  assert.deepEqual(
    [small.mc, small.nc],
    [
      tileModel(hw, { M: 512, K: 512, N: 256 }, 0.1, { maxCpBytes: 0 }).mc,
      tileModel(hw, { M: 512, K: 512, N: 256 }, 0.1, { maxCpBytes: 0 }).nc,
    ],
  );
});
