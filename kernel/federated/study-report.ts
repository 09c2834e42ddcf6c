/**
 * Summaries and figures of the cross-device study (study.ts), shared by the bench (bench/fed.bench.ts) and the notebook:
 * mean and 95% t-interval per (α, arm, head) over the seeds that finished, the paired SphereFed − (FedAvg + ridge)
 * difference per seed, the ridge head's largest loss near IID, the declared gates, curves, client drift and bytes.
 */
import { heatmap, series, table } from '../viz/builders';
import type { HeatmapFigure, SeriesFigure, TableFigure } from '../viz/types';
import { meanCi, type CellResult, type StudyArm } from './study';

export type Head = 'own' | 'ridge';
/** The arms the declared gates are about (bench/declared/fed-study2.json); FedNova is reported only (fed-reported.json). */
export const GATED_ARMS: readonly StudyArm[] = ['fedavg', 'fedprox', 'spherefed'];
export interface KeyStat {
  alpha: number;
  arm: StudyArm;
  head: Head;
  mean: number;
  half: number;
  seeds: number[];
  values: number[];
}
export interface StudySummary {
  stats: KeyStat[];
  /** SphereFed (calibrated) − FedAvg + ridge, per seed present in both, at each α. */
  paired: { alpha: number; seeds: number[]; diffs: number[]; mean: number; half: number }[];
  /**
   * Largest (own − ridge) test accuracy loss, points, over the GATED arms at α = 100 (positive = the ridge head hurts);
   * `perArm` lists every arm that ran, the reported-only FedNova too.
   */
  maxRidgeLossA100: { points: number; arm: StudyArm | null; perArm: { arm: StudyArm; points: number; seeds: number }[] };
  central: { mean: number; half: number; n: number };
  /** FedAvg's validation curve per final run: the declared plateau test (`plateauRound`) and the last evaluation's gain, points. */
  plateau: { alpha: number; arm: StudyArm; seed: number; plateauRound: number | null; lastGainPoints: number; plateaued: boolean }[];
  chosen: Record<string, unknown>;
}

/**
 * The declared plateau test (bench/declared/fed-study2.json): the first evaluated round r ≥ 2·window whose mean accuracy
 * over (r − window, r] is within `tol` of the mean over (r − 2·window, r − window]; null when no round passes. Defaults:
 * window 20 rounds, tol 0.01 (1 point).
 */
export function plateauRound(curve: { round: number; acc: number }[], window = 20, tol = 0.01): number | null {
  const mean = (lo: number, hi: number) => {
    const xs = curve.filter((c) => c.round > lo && c.round <= hi).map((c) => c.acc);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  };
  for (const c of curve) {
    if (c.round < 2 * window) continue;
    const now = mean(c.round - window, c.round),
      before = mean(c.round - 2 * window, c.round - window);
    if (Math.abs(now - before) < tol) return c.round;
  }
  return null;
}

export const STUDY_ARM_LABELS: Record<StudyArm, string> = {
  fedavg: 'FedAvg',
  fedprox: 'FedProx',
  fednova: 'FedNova',
  spherefed: 'SphereFed',
};
const COLORS: Record<StudyArm, string> = { fedavg: '#1f77b4', fedprox: '#2ca02c', fednova: '#9467bd', spherefed: '#d62728' };

/** For SphereFed, head 'ridge' is SphereFed proper (calibrated) and 'own' the uncalibrated fixed head. */
export function armHeadLabel(arm: StudyArm, head: Head): string {
  if (arm === 'spherefed') return head === 'ridge' ? 'SphereFed (sphere + calibration)' : 'Sphere, uncalibrated';
  return head === 'ridge' ? `${STUDY_ARM_LABELS[arm]} + ridge head` : STUDY_ARM_LABELS[arm];
}

