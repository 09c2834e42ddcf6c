/**
 * Pretraining (arXiv 2403.16451, abstract: a model pretrained "for a given lathe machine's operations to learn the
 * salient features of machining states"). The official code releases only the resulting checkpoint, which loads into
 * the same network including its regression head, so pretraining here is supervised error regression over whole tool
 * lives of several source tasks on one machine, every weight trained.
 */
import { buildModel, type ConfigName, type DeepMachiningModel } from './model';
import { fit } from './train';
import { defaultMachine, toolLife } from './lathe';
import { fitNorm, makeWindows, type NormStats } from './data';
import type { MachineSpec, TaskSpec, Workpiece } from './types';

export interface PretrainOptions {
  /** Model size (default 'ci-micro'; ours, sized for CPU). */
  config?: ConfigName;
  /** Seed of the weights, the batch order and (unless `toolSeed` is set) the source tools (default 0). */
  seed?: number;
  /** The lathe the source tasks run on (default `defaultMachine()`). */
  machine?: MachineSpec;
  /** Workpieces per source tool life (default 24; ours). */
  pieces?: number;
  /** Window stride: every n-th 0.1-mm window (default 8; ours). */
  every?: number;
  /** Optimiser steps, batch 32 (default 150; ours). */
  steps?: number;
  /** Base learning rate of Adam, cosine-decayed to 0 (default 3e-3; ours). */
  lr?: number;
  /** Time compression of the recordings: each recorded cut lasts `timeScale` × the physical cut time (default 0.1; ours, for speed). */
  timeScale?: number;
  /** Seed base of the source tools (tool i gets toolSeed + i). */
  toolSeed?: number;
  /** Aborts pretraining between steps (default none). */
  signal?: AbortSignal;
  /** Receives one-line progress messages (default none). */
  log?: (s: string) => void;
}

/** The pretraining corpus: one tool life per source task (tool i seeded toolSeed + i). */
export function sourceCorpus(
  sources: readonly TaskSpec[],
  o: Pick<PretrainOptions, 'seed' | 'machine' | 'pieces' | 'timeScale' | 'toolSeed'> = {},
): Workpiece[] {
  const machine = o.machine ?? defaultMachine();
  return sources.flatMap((t, i) =>
    toolLife(machine, t, {
      workpieces: o.pieces ?? 24,
      seed: (o.toolSeed ?? 10_000 * ((o.seed ?? 0) + 1)) + i,
      timeScale: o.timeScale ?? 0.1,
    }),
  );
}

/** Pretrain on one tool life per source task. Returns the model (caller owns it), the frozen normalisation and the loss curve. */
export function pretrain(
  sources: readonly TaskSpec[],
  o: PretrainOptions = {},
): { model: DeepMachiningModel; norm: NormStats; losses: number[]; windows: number; seconds: number } {
  const seed = o.seed ?? 0;
  const config = o.config ?? 'ci-micro';
  const corpus = sourceCorpus(sources, o);
  const norm = fitNorm(corpus);
  const model = buildModel(config, { seed });
  const data = makeWindows(corpus, norm, { seq: model.config.seq, every: o.every ?? 8 });
  o.log?.(`seed ${seed}: pretraining on ${data.n} windows of ${corpus.length} workpieces (${sources.length} tasks)`);
  const r = fit(model, data, { steps: o.steps ?? 150, lr: o.lr ?? 3e-3, seed, signal: o.signal, label: 'pretraining' });
  return { model, norm, losses: r.losses, windows: data.n, seconds: r.seconds };
}
