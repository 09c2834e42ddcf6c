/**
 * CMSIS-style baselines, written by this project (not copied) after the loop structure that ARM's CMSIS documents for
 * its Cortex-M4 (non-Helium, non-NEON) code paths — the kernels MEMA (arXiv:2304.05544, §5) compares against:
 *
 *  - `cmsis_style_mat_mult_f32`: CMSIS-DSP `arm_mat_mult_f32` with ARM_MATH_LOOPUNROLL. Row loop over A, column loop
 *    over B, ONE accumulator per output element, K unrolled by 4 (then K % 4 single steps); each multiply-accumulate
 *    loads one A value (contiguous) and one B value (stride N): 2 loads per MAC, C written once.
 *  - `cmsis_style_fc_q15_mm`: CMSIS-NN `arm_fully_connected_q15` (DSP path) applied to each column of B. B is first
 *    transposed into a scratch buffer (K contiguous per column, as the vector the function takes; our MEMA Q15 kernel
 *    pays the same transpose). Then per column: rows of the weight matrix A two at a time with TWO 32-bit accumulators,
 *    K unrolled by 4 — per iteration 2 words of the vector shared by both rows and 2 words of each row, 4 SMLAD
 *    (6 word loads per 8 MACs) — then K % 4 scalar steps, a single-row tail for odd M, and `__SSAT(sum >> 15, 16)`
 *    (the truncating build, ARM_NN_TRUNCATE, bias 0 and out_shift 15, so results are bit-exact with our Q15 kernel).
 *
 * Both use the same MAC primitive as our kernels (`vmla.f32`, `smlad`), so the comparison is loop structure and
 * register reuse, not instruction selection. Deviation: pointers are plain C indexing rather than CMSIS's
 * `arm_matrix_instance_*` structs and `read_q15x2_ia` helpers (same loads).
 */
import { COUNT_PRELUDE } from './emit';
import { Q15_PRELUDE } from './q15';

export const CMSIS_F32_NAME = 'cmsis_style_mat_mult_f32';
export const CMSIS_Q15_NAME = 'cmsis_style_fc_q15_mm';

/** `void cmsis_style_mat_mult_f32(const float *A, const float *B, float *C, int M, int K, int N)`. */
export function emitCmsisF32(): { name: string; code: string } {
  const code = `${COUNT_PRELUDE}
void ${CMSIS_F32_NAME}(const float *A, const float *B, float *C, int M, int K, int N) {
  for (int i = 0; i < M; i++) {              /* row loop */
    const float *rowA = A + (size_t)i * K;
    for (int j = 0; j < N; j++) {            /* column loop */
      const float *a = rowA, *b = B + j;
      float sum = 0.0f;                      /* one accumulator per output */
      int blk = K >> 2;                      /* K unrolled by 4 */
      while (blk > 0) {
        MAC(sum, LDA(a), LDB(b)); a++; b += N;
        MAC(sum, LDA(a), LDB(b)); a++; b += N;
        MAC(sum, LDA(a), LDB(b)); a++; b += N;
        MAC(sum, LDA(a), LDB(b)); a++; b += N;
        blk--;
      }
      blk = K & 3;                           /* remaining MACs */
      while (blk > 0) { MAC(sum, LDA(a), LDB(b)); a++; b += N; blk--; }
      STC(C + (size_t)i * N + j, sum);
    }
  }
}
`;
  return { name: CMSIS_F32_NAME, code };
}

/** `void cmsis_style_fc_q15_mm(const int16_t *A, const int16_t *B, int16_t *C, int M, int K, int N, int16_t *scratch)`;
 *  scratch ≥ K·N halfwords. Word loads need K even for the 4-aligned pairs — the padded Q15 layers have even K. */
export function emitCmsisQ15(): { name: string; code: string } {
  const code = `${Q15_PRELUDE}
/* one fully-connected call: out[i * ostride] = ssat16((W[i,:] · v) >> 15), i < rows */
static void cmsis_style_fc_q15(const int16_t *v, const int16_t *W, int dim, int rows, int16_t *out, int ostride) {
  const int16_t *w0 = W;
  int r = rows >> 1;                         /* two rows at a time */
  while (r > 0) {
    const int16_t *w1 = w0 + dim, *pv = v;
    int32_t sum = 0, sum2 = 0;               /* two accumulators */
    int c = dim >> 2;                        /* K unrolled by 4 */
    while (c > 0) {
      uint32_t x = (QCNT(1), ld32(pv)); pv += 2;
      uint32_t y = (QCNT(0), ld32(w0)); w0 += 2;
      sum = smlad(x, y, sum);
      uint32_t y2 = (QCNT(0), ld32(w1)); w1 += 2;
      sum2 = smlad(x, y2, sum2);
      x = (QCNT(1), ld32(pv)); pv += 2;
      y = (QCNT(0), ld32(w0)); w0 += 2;
      sum = smlad(x, y, sum);
      y2 = (QCNT(0), ld32(w1)); w1 += 2;
      sum2 = smlad(x, y2, sum2);
      c--;
    }
    c = dim & 3;
    while (c > 0) {
      int32_t xv = (QCNT(1), *pv++), a0 = (QCNT(0), *w0++), a1 = (QCNT(0), *w1++);
      sum = (int32_t)((uint32_t)sum + (uint32_t)(xv * a0));
      sum2 = (int32_t)((uint32_t)sum2 + (uint32_t)(xv * a1));
      c--;
    }
    QCNT(2); *out = ssat16(sum >> 15); out += ostride;
    QCNT(2); *out = ssat16(sum2 >> 15); out += ostride;
    w0 += dim;                               /* skip the row w1 just consumed */
    r--;
  }
  if (rows & 1) {                            /* odd last row: one accumulator */
    const int16_t *pv = v;
    int32_t sum = 0;
    int c = dim >> 2;
    while (c > 0) {
      uint32_t x = (QCNT(1), ld32(pv)); pv += 2;
      uint32_t y = (QCNT(0), ld32(w0)); w0 += 2;
      sum = smlad(x, y, sum);
      x = (QCNT(1), ld32(pv)); pv += 2;
      y = (QCNT(0), ld32(w0)); w0 += 2;
      sum = smlad(x, y, sum);
      c--;
    }
    c = dim & 3;
    while (c > 0) { int32_t xv = (QCNT(1), *pv++), a0 = (QCNT(0), *w0++); sum = (int32_t)((uint32_t)sum + (uint32_t)(xv * a0)); c--; }
    QCNT(2); *out = ssat16(sum >> 15);
  }
}

void ${CMSIS_Q15_NAME}(const int16_t *A, const int16_t *B, int16_t *C, int M, int K, int N, int16_t *scratch) {
  for (int k = 0; k < K; k++) for (int j = 0; j < N; j++) { QCNT(3); QCNT(4); scratch[(size_t)j * K + k] = B[(size_t)k * N + j]; }
  for (int j = 0; j < N; j++) cmsis_style_fc_q15(scratch + (size_t)j * K, A, K, M, C + j, N);
}
`;
  return { name: CMSIS_Q15_NAME, code };
}
