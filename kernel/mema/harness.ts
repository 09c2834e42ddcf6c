/**
 * Test harness C (used by test/qemu.mema.test.ts): one `main` that runs emitted kernels on given shapes with
 * deterministic inputs, checks them against a naive reference (float, same summation order ⇒ must be bit-exact)
 * and a double reference (normwise ‖C − ref‖ ≤ 1e-5·‖|A||B|‖), and prints one line per case:
 *   case <i> <M> <K> <N> cnt <A> <B> <Cld> <Cst> hash <fnv1a of C bits> exact <0|1> rel <‖C−ref‖/‖|A||B|‖> ticks <SysTick>
 * Counts are non-zero only in a -DMEMA_COUNT build. On the Cortex-M4 build, `ticks` is the SysTick count around the
 * kernel call; under QEMU with `-icount shift=0` (1 ns per instruction, SysTick at the 25 MHz system clock of
 * mps2-an386) instructions ≈ 40 × ticks. That is an instruction count, not a cycle count (no timing model).
 */
import { InvalidInput } from '../core/errors';

export interface HarnessCase {
  kernel: string;
  M: number;
  K: number;
  N: number;
}

/** One C file: the given kernel sources plus a `main` that runs each case on seeded inputs, checks it against the naive
 *  and double references and prints one result line per case (format above). `cases` must not be empty. */
export function emitHarness(kernelSources: string[], cases: HarnessCase[]): string {
  if (!cases.length) throw new InvalidInput('emitHarness: cases must not be empty');
  const maxA = Math.max(...cases.map((c) => c.M * c.K));
  const maxB = Math.max(...cases.map((c) => c.K * c.N));
  const maxC = Math.max(...cases.map((c) => c.M * c.N));
  const kernels = [...new Set(cases.map((c) => c.kernel))];
  return `${kernelSources.join('\n')}
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#ifdef MEMA_COUNT
unsigned long long mema_cnt[4];
#endif
#if defined(__ARM_ARCH_7EM__)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
static uint32_t ticks_now(void) { return SYST_CVR; }
static void ticks_init(void) { SYST_RVR = 0xFFFFFF; SYST_CVR = 0; SYST_CSR = 5; }
#else
static uint32_t ticks_now(void) { return 0; }
static void ticks_init(void) {}
#endif
typedef void (*mm_fn)(const float *, const float *, float *, int, int, int);
static const mm_fn kernels[${kernels.length}] = { ${kernels.join(', ')} };
static const int cases[${cases.length}][4] = { ${cases.map((c) => `{${kernels.indexOf(c.kernel)}, ${c.M}, ${c.K}, ${c.N}}`).join(', ')} };
static float A[${maxA}], B[${maxB}], C[${maxC}];
static uint32_t lcg = 12345u;
static float rnd(void) { lcg = lcg * 1664525u + 1013904223u; return (float)((int32_t)(lcg >> 8) - (1 << 23)) / (float)(1 << 23); }
int main(void) {
  int bad = 0;
  ticks_init();
  for (int t = 0; t < ${cases.length}; t++) {
    int M = cases[t][1], K = cases[t][2], N = cases[t][3];
    for (int i = 0; i < M * K; i++) A[i] = rnd();
    for (int i = 0; i < K * N; i++) B[i] = rnd();
    for (int i = 0; i < M * N; i++) C[i] = -777.0f;
#ifdef MEMA_COUNT
    memset(mema_cnt, 0, sizeof mema_cnt);
#endif
    uint32_t t0 = ticks_now();
    kernels[cases[t][0]](A, B, C, M, K, N);
    uint32_t ticks = (t0 - ticks_now()) & 0xFFFFFFu; /* SysTick counts down, 24 bits */
    uint32_t h = 2166136261u; int exact = 1; double e2 = 0, n2 = 0;
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
      float s = 0.0f; double d = 0, ad = 0;
      for (int k = 0; k < K; k++) { volatile float p = A[i * K + k] * B[k * N + j]; s = s + p; d += (double)A[i * K + k] * B[k * N + j]; ad += fabs((double)A[i * K + k] * B[k * N + j]); }
      float c = C[i * N + j]; uint32_t u; memcpy(&u, &c, 4);
      h = (h ^ u) * 16777619u;
      if (memcmp(&s, &c, 4) != 0) exact = 0;
      e2 += (c - d) * (c - d); n2 += ad * ad;
    }
    double rel = sqrt(e2) / (n2 > 0 ? sqrt(n2) : 1);
    if (rel > 1e-5) bad++;
#ifdef MEMA_COUNT
    printf("case %d %d %d %d cnt %llu %llu %llu %llu hash %08lx exact %d rel %.3e ticks %lu\\n", t, M, K, N, mema_cnt[0], mema_cnt[1], mema_cnt[2], mema_cnt[3], (unsigned long)h, exact, rel, (unsigned long)ticks);
#else
    printf("case %d %d %d %d cnt 0 0 0 0 hash %08lx exact %d rel %.3e ticks %lu\\n", t, M, K, N, (unsigned long)h, exact, rel, (unsigned long)ticks);
#endif
  }
  printf("done bad %d\\n", bad);
  return bad ? 1 : 0;
}
`;
}
