/**
 * DFT Gaze (GazeGen's gaze agent, Hsieh et al., arXiv 2411.04335): a ConvNeXt V2-Atto teacher with adapters distilled
 * into a 281K-parameter student by masked-image + feature reconstruction, generalized with adapters (K-means-balanced)
 * and personalized per user from 5 calibration images; plus the procedural near-eye world it trains on.
 *
 *   const m = gaze.loadGazeModel({ which: 'student' });           // shipped weights (32×64 grayscale eyes)
 *   const pred = gaze.predictGaze(m, images);                       // [yaw0, pitch0, …] radians
 *   const mine = await gaze.personalize(m, { images: calib, gaze: calibGaze }, { replay });
 *   gaze.meanAngularErrorDeg(gaze.predictGaze(mine, test), testGaze)
 *   await gaze.runPipeline({ out: 'runs/gaze' })                    // or: npx tsx scripts/gaze/train.ts train
 */
export * from './types';
export {
  teacherSpec, studentSpec, specOf, buildGazeModel, createModel, disposeGazeModel, cloneGazeModel, countParams, modelParamCount,
  paramShapes, inGroup, groupVars, copyParams, forward, toInput, sliceBatch, macs, ATTO_DEPTHS, type BuildOptions,
} from './model';
export { trainSupervised, trainLoop, setSource, subset, kmeansGaze, clusterMembers, lrAt, type BatchSource, type SupervisedOptions, type LoopResult } from './train';
export { distill, inheritStage1, patchMask, buildDecoders, type DistillOptions, type DistillResult } from './distill';
export { predictGaze, evaluateGaze, personalize, loadGazeModel, weightsDir, shippedJson, type PersonalizeOptions, type ShippedModel } from './personalize';
export { saveGazeModel, readGazeModel, gazeModelToBytes, gazeModelFromBytes, type WeightFormat } from './weights';
export { runPipeline, renderStream, generalizedSet, STAGES, DEFAULT_STEPS, type PipelineOptions, type StageName } from './pipeline';
// data side (synthetic near-eye world, real-data loaders, geometry)
export * from './geometry';
export * from './world/synth';
export * from './world/loaders';
export { decodePng, encodeGrayPng, resizeArea, fitImage, type GrayImage } from '../core/vision/image';
export * from './world/figures';
export type * from './world/types';
export * as world from './world';
export { paramTable, trainingCurves, errorTable, personalizationScatter, gazeScatter, latencyTable, paperVsOursTable, type ErrorRow, type PaperRow } from './figures';
export { generalizedTestSet, personalTestSet, personalizationStudy, latencyMs, type PersonalizationStudy, type UserResult } from './evaluate';
