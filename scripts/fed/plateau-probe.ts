/**
 * Sizing probe for the SphereFed study (#23): how many rounds FedAvg needs to plateau at α = 0.05 on this CNN, measured
 * on the VALIDATION split of the selection partition (seed 1000) — never on test — so the study's round count can be
 * fixed before any gated cell runs.
 *
 *   nice -n 5 npx tsx scripts/fed/plateau-probe.ts [--rounds 100] [--arm fedavg|spherefed] [--lr 0.05] [--out file.json]
 *
 * Plateau test (`plateauRound` in kernel/federated/study-report.ts, the one the study reports): the first evaluated
 * round r at which the validation accuracy averaged over the window (r − 20, r] is within 1 point of the average over
 * (r − 40, r − 20]. Prints the curve and that round; writes the curve as JSON when --out is given.
 */
import { writeFileSync } from 'node:fs';
import { init } from '../../kernel/core/backend';
import { computeCell, DEFAULT_STUDY, plateauRound, type StudyArm } from '../../kernel/federated/index';

const opt = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

(async () => {
  await init({ backend: 'wasm' });
  const rounds = Number(opt('rounds') ?? 100),
    arm = (opt('arm') ?? 'fedavg') as StudyArm,
    lr = Number(opt('lr') ?? 0.05);
  const config = { ...DEFAULT_STUDY, selectRounds: rounds };
  const t0 = Date.now();
  const r = computeCell(
    {
      config,
      kind: 'select',
      alpha: config.selectAlpha,
      arm,
      seed: config.selectSeed,
      setting: arm === 'spherefed' ? { lr, loss: 'ce', scale: 16 } : { lr },
      backend: 'wasm',
    },
    {
      onRound: (h, n) => {
        if (h.valAcc !== undefined)
          console.log(`round ${h.round}/${n}: val ${(100 * h.valAcc).toFixed(1)} % (${h.seconds.toFixed(1)} s/round)`);
      },
    },
  );
  const p = plateauRound(r.valCurve);
  console.log(
    `${arm} lr ${lr}, α ${config.selectAlpha}, ${rounds} rounds in ${((Date.now() - t0) / 60000).toFixed(1)} min: ` +
      `final val ${(100 * r.valAcc).toFixed(1)} %, ridge head ${(100 * r.valAccRidge).toFixed(1)} %; plateau (20-round windows, 1 pt) at ${p ?? 'none'}`,
  );
  const out = opt('out');
  if (out)
    writeFileSync(
      out,
      JSON.stringify(
        { arm, lr, rounds, config, valCurve: r.valCurve, valAccRidge: r.valAccRidge, plateau: p, secondsPerRound: r.secondsPerRound },
        null,
        1,
      ) + '\n',
    );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
