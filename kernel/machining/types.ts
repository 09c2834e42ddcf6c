/**
 * Types shared by the DeepMachining module (Lu, Hsu, Chou, Kung, Lee: "DeepMachining: Online Prediction of Machining
 * Errors of Lathe Machines", arXiv 2403.16451; official code github.com/ALiGoo/DeepMachining).
 *
 * Data layout mirrors the official code: one record per workpiece holding a list over cuts, each cut a [9, L] array
 * whose channels are, in order (CHANNELS): 2 accelerometers, 3 rpm channels, 3 motor currents, and the per-sample
 * machining-error label (mm). The manifest row carries the diameters measured at a few axial stations.
 */

/** Channel order of one cut, as in the official data generator (index 8 = per-sample diameter error, mm). */
export const CHANNELS = [
  'spindle_front',
  'turret',
  'spindle_rpm',
  'motor_x_rpm',
  'motor_z_rpm',
  'spindle_electric_current',
  'motor_x_electric_current',
  'motor_z_electric_current',
  'label',
] as const;
export type Channel = (typeof CHANNELS)[number];
/** Signal channels fed to the model (the label channel excluded). */
export const SIGNAL_CHANNELS = 8;
/** Channels the official code scales min–max to [−2, 2] (rpm); the others are z-scored. */
export const RPM_CHANNELS: readonly number[] = [2, 3, 4];
/** Accelerometer channels whose |rfft| is the frequency-domain input. */
export const ACCEL_CHANNELS: readonly number[] = [0, 1];

/** The lathe itself: shared by every task run on it (pretraining and fine-tuning). */
export interface MachineSpec {
  /** Sampling rate of every channel, Hz. */
  fs: number;
  /** Structural resonance seen by the accelerometers, Hz, and its damping ratio. */
  resonanceHz: number;
  damping: number;
  /** Accelerometer gains (spindle_front, turret), in g per N of cutting force at resonance. */
  accelGain: [number, number];
  /** Unbalance acceleration at 1000 rpm, g (grows with n²). */
  unbalanceG: number;
  /** Sensor noise standard deviations: accelerometer g, rpm, current A. */
  noise: { accel: number; rpm: number; current: number };
  /** Thermal drift of the diameter at steady state, mm (signed), and its time constants, minutes. */
  thermalAmpMm: number;
  thermalTauMin: number;
  coolTauMin: number;
  /** Spindle no-load current, A (falls by `noLoadWarmDrop` × itself as the headstock warms), and torque constant N·m/A. */
  noLoadCurrentA: number;
  noLoadWarmDrop: number;
  spindleKt: number;
  /** Servo current per N of axial (z) / radial (x) force, A/N, plus friction currents, A. */
  servoAPerN: [number, number];
  servoFrictionA: [number, number];
  /** Tool + turret stiffness, N/µm. */
  turretStiffnessNPerUm: number;
  /** Ball-screw lead of the z and x axes, mm/rev. */
  screwLeadMm: number;
  /** Diameter measurement noise (CMM / micrometer), mm. */
  measureNoiseMm: number;
}

