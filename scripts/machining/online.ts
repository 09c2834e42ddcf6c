/**
 * Online prediction from a CSV sensor stream: one prediction per complete window, with its latency.
 * Columns (header required): window,cut,spindle_front,turret,spindle_rpm,motor_x_rpm,motor_z_rpm,
 * spindle_electric_current,motor_x_electric_current,motor_z_electric_current — one row per sample, rows ordered by
 * window, then cut, then time; each window holds cuts × seq rows (seq of the model: 128 for the shipped ci-micro model).
 *
 *   npx tsx scripts/machining/online.ts --csv stream.csv          (or --csv - for stdin)
 *   npx tsx scripts/machining/online.ts --demo 20 > demo.csv       (writes a demo stream from the synthetic lathe)
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { init } from '../../kernel/core/backend';
import { loadPretrained, online, parseSensorCsv, toSensorCsv, defaultMachine, sampleTask, toolLife } from '../../kernel/machining';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function main(): Promise<void> {
  const weights = arg('weights');
  const demo = arg('demo');
  if (demo) {
    const life = toolLife(defaultMachine(), sampleTask('demo', 3), { workpieces: 1, seed: 1, timeScale: 0.1 });
    for (const line of toSensorCsv(life[0]!, 128, Number(demo))) process.stdout.write(line + '\n');
    return;
  }
  const src = arg('csv');
  if (!src) {
    console.error('usage: --csv <file|-> [--weights file.json] | --demo <windows>');
    process.exit(2);
  }
  await init({ backend: 'wasm' });
  const { model, norm } = loadPretrained(weights);
  const lines = createInterface({ input: src === '-' ? process.stdin : createReadStream(src) });
  console.log('window,predicted_error_um,latency_ms');
  for await (const p of online(model, norm, parseSensorCsv(lines, model.config.seq, model.config.cuts))) {
    console.log(`${p.id},${p.errorUm.toFixed(3)},${p.latencyMs.toFixed(2)}`);
  }
}
main().catch((e) => {
  console.error(String(e?.message ?? e));
  process.exit(1);
});
