/** The 20 TinyML matmul layers of the authors' MEMA-MM.ino benchmark (arXiv:2304.05544) and MEMA's FP32 padding rule. */

export interface Layer {
  id: number;
  M: number;
  K: number;
  N: number;
}

const Ms = [16, 16, 32, 32, 32, 64, 64, 64, 64, 64, 8, 16, 32, 32, 64, 64, 128, 128, 256, 256];
const Ks = [27, 144, 144, 288, 16, 288, 576, 32, 40, 64, 27, 8, 16, 32, 32, 64, 64, 128, 128, 256];
const Ns = [1024, 1024, 256, 256, 256, 64, 64, 64, 122, 125, 2304, 2304, 576, 576, 144, 144, 36, 36, 9, 9];

/** Unpadded layers (ids 1–20). */
export const TINYML_LAYERS: readonly Layer[] = Ms.map((M, i) => ({ id: i + 1, M, K: Ks[i]!, N: Ns[i]! }));

/** MEMA's FP32 padding: M ← M + 10 − M mod 10, N likewise (always padded up: 16 → 20, 1024 → 1030); K unpadded. */
export function padFp32(l: Layer): Layer {
  return { id: l.id, M: l.M + 10 - (l.M % 10), K: l.K, N: l.N + 10 - (l.N % 10) };
}

export const TINYML_LAYERS_FP32: readonly Layer[] = TINYML_LAYERS.map(padFp32);

/** MEMA's Q15 padding: M up to the next multiple of 4 (always adding, like the FP32 rule), K and N to the next multiple of 2. */
export function padQ15(l: Layer): Layer {
  return { id: l.id, M: l.M + 4 - (l.M % 4), K: l.K + 2 - (l.K % 2), N: l.N + 2 - (l.N % 2) };
}
export const TINYML_LAYERS_Q15: readonly Layer[] = TINYML_LAYERS.map(padQ15);
