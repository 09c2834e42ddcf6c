/**
 * CIM crossbars (paper A: "Efficient Reprogramming of Memristive Crossbars for DNNs: Weight Sorting and Bit
 * Stucking", Farias & Kung, arXiv:2410.21730; the simulator core is shared with SWS, arXiv:2410.11298).
 *
 *   const { q, scale } = cim.quantize({ weights, nOut, nIn });
 *   const layer = cim.mapLayer({ q, nOut, nIn, scale, sort: 'signed' });      // tiles on 128×128 crossbars
 *   cim.mvm(layer, x)                                                          // exact bit-serial MVM == q·x
 *   const packed = cim.packSections(layer);                                    // sorted sections ordered by value profile
 *   cim.simulateReprogramming([packed, ...], { policy: 'chunked-zigzag', stuckColumns: 3, rewriteFraction: 0.25 })
 */
export * from './types';
export { DEFAULT_CONFIG, resolveConfig, columnLayout, mapLayer, sortPerm, tileImage, decodeCell, cellSource, slotSource, imageWords, mvm, referenceMatmul, popcount,
  type ColumnRole, type MapLayerOptions } from './crossbar';
export { quantize, unrollConv, transposeDense, im2col, type QuantizeOptions, type Quantized } from './quantize';
export { buildSchedule, simulateReprogramming, similaritySchedule, stuckColumnsByMagnitude, type Schedule } from './reprogram';
export { synthWeights, synthQuantized, vitBaseShapes, type SynthOptions } from './data';
export { crossbarMapFigure, tileCells } from './figures';
export { mapModel, setCrossbarWeights, type MapModelOptions, type ModelMapping } from './model';
export { reprogramStudy, type StudyOptions, type StudyRow, type StudyResult } from './study';
export { faceApiLayers, faceApiModelDir } from './real';
export { sweep, type SweepOptions, type SweepRow } from './sweep';
export { packSections, type PackOptions } from './layout';
export { adcEnergyModel, surveyModel, sliceBits, bitsFor, bitLength, histogramEnergy, ADC_POLICIES, ENERGY_MODELS,
  type AdcPolicy, type AdcEnergyModel, type AdcEnergyId, type SurveyModelOptions, type PolarityStats } from './adc';
export { swsLayout, sectionStats, sectionAdc, activeColumns, adcAccount, adcAccounts, adcMvm, modelAdc, modelAdcPolicies,
  type SwsLayoutOptions, type AdcAccount, type AdcAccountOptions, type LayerUse, type ModelAdcRow } from './sws';
export { magnitudeMask, pruneInt8, pruneModel, pruneFineTune, applyMasks, prunableLayers, type PruneResult, type PruneFineTuneOptions } from './prune';
export { buildCnn, buildMixer, buildWideMixer, buildWidePoolFormer, buildLargeMixer, SWS_MODEL_KINDS, buildSwsModel, loadSwsModel, swsModelDir, layerVectors, swsLayouts, swsEnergy, reduction, swsStudy, SWS_LAYOUTS,
  type SwsModelKind, type SwsLayoutName, type SwsEnergy, type SwsStudyOptions, type SwsStudyRow, type SwsStudyResult } from './sws-study';
export { swsCrossbarFigure, energyBreakdownFigure, reductionCurveFigure, accuracyCurveFigure } from './sws-figures';
