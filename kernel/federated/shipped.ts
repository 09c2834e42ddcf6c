/**
 * Results shipped with the repo: bench/fed.bench.ts writes every run's curves, partition statistics and byte counts to
 * kernel/federated/shipped/bench.json; the notebook loads them by default instead of re-running the ~15 min sweep.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FormatError, NotFound } from '../core/errors';
import type { ExperimentResult } from './experiment';

export interface ShippedResults { measuredAt: string; command: string; seconds: number; setup: string; runs: ExperimentResult[] }

/** Path of shipped/bench.json (works from kernel/federated and from the bundled dist/kernel). */
export function shippedPath(): string {
  // source (kernel/federated), the repo's bundle (dist/kernel → kernel/federated/shipped), an installed bundle (its copy)
  const cands = [join(__dirname, 'shipped'), resolve(__dirname, '..', '..', 'kernel', 'federated', 'shipped'), join(__dirname, 'federated', 'shipped')];
  return join(cands.find((d) => existsSync(d)) ?? cands[0]!, 'bench.json');
}

/** The benchmark's recorded runs. */
export function loadShipped(path = shippedPath()): ShippedResults {
  if (!existsSync(path)) throw new NotFound(`shipped federated results not found at ${path}; regenerate with: npm run bench -- --only fed`);
  const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<ShippedResults>;
  if (!j || !Array.isArray(j.runs) || !j.runs.every((r) => r && Array.isArray(r.curves))) throw new FormatError(`${path}: expected { runs: ExperimentResult[] }`);
  return j as ShippedResults;
}