/** Per-(α, arm, head) mean ± 95% t-interval, paired SphereFed − (FedAvg + ridge), ridge-head loss at α = 100, plateau test. */
export function summarizeStudy(cells: CellResult[]): StudySummary {
  const finals = cells.filter((c) => c.kind === 'final');
  const stats: KeyStat[] = [];
  const alphas = [...new Set(finals.map((c) => c.alpha))].sort((a, b) => a - b);
  const arms = [...new Set(finals.map((c) => c.arm as StudyArm))];
  for (const alpha of alphas)
    for (const arm of arms)
      for (const head of ['own', 'ridge'] as const) {
        const cs = finals.filter((c) => c.alpha === alpha && c.arm === arm).sort((a, b) => a.seed - b.seed);
        if (!cs.length) continue;
        const values = cs.map((c) => (head === 'own' ? c.testAcc! : c.testAccRidge!));
        const ci = meanCi(values);
        stats.push({ alpha, arm, head, mean: ci.mean, half: ci.half, seeds: cs.map((c) => c.seed), values });
      }
  const paired = alphas.map((alpha) => {
    const sf = new Map(finals.filter((c) => c.alpha === alpha && c.arm === 'spherefed').map((c) => [c.seed, c.testAccRidge!]));
    const fr = finals.filter((c) => c.alpha === alpha && c.arm === 'fedavg' && sf.has(c.seed)).sort((a, b) => a.seed - b.seed);
    const diffs = fr.map((c) => 100 * (sf.get(c.seed)! - c.testAccRidge!));
    const ci = meanCi(diffs);
    return { alpha, seeds: fr.map((c) => c.seed), diffs, mean: ci.mean, half: ci.half };
  });
  const perArm = arms
    .map((arm) => {
      const cs = finals.filter((c) => c.alpha === 100 && c.arm === arm);
      const m = (f: (c: CellResult) => number) => cs.reduce((a, c) => a + f(c), 0) / Math.max(1, cs.length);
      return { arm, points: 100 * (m((c) => c.testAcc!) - m((c) => c.testAccRidge!)), seeds: cs.length };
    })
    .filter((x) => x.seeds > 0);
  const worst = perArm
    .filter((x) => GATED_ARMS.includes(x.arm))
    .reduce<(typeof perArm)[number] | null>((b, x) => (!b || x.points > b.points ? x : b), null);
  const central = meanCi(cells.filter((c) => c.kind === 'central').map((c) => c.testAcc!));
  const plateau = finals
    .filter((c) => c.arm === 'fedavg' && c.valCurve.length >= 2)
    .map((c) => {
      const v = c.valCurve,
        gain = 100 * (v[v.length - 1]!.acc - v[v.length - 2]!.acc);
      const at = plateauRound(v);
      return { alpha: c.alpha, arm: c.arm as StudyArm, seed: c.seed, plateauRound: at, lastGainPoints: gain, plateaued: at !== null };
    });
  const chosen: Record<string, unknown> = {};
  for (const c of finals) chosen[c.arm] = c.setting;
  return {
    stats,
    paired,
    maxRidgeLossA100: { points: worst?.points ?? NaN, arm: worst?.arm ?? null, perArm },
    central,
    plateau,
    chosen,
  };
}

export function stat(s: StudySummary, alpha: number, arm: StudyArm, head: Head): KeyStat | undefined {
  return s.stats.find((x) => x.alpha === alpha && x.arm === arm && x.head === head);
}

const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '–');
export const fmtCi = (k: KeyStat | undefined): string =>
  k
    ? `${pct(k.mean)} % ± ${Number.isFinite(k.half) ? (100 * k.half).toFixed(2) : 'n/a'} (n = ${k.values.length}; seeds ${k.seeds.join(',')})`
    : 'not run';

