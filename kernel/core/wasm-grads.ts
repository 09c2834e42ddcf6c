/**
 * Training kernels the tfjs wasm backend lacks (tfjs 4.22): Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput.
 *
 * Each is rewritten exactly in terms of forward ops that wasm has (conv2d / depthwiseConv2d,
 * pad, slice, transpose, reshape, sum), so every caller of those kernels — the gradients of
 * Conv2D, FusedConv2D, DepthwiseConv2dNative and FusedDepthwiseConv2D — works on wasm.
 * `tf.registerKernel` is per backend, so the cpu backend keeps its own kernels.
 * Layout: NHWC. Verified against a float64 brute-force reference in wasm-grads.test.ts.
 */
import * as tf from '@tensorflow/tfjs';

type T4 = tf.Tensor4D;

/** Pad (amount ≥ 0) or crop (amount < 0) the H and W axes of an NHWC tensor. */
function padCrop(x: T4, top: number, bottom: number, left: number, right: number): T4 {
  const p = tf.pad(x, [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ]);
  const t0 = Math.max(0, -top),
    l0 = Math.max(0, -left);
  const h = p.shape[1] - t0 - Math.max(0, -bottom),
    w = p.shape[2] - l0 - Math.max(0, -right);
  return t0 || l0 || h !== p.shape[1] || w !== p.shape[2] ? tf.slice(p, [0, t0, l0, 0], [-1, h, w, -1]) : p;
}

/**
 * dY prepared for a backprop-input correlation with the flipped filter: zeros inserted between pixels by the stride, then
 * padded (or cropped) so a 'valid' correlation at the filter's dilation yields H × W.
 */
function dilatePad(dy: T4, c: tf.backend_util.Conv2DInfo, H: number, W: number): T4 {
  const {
    strideHeight: sH,
    strideWidth: sW,
    dilationHeight: dH,
    dilationWidth: dW,
    filterHeight: KH,
    filterWidth: KW,
    outHeight: OH,
    outWidth: OW,
    padInfo,
  } = c;
  const [B, , , C] = dy.shape;
  let dyd: T4 = dy;
  if (sH > 1 || sW > 1) {
    const z = tf.pad(tf.reshape(dy, [B, OH, 1, OW, 1, C]), [
      [0, 0],
      [0, 0],
      [0, sH - 1],
      [0, 0],
      [0, sW - 1],
      [0, 0],
    ]);
    dyd = tf.slice(tf.reshape(z, [B, OH * sH, OW * sW, C]) as T4, [0, 0, 0, 0], [B, (OH - 1) * sH + 1, (OW - 1) * sW + 1, C]);
  }
  const pT = (KH - 1) * dH - padInfo.top,
    pL = (KW - 1) * dW - padInfo.left;
  return padCrop(dyd, pT, H + (KH - 1) * dH - pT - dyd.shape[1], pL, W + (KW - 1) * dW - pL - dyd.shape[2]);
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
interface ConvAttrs {
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad as 'same',
    a.dimRoundingMode,
    depthwise,
  );
}

/** Filters with at most this many taps take the per-tap matMul path in conv2DBackpropFilter (7×7 patch embeddings included). */
const MATMUL_TAPS = 64;

/** dW of conv2d: per filter tap, a 2-D product of the input rows it reads with dy (fast on wasm); larger filters:
 * correlate the (padded) input with dy, using dy as a filter at dilation = stride. */
