/**
 * Jobs on BullMQ (kernel/core/jobs) against a real redis-server on this host (started and killed here, like the tests):
 *  - jobs.overhead_ms_per_job: median wall time of one empty job (submit → result) through Redis and one worker process;
 *  - jobs.sweep_speedup_2_workers: 200 CPU-bound jobs of ~100 ms, 2 worker processes vs 1 (wall-time ratio, same run);
 *  - jobs.fed_round_ratio_bullmq_vs_embedded: seconds per federated round (6 clients, 2 workers / 2 threads), BullMQ ÷
 *    embedded, same run.
 * Timings on a shared box: the 1-minute load average is recorded before and after, and the keys are marked stale when the
 * box was busy (load > cores), since a speedup measured there says nothing about the code.
 */
import { cpus, loadavg } from 'node:os';
import { BullBackend, EmbeddedBackend, closeJobs, map, run as runJob } from '../kernel/core/jobs';
import '../kernel/core/jobs/fixture-jobs';
import { TestRedis, redisMissing } from '../kernel/core/jobs/redis-testing';
import { gaussianBlobs, subset, partition, runFederated, jobHosts, type ModelSpec, type ClientConfig } from '../kernel/federated';
import { median, record, type BenchContext, type QuickCheck } from './lib';

export const prefix = 'jobs';
export const quickCheck: QuickCheck = {
  keys: {
    'jobs.overhead_ms_per_job': { range: [0.1, 1000] },
    'jobs.sweep_speedup_2_workers': { range: [0.3, 2.5] },
    'jobs.fed_round_ratio_bullmq_vs_embedded': { range: [0.05, 50] },
  },
};

async function sweep(redis: TestRedis, workers: number, n: number, ms: number, tag: string): Promise<number> {
  const ws = await Promise.all(Array.from({ length: workers }, () => redis.worker({ concurrency: 1 })));
  const be = new BullBackend({ url: redis.url });
  try {
    await map(
      'test.spin',
      [
        { i: -1, ms: 1 },
        { i: -2, ms: 1 },
      ],
      { backend: be, progress: false },
    ); // workers warm
    const t0 = Date.now();
    const r = await map(
      'test.spin',
      Array.from({ length: n }, (_, i) => ({ i: i + (tag === 'one' ? 0 : 1e6), ms })),
      { backend: be },
    );
    if (r.length !== n) throw new Error('lost results');
    return (Date.now() - t0) / 1000;
  } finally {
    await be.close();
    for (const w of ws) w.kill('SIGKILL');
  }
}

