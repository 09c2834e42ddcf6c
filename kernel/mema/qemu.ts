/**
 * Per-layer instruction mix and estimated cycles of emitted kernels on an emulated Cortex-M4 (QEMU mps2-an386).
 * Builds one ELF with every kernel and a harness that brackets each kernel call with calls to `mema_mark`, runs it with
 * `-d in_asm,exec,nochain` streamed through a FIFO into `TraceMix` (trace.ts), and checks each result's hash against
 * the same harness built for the host. Needs arm-none-eabi-gcc, qemu-system-arm, host gcc (`npm run provision`).
 * QEMU is functional: instruction counts are exact for this binary, cycles are the TRM-table estimate of trace.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidInput, throwIfAborted } from '../core/errors';
import { TraceMix, parseObjdump, type Mix } from './trace';

export interface TraceCase {
  dtype: 'f32' | 'q15';
  /** Kernel function: f32 `(A, B, C, M, K, N)`, q15 `(A, B, C, M, K, N, scratch)`. */
  kernel: string;
  M: number;
  K: number;
  N: number;
}

/** arm-none-eabi-gcc flags for the Cortex-M4F builds (hard float, no FMA contraction so host and target agree bit for bit). */
export const M4_FLAGS = [
  '-mcpu=cortex-m4',
  '-mthumb',
  '-mfpu=fpv4-sp-d16',
  '-mfloat-abi=hard',
  '-ffp-contract=off',
  '-O2',
  '-Wall',
  '-Werror',
];

/** arm-none-eabi-gcc arguments that build `c` with the semihosting startup and linker script into `elf` (mps2-an386). */
export function m4BuildArgs(fixtures: { startup: string; linkLd: string }, c: string, elf: string): string[] {
  return [
    ...M4_FLAGS,
    '-nostartfiles',
    '-T',
    fixtures.linkLd,
    '--specs=rdimon.specs',
    fixtures.startup,
    c,
    '-lc',
    '-lrdimon',
    '-lm',
    '-o',
    elf,
  ];
}

/** qemu-system-arm arguments that run `elf` on an emulated Cortex-M4 (mps2-an386) with semihosting; `extra` go before -kernel. */
export function qemuM4Args(elf: string, extra: string[] = []): string[] {
  return [
    '-M',
    'mps2-an386',
    '-cpu',
    'cortex-m4',
    '-nographic',
    '-semihosting-config',
    'enable=on,target=native',
    ...extra,
    '-kernel',
    elf,
  ];
}

/** The trace harness: deterministic inputs, `mema_mark()` around each kernel call, one `tcase <i> hash <fnv1a>` line per case. */
export function emitTraceHarness(sources: string[], cases: TraceCase[]): string {
  if (!cases.length) throw new InvalidInput('emitTraceHarness: cases must not be empty');
  const max = (f: (c: TraceCase) => number, d: TraceCase['dtype']): number => Math.max(1, ...cases.filter((c) => c.dtype === d).map(f));
  const calls = cases
    .map((c, i) => {
      const fill =
        c.dtype === 'f32'
          ? `for (int i = 0; i < ${c.M * c.K}; i++) { FA[i] = frnd(); }\n  for (int i = 0; i < ${c.K * c.N}; i++) { FB[i] = frnd(); }`
          : `for (int i = 0; i < ${c.M * c.K}; i++) { QA[i] = qrnd(); }\n  for (int i = 0; i < ${c.K * c.N}; i++) { QB[i] = qrnd(); }`;
      const call =
        c.dtype === 'f32' ? `${c.kernel}(FA, FB, FC, ${c.M}, ${c.K}, ${c.N});` : `${c.kernel}(QA, QB, QC, ${c.M}, ${c.K}, ${c.N}, QS);`;
      const hash =
        c.dtype === 'f32'
          ? `h = fnv_bytes((const unsigned char *)FC, ${4 * c.M * c.N});`
          : `h = fnv_bytes((const unsigned char *)QC, ${2 * c.M * c.N});`;
      return `  lcg = ${1000 + c.M * 7 + c.K * 13 + c.N * 17}u; /* same inputs for every kernel run on this shape */\n  ${fill}\n  mema_mark(); ${call} mema_mark();\n  ${hash} printf("tcase ${i} hash %08lx\\n", (unsigned long)h);`;
    })
    .join('\n');
  return `${sources.join('\n')}
#include <stdio.h>
#include <stdint.h>
__attribute__((noinline)) void mema_mark(void) { __asm volatile("" ::: "memory"); }
__attribute__((unused)) static float FA[${max((c) => c.M * c.K, 'f32')}], FB[${max((c) => c.K * c.N, 'f32')}], FC[${max((c) => c.M * c.N, 'f32')}];
__attribute__((unused)) static int16_t QA[${max((c) => c.M * c.K, 'q15')}], QB[${max((c) => c.K * c.N, 'q15')}], QC[${max((c) => c.M * c.N, 'q15')}], QS[${max((c) => c.K * c.N, 'q15')}];
static uint32_t lcg;
__attribute__((unused)) static float frnd(void) { lcg = lcg * 1664525u + 1013904223u; return (float)((int32_t)(lcg >> 8) - (1 << 23)) / (float)(1 << 23); }
__attribute__((unused)) static int16_t qrnd(void) { lcg = lcg * 1664525u + 1013904223u; return (int16_t)(lcg >> 16); }
static uint32_t fnv_bytes(const unsigned char *p, int n) { uint32_t h = 2166136261u; for (int i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u; return h; }
int main(void) {
  uint32_t h;
${calls}
  printf("done\\n");
  return 0;
}
`;
}

