/** Shared types of GazeGen's selection stage (arXiv 2411.04335, Sec. 3). */
import type { Box, Detection } from '../core/models/centernet';
import type { View } from './view';

/** One gaze sample on the photo: time in ms, point in image pixels, and the source's error estimate in pixels. */
export interface GazeSample {
  t: number;
  x: number;
  y: number;
  /** Expected gaze error at this point, in pixels (from the source's angular error through the view). */
  errPx: number;
  /** Ground truth, where the source knows it (the synthetic DFT Gaze user's true gaze). */
  trueX?: number;
  trueY?: number;
}

/** Where gaze points come from. Every source yields timestamped samples in image pixels with an error estimate. */
export interface GazeSource {
  readonly kind: 'dft-gaze' | 'trace' | 'mouse' | 'webcam';
  readonly view: View;
  /** The source's angular error estimate (deg) behind each sample's errPx. */
  readonly errorDeg: number;
  samples(): AsyncIterable<GazeSample>;
}

/** A fixation found by I-DT: a run of samples within the dispersion threshold for at least the duration threshold. */
export interface Fixation {
  /** First and last sample times (ms). */
  start: number;
  end: number;
  durationMs: number;
  /** Centroid in image pixels. */
  x: number;
  y: number;
  /** Mean errPx of its samples. */
  errPx: number;
  samples: number;
}

/** Outcome of the selection rule at one gaze point. */
export interface Selection {
  /** The selected detection, or null: "nothing there" is a result, not an error. */
  selected: Detection | null;
  /** 'contains': a box holds the point (best score wins); 'nearest': the nearest centre within the radius; 'none'. */
  rule: 'contains' | 'nearest' | 'none';
  /** Every box the (restricted or full) decode produced. */
  detections: Detection[];
  /** The decoded cell window (inclusive), or null for a full decode. */
  window: { c0: number; c1: number; r0: number; r1: number } | null;
  /** Cells decoded and their fraction of the grid. */
  cellsDecoded: number;
  cellFraction: number;
  /** Half-widths of the window in cells (kx, ky), and the fallback radius in pixels. */
  k: [number, number];
  radiusPx: number;
  /** With the 'likelihood' rule: the two boxes the gaze could not tell apart when nothing was selected. */
  ambiguous?: Detection[];
}

/** A hand-labelled object of the fixture. */
export interface LabelledObject {
  /** COCO class label (one of the 80). */
  label: string;
  box: Box;
  /** Optional remark (occluded, partly outside, …). */
  note?: string;
}

export interface LabelledPhoto {
  /** Photo id in the catalogue (core/vision/photos.ts). */
  photo: string;
  /** Package the photo comes from (checked against the catalogue). */
  package: string;
  width: number;
  height: number;
  objects: LabelledObject[];
}
