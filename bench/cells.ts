/**
 * A bench's independent cells (seeds, arms, models of a study) as registered jobs (kernel/core/jobs defineJob):
 *
 *   const results = await runCells(ctx, studyCellJob, argsList);
 *
 * With `npm run bench -- --only <prefix> --redis <url>` the cells go through el.jobs.map on the BullMQ backend at that
 * URL (start `edgelab worker --redis <url>` on every host that should compute); without it they run one after another
 * in this process, as a plain call of the job's function. Either way a result is what the queue would return (it passes
 * through the job codec), so the recorded values are the same (bench/cells.test.ts).
 */
import { decodeValue, encodeValue, map, type JobDef, type MapOptions } from '../kernel/core/jobs';
import type { BenchContext } from './lib';

export async function runCells<A, R>(
  ctx: Pick<BenchContext, 'redis' | 'log'>,
  job: JobDef<A, R>,
  argsList: A[],
  o: Omit<MapOptions, 'backend'> = {},
): Promise<R[]> {
  if (ctx.redis) {
    ctx.log(`${argsList.length} × ${job.name}@${job.version} on the queue`);
    return map(job, argsList, { ...o, backend: ctx.redis });
  }
  const out: R[] = [];
  const signal = o.signal ?? new AbortController().signal;
  for (const [i, a] of argsList.entries()) {
    const { json, blobs } = encodeValue(a);
    const args = decodeValue(json, (h) => blobs.get(h)) as A; // the job sees what a worker would
    const r = await job.run(args, {
      signal,
      attempt: 1,
      progress: (fraction, message) =>
        o.onEvent?.(i, message === undefined ? { type: 'progress', fraction } : { type: 'progress', fraction, message }),
    });
    const enc = encodeValue(r);
    out.push(decodeValue(enc.json, (h) => enc.blobs.get(h)) as R);
  }
  return out;
}