export async function run(ctx: BenchContext): Promise<void> {
  const why = redisMissing();
  if (why) {
    ctx.log(`skipped: ${why}`);
    return;
  }
  const load0 = loadavg()[0]!;
  const redis = await new TestRedis().start();
  const notes: Record<string, string> = {};
  const values: Record<string, number> = {};
  try {
    // 1. overhead: one empty job at a time through Redis and one worker
    const w = await redis.worker({ concurrency: 1 });
    const be = new BullBackend({ url: redis.url });
    const emb = new EmbeddedBackend({ threads: 1 });
    const N = ctx.quick ? 20 : 100;
    const lat: number[] = [],
      latEmb: number[] = [];
    for (let i = -5; i < N; i++) {
      const t0 = performance.now();
      await runJob('test.echo', { overhead: i }, { backend: be });
      if (i >= 0) lat.push(performance.now() - t0);
      const t1 = performance.now();
      await runJob('test.echo', { overhead: i }, { backend: emb });
      if (i >= 0) latEmb.push(performance.now() - t1);
    }
    const B = ctx.quick ? 100 : 500;
    const tb = performance.now();
    await map(
      'test.echo',
      Array.from({ length: B }, (_, i) => ({ batch: i })),
      { backend: be, progress: false },
    );
    const batchMs = (performance.now() - tb) / B;
    values['jobs.overhead_ms_per_job'] = median(lat);
    notes['jobs.overhead_ms_per_job'] =
      `median of ${N} sequential empty jobs (submit → stored result → caller; caller polls every 10 ms), 1 worker process, Redis on the same host; ` +
      `embedded threads: ${median(latEmb).toFixed(2)} ms; a batch of ${B} empty jobs: ${batchMs.toFixed(2)} ms/job`;
    await be.close();
    await emb.close();
    w.kill('SIGKILL');

    // 2. sweep speedup: 1 worker process vs 2
    const n = ctx.quick ? 40 : 200,
      ms = ctx.quick ? 50 : 100;
    const one = await sweep(redis, 1, n, ms, 'one');
    const two = await sweep(redis, 2, n, ms, 'two');
    values['jobs.sweep_speedup_2_workers'] = one / two;
    notes['jobs.sweep_speedup_2_workers'] =
      `${n} CPU-bound jobs of ${ms} ms: 1 worker ${one.toFixed(1)} s, 2 workers ${two.toFixed(1)} s (target ≥ 1.7 on an idle 2-core box)`;

    // 3. a federated round: embedded threads vs BullMQ workers (2 each)
    const all = gaussianBlobs({ n: 1200, dims: 16, classes: 4, seed: 1 });
    const part = partition({ labels: all.y, clients: 6, alpha: 0.5, seed: 1 });
    const spec: ModelSpec = { input: 16, hidden: [32], features: 8, classes: 4, head: 'sphere' };
    const clients: ClientConfig[] = part.clients.map((ix, k) => {
      const s = subset(all, ix);
      return { id: `c${k}`, data: { kind: 'inline', x: s.x, y: s.y, input: 16 } };
    });
    const rounds = ctx.quick ? 2 : 5;
    const fed = { spec, rounds, localEpochs: 2, batchSize: 16, lr: 0.1, seed: 1, calibrate: false, progress: false };
    const perRound = (h: { seconds: number }[]): number => median(h.map((x) => x.seconds));
    const e2 = new EmbeddedBackend({ threads: 2 });
    const re = await runFederated({ ...fed, hosts: jobHosts({ spec, clients, backend: e2 }) });
    await e2.close();
    const fw = await Promise.all([redis.worker(), redis.worker()]);
    const bb = new BullBackend({ url: redis.url });
    const rb = await runFederated({ ...fed, hosts: jobHosts({ spec, clients, backend: bb }) });
    await bb.close();
    fw.forEach((x) => x.kill('SIGKILL'));
    if (Buffer.compare(Buffer.from(re.params.buffer), Buffer.from(rb.params.buffer)) !== 0)
      throw new Error('BullMQ and embedded runs differ');
    values['jobs.fed_round_ratio_bullmq_vs_embedded'] = perRound(rb.history) / perRound(re.history);
    notes['jobs.fed_round_ratio_bullmq_vs_embedded'] =
      `median s/round over ${rounds} rounds, 6 clients (${spec.input}-${spec.hidden}-${spec.features}, 2 local epochs): BullMQ 2 workers ${perRound(rb.history).toFixed(3)} s, embedded 2 threads ${perRound(re.history).toFixed(3)} s; identical parameters`;
  } finally {
    await closeJobs();
    await redis.stop();
  }
  const load1 = loadavg()[0]!;
  const cores = cpus().length;
  const busy = Math.max(load0, load1) > cores;
  const units: Record<string, string> = {
    'jobs.overhead_ms_per_job': 'ms',
    'jobs.sweep_speedup_2_workers': '×',
    'jobs.fed_round_ratio_bullmq_vs_embedded': '×',
  };
  const entries = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      {
        value: Number(v.toFixed(4)),
        unit: units[k]!,
        notes: `${notes[k]}; load avg ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${cores} cores`,
        ...(busy
          ? {
              stale: `measured on a busy shared box (load ${Math.max(load0, load1).toFixed(1)} on ${cores} cores): rerun on an idle machine`,
            }
          : {}),
      },
    ]),
  );
  for (const [k, e] of Object.entries(entries)) ctx.log(`${k} = ${e.value} ${e.unit}  (${e.notes})`);
  record(entries, { command: ctx.command });
}
