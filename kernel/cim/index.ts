/**
 * CIM crossbars ("Efficient Reprogramming of Memristive Crossbars for DNNs: Weight Sorting and Bit
 * Stucking", Farias & Kung, arXiv:2410.21730; the simulator core is shared with SWS, arXiv:2410.11298).
 *
 *   const { q, scale } = cim.quantize({ weights, nOut, nIn });
 *   const layer = cim.mapLayer({ q, nOut, nIn, scale, sort: 'signed' });      // tiles on 128×128 crossbars, shared routing
 *   cim.mvm(layer, x)                                                          // exact bit-serial MVM == q·x
 *   const packed = cim.packSections(layer);                                    // sorted sections ordered by value profile
 *   cim.simulateReprogramming([packed, ...], { policy: 'chunked-zigzag', stuckColumns: 3, rewriteFraction: 0.25 })
 */
export type {
  SignMode,
  CrossbarConfig,
  SortKey,
  Routing,
  MappedLayer,
  SectionTable,
  InputMode,
  MvmOptions,
  SchedulePolicy,
  ReprogramOptions,
  WeightError,
  ReprogramResult,
} from './types';
// columnLayout, sortPerm, tileImage, slotSource and popcount are the crossbar internals SWS (el.sws) builds on.
export {
  DEFAULT_CONFIG,
  resolveConfig,
  columnLayout,
  mapLayer,
  sortPerm,
  tileImage,
  slotSource,
  mvm,
  referenceMatmul,
  popcount,
  type ColumnRole,
  type MapLayerOptions,
} from './crossbar';
export { quantize, unrollConv, transposeDense, type QuantizeOptions, type Quantized } from './quantize';
export { simulateReprogramming, stuckColumnsByMagnitude } from './reprogram';
export { synthWeights, synthQuantized, type SynthOptions } from './data';
export { crossbarMapFigure, tileCells } from './figures';
export { mapModel, setCrossbarWeights, type MapModelOptions, type ModelMapping } from './model';
export { reprogramStudy, type Evaluator, type StudyOptions, type StudyRow, type StudyResult, type SeedRun } from './study';
export { faceApiLayers } from './real';
export { sweep, type SweepOptions, type SweepRow } from './sweep';
export {
  evaluate,
  crossbarPredict,
  crossbarMatmul,
  buildLines,
  wilson,
  type AdcSite,
  type DatapathOptions,
  type CrossbarRunOptions,
  type EvaluateOptions,
  type EvaluateResult,
} from './evaluate';
export { packSections, type PackOptions } from './layout';
export {
  optimizeSharedRouting,
  routingCost,
  tilePhases,
  alignRows,
  type RoutingCost,
  type SharedRoutingOptions,
  type SharedRoutingResult,
} from './routing';
export { minCostAssignment } from './assign';
// SWS (arXiv:2410.11298) moved to its own namespace `el.sws`; these names stay here for one release.
export {
  /** @deprecated use el.sws.adcEnergyModel */ adcEnergyModel,
  /** @deprecated use el.sws.surveyModel */ surveyModel,
  /** @deprecated use el.sws.sliceBits */ sliceBits,
  /** @deprecated use el.sws.bitsFor */ bitsFor,
  /** @deprecated use el.sws.bitLength */ bitLength,
  /** @deprecated use el.sws.histogramEnergy */ histogramEnergy,
  /** @deprecated use el.sws.ADC_POLICIES */ ADC_POLICIES,
  /** @deprecated use el.sws.ENERGY_MODELS */ ENERGY_MODELS,
  /** @deprecated use el.sws.swsLayout */ swsLayout,
  /** @deprecated use el.sws.sectionStats */ sectionStats,
  /** @deprecated use el.sws.sectionAdc */ sectionAdc,
  /** @deprecated use el.sws.activeColumns */ activeColumns,
  /** @deprecated use el.sws.adcAccount */ adcAccount,
  /** @deprecated use el.sws.adcAccounts */ adcAccounts,
  /** @deprecated use el.sws.adcMvm */ adcMvm,
  /** @deprecated use el.sws.modelAdc */ modelAdc,
  /** @deprecated use el.sws.modelAdcPolicies */ modelAdcPolicies,
  /** @deprecated use el.sws.magnitudeMask */ magnitudeMask,
  /** @deprecated use el.sws.pruneInt8 */ pruneInt8,
  /** @deprecated use el.sws.pruneModel */ pruneModel,
  /** @deprecated use el.sws.pruneFineTune */ pruneFineTune,
  /** @deprecated use el.sws.applyMasks */ applyMasks,
  /** @deprecated use el.sws.prunableLayers */ prunableLayers,
  /** @deprecated use el.sws.buildCnn */ buildCnn,
  /** @deprecated use el.sws.buildMixer */ buildMixer,
  /** @deprecated use el.sws.buildWideMixer */ buildWideMixer,
  /** @deprecated use el.sws.buildWidePoolFormer */ buildWidePoolFormer,
  /** @deprecated use el.sws.buildLargeMixer */ buildLargeMixer,
  /** @deprecated use el.sws.SWS_MODEL_KINDS */ SWS_MODEL_KINDS,
  /** @deprecated use el.sws.buildSwsModel */ buildSwsModel,
  /** @deprecated use el.sws.loadSwsModel */ loadSwsModel,
  /** @deprecated use el.sws.swsModelDir */ swsModelDir,
  /** @deprecated use el.sws.layerVectors */ layerVectors,
  /** @deprecated use el.sws.swsLayouts */ swsLayouts,
  /** @deprecated use el.sws.swsEnergy */ swsEnergy,
  /** @deprecated use el.sws.reduction */ reduction,
  /** @deprecated use el.sws.swsStudy */ swsStudy,
  /** @deprecated use el.sws.SWS_LAYOUTS */ SWS_LAYOUTS,
  /** @deprecated use el.sws.swsCrossbarFigure */ swsCrossbarFigure,
  /** @deprecated use el.sws.energyBreakdownFigure */ energyBreakdownFigure,
  /** @deprecated use el.sws.reductionCurveFigure */ reductionCurveFigure,
  /** @deprecated use el.sws.accuracyCurveFigure */ accuracyCurveFigure,
  type AdcPolicy,
  type AdcEnergyModel,
  type AdcEnergyId,
  type SurveyModelOptions,
  type PolarityStats,
  type SwsLayoutOptions,
  type AdcAccount,
  type AdcAccountOptions,
  type LayerUse,
  type ModelAdcRow,
  type PruneResult,
  type PruneFineTuneOptions,
  type SwsModelKind,
  type SwsLayoutName,
  type SwsEnergy,
  type SwsStudyOptions,
  type SwsStudyRow,
  type SwsStudyResult,
} from '../sws';
export { analyzeModel, type CimAnalyzeOptions, type CimLayerRow, type CimModelAnalysis } from './analyze';
