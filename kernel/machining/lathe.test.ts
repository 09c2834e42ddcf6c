import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cantileverDeflection,
  defaultMachine,
  flankWear,
  kienzleForce,
  roughnessRa,
  sampleTask,
  stationIndex,
  toolLife,
  wearOversize,
} from './lathe';
import { rfftMag } from './data';
import type { TaskSpec } from './types';

const machine = defaultMachine();
const task: TaskSpec = { ...sampleTask('t0', 7), offsetMm: 0.004 };
const f32 = (x: number) => Math.fround(x);
const label = (d: Float32Array, L: number, i: number) => d[8 * L + i]!;

test('noise-free, fixed wear, no thermal/deflection: label = 2·VB·tan α − offset everywhere', () => {
  const [w] = toolLife(machine, task, {
    workpieces: 1,
    noise: false,
    fixedWearMm: 0.1,
    disable: ['thermal', 'deflection'],
    timeScale: 0.05,
  });
  const want = f32(2 * 0.1 * Math.tan((task.clearanceDeg * Math.PI) / 180) - task.offsetMm);
  for (const c of w!.cuts) for (let i = 0; i < c.length; i += 37) assert.equal(label(c.data, c.length, i), want);
  assert.ok(Math.abs(wearOversize(0.1, 6) - 0.021) < 1e-4, 'α = 6°, VB = 0.1 mm → ≈ 21 µm');
});

test('wear law: VB monotone along the tool life, and the exact formula sits in the label at every sample', () => {
  const life = toolLife(machine, task, { workpieces: 6, noise: false, disable: ['thermal', 'deflection'], timeScale: 0.05 });
  for (let k = 1; k < life.length; k++) assert.ok(life[k]!.vbMm > life[k - 1]!.vbMm, `VB grows: ${life[k - 1]!.vbMm} → ${life[k]!.vbMm}`);
  for (let t = 0; t < 60; t += 0.5) assert.ok(flankWear(task, t + 0.5) > flankWear(task, t));
  // within the finishing cut of the last piece the label grows monotonically (wear only)
  const c = life[5]!.cuts[1]!;
  for (let i = 1; i < c.length; i++) assert.ok(label(c.data, c.length, i) >= label(c.data, c.length, i - 1));
  // first sample of the finishing cut: VB at its time (start + 1/L of the cut)
  const pass = task.passes[1]!,
    D = task.diameterMm;
  const n = (1000 * pass.vcMPerMin) / (Math.PI * (D + 2 * pass.depthMm)),
    cutMin = task.lengthMm / (n * pass.feedMmRev);
  const t0 = life[5]!.toolMinutes + cutMin / c.length;
  assert.equal(label(c.data, c.length, 0), f32(wearOversize(flankWear(task, t0), task.clearanceDeg) - task.offsetMm));
});

test('deflection follows F_p·x³/(3EI) + F_p/k along the cut (noise-free, no wear, no thermal)', () => {
  const slender: TaskSpec = { ...task, diameterMm: 20, lengthMm: 60, overhangMm: 70, stationsMm: [10, 30, 55] };
  const [w] = toolLife(machine, slender, { workpieces: 1, noise: false, disable: ['thermal', 'wear'], timeScale: 0.05 });
  const c = w!.cuts[1]!,
    L = c.length;
  const fp = c.fpN;
  for (const i of [0, Math.floor(L / 3), Math.floor((2 * L) / 3), L - 1]) {
    const x = slender.overhangMm - ((i + 1) / L) * slender.lengthMm;
    const want =
      2 * (cantileverDeflection(fp, x, slender.diameterMm, slender.youngNPerMm2) + fp / (machine.turretStiffnessNPerUm * 1000)) -
      slender.offsetMm;
    assert.ok(Math.abs(label(c.data, L, i) - want) < 1e-7, `i=${i}: ${label(c.data, L, i)} vs ${want}`);
  }
  // the z³ law: error minus its compliance floor scales as x³ between two positions
  const floor = (2 * fp) / (machine.turretStiffnessNPerUm * 1000) - slender.offsetMm;
  const i1 = 0,
    i2 = Math.floor(L / 2);
  const x1 = slender.overhangMm - slender.lengthMm / L,
    x2 = slender.overhangMm - ((i2 + 1) / L) * slender.lengthMm;
  const ratio = (label(c.data, L, i1) - floor) / (label(c.data, L, i2) - floor);
  assert.ok(Math.abs(ratio / (x1 / x2) ** 3 - 1) < 1e-3, `ratio ${ratio} vs ${(x1 / x2) ** 3}`);
  // slender part: microns of taper, largest at the free end
  assert.ok(label(c.data, L, 0) - label(c.data, L, L - 1) > 0.002);
});

