/**
 * A minimal WebSocket (RFC 6455) for the federated network transport. Node 20 has a WebSocket client only behind a flag
 * and no server, and the repo installs no `ws` package, so this implements the parts the transport needs over
 * node:http's upgrade and node:net sockets: the opening handshake (Sec-WebSocket-Accept = base64 SHA-1 of key + GUID),
 * binary/text frames with 7/16/64-bit lengths, client→server masking (required; unmasked client frames are a protocol
 * error), fragmentation (continuation frames are reassembled), ping → pong, and the close handshake. Not implemented:
 * extensions (permessage-deflate), subprotocol negotiation, TLS (loopback only). The masking and handshake keys come
 * from node:crypto (the protocol requires unpredictable keys; they never affect results).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { FormatError, InvalidInput } from '../core/errors';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Largest message accepted (bytes); a bigger frame closes the connection with 1009. */
export const MAX_MESSAGE = 256 * 2 ** 20;

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** Encode one frame. `mask` (client side) XORs the payload with a fresh 4-byte key, as RFC 6455 §5.3 requires. */
export function encodeFrame(opcode: number, payload: Uint8Array, mask: boolean, fin = true): Buffer {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (mask ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(n, 2);
  else if (ext === 8) {
    head.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    head.writeUInt32BE(n >>> 0, 6);
  }
  if (!mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + ext);
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([head, body]);
}

/**
 * One open WebSocket over a net.Socket. Events: 'message' (Uint8Array for binary, string for text), 'close' (code, reason).
 * role 'server' expects masked frames and sends unmasked ones; 'client' the reverse.
 */
export class WsConnection extends EventEmitter {
  private buf: Buffer;
  private parts: Buffer[] = [];
  private partOp = 0;
  private closed = false;
  constructor(
    private readonly socket: Socket,
    readonly role: 'server' | 'client',
    head: Buffer = Buffer.alloc(0),
  ) {
    super();
    this.buf = head;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.parse();
    });
    socket.on('close', () => this.finish(1006, 'connection lost'));
    socket.on('error', () => this.finish(1006, 'socket error'));
    if (head.length) queueMicrotask(() => this.parse());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(data: Uint8Array | string): void {
    if (this.closed) throw new InvalidInput('WebSocket: send on a closed connection');
    const text = typeof data === 'string';
    this.socket.write(encodeFrame(text ? 0x1 : 0x2, text ? Buffer.from(data, 'utf8') : data, this.role === 'client'));
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const p = Buffer.alloc(2 + Buffer.byteLength(reason));
    p.writeUInt16BE(code, 0);
    p.write(reason, 2);
    try {
      this.socket.write(encodeFrame(0x8, p, this.role === 'client'));
    } catch {
      /* socket already gone */
    }
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.finish(code, reason);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, reason);
  }

  private fail(code: number, why: string): void {
    this.emit('protocol-error', new FormatError(`WebSocket: ${why}`));
    this.close(code, why.slice(0, 100));
    this.socket.destroy();
  }

  private parse(): void {
    while (!this.closed && this.buf.length >= 2) {
      const b0 = this.buf[0]!,
        b1 = this.buf[1]!;
      const fin = (b0 & 0x80) !== 0,
        op = b0 & 0x0f,
        masked = (b1 & 0x80) !== 0;
      if (b0 & 0x70) return this.fail(1002, 'reserved bits set (no extension was negotiated)');
      if (masked !== (this.role === 'server'))
        return this.fail(1002, this.role === 'server' ? 'client frame not masked' : 'server frame masked');
      let len = b1 & 0x7f,
        off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        const hi = this.buf.readUInt32BE(2);
        len = hi * 2 ** 32 + this.buf.readUInt32BE(6);
        off = 10;
      }
      if (len > MAX_MESSAGE) return this.fail(1009, `frame of ${len} bytes exceeds ${MAX_MESSAGE}`);
      const mo = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i]! ^= this.buf[mo + (i & 3)]!;
      this.buf = this.buf.subarray(off + len);
      if (op >= 0x8) {
        // control frames: never fragmented, ≤ 125 bytes
        if (!fin || len > 125) return this.fail(1002, 'fragmented or oversized control frame');
        if (op === 0x8) {
          const code = len >= 2 ? payload.readUInt16BE(0) : 1005;
          if (!this.closed) {
            try {
              this.socket.write(encodeFrame(0x8, payload.subarray(0, 2), this.role === 'client'));
            } catch {
              /* gone */
            }
            this.socket.end();
          }
          this.finish(code, payload.subarray(2).toString('utf8'));
          return;
        }
        if (op === 0x9) this.socket.write(encodeFrame(0xa, payload, this.role === 'client'));
        else if (op !== 0xa) return this.fail(1002, `unknown control opcode ${op}`);
        continue;
      }
      if (op === 0x0) {
        if (!this.partOp) return this.fail(1002, 'continuation without a first fragment');
      } else if (op === 0x1 || op === 0x2) {
        if (this.partOp) return this.fail(1002, 'new message inside a fragmented one');
        this.partOp = op;
      } else return this.fail(1002, `unknown opcode ${op}`);
      this.parts.push(payload);
      if (this.parts.reduce((a, p) => a + p.length, 0) > MAX_MESSAGE) return this.fail(1009, 'message too large');
      if (!fin) continue;
      const msg = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
      const kind = this.partOp;
      this.parts = [];
      this.partOp = 0;
      this.emit('message', kind === 0x1 ? msg.toString('utf8') : new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
    }
  }
}

/** A WebSocket server on `host:port` (default loopback, an ephemeral port). `onConnection` gets each accepted socket and the request path. */
export async function wsListen(
  onConnection: (ws: WsConnection, path: string) => void,
  o: { host?: string; port?: number } = {},
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' });
    res.end('WebSocket upgrade required\n');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const key = req.headers['sec-websocket-key'];
    if (
      String(req.headers.upgrade).toLowerCase() !== 'websocket' ||
      req.headers['sec-websocket-version'] !== '13' ||
      typeof key !== 'string' ||
      Buffer.from(key, 'base64').length !== 16
    ) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    );
    onConnection(new WsConnection(socket, 'server', head), req.url ?? '/');
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', rej);
      res();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    server,
    url: `ws://${host}:${port}`,
    close: () =>
      new Promise<void>((res) => {
        server.closeAllConnections?.();
        server.close(() => res());
      }),
  };
}

/** Open a client connection to ws://host:port/path. Rejects with FormatError when the handshake is wrong. */
export function wsConnect(url: string, o: { timeoutMs?: number } = {}): Promise<WsConnection> {
  const u = new URL(url);
  if (u.protocol !== 'ws:') return Promise.reject(new InvalidInput(`wsConnect: only ws:// URLs are supported (no TLS), got ${url}`));
  const key = randomBytes(16).toString('base64');
  return new Promise<WsConnection>((resolve, reject) => {
    const req = request({
      host: u.hostname,
      port: Number(u.port || 80),
      path: u.pathname + u.search,
      timeout: o.timeoutMs ?? 10_000,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key },
    });
    req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        reject(new FormatError(`wsConnect: bad Sec-WebSocket-Accept from ${url}`));
        return;
      }
      resolve(new WsConnection(socket, 'client', head));
    });
    req.on('response', (res) => {
      reject(new FormatError(`wsConnect: ${url} answered HTTP ${res.statusCode} instead of 101 Switching Protocols`));
      res.resume();
    });
    req.on('timeout', () => {
      req.destroy();
      reject(new FormatError(`wsConnect: handshake with ${url} timed out`));
    });
    req.on('error', reject);
    req.end();
  });
}
