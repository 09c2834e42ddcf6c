/** Jobs for the tests and the bench (module 'core/jobs/fixture-jobs'): echo, CPU spin, sleep, a side-effect counter, failures. */
import { appendFileSync } from 'node:fs';
import { FormatError } from '../errors';
import { defineJob } from './registry';
import { map } from './index';
import type { JobsBackend } from './types';

const module = 'core/jobs/fixture-jobs';

export const echo = defineJob({ name: 'test.echo', version: 1, module, run: (a: unknown) => a });

/** Spins the CPU ~ms milliseconds (a stand-in for a CPU-bound study cell); returns a value that depends on i. */
export const spin = defineJob({
  name: 'test.spin',
  version: 1,
  module,
  run: ({ i, ms }: { i: number; ms: number }) => {
    const t0 = Date.now();
    let x = i;
    while (Date.now() - t0 < ms) for (let k = 0; k < 1000; k++) x = (x * 1103515245 + 12345) % 2147483648;
    return { i, x: i * 2 };
  },
});

/** Appends one line per execution to `file` (executions counted across processes), returns i², after sleeping ms. */
export const count = defineJob({
  name: 'test.count',
  version: 1,
  module,
  run: async ({ i, file, ms, salt }: { i: number; file: string; ms?: number; salt?: string }) => {
    appendFileSync(file, `${i}${salt ?? ''}\n`);
    if (ms) await new Promise((res) => setTimeout(res, ms));
    return { sq: i * i, w: new Float64Array([i, 0.5 * i]) };
  },
});

export const bad = defineJob({
  name: 'test.bad',
  version: 1,
  module,
  run: ({ v }: { v: number }) => {
    if (!(v < 10)) throw new FormatError(`test.bad: v = ${v}; expected < 10`);
    return v;
  },
});

/** Reports progress n times (k/n, "step k"), ms apart, then returns n; `badFraction` is reported last (an invalid value). */
export const steps = defineJob({
  name: 'test.steps',
  version: 1,
  module,
  run: async ({ n, ms, badFraction, tag }: { n: number; ms: number; badFraction?: number; tag?: string }, ctx) => {
    for (let k = 1; k <= n; k++) {
      await new Promise((res) => setTimeout(res, ms));
      ctx.progress(k / n, `step ${k}${tag ?? ''}`);
    }
    if (badFraction !== undefined) ctx.progress(badFraction);
    return n;
  },
});

/**
 * For the progress tests: two test.steps jobs (3 steps each) on `backend`; per job, its events in arrival order as
 * "progress <fraction> <message>" / "done", plus what onProgress saw (done count with each event).
 */
export async function progressTrace(backend: JobsBackend, tag: string): Promise<{ events: string[][]; result: number[] }> {
  const events: string[][] = [[], []];
  const result = await map(
    steps,
    [0, 1].map((i) => ({ n: 3, ms: 60, tag: `${tag}${i}` })),
    {
      backend,
      onEvent: (i, e) => {
        if (e.type === 'progress') events[i]!.push(`progress ${e.fraction.toFixed(3)} ${e.message}`);
        else if (e.type === 'done') events[i]!.push('done');
      },
    },
  );
  return { events, result };
}

/** What progressTrace must give for job i (tag t): three reports in order, then done. */
export const expectedTrace = (t: string, i: number): string[] => [
  `progress 0.333 step 1${t}${i}`,
  `progress 0.667 step 2${t}${i}`,
  `progress 1.000 step 3${t}${i}`,
  'done',
];
