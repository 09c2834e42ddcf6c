/** Image helpers shared by the papers (decode, encode, resample). */
export { decodePng, encodeGrayPng, resizeArea, fitImage, type GrayImage } from './image';
