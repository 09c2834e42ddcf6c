/** Worker-thread side of WorkerHost: one ClientRuntime, requests answered in arrival order. */
import { parentPort } from 'node:worker_threads';
import { ClientRuntime, type HostSetup } from './client';

let rt: ClientRuntime | null = null;
const port = parentPort!;
port.on('message', (m: { kind: 'setup'; setup: HostSetup } | { kind: 'req'; id: number; bytes: ArrayBuffer }) => {
  if (m.kind === 'setup') {
    try { rt = new ClientRuntime(m.setup); port.postMessage({ kind: 'ready', hello: rt.hello() }); } catch (e) { port.postMessage({ kind: 'fail', message: (e as Error).message }); }
    return;
  }
  void (async () => {
    if (!rt) return;
    let r: Uint8Array | 'exit';
    try { r = await rt.handle(new Uint8Array(m.bytes)); } catch (e) {
      // a bad request: answer with bytes the server will reject as malformed, naming the problem
      r = new TextEncoder().encode(`error: ${(e as Error).message}`);
    }
    if (r === 'exit') process.exit(1);
    const buf = r.byteOffset === 0 && r.byteLength === r.buffer.byteLength ? r.buffer : r.slice().buffer;
    port.postMessage({ kind: 'res', id: m.id, bytes: buf }, [buf as ArrayBuffer]);
  })();
});
