/**
 * MEMA (Sabot, Natesh, Kung, Ting, arXiv:2304.05544): analytic matmul schedules that minimise external
 * memory accesses on TinyML systems, checked by an exact simulator, exhaustive search and the I/O lower bound.
 */
export type { Dim, Operand, ScheduleName, LoopNest, Hardware, Counts, Shape, ScheduleChoice } from './types';
export { ALL_ORDERS, scheduleName, nestOf, validateNest } from './ir';
export { simulate, type SimulateOptions } from './sim';
export {
  cost,
  costDivisible,
  cutoffs,
  chooseByCutoffs,
  classTiles,
  classCutoffs,
  chooseClass,
  deriveSchedule,
  feasibleTiles,
  validateHardware,
  type ClassTiles,
} from './cost';
export {
  deriveTwoLevel,
  searchTwoLevel,
  tiledRegisterCounts,
  flashCounts,
  sramWordsOf,
  type Residency,
  type SramTiling,
  type TwoLevelSchedule,
} from './sram';
export { search, candidates, type SearchOptions } from './search';
export { lowerBound, ratioToLowerBound } from './bound';
export { CORTEX_M4, CORTEX_M4_64K, CORTEX_M7, CORTEX_A72, PRESETS, defineHardware } from './hardware';
export { TINYML_LAYERS, TINYML_LAYERS_FP32, TINYML_LAYERS_Q15, padFp32, padQ15, type Layer } from './data';
export { BASELINE_NEST, baselineCounts } from './baseline';
export { emitFp32, emitBaseline, kernelName, COUNT_PRELUDE } from './emit';
export { emitHarness, type HarnessCase } from './harness';
export { innerLoopStats, type LoopStats } from './objdump';
export { LruCache, simulateCache, type CacheConfig, type CacheCounts } from './cache';
export { emitQ15, emitQ15Harness, q15Counts, Q15_NEST, type Q15Counts } from './q15';
export { emitCmsisF32, emitCmsisQ15, CMSIS_F32_NAME, CMSIS_Q15_NAME } from './cmsis';
export { TraceMix, parseObjdump, classify, BRANCH_PENALTY, type Mix, type InsnClass } from './trace';
export { traceKernels, emitTraceHarness, M4_FLAGS, m4BuildArgs, qemuM4Args, type TraceCase, type TraceResult } from './qemu';
export { layerTable, accessesVsCapacity, dramVsCache, candidateTable } from './figures';
export { analyzeModel, layerSchedules, memaHardware, type MemaAnalyzeOptions, type MemaLayerRow } from './analyze';
export { exportKernels, kernelFiles, type KernelExportOptions, type ExportedKernel } from './export';
