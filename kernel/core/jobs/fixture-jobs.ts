/** Jobs for the tests and the bench (module 'core/jobs/fixture-jobs'): echo, CPU spin, sleep, a side-effect counter, failures. */
import { appendFileSync } from 'node:fs';
import { FormatError } from '../errors';
import { defineJob } from './registry';

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
