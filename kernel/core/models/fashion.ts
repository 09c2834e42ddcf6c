/**
 * The Fashion-MNIST classifiers several papers measure (trained weights ship in kernel/core/models/fashion-mnist/<kind>/;
 * `npx tsx scripts/sws/train-models.ts` regenerates them): the CIM I pair used by the crossbar-reprogramming study
 * (arXiv 2410.21730) — a small CNN and a transformer-like MLP-Mixer, all fan-in ≤ 128 — plus the wider mixers and
 * PoolFormer-style models with BERT-like fan-in the SWS study (arXiv 2410.11298) needs. They live in core so any paper
 * uses them without importing another paper.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAsset } from '../assets';
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, NotFound, describe } from '../errors';
import { loadLayersModel } from '../io/tfjs-models';
export type SwsModelKind = 'cnn' | 'mixer' | 'wide' | 'widepool' | 'large' | 'largepool';

/** Every shipped model kind. */
export const SWS_MODEL_KINDS: readonly SwsModelKind[] = ['mixer', 'cnn', 'wide', 'widepool', 'large', 'largepool'];

/** The CIM I CNN: conv16-pool-conv32-pool-fc64-fc10 (25.8K conv/fc weights… plus the 1568×64 fc). */
export function buildCnn(): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: n });
  const conv = (filters: number, seed: number, first: boolean) =>
    tf.layers.conv2d({
      ...(first ? { inputShape: [28, 28, 1] } : {}),
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: h(seed),
    });
  return tf.sequential({
    layers: [
      conv(16, 1, true),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(32, 2, false),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: h(3) }),
      tf.layers.dense({ units: 10, kernelInitializer: h(4) }),
    ],
  });
}

/**
 * The CIM I transformer-like classifier (tfjs-layers has no attention layer): an MLP-Mixer block with image rows as
 * 28 tokens — token embedding 28→64, LayerNorm, token-mixing MLP (28→28 across tokens), LayerNorm, channel MLP
 * 64→128→64, mean over tokens, classifier 64→10.
 */
export function buildMixer(): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: n });
  const dense = (units: number, seed: number, relu: boolean) =>
    tf.layers.dense({ units, kernelInitializer: h(seed), ...(relu ? { activation: 'relu' as const } : {}) });
  return tf.sequential({
    layers: [
      tf.layers.reshape({ inputShape: [28, 28, 1], targetShape: [28, 28] }),
      dense(64, 1, false),
      tf.layers.layerNormalization(),
      tf.layers.permute({ dims: [2, 1] }),
      dense(28, 2, true),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.layerNormalization(),
      dense(128, 3, true),
      dense(64, 4, false),
      tf.layers.globalAveragePooling1d(),
      dense(10, 5, false),
    ],
  });
}

/**
 * A wider transformer-like classifier with BERT-like fan-in (the SWS regime: many 128-row sections per output): an
 * MLP-Mixer block on 16 tokens = 7×7 image patches, tokens kept on a 4×4 grid so the per-token linear maps are 1×1
 * convolutions (same matrices as Dense on tokens; tfjs-wasm trains them far faster than Dense on 3-D inputs) —
 * patch embedding 49→256 (7×7 stride-7 conv, ViT-style), token-mixing MLP 16→32→16 (ReLU) across tokens, channel MLP 256→1024→256 (ReLU; fan-in 256 and 1024, BERT's FFN 768→3072→768 scaled by 1/3), mean over
 * tokens, classifier 256→10. 541K kernel weights, 97 % of them in the channel MLP. No LayerNorm: its backward pass
 * on tfjs-wasm costs ~1 s per batch here, and one non-residual block trains without it.
 */
export function buildWideMixer(): tf.Sequential {
  return patchMixer(256, 100);
}

/**
 * A k×k conv at stride k over the token grid (k = 7: the 7×7 patch embedding; k = 1: a per-token linear map, the
 * same matrix as Dense on tokens) with `filters` outputs, optional ReLU; `first` makes it the input layer (28×28×1).
 */
function patchConv(
  filters: number,
  k: number,
  kernelInitializer: ReturnType<typeof tf.initializers.heNormal>,
  relu: boolean,
  first = false,
): tf.layers.Layer {
  return tf.layers.conv2d({
    ...(first ? { inputShape: [28, 28, 1] } : {}),
    filters,
    kernelSize: k,
    strides: k,
    kernelInitializer,
    ...(relu ? { activation: 'relu' as const } : {}),
  });
}

/** The patch-token mixer at channel width `d` (channel MLP d→4d→d), He-normal initializers seeded seedBase + layer. */
function patchMixer(d: number, seedBase: number): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: seedBase + n });
  const dense = (units: number, seed: number, relu: boolean) =>
    tf.layers.dense({ units, kernelInitializer: h(seed), ...(relu ? { activation: 'relu' as const } : {}) });
  const conv = (filters: number, k: number, seed: number, relu: boolean, first = false) => patchConv(filters, k, h(seed), relu, first);
  return tf.sequential({
    layers: [
      conv(d, 7, 1, false, true), // [4, 4, d]: 16 patch tokens
      tf.layers.reshape({ targetShape: [16, d] }),
      tf.layers.permute({ dims: [2, 1] }),
      dense(32, 2, true),
      dense(16, 3, false),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.reshape({ targetShape: [4, 4, d] }),
      conv(4 * d, 1, 4, true),
      conv(d, 1, 5, false),
      tf.layers.globalAveragePooling2d({}),
      dense(10, 6, false),
    ],
  });
}

