/**
 * The SphereFed study's cells as jobs (core/jobs): `federated.studyCell` runs one selection trial, final run or
 * centralized ceiling (study.ts computeCell) on a job thread or a BullMQ worker on any host, reporting its rounds as
 * progress. The cells of one study phase are independent, so a study spreads over every worker:
 *
 *   await federated.runStudy({ dir, runCells: federated.studyCellsOn('redis://:pw@10.0.0.5:6379') });
 *
 * What crosses: the cell's configuration and setting (JSON) and, only for inline data, the arrays (as blobs, once);
 * Fashion-MNIST is loaded by the worker from its own `dataset-fashion-mnist`. Back comes the cell's result (accuracies,
 * curves, partition counts). A cell's numbers do not depend on where it ran: the worker uses the caller's tfjs backend.
 */
import { init } from '../core/backend';
import { defineJob, map, type MapOptions } from '../core/jobs';
import { computeCell, type CellResult, type StudyCellArgs } from './study';

export const studyCellJob = defineJob({
  name: 'federated.studyCell',
  version: 1,
  module: 'federated/study-jobs',
  run: async (a: StudyCellArgs, ctx): Promise<CellResult> => {
    await init({ backend: a.backend as 'wasm' | 'cpu' | 'tensorflow' });
    return computeCell(a, {
      signal: ctx.signal,
      onRound: (r, rounds) => ctx.progress(r.round / rounds, `round ${r.round}/${rounds}, loss ${r.loss.toFixed(3)}`),
    });
  },
});

export interface StudyCellsOptions {
  /** Stops the batch: cells without a result by then fail with Aborted. Default none. */
  signal?: AbortSignal;
  /** Each cell's events by its index in the batch: started, progress (one per round), done. Default none. */
  onEvent?: MapOptions['onEvent'];
}

/** A `runCells` for runStudy that sends each batch of cells to a jobs backend ('embedded', a redis:// URL, a backend). */
export function studyCellsOn(backend: MapOptions['backend'], o: StudyCellsOptions = {}): (cells: StudyCellArgs[]) => Promise<CellResult[]> {
  return (cells) => map(studyCellJob, cells, { signal: o.signal, onEvent: o.onEvent, backend });
}
