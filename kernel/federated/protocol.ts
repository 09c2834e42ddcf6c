/**
 * Wire protocol between the server and client hosts. Every message is bytes (so a worker thread, a child process or a
 * WebSocket can carry it): "EFL1" | u32 header length | header JSON | zero padding to 8 | typed-array payloads.
 * Header: { t: type, f: { scalar fields }, a: [[name, dtype, length], …] }.
 *
 * Only the declared message types below cross the transport. `decodeClientMessage` (used by the server on every byte
 * string it receives) rejects — with FormatError naming the problem — an unknown type, a missing or extra field, a wrong
 * dtype, a non-finite value, or a byte count that does not add up. A client therefore cannot send raw data: the only
 * arrays are parameters (checked against the model's size in server.ts) and calibration statistics (checked against
 * d(d+1)/2 and d·C); ids are restricted identifiers, and the one free-text field (an error message) is capped at 512 chars.
 */
import { FormatError } from '../core/errors';

export type WireDtype = 'float32' | 'float64';

/** server → client */
export type ServerMessage =
  | {
      type: 'train';
      clientId: string;
      round: number;
      seed: number;
      epochs: number;
      batchSize: number;
      lr: number;
      mu: number;
      params: Float32Array | Float64Array;
    }
  | { type: 'stats'; clientId: string; round: number; bias: boolean; params: Float32Array | Float64Array };

/** client → server (the declared set) */
export type ClientMessage =
  | { type: 'update'; clientId: string; round: number; n: number; loss: number; params: Float32Array | Float64Array }
  | { type: 'stats'; clientId: string; round: number; n: number; G: Float64Array; B: Float64Array }
  | { type: 'error'; clientId: string; round: number; message: string }
  /** First message of a network host (socket-host.ts): which clients it runs, their sample counts, the fixed-head fingerprint. */
  | { type: 'hello'; host: string; clientIds: string; nParams: number; headHash: string; samples: Float64Array };

/** 'id': a short identifier ([A-Za-z0-9_.:-], ≤ 64 chars); 'ids': comma-separated ids; 'hash': 8 hex digits or ''; 'str': free text ≤ 512 chars. */
type Scalar = 'id' | 'ids' | 'hash' | 'str' | 'int' | 'num' | 'bool';
interface Schema {
  f: Record<string, Scalar>;
  a: Record<string, WireDtype[]>;
}

const SERVER_SCHEMA: Record<ServerMessage['type'], Schema> = {
  train: {
    f: { clientId: 'id', round: 'int', seed: 'int', epochs: 'int', batchSize: 'int', lr: 'num', mu: 'num' },
    a: { params: ['float32', 'float64'] },
  },
  stats: { f: { clientId: 'id', round: 'int', bias: 'bool' }, a: { params: ['float32', 'float64'] } },
};
const CLIENT_SCHEMA: Record<ClientMessage['type'], Schema> = {
  update: { f: { clientId: 'id', round: 'int', n: 'int', loss: 'num' }, a: { params: ['float32', 'float64'] } },
  stats: { f: { clientId: 'id', round: 'int', n: 'int' }, a: { G: ['float64'], B: ['float64'] } },
  error: { f: { clientId: 'id', round: 'int', message: 'str' }, a: {} },
  hello: { f: { host: 'id', clientIds: 'ids', nParams: 'int', headHash: 'hash' }, a: { samples: ['float64'] } },
};

const MAGIC = [0x45, 0x46, 0x4c, 0x31]; // "EFL1"
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Whether `id` is a valid client/host identifier on the wire ([A-Za-z0-9_.:-], 1–64 chars). */
export function isWireId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** Encode any message object: scalar fields into the header, typed arrays as payloads. */
export function encode(msg: { type: string } & Record<string, unknown>): Uint8Array {
  const f: Record<string, unknown> = {},
    arrays: [string, Float32Array | Float64Array][] = [];
  for (const [k, v] of Object.entries(msg)) {
    if (k === 'type') continue;
    if (v instanceof Float32Array || v instanceof Float64Array) arrays.push([k, v]);
    else f[k] = v;
  }
  const header = new TextEncoder().encode(
    JSON.stringify({ t: msg.type, f, a: arrays.map(([k, v]) => [k, v instanceof Float32Array ? 'float32' : 'float64', v.length]) }),
  );
  let off = 8 + header.length;
  off = (off + 7) & ~7;
  const total = off + arrays.reduce((s, [, v]) => s + v.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  for (const [, v] of arrays) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), off);
    off += v.byteLength;
  }
  return out;
}

