/**
 * Bring your own model: one importer for ONNX, tfjs (layers / graph models, weights manifests), safetensors and the
 * project's own models, producing a typed layer table every hardware analysis reads; `analyzeModel` runs the CIM,
 * SWS, Rosko and MEMA views of it in one call.
 *
 *   const t = await model.importModel('resnet18.onnx');      // layers, MACs, params, unsupported ops
 *   const r = await el.analyzeModel('resnet18.onnx', { papers: 'all', prune: 0.9, batch: [1, 32] });
 *   await el.exportAnalysis(r, 'out/');                       // pruned.onnx, SWS sorted, Rosko packed, MEMA C
 */
export type { LayerOp, ModelFormat, ModelLayer, UnsupportedOp, ModelTable, ImportOptions } from './types';
export { importModel } from './import';
export { importOnnx } from './onnx';
export { importTfjs } from './tfjs';
export { importSafetensors } from './safetensors';
export { importOwn } from './own';
export { OnnxWriter, resnet18Onnx, mobilenetV2Onnx, layersModelToOnnx, type ZooOptions } from './onnx-write';
export { layerTableFigure } from './figures';
export { analyzeModel, ANALYSES, type Analysis, type AnalyzeModelOptions, type ModelAnalysis } from './analyze';
export { exportAnalysis, prunedOnnx, EXPORTS, type ExportKind, type ExportAnalysisOptions, type ExportResult } from './export';