test('thermal off and VB fixed: error constant along z except the deflection term', () => {
  const [w] = toolLife(machine, task, { workpieces: 1, noise: false, fixedWearMm: 0.08, disable: ['thermal'], timeScale: 0.05 });
  const c = w!.cuts[1]!,
    L = c.length;
  const [wd] = toolLife(machine, task, {
    workpieces: 1,
    noise: false,
    fixedWearMm: 0.08,
    disable: ['thermal', 'deflection'],
    timeScale: 0.05,
  });
  const cd = wd!.cuts[1]!;
  for (let i = 0; i < L; i += 11) {
    const x = task.overhangMm - ((i + 1) / L) * task.lengthMm;
    const defl = 2 * (cantileverDeflection(c.fpN, x, task.diameterMm, task.youngNPerMm2) + c.fpN / (machine.turretStiffnessNPerUm * 1000));
    assert.ok(Math.abs(label(c.data, L, i) - label(cd.data, L, i) - defl) < 1e-7);
    assert.equal(label(cd.data, L, i), label(cd.data, L, 0));
  }
});

test('thermal drift: the headstock warms over a run of parts; the no-load current proxy falls with it', () => {
  const life = toolLife(machine, task, { workpieces: 8, noise: false, disable: ['wear', 'deflection'], timeScale: 0.05 });
  for (let k = 1; k < 8; k++) assert.ok(life[k]!.thermal > life[k - 1]!.thermal);
  const e0 = life[0]!.errorTrueMm[0]!,
    e7 = life[7]!.errorTrueMm[0]!;
  assert.ok(Math.sign(e7 - e0) === Math.sign(machine.thermalAmpMm) && Math.abs(e7 - e0) > 1e-4, `drift ${e7 - e0}`);
  const cur = (k: number) => {
    const c = life[k]!.cuts[1]!;
    return c.data[5 * c.length]!;
  };
  assert.ok(cur(7) < cur(0), 'no-load spindle current falls as the machine warms');
});

test('roughness Ra = f²/(32 r_ε); Kienzle force and spindle current grow with k_c1.1', () => {
  assert.ok(Math.abs(roughnessRa(0.2, 0.8) - 1.5625) < 1e-12);
  const [w] = toolLife(machine, task, { workpieces: 1, noise: false, timeScale: 0.05 });
  assert.equal(w!.raTheoryUm, roughnessRa(task.passes[1]!.feedMmRev, task.noseRadiusMm));
  assert.ok(kienzleForce(2000, 0.25, 1, 0.2, 90) > kienzleForce(2000, 0.25, 1, 0.1, 90), 'force grows with feed');
  const meanCurrent = (kc11: number) => {
    const [p] = toolLife(machine, { ...task, kc11 }, { workpieces: 1, noise: false, timeScale: 0.05 });
    const c = p!.cuts[1]!;
    let s = 0;
    for (let i = 0; i < c.length; i++) s += c.data[5 * c.length + i]!;
    return s / c.length;
  };
  const cs = [1500, 1900, 2300].map(meanCurrent);
  assert.ok(cs[0]! < cs[1]! && cs[1]! < cs[2]!, `spindle current ${cs}`);
});

