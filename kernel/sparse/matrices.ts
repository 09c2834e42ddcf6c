/**
 * Weight matrices of real trained networks shipped with (or installed by) the project, as Rosko's A = Wᵀ (outputs ×
 * inputs), for benchmarking sparse kernels on the patterns magnitude pruning leaves in real weights rather than on
 * uniform random sparsity (the Rosko paper, arXiv:2307.03930, evaluates magnitude-pruned DNN layers — its DLMC transformer matrices and CNN layers):
 *   - the SWS Fashion-MNIST PoolFormer models (core/models: 'widepool' 1×1 convs 256↔1024, 'largepool' 1024↔4096),
 *   - the DFT Gaze teacher's largest pointwise layers (gaze weights, int8 × per-channel scale, 320↔1280),
 *   - face-api's face-recognition ResNet (a 3×3×256×256 conv as a 256×2304 im2col matrix).
 * Pure data: no tensors are left behind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { resolveAsset } from '../core/assets';
import { InvalidInput, describe } from '../core/errors';
import { readSafetensors } from '../core/io/safetensors';
import { loadWeightsManifest } from '../core/io/tfjs-models';
import { faceApiModelDir } from '../core/models/face-api';
import { loadSwsModel, type SwsModelKind } from '../core/models/fashion';
import type { Matrix } from './types';

export interface RealMatrix {
  /** e.g. 'widepool/conv2d_3 (1024×256)' */
  name: string;
  /** Where the weights come from. */
  source: string;
  /** A = Wᵀ: outputs × inputs, dense float32 (unpruned). */
  A: Matrix;
}

/** W [in, out] (or a conv kernel [kh, kw, cin, cout] read as [kh·kw·cin, cout]) → Wᵀ [out, in]. */
export function transposeKernel(w: ArrayLike<number>, shape: readonly number[]): Matrix {
  const out = shape[shape.length - 1]!;
  const inp = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (w.length !== inp * out) throw new InvalidInput(`kernel has ${w.length} values; expected ${inp}·${out} for shape ${describe(shape)}`);
  const data = new Float32Array(out * inp);
  for (let i = 0; i < inp; i++) for (let o = 0; o < out; o++) data[o * inp + i] = w[i * out + o]!;
  return { rows: out, cols: inp, data };
}

export interface RealMatrixOptions {
  /** Which sources (default all three: 'sws', 'gaze', 'face-api'). */
  which?: ('sws' | 'gaze' | 'face-api')[];
  /** Drop matrices with fewer weights than this (default 65536). */
  minSize?: number;
  /** SWS model kinds to read (default 'widepool' and 'largepool'). */
  swsKinds?: SwsModelKind[];
}

const SWS_LAYERS: Record<string, SwsModelKind> = { widepool: 'widepool', largepool: 'largepool' };

/**
 * The matrices listed in the header. `which` filters by source ('sws', 'gaze', 'face-api'); `minSize` drops matrices with
 * fewer than that many weights (default 65536).
 */
export async function realWeightMatrices(opts: RealMatrixOptions = {}): Promise<RealMatrix[]> {
  const which = opts.which ?? ['sws', 'gaze', 'face-api'];
  const minSize = opts.minSize ?? 65536;
  const out: RealMatrix[] = [];
  if (which.includes('sws'))
    for (const kind of opts.swsKinds ?? (Object.values(SWS_LAYERS) as SwsModelKind[])) {
      const model = await loadSwsModel(kind);
      try {
        for (const l of model.layers) {
          const cls = l.getClassName();
          if (cls !== 'Conv2D' && cls !== 'Dense') continue;
          const k = l.getWeights()[0]!;
          // 1×1 convs and Dense layers with ≥ 64 outputs (the 10-way classifiers are not SpMM-shaped)
          if (k.size < minSize || k.shape[k.shape.length - 1]! < 64 || (cls === 'Conv2D' && (k.shape[0] !== 1 || k.shape[1] !== 1)))
            continue;
          const A = transposeKernel(k.dataSync() as Float32Array, k.shape);
          out.push({ name: `${kind}/${l.name} (${A.rows}×${A.cols})`, source: `SWS Fashion-MNIST ${kind} (core/models)`, A });
        }
      } finally {
        model.dispose();
      }
    }
  if (which.includes('gaze')) {
    const st = readSafetensors(gunzipSync(readFileSync(join(resolveAsset('gaze-weights'), 'teacher.safetensors.gz'))));
    for (const name of ['s4.b0.pw1.w', 's4.b0.pw2.w']) {
      const t = st.tensors.get(name),
        sc = st.tensors.get(`${name}.__scale`);
      if (!t) continue;
      const co = t.shape[t.shape.length - 1]!;
      const w = Float32Array.from(t.data as ArrayLike<number>, (v, i) => v * (sc ? (sc.data as Float32Array)[i % co]! : 1));
      const A = transposeKernel(w, t.shape);
      if (A.data.length >= minSize)
        out.push({ name: `gaze teacher ${name} (${A.rows}×${A.cols})`, source: 'DFT Gaze teacher (kernel/gaze/weights)', A });
    }
  }
  if (which.includes('face-api')) {
    const w = loadWeightsManifest(faceApiModelDir(), 'face_recognition_model-weights_manifest.json');
    // the largest conv filter bank (the last 3×3×256×256 residual conv)
    let best: [string, { shape: number[]; data: ArrayLike<number> }] | null = null;
    for (const [n, t] of w) if (t.shape.length === 4 && (!best || t.data.length >= best[1].data.length)) best = [n, t as never];
    if (best && best[1].data.length >= minSize) {
      const A = transposeKernel(best[1].data, best[1].shape);
      out.push({ name: `face-api ${best[0]} (${A.rows}×${A.cols})`, source: '@vladmandic/face-api face recognition net (MIT)', A });
    }
  }
  return out;
}