export interface TraceResult {
  mixes: Mix[];
  /** Result hash per case on the M4 and on the host build. */
  armHash: string[];
  hostHash: string[];
  seconds: number;
}

/**
 * Build and run. `fixtures` are the startup file and linker script (test/fixtures/mema). `log` gets progress lines.
 * Throws if QEMU fails, a region is missing, or the host build cannot be compiled.
 */
export async function traceKernels(o: {
  sources: string[];
  cases: TraceCase[];
  fixtures: { startup: string; linkLd: string };
  /** Kill QEMU after this many milliseconds (default 600000, i.e. 10 min). */
  timeoutMs?: number;
  /** Aborting kills QEMU and rejects with the abort reason. */
  signal?: AbortSignal;
}): Promise<TraceResult> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'mema-trace-'));
  try {
    const c = join(dir, 'trace.c'),
      elf = join(dir, 'trace.elf'),
      host = join(dir, 'host'),
      fifo = join(dir, 'log.fifo');
    writeFileSync(c, emitTraceHarness(o.sources, o.cases));
    execFileSync('gcc', ['-O2', '-ffp-contract=off', '-Wall', '-Werror', c, '-o', host]);
    const hostOut = execFileSync(host, { maxBuffer: 1 << 24 }).toString();
    execFileSync('arm-none-eabi-gcc', m4BuildArgs(o.fixtures, c, elf));
    const { insns, symbols } = parseObjdump(execFileSync('arm-none-eabi-objdump', ['-d', elf], { maxBuffer: 1 << 28 }).toString());
    const marker = symbols.get('mema_mark');
    if (marker === undefined) throw new InvalidInput('mema_mark not found in the ELF');
    execFileSync('mkfifo', [fifo]);
    const mix = new TraceMix(insns, marker);
    const q = spawn('qemu-system-arm', qemuM4Args(elf, ['-d', 'in_asm,exec,nochain', '-D', fifo]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    q.stdout.on('data', (d: Buffer) => (out += d.toString()));
    q.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => q.kill('SIGKILL'), o.timeoutMs ?? 600_000);
    const onAbort = (): void => {
      q.kill('SIGKILL');
    };
    o.signal?.addEventListener('abort', onAbort);
    const exited = new Promise<number | null>((res) => q.on('close', (code) => res(code)));
    const rl = createInterface({ input: createReadStream(fifo), crlfDelay: Infinity });
    for await (const l of rl) mix.line(l);
    mix.end();
    const code = await exited;
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    throwIfAborted(o.signal);
    if (code !== 0) throw new InvalidInput(`qemu exited with ${code}: ${out.slice(-300)} ${err.slice(-300)}`);
    const hashes = (s: string): string[] =>
      s
        .split('\n')
        .filter((l) => l.startsWith('tcase '))
        .map((l) => l.split(/\s+/)[3]!);
    const armHash = hashes(out),
      hostHash = hashes(hostOut);
    if (mix.regions.length !== o.cases.length || armHash.length !== o.cases.length) {
      throw new InvalidInput(
        `expected ${o.cases.length} traced cases, got ${mix.regions.length} regions and ${armHash.length} result lines`,
      );
    }
    return { mixes: mix.regions, armHash, hostHash, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