/** The ablation grid: arm × head × α, mean ± 95% interval over seeds. */
export function studyGridTable(s: StudySummary): TableFigure {
  const alphas = [...new Set(s.stats.map((x) => x.alpha))];
  const rows = [...new Set(s.stats.map((x) => `${x.arm}|${x.head}`))].map((k) => {
    const [arm, head] = k.split('|') as [StudyArm, Head];
    const row: Record<string, string | number> = { arm: armHeadLabel(arm, head) };
    for (const a of alphas) row[`a${a}`] = fmtCi(stat(s, a, arm, head));
    return row;
  });
  return table({
    title: 'Ablation grid: test accuracy, mean ± 95% t-interval over seeds',
    columns: [{ key: 'arm', label: 'arm' }, ...alphas.map((a) => ({ key: `a${a}`, label: `α = ${a}` }))],
    rows,
    caption: `Centralized ceiling: ${pct(s.central.mean)} % (n = ${s.central.n}). Paired SphereFed − (FedAvg + ridge), points: ${s.paired
      .map(
        (p) =>
          `α=${p.alpha}: ${p.diffs.map((d) => d.toFixed(2)).join(', ')} → ${p.mean.toFixed(2)} ± ${Number.isFinite(p.half) ? p.half.toFixed(2) : 'n/a'}`,
      )
      .join('; ')}.`,
  });
}

/** Validation accuracy per round (own head), mean over seeds ± 95% interval (dotted), per arm. */
export function studyCurvesFigure(cells: CellResult[], alpha: number): SeriesFigure {
  const finals = cells.filter((c) => c.kind === 'final' && c.alpha === alpha);
  const arms = [...new Set(finals.map((c) => c.arm as StudyArm))];
  const traces = arms.flatMap((arm) => {
    const cs = finals.filter((c) => c.arm === arm);
    const rounds = cs[0]!.valCurve.map((p) => p.round);
    const at = rounds.map((_, i) => meanCi(cs.map((c) => c.valCurve[i]!.acc)));
    const main = {
      name: `${armHeadLabel(arm, 'own')} (n = ${cs.length})`,
      x: rounds,
      y: at.map((m) => m.mean),
      color: COLORS[arm],
      mode: 'lines+markers' as const,
    };
    if (cs.length < 2) return [main];
    return [
      main,
      { name: `${STUDY_ARM_LABELS[arm]} 95% CI`, x: rounds, y: at.map((m) => m.mean - m.half), color: COLORS[arm], dash: 'dot' as const },
      { name: `${STUDY_ARM_LABELS[arm]} 95% CI `, x: rounds, y: at.map((m) => m.mean + m.half), color: COLORS[arm], dash: 'dot' as const },
    ];
  });
  return series({
    series: traces,
    xLabel: 'round',
    yLabel: 'validation accuracy (own head)',
    title: `Accuracy per round, α = ${alpha} (CNN, 100 clients, 10 per round)`,
    caption:
      'Validation = the 10 % held out of every client; the test split is read once, after the last round. Dotted: 95% t-interval over seeds.',
  });
}

/** Client drift in the last round: cosine between clients' per-class mean features (after local training). */
export function studyDriftTable(cells: CellResult[]): TableFigure {
  const finals = cells.filter((c) => c.kind === 'final' && c.drift);
  const keys = [...new Set(finals.map((c) => `${c.alpha}|${c.arm}`))];
  return table({
    title: 'Feature geometry: do clients agree on where a class lives? (last round, after local training)',
    columns: [
      { key: 'alpha', label: 'α' },
      { key: 'arm', label: 'arm' },
      { key: 'same', label: 'cos, same class, two clients', format: 'fixed3' },
      { key: 'cross', label: 'cos, two classes, one client', format: 'fixed3' },
      { key: 'n', label: 'seeds', format: 'int' },
    ],
    rows: keys.map((k) => {
      const [a, arm] = k.split('|');
      const cs = finals.filter((c) => String(c.alpha) === a && c.arm === arm);
      // a run with no class held by two sampled clients has no same-class pair (NaN, stored as null in JSON)
      const m = (f: (c: CellResult) => number | null) => {
        const v = cs.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
        return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
      };
      return {
        alpha: Number(a),
        arm: STUDY_ARM_LABELS[arm as StudyArm],
        same: m((c) => c.drift!.sameClassCos),
        cross: m((c) => c.drift!.crossClassCos),
        n: cs.length,
      };
    }),
    caption:
      "Each sampled client trains locally from the same global model; its per-class mean of unit-normalized features is compared with another client's mean of the same class (high = little drift) and with its own other classes (low = separated). Classes with < 5 samples on a client are skipped.",
  });
}

