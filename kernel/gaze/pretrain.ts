/**
 * Label-free teacher pre-training: the stand-in for the ImageNet-1K checkpoint of ConvNeXt V2-Atto that the paper
 * (GazeGen, arXiv 2411.04335 §3.1) freezes under its adapters. That checkpoint is not available offline, and the
 * pipeline's T0 (pipeline.ts) trains the whole teacher on gaze LABELS instead, so its backbone already knows gaze. This
 * stage pre-trains the backbone the way ConvNeXt V2 itself was pre-trained — FCMAE, fully convolutional masked
 * autoencoding (arXiv 2301.00808 §3) — on the unlabeled pool of other users' eyes, never reading a label; adapters,
 * final LayerNorm and head are then the only weights gaze labels reach (the pipeline's 't1m' stage, group 'tunable').
 *
 *   L = Σ_masked (x̃ − x̂)² / #masked pixels,   x̂ = Linear(ConvNeXtBlock(f_s)) rearranged to pixels,
 * with x̃ the target pixels normalised per decoder cell (FCMAE's norm_pix_loss: each s×s cell to zero mean, unit
 * variance), f_s the encoder's stage-s map (s = 4: FCMAE's one-block decoder at the total stride 32; s = 3: stride 16).
 * Choices at our scale (options, defaults documented): 8×8-pixel mask patches at ratio 0.6 (FCMAE: patches of the total
 * stride, 32 px, which at 32×64 would leave 2 patches per image) and FCMAE's sparse convolution emulated (`maskMode`
 * 'sparse', model.ts runStages) so visible features never see masked content. Adapters stay at their identity
 * initialisation and the head is untouched: the stage trains the backbone only (model.ts group 'backbone').
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe } from '../core/errors';
import { rng, type Rng } from '../core/rng';
import { groupVars } from './model';
import { decoderBuilder, prepareDistillBatch, type MaskMode } from './distill';
import { trainLoop, type LoopResult } from './train';
import { maeLoss, normalisedCells, toCells, type MaeTask, type StepBatch } from './steps';
import type { EyeBatch, GazeModel, StageOptions } from './types';
import { withDefaults } from '../core/options';

export interface MaskedPretrainOptions extends StageOptions {
  /** Peak learning rate (default 1.5e-3, T0's; 5 % warm-up then cosine decay). */
  lr?: number;
  /** Masked fraction of patches (default 0.6, FCMAE's). */
  maskRatio?: number;
  /** Mask patch size in pixels (default 8). */
  maskPatch?: number;
  /** 'sparse' (default, FCMAE's sparse convolution emulated) or 'zero' (dense convs on the zero-filled image). */
  maskMode?: MaskMode;
  /** Encoder stage the pixel decoder reads (default 4 = FCMAE's; 3 = the stride-16 map). */
  pixelStage?: 3 | 4;
  /** Normalise target pixels per decoder cell (default true, FCMAE's norm_pix_loss). */
  normPix?: boolean;
  /** Pool images of the held-out reconstruction batch (default 32; their own stream, never trained on). */
  heldOutImages?: number;
  /** Measure the held-out loss every this many steps (default 100; also at the start and the end). */
  evalEvery?: number;
  /** Resumable checkpoint file (see trainLoop). */
  checkpoint?: { path: string; every?: number };
}

export interface MaskedPretrainResult extends LoopResult {
  /** The pixel decoder (caller disposes with disposeGazeModel). */
  decoder: GazeModel;
  /** Held-out masked reconstruction loss over training (1 = predicting each normalised cell's mean, with normPix); a
   * resumed run's list starts at its first measurement after the resume. */
  heldOut: { step: number; loss: number }[];
}

