/**
 * C emitter (style of MEMA-MM kernel_gen.py): FP32 register kernels for the three schedule classes.
 * The stationary tile lives in scalar locals (registers); one variant is emitted per clipped edge-tile size,
 * so leftover tiles run the same register kernel with fewer rows/columns and the traffic equals the IR's.
 * Kernels take M, K, N at run time; matrices are row-major and unpacked (A: M×K, B: K×N, C: M×N).
 * Every external access goes through LDA/LDB/LDC/STC; compiling with -DMEMA_COUNT counts them
 * (host instrumented build), otherwise they are plain loads/stores.
 */
import { InvalidInput } from '../core/errors';
import { scheduleName, validateNest } from './ir';
import type { LoopNest } from './types';

export const COUNT_PRELUDE = `#include <stddef.h>
#ifndef MEMA_PRELUDE
#define MEMA_PRELUDE
#ifdef MEMA_COUNT
extern unsigned long long mema_cnt[4]; /* A loads, B loads, C loads, C stores */
#define LDA(p) (mema_cnt[0]++, *(p))
#define LDB(p) (mema_cnt[1]++, *(p))
#define LDC(p) (mema_cnt[2]++, *(p))
#define STC(p, v) (mema_cnt[3]++, *(p) = (v))
#else
#define LDA(p) (*(p))
#define LDB(p) (*(p))
#define LDC(p) (*(p))
#define STC(p, v) (*(p) = (v))
#endif
/* c += a*b with one rounding of the product and one of the sum (no fusion). On Cortex-M4F VMLA.F32 is this
   chained (non-fused) multiply-accumulate, so the target and a host build with -ffp-contract=off agree bit for bit. */
#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP)
#define MAC(c, a, b) __asm__("vmla.f32 %0, %1, %2" : "+t"(c) : "t"(a), "t"(b))
#else
#define MAC(c, a, b) ((c) += (a) * (b))
#endif
#endif
`;

/** Function name of the emitted kernel, e.g. outer_fp32_5x1x5_k_first. */
export function kernelName(nest: LoopNest, prefix = 'outer'): string {
  const f = { KMN: 'k', MKN: 'm', NKM: 'n' }[scheduleName(nest)];
  return `${prefix}_fp32_${nest.m}x${nest.k}x${nest.n}_${f}_first`;
}

function kmnVariant(fn: string, mi: number, nj: number): string {
  const L: string[] = [];
  L.push(`static void ${fn}(const float *A, const float *B, float *C, int K, int N) {`);
  for (let i = 0; i < mi; i++) L.push(`  float ${Array.from({ length: nj }, (_, j) => `c${i}_${j} = 0.0f`).join(', ')};`);
  L.push(`  for (int k = 0; k < K; k++) {`);
  L.push(`    const float *b = B + (size_t)k * N; const float *a = A + k;`);
  for (let j = 0; j < nj; j++) L.push(`    float b${j} = LDB(b + ${j});`);
  for (let i = 0; i < mi; i++) {
    L.push(`    { float a${i} = LDA(a + (size_t)${i} * K);`);
    L.push('      ' + Array.from({ length: nj }, (_, j) => `MAC(c${i}_${j}, a${i}, b${j});`).join(' ') + ' }');
  }
  L.push(`  }`);
  for (let i = 0; i < mi; i++)
    L.push('  ' + Array.from({ length: nj }, (_, j) => `STC(C + (size_t)${i} * N + ${j}, c${i}_${j});`).join(' '));
  L.push(`}`);
  return L.join('\n');
}

/** B stationary (kp×nj in registers), rows of A streamed; C row re-loaded when not the first K block. */
function mknVariant(fn: string, kp: number, nj: number, first: boolean): string {
  const L: string[] = [];
  L.push(`static void ${fn}(const float *A, const float *B, float *C, int M, int K, int N) {`);
  for (let q = 0; q < kp; q++)
    L.push('  ' + Array.from({ length: nj }, (_, j) => `float b${q}_${j} = LDB(B + (size_t)${q} * N + ${j});`).join(' '));
  L.push(`  for (int i = 0; i < M; i++) {`);
  L.push(`    const float *a = A + (size_t)i * K; float *c = C + (size_t)i * N;`);
  L.push('    ' + Array.from({ length: nj }, (_, j) => (first ? `float c${j} = 0.0f;` : `float c${j} = LDC(c + ${j});`)).join(' '));
  for (let q = 0; q < kp; q++) {
    L.push(`    { float a${q} = LDA(a + ${q}); ` + Array.from({ length: nj }, (_, j) => `MAC(c${j}, a${q}, b${q}_${j});`).join(' ') + ' }');
  }
  L.push('    ' + Array.from({ length: nj }, (_, j) => `STC(c + ${j}, c${j});`).join(' '));
  L.push(`  }`);
  L.push(`}`);
  return L.join('\n');
}

/** A stationary (mi×kp in registers), columns of B streamed; C column re-loaded when not the first K block. */
function nkmVariant(fn: string, mi: number, kp: number, first: boolean): string {
  const L: string[] = [];
  L.push(`static void ${fn}(const float *A, const float *B, float *C, int N, int K) {`);
  for (let i = 0; i < mi; i++)
    L.push('  ' + Array.from({ length: kp }, (_, q) => `float a${i}_${q} = LDA(A + (size_t)${i} * K + ${q});`).join(' '));
  L.push(`  for (int j = 0; j < N; j++) {`);
  L.push(`    const float *b = B + j; float *c = C + j;`);
  L.push(
    '    ' + Array.from({ length: mi }, (_, i) => (first ? `float c${i} = 0.0f;` : `float c${i} = LDC(c + (size_t)${i} * N);`)).join(' '),
  );
  for (let q = 0; q < kp; q++) {
    L.push(
      `    { float b${q} = LDB(b + (size_t)${q} * N); ` +
        Array.from({ length: mi }, (_, i) => `MAC(c${i}, a${i}_${q}, b${q});`).join(' ') +
        ' }',
    );
  }
  L.push('    ' + Array.from({ length: mi }, (_, i) => `STC(c + (size_t)${i} * N, c${i});`).join(' '));
  L.push(`  }`);
  L.push(`}`);
  return L.join('\n');
}