export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const x = args.inputs.x as T4,
    dy = args.inputs.dy as T4;
  const a = args.attrs as unknown as ConvAttrs & { filterShape: number[]; dataFormat?: string };
  return tf.tidy(() => {
    const c = convInfo(x.shape, a.filterShape, { ...a, dilations: a.dilations ?? 1 }, false);
    const Hn = (c.outHeight - 1) * c.strideHeight + (c.filterHeight - 1) * c.dilationHeight + 1;
    const Wn = (c.outWidth - 1) * c.strideWidth + (c.filterWidth - 1) * c.dilationWidth + 1;
    const xp = padCrop(x, c.padInfo.top, Hn - x.shape[1] - c.padInfo.top, c.padInfo.left, Wn - x.shape[2] - c.padInfo.left);
    if (c.filterHeight * c.filterWidth <= MATMUL_TAPS) {
      // one 2-D product per filter tap: dW[kh, kw] = X(kh, kw)ᵀ · dY, X(kh, kw) = the input rows tap (kh, kw) reads
      const [B, , , Ci] = x.shape,
        Co = dy.shape[3],
        rows = B * c.outHeight * c.outWidth;
      const dy2 = tf.reshape(dy, [rows, Co]) as tf.Tensor2D;
      const taps: tf.Tensor[] = [];
      for (let kh = 0; kh < c.filterHeight; kh++) {
        for (let kw = 0; kw < c.filterWidth; kw++) {
          const h0 = kh * c.dilationHeight,
            w0 = kw * c.dilationWidth;
          const xs = tf.stridedSlice(
            xp,
            [0, h0, w0, 0],
            [B, h0 + (c.outHeight - 1) * c.strideHeight + 1, w0 + (c.outWidth - 1) * c.strideWidth + 1, Ci],
            [1, c.strideHeight, c.strideWidth, 1],
          );
          taps.push(tf.matMul(tf.reshape(xs, [rows, Ci]) as tf.Tensor2D, dy2, true, false));
        }
      }
      return tf.reshape(tf.stack(taps), [c.filterHeight, c.filterWidth, Ci, Co]);
    }
    // [Ci, Hn, Wn, B] ⋆ [OH, OW, B, Co] with dilation = stride → [Ci, KH', KW', Co]
    const out = tf.conv2d(
      tf.transpose(xp, [3, 1, 2, 0]) as T4,
      tf.transpose(dy, [1, 2, 0, 3]) as T4,
      [c.dilationHeight, c.dilationWidth],
      'valid',
      'NHWC',
      [c.strideHeight, c.strideWidth],
    );
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * dX of conv2d, replacing wasm's own Conv2DBackpropInput (correct but slow: 2.9 s where the forward conv takes 0.38 s on
 * [64,4,4,1024] ⋆ 1×1×1024×4096): non-overlapping filters (stride = size, 1×1 included) as one 2-D product dY·Wᵀ
 * rearranged; others as the forward conv of the zero-inserted, padded dY with the flipped filter (in/out channels
 * swapped), except strides with more than 4 zero-inserted pixels per dY pixel, which keep the `native` kernel.
 */
export function conv2DBackpropInput(
  args: { inputs: tf.NamedTensorMap; attrs?: tf.NamedAttrMap },
  native?: (a: typeof args) => tf.Tensor,
): tf.Tensor {
  const dy = args.inputs.dy as T4,
    filter = args.inputs.filter as T4;
  const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  return tf.tidy(() => {
    const c = convInfo(a.inputShape, filter.shape, { ...a, dilations: a.dilations ?? 1 }, false);
    const {
      strideHeight: sH,
      strideWidth: sW,
      dilationHeight: dH,
      dilationWidth: dW,
      filterHeight: KH,
      filterWidth: KW,
      outHeight: OH,
      outWidth: OW,
      padInfo,
    } = c;
    const [B, H, W, Ci] = a.inputShape as [number, number, number, number];
    const Co = filter.shape[3];
    const noPad = padInfo.top === 0 && padInfo.left === 0 && dH === 1 && dW === 1;
    if (noPad && sH === KH && sW === KW) {
      // non-overlapping taps (1×1/s1, patch embeddings): each input pixel gets one tap's dY·Wᵀ; rows/cols the conv never read get 0
      const p = tf.matMul(
        tf.reshape(dy, [B * OH * OW, Co]) as tf.Tensor2D,
        tf.reshape(filter, [KH * KW * Ci, Co]) as tf.Tensor2D,
        false,
        true,
      );
      const img = tf.reshape(tf.transpose(tf.reshape(p, [B, OH, OW, KH, KW, Ci]), [0, 1, 3, 2, 4, 5]), [B, OH * KH, OW * KW, Ci]) as T4;
      return OH * KH === H && OW * KW === W
        ? img
        : tf.pad(img, [
            [0, 0],
            [0, H - OH * KH],
            [0, W - OW * KW],
            [0, 0],
          ]);
    }
    if (sH * sW > 4 && native) return native(args);
    const dyp = dilatePad(dy, c, H, W);
    const f = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as T4;
    return tf.conv2d(dyp, f, 1, 'valid', 'NHWC', [dH, dW]);
  });
}

/** dW of depthwise conv: fold batch into channels, correlate with dy as a depthwise filter, sum over batch. */
export function depthwiseBackpropFilter(args: { inputs: tf.NamedTensorMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const x = args.inputs.x as T4,
    dy = args.inputs.dy as T4;
  const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  return tf.tidy(() => {
    const c = convInfo(x.shape, a.filterShape, a, true);
    const [B, , , C] = x.shape,
      M = a.filterShape[3]!;
    const Hn = (c.outHeight - 1) * c.strideHeight + (c.filterHeight - 1) * c.dilationHeight + 1;
    const Wn = (c.outWidth - 1) * c.strideWidth + (c.filterWidth - 1) * c.dilationWidth + 1;
    const xp = padCrop(x, c.padInfo.top, Hn - x.shape[1] - c.padInfo.top, c.padInfo.left, Wn - x.shape[2] - c.padInfo.left);
    const xr = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [1, Hn, Wn, B * C]) as T4;
    const f = tf.reshape(tf.transpose(tf.reshape(dy, [B, c.outHeight, c.outWidth, C, M]), [1, 2, 0, 3, 4]), [
      c.outHeight,
      c.outWidth,
      B * C,
      M,
    ]) as T4;
    const out = tf.depthwiseConv2d(xr, f, [c.dilationHeight, c.dilationWidth], 'valid', 'NHWC', [c.strideHeight, c.strideWidth]);
    return tf.sum(tf.reshape(out, [c.filterHeight, c.filterWidth, B, C, M]), 2);
  });
}

/** dX of depthwise conv: zero-insert dy by the stride, pad, correlate with the flipped filter, sum over the multiplier. */
export function depthwiseBackpropInput(args: { inputs: tf.NamedTensorMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const dy = args.inputs.dy as T4,
    filter = args.inputs.filter as T4;
  const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  return tf.tidy(() => {
    const c = convInfo(a.inputShape, filter.shape, a, true);
    const { dilationHeight: dH, dilationWidth: dW, filterHeight: KH, filterWidth: KW } = c;
    const [B, H, W, C] = a.inputShape as [number, number, number, number];
    const M = filter.shape[3],
      CM = C * M;
    const dyp = dilatePad(dy, c, H, W);
    const out = tf.depthwiseConv2d(dyp, tf.reshape(tf.reverse(filter, [0, 1]), [KH, KW, CM, 1]) as T4, 1, 'valid', 'NHWC', [dH, dW]);
    return M === 1 ? tf.reshape(out, [B, H, W, C]) : tf.sum(tf.reshape(out, [B, H, W, C, M]), 4);
  });
}

/**
 * tfjs-wasm 4.22's BatchMatMul / _FusedMatMul hand transposed operands to a slow path: on 1024×1024 · 1024×4096 this
 * machine measured A·B 0.35 s, Aᵀ·B 13.3 s, A·Bᵀ 3.7 s, yet transpose(A) then A·B 0.39 s. Every matMul gradient
 * (dA = dY·Bᵀ, dB = Aᵀ·dY) takes that path, so Dense/matMul training on wasm ran 10–40× slower than its forward pass.
 * The wrapper materializes the transposed operands with the backend's Transpose kernel and calls the original kernel
 * with both flags off: the same products (up to float32 summation order), at forward speed.
 */
export function withMaterializedTranspose(orig: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const batched = orig.kernelName === 'BatchMatMul' ? perBatch(args, attrs) : undefined;
    if (batched) return batched;
    if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args);
    const tk = tf.getKernel('Transpose', orig.backendName);
    if (!tk) return orig.kernelFunc(args);
    const made: tf.TensorInfo[] = [];
    const flip = (t: tf.TensorInfo): tf.TensorInfo => {
      const r = t.shape.length,
        perm = [...Array(r).keys()];
      [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
      const out = tk.kernelFunc({ inputs: { x: t }, attrs: { perm }, backend: args.backend }) as tf.TensorInfo;
      made.push(out);
      return out;
    };
    const inputs = { ...args.inputs };
    if (attrs.transposeA) inputs.a = flip(args.inputs.a!);
    if (attrs.transposeB) inputs.b = flip(args.inputs.b!);
    try {
      return orig.kernelFunc({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of made) (args.backend as tf.KernelBackend).disposeData(t.dataId);
    }
  };
}

/**
 * The same backend runs a batched product (batch > 1) ~30× slower than the batch's 2-D products one by one (8 ×
 * [1024×128]·[128×4096]: 12.1 s batched vs 8 × 47 ms). For equal batch shapes, or a 2-D right operand, run the 2-D
 * products through the (wrapped) kernel and stack them. Other broadcasts keep the original kernel.
 */
function perBatch(args: Parameters<tf.KernelFunc>[0], attrs: { transposeA?: boolean; transposeB?: boolean }): tf.TensorInfo | undefined {
  const a = args.inputs.a as tf.Tensor,
    b = args.inputs.b as tf.Tensor;
  if (!a || !b || a.rank < 3) return undefined;
  const bsA = a.shape.slice(0, -2),
    nb = bsA.reduce((x, y) => x * y, 1);
  if (nb <= 1) return undefined;
  const ta = Boolean(attrs.transposeA),
    tb = Boolean(attrs.transposeB);
  const [m, k] = ta ? [a.shape[a.rank - 1]!, a.shape[a.rank - 2]!] : [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  if (b.rank === 2 && !ta) {
    // [..., M, K] · [K, N]: one 2-D product over all rows
    return tf.tidy(() =>
      tf.reshape(tf.matMul(tf.reshape(a, [nb * m, k]), b as tf.Tensor2D, false, tb), [...bsA, m, tb ? b.shape[0] : b.shape[1]!]),
    );
  }
  if (b.rank !== a.rank || b.shape.slice(0, -2).some((d, i) => d !== bsA[i])) return undefined;
  return tf.tidy(() => {
    const A = tf.unstack(tf.reshape(a, [nb, a.shape[a.rank - 2]!, a.shape[a.rank - 1]!]));
    const B = tf.unstack(tf.reshape(b, [nb, b.shape[b.rank - 2]!, b.shape[b.rank - 1]!]));
    const out = tf.stack(A.map((ai, i) => tf.matMul(ai as tf.Tensor2D, B[i] as tf.Tensor2D, ta, tb)));
    return tf.reshape(out, [...bsA, m, out.shape[2]!]);
  });
}

/** The backend's own kernels that `installFastWasmKernels` replaced, by backend and kernel name. */
const originals = new Map<string, tf.KernelConfig>();

/** Kernels replaced by faster exact rewrites (the originals are kept; `setFastWasmKernels(false)` restores them). */
export const WASM_REPLACED_KERNELS = ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropInput'] as const;

function replacement(orig: tf.KernelConfig): tf.KernelFunc {
  if (orig.kernelName === 'Conv2DBackpropInput') {
    const native = orig.kernelFunc as unknown as (a: unknown) => tf.Tensor;
    return ((a: Parameters<typeof conv2DBackpropInput>[0]) => conv2DBackpropInput(a, native as never)) as unknown as tf.KernelFunc;
  }
  return withMaterializedTranspose(orig);
}

/**
 * Use the fast rewrites (on = true, what `init()` does on wasm) or the backend's own kernels (on = false: for A/B
 * benchmarks and for bisecting a numerical difference). Returns the kernel names switched now.
 */
export function setFastWasmKernels(on: boolean, backendName = 'wasm'): string[] {
  const switched: string[] = [];
  for (const kernelName of WASM_REPLACED_KERNELS) {
    const key = `${backendName}/${kernelName}`;
    const cur = tf.getKernel(kernelName, backendName);
    if (!cur) continue;
    const isOurs = originals.has(key) && originals.get(key)!.kernelFunc !== cur.kernelFunc;
    if (on === isOurs) continue;
    if (!originals.has(key)) originals.set(key, { ...cur });
    const orig = originals.get(key)!;
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel(on ? { ...orig, kernelFunc: replacement(orig) } : orig);
    switched.push(kernelName);
  }
  return switched;
}

export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/** Register the three kernels for `backendName` where it has none, and switch on the fast rewrites. Returns the names registered now. */
export function registerWasmTrainingKernels(backendName = 'wasm'): string[] {
  const added: string[] = [];
  const table: [string, tf.KernelFunc][] = [
    ['Conv2DBackpropFilter', conv2DBackpropFilter as unknown as tf.KernelFunc],
    ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter as unknown as tf.KernelFunc],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput as unknown as tf.KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of table) {
    if (!tf.getKernel(kernelName, backendName)) {
      tf.registerKernel({ kernelName, backendName, kernelFunc });
      added.push(kernelName);
    }
  }
  return [...added, ...setFastWasmKernels(true, backendName).map((k) => `${k} (replaced by a faster exact rewrite)`)];
}
