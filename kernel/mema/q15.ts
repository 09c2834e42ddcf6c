/**
 * Q15 outer-product kernel in the style of MEMA's outer_q15_4x2 ("mema outer 4x2x2"): a 4×2 block of C in eight
 * 32-bit accumulators, K in pairs (one 32-bit word = two Q15 values), 4 A words + 2 B words and 8 SMLAD per 2-K step.
 * B is first transposed into a caller-provided scratch (K·N halfwords), as CMSIS arm_mat_mult_q15 does; its cost is
 * counted. Result semantics follow CMSIS: 32-bit SMLAD accumulation (wrapping), then __SSAT(sum >> 15, 16).
 * Counts (in load/store instructions): the KMN 4×2 nest over K' = ⌈K/2⌉ words, plus K·N reads and K·N writes
 * for the transpose (`q15Counts`).
 */
import { simulate } from './sim';
import { nestOf } from './ir';
import { validateShape } from './ir';

export const Q15_NEST = nestOf('KMN', 4, 1, 2);

export interface Q15Counts {
  aLoads: number;
  bLoads: number;
  cStores: number;
  transposeReads: number;
  transposeWrites: number;
  total: number;
}

/** Load/store instructions of the Q15 4×2 outer-product kernel on an M×K by K×N matmul: the KMN nest over ⌈K/2⌉
 *  words plus the K·N reads and K·N writes of B's transpose. */
export function q15Counts(M: number, K: number, N: number): Q15Counts {
  validateShape(M, K, N);
  const s = simulate(Q15_NEST, M, Math.ceil(K / 2), N);
  const t = K * N;
  return { aLoads: s.aLoads, bLoads: s.bLoads, cStores: s.cStores, transposeReads: t, transposeWrites: t, total: s.total + 2 * t };
}

export const Q15_PRELUDE = `#include <stdint.h>
#include <string.h>
#ifndef MEMA_Q15_PRELUDE
#define MEMA_Q15_PRELUDE
#ifdef MEMA_COUNT
extern unsigned long long mema_q15_cnt[5]; /* A loads, BT loads, C stores, transpose reads, transpose writes */
#define QCNT(i) (mema_q15_cnt[i]++)
#else
#define QCNT(i) ((void)0)
#endif
static inline uint32_t ld32(const int16_t *p) { uint32_t w; memcpy(&w, p, 4); return w; }
#if defined(__ARM_FEATURE_DSP)
static inline int32_t smlad(uint32_t x, uint32_t y, int32_t acc) { int32_t r; __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(x), "r"(y), "r"(acc)); return r; }
#else
static inline int32_t smlad(uint32_t x, uint32_t y, int32_t acc) {
  uint32_t r = (uint32_t)acc + (uint32_t)((int32_t)(int16_t)(x & 0xFFFF) * (int16_t)(y & 0xFFFF)) + (uint32_t)((int32_t)(int16_t)(x >> 16) * (int16_t)(y >> 16));
  return (int32_t)r;
}
#endif
static inline int16_t ssat16(int32_t v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v; }
#endif
`;

function variant(fn: string, mi: number, nj: number): string {
  const L: string[] = [];
  const acc = (i: number, j: number): string => `c${i}_${j}`;
  L.push(`static void ${fn}(const int16_t *A, const int16_t *BT, int16_t *C, int K, int N) {`);
  for (let i = 0; i < mi; i++) L.push('  int32_t ' + Array.from({ length: nj }, (_, j) => `${acc(i, j)} = 0`).join(', ') + ';');
  L.push('  int k = 0;');
  L.push('  for (; k + 1 < K; k += 2) {');
  for (let j = 0; j < nj; j++) L.push(`    uint32_t b${j} = (QCNT(1), ld32(BT + (size_t)${j} * K + k));`);
  for (let i = 0; i < mi; i++) {
    L.push(
      `    { uint32_t a = (QCNT(0), ld32(A + (size_t)${i} * K + k)); ` +
        Array.from({ length: nj }, (_, j) => `${acc(i, j)} = smlad(a, b${j}, ${acc(i, j)});`).join(' ') +
        ' }',
    );
  }
  L.push('  }');
  L.push('  if (k < K) {');
  for (let j = 0; j < nj; j++) L.push(`    int32_t b${j} = (QCNT(1), BT[(size_t)${j} * K + k]);`);
  for (let i = 0; i < mi; i++) {
    L.push(
      `    { int32_t a = (QCNT(0), A[(size_t)${i} * K + k]); ` +
        Array.from({ length: nj }, (_, j) => `${acc(i, j)} = (int32_t)((uint32_t)${acc(i, j)} + (uint32_t)(a * b${j}));`).join(' ') +
        ' }',
    );
  }
  L.push('  }');
  for (let i = 0; i < mi; i++)
    L.push('  ' + Array.from({ length: nj }, (_, j) => `QCNT(2); C[(size_t)${i} * N + ${j}] = ssat16(${acc(i, j)} >> 15);`).join(' '));
  L.push('}');
  return L.join('\n');
}