test('tool wear raises the measured diameter error over a tool life (noisy data, several seeds)', () => {
  for (const seed of [1, 2, 3]) {
    const life = toolLife(machine, task, { workpieces: 20, seed, timeScale: 0.05 });
    const mean = (k: number) => life[k]!.errorMeasuredMm.reduce((a, b) => a + b, 0) / 3;
    const early = (mean(0) + mean(1) + mean(2)) / 3,
      late = (mean(17) + mean(18) + mean(19)) / 3;
    assert.ok(late - early > 0.003, `seed ${seed}: late ${late} vs early ${early}`);
    for (const p of life) for (const c of p.cuts) for (const v of c.data) assert.ok(Number.isFinite(v));
  }
});

test('spectra: the turret accelerometer peaks near the structural resonance, which grows with wear; spindle line at n/60', () => {
  const life = toolLife(machine, task, { workpieces: 30, seed: 4, timeScale: 0.2 });
  const band = (k: number) => {
    const c = life[k]!.cuts[1]!,
      N = 1024,
      x = c.data.subarray(c.length + 256, c.length + 256 + N);
    const m = rfftMag(x),
      hz = (b: number) => (b * machine.fs) / N;
    const lo = Math.ceil((200 * N) / machine.fs);
    let peak = lo;
    for (let b = lo; b < m.length; b++) if (m[b]! > m[peak]!) peak = b;
    let e = 0;
    for (let b = 0; b < m.length; b++)
      if (Math.abs(hz(b) - machine.resonanceHz * 1.35) < 150 || Math.abs(hz(b) - machine.resonanceHz) < 100) e += m[b]! ** 2;
    return { peakHz: hz(peak), e };
  };
  const b0 = band(0),
    b29 = band(29);
  assert.ok(b0.peakHz > 450 && b0.peakHz < 1000, `peak at ${b0.peakHz} Hz`);
  assert.ok(b29.e > 1.3 * b0.e, `resonance energy grows with wear: ${b0.e} → ${b29.e}`);
  // spindle_front of a noise-free cut: the strongest low-frequency line is the spindle rotation n/60
  const [q] = toolLife(machine, task, { workpieces: 1, noise: false, timeScale: 0.2 });
  const c = q!.cuts[1]!,
    N = 2048,
    m = rfftMag(c.data.subarray(0, N));
  let best = 1;
  for (let b = 1; b < 200; b++) if (m[b]! > m[best]!) best = b;
  assert.ok(Math.abs((best * machine.fs) / N - c.rpm / 60) <= 1.5, `line at ${(best * machine.fs) / N} Hz, n/60 = ${c.rpm / 60}`);
});

test('deterministic from the seed; different seeds differ', () => {
  const a = toolLife(machine, task, { workpieces: 2, seed: 9, timeScale: 0.05 });
  const b = toolLife(machine, task, { workpieces: 2, seed: 9, timeScale: 0.05 });
  const c = toolLife(machine, task, { workpieces: 2, seed: 10, timeScale: 0.05 });
  assert.deepEqual(a[1]!.cuts[1]!.data, b[1]!.cuts[1]!.data);
  assert.deepEqual(a[1]!.errorMeasuredMm, b[1]!.errorMeasuredMm);
  assert.notDeepEqual(a[1]!.cuts[1]!.data, c[1]!.cuts[1]!.data);
  assert.deepEqual(sampleTask('x', 3), sampleTask('x', 3));
});

test('stationIndex: 30 mm of 50 mm at L = 512,000 → 307,199; bad input is named', () => {
  assert.equal(stationIndex(30, 512_000, 50), 307_199);
  assert.throws(() => stationIndex(60, 1000, 50), /station 60 mm must lie in/);
  assert.throws(() => toolLife(machine, { ...task, overhangMm: 1 }), /overhangMm/);
  assert.throws(() => toolLife(machine, task, { timeScale: 2 }), /timeScale/);
});
