/**
 * SWS: Sorted Weight Sectioning for energy-efficient unstructured sparse DNNs on compute-in-memory crossbars (Farias &
 * Kung, arXiv:2410.11298). Builds on the CIM crossbar simulator (`el.cim`, arXiv:2410.21730).
 *
 *   const layer = cim.mapLayer({ q, nOut, nIn, scale });                      // int8 weights on 128×128 crossbars
 *   const sorted = sws.swsLayout(layer);                                       // sort each output by |w|, remap zeros
 *   sws.adcAccount(sorted, { policy: 'sectionMax' })                           // ADC conversions and energy per MVM
 *   sws.adcAccount(sorted, { policy: 'sectionPartialSum' })                    // resolution-aware (lossless, per section)
 *   sws.gatherOverhead(sorted)                                                 // index bits + gather energy it costs
 *   await sws.swsStudy(await sws.loadSwsModel('mixer'), { evaluate })           // prune → int8 → layouts → energy
 */
export {
  adcEnergyModel,
  surveyModel,
  sliceBits,
  sectionBits,
  RESOLUTION_POLICY,
  bitsFor,
  bitLength,
  histogramEnergy,
  ADC_POLICIES,
  ENERGY_MODELS,
  type AdcPolicy,
  type AdcEnergyModel,
  type AdcEnergyId,
  type SurveyModelOptions,
  type PolarityStats,
} from './adc';
export {
  swsLayout,
  sectionStats,
  sectionAdc,
  activeColumns,
  adcAccount,
  adcAccounts,
  adcMvm,
  modelAdc,
  modelAdcPolicies,
  type SwsLayoutOptions,
  type AdcAccount,
  type AdcAccountOptions,
  type LayerUse,
  type ModelAdcRow,
} from './sws';
export {
  gatherOverhead,
  bitplaneSkip,
  needsIndex,
  type GatherOptions,
  type GatherOverhead,
  type BitplaneSkipOptions,
  type BitplaneSkip,
} from './overhead';
export {
  magnitudeMask,
  pruneInt8,
  pruneModel,
  pruneFineTune,
  applyMasks,
  prunableLayers,
  type PruneResult,
  type PruneFineTuneOptions,
} from './prune';
export {
  layerVectors,
  swsLayouts,
  swsEnergy,
  reduction,
  netReduction,
  sortingGain,
  datapathInputs,
  swsStudy,
  SWS_LAYOUTS,
  type SwsLayoutName,
  type SwsEnergy,
  type SwsStudyOptions,
  type SwsStudyRow,
  type SwsStudyResult,
} from './study';
export {
  buildCnn,
  buildMixer,
  buildWideMixer,
  buildWidePoolFormer,
  buildLargeMixer,
  SWS_MODEL_KINDS,
  buildSwsModel,
  loadSwsModel,
  swsModelDir,
  type SwsModelKind,
} from '../core/models/fashion';
export { swsCrossbarFigure, energyBreakdownFigure, reductionCurveFigure, accuracyCurveFigure } from './figures';
export { analyzeModel, type SwsAnalyzeOptions, type SwsLayerRow, type SwsModelAnalysis } from './analyze';
export { exportSorted, sortedFiles, loadSorted, unsortLayer, type SwsExportOptions, type SortedLayer } from './export';