/** `void outer_q15_4x2x2(const int16_t *A, const int16_t *B, int16_t *C, int M, int K, int N, int16_t *scratch)`; scratch ≥ K·N. */
export function emitQ15(): { name: string; code: string } {
  const name = 'outer_q15_4x2x2';
  const parts = [Q15_PRELUDE];
  const tbl: string[] = [];
  for (let mi = 1; mi <= 4; mi++)
    for (let nj = 1; nj <= 2; nj++) {
      const f = `${name}_t${mi}x${nj}`;
      parts.push(variant(f, mi, nj));
      tbl.push(f);
    }
  parts.push(`typedef void (*${name}_fn)(const int16_t *, const int16_t *, int16_t *, int, int);
static const ${name}_fn ${name}_tbl[8] = { ${tbl.join(', ')} };
void ${name}(const int16_t *A, const int16_t *B, int16_t *C, int M, int K, int N, int16_t *scratch) {
  for (int k = 0; k < K; k++) for (int j = 0; j < N; j++) { QCNT(3); QCNT(4); scratch[(size_t)j * K + k] = B[(size_t)k * N + j]; }
  for (int j0 = 0; j0 < N; j0 += 2) { int nj = N - j0 < 2 ? N - j0 : 2;
    for (int i0 = 0; i0 < M; i0 += 4) { int mi = M - i0 < 4 ? M - i0 : 4;
      ${name}_tbl[(mi - 1) * 2 + (nj - 1)](A + (size_t)i0 * K, scratch + (size_t)j0 * K, C + (size_t)i0 * N + j0, K, N); } }
}`);
  return { name, code: parts.join('\n\n') + '\n' };
}

/** Test main for a Q15 kernel (default ours; same signature as `outer_q15_4x2x2`): deterministic full-range inputs, CMSIS-semantics reference, one line per case:
 *  qcase <i> <M> <K> <N> cnt <A> <BT> <Cst> <Tr> <Tw> hash <fnv1a> exact <0|1> */
export function emitQ15Harness(cases: { M: number; K: number; N: number }[], kernel: { name: string; code: string } = emitQ15()): string {
  const maxA = Math.max(...cases.map((c) => c.M * c.K)),
    maxB = Math.max(...cases.map((c) => c.K * c.N)),
    maxC = Math.max(...cases.map((c) => c.M * c.N));
  return `${kernel.code}
#include <stdio.h>
#ifdef MEMA_COUNT
unsigned long long mema_q15_cnt[5];
#endif
static const int qcases[${cases.length}][3] = { ${cases.map((c) => `{${c.M}, ${c.K}, ${c.N}}`).join(', ')} };
static int16_t QA[${maxA}], QB[${maxB}], QC[${maxC}], QS[${maxB}];
static uint32_t qlcg = 777u;
static int16_t qrnd(void) { qlcg = qlcg * 1664525u + 1013904223u; return (int16_t)(qlcg >> 16); }
int main(void) {
  int bad = 0;
  for (int t = 0; t < ${cases.length}; t++) {
    int M = qcases[t][0], K = qcases[t][1], N = qcases[t][2];
    for (int i = 0; i < M * K; i++) QA[i] = qrnd();
    for (int i = 0; i < K * N; i++) QB[i] = qrnd();
#ifdef MEMA_COUNT
    memset(mema_q15_cnt, 0, sizeof mema_q15_cnt);
#endif
    ${kernel.name}(QA, QB, QC, M, K, N, QS);
    uint32_t h = 2166136261u; int exact = 1;
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
      uint32_t s = 0;
      for (int k = 0; k < K; k++) s += (uint32_t)((int32_t)QA[i * K + k] * QB[k * N + j]);
      int16_t r = ssat16((int32_t)s >> 15);
      if (r != QC[i * N + j]) exact = 0;
      h = (h ^ (uint16_t)QC[i * N + j]) * 16777619u;
    }
    if (!exact) bad++;
#ifdef MEMA_COUNT
    printf("qcase %d %d %d %d cnt %llu %llu %llu %llu %llu hash %08lx exact %d\\n", t, M, K, N, mema_q15_cnt[0], mema_q15_cnt[1], mema_q15_cnt[2], mema_q15_cnt[3], mema_q15_cnt[4], (unsigned long)h, exact);
#else
    printf("qcase %d %d %d %d cnt 0 0 0 0 0 hash %08lx exact %d\\n", t, M, K, N, (unsigned long)h, exact);
#endif
  }
  printf("done bad %d\\n", bad);
  return bad ? 1 : 0;
}
`;
}