/**
 * Emit the FP32 kernel for `nest` (innermost tile must be 1, as `deriveSchedule` returns):
 * `void <name>(const float *A, const float *B, float *C, int M, int K, int N)`.
 */
export function emitFp32(
  nest: LoopNest,
  opts: {
    /** Function-name prefix (kernelName's). Default 'outer'. */
    prefix?: string;
  } = {},
): { name: string; code: string } {
  validateNest(nest);
  const s = scheduleName(nest);
  const name = kernelName(nest, opts.prefix);
  const parts: string[] = [COUNT_PRELUDE];
  const { m, k, n } = nest;
  if (s === 'KMN') {
    if (k !== 1) throw new InvalidInput(`emitFp32: a KMN nest needs k = 1 (the kernel streams K one step at a time), got k = ${k}`);
    const tbl: string[] = [];
    for (let mi = 1; mi <= m; mi++)
      for (let nj = 1; nj <= n; nj++) {
        const f = `${name}_t${mi}x${nj}`;
        parts.push(kmnVariant(f, mi, nj));
        tbl.push(f);
      }
    parts.push(`typedef void (*${name}_fn)(const float *, const float *, float *, int, int);`);
    parts.push(`static const ${name}_fn ${name}_tbl[${m * n}] = { ${tbl.join(', ')} };`);
    parts.push(`void ${name}(const float *A, const float *B, float *C, int M, int K, int N) {
  for (int j0 = 0; j0 < N; j0 += ${n}) { int nj = N - j0 < ${n} ? N - j0 : ${n};
    for (int i0 = 0; i0 < M; i0 += ${m}) { int mi = M - i0 < ${m} ? M - i0 : ${m};
      ${name}_tbl[(mi - 1) * ${n} + (nj - 1)](A + (size_t)i0 * K, B + j0, C + (size_t)i0 * N + j0, K, N); } }
}`);
  } else if (s === 'MKN') {
    if (m !== 1) throw new InvalidInput(`emitFp32: an MKN nest needs m = 1, got m = ${m}`);
    const tbl: string[] = [];
    for (const first of [false, true]) {
      for (let kp = 1; kp <= k; kp++)
        for (let nj = 1; nj <= n; nj++) {
          const f = `${name}_t${kp}x${nj}${first ? '_first' : ''}`;
          parts.push(mknVariant(f, kp, nj, first));
          tbl.push(f);
        }
    }
    parts.push(`typedef void (*${name}_fn)(const float *, const float *, float *, int, int, int);`);
    parts.push(`static const ${name}_fn ${name}_tbl[${2 * k * n}] = { ${tbl.join(', ')} };`);
    parts.push(`void ${name}(const float *A, const float *B, float *C, int M, int K, int N) {
  for (int j0 = 0; j0 < N; j0 += ${n}) { int nj = N - j0 < ${n} ? N - j0 : ${n};
    for (int p0 = 0; p0 < K; p0 += ${k}) { int kp = K - p0 < ${k} ? K - p0 : ${k};
      ${name}_tbl[(p0 == 0) * ${k * n} + (kp - 1) * ${n} + (nj - 1)](A + p0, B + (size_t)p0 * N + j0, C + j0, M, K, N); } }
}`);
  } else {
    if (n !== 1) throw new InvalidInput(`emitFp32: an NKM nest needs n = 1, got n = ${n}`);
    const tbl: string[] = [];
    for (const first of [false, true]) {
      for (let mi = 1; mi <= m; mi++)
        for (let kp = 1; kp <= k; kp++) {
          const f = `${name}_t${mi}x${kp}${first ? '_first' : ''}`;
          parts.push(nkmVariant(f, mi, kp, first));
          tbl.push(f);
        }
    }
    parts.push(`typedef void (*${name}_fn)(const float *, const float *, float *, int, int);`);
    parts.push(`static const ${name}_fn ${name}_tbl[${2 * m * k}] = { ${tbl.join(', ')} };`);
    parts.push(`void ${name}(const float *A, const float *B, float *C, int M, int K, int N) {
  for (int i0 = 0; i0 < M; i0 += ${m}) { int mi = M - i0 < ${m} ? M - i0 : ${m};
    for (int p0 = 0; p0 < K; p0 += ${k}) { int kp = K - p0 < ${k} ? K - p0 : ${k};
      ${name}_tbl[(p0 == 0) * ${m * k} + (mi - 1) * ${k} + (kp - 1)](A + (size_t)i0 * K + p0, B + (size_t)p0 * N, C + (size_t)i0 * N, N, K); } }
}`);
  }
  return { name, code: parts.join('\n\n') + '\n' };
}

/** CMSIS-style 2×2 inner-product baseline: 4 accumulators, 2 A + 2 B loads per k (same counts as the KMN 2×2 nest). */
export function emitBaseline(): { name: string; code: string } {
  const { code } = emitFp32({ order: ['N', 'M', 'K'], m: 2, k: 1, n: 2 }, { prefix: 'inner_base' });
  return { name: 'inner_base_fp32_2x1x2_k_first', code };
}
