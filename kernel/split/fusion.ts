/**
 * Multi-view fusion at the split (SplitNets, arXiv 2204.04705, Sec. 3: for multi-camera systems the aggregator's split
 * module also fuses the views). Each camera runs the same sensor network (shared weights) and sends its reduced
 * features; after recover the aggregator fuses the V feature maps into one:
 *   'max'    element-wise max over views (MVCNN view pooling) — order of views does not matter
 *   'mean'   element-wise mean over views — order of views does not matter
 *   'concat' concatenation along channels then a learned 1×1 conv V·C → C (depends on the view order, like the ring order of cameras)
 */
import * as tf from '@tensorflow/tfjs';
import { check, describe } from '../core/errors';
import type { FusionKind } from './cost';

export const FUSION_KINDS: readonly FusionKind[] = ['max', 'mean', 'concat'];

/**
 * Fuse V views [N, H, W, C] into one [N, H, W, C]. 'concat' needs `kernel` of shape [V·C, C] (and optionally `bias` [C]).
 * Returns a new tensor (caller owns it).
 */
export function fuse(
  views: readonly tf.Tensor4D[],
  kind: FusionKind,
  params: { kernel?: tf.Tensor2D; bias?: tf.Tensor1D } = {},
): tf.Tensor4D {
  check(Array.isArray(views) && views.length >= 1, () => `fuse: views must be a non-empty array, got ${describe(views)}`);
  const s0 = views[0]!.shape;
  views.forEach((v, i) =>
    check(
      v.shape.every((d: number, j: number) => d === s0[j]),
      () => `fuse: view ${i} has shape [${v.shape}]; expected [${s0}] like view 0`,
    ),
  );
  check(FUSION_KINDS.includes(kind), () => `fuse: kind ${describe(kind)} unknown; expected ${FUSION_KINDS.join(', ')}`);
  return tf.tidy(() => {
    if (kind === 'max') return views.length === 1 ? views[0]!.clone() : (tf.max(tf.stack(views as tf.Tensor4D[]), 0) as tf.Tensor4D);
    if (kind === 'mean') return views.length === 1 ? views[0]!.clone() : (tf.mean(tf.stack(views as tf.Tensor4D[]), 0) as tf.Tensor4D);
    const C = s0[3],
      V = views.length;
    const k = params.kernel;
    check(
      k !== undefined && k.shape[0] === V * C && k.shape[1] === C,
      () => `fuse('concat'): kernel must be [V·C, C] = [${V * C}, ${C}], got ${k ? `[${k.shape}]` : 'none'}`,
    );
    const y = tf.conv2d(tf.concat(views as tf.Tensor4D[], 3), k!.reshape([1, 1, V * C, C]) as tf.Tensor4D, 1, 'valid');
    return (params.bias ? tf.add(y, params.bias) : y) as tf.Tensor4D;
  });
}
