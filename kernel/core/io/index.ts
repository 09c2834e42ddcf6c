/**
 * Kernel I/O: NumPy .npy, safetensors, tfjs model folders and weight manifests, ONNX initializers.
 * Every reader throws FormatError for malformed input and NotFound for missing files; readers return plain
 * typed arrays (`{ dtype, shape, data }`), except the tfjs model loaders, whose models the caller disposes.
 */
export { type DType, type TypedArray, type NdArray, ITEMSIZE, f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from './dtypes';
export { readNpy, writeNpy, readNpyFile, writeNpyFile, type NpyArray } from './npy';
export { readSafetensors, writeSafetensors, writeSafetensorsFile, MAX_HEADER_BYTES, type Safetensors } from './safetensors';
export {
  fileHandler,
  loadLayersModel,
  saveLayersModel,
  loadGraphModel,
  loadWeightsManifest,
  countWeightValues,
  type FileHandlerOptions,
  type NamedWeight,
} from './tfjs-models';
export { readOnnxInitializers, decodeOnnxModel, decodeOnnxTensor } from './onnx';
export {
  writeExport,
  provenance,
  safeNames,
  sha256,
  sha256File,
  type Provenance,
  type ExportFile,
  type WrittenFile,
  type WriteExportOptions,
} from './export';
