/**
 * A client host in its own OS process (ProcessHost). The parent provisions it once over the fork IPC channel (which
 * clients, where their data is — the device's own configuration), then the IPC channel is closed: from then on the only
 * channel to the server is a WebSocket (`ws`) over loopback carrying protocol messages, each framed as u32 request id | message.
 */
import { ClientRuntime, type HostSetup } from './client';
import { encode } from './protocol';
import { WebSocket, type RawData } from 'ws';
import { MAX_MESSAGE, frameWithId, messageBytes } from './socket-host';

process.once('message', (m: { setup: HostSetup; url: string; host: string }) => {
  setImmediate(() => process.disconnect?.()); // (disconnecting inside the IPC message dispatch trips a Node 20 internal error)
  void (async () => {
    let rt: ClientRuntime;
    try {
      rt = new ClientRuntime(m.setup);
    } catch (e) {
      process.stderr.write(`federated client process: setup failed: ${(e as Error).message}\n`);
      process.exit(2);
    }
    const ws = new WebSocket(m.url, { maxPayload: MAX_MESSAGE });
    await new Promise<void>((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    const h = rt.hello();
    ws.send(
      frameWithId(
        0,
        encode({
          type: 'hello',
          host: m.host,
          clientIds: h.clientIds.join(','),
          nParams: h.nParams,
          headHash: h.headHash ?? '',
          samples: Float64Array.from(h.samples),
        }),
      ),
    );
    ws.on('close', () => process.exit(0));
    ws.on('message', (raw: RawData, bin: boolean) => {
      const data = messageBytes(raw, bin);
      if (!data || data.length < 4) return;
      const id = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
      void (async () => {
        let r: Uint8Array | 'exit';
        try {
          r = await rt.handle(data.slice(4));
        } catch (e) {
          r = new TextEncoder().encode(`error: ${(e as Error).message}`);
        }
        if (r === 'exit') process.exit(1);
        if (ws.readyState === WebSocket.OPEN) ws.send(frameWithId(id, r));
      })();
    });
  })().catch((e: Error) => {
    process.stderr.write(`federated client process: ${e.message}\n`);
    process.exit(3);
  });
});
