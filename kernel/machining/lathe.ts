/**
 * A physics-based synthetic lathe (seeded): machine → task → tool life → workpiece → cut.
 *
 * DeepMachining (arXiv 2403.16451, §1) names the error sources it learns from controller and vibration signals:
 * geometric/tooling, thermal and load-induced errors. Its factory data are not public, so this generator produces the
 * same layout (per workpiece a list of cuts, each [9, L]: 2 accelerometers, 3 rpm, 3 motor currents, label) from
 * textbook turning physics:
 *
 *   flank wear VB(t)         break-in + steady + accelerating phases, per-tool rate multiplier (log-normal)
 *   wear → diameter          ΔD_wear = 2·VB·tan α (the worn flank moves the edge radially; α = clearance angle)
 *   cutting force (Kienzle)  F_c = k_c1.1 · b · h^(1−m_c), h = f·sin κ, b = a_p / sin κ; grows with VB
 *   radial/feed forces       F_p = F_c·(p₀ + p₁·VB), F_f = F_c·(q₀ + q₁·VB)
 *   deflection               workpiece cantilevered in the chuck δ(x) = F_p·x³/(3EI), I = πD⁴/64, x = distance to chuck;
 *                            plus tool/turret compliance F_p/k; ΔD_defl = 2·δ
 *   thermal drift            first-order state θ: heats towards 1 while cutting (τ), cools while idle; ΔD_th = A·θ;
 *                            its weak observable proxy: no-load spindle current falls as the headstock warms
 *   controller signals       n = 1000·v_c/(πD), v_f = n·f, spindle torque M = F_c·D/2000 → current I₀ + M/K_t,
 *                            servo currents from F_p (x) and F_f (z) plus friction, rpm droop under torque
 *   vibration                unbalance harmonics at n/60 Hz (∝ n²), cutting noise ∝ F_c through the structural resonance,
 *                            whose gain grows with wear (chatter tendency), sensor noise
 *   roughness                Ra = f²/(32 r_ε) (theory), × (1 + 4·VB/mm) with a worn tool
 *   measurement              diameters at the stations with CMM noise
 *
 * Diameter error ΔD = D_measured − D_nominal = ΔD_wear + ΔD_defl + ΔD_th − offset (the operator's tool offset).
 * Sample i of a cut sits at s = (i+1)·length/L mm along the cut, the linear mapping the official code inverts
 * (idx = floor(L/length·mm) − 1), so the label at a station's index is that station's error exactly.
 *
 * Constants are plausible defaults from engineering references (Kienzle constants for steels, carbide clearance 5–7°,
 * thermal time constants of tens of minutes), not measurements of the paper's machine.
 */
import { rng, type Rng } from '../core/rng';
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import type { Cut, MachineSpec, TaskSpec, ToolLifeOptions, Workpiece } from './types';

const DEG = Math.PI / 180;

/** The default machine (one lathe shared by every task, as in the paper's setting: one machine, many tasks). */
export function defaultMachine(overrides: Partial<MachineSpec> = {}): MachineSpec {
  return {
    fs: 2048,
    resonanceHz: 640,
    damping: 0.04,
    accelGain: [0.0006, 0.0015],
    unbalanceG: 0.05,
    noise: { accel: 0.02, rpm: 2, current: 0.05 },
    thermalAmpMm: -0.008,
    thermalTauMin: 30,
    coolTauMin: 45,
    noLoadCurrentA: 4,
    noLoadWarmDrop: 0.1,
    spindleKt: 2.5,
    servoAPerN: [0.004, 0.003],
    servoFrictionA: [0.6, 0.8],
    turretStiffnessNPerUm: 35,
    screwLeadMm: 10,
    measureNoiseMm: 0.001,
    ...overrides,
  };
}

/**
 * A random task (workpiece + tool + cutting parameters) drawn from plausible ranges for finish-turning steel with
 * carbide. Tasks differ in diameter, length and slenderness (so deflection matters for some), material, tool geometry
 * and wear rate, as the paper's tasks differ in workpieces and cutting tools.
 */
