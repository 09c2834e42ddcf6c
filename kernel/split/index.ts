/**
 * SplitNets (Dong, De Salvo, Li, Liu, Li, Qu, Kung: "SplitNets: Designing Neural Architectures for Efficient Distributed
 * Computing on Head-Mounted Systems", CVPR 2022, arXiv 2204.04705; no official code): design a network and its split
 * between camera sensors and a central aggregator at once.
 *
 *   split.systemCost(config, split.preset('weak-sensor-mipi'))     // latency = sensor + link + aggregator, bits, energy, sensor memory
 *   split.layerCost({ kind: 'conv', name: 'c', k: 3, cout: 8 }, { h: 28, w: 28, c: 1 })   // exact MACs / params
 *   split.quantize(x, 8, lo, hi)                                    // uniform quantizer, straight-through gradient
 *   split.pcaInit(features, C, c′)                                  // reduce/recover initialized from a PCA
 *   split.fuse(views, 'max' | 'mean' | 'concat', { kernel })        // multi-view fusion after recover
 *   await split.evolutionarySearch(space, { preset, latencyBudget, accuracy })  // constrained search; exhaustiveSearch = oracle
 *   const { net } = split.loadShippedSupernet(); split.accuracy(net, x, y, config)  // weight-sliced supernet (Fashion-MNIST)
 *   split.multiViewSolids({ n: 100, views: 8, seed: 1 })             // procedural multi-view 3-D solids
 *   await split.multiViewExperiment({ stage: 'fusion', seed: 1 })    // single view vs late vs max/mean/concat fusion (V = 4)
 *   split.rankAgreement(await split.measureLatencyTable(split.spaceOps(space)), space)  // measured per-op LUT vs MACs
 */
export type { Shape, LayerSpec, LayerCost, PhaseConfig, SplitConfig, Preset, CostBreakdown } from './types';
export {
  layerCost,
  chainCost,
  phaseLayers,
  splitLayers,
  checkConfig,
  systemCost,
  transferSeconds,
  wireBits,
  sensorPeakBytes,
  preset,
  checkPreset,
  PRESET_NAMES,
  DEFAULT_PRESET,
  type FusionKind,
  type NetworkOptions,
  type CostOptions,
  type PresetOverride,
  type SplitLayers,
} from './cost';
export { quantize, pcaInit, reduce, recover, type SplitModuleWeights } from './splitmodule';
export { symmetricEigen } from '../core/linalg';
export { fuse, FUSION_KINDS } from './fusion';
export {
  exhaustiveSearch,
  evolutionarySearch,
  largestFeasible,
  paretoFront,
  feasibleCost,
  spaceSize,
  decode,
  checkSpace,
  better,
  FULL_SPACE,
  SHIPPED_SPACE,
  type SearchSpace,
  type Objective,
  type Candidate,
  type SearchResult,
  type EvolutionOptions,
  type Genome,
} from './search';
export {
  Supernet,
  trainSupernet,
  accuracy,
  calibrateSplitModules,
  extremes,
  sampleConfig,
  serializeSupernet,
  deserializeSupernet,
  loadShippedSupernet,
  shippedDir,
  DEFAULT_SPEC,
  type SupernetSpec,
  type SupernetManifest,
  type TrainOptions,
  type SplitSlot,
} from './supernet';
export {
  multiViewSolids,
  viewImages,
  ringViews,
  SOLID_CLASSES,
  DEFAULT_DIFFICULTY,
  type SolidsDifficulty,
  type SolidsOptions,
  type MultiViewSet,
} from './data';
export {
  study,
  evolutionGate,
  validationScorer,
  STUDY_SPACE,
  KERNEL_STUDY_SPACE,
  GATE_EVOLUTION,
  type StudyOptions,
  type StudyResult,
  type EvolutionGate,
} from './study';
export {
  multiViewExperiment,
  multiViewConfig,
  top1,
  averageProbs,
  loadShippedMultiView,
  loadShippedLatencyTable,
  type MultiViewOptions,
  type MultiViewResult,
} from './multiview';
export {
  measureLatencyTable,
  spaceOps,
  configLayers,
  opKey,
  tableSeconds,
  compareWithAnalytic,
  rankAgreement,
  kendallTau,
  type LatencyTable,
  type LutEntry,
} from './lut';
export {
  layersTable,
  latencyBySplitFigure,
  paretoFigure,
  architectureFigure,
  solidsFigure,
  paperVsOurs,
  fusionTable,
  fusionByViewsFigure,
  lutFigure,
  type PaperRow,
} from './figures';
