/**
 * Models more than one paper uses: small reference nets, the Fashion-MNIST classifiers of the CIM and SWS studies
 * (trained weights shipped), and the location of the pretrained face-api weights.
 */
export { tinyCnn, type TinyCnnOptions } from './tiny';
export {
  buildCnn,
  buildMixer,
  buildWideMixer,
  buildWidePoolFormer,
  buildLargeMixer,
  buildLargePoolFormer,
  buildSwsModel,
  loadSwsModel,
  swsModelDir,
  SWS_MODEL_KINDS,
  type SwsModelKind,
} from './fashion';
export { faceApiModelDir } from './face-api';
export {
  CenterNet,
  blankCenterNetOutput,
  loadCenterNet,
  decodeCenterNet,
  nms,
  iou,
  cocoClassId,
  COCO_CLASSES,
  type Box,
  type Detection,
  type CenterNetOutput,
  type CellWindow,
  type DecodeOptions,
  type DecodeResult,
} from './centernet';
