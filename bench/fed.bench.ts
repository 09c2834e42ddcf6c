/**
 * SphereFed at cross-device scale (kernel/federated/study.ts; configuration and gates declared in
 * bench/declared/fed-study.json, the 80-round resize and the window statistic in bench/declared/fed-study2.json, before
 * any final cell ran): a small CNN on full-resolution Fashion-MNIST (60k/10k), 100 clients of a per-class Dirichlet
 * partition (NIID-Bench convention with its balancing step), 10 sampled per round, 80 rounds × 1 local epoch, batch 50,
 * plain SGD; arms FedAvg, FedProx and SphereFed, each with its own head and with the closed-form ridge head; lr, μ, the
 * sphere loss and λ chosen on a validation split held out of every client. A run's accuracy is the mean over its last 4
 * evaluation rounds (65, 70, 75, 80; the ridge head refitted at each), read on test at those fixed rounds only.
 * Gated grid: α ∈ {0.05, 100} × 3 arms × seeds 0–4. The 20-round run stays in kernel/federated/shipped/study-r20/.
 *
 * The study is resumable: cells finished earlier (kernel/federated/shipped/study/*.json) are skipped, so the bench
 * continues where the last run stopped (two processes may share the grid: scripts/fed/study.ts). The gated grid is
 * 30 final runs of ~9–11 min each (80 rounds at ~6.5–8 s on an idle core), ≈ 2.5 h on two processes. FED_BENCH_REPORT_ONLY=1 records the keys from the cells that
 * have finished without training anything; keys then say in their notes how many seeds they rest on and which cells are
 * missing. Everything the notebook shows is in the study directory.
 *
 * `npm run bench -- --only fed --redis <url>` sends each phase's independent cells (selection trials, then every final
 * run, then the ceiling) to BullMQ workers at <url> as `federated.studyCell` jobs (bench/cells.ts): start
 * `npx edgelab worker --redis <url>` on each host (each needs `dataset-fashion-mnist`). The values are those of the
 * in-process run (bench/cells.test.ts); the study directory and its locks stay on this host.
 */
import { repoAssetPath } from '../kernel/core/assets';
import { runStudy, loadStudy } from '../kernel/federated/study';
import { summarizeStudy, stat, fmtCi, studyGates, GATED_ARMS, type StudySummary, type Head } from '../kernel/federated/study-report';
import type { StudyArm } from '../kernel/federated/study';
import { studyCellJob } from '../kernel/federated/study-jobs';
import { record, type BenchContext, type QuickCheck } from './lib';
import { runCells } from './cells';

export const prefix = 'fed';

export const quickCheck: QuickCheck = {
  keys: {},
  skip: 'the study trains 30 CNN federated runs of 80 rounds (hours); --quick would still train one configuration',
};

const ALPHAS = [0.05, 100];
const SEEDS = [0, 1, 2, 3, 4];
const ARMS: StudyArm[] = ['fedavg', 'fedprox', 'spherefed'];

export function studyDir(): string {
  return repoAssetPath('fed-study');
}

