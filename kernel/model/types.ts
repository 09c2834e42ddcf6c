/**
 * The layer table every hardware analysis reads: one row per weighted layer (conv, depthwise conv, dense / Gemm,
 * MatMul with a weight operand), with shapes, MACs and parameters, and a lazy accessor for the weight matrix.
 */

/** What kind of matmul a layer is. 'depthwise' = grouped conv with one input channel per group. */
export type LayerOp = 'conv' | 'depthwise' | 'dense' | 'matmul';

/** The file format a table was read from. */
export type ModelFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph' | 'tfjs-weights' | 'safetensors' | 'own';

export interface ModelLayer {
  /** Layer (ONNX node / tfjs layer or node / tensor) name. */
  name: string;
  op: LayerOp;
  /** The op as written in the source file (e.g. 'Conv', 'Gemm', 'Conv2D', '_FusedConv2D', 'Dense'). */
  sourceOp: string;
  /**
   * Matrix view: the layer is `nOut` outputs × `nIn` inputs per output. Conv: nIn = (cin / groups)·kh·kw (im2col);
   * dense/matmul: nIn = input features.
   */
  nOut: number;
  nIn: number;
  /** Conv groups (1 for dense; = channels for depthwise). */
  groups: number;
  /** Conv kernel [kh, kw]; [] for dense/matmul. */
  kernel: number[];
  /** Conv strides [sh, sw]; [] for dense/matmul. */
  strides: number[];
  /**
   * Matmul rows per sample: output positions Hout·Wout for conv, tokens for dense/matmul (1 for a plain
   * [batch, features] input). The layer's matmul per sample is [positions × nIn] · [nIn × nOut].
   */
  positions: number;
  /** Activation shape in / out (batch 1), in the source's layout (ONNX: NCHW; tfjs: NHWC); null when unknown. */
  inputShape: number[] | null;
  outputShape: number[] | null;
  /** Multiply-accumulates per sample = positions · nOut · nIn; NaN when the shapes are unknown. */
  macs: number;
  /** Weights + bias elements of this layer. */
  params: number;
  /** Whether the layer has a bias vector. */
  bias: boolean;
  /** The weight tensor's shape as stored in the file. */
  weightShape: number[];
  /**
   * The weight as a row-major [nOut][nIn] float32 matrix, read from the file on every call (not cached, so a large
   * model is never held twice). The input order inside a row follows the source layout (ONNX/torch: cin, kh, kw;
   * tfjs: kh, kw, cin).
   */
  weight(): Float32Array;
  /**
   * Where the weight is stored in the source file, for writing it back (ONNX only): the initializer's name and
   * whether it is stored transposed ([nIn][nOut], as MatMul / Gemm without transB hold it). Absent for other formats.
   */
  tensor?: { name: string; transposed: boolean };
}

/** Ops the importer could not follow, by op type, with the node names. Never silently skipped. */
export interface UnsupportedOp {
  op: string;
  nodes: string[];
  /** Why it matters: 'unknown op' (shapes stop here) or 'weighted op not analysed' (its weights are not in the table). */
  reason: string;
}

export interface ModelTable {
  /** Path (or name for in-memory models). */
  source: string;
  format: ModelFormat;
  /** The input shape shapes were inferred from (batch 1), in the source layout; null when unknown (weights only). */
  inputShape: number[] | null;
  layers: ModelLayer[];
  unsupported: UnsupportedOp[];
  /** Trainable elements outside the table's layers (BatchNorm scale/shift, LayerNorm, PReLU, …). */
  otherParams: number;
  /** Total parameters = Σ layer params + otherParams (BatchNorm running statistics excluded, like torch). */
  params: number;
  /** Total MACs per sample of the table's layers; NaN when any layer's shapes are unknown. */
  macs: number;
  /** True when every op was followed and every layer has shapes: nothing is missing from the totals. */
  complete: boolean;
  /** Free-text notes (assumptions such as a batch dimension set to 1). */
  notes: string[];
  /** SHA-256 of the source bytes (the file, or model.json for tfjs), for the provenance of exports; absent for live models. */
  sha256?: string;
}

export interface ImportOptions {
  /**
   * Input shape (batch 1, source layout, e.g. [1, 3, 224, 224] for ONNX) for models whose graph input has dynamic
   * dimensions other than the batch. Default: the graph's own shape, with a symbolic batch set to 1.
   */
  inputShape?: number[];
  /**
   * Read every weight once at import to check it is finite and non-empty (FormatError otherwise). Default true; the
   * pass streams one layer at a time, so it never holds the model twice.
   */
  validate?: boolean;
  /** The manifest file name: in a tfjs folder, default 'model.json'; a face-api weights folder holds several nets, default the only / first one. */
  manifest?: string;
  /** safetensors: the JSON config path (default `<file>.json` or `config.json` beside it, when present). */
  config?: string;
}

/** Options every per-paper `analyzeModel` verb takes. */
export interface AnalyzeCommon {
  /** Stops the analysis between layers (Aborted). */
  signal?: AbortSignal;
  /** Called after each layer: layers done, layers in all, the layer's name. */
  onProgress?: (done: number, total: number, layer: string) => void;
}
