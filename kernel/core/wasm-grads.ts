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
  const p = tf.pad(x, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
  const t0 = Math.max(0, -top), l0 = Math.max(0, -left);
  const h = p.shape[1] - t0 - Math.max(0, -bottom), w = p.shape[2] - l0 - Math.max(0, -right);
  return t0 || l0 || h !== p.shape[1] || w !== p.shape[2] ? tf.slice(p, [0, t0, l0, 0], [-1, h, w, -1]) : p;
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
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad as 'same', a.dimRoundingMode, depthwise);
}

/** dW of conv2d: correlate the (padded) input with dy, using dy as a filter at dilation = stride. */
export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const x = args.inputs.x as T4, dy = args.inputs.dy as T4;
  const a = args.attrs as unknown as ConvAttrs & { filterShape: number[]; dataFormat?: string };
  return tf.tidy(() => {
    const c = convInfo(x.shape, a.filterShape, { ...a, dilations: a.dilations ?? 1 }, false);
    const Hn = (c.outHeight - 1) * c.strideHeight + (c.filterHeight - 1) * c.dilationHeight + 1;
    const Wn = (c.outWidth - 1) * c.strideWidth + (c.filterWidth - 1) * c.dilationWidth + 1;
    const xp = padCrop(x, c.padInfo.top, Hn - x.shape[1] - c.padInfo.top, c.padInfo.left, Wn - x.shape[2] - c.padInfo.left);
    // [Ci, Hn, Wn, B] ⋆ [OH, OW, B, Co] with dilation = stride → [Ci, KH', KW', Co]
    const out = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]) as T4, tf.transpose(dy, [1, 2, 0, 3]) as T4, [c.dilationHeight, c.dilationWidth],
      'valid', 'NHWC', [c.strideHeight, c.strideWidth]);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/** dW of depthwise conv: fold batch into channels, correlate with dy as a depthwise filter, sum over batch. */
export function depthwiseBackpropFilter(args: { inputs: tf.NamedTensorMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const x = args.inputs.x as T4, dy = args.inputs.dy as T4;
  const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  return tf.tidy(() => {
    const c = convInfo(x.shape, a.filterShape, a, true);
    const [B, , , C] = x.shape, M = a.filterShape[3]!;
    const Hn = (c.outHeight - 1) * c.strideHeight + (c.filterHeight - 1) * c.dilationHeight + 1;
    const Wn = (c.outWidth - 1) * c.strideWidth + (c.filterWidth - 1) * c.dilationWidth + 1;
    const xp = padCrop(x, c.padInfo.top, Hn - x.shape[1] - c.padInfo.top, c.padInfo.left, Wn - x.shape[2] - c.padInfo.left);
    const xr = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [1, Hn, Wn, B * C]) as T4;
    const f = tf.reshape(tf.transpose(tf.reshape(dy, [B, c.outHeight, c.outWidth, C, M]), [1, 2, 0, 3, 4]),
      [c.outHeight, c.outWidth, B * C, M]) as T4;
    const out = tf.depthwiseConv2d(xr, f, [c.dilationHeight, c.dilationWidth], 'valid', 'NHWC', [c.strideHeight, c.strideWidth]);
    return tf.sum(tf.reshape(out, [c.filterHeight, c.filterWidth, B, C, M]), 2);
  });
}

/** dX of depthwise conv: zero-insert dy by the stride, pad, correlate with the flipped filter, sum over the multiplier. */
export function depthwiseBackpropInput(args: { inputs: tf.NamedTensorMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const dy = args.inputs.dy as T4, filter = args.inputs.filter as T4;
  const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  return tf.tidy(() => {
    const c = convInfo(a.inputShape, filter.shape, a, true);
    const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW, filterHeight: KH, filterWidth: KW,
      outHeight: OH, outWidth: OW, padInfo } = c;
    const [B, H, W, C] = a.inputShape as [number, number, number, number];
    const M = filter.shape[3], CM = C * M;
    let dyd: T4 = dy;
    if (sH > 1 || sW > 1) {
      const z = tf.pad(tf.reshape(dy, [B, OH, 1, OW, 1, CM]), [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]]);
      dyd = tf.slice(tf.reshape(z, [B, OH * sH, OW * sW, CM]) as T4, [0, 0, 0, 0], [B, (OH - 1) * sH + 1, (OW - 1) * sW + 1, CM]);
    }
    const pT = (KH - 1) * dH - padInfo.top, pL = (KW - 1) * dW - padInfo.left;
    const dyp = padCrop(dyd, pT, H + (KH - 1) * dH - pT - dyd.shape[1], pL, W + (KW - 1) * dW - pL - dyd.shape[2]);
    const out = tf.depthwiseConv2d(dyp, tf.reshape(tf.reverse(filter, [0, 1]), [KH, KW, CM, 1]) as T4, 1, 'valid', 'NHWC', [dH, dW]);
    return M === 1 ? tf.reshape(out, [B, H, W, C]) : tf.sum(tf.reshape(out, [B, H, W, C, M]), 4);
  });
}

export const WASM_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'] as const;

/** Register the three kernels for `backendName` where it has none. Returns the names registered now. */
export function registerWasmTrainingKernels(backendName = 'wasm'): string[] {
  const added: string[] = [];
  const table: [string, tf.KernelFunc][] = [
    ['Conv2DBackpropFilter', conv2DBackpropFilter as unknown as tf.KernelFunc],
    ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter as unknown as tf.KernelFunc],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput as unknown as tf.KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of table) {
    if (!tf.getKernel(kernelName, backendName)) { tf.registerKernel({ kernelName, backendName, kernelFunc }); added.push(kernelName); }
  }
  return added;
}
