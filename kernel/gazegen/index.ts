/**
 * GazeGen (Hsieh et al., arXiv 2411.04335): the user's gaze, predicted by DFT Gaze, selects an object in the user's
 * view, and generative edits act on it. This namespace holds the selection half: real photos, gaze sources, fixations
 * and dwell, the COCO detector with the paper's gaze-restricted decoding, and the selection rule.
 *
 *   import * as el from 'edgelab';
 *   const img = el.gazegen.loadPhoto('coffee');
 *   const det = await el.gazegen.loadCenterNet();
 *   const boxes = await det.detect(img);
 */
export {
  decodeImage,
  readImage,
  encodeRgbPng,
  resizeRgb,
  cropRgb,
  PHOTOS,
  photoIds,
  photoPath,
  loadPhoto,
  availablePhotos,
  type RgbImage,
  type PhotoSource,
} from '../core/vision';
// the editing half: operations on a selection (pure functions → new image + record), generative backends, saving
export {
  deleteObject,
  moveObject,
  restyleObject,
  moveScale,
  awaitSecondFixation,
  FixationTimeout,
  type EditSelection,
  type ImagePoint,
  type EditRecord,
  type EditResult,
  type RemoveOptions,
  type MoveOptions,
  type RestyleOptions,
  type SecondFixationOptions,
  type SizeRule,
} from './edit';
export {
  addObject,
  makeLibraryObject,
  suggestBox,
  animate,
  SIZE_PRIOR,
  type LibraryObject,
  type AddOptions,
  type AnimateOptions,
  type AnimateResult,
  type AnimateMode,
} from './generate';
export {
  classicalBackend,
  a1111Backend,
  configuredBackend,
  a1111Request,
  fillWithFallback,
  BackendTimeout,
  BackendResponseError,
  type GenerativeBackend,
  type FillRequest,
  type A1111Options,
  type FallbackFill,
} from './generative';
export { saveEdit, editPath, type SaveOptions } from './save';
// the COCO detector (shared with Gen4Gen, lives in core/models)
export * from '../core/models/centernet';
export type { GazeSample, GazeSource, Fixation, Selection, LabelledObject, LabelledPhoto } from './types';
export {
  makeView,
  focalPx,
  projectGaze,
  unprojectPoint,
  angleBetweenPointsDeg,
  offsetByAngle,
  errorPx,
  boxAngularRadiusDeg,
  type View,
} from './view';
export {
  dftGazeSource,
  traceSource,
  pushSource,
  parseGazeCsv,
  formatGazeCsv,
  collect,
  syntheticTrace,
  checkSample,
  STUDENT_MEDIAN_ERROR_DEG,
  type ScriptStep,
  type DftGazeSourceOptions,
  type PushSource,
} from './sources';
export { detectFixations, smoothTrace, DwellTracker, type FixationOptions, type DwellOptions, type DwellState } from './fixation';
export {
  selectObject,
  applySelectionRule,
  applyLikelihoodRule,
  chooseAmong,
  gazeCell,
  windowHalfWidths,
  type SelectOptions,
} from './select';
export {
  gazeCropRect,
  runGazeCrops,
  selectWithCrops,
  type GazeCrop,
  type CropRun,
  type CropCache,
  type CropSelectOptions,
  type CropSelection,
  type RunCropsOptions,
} from './crop';
export { cropSelectionStudy, type CropStudy, type CropStudyOptions, type CropVariant, type CropVariantResult } from './crop-study';
export { loadLabels, validateLabels, loadFrameErrors, gazeAround, checkBox, median, type FrameErrors } from './data';
export { selectionStudy, rateBySize, judgeSelection, type SelectionStudy, type SelectionStudyOptions, type ObjectResult } from './evaluate';
export { selectionFigure, selectionRateFigure, paperVsOursTable, type PaperRow } from './figures';
