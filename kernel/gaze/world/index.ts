/**
 * The near-eye world DFT Gaze trains and is measured on (`el.gaze.world`): a procedural generator of synthetic users
 * and eye-camera frames with exact gaze labels (synth.ts), the OpenEDS2020 and Aria MPS layouts it reads and writes
 * (loaders.ts), their types (types.ts) and figures (figures.ts).
 */
export {
  makeGazeDataset,
  sampleUser,
  userOf,
  sampleFrame,
  renderEye,
  frameLabel,
  frameSeed,
  calibrationSets,
  subsetDataset,
  toGazeSet,
  eyeImageGeometry,
  CALIBRATION_TARGETS_DEG,
  DEFAULT_USER_RANGES,
  DEFAULT_FRAME_RANGES,
  DEFAULT_RENDER,
  PROTOCOL_DEFAULTS,
  type RenderEyeOptions,
  type ImageGeometryOptions,
} from './synth';
export {
  loadOpenEds,
  writeOpenEds,
  parseOpenEdsLabels,
  loadAriaRecording,
  writeAriaRecording,
  parseAriaEyeGazeCsv,
  type LoadedGazeSet,
  type LoadOpenEdsOptions,
  type WriteOpenEdsOptions,
  type LoadAriaOptions,
  type WriteAriaOptions,
  type AriaSchema,
  type AriaEyeGaze,
} from './loaders';
export { eyeGrid, generatorSpecTable, userTable, type EyeImages, type EyeGridOptions } from './figures';
export type {
  EyeSide,
  GazeUser,
  UserRanges,
  FrameRanges,
  RenderOptions,
  FrameState,
  GazeProtocol,
  GazeSplit,
  GazeDatasetOptions,
  GazeDataset,
} from './types';
