/** A job thread (core/workers pool): runs one job at a time (exec.ts); progress reports go back as they come; the result's blobs move back without a copy. */
import { serve, withTransfer } from '../workers';
import { execute, type ExecRequest, type ExecResult } from './exec';

serve<unknown, ExecRequest, ExecResult>({
  handle: async (req, { signal, progress }) => {
    const r = await execute(req, signal, progress);
    return withTransfer(
      r,
      r.blobs.map(([, b]) => b),
    );
  },
});
