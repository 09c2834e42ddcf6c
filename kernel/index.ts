/**
 * EdgeLab kernel: the one public entry that notebooks import.
 *
 *   import { init, show, tf, cim } from 'edgelab';
 *
 * Core verbs are top level; each paper's method lives in its own namespace.
 */
export * from './core/errors';
export { rng, type Rng } from './core/rng';
export { init, backendInfo, inNotebook, tf, type InitOptions, type BackendReport, type BackendName } from './core/backend';
export { registerWasmTrainingKernels } from './core/wasm-grads';
export {
  parseIdx,
  loadFashionMnist,
  loadMnist,
  asTensors,
  FASHION_MNIST_CLASSES,
  type ImageDataset,
  type IdxArray,
  type LoadOptions,
} from './core/data';
export { expectNoLeak, relErr, TensorLeak } from './core/testing';
export * as viz from './viz';
export {
  show,
  showText,
  showMarkdown,
  showGif,
  canDisplay,
  type ShowOptions,
  type TextDisplayOptions,
  type GifDisplayOptions,
} from './core/display';
export { progress, withProgress, type Progress, type ProgressOptions } from './core/progress';
export type { Figure, MimeBundle, FigureKind } from './viz/types';
export { toShaped, type MatrixLike, type VectorLike, type ShapedArray } from './core/matrix';
export { meanCi, formatCi } from './core/stats';
// Paper modules (one line each):
export * as io from './core/io';
export * as jobs from './core/jobs';
export * as mema from './mema';
export * as cim from './cim';
export * as sws from './sws';
export * as sparse from './sparse';
export * as stitch from './stitch';
export * as federated from './federated';
export * as gaze from './gaze';
export * as split from './split';
export * as machining from './machining';
export * as gazegen from './gazegen';
export * as gen4gen from './gen4gen';
export * as model from './model';
export { analyzeModel, exportAnalysis } from './model';
// The paper index (folder, namespace, tutorial, bench prefixes per paper):
export { papers, foundation, paperForBenchPrefix, type Paper, type PaperStatus } from './papers';