export function sampleTask(id: string, seed: number): TaskSpec {
  const r = rng(seed);
  const u = (lo: number, hi: number) => r.uniform(lo, hi);
  const pick = <T>(xs: readonly T[]): T => xs[r.int(xs.length)]!;
  const diameterMm = Math.round(u(22, 60) * 10) / 10;
  const lengthMm = Math.round(u(17, 50));
  const overhangMm = lengthMm + Math.round(u(5, 25));
  const finish = { depthMm: u(0.15, 0.4), feedMmRev: u(0.08, 0.18), vcMPerMin: u(160, 240) };
  const rough = { depthMm: u(1, 2), feedMmRev: u(0.22, 0.32), vcMPerMin: finish.vcMPerMin * u(0.75, 0.9) };
  const first = Math.max(1, Math.round(lengthMm * 0.2 * 10) / 10);
  const last = Math.round(lengthMm * 0.95 * 10) / 10;
  return {
    id,
    diameterMm,
    lengthMm,
    overhangMm,
    youngNPerMm2: pick([200e3, 205e3, 210e3]),
    kc11: u(1500, 2400),
    mc: u(0.2, 0.3),
    noseRadiusMm: pick([0.4, 0.8, 1.2]),
    clearanceDeg: u(5, 7),
    approachDeg: pick([90, 93, 95]),
    passes: [rough, finish],
    wear: { breakInMm: u(0.03, 0.06), breakInTauMin: u(0.5, 1.5), rateMmPerMin: u(0.008, 0.02), accelMmPerMin3: u(1e-5, 4e-5) },
    idleMin: u(1, 4),
    fpRatio: u(0.25, 0.4),
    fpWearGain: u(2, 4),
    ffRatio: u(0.3, 0.45),
    ffWearGain: u(1, 2),
    fcWearGain: u(0.5, 1.5),
    offsetMm: Math.round(u(0, 0.02) * 1000) / 1000,
    stationsMm: [first, Math.round(((first + last) / 2) * 10) / 10, last],
  };
}

/** VB(t) of the task's wear law at `t` cutting minutes, times the tool's rate multiplier (monotone in t for t ≥ 0). */
export function flankWear(task: TaskSpec, tMin: number, rateMultiplier = 1): number {
  const w = task.wear;
  return w.breakInMm * (1 - Math.exp(-tMin / w.breakInTauMin)) + rateMultiplier * (w.rateMmPerMin * tMin + w.accelMmPerMin3 * tMin ** 3);
}

/** Diameter oversize from flank wear: 2·VB·tan α, mm. */
export function wearOversize(vbMm: number, clearanceDeg: number): number {
  return 2 * vbMm * Math.tan(clearanceDeg * DEG);
}

/** Kienzle main cutting force F_c = k_c1.1·b·h^(1−m_c), N (h = f·sin κ, b = a_p / sin κ). */
export function kienzleForce(kc11: number, mc: number, depthMm: number, feedMmRev: number, approachDeg: number): number {
  const s = Math.sin(approachDeg * DEG);
  return kc11 * (depthMm / s) * (feedMmRev * s) ** (1 - mc);
}

/** Radial deflection of a workpiece cantilevered in the chuck at distance x (mm) under F_p (N): F_p·x³/(3EI), mm. */
export function cantileverDeflection(fpN: number, xMm: number, diameterMm: number, youngNPerMm2: number): number {
  const I = (Math.PI * diameterMm ** 4) / 64;
  return (fpN * xMm ** 3) / (3 * youngNPerMm2 * I);
}

/** Theoretical arithmetic-mean roughness Ra = f²/(32 r_ε), µm (f in mm/rev, r_ε in mm). */
export function roughnessRa(feedMmRev: number, noseRadiusMm: number): number {
  return (feedMmRev ** 2 / (32 * noseRadiusMm)) * 1000;
}

function checkTask(t: TaskSpec): void {
  check(t && typeof t === 'object', `task must be a TaskSpec, got ${describe(t)}`);
  for (const k of ['diameterMm', 'lengthMm', 'overhangMm', 'youngNPerMm2', 'kc11', 'noseRadiusMm'] as const) {
    if (!(Number.isFinite(t[k]) && t[k] > 0)) throw new InvalidInput(`task.${k} must be a positive number, got ${describe(t[k])}`);
  }
  check(
    t.overhangMm >= t.lengthMm,
    `task.overhangMm (${t.overhangMm}) must be ≥ task.lengthMm (${t.lengthMm}): the cut cannot pass the chuck`,
  );
  check(Array.isArray(t.passes) && t.passes.length >= 1, `task.passes must list at least one pass, got ${describe(t.passes)}`);
  for (const s of t.stationsMm)
    check(s > 0 && s <= t.lengthMm, `task.stationsMm must lie in (0, ${t.lengthMm}], got ${describe(t.stationsMm)}`);
}

