/**
 * MEMA C kernels exported for a user's model (`mema.exportKernels`): every exported `.c` compiles on its own for the
 * Cortex-M4 with -Wall -Werror, and, linked together into one harness, each layer's kernel gives on the M4 under QEMU
 * (mps2-an386) the same result bits as the host build, bit-exact with a naive loop of the same summation order.
 * Needs arm-none-eabi-gcc, qemu-system-arm and gcc (`npm run provision`); the tests say which tool is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { M4_FLAGS, emitHarness, exportKernels, m4BuildArgs, qemuM4Args } from '../kernel/mema';
import { importOnnx, resnet18Onnx } from '../kernel/model';

const FIX = join(__dirname, 'fixtures', 'mema');
const FIXTURES = { startup: join(FIX, 'startup.c'), linkLd: join(FIX, 'link.ld') };
const has = (tool: string) => spawnSync(tool, ['--version']).status === 0;
const missing = ['arm-none-eabi-gcc', 'qemu-system-arm', 'gcc'].filter((t) => !has(t));
const skip = missing.length ? `${missing.join(', ')} not installed (npm run provision installs them)` : false;
const dir = mkdtempSync(join(tmpdir(), 'mema-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// ResNet-18 at 16×16: real layer shapes (K up to 4608) with small N, so the on-target reference stays quick
const table = importOnnx(resnet18Onnx({ seed: 1, size: 16 }));

test('exported MEMA kernels of ResNet-18 compile for the Cortex-M4 and link together', { skip }, () => {
  const ex = exportKernels(table, dir, { hardware: 'cortex-m4' });
  assert.equal(ex.kernels.length, table.layers.length, `skipped: ${JSON.stringify(ex.skipped)}`);
  const src = join(dir, 'mema');
  assert.equal(readdirSync(src).filter((f) => f.endsWith('.c')).length, ex.kernels.length);
  // every layer's symbols are its own (21 files linked into one firmware must not clash)
  assert.equal(new Set(ex.kernels.flatMap((k) => [k.fn, k.kernel])).size, 2 * ex.kernels.length);
  // files of one schedule differ only in their names and sizes: compile one per schedule (21 files → 5 compiles)
  // after checking that, with the names blanked, every file's kernel code equals its representative's
  const kernelCode = (k: (typeof ex.kernels)[number]) => {
    const c = readFileSync(join(dir, k.file), 'utf8');
    return c.slice(c.indexOf('#include "mema_layers.h"'), c.indexOf('/* Layer ')).split(k.fn).join('FN');
  };
  const reps = new Map<string, (typeof ex.kernels)[number]>();
  for (const k of ex.kernels) {
    const r = reps.get(k.schedule);
    if (!r) reps.set(k.schedule, k);
    else assert.equal(kernelCode(k), kernelCode(r), `${k.name}: same schedule as ${r.name} but different code`);
  }
  const cs = [...reps.values()].map((k) => `${k.fn}.c`);
  // one compiler run, one translation unit per file (-c with several inputs writes <file>.o each into cwd)
  execFileSync('arm-none-eabi-gcc', [...M4_FLAGS, '-I', src, '-c', ...cs.map((f) => join(src, f))], { cwd: dir });
  // the header declares every wrapper, and the objects link together (no clashing symbols)
  const h = readFileSync(join(src, 'mema_layers.h'), 'utf8');
  for (const k of ex.kernels) assert.ok(h.includes(`void ${k.fn}(const float *A, const float *B, float *C);`), k.fn);
  execFileSync('arm-none-eabi-ld', ['-r', ...cs.map((f) => join(dir, f.replace(/\.c$/, '.o'))), '-o', join(dir, 'all.o')]);
});

test('exported kernels give the host result on the Cortex-M4 under QEMU (a few ResNet-18 layers)', { skip }, () => {
  const out = join(dir, 'q');
  const ex = exportKernels(table, out);
  // the first conv of each stage and the classifier (distinct shapes), as long as A fits the board's 4 MB RAM
  const pick = ex.kernels.filter((k) => /^conv1$|layer\d\.0\.conv1|^fc$/.test(k.name) && k.M * k.K <= 600_000);
  assert.ok(pick.length >= 4);
  const srcs = pick.map((k) => readFileSync(join(out, k.file), 'utf8').replace('#include "mema_layers.h"', ''));
  const c = emitHarness(
    srcs,
    pick.map((k) => ({ kernel: k.kernel, M: k.M, K: k.K, N: k.N })),
  );
  const cf = join(dir, 'h.c');
  writeFileSync(cf, c);
  execFileSync('gcc', ['-O2', '-ffp-contract=off', '-Wall', '-Werror', cf, '-o', join(dir, 'host'), '-lm']);
  const parse = (s: string) =>
    s
      .split('\n')
      .filter((l) => l.startsWith('case '))
      .map((l) => l.split(/\s+/));
  const host = parse(execFileSync(join(dir, 'host')).toString());
  assert.equal(host.length, pick.length);
  for (const l of host) assert.equal(l[13], '1', `host: layer ${l[1]} not bit-exact vs the naive loop`);
  const elf = join(dir, 'h.elf');
  execFileSync('arm-none-eabi-gcc', m4BuildArgs(FIXTURES, cf, elf));
  const q = spawnSync('qemu-system-arm', qemuM4Args(elf), { timeout: 240_000, maxBuffer: 1 << 24 });
  const arm = parse(q.stdout.toString());
  assert.equal(q.status, 0, `qemu exit ${q.status}: ${q.stdout.toString().slice(-300)} ${q.stderr}`);
  assert.equal(arm.length, pick.length);
  arm.forEach((l, i) => {
    assert.equal(l[11], host[i]![11], `${pick[i]!.name}: M4 result differs from the host build`);
    assert.equal(l[13], '1', `${pick[i]!.name}: not bit-exact on the M4`);
  });
});
