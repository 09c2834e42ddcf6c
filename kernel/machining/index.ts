/**
 * DeepMachining ("DeepMachining: Online Prediction of Machining Errors of Lathe Machines", Lu, Hsu, Chou, Kung, Lee;
 * arXiv 2403.16451; official Keras code github.com/ALiGoo/DeepMachining), on a physics-based synthetic lathe.
 *
 *   const life = machining.toolLife(machining.defaultMachine(), machining.sampleTask('t', 1), { workpieces: 12 })
 *   const { model, norm } = machining.loadPretrained()                       // shipped ci-micro model
 *   const shots = machining.makeWindows(life.slice(0, 2), norm, { seq: 128 }) // two-shot: 2 workpieces
 *   const ft = machining.twoShotFineTune(model, shots, { steps: 30, lr: 1e-3 }) // biases + output layer + adapters
 *   for await (const p of machining.online(ft.model, norm, windows)) …      // one prediction per window, with latency
 *   machining.runStudy({ seed: 0 })                                           // the whole protocol with baselines
 */
export {
  CHANNELS,
  SIGNAL_CHANNELS,
  RPM_CHANNELS,
  ACCEL_CHANNELS,
  type Channel,
  type MachineSpec,
  type TaskSpec,
  type ToolLifeOptions,
  type Cut,
  type Workpiece,
} from './types';
export {
  defaultMachine,
  sampleTask,
  toolLife,
  flankWear,
  wearOversize,
  kienzleForce,
  cantileverDeflection,
  roughnessRa,
  stationIndex,
} from './lathe';
export {
  makeWindows,
  selectWindows,
  fitNorm,
  trainingCentresMm,
  windowCentre,
  rfftMag,
  LABEL_SCALE,
  type Windows,
  type WindowOptions,
  type NormStats,
} from './data';
export {
  buildModel,
  forward,
  countParams,
  isFineTuned,
  copyWeights,
  disposeModel,
  modelConfig,
  dilatedConv1d,
  zeroInsert,
  gelu,
  CONFIGS,
  type ModelConfig,
  type ConfigName,
  type DeepMachiningModel,
  type ModelInputs,
} from './model';
export { pretrain, type PretrainOptions } from './pretrain';
export { fit, predict, huber, cosineLr, toInputs, type FitOptions, type FitResult } from './train';
export { twoShotFineTune, withAdapters, type FineTuneOptions } from './finetune';
export { metrics, metricsBy, type Metrics } from './metrics';
export {
  windowFeatures,
  fitRidge,
  predictRidge,
  predictMean,
  svrPredict,
  cnnPredict,
  rawInputs,
  logSpectrograms,
  type RidgeModel,
  type SvrSettings,
  type CnnSettings,
  type CnnKind,
} from './baselines';
export {
  online,
  predictWindow,
  sensorWindowInputs,
  parseSensorCsv,
  toSensorCsv,
  SENSOR_CSV_COLUMNS,
  type SensorWindow,
  type OnlinePrediction,
} from './online';
export {
  runStudy,
  studyTasks,
  heldOutSplit,
  ARMS,
  DEFAULT_GRID,
  type Arm,
  type Selected,
  type StudyOptions,
  type StudyResult,
  type RunResult,
} from './experiment';
export { writeDataset, readDataset, stationColumn } from './layout';
export { loadPretrained, loadShippedBench, saveWeights, SHIPPED_DIR } from './shipped';
export { signalsFigure, spectrumFigure, wearFigure, curveFigure, armsTable, scatterFigure, paperVsOurs, ARM_LABELS } from './figures';
