/**
 * A bench's independent cells on the queue (bench/cells.ts, `npm run bench -- --only fed --redis <url>`): the SphereFed
 * study's cells (a tiny configuration) computed in this process, through runCells without --redis, and on an
 * `edgelab worker` process behind a real redis-server give the same recorded values, bit for bit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '../kernel/core/backend';
import { BullBackend, closeJobs } from '../kernel/core/jobs';
import { TestRedis, redisMissing } from '../kernel/core/jobs/redis-testing';
import { fashionMnistData, loadStudy, runStudy, studyCellJob, type CellResult, type StudyOptions } from '../kernel/federated/index';
import { runCells } from './cells';

const missing = redisMissing();
if (missing) console.log(`# skipping the BullMQ part: ${missing}`);

let redis: TestRedis | null = null;
before(async () => {
  await init({ backend: 'wasm' });
  if (!missing) {
    redis = await new TestRedis().start();
    await redis.worker({ concurrency: 1 }); // one job thread to start (each loads tfjs)
  }
});
after(async () => {
  await closeJobs();
  await redis?.stop();
});

/** What a cell records, without its wall-clock fields (seconds, finishedAt, secondsPerRound). */
const recorded = (cells: CellResult[]) =>
  cells.map((c) => {
    const { seconds, finishedAt, secondsPerRound, ...rest } = c;
    (void seconds, void finishedAt, void secondsPerRound);
    return rest;
  });

test('study cells: in-process, runCells without --redis and runCells on BullMQ give identical recorded values', async () => {
  const o: StudyOptions = {
    clients: 4,
    perRound: 2,
    rounds: 2,
    // (final runs: 2 rounds, so their progress reports 0.5 then 1)
    selectRounds: 1,
    selectAlpha: 100,
    alphas: [100],
    seeds: [0],
    arms: ['fedavg'],
    channels: [2, 2],
    features: 10,
    evalEvery: 1,
    centralSeeds: [0],
    grids: { fedavg: [{ lr: 0.02 }, { lr: 0.3 }] },
    data: {
      pool: fashionMnistData({ split: 'train', limit: 160, seed: 6, pool: 1 }),
      test: fashionMnistData({ split: 'test', limit: 60, seed: 9, pool: 1 }),
    },
  };
  const t0 = Date.now();
  const lap = (what: string) => console.log(`# ${what}: ${Date.now() - t0} ms`);
  const all = (r: Awaited<ReturnType<typeof runStudy>>) => recorded([...r.select, ...r.finals, ...r.central]);
  const here = await runStudy(o);
  assert.equal(here.select.length + here.finals.length + here.central.length, 4, 'every cell ran');
  assert.ok(Number.isNaN(here.central[0]!.valAccRidge), 'the ceiling has no ridge head (NaN must survive the queue)');
  lap('in-process');
  const log = (): void => undefined;
  const viaCells = await runStudy({ ...o, runCells: (l) => runCells({ log }, studyCellJob, l) });
  assert.deepEqual(all(viaCells), all(here), 'runCells without --redis: the same values');
  lap('runCells');
  if (!redis) return;
  const progress: number[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fed-cells-'));
  const viaQueue = await runStudy({
    ...o,
    dir, // the batch's locks and results stay on this host
    runCells: (l) =>
      runCells({ log, redis: redis!.url }, studyCellJob, l, { onEvent: (_, e) => e.type === 'progress' && progress.push(e.fraction) }),
  });
  lap('BullMQ');
  assert.deepEqual(all(viaQueue), all(here), 'BullMQ worker process: the same values');
  assert.equal(loadStudy(dir).cells.length, 4, 'each cell stored in the study directory');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.lock')),
    [],
    'no lock left',
  );
  rmSync(dir, { recursive: true, force: true });
  assert.ok(progress.includes(1) && progress.includes(0.5), `rounds reported as progress: ${progress.join(', ')}`);
  const be = new BullBackend({ url: redis.url });
  try {
    const st = await be.stats('federated.studyCell', 1);
    assert.equal(st.results, 4, 'four cells, each stored once under its arguments hash');
  } finally {
    await be.close();
  }
});
