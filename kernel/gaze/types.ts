/**
 * Types of the DFT Gaze models, training stages and evaluation (paper: GazeGen's DFT Gaze agent, arXiv 2411.04335).
 * Data types (synthetic users, protocols, calibration sets) live in world/types.ts (owned by the data side).
 */
import type * as tf from '@tensorflow/tfjs';

/** Architecture of one ConvNeXt V2 network with adapters. */
export interface NetSpec {
  /** Channel widths of the four stages (teacher Atto [40,80,160,320]; student [40,20,40,80]). */
  dims: [number, number, number, number];
  /** Blocks per stage (Atto: [2,2,6,2]). */
  depths: [number, number, number, number];
  /** Input channels (1 = grayscale eye images; 3 = the paper's count, grayscale replicated). */
  inCh: number;
  /** Head outputs (2 = yaw, pitch in radians). */
  outDim: number;
  /** Adapter bottleneck = dim / adapterReduction (paper: 4). */
  adapterReduction: number;
  /** LeakyReLU slope inside adapters (paper: unspecified; 0.01 = the PyTorch default). */
  leakySlope: number;
}

export type ModelKind = 'teacher' | 'student';

/**
 * A ConvNeXt V2 network held as named tf.Variables (NHWC layout). Owns its variables: call disposeGazeModel.
 * Names: 'stem.w', 's2.down.w', 's3.b4.pw1.w', 's4.b1.ad.up.w', 'head.w', … (see model.ts).
 */
export interface GazeModel {
  kind: ModelKind;
  spec: NetSpec;
  /** Trainable parameters by name (insertion order = a stable serialization order). */
  params: Map<string, tf.Variable>;
  /** Non-trainable buffers (adapter BatchNorm running mean / variance). */
  buffers: Map<string, tf.Variable>;
  /** Free-form provenance (training stage, steps, input size…), serialized with the weights. */
  meta: Record<string, string>;
}

/** Which parameters a stage trains. */
export type ParamGroup =
  | 'all' // every parameter
  | 'tunable' // adapters + final LayerNorm + head (the paper's "tunable" count)
  | 'stage4-adapters' // personalization: last-stage adapters only
  | 'stage4-adapters+head'
  | 'student-kd' // student stages 2–4 (stem and stage 1 are inherited from the teacher and frozen)
  | 'backbone'; // everything except adapters and head

/**
 * A batch of grayscale eye images: n images of h×w, row-major, values in [0, 1]
 * (uint8 0–255 is also accepted by `toInput`).
 */
export interface EyeBatch {
  n: number;
  h: number;
  w: number;
  data: Float32Array | Uint8Array;
}

/** Gaze labels: n (yaw, pitch) pairs in radians, interleaved [yaw0, pitch0, yaw1, …]. */
export type GazeLabels = Float32Array;

/** A labeled set. */
export interface GazeSet {
  images: EyeBatch;
  gaze: GazeLabels;
  /** Optional user id per image (for per-user analysis). */
  user?: Int32Array;
}

export interface ForwardOptions {
  /** BatchNorm uses batch statistics and updates running statistics (default false). */
  training?: boolean;
  /** Also return the stage outputs (after each stage, NHWC). */
  features?: boolean;
}

export interface ForwardResult {
  /** [N, outDim] predictions (yaw, pitch radians). */
  out: tf.Tensor2D;
  /** Stage outputs 1..4 when requested. */
  stages?: tf.Tensor4D[];
}

/** Per-step record of a training stage. */
export interface TrainLogEntry {
  step: number;
  loss: number;
  /** Named loss parts (e.g. img, f3, f4 for distillation). */
  parts?: Record<string, number>;
  ms: number;
}

/**
 * Options shared by every training stage (trainSupervised, distill, personalize; the loop is train.ts `trainLoop`).
 * Where a default differs by stage, each stage's default is listed.
 */
export interface StageOptions {
  /** Optimizer steps (defaults: trainSupervised 200, distill 300, personalize 60). */
  steps?: number;
  /** Images per step (defaults: trainSupervised 32, distill 32, personalize 16). */
  batch?: number;
  /**
   * Peak Adam learning rate (defaults: trainSupervised 1e-3, distill 1e-3, personalize 2e-3); the schedule is a linear
   * warm-up over the first 5% of steps, then cosine decay to 2% of the peak (train.ts `lrAt`).
   */
  lr?: number;
  /**
   * Decoupled weight decay (AdamW) per unit learning rate, applied to weights of rank ≥ 2 after each step
   * (defaults: distill 0.05; trainSupervised and personalize 0 — runPipeline passes 0.05 for the T0 full training).
   */
  weightDecay?: number;
  /**
   * Seed of the stage's random draws (default 0): one stream per step for the batches; distill also draws its
   * target-statistics pool, held-out batch and decoder weights from it, personalize its replay subset.
   */
  seed?: number;
  /** Checked before every step; aborting throws `Aborted` naming the step (no default: runs to the end). */
  signal?: AbortSignal;
  /** Called every `logEvery` steps. */
  onLog?: (e: TrainLogEntry) => void;
  /** Steps between loss-log entries (and `onLog` calls); the last step is always logged (default 10). */
  logEvery?: number;
  /** Show a progress bar (default true; personalize: false). */
  progress?: boolean;
  /**
   * Data-parallel worker threads, each with its own wasm backend (default 1 = train in this thread). With 2 the
   * batch is split in two, gradients are summed and one update is applied (parallel.ts).
   */
  workers?: number;
}
