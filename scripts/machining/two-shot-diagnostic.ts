/**
 * Diagnostic for the nightly study (not used for any selection; declared in bench/declared/machining.json
 * "twoShotDiagnostic" before it ran): what can the two shots add to the pretrained model? At the nightly config,
 * two-shot adapter fine-tuning scores like the mean of the two shots' labels, while the zero-shot model tracks wear
 * (CORR ≈ 0.9 on 2 of 3 seeds) with a task offset. Per seed this reruns the study's pretraining exactly (runStudy,
 * zero-shot and adapter arms, the settings stored for seed 0) — the two stored MAEs must come back bit-equal, else it
 * stops — then adds, on the same pretrained model and windows:
 *   offset     zero-shot + one constant: the mean residual (label − zero-shot prediction) over the shot windows
 *   zeros      adapter fine-tuning with zero-initialised up-projections (the model starts as the pretrained one),
 *              same steps, lr and seed as the glorot adapters of the study
 * Writes bench/artifacts/machining-two-shot-diagnostic.json. ≈ 20 min of one core.
 *
 *   nice npx tsx scripts/machining/two-shot-diagnostic.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../../kernel/core/backend';
import {
  runStudy,
  heldOutSplit,
  makeWindows,
  predict,
  metrics,
  twoShotFineTune,
  disposeModel,
  loadShippedBench,
  LABEL_SCALE,
  type StudyResult,
} from '../../kernel/machining';

const NIGHTLY = { config: 'nightly', timeScale: 0.3 } as const;
const um = (mae: number) => (mae / LABEL_SCALE) * 1000;

async function main(): Promise<void> {
  const stored = loadShippedBench('nightly').runs as StudyResult[];
  const out: Record<string, unknown>[] = [];
  for (const seed of [0, 1, 2]) {
    const old = stored.find((r) => r.seed === seed)!;
    const t0 = Date.now();
    const r = runStudy({ ...NIGHTLY, seed, selected: old.selected, arms: ['zeroshot', 'finetuned'], log: console.log });
    for (const arm of ['zeroshot', 'finetuned'] as const)
      if (r.runB.metrics[arm]!.mae !== old.runB.metrics[arm]!.mae)
        throw new Error(
          `seed ${seed} ${arm}: ${r.runB.metrics[arm]!.mae} µm now vs ${old.runB.metrics[arm]!.mae} stored — not the study's run`,
        );
    const { model, norm } = r.pretrained;
    const seq = model!.config.seq;
    const h = heldOutSplit(seed, NIGHTLY.timeScale);
    const shots = makeWindows(h.shots, norm, { seq, mode: 'train', every: 2 });
    const testB = makeWindows(h.runB, norm, { seq, mode: 'test' }),
      testA = makeWindows(h.runA, norm, { seq, mode: 'test' });
    // offset: the zero-shot model plus the mean residual on the shots
    const onShots = predict(model!, shots);
    let res = 0;
    for (let i = 0; i < onShots.length; i++) res += shots.y[i]! - onShots[i]!;
    const offset = res / onShots.length;
    const shifted = (p: Float32Array) => p.map((v) => v + offset);
    const zsB = predict(model!, testB),
      zsA = predict(model!, testA);
    // zeros: adapters that start as the identity
    const ft = twoShotFineTune(model!, shots, {
      steps: old.selected.ftSteps,
      lr: old.selected.ftLr,
      seed,
      adapterInit: 'zeros',
      progress: false,
    });
    const zB = predict(ft.model, testB),
      zA = predict(ft.model, testA);
    disposeModel(ft.model);
    disposeModel(model!);
    const row = (p: Float32Array, t: typeof testB) => {
      const m = metrics(p, t.y);
      return { maeUm: um(m.mae), corr: m.corr };
    };
    const res1 = {
      seed,
      offsetUm: um(offset),
      runB: {
        zeroshot: row(zsB, testB),
        offset: row(shifted(zsB), testB),
        adaptersGlorot: { maeUm: r.runB.metrics.finetuned!.mae, corr: r.runB.metrics.finetuned!.corr },
        adaptersZeros: row(zB, testB),
        meanLabels: { maeUm: old.runB.metrics.mean!.mae, corr: NaN },
        scratch: { maeUm: old.runB.metrics.scratch!.mae, corr: old.runB.metrics.scratch!.corr },
        ridge: { maeUm: old.runB.metrics.ridge!.mae, corr: old.runB.metrics.ridge!.corr },
      },
      runA: { zeroshot: row(zsA, testA), offset: row(shifted(zsA), testA), adaptersZeros: row(zA, testA) },
      minutes: (Date.now() - t0) / 60000,
    };
    console.log(JSON.stringify(res1));
    out.push(res1);
  }
  const dir = join(__dirname, '../../bench/artifacts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'machining-two-shot-diagnostic.json'),
    JSON.stringify(
      {
        command: 'nice npx tsx scripts/machining/two-shot-diagnostic.ts',
        measuredAt: new Date().toISOString(),
        note: 'nightly config, the study’s pretraining per seed (zero-shot and glorot-adapter MAE reproduced bit-equal); MAE in µm, Run B = workpieces 2–11, Run A = 30–39',
        runs: out,
      },
      null,
      1,
    ) + '\n',
  );
}

init({ backend: 'wasm' })
  .then(main)
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
