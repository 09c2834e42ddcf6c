/**
 * Job functions: named, versioned, registered by the module that defines them.
 *
 *   export const evaluate = defineJob({ name: 'split.evaluateCandidate', version: 1, module: 'split/jobs',
 *     run: (args: { genome: number[] }, ctx) => ({ accuracy: … }) });
 *
 * `module` is the defining file's path under kernel/ without extension: a worker (thread or process, on any host) that
 * receives a job it does not know loads that module, which registers the job again there. Bump `version` whenever the
 * function's result for the same arguments changes: results are stored by (name, version, arguments hash).
 * The registry lives on globalThis so a bundled module (dist/kernel/<module>.js carries its own copy of this file) and
 * the worker share one table.
 */
import { InvalidInput, NotFound, checkInt } from '../errors';
import { workerEntry } from '../workers/entry';

export interface JobContext {
  signal: AbortSignal;
  /** 1-based attempt number (retries after a crash or a transient error count up). */
  attempt: number;
  /**
   * Report how far the job is (fraction in [0, 1], an optional short message): the caller sees it as a 'progress' event
   * and in its progress bar (embedded: over the thread's message channel; BullMQ: job.updateProgress and QueueEvents).
   * Reports of one job arrive in order; on BullMQ each is a Redis round trip, so report a few times a second at most.
   */
  progress: (fraction: number, message?: string) => void;
}

export interface JobDef<A = unknown, R = unknown> {
  name: string;
  version: number;
  module: string;
  run: (args: A, ctx: JobContext) => R | Promise<R>;
}

export type JobRef<A, R> = JobDef<A, R> & { readonly __args?: A; readonly __result?: R };

const NAME = /^[a-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9_-]*)+$/;
const MODULE = /^[a-z0-9-]+(\/[a-z0-9-]+)*$/;

function table(): Map<string, JobDef> {
  const g = globalThis as { __edgelabJobs?: Map<string, JobDef> };
  return (g.__edgelabJobs ??= new Map());
}

/** The registry key of a job version: "name@version". */
export function jobKey(name: string, version: number): string {
  return `${name}@${version}`;
}

/**
 * Register a job: a dotted `name` ("federated.client"), an integer `version` ≥ 1 (bump it when results change: stored
 * results are keyed by name, version and arguments), the kernel `module` that defines it (so a worker thread or host can
 * load it) and its `run` function. Returns the definition, usable wherever a job name is.
 */
export function defineJob<A, R>(d: JobDef<A, R>): JobRef<A, R> {
  if (!NAME.test(d.name))
    throw new InvalidInput(`defineJob: name ${JSON.stringify(d.name)}; expected dotted identifiers like "federated.client"`);
  checkInt(`defineJob ${d.name}: version`, d.version, 1);
  if (!MODULE.test(d.module))
    throw new InvalidInput(`defineJob ${d.name}: module ${JSON.stringify(d.module)}; expected a kernel path like "federated/jobs"`);
  table().set(jobKey(d.name, d.version), d as JobDef);
  return d;
}

/** The registered job (loading `module` first when given and the job is not known yet). */
export function getJob(name: string, version: number, module?: string): JobDef {
  const k = jobKey(name, version);
  let d = table().get(k);
  if (!d && module !== undefined) {
    if (!MODULE.test(module))
      throw new InvalidInput(`job ${k}: module ${JSON.stringify(module)}; expected a kernel path like "federated/jobs"`);
    const e = workerEntry(module);
    require(e.entry ?? e.script);
    d = table().get(k);
  }
  if (!d)
    throw new NotFound(
      `job ${k} is not registered${module ? ` (module ${module} loaded)` : ''}; registered: ${[...table().keys()].join(', ') || 'none'}`,
    );
  return d;
}