/**
 * The wide model with a weight-free token mixer (PoolFormer-style MetaFormer block): 7×7 patches → 16 tokens × 256,
 * 3×3 average pooling over the 4×4 token grid (token mixing, no weights — like BERT, whose token mixing QKᵀ·V is
 * activation × activation and never sits on a crossbar), output projection 256→256 (attention-O-like), channel MLP
 * 256→1024→256, mean over tokens, classifier 256→10. 605K weights; every crossbar layer but the 49-input patch
 * embedding has fan-in ≥ 256, as in BERT.
 */
export function buildWidePoolFormer(): tf.Sequential {
  return poolFormer(256, 200, 'mean');
}

/**
 * The PoolFormer-style block at channel width `d` (projection d→d, channel MLP d→4d→d), He-normal initializers seeded
 * seedBase + layer. Head 'mean' = mean over tokens → d→10; 'flatten' = the 16 tokens flattened → 16d→10 (keeps
 * where each patch is, as a ViT's position embeddings do; its 10 outputs cost ~0.3 % of the ADC energy).
 */
function poolFormer(d: number, seedBase: number, head: 'mean' | 'flatten'): tf.Sequential {
  const h = (n: number) => tf.initializers.heNormal({ seed: seedBase + n });
  const conv = (filters: number, k: number, seed: number, relu: boolean, first = false) => patchConv(filters, k, h(seed), relu, first);
  return tf.sequential({
    layers: [
      conv(d, 7, 1, false, true),
      tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
      conv(d, 1, 2, true),
      conv(4 * d, 1, 3, true),
      conv(d, 1, 4, false),
      head === 'mean' ? tf.layers.globalAveragePooling2d({}) : tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: h(5) }),
    ],
  });
}

/**
 * The PoolFormer-style transformer-like model at BERT-large width — the SWS gate model: 7×7 patches → 16 tokens × 1024,
 * 3×3 average-pool token mixing (no weights: BERT's QKᵀ·V is activation × activation and is not on crossbars either),
 * projection 1024→1024 (attention-O-like), channel MLP 1024→4096→1024 (BERT-large's FFN), the 16 tokens flattened into
 * a 16384→10 classifier. 9.6M weights; every crossbar layer but the 49-input patch embedding has fan-in ≥ 1024
 * (8, 32 and 128 sections of 128 rows per output). Shipped as symmetric per-tensor int8.
 */
export function buildLargePoolFormer(): tf.Sequential {
  return poolFormer(1024, 400, 'flatten');
}

/**
 * The transformer-like classifier at BERT-large width (hidden 1024, FFN 4096; the regime of the SWS paper's BERT
 * results): the `wide` mixer's shape with every channel width ×4 — 7×7 patches → 16 tokens × 1024, token-mixing MLP
 * 16→32→16 across tokens, channel MLP 1024→4096→1024 (1×1 convs over the 4×4 token grid, ReLU), mean over tokens,
 * classifier 1024→10. 8.46M weights, 99 % in the channel MLP (fan-in 1024 and 4096: 8 and 32 sections of 128 rows per
 * output). Shipped as symmetric per-tensor int8 (what the crossbars hold anyway).
 */
export function buildLargeMixer(): tf.Sequential {
  return patchMixer(1024, 300);
}

/** A fresh, untrained model of one of the SWS_MODEL_KINDS (Fashion-MNIST input, 10 classes). The caller owns it. */
export function buildSwsModel(kind: SwsModelKind): tf.Sequential {
  if (kind === 'large') return buildLargeMixer();
  if (kind === 'largepool') return buildLargePoolFormer();
  if (kind === 'cnn') return buildCnn();
  if (kind === 'mixer') return buildMixer();
  if (kind === 'wide') return buildWideMixer();
  if (kind === 'widepool') return buildWidePoolFormer();
  throw new InvalidInput(`model kind must be one of ${SWS_MODEL_KINDS.join(', ')}, got ${describe(kind)}`);
}

/** Folder holding the shipped trained models (<kind>/model.json): core/assets 'fashion-mnist-models' ($EDGELAB_ASSETS, beside the bundle, the repo). */
export function swsModelDir(): string {
  return resolveAsset('fashion-mnist-models');
}

/** Load a shipped trained model. The caller owns it (dispose it). */
export async function loadSwsModel(
  kind: SwsModelKind,
  opts: {
    /** Folder holding <kind>/model.json (default swsModelDir(), the shipped models). */
    dir?: string;
  } = {},
): Promise<tf.LayersModel> {
  buildSwsModel(kind).dispose(); // validates the kind
  const dir = join(opts.dir ?? swsModelDir(), kind);
  if (!existsSync(join(dir, 'model.json'))) {
    const why =
      kind === 'large'
        ? ' (the .vsix leaves out the large mixer)'
        : ' (a dist/ built before the model was trained lacks it: node esbuild.mjs)';
    throw new NotFound(`SWS model '${kind}' is not in ${dir}${why}; train it with: npx tsx scripts/sws/train-models.ts --only ${kind}`);
  }
  return loadLayersModel(dir);
}
