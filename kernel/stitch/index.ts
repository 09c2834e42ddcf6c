/**
 * StitchNet ("StitchNet: Composing Neural Networks from Pre-Trained Fragments", Teerapittayanon, Comiter, McDanel,
 * Kung; arXiv 2301.01947, ICMLA 2023; authors' code github.com/steerapi/stitchnet), on tfjs LayersModels.
 *
 *   const zoo = await stitch.loadZoo();                                   // 12 small nets: F-MNIST, subsets, MNIST, both
 *   stitch.fragmentize(zoo[0].model)                                       // cut points and fragments
 *   stitch.cka(X, Y)                                                       // linear CKA (float64), paper's conv policy
 *   stitch.ckaMatrix(a, b, images)                                         // layer × layer CKA
 *   const s = stitch.fitStitch(X, Y)                                       // min-norm least squares, folded later
 *   for await (const net of stitch.search({ nets, data, K: 2, TT: 0.5 })) // recursive search, no backprop
 *     stitch.knnAccuracy(net, { fit, test })                               // the fixed k-NN (k = 5) protocol
 *   await stitch.study({ target: 'tops3', stitchImages: 256, seed: 0 })  // sub-task study, selection on validation
 */
export { type Acts, type ActsLike } from './acts';
export { cka, ckaRaw, type CkaOptions } from './cka';
export { fitStitch, refineLs, type FitOptions, type RefineOptions, type Stitch } from './fit';
export { fragmentize, countMacs, type Fragment, type NetGraph, type Piece } from './graph';
export {
  search,
  imagesToActs,
  emptyCost,
  totalCost,
  type SearchCost,
  type SearchOptions,
  type StitchedNet,
  type ChainLink,
  type NetInput,
  type ImagesLike,
} from './search';
export { knnHead, labelMapHead, accuracy, type KnnHead } from './heads';
export { ckaMatrix, knnAccuracy, trainFromScratch, type CkaMatrix, type CkaMatrixOptions, type LabelledImages } from './evaluate';
export { ckaFigure, networksTable, chainFigure, chainText } from './figures';
export {
  ZOO,
  loadZoo,
  zooDir,
  zooManifest,
  mnistZooIds,
  vggNet,
  wideNet,
  resNet,
  dsconvNet,
  type ZooSpec,
  type ZooTrain,
  type LoadZooOptions,
} from './zoo';
export {
  TARGETS,
  targetSplit,
  drawStitchingSet,
  maxStitchImages,
  assertDisjoint,
  type TargetSpec,
  type TargetSplit,
  type IdImages,
} from './targets';
export { pixelKnn, fineTune, scratchBaseline, type TrainedBaseline, type TrainOptions } from './baselines';
export {
  VARIANTS,
  loadRecords,
  mergeRecords,
  loadFinetuneBudget,
  type FinetuneBudgetRow,
  saveRecords,
  recordsPath,
  runGrid,
  summarise,
  toRecord,
  type StudyRecord,
  type NetRecord,
  type TargetSummary,
  type Variant,
  type GridCell,
} from './records';
export {
  zooTable,
  sizeFigure,
  sizeTable,
  sweepPoints,
  gateFailures,
  computeFigure,
  ckaScatter,
  fragmentsFigure,
  type SweepPoint,
} from './figures';
export { paperVsOurs, PAPER } from './paper';
export {
  study,
  spearman,
  pickOnValidation,
  type StudyOptions,
  type StudyResult,
  type GeneratedNet,
  type OriginalNet,
  type Compute,
} from './study';
