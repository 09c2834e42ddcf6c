/** Worker-thread side of WorkerHost (a core/workers thread): one ClientRuntime, requests answered in arrival order. */
import { serve } from '../core/workers/serve';
import { withTransfer } from '../core/workers/protocol';
import { ClientRuntime, type HostSetup } from './client';
import type { WorkerRequest } from './transport';

let rt: ClientRuntime | null = null;

serve<HostSetup, WorkerRequest, ArrayBuffer>({
  init: (setup) => {
    rt = new ClientRuntime(setup);
    return rt.hello();
  },
  handle: async (m) => {
    let r: Uint8Array | 'exit';
    try {
      r = await rt!.handle(new Uint8Array(m.bytes));
    } catch (e) {
      // a bad request: answer with bytes the server will reject as malformed, naming the problem
      r = new TextEncoder().encode(`error: ${(e as Error).message}`);
    }
    if (r === 'exit') process.exit(1);
    const buf = (r.byteOffset === 0 && r.byteLength === r.buffer.byteLength ? r.buffer : r.slice().buffer) as ArrayBuffer;
    return withTransfer(buf, [buf]);
  },
});
