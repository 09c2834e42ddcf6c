/**
 * Two-shot adapter fine-tuning, as in the official code's LoRA mode (arXiv 2403.16451; github.com/ALiGoo/DeepMachining):
 * build the same network with bottleneck adapters, copy every non-adapter weight from the pretrained model, then
 * update only the variables whose names contain `bias`, `regressor_ffn_2` or `LoRA` (19,782 of 274,240 at f = 24) on
 * the windows of two labelled workpieces of the new task. Everything else stays bit-identical.
 */
import { InvalidInput } from '../core/errors';
import { buildModel, copyWeights, isFineTuned, type DeepMachiningModel, type ModelConfig } from './model';
import { fit, type FitResult } from './train';
import type { Windows } from './data';

export interface FineTuneOptions {
  /** Optimiser steps (batch 32) and base learning rate (cosine-decayed). Choose both on source-task validation. */
  steps: number;
  lr: number;
  /** Adapter initialisation: 'glorot' (default, as in the official code: step 0 already perturbs the pretrained function)
   *  or 'zeros'. */
  adapterInit?: ModelConfig['adapterInit'];
  /** Seed of the adapter initialisation, the batch order and the dropout masks (default 0). */
  seed?: number;
  /** Windows per batch (default 32, the official code's batch size). */
  batch?: number;
  /** Aborts fine-tuning between steps (default none). */
  signal?: AbortSignal;
  /** Show a progress bar (default true when steps > 20). */
  progress?: boolean;
}

/** The adapter model for a pretrained (adapter-free) model: same config + adapters, pretrained weights copied in. The caller owns it. */
export function withAdapters(
  pretrained: DeepMachiningModel,
  adapterInit: ModelConfig['adapterInit'] = 'glorot',
  seed = 0,
): DeepMachiningModel {
  if (pretrained.config.adapters)
    throw new InvalidInput('withAdapters expects the pretrained model without adapters (config.adapters = false)');
  const m = buildModel({ ...pretrained.config }, { seed: seed + 7919, overrides: { adapters: true, adapterInit } });
  copyWeights(pretrained, m);
  return m;
}

/** Fine-tune a copy of `pretrained` (with adapters) on the two-shot windows. Returns the new model (caller owns it) and the fit log. */
export function twoShotFineTune(
  pretrained: DeepMachiningModel,
  shots: Windows,
  o: FineTuneOptions,
): { model: DeepMachiningModel; fit: FitResult } {
  const model = withAdapters(pretrained, o.adapterInit ?? 'glorot', o.seed ?? 0);
  const log = fit(model, shots, {
    steps: o.steps,
    lr: o.lr,
    seed: o.seed,
    batch: o.batch,
    signal: o.signal,
    progress: o.progress,
    varFilter: isFineTuned,
    label: 'two-shot fine-tuning',
  });
  return { model, fit: log };
}