export async function run(ctx: BenchContext): Promise<void> {
  const dir = studyDir();
  if (process.env.FED_BENCH_REPORT_ONLY !== '1') {
    const ac = new AbortController();
    await runStudy({
      dir,
      alphas: ALPHAS,
      seeds: ctx.quick ? [0] : SEEDS,
      arms: ARMS,
      signal: ac.signal,
      log: ctx.log,
      progress: true,
      runCells: ctx.redis ? (cells) => runCells(ctx, studyCellJob, cells, { signal: ac.signal }) : undefined,
    });
  }
  const { cells, config } = loadStudy(dir);
  const s = summarizeStudy(cells);
  const want = ALPHAS.flatMap((a) => SEEDS.flatMap((seed) => ARMS.map((arm) => `final-a${a}-${arm}-s${seed}`)));
  const have = new Set(cells.filter((c) => c.kind === 'final').map((c) => `final-a${c.alpha}-${c.arm}-s${c.seed}`));
  const missing = want.filter((w) => !have.has(w));
  const partial = missing.length
    ? ` PARTIAL: ${want.length - missing.length} of ${want.length} gated cells finished; missing ${missing.join(' ')}; resume with: nice -n 10 npx tsx scripts/fed/study.ts (twice, in parallel), then FED_BENCH_REPORT_ONLY=1 npm run bench -- --only fed.`
    : '';
  const setup =
    'Fashion-MNIST 60k/10k 28×28, CNN conv3×3(8)-pool-conv3×3(16)-pool-linear 32, 100 clients, per-class Dirichlet (NIID-Bench, balanced), ' +
    `10 sampled/round, ${config?.rounds ?? '?'} rounds × 1 local epoch, batch 50, SGD; settings chosen on validation at 10 rounds (${JSON.stringify(s.chosen)}); ` +
    `a run's accuracy = mean over its last ${config?.finalWindow ?? '?'} evaluation rounds (every ${config?.evalEvery ?? '?'}; ridge head refitted at each), test read at those fixed rounds only. ` +
    'Declared in bench/declared/fed-study.json and bench/declared/fed-study2.json.';
  const acc = (alpha: number, arm: StudyArm, head: Head, what: string) => {
    const k = stat(s, alpha, arm, head);
    return {
      value: k?.mean ?? NaN,
      unit: 'accuracy (fraction)',
      notes: `${what}; ${fmtCi(k)} (mean ± 95% t-interval); per seed ${k?.values.map((v) => v.toFixed(4)).join(', ') ?? '–'}. ${setup}${partial}`,
    };
  };
  const entries: Parameters<typeof record>[0] = {};
  const put = (
    key: string,
    e: { value: number; unit: string; notes: string; baseline?: { name: string; value: number; unit: string } },
  ) => {
    if (Number.isFinite(e.value)) entries[key] = e;
    else ctx.log(`${key}: no finished cell, not recorded`);
  };
  put(
    'fed.spherefed_acc_a005',
    acc(0.05, 'spherefed', 'ridge', 'SphereFed (fixed orthonormal head, normalized features, + closed-form calibration), α = 0.05'),
  );
  put('fed.sphere_uncal_acc_a005', acc(0.05, 'spherefed', 'own', 'fixed orthonormal head, normalized features, no calibration, α = 0.05'));
  put('fed.fedavg_acc_a005', acc(0.05, 'fedavg', 'own', 'FedAvg, learned head, α = 0.05'));
  put('fed.fedprox_acc_a005', acc(0.05, 'fedprox', 'own', 'FedProx (μ chosen on validation), learned head, α = 0.05'));
  put('fed.fedavg_ridge_acc_a005', acc(0.05, 'fedavg', 'ridge', 'FedAvg extractor + closed-form ridge head (λ on validation), α = 0.05'));
  put('fed.fedprox_ridge_acc_a005', acc(0.05, 'fedprox', 'ridge', 'FedProx extractor + closed-form ridge head, α = 0.05'));
  put('fed.spherefed_acc_a100', acc(100, 'spherefed', 'ridge', 'SphereFed, near-IID α = 100'));
  put('fed.fedavg_acc_a100', acc(100, 'fedavg', 'own', 'FedAvg, near-IID α = 100'));
  put('fed.sphere_uncal_acc_a100', acc(100, 'spherefed', 'own', 'fixed orthonormal head, normalized features, no calibration, α = 100'));
  put('fed.fedprox_acc_a100', acc(100, 'fedprox', 'own', 'FedProx, near-IID α = 100'));
  put('fed.fedprox_ridge_acc_a100', acc(100, 'fedprox', 'ridge', 'FedProx + ridge head, near-IID α = 100'));
  put('fed.fedavg_ridge_acc_a100', acc(100, 'fedavg', 'ridge', 'FedAvg + ridge head, near-IID α = 100'));
  const p = s.paired.find((x) => x.alpha === 0.05);
  if (p && p.diffs.length)
    put('fed.sphere_minus_fedavg_ridge_a005', {
      value: p.mean,
      unit: 'accuracy points (paired over seeds)',
      notes: `SphereFed − (FedAvg + ridge) per seed ${p.seeds.map((sd, i) => `s${sd} ${p.diffs[i]!.toFixed(2)}`).join(', ')}; mean ± 95% t-interval ${p.mean.toFixed(2)} ± ${Number.isFinite(p.half) ? p.half.toFixed(2) : 'n/a'}. ${setup}${partial}`,
    });
  const r = s.maxRidgeLossA100;
  put('fed.max_ridge_head_loss_a100_points', {
    value: r.points,
    unit: 'accuracy points',
    notes: `largest (own head − ridge head) test accuracy over the gated arms at α = 100 (positive = the ridge head costs accuracy): ${r.perArm.map((x) => `${x.arm}${GATED_ARMS.includes(x.arm) ? '' : ' (reported only, not in the max)'} ${x.points.toFixed(2)} (${x.seeds} seeds)`).join(', ')}; gate ≤ 1. ${setup}${partial}`,
  });
  if (s.central.n)
    put('fed.centralized_acc', {
      value: s.central.mean,
      unit: 'accuracy (fraction)',
      notes: `the same CNN + learned head on the pooled training parts, 2 epochs, FedAvg's lr (ceiling), ${s.central.n} seed(s). ${setup}`,
    });
  const fin = cells.filter((c) => c.kind === 'final');
  const fa = fin.find((c) => c.arm === 'fedavg'),
    sf = fin.find((c) => c.arm === 'spherefed');
  if (fa && sf) {
    put('fed.bytes_up_per_round', {
      value: fa.bytesUpPerRound,
      unit: 'bytes',
      baseline: { name: 'SphereFed (fixed head never sent)', value: sf.bytesUpPerRound, unit: 'bytes' },
      notes: `FedAvg client→server payload per round, 10 sampled clients × ${fa.nParams} float32 parameters. ${setup}`,
    });
    put('fed.calib_bytes_per_client', {
      value: sf.calibBytesPerClient,
      unit: 'bytes',
      notes: "one client's calibration message: packed G d(d+1)/2 + B d·C + n as float64 (d = 32, C = 10); sent once",
    });
    const secs = fin.map((c) => c.secondsPerRound).sort((a, b) => a - b);
    put('fed.seconds_per_round', {
      value: secs[Math.floor(secs.length / 2)]!,
      unit: 's',
      notes: `median wall-clock of one round (10 clients in-process, sequential, wasm) over ${secs.length} runs, measured on the shared 2-core box under its load at the time (range ${secs[0]!.toFixed(1)}–${secs[secs.length - 1]!.toFixed(1)} s): a load figure, not a speed claim`,
    });
  }
  record(entries, { command: process.env.FED_BENCH_REPORT_ONLY === '1' ? `FED_BENCH_REPORT_ONLY=1 ${ctx.command}` : ctx.command });
  for (const g of studyGates(s))
    ctx.log(
      `gate ${g.check}: ${Number.isFinite(g.value) ? g.value.toFixed(2) : 'n/a'} (target ${g.target}) ${g.met === null ? 'not run' : g.met ? 'met' : 'MISSED'}, n = ${g.n}`,
    );
  ctx.log(
    `plateau (FedAvg validation, 20-round window means within 1 pt): ${s.plateau.map((x) => `α=${x.alpha} s${x.seed} ${x.plateaued ? `at round ${x.plateauRound}` : 'no'} (last gain ${x.lastGainPoints.toFixed(2)} pt)`).join('; ')}`,
  );
  if (missing.length) ctx.log(`missing cells: ${missing.join(' ')}`);
}

export type { StudySummary };