function decodeWith<T>(bytes: Uint8Array, schemas: Record<string, Schema>, who: string): T {
  const bad = (m: string) => new FormatError(`${who}: ${m}`);
  if (!(bytes instanceof Uint8Array)) throw bad('expected bytes (Uint8Array)');
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b))
    throw bad(`bad magic or truncated message (${bytes.length} bytes); expected "EFL1"`);
  const hl = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + hl > bytes.length) throw bad(`header length ${hl} runs past the message (${bytes.length} bytes)`);
  let h: { t?: unknown; f?: unknown; a?: unknown };
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hl))) as typeof h;
  } catch (e) {
    throw bad(`header is not JSON (${(e as Error).message})`);
  }
  if (!h || typeof h !== 'object' || typeof h.t !== 'string') throw bad('header has no message type');
  const schema = Object.prototype.hasOwnProperty.call(schemas, h.t) ? schemas[h.t] : undefined;
  if (!schema) throw bad(`undeclared message type ${JSON.stringify(h.t).slice(0, 40)}; declared: ${Object.keys(schemas).join(', ')}`);
  const f = h.f as Record<string, unknown>,
    a = h.a as unknown[];
  if (!f || typeof f !== 'object' || Array.isArray(f) || !Array.isArray(a)) throw bad(`${h.t}: malformed header (fields/arrays)`);
  const out: Record<string, unknown> = { type: h.t };
  for (const k of Object.keys(f)) if (!(k in schema.f)) throw bad(`${h.t}: undeclared field ${JSON.stringify(k)}`);
  for (const [k, kind] of Object.entries(schema.f)) {
    const v = f[k];
    const ok =
      kind === 'id'
        ? typeof v === 'string' && ID.test(v)
        : kind === 'ids'
          ? typeof v === 'string' && v.length <= 8192 && v.split(',').every((x) => ID.test(x))
          : kind === 'hash'
            ? typeof v === 'string' && /^([0-9a-f]{8})?$/.test(v)
            : kind === 'str'
              ? typeof v === 'string' && v.length <= 512
              : kind === 'bool'
                ? typeof v === 'boolean'
                : kind === 'int'
                  ? typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
                  : typeof v === 'number' && Number.isFinite(v);
    if (!ok) throw bad(`${h.t}: field ${k} = ${JSON.stringify(v)?.slice(0, 40)}; expected ${kind}`);
    out[k] = v;
  }
  let off = (8 + hl + 7) & ~7;
  const seen = new Set<string>();
  for (const e of a) {
    if (!Array.isArray(e) || e.length !== 3) throw bad(`${h.t}: malformed array entry`);
    const [name, dt, len] = e as [unknown, unknown, unknown];
    if (typeof name !== 'string' || !(name in schema.a)) throw bad(`${h.t}: undeclared array ${JSON.stringify(name)}`);
    if (seen.has(name)) throw bad(`${h.t}: array ${name} sent twice`);
    seen.add(name);
    if (!schema.a[name]!.includes(dt as WireDtype))
      throw bad(`${h.t}: array ${name} has dtype ${JSON.stringify(dt)}; expected ${schema.a[name]!.join(' or ')}`);
    if (typeof len !== 'number' || !Number.isSafeInteger(len) || len < 0)
      throw bad(`${h.t}: array ${name} has bad length ${JSON.stringify(len)}`);
    const bpe = dt === 'float32' ? 4 : 8,
      nb = len * bpe;
    if (off + nb > bytes.length) throw bad(`${h.t}: array ${name} (${len} × ${dt}) runs past the message`);
    const copy = bytes.slice(off, off + nb);
    const arr = dt === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
    for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) throw bad(`${h.t}: ${name}[${i}] is ${arr[i]}; expected finite`);
    out[name] = arr;
    off += nb;
  }
  for (const k of Object.keys(schema.a)) if (!seen.has(k)) throw bad(`${h.t}: array ${k} missing`);
  if (off !== bytes.length) throw bad(`${h.t}: ${bytes.length - off} unexplained trailing bytes`);
  return out as T;
}

/** Server side: decode and validate a client's reply. Throws FormatError for anything outside the declared set. */
export function decodeClientMessage(bytes: Uint8Array): ClientMessage {
  return decodeWith<ClientMessage>(bytes, CLIENT_SCHEMA, 'client message');
}
/** Client side: decode and validate a server request. */
export function decodeServerMessage(bytes: Uint8Array): ServerMessage {
  return decodeWith<ServerMessage>(bytes, SERVER_SCHEMA, 'server message');
}
/** The client → server message types the server accepts. */
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_SCHEMA) as ClientMessage['type'][];
