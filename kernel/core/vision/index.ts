/** Image helpers shared by the papers (decode, encode, resample; colour photographs and the photo catalogue). */
export { decodePng, encodeGrayPng, resizeArea, fitImage, type GrayImage } from './image';
export { decodeImage, readImage, encodeRgbPng, resizeRgb, cropRgb, rgbToGray, checkRgb, type RgbImage } from './rgb';
export { PHOTOS, photoIds, photoPath, loadPhoto, availablePhotos, type PhotoSource } from './photos';
// editing: masks, segmentation, inpainting, blending, colour, animation (GazeGen edits; Gen4Gen composites)
export {
  type Mask,
  type SoftMask,
  type Box,
  maskArea,
  maskBounds,
  boxMask,
  emptyMask,
  checkBox,
  checkMask,
  changedPixelsOutside,
} from './raster';
export { prepareMask, dilateMask, distanceToMask, alphaComposite, type PrepareMaskOptions, type PreparedMask } from './mask';
export { objectMask, inpaintRgb, type ObjectMaskOptions, type ObjectMaskResult, type InpaintMethod } from './segment';
export { solvePoisson, type PoissonOptions, type PoissonResult } from './poisson';
export { cutOut, scaleCutOut, pasteCutOut, type CutOut, type BlendMethod, type PasteOptions, type PasteResult } from './blend';
export { rgbToLab, labToRgb, labStats, transferLabStats, type LabStats } from './color';
export { encodeGif, encodeMp4, findFfmpeg } from './animation';
export { loadOpenCv } from './opencv';
export * from './diffusion';