/** FCMAE's decoder for `model`: one ConvNeXt V2 block at the stage-`stage` width + a linear map to s·s·C pixels per cell. */
export function buildPixelDecoder(model: GazeModel, stage: 3 | 4 = 4, seed = 0): GazeModel {
  const c = model.spec.dims[stage - 1]!,
    s = stage === 3 ? 16 : 32;
  const d = decoderBuilder(seed, 'gazemae');
  d.block('di.b0', c);
  d.linear('di.fc', c, s * s * model.spec.inCh);
  return {
    kind: model.kind,
    spec: model.spec,
    params: d.params,
    buffers: new Map(),
    meta: { role: 'fcmae-decoder', stage: String(stage) },
  };
}

/**
 * Pre-train `model`'s backbone with FCMAE on unlabeled images from `pool(n, r)`. Mutates the model (backbone only);
 * returns the loss log, the held-out reconstruction loss over training and the decoder. Defaults: 300 steps, batch 32,
 * lr 1.5e-3 (T0's) with 5 % warm-up and cosine decay, weight decay 0.05, mask 0.6 of 8×8 patches, sparse, stage-4 decoder.
 */
export async function maskedPretrain(
  model: GazeModel,
  pool: (n: number, r: Rng) => EyeBatch,
  o: MaskedPretrainOptions = {},
): Promise<MaskedPretrainResult> {
  const ratio = o.maskRatio ?? 0.6,
    patch = o.maskPatch ?? 8,
    mode = o.maskMode ?? 'sparse',
    stage = o.pixelStage ?? 4,
    batch = Math.round(o.batch ?? 32);
  if (!(ratio > 0 && ratio < 1)) throw new InvalidInput(`maskRatio must be in (0, 1), got ${describe(ratio)}`);
  if (!Number.isInteger(patch) || patch < 1) throw new InvalidInput(`maskPatch must be a positive integer, got ${describe(patch)}`);
  if (mode !== 'zero' && mode !== 'sparse') throw new InvalidInput(`maskMode must be 'zero' or 'sparse', got ${describe(mode)}`);
  if (stage !== 3 && stage !== 4) throw new InvalidInput(`pixelStage must be 3 or 4, got ${describe(stage)}`);
  const seed = o.seed ?? 0;
  const dec = buildPixelDecoder(model, stage, seed + 211);
  const task: MaeTask = { kind: 'mae', inCh: model.spec.inCh, maskMode: mode, pixelStage: stage, normPix: o.normPix ?? true };
  const held = prepareDistillBatch(pool(Math.round(o.heldOutImages ?? 32), rng(seed + 0x6d61)), ratio, patch, rng(seed + 0x6d62));
  const heldOut: MaskedPretrainResult['heldOut'] = [];
  const measure = (step: number) => heldOut.push({ step, loss: maeLossValue(task, model, dec, held) });
  const every = Math.max(1, Math.round(o.evalEvery ?? 100));
  const steps = Math.round(o.steps ?? 300);
  if (!(o.checkpoint && existsSync(o.checkpoint.path))) measure(0); // a resumed run measures from where it resumes
  const res = await trainLoop(
    {
      label: `FCMAE pre-training (mask ${ratio}, ${mode}, stage-${stage} decoder)`,
      models: [model, dec],
      vars: [...groupVars(model, 'backbone'), ...dec.params.values()],
      checkpoint: o.checkpoint,
      step: { task, prepare: (_s, r) => prepareDistillBatch(pool(batch, r), ratio, patch, r) },
      after: (step) => {
        if (step % every === 0 || step === steps) measure(step);
      },
    },
    withDefaults({ weightDecay: 0.05, steps: 300, lr: 1.5e-3 }, o),
  );
  if (!heldOut.length || heldOut[heldOut.length - 1]!.step !== res.steps) measure(res.steps);
  return { ...res, decoder: dec, heldOut };
}

/** The masked reconstruction loss of a prepared batch (no gradient; no tensors left). */
export function maeLossValue(task: MaeTask, model: GazeModel, dec: GazeModel, b: StepBatch): number {
  return tf.tidy(() => maeLoss(task, [model, dec], b).dataSync()[0]!);
}

/** The loss and the cell layout live in steps.ts (beside the KD loss) so worker threads run them too. */
export { maeLoss, normalisedCells, toCells };
