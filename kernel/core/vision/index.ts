/** Image helpers shared by the papers (decode, encode, resample; colour photographs and the photo catalogue). */
export { decodePng, encodeGrayPng, resizeArea, fitImage, type GrayImage } from './image';
export { decodeImage, readImage, encodeRgbPng, resizeRgb, cropRgb, rgbToGray, checkRgb, type RgbImage } from './rgb';
export { PHOTOS, photoIds, photoPath, loadPhoto, availablePhotos, type PhotoSource } from './photos';