/** Second-order resonator driven by x: y[i] = 2ρcos(ω)·y[i−1] − ρ²·y[i−2] + (1−ρ)·x[i]. */
function resonate(x: Float64Array, fs: number, hz: number, zeta: number): Float64Array {
  const w = (2 * Math.PI * hz) / fs,
    rho = Math.exp(-zeta * w);
  const a1 = 2 * rho * Math.cos(w),
    a2 = -rho * rho,
    g = 1 - rho;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = a1 * (i > 0 ? y[i - 1]! : 0) + a2 * (i > 1 ? y[i - 2]! : 0) + g * x[i]!;
  return y;
}

/**
 * Machine the task's workpieces with one tool: a tool life. Returns one Workpiece per part, each with its cuts
 * (roughing then finishing) as [9, L] arrays. Deterministic for a given (machine, task, options.seed).
 */
export function toolLife(machine: MachineSpec, task: TaskSpec, options: ToolLifeOptions = {}): Workpiece[] {
  checkTask(task);
  const K = checkInt('workpieces', options.workpieces ?? 12, 1, 10_000);
  const seed = options.seed ?? 0;
  const noisy = options.noise ?? true;
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0 && timeScale <= 1)) throw new InvalidInput(`timeScale must be in (0, 1], got ${describe(timeScale)}`);
  const off = new Set(options.disable ?? []);
  for (const d of off)
    if (!['thermal', 'deflection', 'wear'].includes(d))
      throw new InvalidInput(`disable entries must be 'thermal', 'deflection' or 'wear', got ${describe(d)}`);
  const r: Rng = rng(seed);
  const wearMult = noisy ? Math.exp((options.wearSpread ?? 0.25) * r.normal()) : 1;
  const tanA = Math.tan(task.clearanceDeg * DEG);
  let tMin = options.startMinutes ?? 0;
  let theta = options.startThermal ?? 0;
  const vb = (t: number) => (off.has('wear') ? 0 : (options.fixedWearMm ?? flankWear(task, t, wearMult)));
  const out: Workpiece[] = [];
  for (let k = 0; k < K; k++) {
    const cuts: Cut[] = [];
    let finishStart = { vb: 0, t: 0, theta: 0 };
    for (let p = 0; p < task.passes.length; p++) {
      const pass = task.passes[p]!;
      // diameter the pass leaves: the remaining passes' depths still to come
      const after = task.passes.slice(p + 1).reduce((a, q) => a + 2 * q.depthMm, 0);
      const D = task.diameterMm + after;
      const n = (1000 * pass.vcMPerMin) / (Math.PI * (D + 2 * pass.depthMm));
      const vf = n * pass.feedMmRev;
      const cutMin = task.lengthMm / vf;
      const L = Math.max(16, Math.round(cutMin * 60 * machine.fs * timeScale));
      const fc0 = kienzleForce(task.kc11, task.mc, pass.depthMm, pass.feedMmRev, task.approachDeg);
      const data = new Float32Array(9 * L);
      const exc = new Float64Array(L),
        exc2 = new Float64Array(L);
      const fcs = new Float64Array(L),
        vbs = new Float64Array(L);
      const cr = r.fork(1000 * k + p);
      if (p === task.passes.length - 1) finishStart = { vb: vb(tMin), t: tMin, theta };
      const head = { fc: 0, fp: 0, ff: 0 };
      const I = (Math.PI * D ** 4) / 64;
      for (let i = 0; i < L; i++) {
        const frac = (i + 1) / L;
        const t = tMin + frac * cutMin;
        const th = off.has('thermal') ? 0 : 1 - (1 - theta) * Math.exp(-(frac * cutMin) / machine.thermalTauMin);
        const w = vb(t);
        const fc = fc0 * (1 + task.fcWearGain * w);
        const fp = fc * (task.fpRatio + task.fpWearGain * w);
        const ff = fc * (task.ffRatio + task.ffWearGain * w);
        if (i === 0) Object.assign(head, { fc, fp, ff });
        const s = frac * task.lengthMm; // mm along the cut, from the free end
        const x = task.overhangMm - s; // mm from the chuck
        const defl = off.has('deflection') ? 0 : (fp * x ** 3) / (3 * task.youngNPerMm2 * I) + fp / (machine.turretStiffnessNPerUm * 1000);
        const label = 2 * w * tanA + 2 * defl + machine.thermalAmpMm * th - task.offsetMm;
        const torque = (fc * D) / 2000;
        const secs = i / machine.fs;
        const nz = (sd: number) => (noisy ? sd * cr.normal() : 0);
        data[2 * L + i] = n - 0.4 * torque + nz(machine.noise.rpm);
        data[3 * L + i] = nz(machine.noise.rpm);
        data[4 * L + i] = vf / machine.screwLeadMm + nz(machine.noise.rpm * 0.1);
        data[5 * L + i] =
          machine.noLoadCurrentA * (1 - machine.noLoadWarmDrop * th) + torque / machine.spindleKt + nz(machine.noise.current);
        data[6 * L + i] = machine.servoFrictionA[1] + machine.servoAPerN[1] * fp + nz(machine.noise.current);
        data[7 * L + i] = machine.servoFrictionA[0] + machine.servoAPerN[0] * ff + nz(machine.noise.current);
        data[8 * L + i] = label;
        // cutting excitation: broadband, ∝ F_c, gain rising with wear (flank rubbing → chatter tendency)
        const e = cr.normal();
        exc[i] = fc * (1 + 8 * w) * e;
        exc2[i] = fc * (1 + 8 * w) * (0.6 * e + 0.8 * cr.normal());
        fcs[i] = fc;
        vbs[i] = w;
        const rot = 2 * Math.PI * (n / 60) * secs;
        data[i] = machine.unbalanceG * (n / 1000) ** 2 * (Math.sin(rot) + 0.3 * Math.sin(2 * rot + 0.7));
        data[L + i] = 0.3 * machine.unbalanceG * (n / 1000) ** 2 * Math.sin(rot + 1.1);
      }
      const y0 = resonate(exc, machine.fs, machine.resonanceHz, machine.damping);
      const y1 = resonate(exc2, machine.fs, machine.resonanceHz * 1.35, machine.damping * 1.5);
      for (let i = 0; i < L; i++) {
        data[i] = data[i]! + machine.accelGain[0] * y0[i]! + (noisy ? machine.noise.accel * cr.normal() : 0);
        data[L + i] = data[L + i]! + machine.accelGain[1] * (0.5 * y0[i]! + y1[i]!) + (noisy ? machine.noise.accel * cr.normal() : 0);
      }
      cuts.push({ data, length: L, rpm: n, feedMmPerMin: vf, fcN: head.fc, fpN: head.fp, ffN: head.ff });
      tMin += cutMin;
      if (!off.has('thermal')) theta = 1 - (1 - theta) * Math.exp(-cutMin / machine.thermalTauMin);
    }
    // the finishing pass (last cut) sets the final diameter: read its label at the stations
    const fin = cuts[cuts.length - 1]!;
    const errorTrueMm = task.stationsMm.map((mm) => fin.data[8 * fin.length + stationIndex(mm, fin.length, task.lengthMm)]!);
    const errorMeasuredMm = errorTrueMm.map((e) => e + (noisy ? machine.measureNoiseMm * r.normal() : 0));
    const finPass = task.passes[task.passes.length - 1]!;
    const raTheoryUm = roughnessRa(finPass.feedMmRev, task.noseRadiusMm);
    out.push({
      task: task.id,
      tool: seed,
      index: k,
      cuts,
      vbMm: finishStart.vb,
      toolMinutes: finishStart.t,
      thermal: finishStart.theta,
      errorTrueMm,
      errorMeasuredMm,
      diametersMm: errorMeasuredMm.map((e) => task.diameterMm + e),
      stationsMm: [...task.stationsMm],
      raTheoryUm,
      raUm: raTheoryUm * (1 + 4 * finishStart.vb),
      offsetMm: task.offsetMm,
      nominalMm: task.diameterMm,
      lengthMm: task.lengthMm,
    });
    // idle: load the next part, measure; the machine cools
    if (!off.has('thermal')) theta *= Math.exp(-task.idleMin / machine.coolTauMin);
  }
  return out;
}

/**
 * Sample index of an axial position, as the official code maps it: floor(L/length·mm) − 1 (constant feed assumed).
 * Example: L = 512,000 samples over 50 mm puts the 30 mm station at index 307,199.
 */
export function stationIndex(mm: number, L: number, lengthMm: number): number {
  if (!(mm > 0 && mm <= lengthMm)) throw new InvalidInput(`station ${describe(mm)} mm must lie in (0, ${lengthMm}] mm`);
  checkInt('L', L, 1);
  return Math.max(0, Math.floor((L / lengthMm) * mm) - 1);
}
