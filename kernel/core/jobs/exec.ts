/**
 * Running one job inside a worker thread (both backends run jobs in core/workers threads: worker-entry.ts calls this).
 * In: the job's name, version, module, argument JSON and the blobs it references. Out: result JSON and its blobs.
 */
import { decodeValue, encodeValue } from './codec';
import { getJob } from './registry';
import { FormatError, InvalidInput } from '../errors';

/** What a job's ctx.progress(fraction, message) sends to the caller. */
export interface ProgressReport {
  f: number;
  m?: string;
}

export interface ExecRequest {
  name: string;
  version: number;
  module: string;
  args: string;
  blobs: [string, ArrayBuffer][];
  attempt: number;
}
export interface ExecResult {
  json: string;
  blobs: [string, ArrayBuffer][];
}

export async function execute(
  req: ExecRequest,
  signal: AbortSignal,
  report: (p: ProgressReport) => void = () => undefined,
): Promise<ExecResult> {
  if (!req || typeof req.name !== 'string' || typeof req.args !== 'string' || !Number.isInteger(req.version))
    throw new FormatError(`job request: expected { name, version, module, args }, got ${JSON.stringify(req)?.slice(0, 80)}`);
  const def = getJob(req.name, req.version, req.module);
  const have = new Map((req.blobs ?? []).map(([h, b]) => [h, new Uint8Array(b)]));
  const args = decodeValue(req.args, (h) => have.get(h));
  const progress = (fraction: number, message?: string): void => {
    if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1))
      throw new InvalidInput(`job ${req.name}: progress(${String(fraction)}); expected a fraction in [0, 1]`);
    if (message !== undefined && typeof message !== 'string')
      throw new InvalidInput(`job ${req.name}: progress message is ${typeof message}; expected a string`);
    report(message === undefined ? { f: fraction } : { f: fraction, m: message.slice(0, 200) });
  };
  const value = await def.run(args, { signal, attempt: req.attempt ?? 1, progress });
  const out = encodeValue(value);
  return { json: out.json, blobs: [...out.blobs].map(([h, b]) => [h, b.buffer as ArrayBuffer]) };
}