/** One machining task: workpiece, tool and cutting parameters (DeepMachining's tasks differ in workpiece and tool). */
export interface TaskSpec {
  id: string;
  /** Nominal finished diameter and the length turned, mm; the part is chucked with `overhangMm` ≥ length. */
  diameterMm: number;
  lengthMm: number;
  overhangMm: number;
  /** Young's modulus of the workpiece, N/mm². */
  youngNPerMm2: number;
  /** Kienzle constants: specific cutting force k_c1.1 (N/mm²) and exponent m_c. */
  kc11: number;
  mc: number;
  /** Tool: nose radius r_ε (mm), clearance angle α (deg), approach angle κ (deg). */
  noseRadiusMm: number;
  clearanceDeg: number;
  approachDeg: number;
  /** Cutting parameters of the two passes (roughing, finishing): depth a_p (mm), feed f (mm/rev), speed v_c (m/min). */
  passes: { depthMm: number; feedMmRev: number; vcMPerMin: number }[];
  /** Wear law VB(t), t in cutting minutes: break-in VB_b·(1 − e^(−t/τ_b)) + rate·t + accel·t³. */
  wear: { breakInMm: number; breakInTauMin: number; rateMmPerMin: number; accelMmPerMin3: number };
  /** Idle time between workpieces (loading, measuring), minutes. */
  idleMin: number;
  /** Radial-force ratio F_p/F_c of a sharp tool and its growth per mm of flank wear. */
  fpRatio: number;
  fpWearGain: number;
  /** Feed-force ratio F_f/F_c and its growth per mm of flank wear. */
  ffRatio: number;
  ffWearGain: number;
  /** Cutting-force growth per mm of flank wear (F_c × (1 + g·VB)). */
  fcWearGain: number;
  /** Operator's tool-offset on the diameter at the start of the tool life, mm (the manifest's `offset`). */
  offsetMm: number;
  /** Axial stations where diameters are measured, mm along the cut. */
  stationsMm: number[];
}

/** Options of one simulated tool life on a task. */
export interface ToolLifeOptions {
  /** Workpieces machined with this tool (default 12). */
  workpieces?: number;
  /** Seed of this tool life (per-tool wear-rate multiplier, vibration, sensor and measurement noise). Default 0. */
  seed?: number;
  /** false: no sensor or measurement noise and no per-tool wear multiplier, for exact physics checks (default true). */
  noise?: boolean;
  /** Spread of the per-tool wear-rate multiplier (log-normal σ; default 0.25: tool life varies widely at fixed parameters). */
  wearSpread?: number;
  /** Cutting minutes already on the tool before workpiece 0 (default 0 = new insert). */
  startMinutes?: number;
  /** Thermal state (0 = cold, 1 = steady) before workpiece 0 (default 0). */
  startThermal?: number;
  /** Hold VB at this value (mm) instead of the wear law (exact checks only; default: the wear law, flankWear). */
  fixedWearMm?: number;
  /** Switch off terms for exact checks: 'thermal', 'deflection', 'wear' (default: none). */
  disable?: ('thermal' | 'deflection' | 'wear')[];
  /**
   * Time compression of the recording: the recorded cut lasts `timeScale` × the physical cut time (default 1). Values < 1
   * keep arrays small for tests; spectra keep their frequencies (fs is unchanged), only fewer samples are recorded.
   */
  timeScale?: number;
}

/** One cut: signals [9, L] (channel-major, channel c at [c·L, (c+1)·L)), its length L and the physics behind it. */
export interface Cut {
  data: Float32Array;
  length: number;
  /** Spindle speed n (rpm), feed velocity v_f (mm/min), Kienzle cutting force F_c (N), radial F_p and feed F_f (N) at the start. */
  rpm: number;
  feedMmPerMin: number;
  fcN: number;
  fpN: number;
  ffN: number;
}

/** One machined workpiece along a tool life. */
export interface Workpiece {
  task: string;
  tool: number;
  /** Index along the tool life (0 = first piece of a new insert). */
  index: number;
  cuts: Cut[];
  /** Flank wear at the start of the finishing pass, mm. */
  vbMm: number;
  /** Cutting minutes on the tool at the start of the finishing pass. */
  toolMinutes: number;
  /** Thermal state at the start of the finishing pass (0 cold … 1 steady). */
  thermal: number;
  /** Diameter error at each station, mm (noise-free truth) and as measured (with measurement noise). */
  errorTrueMm: number[];
  errorMeasuredMm: number[];
  /** Measured diameters at the stations, mm (nominal + measured error). */
  diametersMm: number[];
  stationsMm: number[];
  /** Theoretical roughness of the finishing pass Ra = f²/(32 r_ε) and the worn-tool estimate, µm. */
  raTheoryUm: number;
  raUm: number;
  offsetMm: number;
  nominalMm: number;
  lengthMm: number;
}