/** Bytes and wall-clock per round (all 10 sampled clients), and the one-off calibration message. */
export function studyBytesTable(cells: CellResult[]): TableFigure {
  const finals = cells.filter((c) => c.kind === 'final');
  const arms = [...new Set(finals.map((c) => c.arm as StudyArm))];
  return table({
    title: 'Cost per round: bytes on the wire and wall-clock (in-process clients, shared 2-core box)',
    columns: [
      { key: 'arm', label: 'arm' },
      { key: 'params', label: 'parameters sent', format: 'int' },
      { key: 'down', label: 'server → clients / round', unit: 'bytes', format: 'int' },
      { key: 'up', label: 'clients → server / round', unit: 'bytes', format: 'int' },
      { key: 'calib', label: 'calibration / client (once)', unit: 'bytes', format: 'int' },
      { key: 'sec', label: 'median s / round', format: 'fixed1' },
    ],
    rows: arms.map((arm) => {
      const cs = finals.filter((c) => c.arm === arm);
      const secs = cs.map((c) => c.secondsPerRound).sort((a, b) => a - b);
      return {
        arm: STUDY_ARM_LABELS[arm],
        params: cs[0]!.nParams,
        down: cs[0]!.bytesDownPerRound,
        up: cs[0]!.bytesUpPerRound,
        calib: cs[0]!.calibBytesPerClient,
        sec: secs[Math.floor(secs.length / 2)]!,
      };
    }),
    caption:
      'float32 parameters; the calibration message is the packed G (d(d+1)/2) and B (d·C) in float64 plus n. Wall-clock was measured while ~7 other jobs shared the 2 cores.',
  });
}

/** Per-client label histogram of one final cell's partition (first 30 clients by default: 100 rows are unreadable). */
export function studyPartitionFigure(cell: CellResult, rows = 30): HeatmapFigure {
  const p = cell.partition!;
  return heatmap({
    values: p.counts.slice(0, rows),
    rowLabels: p.sizes.slice(0, rows).map((n, k) => `client ${k} (${n})`),
    colLabels: Array.from({ length: 10 }, (_, c) => String(c)),
    xLabel: 'class',
    yLabel: 'client (samples)',
    valueLabel: 'samples',
    colorScale: 'blues',
    title: `Label histogram, first ${rows} of ${p.sizes.length} clients, α = ${cell.alpha}, seed ${cell.seed}`,
    caption: `${p.convention}. Mean total-variation distance to the global mix ${p.meanTv.toFixed(3)}; client sizes ${Math.min(...p.sizes)}–${Math.max(...p.sizes)}; ${p.redraws} re-draws for minSize.`,
  });
}

/** The declared gates (bench/declared/fed-study.json), on the finished seeds. */
export function studyGates(s: StudySummary): { check: string; value: number; target: string; met: boolean | null; n: number }[] {
  const gatedSeeds = s.maxRidgeLossA100.perArm.filter((x) => GATED_ARMS.includes(x.arm)).map((x) => x.seeds);
  const sf = stat(s, 0.05, 'spherefed', 'ridge'),
    pr = stat(s, 0.05, 'fedprox', 'ridge'),
    fr = stat(s, 0.05, 'fedavg', 'ridge');
  const d = (a?: KeyStat, b?: KeyStat) => (a && b ? 100 * (a.mean - b.mean) : NaN);
  const g = (check: string, value: number, target: string, ok: (v: number) => boolean, n: number) => ({
    check,
    value,
    target,
    met: Number.isFinite(value) ? ok(value) : null,
    n,
  });
  return [
    g(
      'SphereFed − (FedProx + ridge), α = 0.05, points',
      d(sf, pr),
      '≥ 0',
      (v) => v >= 0,
      Math.min(sf?.values.length ?? 0, pr?.values.length ?? 0),
    ),
    g(
      'SphereFed − (FedAvg + ridge), α = 0.05, points',
      d(sf, fr),
      '≥ −1',
      (v) => v >= -1,
      Math.min(sf?.values.length ?? 0, fr?.values.length ?? 0),
    ),
    g(
      'largest loss from the ridge head, α = 100, points',
      s.maxRidgeLossA100.points,
      '≤ 1',
      (v) => v <= 1,
      gatedSeeds.length ? Math.min(...gatedSeeds) : 0,
    ),
  ];
}

