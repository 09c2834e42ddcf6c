/**
 * DFT Gaze (GazeGen's gaze agent, Hsieh et al., arXiv 2411.04335): a ConvNeXt V2-Atto teacher with adapters distilled
 * into a 281K-parameter student by masked-image + feature reconstruction, generalized with adapters (K-means-balanced)
 * and personalized per user from 5 calibration images; plus the procedural near-eye world it trains on.
 *
 *   const m = gaze.loadGazeModel({ which: 'student' });           // shipped weights (grayscale eyes, gaze.modelFrame(m))
 *   const pred = gaze.predictGaze(m, images);                       // [yaw0, pitch0, …] radians
 *   const mine = await gaze.personalize(m, { images: calib, gaze: calibGaze }, { replay });
 *   gaze.meanAngularErrorDeg(gaze.predictGaze(mine, test), testGaze)
 *   await gaze.runPipeline({ out: 'runs/gaze' })                    // or: npx tsx scripts/gaze/train.ts train
 *   const ds = gaze.world.makeGazeDataset({ split: 'test', protocol: 'unseenUsers', users: 2, perUser: 30 });  // synthetic eyes
 */
export type { NetSpec, ModelKind, GazeModel, ParamGroup, EyeBatch, GazeLabels, GazeSet, TrainLogEntry, StageOptions } from './types';
export {
  teacherSpec,
  studentSpec,
  specOf,
  createModel,
  disposeGazeModel,
  cloneGazeModel,
  countParams,
  modelParamCount,
  macs,
  ATTO_DEPTHS,
  type BuildOptions,
} from './model';
export { trainSupervised, kmeansGaze, type SupervisedOptions, type LoopResult } from './train';
export { distill, kdTargetStats, type DistillOptions, type DistillResult, type FveEntry } from './distill';
export type { TargetNorm, TargetStats } from './steps';
export {
  predictGaze,
  evaluateGaze,
  personalize,
  loadGazeModel,
  weightsDir,
  shippedJson,
  type PersonalizeOptions,
  type ShippedModel,
} from './personalize';
export { saveGazeModel, readGazeModel, gazeModelToBytes, gazeModelFromBytes, type WeightFormat } from './weights';
export {
  runPipeline,
  generalizedSet,
  renderStream,
  renderFrame,
  modelFrame,
  viewRows,
  resampleRows,
  DEFAULT_VIEW,
  PAPER_KD,
  STAGES,
  PIPELINE_STAGES,
  LABEL_FREE_STAGES,
  DEFAULT_STEPS,
  type PipelineOptions,
  type StageName,
  type EyeView,
} from './pipeline';
// the label-free teacher stand-in: FCMAE masked pre-training of the backbone
export { maskedPretrain, buildPixelDecoder, type MaskedPretrainOptions, type MaskedPretrainResult } from './pretrain';
// the classical peer: pupil-centre(-corneal-reflection) gaze with a per-user 9-point polynomial calibration
export {
  pccrFeature,
  pccrFeatures,
  fitPccr,
  predictPccr,
  PCCR_TARGETS_DEG,
  type PccrFeature,
  type PccrCalibration,
  type PccrReference,
} from './pccr';
export { angularErrorsDeg, meanAngularErrorDeg, angleBetweenDeg, yawPitchToVector, vectorToYawPitch, degToRad, radToDeg } from './geometry';
export {
  paramTable,
  trainingCurves,
  errorTable,
  personalizationScatter,
  gazeScatter,
  latencyTable,
  paperVsOursTable,
  type ErrorRow,
  type PaperRow,
} from './figures';
export {
  generalizedTestSet,
  personalTestSet,
  personalizationStudy,
  latencyMs,
  pccrStudy,
  type PccrStudy,
  type PersonalizationStudy,
  type UserResult,
} from './evaluate';
// where the eye images come from: the synthetic near-eye world and the OpenEDS / Aria layouts (gaze.world.*)
export * as world from './world';
