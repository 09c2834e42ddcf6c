/** A job thread (core/workers pool): runs one job at a time (exec.ts); the result's blobs move back without a copy. */
import { serve, withTransfer } from '../workers';
import { execute, type ExecRequest, type ExecResult } from './exec';

serve<unknown, ExecRequest, ExecResult>({
  handle: async (req, { signal }) => {
    const r = await execute(req, signal);
    return withTransfer(
      r,
      r.blobs.map(([, b]) => b),
    );
  },
});