/** The declared gates as a table (measured value, target, met / NO / not run, seeds). */
export function studyGatesTable(s: StudySummary): TableFigure {
  return table({
    title: 'Declared gates (bench/declared/fed-study.json), on the seeds that finished',
    columns: ['check', { key: 'value', label: 'measured', format: 'fixed2' }, 'target', 'met', { key: 'n', label: 'seeds', format: 'int' }],
    rows: studyGates(s).map((x) => ({
      ...x,
      value: Number.isFinite(x.value) ? x.value : null,
      met: x.met === null ? 'not run' : x.met ? 'yes' : 'NO',
    })),
  });
}

/** Paper vs ours for the cross-device study, naming the paper's comparison set. */
export function studyPaperTable(s: StudySummary): TableFigure {
  const sf = stat(s, 0.05, 'spherefed', 'ridge'),
    fa = stat(s, 0.05, 'fedavg', 'own'),
    fr = stat(s, 0.05, 'fedavg', 'ridge'),
    sp = stat(s, 0.05, 'spherefed', 'own');
  const pts = (a?: KeyStat, b?: KeyStat) => (a && b ? `${(100 * (a.mean - b.mean)).toFixed(1)} points` : 'not run');
  const p005 = s.paired.find((p) => p.alpha === 0.05);
  return table({
    title: 'SphereFed: paper vs ours (cross-device study)',
    columns: [
      { key: 'what', label: '' },
      { key: 'paper', label: 'paper (ECCV 2022, arXiv 2207.09413)' },
      { key: 'ours', label: 'ours (F-MNIST, CNN, 100 clients, 10/round)' },
    ],
    rows: [
      {
        what: 'gain over FedAvg, strong label skew',
        paper: 'up to +6 % (abstract; CIFAR-10/100, TinyImageNet, CNNs)',
        ours: `${pts(sf, fa)} at α = 0.05 (${sf?.values.length ?? 0} seeds)`,
      },
      {
        what: 'of which the fixed hyperspherical head',
        paper: 'not separated in the abstract',
        ours: `${pts(sp, fa)} (sphere uncalibrated − FedAvg)`,
      },
      {
        what: 'SphereFed vs the same ridge head on FedAvg features',
        paper: 'not reported (the comparison set is FedAvg, FedProx, FedNova, MOON, each ± SphereFed)',
        ours:
          p005 && p005.diffs.length
            ? `${p005.mean.toFixed(2)} ± ${Number.isFinite(p005.half) ? p005.half.toFixed(2) : 'n/a'} points, paired over seeds ${p005.seeds.join(',')}`
            : 'not run',
      },
      { what: 'FedAvg + ridge head vs FedAvg', paper: '–', ours: pts(fr, fa) },
      {
        what: 'ridge head near IID (α = 100)',
        paper: '–',
        ours: `largest loss ${Number.isFinite(s.maxRidgeLossA100.points) ? s.maxRidgeLossA100.points.toFixed(2) : 'n/a'} points (${s.maxRidgeLossA100.arm ?? '–'})`,
      },
      { what: 'centralized ceiling', paper: '–', ours: `${pct(s.central.mean)} %` },
    ],
    caption:
      "Our setting is far smaller than the paper's (Fashion-MNIST, a ~30k-parameter CNN, 80 rounds); compare directions, not magnitudes.",
  });
}
