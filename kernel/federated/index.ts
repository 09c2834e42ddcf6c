/**
 * SphereFed ("Hyperspherical Federated Learning", Dong et al., ECCV 2022) on a real federated runtime.
 *
 *   const part = federated.partition({ labels, clients: 10, scheme: 'dirichlet-per-class', alpha: 0.05 });
 *   const hosts = federated.makeHosts({ spec, clients });              // worker threads, one per core
 *   const r = await federated.runFederated({ spec, hosts, rounds: 20 }); // FedAvg/FedProx + calibration round
 *   const res = await federated.runExperiment({ alpha: 0.05 });        // the five ablation arms on Fashion-MNIST
 *
 * Clients can also be separate processes behind a WebSocket over loopback (`await federated.processHosts(...)`), or jobs
 * on BullMQ workers on any host (`federated.jobHosts({ spec, clients, backend: 'redis://…' })`).
 */
export {
  partition,
  partitionStats,
  dirichlet,
  type Partition,
  type PartitionOptions,
  type PartitionScheme,
  type PartitionStats,
} from './partition';
export { Mlp, trainLocal, headAccuracy, type ModelSpec, type ClientData, type LocalTrainOptions } from './model';
export { fixedHead, type FixedHeadKind, type HeadSpec } from './head';
export { clientStats, sumStats, solveRidge, type CalibStats, type RidgeOptions } from './calibrate';
export {
  runFederated,
  federatedCalibration,
  type FedOptions,
  type FedResult,
  type RoundLog,
  type Strategy,
  type CalibrationOptions,
  type CalibrationResult,
} from './server';
export { makeHosts, InProcessHost, WorkerHost, ClientDropped, hostEntry, type ClientHost } from './transport';
export { processHosts, ProcessHost, SocketHub } from './socket-host';
export { jobHosts, JobHost, clientJob, helloJob, type JobHostOptions } from './jobs';
export { studyCellJob, studyCellsOn, type StudyCellsOptions } from './study-jobs';
export { encode, decodeClientMessage, decodeServerMessage, CLIENT_MESSAGE_TYPES, type ClientMessage, type ServerMessage } from './protocol';
export type { ClientConfig, Fault, HostSetup } from './client';
export { fashionMnistData, mnistData, gaussianBlobs, subset, poolImages, type DataSource } from './data';
export { runExperiment, trainCentralized, ARMS, type Arm, type ExperimentOptions, type ExperimentResult } from './experiment';
export { loadShipped, shippedPath, shippedStudyDir, loadShippedStudy, type ShippedResults } from './shipped';
export { Cnn, type CnnSpec, type CnnTrainOptions } from './cnn';
export {
  runStudy,
  studyData,
  computeCell,
  runFedCnn,
  ridgeHead,
  loadStudy,
  sampleClients,
  carveValidation,
  meanCi,
  STUDY_ARMS,
  DEFAULT_STUDY,
  DEFAULT_GRIDS,
  RIDGE_GRID,
  type StudyArm,
  type StudyOptions,
  type StudyResult,
  type StudyConfig,
  type StudyCellArgs,
  type CellResult,
  type Setting,
  type RoundRecord,
  type FedCnnOptions,
} from './study';
export {
  summarizeStudy,
  studyGridTable,
  studyCurvesFigure,
  studyDriftTable,
  studyBytesTable,
  studyPartitionFigure,
  studyGates,
  studyGatesTable,
  plateauRound,
  studyPaperTable,
  type StudySummary,
} from './study-report';
export {
  partitionFigure,
  curvesFigure,
  calibrationFigure,
  bytesFigure,
  summaryTable,
  paperTable,
  gates,
  finals,
  ARM_LABELS,
  type Gate,
} from './figures';
