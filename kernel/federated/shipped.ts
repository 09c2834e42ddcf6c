/**
 * Results shipped with the repo: bench/fed.bench.ts writes every run's curves, partition statistics and byte counts to
 * kernel/federated/shipped/bench.json; the notebook loads them by default instead of re-running the ~15 min sweep.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolveAsset } from '../core/assets';
import { FormatError, InvalidInput, NotFound } from '../core/errors';
import type { ExperimentResult } from './experiment';
import { loadStudy, type CellResult, type StudyConfig } from './study';

export interface ShippedResults {
  measuredAt: string;
  command: string;
  seconds: number;
  setup: string;
  runs: ExperimentResult[];
}

/** Path of shipped/bench.json (core/assets 'fed-shipped': $EDGELAB_ASSETS, beside the bundle, the repo). */
export function shippedPath(): string {
  return resolveAsset('fed-shipped');
}

/** The benchmark's recorded runs. */
export function loadShipped(path = shippedPath()): ShippedResults {
  if (!existsSync(path)) throw new NotFound(`shipped federated results not found at ${path}; regenerate with: npm run bench -- --only fed`);
  const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<ShippedResults>;
  if (!j || !Array.isArray(j.runs) || !j.runs.every((r) => r && Array.isArray(r.curves)))
    throw new FormatError(`${path}: expected { runs: ExperimentResult[] }`);
  return j as ShippedResults;
}

/**
 * Directory of a shipped cross-device study: one JSON file per finished cell. 'fashion-mnist' (default, core/assets
 * 'fed-study'): the gated study and its reported-only α 0.1 / 0.5 and FedNova cells; 'mnist' ('fed-study-mnist'): the
 * reported-only MNIST cells (bench/declared/fed-reported.json). NotFound when that study has not been run.
 */
export function shippedStudyDir(dataset: 'fashion-mnist' | 'mnist' = 'fashion-mnist'): string {
  if (dataset !== 'fashion-mnist' && dataset !== 'mnist')
    throw new InvalidInput(`dataset must be 'fashion-mnist' or 'mnist', got ${String(dataset)}`);
  return resolveAsset(dataset === 'mnist' ? 'fed-study-mnist' : 'fed-study');
}

/** The shipped study's finished cells (written by scripts/fed/study.ts or the fed bench). */
export function loadShippedStudy(dir = shippedStudyDir()): { config: StudyConfig | null; cells: CellResult[] } {
  if (!existsSync(dir))
    throw new NotFound(`shipped SphereFed study not found at ${dir}; regenerate with: nice -n 10 npx tsx scripts/fed/study.ts`);
  return loadStudy(dir);
}
