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
// the COCO detector (shared with Gen4Gen, lives in core/models)
export * from '../core/models/centernet';
