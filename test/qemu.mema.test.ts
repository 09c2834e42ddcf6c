/**
 * MEMA emitted C, checked two ways:
 *  1. host gcc build with counting macros: per-operand load/store counts = the simulator, on the 20 TinyML
 *     layers (MEMA FP32 padding) and 200+ random shapes with M, K, N ≤ 40; results bit-exact vs a naive loop;
 *  2. Cortex-M4 (mps2-an386) under QEMU with semihosting: the same layers bit-exact with the host build and
 *     normwise error ≤ 1e-5; arm-none-eabi-objdump: the hot loop has exactly the loads/MACs the model predicts, no spills.
 * QEMU is functional only: no time or energy claims.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from '../kernel/core/rng';
import {
  deriveSchedule,
  simulate,
  CORTEX_M4,
  TINYML_LAYERS_FP32,
  TINYML_LAYERS_Q15,
  feasibleTiles,
  BASELINE_NEST,
  scheduleName,
  type LoopNest,
} from '../kernel/mema';
import {
  emitFp32,
  emitBaseline,
  kernelName,
  emitHarness,
  type HarnessCase,
  innerLoopStats,
  emitQ15Harness,
  q15Counts,
  emitCmsisF32,
  emitCmsisQ15,
  CMSIS_F32_NAME,
  traceKernels,
  m4BuildArgs,
  qemuM4Args,
} from '../kernel/mema';

const FIX = join(__dirname, 'fixtures', 'mema');
const FIXTURES = { startup: join(FIX, 'startup.c'), linkLd: join(FIX, 'link.ld') };

interface Line {
  M: number;
  K: number;
  N: number;
  cnt: number[];
  hash: string;
  exact: number;
  rel: number;
  ticks: number;
}
function parse(out: string): Line[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('case '))
    .map((l) => {
      const t = l.split(/\s+/);
      return {
        M: +t[2]!,
        K: +t[3]!,
        N: +t[4]!,
        cnt: t.slice(6, 10).map(Number),
        hash: t[11]!,
        exact: +t[13]!,
        rel: +t[15]!,
        ticks: +t[17]!,
      };
    });
}

function build(nests: LoopNest[], cases: HarnessCase[]): string {
  const srcs = new Map<string, string>();
  for (const n of nests) srcs.set(kernelName(n), emitFp32(n).code);
  srcs.set('base', emitBaseline().code);
  return emitHarness([...srcs.values()], cases);
}

const baseName = emitBaseline().name;
const layerNests = TINYML_LAYERS_FP32.map((l) => deriveSchedule(CORTEX_M4, l.M, l.K, l.N).nest);
const layerCases: HarnessCase[] = [
  ...TINYML_LAYERS_FP32.map((l, i) => ({ kernel: kernelName(layerNests[i]!), M: l.M, K: l.K, N: l.N })),
  ...TINYML_LAYERS_FP32.map((l) => ({ kernel: baseName, M: l.M, K: l.K, N: l.N })),
];
const dir = mkdtempSync(join(tmpdir(), 'mema-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('host instrumented build: counts = simulator on benchmark layers and 220 random shapes ≤ 40', () => {
  const r = rng(11);
  const pool: LoopNest[] = (['KMN', 'MKN', 'NKM'] as const).flatMap((s) => {
    const f = feasibleTiles(s, 32);
    return [f[r.int(f.length)]!, f[r.int(f.length)]!];
  });
  const nests: LoopNest[] = [...layerNests, ...pool];
  const cases: HarnessCase[] = [...layerCases];
  const caseNest: LoopNest[] = [...layerNests, ...TINYML_LAYERS_FP32.map(() => BASELINE_NEST)];
  for (let t = 0; t < 220; t++) {
    const M = 1 + r.int(40),
      K = 1 + r.int(40),
      N = 1 + r.int(40);
    const nest = t % 2 ? deriveSchedule(CORTEX_M4, M, K, N).nest : pool[r.int(pool.length)]!;
    nests.push(nest);
    cases.push({ kernel: kernelName(nest), M, K, N });
    caseNest.push(nest);
  }
  const c = join(dir, 'host.c'),
    exe = join(dir, 'host');
  writeFileSync(c, build(nests, cases));
  execFileSync('gcc', ['-O1', '-DMEMA_COUNT', '-ffp-contract=off', '-Wall', '-Werror', c, '-o', exe, '-lm']);
  const lines = parse(execFileSync(exe, { maxBuffer: 1 << 24 }).toString());
  assert.equal(lines.length, cases.length);
  lines.forEach((l, i) => {
    const s = simulate(caseNest[i]!, l.M, l.K, l.N);
    assert.deepEqual(
      l.cnt,
      [s.aLoads, s.bLoads, s.cLoads, s.cStores],
      `case ${i} ${scheduleName(caseNest[i]!)} ${JSON.stringify(caseNest[i])} ${l.M}x${l.K}x${l.N}`,
    );
    assert.equal(l.exact, 1, `case ${i} not bit-exact vs the naive loop`);
    assert.ok(l.rel <= 1e-5, `case ${i} rel ${l.rel}`);
  });
});

test('Cortex-M4 under QEMU (mps2-an386): 20 layers, analytic + baseline, bit-exact with host, static loop check', () => {
  const c = join(dir, 'arm.c'),
    elf = join(dir, 'arm.elf'),
    host = join(dir, 'hostref');
  writeFileSync(c, build(layerNests, layerCases));
  execFileSync('gcc', ['-O2', '-ffp-contract=off', '-Wall', '-Werror', c, '-o', host, '-lm']);
  const ref = parse(execFileSync(host).toString());
  execFileSync('arm-none-eabi-gcc', m4BuildArgs(FIXTURES, c, elf));
  const q = spawnSync(
    'qemu-system-arm',
    qemuM4Args(elf, ['-icount', 'shift=0']),
    { timeout: 300_000, maxBuffer: 1 << 24 }, // the on-target double-precision reference is slow; shared CI machines are loaded
  );
  const out = q.stdout.toString();
  assert.equal(q.status, 0, `qemu exit ${q.status}: ${out.slice(-500)} ${q.stderr}`);
  const arm = parse(out);
  assert.equal(arm.length, layerCases.length);
  arm.forEach((l, i) => {
    assert.equal(l.hash, ref[i]!.hash, `case ${i}: M4 result differs from host build`);
    assert.equal(l.exact, 1);
    assert.ok(l.rel <= 1e-5, `case ${i} rel ${l.rel}`);
  });
  // instruction counts (icount: ≈ 40 instructions per SysTick tick): the analytic kernel executes fewer instructions
  // than the 2×2 baseline on every layer (functional count, not time)
  const nL = TINYML_LAYERS_FP32.length;
  const ratios = TINYML_LAYERS_FP32.map((_, i) => arm[nL + i]!.ticks / arm[i]!.ticks);
  ratios.forEach((r, i) => assert.ok(arm[i]!.ticks > 0 && r > 1, `layer ${i + 1}: baseline/analytic instruction ratio ${r}`));
  if (process.env.MEMA_REPORT) console.log('baseline/analytic instructions per layer:', ratios.map((r) => r.toFixed(2)).join(' '));
  // static check: the full-tile kernel's hot loop
  const dump = execFileSync('arm-none-eabi-objdump', ['-d', elf], { maxBuffer: 1 << 26 }).toString();
  for (const nest of [...new Set(layerNests.map((n) => JSON.stringify(n)))]
    .map((s) => JSON.parse(s) as LoopNest)
    .concat([{ order: ['N', 'M', 'K'], m: 2, k: 1, n: 2 }])) {
    const name = nest.m === 2 && nest.n === 2 && scheduleName(nest) === 'KMN' ? baseName : kernelName(nest);
    const s = scheduleName(nest);
    const variants =
      s === 'KMN'
        ? [{ fn: `${name}_t${nest.m}x${nest.n}`, loads: nest.m + nest.n, macs: nest.m * nest.n }]
        : s === 'MKN'
          ? [
              { fn: `${name}_t${nest.k}x${nest.n}`, loads: nest.k + nest.n, macs: nest.k * nest.n },
              { fn: `${name}_t${nest.k}x${nest.n}_first`, loads: nest.k, macs: nest.k * nest.n },
            ]
          : [
              { fn: `${name}_t${nest.m}x${nest.k}`, loads: nest.k + nest.m, macs: nest.k * nest.m },
              { fn: `${name}_t${nest.m}x${nest.k}_first`, loads: nest.k, macs: nest.k * nest.m },
            ];
    for (const v of variants) {
      const st = innerLoopStats(dump, v.fn);
      assert.equal(st.fpLoads, v.loads, `${v.fn} loads`);
      assert.equal(st.macs, v.macs, `${v.fn} MACs`);
      assert.equal(st.stackAccesses, 0, `${v.fn} spills`);
      assert.equal(st.fpStores, s === 'KMN' ? 0 : s === 'MKN' ? nest.n : nest.m, `${v.fn} stores`);
    }
  }
});

test('Q15 4×2×2 SMLAD kernel: host counts = model (layers + 200 random), QEMU bit-exact with CMSIS semantics, 6 loads + 8 SMLAD per 2-K step', () => {
  const r = rng(21);
  const shapes = [...TINYML_LAYERS_Q15.map((l) => ({ M: l.M, K: l.K, N: l.N }))];
  for (let t = 0; t < 200; t++) shapes.push({ M: 1 + r.int(40), K: 1 + r.int(40), N: 1 + r.int(40) });
  const c = join(dir, 'q.c'),
    exe = join(dir, 'q');
  writeFileSync(c, emitQ15Harness(shapes));
  execFileSync('gcc', ['-O1', '-DMEMA_COUNT', '-Wall', '-Werror', c, '-o', exe]);
  const parseQ = (out: string) =>
    out
      .split('\n')
      .filter((l) => l.startsWith('qcase '))
      .map((l) => l.split(/\s+/));
  const host = parseQ(execFileSync(exe, { maxBuffer: 1 << 24 }).toString());
  assert.equal(host.length, shapes.length);
  host.forEach((t, i) => {
    const q = q15Counts(shapes[i]!.M, shapes[i]!.K, shapes[i]!.N);
    assert.deepEqual(t.slice(6, 11).map(Number), [q.aLoads, q.bLoads, q.cStores, q.transposeReads, q.transposeWrites], `q15 case ${i}`);
    assert.equal(t[14], '1', `q15 case ${i} not bit-exact`);
  });
  // the 20 layers on the emulated Cortex-M4
  const ca = join(dir, 'qa.c'),
    elf = join(dir, 'qa.elf');
  writeFileSync(ca, emitQ15Harness(shapes.slice(0, TINYML_LAYERS_Q15.length)));
  execFileSync('arm-none-eabi-gcc', m4BuildArgs(FIXTURES, ca, elf));
  const q = spawnSync('qemu-system-arm', qemuM4Args(elf), { timeout: 120_000, maxBuffer: 1 << 24 });
  assert.equal(q.status, 0, `qemu exit ${q.status}`);
  const arm = parseQ(q.stdout.toString());
  assert.equal(arm.length, TINYML_LAYERS_Q15.length);
  arm.forEach((t, i) => {
    assert.equal(t[12], host[i]![12], `q15 layer ${i + 1} hash`);
    assert.equal(t[14], '1');
  });
  const st = innerLoopStats(execFileSync('arm-none-eabi-objdump', ['-d', elf], { maxBuffer: 1 << 26 }).toString(), 'outer_q15_4x2x2_t4x2');
  assert.equal(st.smlad, 8);
  assert.equal(st.intLoads, 6);
});

test('CMSIS-style baselines: host counts = hand formulas (arm_mat_mult_f32: 2 loads per MAC; fully-connected q15: 2 rows share the vector words), bit-exact', () => {
  const r = rng(33);
  const shapes = [...TINYML_LAYERS_FP32.slice(0, 6).map((l) => ({ M: l.M, K: l.K, N: l.N }))];
  for (let t = 0; t < 60; t++) shapes.push({ M: 1 + r.int(30), K: 1 + r.int(30), N: 1 + r.int(30) });
  // FP32: one accumulator per output ⇒ every MAC loads one A and one B value; C written once
  const c = join(dir, 'cf.c'),
    exe = join(dir, 'cf');
  writeFileSync(
    c,
    emitHarness(
      [emitCmsisF32().code],
      shapes.map((s) => ({ kernel: CMSIS_F32_NAME, ...s })),
    ),
  );
  execFileSync('gcc', ['-O1', '-DMEMA_COUNT', '-ffp-contract=off', '-Wall', '-Werror', c, '-o', exe, '-lm']);
  parse(execFileSync(exe, { maxBuffer: 1 << 24 }).toString()).forEach((l, i) => {
    const mnk = l.M * l.N * l.K;
    assert.deepEqual(l.cnt, [mnk, mnk, 0, l.M * l.N], `f32 case ${i}`);
    assert.equal(l.exact, 1, `f32 case ${i} not bit-exact vs the naive loop`);
  });
  // Q15 (K even for the word loads, as the padded layers): per column, each row pair loads K/4·2 vector words + K%4
  // halfwords, every row K/4·2 words + K%4 halfwords; B transposed once (K·N reads and writes)
  const q = shapes.map((s) => ({ ...s, K: s.K + (s.K % 2) }));
  const cq = join(dir, 'cq.c'),
    exq = join(dir, 'cq');
  writeFileSync(cq, emitQ15Harness(q, emitCmsisQ15()));
  execFileSync('gcc', ['-O1', '-DMEMA_COUNT', '-Wall', '-Werror', cq, '-o', exq]);
  const lines = execFileSync(exq, { maxBuffer: 1 << 24 })
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('qcase '))
    .map((l) => l.split(/\s+/));
  assert.equal(lines.length, q.length);
  lines.forEach((t, i) => {
    const { M, K, N } = q[i]!;
    const perRow = 2 * Math.floor(K / 4) + (K % 4);
    assert.deepEqual(t.slice(6, 11).map(Number), [N * M * perRow, N * Math.ceil(M / 2) * perRow, M * N, K * N, K * N], `q15 case ${i}`);
    assert.equal(t[14], '1', `q15 case ${i} not bit-exact`);
  });
});

test('QEMU trace: FP loads, vmla and stores counted from the execution trace equal the model; ours = CMSIS-style bit for bit', async () => {
  const [M, K, N] = [20, 12, 30];
  const nest = deriveSchedule(CORTEX_M4, M, K, N).nest; // 5×5: 20 and 30 are multiples of 5
  const tr = await traceKernels({
    sources: [emitFp32(nest).code, emitCmsisF32().code],
    cases: [
      { dtype: 'f32', kernel: kernelName(nest), M, K, N },
      { dtype: 'f32', kernel: CMSIS_F32_NAME, M, K, N },
    ],
    fixtures: FIXTURES,
    timeoutMs: 120_000,
  });
  assert.deepEqual(tr.armHash, tr.hostHash);
  assert.equal(tr.armHash[0], tr.armHash[1], 'same summation order ⇒ identical results');
  const [ours, base] = tr.mixes as [(typeof tr.mixes)[0], (typeof tr.mixes)[0]];
  assert.equal(ours.byClass['fp-mac'], M * K * N);
  assert.equal(base.byClass['fp-mac'], M * K * N);
  // loads: the simulator's A + B counts for the 5×5 nest; 2·MNK for one accumulator per output
  const s = simulate(nest, M, K, N);
  assert.equal(ours.byClass['fp-load'], s.aLoads + s.bLoads);
  assert.equal(base.byClass['fp-load'], 2 * M * K * N);
  assert.equal(ours.byClass['fp-store'], M * N);
  assert.ok(base.cycles > ours.cycles);
});
