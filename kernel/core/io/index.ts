/**
 * Kernel I/O: NumPy .npy, safetensors, tfjs model folders and weight manifests, ONNX initializers.
 * Every reader throws FormatError for malformed input and NotFound for missing files.
 */
export * from './dtypes';
export * from './npy';
export * from './safetensors';
export * from './tfjs-models';
export * from './onnx';
