/** A worker entry for pool.test.ts: one handler per behaviour the pool must carry across threads. */
import { InvalidInput } from '../errors';
import { serve } from './serve';
import { withTransfer } from './protocol';

export type FixtureReq =
  | { op: 'echo'; v: unknown }
  | { op: 'throw'; kind: 'InvalidInput' | 'TypeError' | 'Custom' }
  | { op: 'sum'; buf: ArrayBuffer }
  | { op: 'fill'; sab: Float64Array; v: number }
  | { op: 'wait'; ms: number }
  | { op: 'handled' }
  | { op: 'exit'; code: number };

let handled = 0;
let setup: unknown = null;

serve<unknown, FixtureReq, unknown>({
  init: (data) => {
    setup = data;
    return { pid: process.pid, setup };
  },
  handle: async (m, { signal }) => {
    handled++;
    switch (m.op) {
      case 'echo':
        return { v: m.v, setup };
      case 'throw': {
        if (m.kind === 'InvalidInput') throw new InvalidInput('bad value 42; expected < 10');
        if (m.kind === 'TypeError') throw new TypeError('x is not a function');
        const e = new Error('custom failure');
        e.name = 'MyError';
        throw e;
      }
      case 'sum': {
        const a = new Float64Array(m.buf);
        const out = new Float64Array([a.reduce((s, v) => s + v, 0)]);
        return withTransfer({ sum: out, received: a.byteLength }, [out.buffer]);
      }
      case 'fill':
        m.sab.fill(m.v);
        return null;
      case 'wait':
        await new Promise<void>((res) => {
          const t = setTimeout(res, m.ms);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            res();
          });
        });
        return { aborted: signal.aborted };
      case 'handled':
        return handled;
      case 'exit':
        process.exit(m.code);
    }
    return null;
  },
});
